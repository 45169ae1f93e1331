//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP 2025-11-25
//! "Client ID Metadata Documents"): a client whose `client_id` is an `https` URL is not registered
//! beforehand; the authorization server GETs that URL and reads the client's metadata from it.
//!
//! What this server checks, each refusal a [`CimdError`] that the endpoints turn into
//! `invalid_client` (the document is wrong or cannot be had) or `invalid_request` (the client id
//! itself is not an acceptable URL):
//! - the client id is an `https` URL with a path, in canonical form, without fragment or user
//!   info. **Local-development exception:** `http` is accepted for a loopback host (`127.0.0.1`,
//!   `[::1]`, `localhost`), so an e2e client can serve its document from a port on this machine;
//!   the fakes only ever run locally.
//! - the fetch is bounded: [`FETCH_TIMEOUT`], at most [`MAX_DOCUMENT_BYTES`] read, redirects are
//!   not followed (a redirect could move the fetch to a host the id does not name), and only
//!   `200` counts;
//! - the body is a JSON object whose `client_id` equals the URL exactly, with a `client_name` and
//!   non-empty `redirect_uris`, each as safe as a registered one;
//! - the client is public: `token_endpoint_auth_method` absent or `none`. The draft forbids shared
//!   secrets in a document nobody can keep secret, and this server does not verify
//!   `private_key_jwt`, so both are refused with a message saying so.
//!
//! A resolved document is cached per client id for its `Cache-Control: max-age` (the draft's
//! SHOULD), [`DEFAULT_CACHE`] without one, never above [`MAX_CACHE`], and not at all under
//! `no-store`/`no-cache`; failures are not cached, so a fixed document is seen at once.
//!
//! SSRF (MCP security best practices, "SSRF Against Authorization Servers"): a real authorization
//! server must also refuse ids that resolve to private or link-local addresses. This one is a
//! local fake that must reach 127.0.0.1 by design, so it only bounds what a fetch can cost.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Client;
use super::register::{acceptable_redirect, is_loopback};

/// The most of a document read before giving up (the draft suggests a small bound such as 5 KB).
pub(super) const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// How long one fetch may take, connection included.
pub(super) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a document is reused when its response says nothing about caching.
pub(super) const DEFAULT_CACHE: Duration = Duration::from_secs(60);
/// The longest a document is reused, whatever its `max-age`.
pub(super) const MAX_CACHE: Duration = Duration::from_secs(600);

/// Why a URL client id could not be resolved into a client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(super) enum CimdError {
    #[error("the client_id is not a URL: {0}")]
    NotAUrl(String),
    #[error(
        "a URL client_id must use https (plain http only on a loopback host, for local development)"
    )]
    HttpsRequired,
    #[error(
        "a URL client_id needs a path, and no fragment, user info, or `.`/`..` segments, in canonical form"
    )]
    MalformedId,
    #[error("the client metadata document could not be fetched: {0}")]
    Unreachable(String),
    #[error("fetching the client metadata document answered HTTP {0} (redirects are not followed)")]
    Status(u16),
    #[error("the client metadata document is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    #[error("the client metadata document is not a JSON object")]
    NotJson,
    #[error("the client metadata document's client_id is not the URL it was fetched from")]
    ClientIdMismatch,
    #[error("the client metadata document lacks {0}")]
    Missing(&'static str),
    #[error(
        "the client metadata document's redirect URI {0} is not allowed: use https, a loopback http URI or a private-use scheme"
    )]
    BadRedirect(String),
    #[error(
        "token_endpoint_auth_method {0} is not supported for a metadata document client: only public clients (`none`)"
    )]
    AuthMethod(String),
    #[error("a client metadata document must not carry a client_secret")]
    Secret,
    #[error("the client metadata document's {0} is not supported here")]
    Unsupported(&'static str),
}

impl CimdError {
    /// The OAuth error code: the id itself is malformed (`invalid_request`), or the client it
    /// names cannot be trusted (`invalid_client`).
    pub(super) fn oauth_error(&self) -> &'static str {
        match self {
            Self::NotAUrl(_) | Self::HttpsRequired | Self::MalformedId => "invalid_request",
            _ => "invalid_client",
        }
    }
}

