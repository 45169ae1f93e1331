//! A file's text: Docs and Slides exported as `text/plain`, Sheets as `text/csv`, text-like files
//! downloaded with `alt=media`, Office and PDF files downloaded with `alt=media` and extracted
//! (bounded, off the async workers); what has no text says why.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Drive;
use super::render::GOOGLE_APPS;
use super::wire::File;
use crate::connector::Read;
use crate::document::{self, Reader, Text};
use crate::id::DriveFileId;
use crate::text::cut_chars;
use crate::text_cache::Rendered;
use crate::upstream::{Auth, classify};
use crate::{Content, SearchHit, SourceError};

/// Why a file the caller may see has no text for them.
pub(super) const NOT_DOWNLOADABLE: &str = "you may view this file but not download it (its owner turned off downloading, copying and printing for viewers and commenters), so its text is not available here; open the link to read it";

fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/xml" | "application/x-yaml"
        )
}

impl Read for Drive {
    type Id = DriveFileId;

    const READS_HITS: bool = true;

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
                    (
                        "fields",
                        "id,name,mimeType,webViewLink,size,modifiedTime,capabilities/canDownload",
                    ),
                ])
            })
            .await?;
        let can_download = meta.can_download();
        let title = meta.name.unwrap_or_default();
        let url = meta.web_view_link.unwrap_or_default();
        // This caller may see the file but not download it: no export, no download, and above
        // all no cached text another caller's read left behind.
        if !can_download {
            return Ok(Content::unavailable(
                title,
                url,
                NOT_DOWNLOADABLE.to_owned(),
            ));
        }
        let file = FileRef {
            id,
            mime: &meta.mime_type,
            name: &title,
            modified: meta.modified_time.as_deref(),
        };
        let text = self.text(token, &file, false, max_chars, deadline).await?;
        Ok(text.into_content(title, url))
    }

    async fn hit_text_with(
        &self,
        token: &SecretString,
        hit: &SearchHit,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Option<String>, SourceError> {
        // `media_type` is set only for a hit this caller's own search showed they may download
        // (`render::hit`); anything else is not read, nor served from the cache.
        let (Ok(id), Some(mime)) = (DriveFileId::parse(&hit.item_id), &hit.media_type) else {
            return Ok(None);
        };
        let file = FileRef {
            id: &id,
            mime,
            name: &hit.title,
            modified: hit.modified_time.as_deref(),
        };
        let text = self.text(token, &file, true, max_chars, deadline).await?;
        Ok(text.into_text())
    }
}

/// What reading a file needs to know about it.
struct FileRef<'a> {
    id: &'a DriveFileId,
    mime: &'a str,
    name: &'a str,
    /// `modifiedTime`: the cache key's edition.
    modified: Option<&'a str>,
}

impl Drive {
    /// The file's text: from the cache when this edition is there (any length when `partial` is
    /// acceptable, as for a snippet; else whole or at least `max_chars`), else read and kept.
    async fn text(
        &self,
        token: &SecretString,
        file: &FileRef<'_>,
        partial: bool,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Text, SourceError> {
        let id = file.id.as_str();
        if let Some(modified) = file.modified
            && let Some(cached) = self.cache.get(id, modified, false).await
        {
            if cached.unreadable {
                // A failed whole read answers everything; a failed snippet read only snippets.
                if partial || cached.complete {
                    return Ok(Text::Unreadable(cached.text));
                }
            } else if partial || cached.complete || cached.text.chars().count() > max_chars {
                let (text, cut) = cut_chars(&cached.text, max_chars);
                return Ok(Text::Read {
                    text: text.to_owned(),
                    truncated: cut || !cached.complete,
                });
            }
        }
        let text = self
            .read_text(token, file, partial, max_chars, deadline)
            .await?;
        let rendered = match &text {
            Text::Read { text, truncated } => Some(Rendered {
                text: text.clone(),
                complete: !truncated,
                // Any read of a file is a prefix of the same text.
                shallow: false,
                unreadable: false,
            }),
            // Downloading this version again would fail again: remember why.
            Text::Unreadable(reason) => Some(Rendered {
                text: reason.clone(),
                complete: !partial,
                shallow: false,
                unreadable: true,
            }),
            Text::Unavailable(_) => None,
        };
        if let (Some(modified), Some(rendered)) = (file.modified, rendered) {
            self.cache.put(id, modified, rendered);
        }
        Ok(text)
    }

    /// The text of `file`: one export or download. For a snippet (`snippet`), an uploaded
    /// Office or PDF file is downloaded only up to `SNIPPET_MAX_DOWNLOAD_BYTES`, and a larger one
    /// gets no snippet: Drive's search answers no size we could decide on beforehand, and a
    /// container cannot be read from a prefix. Google-native files are exported as text, whose
    /// prefix is all a snippet needs.
    async fn read_text(
        &self,
        token: &SecretString,
        file: &FileRef<'_>,
        snippet: bool,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Text, SourceError> {
        let (id, mime, name) = (file.id, file.mime, file.name);
        let media = || self.base_url.join(&["drive", "v3", "files", id.as_str()]);
        let export = || {
            self.base_url
                .join(&["drive", "v3", "files", id.as_str(), "export"])
        };
        let (download, params, reader): (url::Url, Vec<(&str, &str)>, Reader) =
            match mime.strip_prefix(GOOGLE_APPS) {
                Some("document" | "presentation") => (
                    export(),
                    vec![("mimeType", "text/plain"), ("supportsAllDrives", "true")],
                    Reader::Plain,
                ),
                // CSV keeps the sheet as the comma-separated table Sheets writes (first sheet).
                Some("spreadsheet") => (
                    export(),
                    vec![("mimeType", "text/csv"), ("supportsAllDrives", "true")],
                    Reader::Plain,
                ),
                Some(other) => {
                    return Ok(Text::Unavailable(format!(
                        "Google {other} files have no text export"
                    )));
                }
                None if is_text(mime) => (
                    media(),
                    vec![("alt", "media"), ("supportsAllDrives", "true")],
                    Reader::Plain,
                ),
                None => match Reader::office(Some(mime), Some(name)) {
                    Some(reader) => (
                        media(),
                        vec![("alt", "media"), ("supportsAllDrives", "true")],
                        reader,
                    ),
                    None => {
                        return Ok(Text::Unavailable(format!(
                            "no text extraction for {mime} files"
                        )));
                    }
                },
            };
        let byte_limit = reader.byte_limit(max_chars, &self.limits, snippet);
        if byte_limit == 0 {
            return Ok(Text::Unavailable(
                "no snippets from Office and PDF files".into(),
            ));
        }
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
        let (bytes, cut) = match fetched {
            Ok(ok) => ok,
            Err(SourceError::Upstream { message, .. })
                if message.contains("exportSizeLimitExceeded") =>
            {
                return Ok(Text::Unreadable(
                    "the file is larger than Google's 10 MB export limit".into(),
                ));
            }
            Err(err) => return Err(err),
        };
        Ok(document::read(reader, bytes, cut, &self.limits, max_chars, deadline).await)
    }
}
