//! The fake Google Workspace MCP servers over real HTTP: the stateless protocol, what answers
//! without a token, metadata, challenges, quota, paging and per-user visibility.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use upstream_fakes::corpus::{Principal, Upstream};
use upstream_fakes::google_mcp::Settings;
use upstream_fakes::{FakeConfig, RunningFakes};

const READONLY: &str = "https://www.googleapis.com/auth/drive.readonly";
const ACCEPT: &str = "application/json, text/event-stream";

struct Client {
    fakes: RunningFakes,
    http: reqwest::Client,
}

impl Client {
    async fn start() -> Self {
        Self {
            fakes: RunningFakes::start(FakeConfig::default()).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    fn token(&self, email: &str) -> String {
        self.fakes
            .state
            .issue_scoped(
                Upstream::GoogleDrive,
                Principal::User(email.into()),
                vec![READONLY.into()],
            )
            .0
    }

    /// A legacy-style POST (no `_meta`): status and body.
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.fakes.base_url))
            .header("accept", ACCEPT)
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body, headers)
    }

    async fn call(&self, token: Option<&str>, tool: &str, arguments: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}});
        let (status, body, _) = self.post("/drivemcp/mcp/v1", token, body).await;
        assert_eq!(status, 200, "{body}");
        body["result"].clone()
    }
}

fn error_text(result: &Value) -> String {
    assert_eq!(result["isError"], true, "{result}");
    result["content"][0]["text"].as_str().unwrap().to_owned()
}

fn titles(result: &Value) -> Vec<String> {
    result["structuredContent"]["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| f["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn initialize_and_tools_list_answer_without_a_token_and_calls_say_what_is_missing() {
    let c = Client::start().await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let (status, body, headers) = c.post("/drivemcp/mcp/v1", None, init).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(body["result"]["serverInfo"]["name"], "drivemcp");
    assert!(headers.get("mcp-session-id").is_none(), "stateless");

    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let (status, body, _) = c.post("/drivemcp/mcp/v1", None, list.clone()).await;
    assert_eq!(status, 200);
    let tools = body["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "search_files",
            "get_file_metadata",
            "read_file_content",
            "get_file_permissions",
            "list_recent_files"
        ]
    );
    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object");
        assert_eq!(tool["outputSchema"]["type"], "object");
        assert_eq!(tool["annotations"]["readOnlyHint"], true);
    }
    assert!(
        body["result"].get("resultType").is_none(),
        "legacy peers get no 2026-07-28 fields"
    );
    let (status, _, _) = c.post("/drivemcp/mcp/v1self", None, list).await;
    assert_eq!(status, 200);

    let missing = c
        .call(
            None,
            "search_files",
            json!({"query": "fullText contains 'budget'"}),
        )
        .await;
    assert!(
        error_text(&missing).starts_with("Request is missing required authentication credential")
    );
    let invalid = c
        .call(
            Some("ya29.nope"),
            "search_files",
            json!({"query": "title contains 'x'"}),
        )
        .await;
    assert!(error_text(&invalid).starts_with("Request had invalid authentication credentials"));
}

