//! The local authorization server over real HTTP: discovery, registration, the code flow with
//! PKCE, the token's claims, and one refusal per rule.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

use std::collections::HashMap;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use upstream_fakes::{FakeConfig, RunningFakes};

const RESOURCE: &str = "http://127.0.0.1:9000/mcp";
const REDIRECT: &str = "http://127.0.0.1:33418/callback";
const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

struct Flow {
    fakes: RunningFakes,
    http: reqwest::Client,
    meta: Value,
    client_id: String,
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn query_of(location: &str) -> HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

impl Flow {
    async fn start() -> Self {
        let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
        fakes.authz.allow_resource(RESOURCE);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let issuer = fakes.authz.issuer();
        let path = issuer.strip_prefix(&fakes.base_url).unwrap();
        let meta: Value = http
            .get(format!(
                "{}/.well-known/oauth-authorization-server{path}",
                fakes.base_url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let registered: Value = http
            .post(meta["registration_endpoint"].as_str().unwrap())
            .json(&json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
                "client_name": "test client", "grant_types": ["authorization_code", "refresh_token"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let client_id = registered["client_id"].as_str().unwrap().to_owned();
        Self {
            fakes,
            http,
            meta,
            client_id,
        }
    }

    fn authorize_url(&self, extra: &[(&str, &str)]) -> String {
        let mut url =
            url::Url::parse(self.meta["authorization_endpoint"].as_str().unwrap()).unwrap();
        let mut pairs: Vec<(&str, String)> = vec![
            ("response_type", "code".into()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", REDIRECT.into()),
            ("code_challenge", challenge(VERIFIER)),
            ("code_challenge_method", "S256".into()),
            ("state", "st4te".into()),
            (
                "scope",
                "workplace:read:notion workplace:read:google_drive".into(),
            ),
            ("resource", RESOURCE.into()),
        ];
        for (k, v) in extra {
            pairs.retain(|(name, _)| name != k);
            if !v.is_empty() {
                pairs.push((k, (*v).to_owned()));
            }
        }
        url.query_pairs_mut().extend_pairs(pairs);
        url.to_string()
    }

    /// Approves on the consent page as `user` and returns the redirect's query.
    async fn consent(&self, user: &str) -> HashMap<String, String> {
        let page = self.http.get(self.authorize_url(&[])).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("alice@acme.example"), "{html}");
        let form = [
            ("response_type", "code".to_owned()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", REDIRECT.into()),
            ("code_challenge", challenge(VERIFIER)),
            ("code_challenge_method", "S256".into()),
            ("state", "st4te".into()),
            ("resource", RESOURCE.into()),
            (
                "requested_scope",
                "workplace:read:notion workplace:read:google_drive".into(),
            ),
            ("scope", "workplace:read:notion".into()),
            ("user_id", user.into()),
            ("decision", "approve".into()),
        ];
        let answer = self
            .http
            .post(self.meta["authorization_endpoint"].as_str().unwrap())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 302);
        query_of(answer.headers()["location"].to_str().unwrap())
    }

    async fn exchange(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(self.meta["token_endpoint"].as_str().unwrap())
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn redeem(&self, code: &str) -> (u16, Value) {
        self.exchange(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &self.client_id),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("resource", RESOURCE),
        ])
        .await
    }

    async fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        self.http
            .get(self.meta["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn metadata_is_served_where_clients_look() {
    let flow = Flow::start().await;
    let issuer = flow.fakes.authz.issuer();
    let path = issuer.strip_prefix(&flow.fakes.base_url).unwrap();
    for url in [
        format!("{issuer}/.well-known/openid-configuration"),
        format!(
            "{}/.well-known/openid-configuration{path}",
            flow.fakes.base_url
        ),
        format!(
            "{}/.well-known/oauth-authorization-server{path}",
            flow.fakes.base_url
        ),
    ] {
        let doc: Value = flow
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["issuer"], issuer, "{url}");
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    }
    assert!(
        flow.meta["registration_endpoint"]
            .as_str()
            .unwrap()
            .contains("/v1/mgmt/mcp/client/P2demo/MSdemo/register")
    );
    assert_eq!(
        flow.meta["jwks_uri"],
        format!("{}/P2demo/.well-known/jwks.json", flow.fakes.base_url)
    );
}

#[tokio::test]
async fn the_code_flow_issues_a_token_bound_to_the_resource_and_refreshes() {
    let flow = Flow::start().await;
    let back = flow.consent("U2alice").await;
    assert_eq!(back["state"], "st4te");
    assert_eq!(back["iss"], flow.fakes.authz.issuer());
    let (status, tokens) = flow.redeem(&back["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "workplace:read:notion");

    let jwks = flow.jwks().await;
    let token = tokens["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let key = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[RESOURCE]);
    validation.set_issuer(&[flow.fakes.authz.issuer()]);
    let claims =
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(key).unwrap(), &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["sub"], "U2alice");
    assert_eq!(claims["azp"], flow.client_id.as_str());
    assert_eq!(claims["scope"], "workplace:read:notion");
    assert_eq!(claims["email"], "alice@acme.example");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );

    // Refresh rotates: the new refresh token works, the old one is spent.
    let old = tokens["refresh_token"].as_str().unwrap();
    let (status, refreshed) = flow
        .exchange(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", old),
            ("client_id", &flow.client_id),
        ])
        .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_ne!(refreshed["access_token"], tokens["access_token"]);
    let (status, again) = flow
        .exchange(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", old),
            ("client_id", &flow.client_id),
        ])
        .await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn each_rule_refuses_what_breaks_it() {
    let flow = Flow::start().await;

    // Wrong verifier.
    let code = flow.consent("U2bob").await["code"].clone();
    let (status, body) = flow
        .exchange(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &flow.client_id),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &format!("{VERIFIER}x")),
            ("resource", RESOURCE),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // Reused code: the first exchange succeeds, the second is refused.
    let code = flow.consent("U2bob").await["code"].clone();
    assert_eq!(flow.redeem(&code).await.0, 200);
    let (status, body) = flow.redeem(&code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // Wrong redirect_uri at the token endpoint.
    let code = flow.consent("U2bob").await["code"].clone();
    let (status, body) = flow
        .exchange(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &flow.client_id),
            ("redirect_uri", "http://127.0.0.1:33418/other"),
            ("code_verifier", VERIFIER),
            ("resource", RESOURCE),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // Another resource at the token endpoint.
    let code = flow.consent("U2bob").await["code"].clone();
    let (status, body) = flow
        .exchange(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &flow.client_id),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("resource", "https://other.example/mcp"),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target")),
        "{body}"
    );

    // Authorization requests: plain PKCE, no PKCE, another resource are sent back with an error;
    // an unregistered redirect URI is never redirected to.
    for (extra, error) in [
        (
            vec![
                ("code_challenge_method", "plain"),
                ("code_challenge", VERIFIER),
            ],
            "invalid_request",
        ),
        (
            vec![("code_challenge", ""), ("code_challenge_method", "")],
            "invalid_request",
        ),
        (
            vec![("resource", "https://other.example/mcp")],
            "invalid_target",
        ),
        (vec![("scope", "admin")], "invalid_scope"),
    ] {
        let response = flow
            .http
            .get(flow.authorize_url(&extra))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302, "{extra:?}");
        let back = query_of(response.headers()["location"].to_str().unwrap());
        assert_eq!(back["error"], error, "{extra:?}");
        assert_eq!(back["state"], "st4te");
    }
    let response = flow
        .http
        .get(flow.authorize_url(&[("redirect_uri", "https://evil.example/cb")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());

    // Expired refresh token.
    flow.http
        .post(format!("{}/_fake/authz/auto-approve", flow.fakes.base_url))
        .json(&json!({"user_id": "U2carol"}))
        .send()
        .await
        .unwrap();
    let response = flow.http.get(flow.authorize_url(&[])).send().await.unwrap();
    assert_eq!(response.status(), 302, "auto-approve answers at once");
    let back = query_of(response.headers()["location"].to_str().unwrap());
    let (_, tokens) = flow.redeem(&back["code"]).await;
    flow.http
        .post(format!(
            "{}/_fake/authz/expire-refresh-tokens",
            flow.fakes.base_url
        ))
        .send()
        .await
        .unwrap();
    let (status, body) = flow
        .exchange(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &flow.client_id),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn registration_refuses_unsafe_redirect_uris_and_unknown_clients_cannot_exchange() {
    let flow = Flow::start().await;
    let response = flow
        .http
        .post(flow.meta["registration_endpoint"].as_str().unwrap())
        .json(&json!({"redirect_uris": ["http://evil.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let (status, body) = flow
        .exchange(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "nobody"),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

/// A client's own web server on 127.0.0.1 serving its metadata documents (the local-development
/// exception to https), one path per case, counting the fetches of each.
struct DocumentServer {
    base: String,
    hits: std::sync::Arc<std::sync::Mutex<HashMap<String, usize>>>,
}

impl DocumentServer {
    async fn start() -> Self {
        use axum::http::{StatusCode, header};
        use axum::response::IntoResponse;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits: std::sync::Arc<std::sync::Mutex<HashMap<String, usize>>> = Default::default();
        let (b, h) = (base.clone(), hits.clone());
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let (base, hits) = (b.clone(), h.clone());
            async move {
                let path = uri.path().to_owned();
                *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                let id = format!("{base}{path}");
                let doc = |id: &str| {
                    json!({"client_id": id, "client_name": "CIMD test client",
                        "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
                        "grant_types": ["authorization_code", "refresh_token"]})
                };
                let json_body = |v: Value| {
                    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
                };
                match path.as_str() {
                    "/good.json" => json_body(doc(&id)),
                    "/no-store.json" => (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "no-store"),
                        ],
                        doc(&id).to_string(),
                    )
                        .into_response(),
                    "/wrong-id.json" => json_body(doc(&format!("{base}/good.json"))),
                    "/big.json" => {
                        let mut d = doc(&id);
                        d["logo_note"] = Value::from("x".repeat(6000));
                        json_body(d)
                    }
                    "/html.json" => "<html>not json</html>".into_response(),
                    "/redirect.json" => (
                        StatusCode::FOUND,
                        [(header::LOCATION, format!("{base}/good.json"))],
                    )
                        .into_response(),
                    "/secret.json" => {
                        let mut d = doc(&id);
                        d["token_endpoint_auth_method"] = Value::from("client_secret_basic");
                        json_body(d)
                    }
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

#[tokio::test]
async fn metadata_advertises_both_registration_methods() {
    let flow = Flow::start().await;
    assert_eq!(flow.meta["client_id_metadata_document_supported"], true);
    assert!(flow.meta["registration_endpoint"].is_string());
    // The DCR client Flow::start registered still signs in.
    let back = flow.consent("U2alice").await;
    assert_eq!(flow.redeem(&back["code"]).await.0, 200);
}

#[tokio::test]
async fn a_url_client_id_signs_in_with_its_metadata_document() {
    let docs = DocumentServer::start().await;
    let mut flow = Flow::start().await;
    flow.client_id = docs.url("/good.json");

    let page = flow.http.get(flow.authorize_url(&[])).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("CIMD test client"), "{html}");
    assert!(
        html.contains("http://127.0.0.1"),
        "the redirect host is shown: {html}"
    );

    let back = flow.consent("U2alice").await;
    let (status, tokens) = flow.redeem(&back["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    let payload = tokens["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["azp"], docs.url("/good.json"));

    // The document is cached: three uses above (page, consent, token), one fetch.
    assert_eq!(docs.hits("/good.json"), 1);
    // Unless its response forbids caching.
    flow.client_id = docs.url("/no-store.json");
    for _ in 0..2 {
        let page = flow.http.get(flow.authorize_url(&[])).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    assert_eq!(docs.hits("/no-store.json"), 2);
}

#[tokio::test]
async fn a_metadata_document_that_breaks_a_rule_is_refused_with_an_oauth_error() {
    let docs = DocumentServer::start().await;
    let mut flow = Flow::start().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cases = [
        (docs.url("/wrong-id.json"), "invalid_client", "not the URL"),
        (docs.url("/big.json"), "invalid_client", "larger than"),
        (
            docs.url("/html.json"),
            "invalid_client",
            "not a JSON object",
        ),
        (docs.url("/missing.json"), "invalid_client", "HTTP 404"),
        (docs.url("/redirect.json"), "invalid_client", "HTTP 302"),
        (
            docs.url("/secret.json"),
            "invalid_client",
            "only public clients",
        ),
        (
            format!("http://127.0.0.1:{closed}/client.json"),
            "invalid_client",
            "could not be fetched",
        ),
        (
            "http://client.example/client.json".to_owned(),
            "invalid_request",
            "must use https",
        ),
        (docs.url("/"), "invalid_request", "needs a path"),
    ];
    for (client_id, error, why) in cases {
        flow.client_id = client_id.clone();
        // The authorization endpoint: a page, never a redirect to an unverified client.
        let response = flow.http.get(flow.authorize_url(&[])).send().await.unwrap();
        assert_eq!(response.status(), 400, "{client_id}");
        assert!(response.headers().get("location").is_none(), "{client_id}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(error) && html.contains(why),
            "{client_id}: {html}"
        );
        // The token endpoint: the OAuth error as JSON.
        let (status, body) = flow.redeem("no-code").await;
        assert_eq!(body["error"], error, "{client_id}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().contains(why),
            "{client_id}: {body}"
        );
        assert_eq!(status, if error == "invalid_client" { 401 } else { 400 });
    }
    // Only the redirect document was fetched, never the page it pointed to.
    assert_eq!(docs.hits("/good.json"), 0);

    // A good document, but a redirect_uri it does not list.
    flow.client_id = docs.url("/good.json");
    let response = flow
        .http
        .get(flow.authorize_url(&[("redirect_uri", "https://evil.example/cb")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    let html = response.text().await.unwrap();
    assert!(
        html.contains("invalid_request") && html.contains("redirect_uris"),
        "{html}"
    );
}
