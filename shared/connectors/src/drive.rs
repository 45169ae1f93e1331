//! Google Drive v3: `files.list` with `fullText contains`, over My Drive and shared drives.
//!
//! - The query is `fullText contains '<escaped>' and trashed = false and mimeType != folder`,
//!   escaping `\` before `'`; `corpora=allDrives`, `includeItemsFromAllDrives` and
//!   `supportsAllDrives` are sent on every call, and never `orderBy` (Drive refuses it with
//!   `fullText`; results already come by relevance).
//! - Drive has no snippet API: the snippet is the file's description, else a line saying what the
//!   file is and who owns it. Full text comes from `fetch`/`include_content`.
//! - Content: Docs and Slides exported as `text/plain`, Sheets as `text/csv`, text-like files
//!   downloaded with `alt=media`; a file over Drive's 10 MB export limit comes back without text
//!   and says so.

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::time::Instant;

use crate::broker::{TokenBroker, begin};
use crate::endpoint::BaseUrl;
use crate::http::{self, Api};
use crate::id::DriveFileId;
use crate::retry::{Failure, with_retries};
use crate::text::cut_chars;
use crate::{Access, BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext};

const FIELDS: &str = "nextPageToken,incompleteSearch,files(id,name,mimeType,webViewLink,modifiedTime,description,driveId,owners(displayName,emailAddress))";
const GOOGLE_APPS: &str = "application/vnd.google-apps.";
/// Pages fetched at most per search.
const MAX_PAGES: usize = 5;
const REAUTH: &str = "Reconnect Google Drive to workplace-mcp and try again.";

