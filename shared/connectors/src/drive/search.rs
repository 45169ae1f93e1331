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
const FIELDS: &str = "nextPageToken,incompleteSearch,files(id,name,mimeType,webViewLink,modifiedTime,createdTime,description,driveId,owners(displayName,emailAddress),capabilities/canDownload)";
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
        self.list(token, &q, None, limit, deadline).await
    }

    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let filters = super::filters::apply(&plan.filters, super::filters::Language::Rest);
        // The caller's filters bind both passes; the query as typed when the plan has no terms.
        let with_filters = |terms: String| match &filters.clause {
            Some(clause) => format!("({terms}) and {clause} and {NOT_TRASH_OR_FOLDER}"),
            None => format!("({terms}) and {NOT_TRASH_OR_FOLDER}"),
        };
        let drive = filters.drive.as_deref();
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
            self.list(token, &q, drive, limit, deadline),
            relaxed,
            |q: String| async move { self.list(token, &q, drive, limit, deadline).await },
        )
        .await?;
        planned.applied = filters.filters;
        Ok(planned)
    }
}

impl Drive {
    /// `files.list` for `q` in every drive the user can see, or in one shared `drive`, paged
    /// until `limit` hits or the last page.
    async fn list(
        &self,
        token: &SecretString,
        q: &str,
        drive: Option<&str>,
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
                ("includeItemsFromAllDrives", "true"),
                ("supportsAllDrives", "true"),
            ];
            // Typed query parameters: the drive id is encoded, never spliced into the URL.
            match drive {
                Some(drive) => params.extend([("corpora", "drive"), ("driveId", drive)]),
                None => params.push(("corpora", "allDrives")),
            }
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
