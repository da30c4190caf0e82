//! Secrets: argon2id password hashes, random tokens from the OS, and SHA-256 digests.
//! Hashing costs ~25 ms of CPU by design; callers on the web run it in `web::block`.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

/// An argon2id hash in PHC string form, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Hash(error.to_string()))
}

/// True when the password matches the stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored_hash)
        .is_ok()
}

/// A hash to verify against when the login does not exist, so that an unknown login takes
/// as long as a wrong password and the two cannot be told apart by timing.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8l3dI8WrTFugq4ZyEMrnDomDy5ZTWkvT5H2o0s1mHHM"
}

/// 32 random bytes as 64 hex characters: session tokens and CSRF tokens.
pub fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| Error::Random(error.to_string()))?;
    Ok(hex::encode(bytes))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256 of `data` under `key` (RFC 2104): signatures of offline packets and the
/// verification codes of issued documents.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// True when `signature` is the HMAC-SHA256 of `data` under `key`, compared in constant time.
pub fn hmac_sha256_verify(key: &[u8], data: &[u8], signature: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    let expected = hmac_sha256(key, data);
    signature.len() == expected.len() && bool::from(expected.ct_eq(signature))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(left: &str, right: &str) -> bool {
    use subtle::ConstantTimeEq;
    left.len() == right.len() && bool::from(left.as_bytes().ct_eq(right.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(hmac_sha256_verify(
            b"Jefe",
            b"what do ya want for nothing?",
            &mac
        ));
        assert!(!hmac_sha256_verify(
            b"Jefe",
            b"what do ya want for nothing!",
            &mac
        ));
        assert!(!hmac_sha256_verify(
            b"Jefe",
            b"what do ya want for nothing?",
            &mac[..31]
        ));
    }

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let first = hash_password("correct horse").unwrap();
        let second = hash_password("correct horse").unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(verify_password("correct horse", &first));
        assert!(!verify_password("wrong horse", &first));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password("anything", decoy_hash()));
    }

    #[test]
    fn tokens_are_random_hex() {
        let token = random_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(token, random_token().unwrap());
        assert!(constant_time_eq(&token, &token.clone()));
        assert!(!constant_time_eq(&token, "short"));
    }
}