/// Whether `client_id` is meant as a metadata document URL rather than a registered id.
pub(super) fn is_url_client_id(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Checks the shape of a URL client id, before anything is fetched.
fn checked_id(client_id: &str) -> Result<url::Url, CimdError> {
    let url = url::Url::parse(client_id).map_err(|e| CimdError::NotAUrl(e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => return Err(CimdError::HttpsRequired),
    }
    // Parsing normalises `.`/`..` segments, case and default ports: an id that changes on parsing
    // is not the canonical URL the document must repeat.
    if url.as_str() != client_id
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || matches!(url.path(), "" | "/")
    {
        return Err(CimdError::MalformedId);
    }
    Ok(url)
}

/// The client a document describes, checked against the id it was fetched for.
fn client_from_document(client_id: &str, body: &[u8]) -> Result<Client, CimdError> {
    let doc: Value = serde_json::from_slice(body).map_err(|_| CimdError::NotJson)?;
    let doc = doc.as_object().ok_or(CimdError::NotJson)?;
    if doc.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return Err(CimdError::ClientIdMismatch);
    }
    let name = doc
        .get("client_name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or(CimdError::Missing("client_name"))?;
    let redirect_uris: Vec<String> = doc
        .get("redirect_uris")
        .and_then(Value::as_array)
        .map(|uris| {
            uris.iter()
                .map(|u| u.as_str().map(str::to_owned).ok_or(CimdError::NotJson))
                .collect::<Result<_, _>>()
        })
        .transpose()?
        .filter(|uris: &Vec<String>| !uris.is_empty())
        .ok_or(CimdError::Missing("redirect_uris"))?;
    if let Some(bad) = redirect_uris.iter().find(|u| !acceptable_redirect(u)) {
        return Err(CimdError::BadRedirect(bad.clone()));
    }
    if doc.contains_key("client_secret") || doc.contains_key("client_secret_expires_at") {
        return Err(CimdError::Secret);
    }
    match doc.get("token_endpoint_auth_method") {
        None => {}
        Some(Value::String(m)) if m == "none" => {}
        Some(other) => {
            return Err(CimdError::AuthMethod(
                other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_owned),
            ));
        }
    }
    let strings = |field: &str| -> Option<Vec<String>> {
        doc.get(field).and_then(Value::as_array).map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    if strings("grant_types").is_some_and(|g| {
        g.iter()
            .any(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    }) {
        return Err(CimdError::Unsupported("grant_types"));
    }
    if strings("response_types").is_some_and(|r| r.iter().any(|r| r != "code")) {
        return Err(CimdError::Unsupported("response_types"));
    }
    Ok(Client {
        redirect_uris,
        secret: None,
        name: name.to_owned(),
    })
}

/// How long a response may be reused, from its `Cache-Control`.
fn cache_for(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let Some(control) = headers
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(DEFAULT_CACHE);
    };
    let mut ttl = DEFAULT_CACHE;
    for directive in control.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if matches!(lower.as_str(), "no-store" | "no-cache") {
            return None;
        }
        if let Some(secs) = lower
            .strip_prefix("max-age=")
            .and_then(|s| s.parse::<u64>().ok())
        {
            ttl = Duration::from_secs(secs);
        }
    }
    (!ttl.is_zero()).then_some(ttl.min(MAX_CACHE))
}

/// Fetches and caches client metadata documents.
pub(super) struct Resolver {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, (Client, Instant)>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

impl Resolver {
    /// A resolver whose HTTP client follows no redirects and gives up after [`FETCH_TIMEOUT`].
    pub(super) fn new() -> Option<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .user_agent("workplace-mcp-fakes-authz")
            .build()
            .ok()?;
        Some(Self {
            http,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, client_id: &str) -> Option<Client> {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match cache.get(client_id) {
            Some((client, until)) if Instant::now() < *until => Some(client.clone()),
            Some(_) => {
                cache.remove(client_id);
                None
            }
            None => None,
        }
    }

    /// The client `client_id` (a URL) describes, from the cache or fetched now.
    pub(super) async fn resolve(&self, client_id: &str) -> Result<Client, CimdError> {
        let url = checked_id(client_id)?;
        if let Some(client) = self.cached(client_id) {
            return Ok(client);
        }
        let mut response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| CimdError::Unreachable(without_url(&e)))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(CimdError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(CimdError::TooLarge);
        }
        let ttl = cache_for(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| CimdError::Unreachable(without_url(&e)))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(CimdError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let client = client_from_document(client_id, &body)?;
        if let Some(ttl) = ttl {
            self.cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(client_id.to_owned(), (client.clone(), Instant::now() + ttl));
        }
        Ok(client)
    }
}

/// A fetch error's kind, without the URL reqwest appends (the caller already knows it).
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the body could not be read"
    } else {
        "request failed"
    };
    kind.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "https://client.example/oauth/metadata.json";

    fn doc(value: Value) -> Result<Client, CimdError> {
        client_from_document(ID, value.to_string().as_bytes())
    }

    #[test]
    fn ids_must_be_canonical_https_urls_with_a_path_or_loopback_http() {
        assert!(checked_id(ID).is_ok());
        assert!(checked_id("http://127.0.0.1:4000/client.json").is_ok());
        assert!(checked_id("http://localhost:4000/client.json").is_ok());
        assert_eq!(
            checked_id("http://client.example/client.json"),
            Err(CimdError::HttpsRequired)
        );
        assert_eq!(
            checked_id("ftp://client.example/c"),
            Err(CimdError::HttpsRequired)
        );
        for bad in [
            "https://client.example",
            "https://client.example/",
            "https://client.example/a/../b",
            "https://client.example/a#frag",
            "https://user:pw@client.example/a",
            "https://CLIENT.example/a",
        ] {
            assert_eq!(checked_id(bad), Err(CimdError::MalformedId), "{bad}");
        }
        assert_eq!(CimdError::HttpsRequired.oauth_error(), "invalid_request");
        assert_eq!(CimdError::TooLarge.oauth_error(), "invalid_client");
    }

    #[test]
    fn documents_are_checked_field_by_field() {
        let good = json!({"client_id": ID, "client_name": "Example",
            "redirect_uris": ["http://127.0.0.1:3000/cb"], "token_endpoint_auth_method": "none"});
        let client = doc(good.clone()).unwrap();
        assert_eq!(client.name, "Example");
        assert_eq!(client.redirect_uris, ["http://127.0.0.1:3000/cb"]);
        assert!(client.secret.is_none());

        let with = |key: &str, value: Value| {
            let mut d = good.clone();
            d[key] = value;
            doc(d)
        };
        let without = |key: &str| {
            let mut d = good.clone();
            d.as_object_mut().unwrap().remove(key);
            doc(d)
        };
        assert_eq!(
            with("client_id", json!("https://client.example/other")),
            Err(CimdError::ClientIdMismatch)
        );
        assert_eq!(without("client_id"), Err(CimdError::ClientIdMismatch));
        assert_eq!(
            without("client_name"),
            Err(CimdError::Missing("client_name"))
        );
        assert_eq!(
            with("redirect_uris", json!([])),
            Err(CimdError::Missing("redirect_uris"))
        );
        assert_eq!(
            with("redirect_uris", json!(["http://evil.example/cb"])),
            Err(CimdError::BadRedirect("http://evil.example/cb".into()))
        );
        assert_eq!(
            with("token_endpoint_auth_method", json!("client_secret_basic")),
            Err(CimdError::AuthMethod("client_secret_basic".into()))
        );
        assert_eq!(
            with("token_endpoint_auth_method", json!("private_key_jwt")),
            Err(CimdError::AuthMethod("private_key_jwt".into()))
        );
        assert_eq!(with("client_secret", json!("s")), Err(CimdError::Secret));
        assert_eq!(
            with("grant_types", json!(["client_credentials"])),
            Err(CimdError::Unsupported("grant_types"))
        );
        assert!(without("token_endpoint_auth_method").is_ok());
        assert_eq!(
            client_from_document(ID, b"<html>hi</html>"),
            Err(CimdError::NotJson)
        );
        assert_eq!(client_from_document(ID, b"[1]"), Err(CimdError::NotJson));
    }

    #[test]
    fn cache_lifetime_follows_cache_control_within_bounds() {
        use reqwest::header::{CACHE_CONTROL, HeaderMap, HeaderValue};
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(CACHE_CONTROL, HeaderValue::from_static(v));
            cache_for(&h)
        };
        assert_eq!(cache_for(&HeaderMap::new()), Some(DEFAULT_CACHE));
        assert_eq!(with("public, max-age=30"), Some(Duration::from_secs(30)));
        assert_eq!(with("max-age=86400"), Some(MAX_CACHE));
        assert_eq!(with("no-store"), None);
        assert_eq!(with("max-age=0"), None);
    }
}
