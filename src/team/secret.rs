//! Secrets the sidecar hands out (API keys, invitation tokens) and how they
//! are kept: only a SHA-256 hash is ever stored, lookups are by hash and the
//! final comparison is constant-time.
//!
//! A secret is `<kind prefix><random>.<account>`: 192 random bits from `rand`'s thread-local
//! CSPRNG (ChaCha, seeded and reseeded from the OS), base64url, then the base64url of the account id. Carrying the
//! account lets every store operation on a secret run inside the account's
//! Redis hash slot (one atomic script, Redis Cluster included); the account
//! id is not a secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix of API key secrets (recognisable by secret scanners).
pub const API_KEY_PREFIX: &str = "tk_";

/// Prefix of invitation tokens.
pub const INVITATION_TOKEN_PREFIX: &str = "tki_";

/// How many characters of an API key secret are shown as its `prefix`.
pub const SHOWN_PREFIX_LEN: usize = API_KEY_PREFIX.len() + 8;

const RANDOM_BYTES: usize = 24;

/// A freshly generated secret: the plain text (returned to the caller once)
/// and the hash (the only thing stored).
#[derive(Clone)]
pub struct NewSecret {
    /// Plain text; never stored or logged.
    pub plain: String,
    /// Hex SHA-256 of `plain`.
    pub hash: String,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// Generates a secret with `prefix` bound to `account`.
pub fn generate(prefix: &str, account: &str) -> NewSecret {
    let mut random = [0u8; RANDOM_BYTES];
    rand::rng().fill_bytes(&mut random);
    let plain = format!(
        "{prefix}{}.{}",
        URL_SAFE_NO_PAD.encode(random),
        URL_SAFE_NO_PAD.encode(account.as_bytes())
    );
    let hash = hash(&plain);
    NewSecret { plain, hash }
}

/// Hex SHA-256 of a secret.
pub fn hash(plain: &str) -> String {
    let digest = Sha256::digest(plain.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Constant-time equality of two hashes (or any two secrets).
pub fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The account a secret of kind `prefix` was issued for, or `None` when the
/// text does not have the shape of such a secret.
pub fn account_of(prefix: &str, plain: &str) -> Option<String> {
    let rest = plain.strip_prefix(prefix)?;
    let (random, account) = rest.split_once('.')?;
    let random = URL_SAFE_NO_PAD.decode(random).ok()?;
    if random.len() != RANDOM_BYTES {
        return None;
    }
    let account = URL_SAFE_NO_PAD.decode(account).ok()?;
    String::from_utf8(account).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_hash() {
        let s = generate(API_KEY_PREFIX, "acct_1");
        assert!(s.plain.starts_with("tk_"));
        assert_eq!(
            account_of(API_KEY_PREFIX, &s.plain).as_deref(),
            Some("acct_1")
        );
        assert_eq!(account_of(INVITATION_TOKEN_PREFIX, &s.plain), None);
        assert_eq!(s.hash, hash(&s.plain));
        assert_eq!(s.hash.len(), 64);
        assert!(!s.hash.contains(&s.plain));
        assert_ne!(generate(API_KEY_PREFIX, "acct_1").plain, s.plain);
        assert!(same(&s.hash, &hash(&s.plain)));
        assert!(!format!("{s:?}").contains(&s.plain));
    }

    #[test]
    fn malformed() {
        for bad in ["", "tk_", "tk_abc", "tk_abc.def", "tk_!!.YQ", "xx_AAAA.YQ"] {
            assert_eq!(account_of(API_KEY_PREFIX, bad), None, "{bad}");
        }
    }
}
