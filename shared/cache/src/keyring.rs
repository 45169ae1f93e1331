//! The cache's keys: one that names items, and the ones that seal them.
//!
//! An item's partition key is an HMAC-SHA-256, under the lookup key, of its part and its fields
//! (a user's subject, a source, an item id): the table shows neither who nor what. The lookup key
//! does not rotate with the sealing keys, so a rotation does not empty the cache.
//!
//! An item's value is sealed with AES-256-GCM under the first sealing key, with a fresh random
//! nonce, and authenticated together with its partition key and expiry, so an entry moved to
//! another key or given a longer life does not open. Every listed key opens: rotating means
//! putting a new key first and dropping the old one once its entries have expired (a day at most).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use crate::Part;

/// Why the keys cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// `cache_keys` is empty.
    #[error("cache_keys lists no key")]
    NoKeys,
    /// A key is not 32 bytes of standard base64 (the value is never shown).
    #[error("cache_keys[{index}] is not 32 bytes of base64 ({why})")]
    Invalid {
        /// Its position in `cache_keys`.
        index: usize,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The system's random source failed.
    #[error("no random nonce could be drawn")]
    Random,
}

/// One sealing key and the name items carry to say which key sealed them.
struct SealKey {
    id: String,
    key: LessSafeKey,
}

/// A sealed value: which key, the nonce, and the ciphertext with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The sealing key's id (a digest of the key, not the key).
    pub key_id: String,
    /// The AES-GCM nonce.
    pub nonce: Vec<u8>,
    /// The ciphertext followed by the tag.
    pub ciphertext: Vec<u8>,
}