/// Escapes a value for a single-quoted Drive query string: backslashes first, then quotes.
pub fn escape_query(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// The Drive source.
pub struct Drive {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: BaseUrl,
    pub(crate) broker: Arc<dyn TokenBroker>,
    pub(crate) timeout: Duration,
}

impl Drive {
    async fn get(
        &self,
        token: &str,
        url: &url::Url,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Response, Failure> {
        let response = self
            .http
            .get(url.clone())
            .bearer_auth(token)
            .header("accept", "application/json")
            .query(query)
            .send()
            .await
            .map_err(|e| http::transport(Api::Google, &e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(http::failure(Api::Google, response, REAUTH).await)
        }
    }

    async fn search_pages(
        &self,
        token: &str,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let q = format!(
            "fullText contains '{}' and trashed = false and mimeType != 'application/vnd.google-apps.folder'",
            escape_query(query)
        );
        let page_size = limit.clamp(1, 100).to_string();
        let url = self.base_url.join(&["drive", "v3", "files"]);
        let mut hits = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("q", q.as_str()),
                ("fields", FIELDS),
                ("pageSize", page_size.as_str()),
                ("corpora", "allDrives"),
                ("includeItemsFromAllDrives", "true"),
                ("supportsAllDrives", "true"),
            ];
            if let Some(t) = &page_token {
                params.push(("pageToken", t.as_str()));
            }
            let body = with_retries(deadline, || async {
                let response = self.get(token, &url, &params).await?;
                http::json(Api::Google, response).await
            })
            .await?;
            let files = body
                .get("files")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            hits.extend(files.iter().filter_map(hit));
            page_token = body
                .get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_owned);
            // Partial or empty pages can come before the end: only a missing token ends the list.
            if hits.len() >= limit || page_token.is_none() {
                break;
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    async fn fetch_content(
        &self,
        token: &str,
        item: &str,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        // An id Drive could not have issued names nothing this user can see.
        let id = DriveFileId::parse(item).map_err(|_| SourceError::NotFound)?;
        let path = self.base_url.join(&["drive", "v3", "files", id.as_str()]);
        let export = self
            .base_url
            .join(&["drive", "v3", "files", id.as_str(), "export"]);
        let meta = with_retries(deadline, || async {
            let response = self
                .get(
                    token,
                    &path,
                    &[
                        ("supportsAllDrives", "true"),
                        ("fields", "id,name,mimeType,webViewLink,size"),
                    ],
                )
                .await?;
            http::json(Api::Google, response).await
        })
        .await?;
        let title = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let url = meta
            .get("webViewLink")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mime = meta
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let unavailable = |reason: String| Content {
            title: title.clone(),
            url: url.clone(),
            text: String::new(),
            truncated: false,
            unavailable_reason: Some(reason),
        };

        let (download_path, params): (url::Url, Vec<(&str, &str)>) =
            match mime.strip_prefix(GOOGLE_APPS) {
                Some("document" | "presentation") => (
                    export.clone(),
                    vec![("mimeType", "text/plain"), ("supportsAllDrives", "true")],
                ),
                Some("spreadsheet") => (
                    export.clone(),
                    vec![("mimeType", "text/csv"), ("supportsAllDrives", "true")],
                ),
                Some(other) => {
                    return Ok(unavailable(format!(
                        "Google {other} files have no text export"
                    )));
                }
                None if is_text(&mime) => (
                    path.clone(),
                    vec![("alt", "media"), ("supportsAllDrives", "true")],
                ),
                None => return Ok(unavailable(format!("no text extraction for {mime} files"))),
            };
        let byte_limit = max_chars.saturating_mul(4).saturating_add(4);
        let fetched = with_retries(deadline, || async {
            let response = self.get(token, &download_path, &params).await?;
            http::bounded_bytes(response, byte_limit)
                .await
                .map_err(|e| http::transport(Api::Google, &e))
        })
        .await;
        let (bytes, cut_bytes) = match fetched {
            Ok(ok) => ok,
            Err(SourceError::Upstream { message, .. })
                if message.contains("exportSizeLimitExceeded") =>
            {
                return Ok(unavailable(
                    "the file is larger than Google's 10 MB export limit".into(),
                ));
            }
            Err(err) => return Err(err),
        };
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (text, cut) = cut_chars(text, max_chars);
        Ok(Content {
            title,
            url,
            text: text.to_owned(),
            truncated: cut || cut_bytes,
            unavailable_reason: None,
        })
    }
}

fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/xml" | "application/x-yaml"
        )
}

fn hit(file: &Value) -> Option<SearchHit> {
    let id = file.get("id")?.as_str()?;
    let name = file
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("(untitled)");
    let mime = file
        .get("mimeType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let owner = file
        .pointer("/owners/0/displayName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let description = file
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim();
    let kind = match mime.strip_prefix(GOOGLE_APPS) {
        Some("document") => "Google Docs document".to_owned(),
        Some("spreadsheet") => "Google Sheets spreadsheet".to_owned(),
        Some("presentation") => "Google Slides presentation".to_owned(),
        _ => format!("{mime} file"),
    };
    let snippet = if description.is_empty() {
        let place = if file.get("driveId").is_some() {
            " in a shared drive"
        } else {
            ""
        };
        match &owner {
            Some(owner) => format!("{kind}{place}, owned by {owner}"),
            None => format!("{kind}{place}"),
        }
    } else {
        description.to_owned()
    };
    Some(SearchHit {
        item_id: id.to_owned(),
        title: name.to_owned(),
        url: file.get("webViewLink").and_then(Value::as_str).map_or_else(
            || format!("https://drive.google.com/file/d/{id}/view"),
            str::to_owned,
        ),
        snippet,
        modified_time: file
            .get("modifiedTime")
            .and_then(Value::as_str)
            .map(str::to_owned),
        author: owner,
    })
}

impl Source for Drive {
    fn kind(&self) -> SourceKind {
        SourceKind::GoogleDrive
    }

    /// Both modes act as the user: their own token, or delegation impersonating them.
    fn access(&self) -> Access {
        Access::PerUser
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.search_pages(token.expose_secret(), query, limit, deadline)
                .await
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        item_id: &'a str,
        max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.fetch_content(token.expose_secret(), item_id, max_chars, deadline)
                .await
        })
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

    #[test]
    fn snippets_say_what_the_file_is_when_drive_has_none() {
        let file = serde_json::json!({"id": "1", "name": "Budget", "mimeType": "application/vnd.google-apps.spreadsheet",
            "owners": [{"displayName": "Alice"}]});
        assert_eq!(
            hit(&file).unwrap().snippet,
            "Google Sheets spreadsheet, owned by Alice"
        );
        assert!(hit(&serde_json::json!({"name": "no id"})).is_none());
    }
}
