//! A file's text: Docs and Slides exported as `text/plain`, Sheets as `text/csv`, text-like files
//! downloaded with `alt=media`, bounded; what has no text says why.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Drive;
use super::render::GOOGLE_APPS;
use super::wire::File;
use crate::connector::Read;
use crate::id::DriveFileId;
use crate::upstream::{Auth, classify};
use crate::{Content, SourceError};

fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/xml" | "application/x-yaml"
        )
}

impl Read for Drive {
    type Id = DriveFileId;

    fn parse_id(item_id: &str) -> Result<DriveFileId, SourceError> {
        DriveFileId::parse(item_id).map_err(|_| SourceError::NotFound)
    }

    async fn content_with(
        &self,
        token: &SecretString,
        id: &DriveFileId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let path = self.base_url.join(&["drive", "v3", "files", id.as_str()]);
        let meta: File = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| {
                http.get(path.clone()).query(&[
                    ("supportsAllDrives", "true"),
                    ("fields", "id,name,mimeType,webViewLink,size"),
                ])
            })
            .await?;
        let title = meta.name.unwrap_or_default();
        let url = meta.web_view_link.unwrap_or_default();
        let mime = meta.mime_type;
        let unavailable = |reason: String| Content::unavailable(title.clone(), url.clone(), reason);

        let export = || {
            self.base_url
                .join(&["drive", "v3", "files", id.as_str(), "export"])
        };
        let (download, params): (url::Url, Vec<(&str, &str)>) = match mime.strip_prefix(GOOGLE_APPS)
        {
            Some("document" | "presentation") => (
                export(),
                vec![("mimeType", "text/plain"), ("supportsAllDrives", "true")],
            ),
            Some("spreadsheet") => (
                export(),
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
        let api = self.upstream.api();
        let fetched = self
            .upstream
            .call(
                Auth::Bearer(token),
                deadline,
                |http| http.get(download.clone()).query(&params),
                |response| async move {
                    classify::bounded_bytes(response, byte_limit)
                        .await
                        .map_err(|e| classify::transport(api, &e))
                },
            )
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
        Ok(Content::from_bytes(
            title, url, &bytes, cut_bytes, max_chars,
        ))
    }
}
