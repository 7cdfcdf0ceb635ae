//! `realtime serve --jwks-file`: a gateway process that verifies EdDSA and ES256 tokens
//! with the public keys of the test-only fixture JWKS, refuses a JWKS with a private part
//! at start, and takes a JWKS file or a URL, not both.

#[path = "../../tests/common/hang_guard.rs"]
mod hang_guard;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use hang_guard::within;
use realtime::TokenSigner;
use serde_json::{json, Value};

const KEY: &str = "signkey-test-6a6b";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../realtime-core/tests/fixtures/keys")
        .join(name)
}

fn signer(kid: &str, pem: &str) -> TokenSigner {
    TokenSigner::from_pem(kid, &std::fs::read_to_string(fixture(pem)).unwrap()).unwrap()
}

/// A `realtime serve` process, killed on drop.
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_realtime"))
            .args(["serve", "--addr", "127.0.0.1:0", "--signing-key", KEY])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start `realtime serve`");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the gateway printed `listening on`");
        Serve { child, addr }
    }

    /// The status and `code` of an SSE subscription with `jwt` (the code empty when 200).
    async fn subscribe(&self, jwt: &str) -> (u16, String) {
        let url = format!("http://{}/v1/realtime/sse?token={jwt}", self.addr);
        let response = within(reqwest::get(url)).await.expect("the gateway answers");
        let status = response.status().as_u16();
        if status == 200 {
            return (status, String::new());
        }
        let body: Value = within(response.json()).await.expect("an error body");
        (status, body["code"].as_str().unwrap_or_default().to_owned())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(signer: &TokenSigner) -> String {
    signer.mint_names("pipeline:cli", ["status"], false).unwrap().jwt
}

#[tokio::test]
async fn serve_with_a_jwks_file_accepts_tokens_of_its_keys_only() {
    let jwks = fixture("jwks.json");
    let serve = Serve::start(&["--jwks-file", jwks.to_str().unwrap()]);
    assert_eq!(
        serve.subscribe(&token(&signer("ed-a", "ed25519-a.pem"))).await.0,
        200
    );
    assert_eq!(
        serve.subscribe(&token(&signer("es-a", "p256-a.pem"))).await.0,
        200
    );
    assert_eq!(
        serve.subscribe(&token(&signer("ed-b", "ed25519-b.pem"))).await,
        (401, "token_unknown_key".to_owned())
    );
}

fn serve_output(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_realtime"))
        .args(["serve", "--addr", "127.0.0.1:0", "--signing-key", KEY])
        .args(args)
        .output()
        .expect("run `realtime serve`")
}

#[test]
fn serve_refuses_to_start_with_a_jwks_holding_a_private_key() {
    let mut jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("jwks.json")).unwrap()).unwrap();
    jwks["keys"][0]["d"] = json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    let path = std::env::temp_dir().join(format!("realtime-cli-private-jwks-{}.json", std::process::id()));
    std::fs::write(&path, jwks.to_string()).unwrap();
    let output = serve_output(&["--jwks-file", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("key `ed-a` of the JWKS holds a private part (`d`)"),
        "{stderr}"
    );
}

#[test]
fn serve_takes_a_jwks_file_or_a_url_not_both() {
    let jwks = fixture("jwks.json");
    let output = serve_output(&[
        "--jwks-file",
        jwks.to_str().unwrap(),
        "--jwks-url",
        "http://127.0.0.1:9/jwks.json",
    ]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--jwks-url"), "{stderr}");
}
