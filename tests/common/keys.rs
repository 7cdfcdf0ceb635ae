//! The test-only asymmetric keys of `realtime-core/tests/fixtures/keys` (see the README
//! there), and gateway configurations that verify with them.
//!
//! Include with `#[path = "common/keys.rs"] mod keys;` beside `common/gateway.rs`.

// Each test crate uses only some of these items.
#![allow(dead_code)]

use std::path::PathBuf;

use realtime::gateway::GatewayConfig;
use realtime::TokenSigner;

/// The path of a key fixture, e.g. `jwks.json` or `ed25519-a.pem`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("realtime-core/tests/fixtures/keys")
        .join(name)
}

/// The text of a key fixture.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("read the key fixture {name}: {e}"))
}

/// A signer with the private key of fixture `pem`, naming `kid`.
pub fn signer(kid: &str, pem: &str) -> TokenSigner {
    TokenSigner::from_pem(kid, &fixture(pem)).expect("a fixture private key")
}

/// The Ed25519 key `ed-a` of `jwks.json`.
pub fn eddsa() -> TokenSigner {
    signer("ed-a", "ed25519-a.pem")
}

/// The P-256 key `es-a` of `jwks.json`.
pub fn es256() -> TokenSigner {
    signer("es-a", "p256-a.pem")
}

/// The Ed25519 key `ed-b` of `jwks-b.json`, the key rotated to.
pub fn eddsa_b() -> TokenSigner {
    signer("ed-b", "ed25519-b.pem")
}

/// `config` verifying asymmetric tokens with the fixture `jwks.json` (keys `ed-a`, `es-a`).
pub fn with_jwks_file(config: GatewayConfig) -> GatewayConfig {
    GatewayConfig {
        jwks_file: Some(fixture_path("jwks.json")),
        ..config
    }
}
