//! Page cursors: where the next page of a search starts, in a token only this deployment can
//! write and only the same user can use for the same search, for a while.
//!
//! A cursor holds no state on the server (any container answers the next page): it is the
//! offset in the ranking (see `page.rs`), an expiry, and two short keyed tags, one of the user
//! and one of the search (query, sources, filters), signed with HMAC-SHA-256 under the secret's
//! `cursor_key`. The tags are keyed so a cursor reveals neither the user nor the query; they are
//! separate so that a refusal can say *why*: altered, another user's, another search's, or
//! expired. `fetch`'s cursors are the same, their "search" being the item.
//!
//! Format: `base64url(payload) "." base64url(first 16 bytes of the MAC)`, the payload being
//! `v1.<offset>.<expiry unix seconds>.<user tag>.<search tag>`.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How long a cursor is good for when `CURSOR_TTL_SECONDS` is not set.
pub const DEFAULT_TTL_SECONDS: u64 = 900;

/// Why a cursor was refused; each says what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor at all, or altered, or signed with another key (another deployment, or a
    /// rotated `cursor_key`).
    #[error(
        "this cursor was altered or was not issued by this server: pass `next_cursor` unchanged, or search again without `cursor`"
    )]
    Tampered,
    /// Issued to another user.
    #[error("this cursor was issued to another user: search again without `cursor`")]
    Foreign,
    /// Issued for another query, other sources or other filters.
    #[error(
        "this cursor belongs to another search: pass the same query, sources and filters as the page it came from"
    )]
    OtherSearch,
    /// Past its expiry.
    #[error("this cursor has expired: search again without `cursor` to start over")]
    Expired,
}

/// Signs and checks cursors.
#[derive(Clone)]
pub struct Cursors {
    key: hmac::Key,
    ttl_seconds: u64,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursors")
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
    }
}

const VERSION: &str = "v1";
const MAC_BYTES: usize = 16;
const TAG_BYTES: usize = 12;

impl Cursors {
    /// Cursors keyed with `key`, good for `ttl_seconds`.
    pub fn new(key: &[u8], ttl_seconds: u64) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            ttl_seconds,
        }
    }

    /// Cursors keyed with a random key: they work only within this container. Used when the
    /// secret holds neither `cursor_key` nor `query_hash_key` (start-up warns).
    pub fn random(ttl_seconds: u64) -> Self {
        let key: [u8; 32] = rand::random();
        Self::new(&key, ttl_seconds)
    }

    /// A cursor for the page starting at `offset` of `search` (the search's canonical bytes), for
    /// `subject`, issued at `now` (unix seconds).
    pub fn issue(&self, subject: &str, search: &[u8], offset: usize, now: u64) -> String {
        let payload = format!(
            "{VERSION}.{offset}.{}.{}.{}",
            now.saturating_add(self.ttl_seconds),
            self.tag(b"user", subject.as_bytes()),
            self.tag(b"search", search),
        );
        let mac = hmac::sign(&self.key, payload.as_bytes());
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&mac.as_ref()[..MAC_BYTES])
        )
    }

    /// The offset `cursor` continues at, when it is genuine, `subject`'s, for `search`, and not
    /// expired at `now`.
    pub fn open(
        &self,
        cursor: &str,
        subject: &str,
        search: &[u8],
        now: u64,
    ) -> Result<usize, CursorError> {
        let (payload, mac) = cursor.split_once('.').ok_or(CursorError::Tampered)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CursorError::Tampered)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| CursorError::Tampered)?;
        let expected = hmac::sign(&self.key, &payload);
        // Constant time: the comparison must not tell an attacker how much of a forged MAC was
        // right.
        if mac.len() != MAC_BYTES
            || aws_lc_rs::constant_time::verify_slices_are_equal(
                &mac,
                &expected.as_ref()[..MAC_BYTES],
            )
            .is_err()
        {
            return Err(CursorError::Tampered);
        }
        let payload = std::str::from_utf8(&payload).map_err(|_| CursorError::Tampered)?;
        let mut parts = payload.split('.');
        let (Some(VERSION), Some(offset), Some(expiry), Some(user), Some(of_search), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CursorError::Tampered);
        };
        if user != self.tag(b"user", subject.as_bytes()) {
            return Err(CursorError::Foreign);
        }
        if of_search != self.tag(b"search", search) {
            return Err(CursorError::OtherSearch);
        }
        let expiry: u64 = expiry.parse().map_err(|_| CursorError::Tampered)?;
        if now >= expiry {
            return Err(CursorError::Expired);
        }
        offset.parse().map_err(|_| CursorError::Tampered)
    }

    /// A keyed tag of `value` in the domain `label`, short enough to keep cursors small.
    fn tag(&self, label: &[u8], value: &[u8]) -> String {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(label);
        context.update(&[0]);
        context.update(value);
        URL_SAFE_NO_PAD.encode(&context.sign().as_ref()[..TAG_BYTES])
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_796_000_000;

    fn cursors() -> Cursors {
        Cursors::new(b"test key", 900)
    }

    #[test]
    fn a_cursor_opens_for_its_user_and_search_until_it_expires() {
        let c = cursors().issue("alice", b"budget", 30, NOW);
        assert_eq!(cursors().open(&c, "alice", b"budget", NOW + 899), Ok(30));
        assert_eq!(
            cursors().open(&c, "alice", b"budget", NOW + 900),
            Err(CursorError::Expired)
        );
        assert_eq!(
            cursors().open(&c, "bob", b"budget", NOW),
            Err(CursorError::Foreign)
        );
        assert_eq!(
            cursors().open(&c, "alice", b"budgets", NOW),
            Err(CursorError::OtherSearch)
        );
    }

    #[test]
    fn altered_or_foreign_key_cursors_are_refused() {
        let c = cursors().issue("alice", b"budget", 30, NOW);
        assert_eq!(
            Cursors::new(b"other key", 900).open(&c, "alice", b"budget", NOW),
            Err(CursorError::Tampered)
        );
        // Every single-character change to the cursor is caught.
        let bytes = c.as_bytes();
        for at in 0..bytes.len() {
            for replacement in [b'A', b'z', b'0', b'.', b'_'] {
                if bytes[at] == replacement {
                    continue;
                }
                let mut altered = bytes.to_vec();
                altered[at] = replacement;
                let altered = String::from_utf8(altered).unwrap();
                assert!(
                    cursors().open(&altered, "alice", b"budget", NOW).is_err(),
                    "{altered}"
                );
            }
        }
        // A payload re-signed by nobody: a larger offset with the old MAC.
        let (_, mac) = c.split_once('.').unwrap();
        let forged = format!(
            "{}.{mac}",
            URL_SAFE_NO_PAD.encode(format!("v1.9999.{}.x.y", NOW + 900))
        );
        assert_eq!(
            cursors().open(&forged, "alice", b"budget", NOW),
            Err(CursorError::Tampered)
        );
        for junk in ["", ".", "abc", "a.b", "....", &"A".repeat(512)] {
            assert_eq!(
                cursors().open(junk, "alice", b"budget", NOW),
                Err(CursorError::Tampered),
                "{junk}"
            );
        }
    }

    #[test]
    fn cursors_reveal_neither_user_nor_query() {
        let c = cursors().issue("alice@acme.example", b"secret merger plans", 10, NOW);
        let (payload, _) = c.split_once('.').unwrap();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert!(
            !payload.contains("alice") && !payload.contains("merger"),
            "{payload}"
        );
        assert!(c.len() < 200, "{} bytes", c.len());
    }
}
