//! Rendered page text, per container, keyed by page id and `last_edited_time`.
//!
//! Rendering a page costs one `GET /v1/blocks/{id}/children` per block with children; a page that
//! comes back in the next search (or is fetched after being found) needs none of them again while
//! its `last_edited_time` is unchanged. An edit changes the key, so the next read renders afresh.
//! Notion reports `last_edited_time` to the minute, so an entry also expires after [`TTL`]: an
//! edit within the minute of a read is seen at most that late.
//!
//! The cache holds text only for pages a caller's own request just named (a search hit, or a
//! page `GET` that succeeded with the caller's token), so it never shows a caller a page they
//! could not find. It is bounded in entries and bytes; the least recently used entry goes first.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long an entry is trusted.
pub(super) const TTL: Duration = Duration::from_secs(600);
/// Most pages kept.
const MAX_ENTRIES: usize = 256;
/// Most bytes of text kept, over all pages.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// A page's rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rendered {
    /// The text, Markdown-like (see `render.rs`).
    pub(super) text: String,
    /// Whether `text` is the whole page (no cap cut it).
    pub(super) complete: bool,
}

struct Entry {
    rendered: Rendered,
    stored: Instant,
    used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<(String, String), Entry>,
    bytes: usize,
    clock: u64,
}

/// The cache (see the module's documentation).
#[derive(Default)]
pub(super) struct PageTextCache {
    inner: Mutex<Inner>,
}

impl PageTextCache {
    /// The text of `page` as last edited at `edited`, if cached and fresh.
    pub(super) fn get(&self, page: &str, edited: &str) -> Option<Rendered> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let clock = inner.clock;
        let key = (page.to_owned(), edited.to_owned());
        let entry = inner.entries.get_mut(&key)?;
        if entry.stored.elapsed() > TTL {
            let bytes = entry.rendered.text.len();
            inner.entries.remove(&key);
            inner.bytes -= bytes;
            return None;
        }
        entry.used = clock;
        Some(entry.rendered.clone())
    }

    /// Keeps `rendered` for `page` as last edited at `edited`, replacing an older rendering of
    /// the same page, evicting the least recently used pages to stay within the bounds.
    pub(super) fn put(&self, page: &str, edited: &str, rendered: Rendered) {
        if rendered.text.len() > MAX_BYTES {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Inner {
            entries,
            bytes,
            clock,
        } = &mut *inner;
        *clock += 1;
        // Older editions of the page are dead weight.
        entries.retain(|(id, _), entry| {
            let keep = id != page;
            if !keep {
                *bytes -= entry.rendered.text.len();
            }
            keep
        });
        while !entries.is_empty()
            && (entries.len() >= MAX_ENTRIES || *bytes + rendered.text.len() > MAX_BYTES)
        {
            let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = entries.remove(&oldest) {
                *bytes -= gone.rendered.text.len();
            }
        }
        *bytes += rendered.text.len();
        entries.insert(
            (page.to_owned(), edited.to_owned()),
            Entry {
                rendered,
                stored: Instant::now(),
                used: *clock,
            },
        );
    }

    /// Pages held, and bytes of text.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (inner.entries.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Rendered {
        Rendered {
            text: s.into(),
            complete: true,
        }
    }

    #[test]
    fn an_edit_is_a_miss_and_replaces_the_old_edition() {
        let cache = PageTextCache::default();
        cache.put("p", "t1", text("old"));
        assert_eq!(cache.get("p", "t1"), Some(text("old")));
        assert_eq!(cache.get("p", "t2"), None);
        cache.put("p", "t2", text("new"));
        assert_eq!(cache.get("p", "t1"), None);
        assert_eq!(cache.size(), (1, 3));
    }

    #[test]
    fn the_least_recently_used_page_goes_first_and_the_bounds_hold() {
        let cache = PageTextCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(&format!("p{i}"), "t", text("x"));
            if i == 0 {
                continue;
            }
            // Page 0 stays in use.
            assert!(cache.get("p0", "t").is_some(), "{i}");
        }
        assert_eq!(cache.size(), (MAX_ENTRIES, MAX_ENTRIES));
        assert!(cache.get("p1", "t").is_none());
        let big = "y".repeat(MAX_BYTES / 2 + 1);
        cache.put("a", "t", text(&big));
        cache.put("b", "t", text(&big));
        let (_, bytes) = cache.size();
        assert!(bytes <= MAX_BYTES, "{bytes}");
        assert!(cache.get("a", "t").is_none() && cache.get("b", "t").is_some());
    }
}