#[tokio::test]
async fn modern_requests_must_agree_with_their_headers() {
    let c = Client::start().await;
    let token = c.token("dev@acme.example");
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "search_files", "arguments": {"query": "title contains 'budget'"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let send = |name: &'static str| {
        c.http
            .post(format!("{}/drivemcp/mcp/v1", c.fakes.base_url))
            .header("accept", ACCEPT)
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", name)
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let ok = send("search_files").await.unwrap();
    assert_eq!(ok.status(), 200);
    let ok: Value = ok.json().await.unwrap();
    assert_eq!(ok["result"]["resultType"], "complete");
    assert!(!titles(&ok["result"]).is_empty());
    let mismatch = send("read_file_content").await.unwrap();
    assert_eq!(mismatch.status(), 400);
    let mismatch: Value = mismatch.json().await.unwrap();
    assert_eq!(mismatch["error"]["code"], -32020);

    let json_only = c
        .http
        .post(format!("{}/drivemcp/mcp/v1", c.fakes.base_url))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(json_only.status(), 406);
    let get = c
        .http
        .get(format!("{}/drivemcp/mcp/v1", c.fakes.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn metadata_and_the_challenge_mode_point_at_accounts_google() {
    let c = Client::start().await;
    let prm: Value = c
        .http
        .get(format!(
            "{}/.well-known/oauth-protected-resource/drivemcp/mcp/v1",
            c.fakes.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        prm["resource"],
        format!("{}/drivemcp/mcp/v1", c.fakes.base_url)
    );
    assert_eq!(
        prm["authorization_servers"],
        json!(["https://accounts.google.com"])
    );
    assert!(
        prm["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!(READONLY))
    );

    c.fakes.state.google_mcp.set(
        "drivemcp",
        Settings {
            challenges: true,
            ..Settings::default()
        },
    );
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "search_files", "arguments": {"query": "title contains 'x'"}}});
    let (status, _, headers) = c
        .post("/drivemcp/mcp/v1", Some("ya29.expired"), body.clone())
        .await;
    assert_eq!(status, 401);
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer resource_metadata=\""),
        "{challenge}"
    );
    assert!(challenge.contains("/.well-known/oauth-protected-resource/drivemcp/mcp/v1\""));
    assert!(challenge.contains("error=\"invalid_token\"") && challenge.contains(READONLY));
    // tools/list still answers without a token.
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(c.post("/drivemcp/mcp/v1", None, list).await.0, 200);
    let token = c.token("dev@acme.example");
    assert_eq!(c.post("/drivemcp/mcp/v1", Some(&token), body).await.0, 200);
}

#[tokio::test]
async fn scopes_and_the_daily_quota_are_enforced_per_product() {
    let c = Client::start().await;
    let (no_scope, _) = c.fakes.state.issue_scoped(
        Upstream::GoogleDrive,
        Principal::User("dev@acme.example".into()),
        vec!["openid".into()],
    );
    let result = c
        .call(
            Some(&no_scope),
            "search_files",
            json!({"query": "title contains 'a'"}),
        )
        .await;
    assert_eq!(
        error_text(&result),
        "Request had insufficient authentication scopes."
    );

    c.fakes.state.google_mcp.set(
        "drivemcp",
        Settings {
            used: Some(4_998),
            units: [("get_file_permissions".to_owned(), 2)].into(),
            ..Settings::default()
        },
    );
    let token = c.token("dev@acme.example");
    let ok = c
        .call(
            Some(&token),
            "search_files",
            json!({"query": "title contains 'budget'"}),
        )
        .await;
    assert!(ok.get("isError").is_none_or(|e| e == false), "{ok}");
    let over = c
        .call(Some(&token), "get_file_permissions", json!({"fileId": "x"}))
        .await;
    let text = error_text(&over);
    assert!(
        text.starts_with("Quota exceeded for quota metric")
            && text.contains("per day")
            && text.contains("drivemcp.googleapis.com"),
        "{text}"
    );
    assert_eq!(c.fakes.state.google_mcp.used("drivemcp"), 4_999);
}

#[tokio::test]
async fn search_files_pages_with_tokens_bound_to_the_query_and_ends_with_an_empty_page() {
    let c = Client::start().await;
    let token = c.token("dev@acme.example");
    let query = "fullText contains 'budget'";
    let first = c
        .call(
            Some(&token),
            "search_files",
            json!({"query": query, "pageSize": 2}),
        )
        .await;
    let files = first["structuredContent"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        assert!(f["modifiedTime"].as_str().unwrap().ends_with('Z'));
        assert!(f.get("name").is_none() && f["title"].is_string());
        assert!(
            f["contentSnippet"].is_string(),
            "snippets are on by default"
        );
        if let Some(size) = f.get("fileSize") {
            assert!(size.is_string(), "int64 as a string");
        }
    }
    let next = first["structuredContent"]["nextPageToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let replay = c
        .call(
            Some(&token),
            "search_files",
            json!({"query": "title contains 'budget'", "pageToken": next}),
        )
        .await;
    assert_eq!(error_text(&replay), "Invalid pageToken.");

    // Walk to the end: every page full until an empty one.
    let mut all = Vec::new();
    let mut page_token: Option<String> = None;
    loop {
        let mut args = json!({"query": query, "pageSize": 3, "excludeContentSnippets": true});
        if let Some(t) = &page_token {
            args["pageToken"] = json!(t);
        }
        let page = c.call(Some(&token), "search_files", args).await;
        let got = titles(&page);
        assert!(
            page["structuredContent"]["files"]
                .as_array()
                .is_none_or(|f| f.iter().all(|f| f.get("contentSnippet").is_none()))
        );
        all.extend(got.clone());
        match page["structuredContent"]["nextPageToken"].as_str() {
            Some(t) => page_token = Some(t.to_owned()),
            None => break,
        }
    }
    assert!(all.len() > 3, "{all:?}");
    let unknown = c
        .call(
            Some(&token),
            "search_files",
            json!({"query": "name contains 'budget'"}),
        )
        .await;
    assert!(
        error_text(&unknown).starts_with("Invalid query"),
        "REST's `name` is not MCP's"
    );
}

#[tokio::test]
async fn each_user_sees_only_their_files() {
    let c = Client::start().await;
    let query = json!({"query": "fullText contains 'budget'", "pageSize": 100});
    let alice = titles(
        &c.call(
            Some(&c.token("alice@acme.example")),
            "search_files",
            query.clone(),
        )
        .await,
    );
    let bob = titles(
        &c.call(Some(&c.token("bob@acme.example")), "search_files", query)
            .await,
    );
    let finance: Vec<&String> = alice.iter().filter(|t| !bob.contains(t)).collect();
    assert!(!finance.is_empty(), "alice {alice:?} bob {bob:?}");
    let corpus = &c.fakes.state.corpus;
    let a_finance_doc = corpus
        .documents
        .iter()
        .find(|d| d.source == Upstream::GoogleDrive && d.acl == ["finance"] && !d.trashed)
        .unwrap();
    let read = c
        .call(
            Some(&c.token("bob@acme.example")),
            "read_file_content",
            json!({"fileId": a_finance_doc.id}),
        )
        .await;
    assert_eq!(
        error_text(&read),
        format!("File not found: {}.", a_finance_doc.id)
    );
    let read = c
        .call(
            Some(&c.token("alice@acme.example")),
            "read_file_content",
            json!({"fileId": a_finance_doc.id}),
        )
        .await;
    assert!(
        read["structuredContent"]["fileContent"]
            .as_str()
            .unwrap()
            .len()
            > 20
    );
}