/// The lookup key and the sealing keys (see the module's documentation).
pub struct Keyring {
    lookup: hmac::Key,
    keys: Vec<SealKey>,
    random: SystemRandom,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field(
                "key_ids",
                &self.keys.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// The keyring of `lookup_secret` (any length; the lookup key is derived from it) and the
    /// sealing `keys`, the first of which seals.
    pub fn new(lookup_secret: &[u8], keys: &[SecretString]) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::NoKeys);
        }
        let keys = keys
            .iter()
            .enumerate()
            .map(|(index, key)| {
                let bytes =
                    STANDARD
                        .decode(key.expose_secret().trim())
                        .map_err(|_| KeyError::Invalid {
                            index,
                            why: "not base64",
                        })?;
                if bytes.len() != 32 {
                    return Err(KeyError::Invalid {
                        index,
                        why: "wrong length",
                    });
                }
                let id = hex::encode(
                    &digest(&SHA256, &[b"workplace-cache key id\0", &bytes[..]].concat()).as_ref()
                        [..6],
                );
                let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| KeyError::Invalid {
                    index,
                    why: "rejected by AES-256-GCM",
                })?;
                Ok(SealKey {
                    id,
                    key: LessSafeKey::new(key),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let derive = hmac::Key::new(hmac::HMAC_SHA256, lookup_secret);
        let lookup = hmac::sign(&derive, b"workplace-mcp shared cache lookup v1");
        Ok(Self {
            lookup: hmac::Key::new(hmac::HMAC_SHA256, lookup.as_ref()),
            keys,
            random: SystemRandom::new(),
        })
    }

    /// The partition key of `part`'s item for `fields`. Fields are length-prefixed, so no two
    /// lists of fields give the same input.
    pub fn item_key(&self, part: Part, fields: &[&str]) -> String {
        let mut context = hmac::Context::with_key(&self.lookup);
        context.update(part.as_str().as_bytes());
        for field in fields {
            context.update(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
            context.update(field.as_bytes());
        }
        hex::encode(context.sign().as_ref())
    }

    /// A keyed fingerprint of `value` (e.g. a cached token), so an entry can be deleted only if
    /// it still holds that value, without the table holding the value.
    pub fn fingerprint(&self, value: &[u8]) -> String {
        let mut context = hmac::Context::with_key(&self.lookup);
        context.update(b"fingerprint\0");
        context.update(value);
        hex::encode(&context.sign().as_ref()[..16])
    }

    /// `plaintext` sealed under the first key, bound to `aad`.
    pub fn seal(&self, aad: &[u8], mut plaintext: Vec<u8>) -> Result<Sealed, KeyError> {
        let SealKey { id, key } = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce).map_err(|_| KeyError::Random)?;
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut plaintext,
        )
        .map_err(|_| KeyError::Random)?;
        Ok(Sealed {
            key_id: id.clone(),
            nonce: nonce.to_vec(),
            ciphertext: plaintext,
        })
    }

    /// The plaintext of `sealed` if one of the keys sealed it with this `aad`; `None` for a key
    /// no longer listed, a different `aad`, or any alteration.
    pub fn open(&self, aad: &[u8], sealed: Sealed) -> Option<Vec<u8>> {
        let key = self.keys.iter().find(|k| k.id == sealed.key_id)?;
        let nonce = Nonce::try_assume_unique_for_key(&sealed.nonce).ok()?;
        let mut in_out = sealed.ciphertext;
        let len = key
            .key
            .open_in_place(nonce, Aad::from(aad), &mut in_out)
            .ok()?
            .len();
        in_out.truncate(len);
        Some(in_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretString {
        SecretString::from(STANDARD.encode([byte; 32]))
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64_and_errors_do_not_show_them() {
        assert_eq!(Keyring::new(b"l", &[]).unwrap_err(), KeyError::NoKeys);
        let short = SecretString::from(STANDARD.encode([7u8; 16]));
        let err = Keyring::new(b"l", &[key(1), short]).unwrap_err();
        assert_eq!(
            err,
            KeyError::Invalid {
                index: 1,
                why: "wrong length"
            }
        );
        let err = Keyring::new(b"l", &[SecretString::from("hunter2!")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn item_keys_depend_on_the_lookup_secret_part_and_every_field_boundary() {
        let ring = Keyring::new(b"lookup", &[key(1)]).unwrap();
        let a = ring.item_key(Part::Token, &["ab", "c"]);
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            Keyring::new(b"lookup", &[key(2)])
                .unwrap()
                .item_key(Part::Token, &["ab", "c"]),
            "sealing keys do not move items"
        );
        assert_ne!(a, ring.item_key(Part::Token, &["a", "bc"]));
        assert_ne!(a, ring.item_key(Part::Text, &["ab", "c"]));
        assert_ne!(
            a,
            Keyring::new(b"other", &[key(1)])
                .unwrap()
                .item_key(Part::Token, &["ab", "c"])
        );
    }

    #[test]
    fn sealed_values_open_under_any_listed_key_and_only_with_their_aad() {
        let old = Keyring::new(b"l", &[key(1)]).unwrap();
        let sealed = old.seal(b"pk1", b"secret token".to_vec()).unwrap();
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"secret"));
        let rotated = Keyring::new(b"l", &[key(2), key(1)]).unwrap();
        assert_eq!(
            rotated.open(b"pk1", sealed.clone()).unwrap(),
            b"secret token"
        );
        assert_eq!(
            rotated.open(b"pk2", sealed.clone()),
            None,
            "moved to another item"
        );
        let retired = Keyring::new(b"l", &[key(2)]).unwrap();
        assert_eq!(retired.open(b"pk1", sealed.clone()), None, "key dropped");
        for i in 0..sealed.ciphertext.len() {
            let mut altered = sealed.clone();
            altered.ciphertext[i] ^= 1;
            assert_eq!(old.open(b"pk1", altered), None, "byte {i}");
        }
        let again = old.seal(b"pk1", b"secret token".to_vec()).unwrap();
        assert_ne!(again.nonce, sealed.nonce, "a fresh nonce per seal");
        assert_eq!(
            rotated.seal(b"x", vec![]).unwrap().key_id,
            Keyring::new(b"l", &[key(2)])
                .unwrap()
                .seal(b"x", vec![])
                .unwrap()
                .key_id
        );
    }
}
