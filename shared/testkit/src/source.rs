//! A source double that answers at once, from memory.

use std::sync::Arc;

use workplace_connectors::{
    Access, BoxFuture, Content, ItemId, SearchHit, Source, SourceError, SourceKind, UserContext,
};

/// How a [`FixedSource`] writes a document's text from its id.
pub type TextFn = fn(&str) -> String;

/// Fixed hits (ids [`item_id`]`(kind, 1)`, `(kind, 2)`, … titled "<Source> budget N"), or a fixed
/// error; every document's text comes from a [`TextFn`] given the item's id.
pub struct FixedSource {
    /// The source it stands for.
    pub kind: SourceKind,
    /// What `search` returns (at most `limit` of them).
    pub hits: Vec<SearchHit>,
    /// What `search` fails with instead, when set.
    pub error: Option<SourceError>,
    /// The text of a document.
    pub text: TextFn,
    /// Whose permissions its results stand for (per-user unless built by [`FixedSource::shared`]).
    pub access: Access,
}

/// The `n`th item id of `kind` (`n` < 100): its registry example, numbered, in its grammar, so
/// ids a double returns survive `fetch`'s parsing like real ones.
pub fn item_id(kind: SourceKind, n: usize) -> String {
    let example = workplace_connectors::registry::entry(kind).example_id;
    let stem = example
        .get(..example.len().saturating_sub(2))
        .unwrap_or_default();
    format!("{stem}{:02}", n % 100)
}

fn default_text(item_id: &str) -> String {
    format!("The full text of {item_id}. ").repeat(10)
}

impl FixedSource {
    /// `n` hits.
    pub fn with_hits(kind: SourceKind, n: usize) -> Arc<dyn Source> {
        Arc::new(Self::new(kind, n, default_text))
    }

    /// `n` hits whose documents' text comes from `text`.
    pub fn with_text(kind: SourceKind, n: usize, text: TextFn) -> Arc<dyn Source> {
        Arc::new(Self::new(kind, n, text))
    }

    /// A source whose searches fail with `error`.
    pub fn failing(kind: SourceKind, error: SourceError) -> Arc<dyn Source> {
        Arc::new(Self {
            error: Some(error),
            ..Self::new(kind, 0, default_text)
        })
    }

    /// `n` hits from a source running on one shared credential.
    pub fn shared(kind: SourceKind, n: usize) -> Arc<dyn Source> {
        Arc::new(Self {
            access: Access::Shared,
            ..Self::new(kind, n, default_text)
        })
    }

    /// The unboxed double, for a test that sets its fields itself.
    pub fn new(kind: SourceKind, n: usize, text: TextFn) -> Self {
        let hits = (1..=n)
            .map(|i| SearchHit {
                item_id: item_id(kind, i),
                title: format!("{} budget {i}", kind.display_name()),
                url: format!("https://{}.example.com/doc/{i}", kind.as_str()),
                snippet: format!("snippet {i}"),
                modified_time: Some("2026-11-01T10:00:00Z".into()),
                author: Some("Alice".into()),
                created_time: None,
                owner: None,
                item_type: None,
                media_type: None,
                details: None,
            })
            .collect();
        Self {
            kind,
            hits,
            error: None,
            text,
            access: Access::PerUser,
        }
    }
}

impl Source for FixedSource {
    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn access(&self) -> Access {
        self.access
    }

    fn search<'a>(
        &'a self,
        _user: &'a UserContext,
        _query: &'a str,
        limit: usize,
        _deadline: workplace_connectors::Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            match &self.error {
                Some(err) => Err(err.clone()),
                None => Ok(self.hits.iter().take(limit).cloned().collect()),
            }
        })
    }

    fn content<'a>(
        &'a self,
        _user: &'a UserContext,
        id: &'a ItemId,
        _max_chars: usize,
        _deadline: workplace_connectors::Deadline,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            // A failing source fails reads too, as an unconnected or unreachable one does.
            if let Some(err) = &self.error {
                return Err(err.clone());
            }
            let item_id = id.item().to_string();
            Ok(Content {
                url: format!("https://example.com/{item_id}"),
                text: (self.text)(&item_id),
                title: item_id,
                truncated: false,
                unavailable_reason: None,
                details: None,
            })
        })
    }
}

/// Three hits from every source.
pub fn all_sources() -> Vec<Arc<dyn Source>> {
    SourceKind::ALL
        .iter()
        .copied()
        .map(|k| FixedSource::with_hits(k, 3))
        .collect()
}
