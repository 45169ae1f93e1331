//! Document text, per container, keyed by item id and the item's last-change time.
//!
//! Reading a document again costs round trips (a Notion page: one `GET /v1/blocks/{id}/children`
//! per block with children; a Drive file: an export or a download and its extraction). An item
//! that comes back in the next search, or is fetched after being found, needs none of them again
//! while its last-change time (Notion's `last_edited_time`, Drive's `modifiedTime`) is unchanged:
//! an edit changes the key, so the next read starts afresh. Notion reports `last_edited_time` to
//! the minute, so an entry also expires after [`TTL`]: an edit within the minute of a read is
//! seen at most that late.
//!
//! The cache is shared by every caller of the container, so it answers only a caller whose own
//! request in this call proved they may read the item's *content*, not just see it: a search hit
//! or a metadata `GET` that succeeded with the caller's token, and for Drive one where Drive said
//! `capabilities.canDownload: true` for them (a viewer of a `copyRequiresWriterPermission` file
//! sees it but may not download it, so gets no text, cached or not). Notion has no such split:
//! a page the caller's token can retrieve is a page whose blocks it can read. It is bounded in
//! entries and bytes; the least recently used entry goes first.
//!
//! With a [`SharedCache`], a local miss reads the text another container extracted, under the
//! same gate (the caller's own request proved access before [`TextCache::get`] is asked), and
//! every render is written there too. A shallow render is kept under a key of its own: it is not
//! a prefix of the item's text, so another container's fetch must never page through one, while
//! another container's snippet may use it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use workplace_cache::{Part, SharedCache};

/// How long an entry is trusted.
pub(crate) const TTL: Duration = Duration::from_secs(600);
/// Most items kept.
const MAX_ENTRIES: usize = 256;
/// Most bytes of text kept, over all items.
const MAX_BYTES: usize = 8 * 1024 * 1024;

/// An item's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// The text, Markdown-like.
    pub(crate) text: String,
    /// Whether `text` is the whole item (no cap cut it).
    pub(crate) complete: bool,
    /// Whether `text` is a snippet render that left out nested content (a Notion page's top-level
    /// blocks only): good for a snippet, but *not* a prefix of the item's full text, so it never
    /// answers a fetch. A fetch pages through one text by offset; serving one page from a shallow
    /// render and the next from a full one would silently drop (or repeat) the nested blocks at
    /// the page boundary.
    pub(crate) shallow: bool,
    /// Whether the item has no text at this edition and `text` says why (a file that failed to
    /// extract in a way that would fail again: see `document::Text::Unreadable`); `complete`
    /// then says whether the failed read was a whole read (so it answers fetches too) or a
    /// snippet's bounded one (snippets only).
    pub(crate) unreadable: bool,
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
pub(crate) struct TextCache {
    inner: Mutex<Inner>,
    /// The cache shared across containers and the source whose items this cache holds.
    shared: Option<(SharedCache, &'static str)>,
}

/// A render as the shared cache holds it: one byte of flags, then the text.
fn encode(rendered: &Rendered) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(rendered.text.len() + 1);
    bytes.push(u8::from(rendered.complete) | (u8::from(rendered.unreadable) << 1));
    bytes.extend_from_slice(rendered.text.as_bytes());
    bytes
}

/// The shared key's last field for a shallow render.
const SHALLOW: &str = "shallow";

fn decode(bytes: Vec<u8>, shallow: bool) -> Option<Rendered> {
    let (&flags, text) = bytes.split_first()?;
    Some(Rendered {
        text: String::from_utf8(text.to_vec()).ok()?,
        complete: flags & 1 == 1,
        shallow,
        unreadable: flags & 2 == 2,
    })
}

impl TextCache {
    /// A cache of `source`'s items that also reads and writes `shared`.
    pub(crate) fn with_shared(shared: Option<SharedCache>, source: &'static str) -> Self {
        Self {
            inner: Mutex::default(),
            shared: shared.map(|cache| (cache, source)),
        }
    }

