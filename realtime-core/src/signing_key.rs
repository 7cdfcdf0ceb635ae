//! The signing key: signs subscription tokens and authenticates server-side callers.

use std::fmt;

use sha2::{Digest, Sha256};

/// A secret signing key, as the reference system's `signkey-<env>-<hex>` or any string.
///
/// It signs tokens (HMAC-SHA256 over the key's bytes) and authenticates callers that
/// present it as `Authorization: Bearer ...`, in any of the forms the reference SDKs send:
/// the key itself, `signkey-<env>-<sha256 of the hex-decoded part>` (JavaScript), or the
/// bare SHA-256 hex (Python).
///
/// ```
/// use realtime_core::SigningKey;
/// let key = SigningKey::new("signkey-test-12345678abcdef");
/// assert!(key.accepts("signkey-test-12345678abcdef"));
/// assert!(key.accepts("signkey-test-790477b138b1c953127edeb0229e15bb15983b97cb388a9d357b52dcc2f3627e"));
/// assert!(key.accepts("790477b138b1c953127edeb0229e15bb15983b97cb388a9d357b52dcc2f3627e"));
/// assert!(!key.accepts("signkey-test-00"));
/// ```
#[derive(Clone)]
pub struct SigningKey {
    raw: String,
    /// The key's secret part, without a `signkey-<env>-` prefix.
    bare: String,
    /// SHA-256 hex of the hex-decoded secret part, if it is hex.
    hashed: Option<String>,
}

impl SigningKey {
    /// A key from its text.
    pub fn new(key: impl Into<String>) -> Self {
        let raw = key.into();
        let bare = strip_prefix(&raw).to_owned();
        let hashed = hex::decode(&bare)
            .ok()
            .map(|bytes| hex::encode(Sha256::digest(bytes)));
        SigningKey { raw, bare, hashed }
    }

    /// The bytes tokens are signed with.
    pub fn secret(&self) -> &[u8] {
        self.raw.as_bytes()
    }

    /// Whether a presented credential is this key, plain or hashed, with or without the
    /// `signkey-<env>-` prefix. Compares in constant time.
    pub fn accepts(&self, presented: &str) -> bool {
        let presented = strip_prefix(presented.trim());
        let plain = constant_time_eq(presented.as_bytes(), self.bare.as_bytes());
        let hashed = self
            .hashed
            .as_ref()
            .is_some_and(|h| constant_time_eq(presented.to_ascii_lowercase().as_bytes(), h.as_bytes()));
        plain | hashed
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Strips a `signkey-<word>-` prefix, as the reference SDKs and server do.
fn strip_prefix(key: &str) -> &str {
    let Some(rest) = key.strip_prefix("signkey-") else {
        return key;
    };
    match rest.find('-') {
        Some(i) if i > 0 && rest[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            &rest[i + 1..]
        }
        _ => key,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_hex_key_is_accepted_only_as_itself() {
        let key = SigningKey::new("plain secret");
        assert!(key.accepts("plain secret"));
        assert!(!key.accepts("plain secreT"));
        assert!(!key.accepts(""));
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(
            format!("{:?}", SigningKey::new("s3cret")),
            "SigningKey(<redacted>)"
        );
    }
}
