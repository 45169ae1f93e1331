//! SharePoint and OneDrive through Microsoft Graph search (`POST /v1.0/search/query`).
//!
//! - One search request with `entityTypes` `driveItem` and `listItem`; a file comes back as both,
//!   so hits are deduplicated by URL, keeping the `driveItem` (it can be downloaded).
//! - `region` is sent when configured; Graph requires it for app-only tokens.
//! - Summaries' `<c0>` highlight tags and `<ddd/>` markers become plain text.
//! - Content: `GET /drives/{d}/items/{i}/content` answers 302 to a pre-authenticated URL, which is
//!   fetched *without* the bearer token (the shared HTTP client follows no redirects by itself).
//!   Text-like files are returned as text; Office and PDF files have no plain-text conversion in
//!   Graph and are reported as unavailable.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::broker::{TokenBroker, begin};
use crate::endpoint::BaseUrl;
use crate::http::{self, Api};
use crate::id::GraphItemId;
use crate::retry::{Failure, with_retries};
use crate::text::{cut_chars, strip_highlights};
use crate::{Access, BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext};

const REAUTH: &str = "Reconnect Microsoft 365 to workplace-mcp and try again.";

/// The SharePoint source.
pub struct Graph {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: BaseUrl,
    pub(crate) region: Option<String>,
    pub(crate) broker: Arc<dyn TokenBroker>,
    pub(crate) timeout: Duration,
    /// Per user (outbound tokens) or shared (the integration's credential).
    pub(crate) access: Access,
}

impl Graph {
    async fn send(
        &self,
        token: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Failure> {
        let response = request
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| http::transport(Api::Graph, &e))?;
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            Ok(response)
        } else {
            Err(http::failure(Api::Graph, response, REAUTH).await)
        }
    }

    async fn search_hits(
        &self,
        token: &str,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let url = self.base_url.join(&["v1.0", "search", "query"]);
        let mut request = json!({
            "entityTypes": ["driveItem", "listItem"],
            "query": {"queryString": query},
            "from": 0,
            "size": limit.clamp(1, 500),
        });
        if let Some(region) = &self.region {
            request["region"] = json!(region);
        }
        let body = json!({"requests": [request]});
        let answer = with_retries(deadline, || async {
            let response = self
                .send(token, self.http.post(url.clone()).json(&body))
                .await?;
            http::json(Api::Graph, response).await
        })
        .await?;
        let containers = answer
            .pointer("/value/0/hitsContainers")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                SourceError::InvalidResponse(
                    "Graph answered without value[0].hitsContainers".into(),
                )
            })?;
        // `hits` is absent, not empty, when nothing matched.
        let mut raw: Vec<&Value> = containers
            .iter()
            .flat_map(|c| {
                c.get("hits")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .collect();
        raw.sort_by_key(|h| {
            let is_list_item = h.pointer("/resource/@odata.type").and_then(Value::as_str)
                == Some("#microsoft.graph.listItem");
            (
                h.get("rank").and_then(Value::as_u64).unwrap_or(u64::MAX),
                is_list_item,
            )
        });
        let mut seen = HashSet::new();
        let mut hits: Vec<SearchHit> = raw
            .into_iter()
            .filter_map(hit)
            .filter(|h| seen.insert(h.url.to_lowercase()))
            .collect();
        hits.truncate(limit);
        Ok(hits)
    }

    async fn fetch_content(
        &self,
        token: &str,
        item: &GraphItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let segments = ["v1.0", "drives", item.drive(), "items", item.item()];
        let base = self.base_url.join(&segments);
        let content_url = self.base_url.join(&[&segments[..], &["content"]].concat());
        let meta = with_retries(deadline, || async {
            let response = self.send(token, self.http.get(base.clone())).await?;
            http::json(Api::Graph, response).await
        })
        .await?;
        let title = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let url = meta
            .get("webUrl")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();

        let location = with_retries(deadline, || async {
            let response = self.send(token, self.http.get(content_url.clone())).await?;
            response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| {
                    SourceError::InvalidResponse(
                        "Graph answered /content without a redirect".into(),
                    )
                    .into()
                })
        })
        .await?;
        // The pre-authenticated URL gets no Authorization header.
        let byte_limit = max_chars.saturating_mul(4).saturating_add(4);
        let (content_type, bytes, cut_bytes) = with_retries(deadline, || async {
            let response = self
                .http
                .get(&location)
                .send()
                .await
                .map_err(|e| http::transport(Api::Graph, &e))?;
            if !response.status().is_success() {
                return Err(http::failure(Api::Graph, response, REAUTH).await);
            }
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if !content_type.starts_with("text/") {
                return Ok((content_type, Vec::new(), false));
            }
            let (bytes, cut) = http::bounded_bytes(response, byte_limit)
                .await
                .map_err(|e| http::transport(Api::Graph, &e))?;
            Ok((content_type, bytes, cut))
        })
        .await?;
        if !content_type.starts_with("text/") {
            let kind = content_type.split(';').next().unwrap_or("binary");
            return Ok(Content {
                title,
                url,
                text: String::new(),
                truncated: false,
                unavailable_reason: Some(format!(
                    "no plain-text conversion for {kind} files; open the link to read it"
                )),
            });
        }
        let text = String::from_utf8_lossy(&bytes);
        let (text, cut) = cut_chars(&text, max_chars);
        Ok(Content {
            title,
            url,
            text: text.to_owned(),
            truncated: cut || cut_bytes,
            unavailable_reason: None,
        })
    }
}