    /// The text of item `page` as last changed at `edited`, if cached and fresh here or, failing
    /// that, in the shared cache (kept here once read); a shallow render only if `shallow_ok`.
    /// Ask only once the caller's own request proved it may read the item.
    pub(crate) async fn get(&self, page: &str, edited: &str, shallow_ok: bool) -> Option<Rendered> {
        if let Some(rendered) = self.get_local(page, edited)
            && (shallow_ok || !rendered.shallow)
        {
            return Some(rendered);
        }
        let (cache, source) = self.shared.as_ref()?;
        let full = async {
            let (bytes, _) = cache.get(Part::Text, &[source, page, edited]).await?;
            decode(bytes, false)
        };
        let rendered = if shallow_ok {
            // Both at once: a miss costs one round trip, whichever of the two another container left.
            let shallow = async {
                let (bytes, _) = cache
                    .get(Part::Text, &[source, page, edited, SHALLOW])
                    .await?;
                decode(bytes, true)
            };
            let (full, shallow) = tokio::join!(full, shallow);
            full.or(shallow)?
        } else {
            full.await?
        };
        self.put_local(page, edited, rendered.clone());
        Some(rendered)
    }

    /// Keeps `rendered` for item `page` as last changed at `edited`, here and in the shared
    /// cache (a shallow render under its own key).
    pub(crate) fn put(&self, page: &str, edited: &str, rendered: Rendered) {
        if let Some((cache, source)) = &self.shared
            && rendered.text.len() <= MAX_BYTES
        {
            let full = [*source, page, edited];
            let shallow = [*source, page, edited, SHALLOW];
            cache.put(
                Part::Text,
                if rendered.shallow {
                    &shallow[..]
                } else {
                    &full[..]
                },
                &encode(&rendered),
                SystemTime::now() + cache.text_ttl(),
                false,
            );
        }
        self.put_local(page, edited, rendered);
    }

    /// The text of item `page` as last changed at `edited`, if cached here and fresh.
    fn get_local(&self, page: &str, edited: &str) -> Option<Rendered> {
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

    /// Keeps `rendered` for item `page` as last changed at `edited` here, replacing an older
    /// edition of the same item, evicting the least recently used items to stay within the bounds.
    fn put_local(&self, page: &str, edited: &str, rendered: Rendered) {
        if rendered.text.len() > MAX_BYTES {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        // A snippet rendered concurrently with a fetch never replaces the fetch's full render of
        // the same edition.
        if rendered.shallow
            && inner
                .entries
                .get(&(page.to_owned(), edited.to_owned()))
                .is_some_and(|e| !e.rendered.shallow)
        {
            return;
        }
        let Inner {
            entries,
            bytes,
            clock,
        } = &mut *inner;
        *clock += 1;
        // Older editions of the item are dead weight.
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
            shallow: false,
            unreadable: false,
        }
    }

    #[test]
    fn a_shallow_render_never_replaces_a_full_one_of_the_same_edition() {
        let cache = TextCache::default();
        cache.put("p", "t1", text("# Title\n- a\n  - nested"));
        let shallow = Rendered {
            text: "# Title\n- a".into(),
            complete: false,
            shallow: true,
            unreadable: false,
        };
        cache.put("p", "t1", shallow.clone());
        assert_eq!(
            cache.get_local("p", "t1"),
            Some(text("# Title\n- a\n  - nested"))
        );
        // A newer edition replaces it, shallow or not.
        cache.put("p", "t2", shallow.clone());
        assert_eq!(cache.get_local("p", "t2"), Some(shallow));
    }

    #[test]
    fn an_edit_is_a_miss_and_replaces_the_old_edition() {
        let cache = TextCache::default();
        cache.put("p", "t1", text("old"));
        assert_eq!(cache.get_local("p", "t1"), Some(text("old")));
        assert_eq!(cache.get_local("p", "t2"), None);
        cache.put("p", "t2", text("new"));
        assert_eq!(cache.get_local("p", "t1"), None);
        assert_eq!(cache.size(), (1, 3));
    }

    #[test]
    fn the_least_recently_used_page_goes_first_and_the_bounds_hold() {
        let cache = TextCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(&format!("p{i}"), "t", text("x"));
            if i == 0 {
                continue;
            }
            // Page 0 stays in use.
            assert!(cache.get_local("p0", "t").is_some(), "{i}");
        }
        assert_eq!(cache.size(), (MAX_ENTRIES, MAX_ENTRIES));
        assert!(cache.get_local("p1", "t").is_none());
        let big = "y".repeat(MAX_BYTES / 2 + 1);
        cache.put("a", "t", text(&big));
        cache.put("b", "t", text(&big));
        let (_, bytes) = cache.size();
        assert!(bytes <= MAX_BYTES, "{bytes}");
        assert!(cache.get_local("a", "t").is_none() && cache.get_local("b", "t").is_some());
    }
}
