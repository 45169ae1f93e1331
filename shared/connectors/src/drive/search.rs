//! `files.list` with `fullText contains`, paged until the limit or the last page.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Drive;
use super::render::hit;
use super::wire::FileList;
use crate::connector::Search;
use crate::query::dialect::{self, Pass};
use crate::query::{Plan, Planned};
use crate::upstream::Auth;
use crate::{SearchHit, SourceError, SourceKind};

/// `capabilities/canDownload` says, per caller, whether the hit's text may be read for them
/// (see `File::can_download`).
const FIELDS: &str = "nextPageToken,incompleteSearch,files(id,name,mimeType,webViewLink,modifiedTime,description,driveId,owners(displayName,emailAddress),capabilities/canDownload)";
/// Pages fetched at most per search.
const MAX_PAGES: usize = 5;

/// Escapes a value for a single-quoted Drive query string: backslashes first, then quotes.
pub fn escape_query(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// What every search adds: no trashed files, no folders.
const NOT_TRASH_OR_FOLDER: &str =
    "trashed = false and mimeType != 'application/vnd.google-apps.folder'";

impl Search for Drive {
    const KIND: SourceKind = SourceKind::GoogleDrive;

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let q = format!(
            "fullText contains '{}' and {NOT_TRASH_OR_FOLDER}",
            escape_query(query)
        );
        self.list(token, &q, limit, deadline).await
    }

    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let Some(strict) = dialect::drive(plan, Pass::Strict) else {
            let hits = self
                .search_with(token, &plan.original, limit, deadline)
                .await?;
            return Ok(Planned::pass_through(hits, &plan.original));
        };
        let q = format!("({strict}) and {NOT_TRASH_OR_FOLDER}");
        let hits = self.list(token, &q, limit, deadline).await?;
        let relaxed = || {
            dialect::drive(plan, Pass::Relaxed).map(|relaxed| {
                let q = format!("({relaxed}) and {NOT_TRASH_OR_FOLDER}");
                (q.clone(), q)
            })
        };
        Ok(Planned::pass_through(hits, &q)
            .relax_once(plan, limit, relaxed, |q: String| async move {
                self.list(token, &q, limit, deadline).await
            })
            .await)
    }
}

impl Drive {
    /// `files.list` for `q`, paged until `limit` hits or the last page.
    async fn list(
        &self,
        token: &SecretString,
        q: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let page_size = limit.clamp(1, 100).to_string();
        let url = self.base_url.join(&["drive", "v3", "files"]);
        let mut hits = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("q", q),
                ("fields", FIELDS),
                ("pageSize", page_size.as_str()),
                ("corpora", "allDrives"),
                ("includeItemsFromAllDrives", "true"),
                ("supportsAllDrives", "true"),
            ];
            if let Some(t) = &page_token {
                params.push(("pageToken", t.as_str()));
            }
            let page: FileList = self
                .upstream
                .json(Auth::Bearer(token), deadline, |http| {
                    http.get(url.clone()).query(&params)
                })
                .await?;
            hits.extend(page.files.iter().map(hit));
            page_token = page.next_page_token;
            // Partial or empty pages can come before the end: only a missing token ends the list.
            if hits.len() >= limit || page_token.is_none() {
                break;
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_backslashes_before_quotes() {
        assert_eq!(
            escape_query(r"quinn's paper\essay"),
            r"quinn\'s paper\\essay"
        );
        assert_eq!(escape_query(r"\'"), r"\\\'");
    }
}