fn hit(raw: &Value) -> Option<SearchHit> {
    let resource = raw.get("resource")?;
    let url = resource.get("webUrl")?.as_str()?.to_owned();
    let drive = resource
        .pointer("/parentReference/driveId")
        .and_then(Value::as_str);
    let is_drive_item =
        resource.get("@odata.type").and_then(Value::as_str) != Some("#microsoft.graph.listItem");
    let id = resource.get("id").and_then(Value::as_str)?;
    let item_id = match (is_drive_item, drive) {
        (true, Some(drive)) => format!("{drive}/{id}"),
        _ => format!("list/{id}"),
    };
    let title = resource
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| url.rsplit('/').next().map(|s| s.replace("%20", " ")))
        .unwrap_or_default();
    Some(SearchHit {
        item_id,
        title,
        url,
        snippet: strip_highlights(
            raw.get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ),
        modified_time: resource
            .get("lastModifiedDateTime")
            .and_then(Value::as_str)
            .map(str::to_owned),
        author: resource
            .pointer("/lastModifiedBy/user/displayName")
            .or_else(|| resource.pointer("/createdBy/user/displayName"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

impl Source for Graph {
    fn kind(&self) -> SourceKind {
        SourceKind::Sharepoint
    }

    fn access(&self) -> Access {
        self.access
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.search_hits(token.expose_secret(), query, limit, deadline)
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
            // An id Graph could not have issued names nothing this user can see; list items
            // have no file content.
            let item = GraphItemId::parse(item_id).map_err(|_| SourceError::NotFound)?;
            if item.is_list_item() {
                return Err(SourceError::NotFound);
            }
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.fetch_content(token.expose_secret(), &item, max_chars, deadline)
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_items_are_addressed_by_drive_and_item() {
        let raw = json!({"rank": 1, "summary": "<c0>Budget</c0> plan <ddd/>", "resource": {
            "@odata.type": "#microsoft.graph.driveItem", "id": "01A", "name": "Plan.md",
            "webUrl": "https://acme.sharepoint.com/Plan.md", "parentReference": {"driveId": "b!x"},
            "lastModifiedBy": {"user": {"displayName": "Grace"}}}});
        let hit = hit(&raw).unwrap();
        assert_eq!(
            (hit.item_id.as_str(), hit.snippet.as_str()),
            ("b!x/01A", "Budget plan …")
        );
        assert_eq!(hit.author.as_deref(), Some("Grace"));
    }
}
