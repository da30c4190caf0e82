//! Verification codes (核验码) of issued documents: short, printed in the footer, derived
//! from the document's data rather than its bytes (a code cannot be a hash of the bytes it is
//! printed in). The code is the HMAC-SHA256, under a key only the server holds, of the kind,
//! the subject and the SHA-256 of the document's canonical data, cut to 60 bits and written
//! in Crockford's base32 as XXXX-XXXX-XXXX. The same data always gives the same code;
//! without the key nobody can make a code that the server will recognise.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Crockford's base32: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code (5 bits each: 60 bits).
pub const LENGTH: usize = 12;

/// The SHA-256 of a document's canonical data (its view serialised as JSON).
pub fn data_digest(canonical: &[u8]) -> [u8; 32] {
    Sha256::digest(canonical).into()
}

/// The code for a document of `kind` about `subject` whose data has digest `data`.
pub fn derive(key: &[u8], kind: &str, subject: &str, data: &[u8; 32]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes keys of any length")
    };
    for part in [kind.as_bytes(), subject.as_bytes()] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.update(data);
    let tag = mac.finalize().into_bytes();
    let mut bits = 0_u64;
    for byte in tag.iter().take(8) {
        bits = (bits << 8) | u64::from(*byte);
    }
    let raw: String = (0..LENGTH)
        .map(|index| {
            let shift = 64 - 5 * (index + 1);
            char::from(ALPHABET[((bits >> shift) & 31) as usize])
        })
        .collect();
    format(&raw)
}

fn format(raw: &str) -> String {
    let mut out = String::with_capacity(LENGTH + 2);
    for (index, character) in raw.chars().enumerate() {
        if index > 0 && index % 4 == 0 {
            out.push('-');
        }
        out.push(character);
    }
    out
}

/// A code as someone typed it, in canonical form: case, spaces, dashes and the look-alikes
/// Crockford's alphabet leaves out (O for 0, I and L for 1) are forgiven. `None` when it
/// cannot be a code (wrong length or other characters).
pub fn normalise(typed: &str) -> Option<String> {
    let mut raw = String::with_capacity(LENGTH);
    for character in typed.chars() {
        let character = match character.to_ascii_uppercase() {
            ' ' | '-' | '\u{3000}' | '\t' | '—' | '－' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !ALPHABET.contains(&u8::try_from(character).ok()?) {
            return None;
        }
        raw.push(character);
        if raw.len() > LENGTH {
            return None;
        }
    }
    (raw.len() == LENGTH).then(|| format(&raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_same_data_gives_the_same_code_and_any_change_another() {
        let key = [7u8; 32];
        let data = data_digest(b"{\"total\":92.5}");
        let code = derive(&key, "feedback", "round:1/unit:2", &data);
        assert_eq!(code, derive(&key, "feedback", "round:1/unit:2", &data));
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        let other_data = data_digest(b"{\"total\":92.0}");
        assert_ne!(
            code,
            derive(&key, "feedback", "round:1/unit:2", &other_data)
        );
        assert_ne!(code, derive(&key, "feedback", "round:1/unit:3", &data));
        assert_ne!(code, derive(&key, "notice", "round:1/unit:2", &data));
        assert_ne!(
            code,
            derive(&[8u8; 32], "feedback", "round:1/unit:2", &data)
        );
        // Kind and subject are length-prefixed: moving a boundary changes the code.
        assert_ne!(
            derive(&key, "ab", "c", &data),
            derive(&key, "a", "bc", &data)
        );
    }

    #[test]
    fn typed_codes_are_forgiven_case_spaces_dashes_and_look_alikes() {
        assert_eq!(
            normalise("abcd efgh jkmn").as_deref(),
            Some("ABCD-EFGH-JKMN")
        );
        assert_eq!(
            normalise(" ABCD-EFGH-JKMN ").as_deref(),
            Some("ABCD-EFGH-JKMN")
        );
        assert_eq!(
            normalise("o1il-0000-zzzz").as_deref(),
            Some("0111-0000-ZZZZ")
        );
        assert_eq!(
            normalise("ABCD－EFGH－JKMN").as_deref(),
            Some("ABCD-EFGH-JKMN")
        );
        assert_eq!(normalise("ABCD-EFGH-JKM"), None);
        assert_eq!(normalise("ABCD-EFGH-JKMNP"), None);
        assert_eq!(normalise("ABCD-EFGH-JKMU"), None);
        assert_eq!(normalise("核验码"), None);
        assert_eq!(normalise(""), None);
    }

    proptest! {
        #[test]
        fn every_derived_code_reads_back_as_itself(
            key in proptest::collection::vec(any::<u8>(), 0..64),
            kind in "[a-z_]{1,12}",
            subject in ".{0,40}",
            data in any::<[u8; 32]>(),
        ) {
            let code = derive(&key, &kind, &subject, &data);
            let read_back = normalise(&code);
            prop_assert_eq!(read_back.as_deref(), Some(code.as_str()));
            prop_assert_eq!(normalise(&code.to_lowercase().replace('-', " ")), Some(code.clone()));
        }

        #[test]
        fn normalise_never_panics(typed in ".{0,40}") {
            let _ = normalise(&typed);
        }
    }
}
