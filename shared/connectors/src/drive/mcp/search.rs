//! `search_files`, paged until the limit or the last page, and its files as hits.

use serde_json::json;
use tokio::time::Instant;

use super::DriveMcp;
use super::wire::{File, FileList};
use crate::drive::search::escape_query;
use crate::query::dialect::{self, Pass};
use crate::query::{Plan, Planned};
use crate::{SearchHit, SourceError, UserContext};

/// Pages fetched at most per search, as in REST mode.
const MAX_PAGES: usize = 5;
/// What every search adds. The MCP dialect has no `trashed` term: the server leaves the trash
/// out of what it searches.
const NOT_FOLDER: &str = "mimeType != 'application/vnd.google-apps.folder'";
/// Prefix of Google's own document types.
const GOOGLE_APPS: &str = "application/vnd.google-apps.";

impl DriveMcp {
    /// The query as typed, as one `fullText` term.
    pub(super) async fn search_text(
        &self,
        user: &UserContext,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let q = format!(
            "fullText contains '{}' and {NOT_FOLDER}",
            escape_query(query)
        );
        self.list(user, &q, limit, deadline).await
    }

    /// A plan in the REST dialect's words (see the module doc), the strict pass then the relaxed
    /// one, as every connector runs them.
    pub(super) async fn search_planned(
        &self,
        user: &UserContext,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let filters =
            crate::drive::filters::apply(&plan.filters, crate::drive::filters::Language::Mcp);
        // The caller's filters bind both passes; the query as typed when the plan has no terms.
        let with_filters = |terms: String| match &filters.clause {
            Some(clause) => format!("({terms}) and {clause} and {NOT_FOLDER}"),
            None => format!("({terms}) and {NOT_FOLDER}"),
        };
        let strict = dialect::drive(plan, Pass::Strict)
            .unwrap_or_else(|| format!("fullText contains '{}'", escape_query(&plan.original)));
        let q = with_filters(strict);
        let relaxed = || {
            dialect::drive(plan, Pass::Relaxed).map(|relaxed| {
                let q = with_filters(relaxed);
                (q.clone(), q)
            })
        };
        let mut planned = Planned::both_passes(
            plan,
            limit,
            &q,
            self.list(user, &q, limit, deadline),
            relaxed,
            |q: String| async move { self.list(user, &q, limit, deadline).await },
        )
        .await?;
        planned.applied = filters.filters;
        Ok(planned)
    }

    /// `search_files` for `q`, paged until `limit` hits, a page without a token, or an empty
    /// page (the server's way of saying there is no more).
    async fn list(
        &self,
        user: &UserContext,
        q: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let page_size = limit.clamp(1, 100);
        let mut hits = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut arguments = json!({"query": q, "pageSize": page_size});
            if let Some(token) = &page_token {
                arguments["pageToken"] = json!(token);
            }
            let page: FileList = self.call(user, "search_files", arguments, deadline).await?;
            if page.files.is_empty() {
                break;
            }
            hits.extend(page.files.iter().map(hit));
            page_token = page.next_page_token.filter(|t| !t.is_empty());
            if hits.len() >= limit || page_token.is_none() {
                break;
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }
}

/// A file as a hit: Google's `contentSnippet` when it sent one, else the description, else a line
/// saying what the file is and whose it is (as in REST mode).
pub(super) fn hit(file: &File) -> SearchHit {
    let mime = file.mime_type.as_str();
    let kind = match mime.strip_prefix(GOOGLE_APPS) {
        Some("document") => "Google Docs document".to_owned(),
        Some("spreadsheet") => "Google Sheets spreadsheet".to_owned(),
        Some("presentation") => "Google Slides presentation".to_owned(),
        _ => format!("{mime} file"),
    };
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let snippet = text(&file.content_snippet)
        .or_else(|| text(&file.description))
        .unwrap_or_else(|| match &file.owner {
            Some(owner) => format!("{kind}, owned by {owner}"),
            None => kind,
        });
    let id = &file.id;
    SearchHit {
        item_id: id.clone(),
        title: file.title.clone().unwrap_or_else(|| "(untitled)".into()),
        url: file
            .view_url
            .clone()
            .unwrap_or_else(|| format!("https://drive.google.com/file/d/{id}/view")),
        snippet,
        modified_time: file.modified_time.clone(),
        author: file.owner.clone(),
        created_time: file.created_time.clone(),
        owner: file.owner.clone(),
        item_type: crate::query::ItemType::of_media_type(mime),
        // Google already wrote the passage; nothing is read again for it.
        media_type: None,
        details: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit_of(value: serde_json::Value) -> SearchHit {
        hit(&serde_json::from_value::<File>(value).unwrap())
    }

    #[test]
    fn snippets_come_from_google_else_say_what_the_file_is() {
        let with = hit_of(
            json!({"id": "1", "title": "Budget", "mimeType": "text/plain",
            "contentSnippet": " the Q3 budget is approved ", "owner": "alice@acme.example"}),
        );
        assert_eq!(with.snippet, "the Q3 budget is approved");
        assert_eq!(with.url, "https://drive.google.com/file/d/1/view");
        let without = hit_of(json!({"id": "2", "title": "Plan",
            "mimeType": "application/vnd.google-apps.spreadsheet", "owner": "alice@acme.example"}));
        assert_eq!(
            without.snippet,
            "Google Sheets spreadsheet, owned by alice@acme.example"
        );
        assert_eq!(without.media_type, None);
    }
}
