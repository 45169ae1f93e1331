//! A drive item's text: metadata, then `/content`'s redirect, then the pre-authenticated
//! download, which never receives the bearer token.

use reqwest::Response;
use secrecy::SecretString;
use tokio::time::Instant;

use super::Graph;
use super::wire::DriveItem;
use crate::connector::Read;
use crate::document::{self, Reader};
use crate::id::GraphItemId;
use crate::retry::Failure;
use crate::upstream::{Auth, classify};
use crate::{Content, SourceError};

/// Where `/content` redirected to.
fn location(response: &Response) -> Result<url::Url, Failure> {
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| url::Url::parse(l).ok())
        .ok_or_else(|| {
            SourceError::InvalidResponse("Graph answered /content without a redirect".into()).into()
        })
}

impl Read for Graph {
    type Id = GraphItemId;

    /// List items have no file content: their ids parse but name nothing to read.
    fn readable(id: &GraphItemId) -> bool {
        !id.is_list_item()
    }

    async fn content_with(
        &self,
        token: &SecretString,
        item: &GraphItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let segments = ["v1.0", "drives", item.drive(), "items", item.item()];
        let meta_url = self.base_url.join(&segments);
        let content_url = self.base_url.join(&[&segments[..], &["content"]].concat());
        let meta: DriveItem = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| {
                http.get(meta_url.clone())
            })
            .await?;
        let (title, url) = (meta.name, meta.web_url);

        let download = self
            .upstream
            .call(
                Auth::Bearer(token),
                deadline,
                |http| http.get(content_url.clone()),
                |response| async move { location(&response) },
            )
            .await?;
        // The server fetches this URL from inside its network: only a Microsoft download host.
        if let Err(refused) = self.downloads.check(&download) {
            tracing::warn!(reason = %refused, "SharePoint /content redirect not followed");
            return Ok(Content::unavailable(
                title,
                url,
                format!("not downloaded: {refused}; open the link to read it"),
            ));
        }
        // The pre-authenticated URL gets no Authorization header. What the file is decides how
        // much of it to read: a text prefix, a whole Office or PDF file up to the download cap, or
        // nothing at all.
        let (limits, name) = (self.limits, title.as_str());
        let api = self.upstream.api();
        let (content_type, reader, bytes, cut) = self
            .upstream
            .call(
                Auth::None,
                deadline,
                |http| http.get(download.clone()),
                |response| async move {
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let reader = if content_type.starts_with("text/") {
                        Some(Reader::Plain)
                    } else {
                        Reader::office(Some(&content_type), Some(name))
                    };
                    let Some(reader) = reader else {
                        return Ok((content_type, None, Vec::new(), false));
                    };
                    let (bytes, cut) = classify::bounded_bytes(
                        response,
                        reader.byte_limit(max_chars, &limits, false),
                    )
                    .await
                    .map_err(|e| classify::transport(api, &e))?;
                    Ok((content_type, Some(reader), bytes, cut))
                },
            )
            .await?;
        let Some(reader) = reader else {
            let kind = content_type.split(';').next().unwrap_or("binary");
            return Ok(Content::unavailable(
                title,
                url,
                format!("no text extraction for {kind} files; open the link to read it"),
            ));
        };
        let text = document::read(reader, bytes, cut, &self.limits, max_chars, deadline).await;
        Ok(text.into_content(title, url))
    }
}
