//! The MCP client against the fake Google Drive MCP server, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::time::Instant;
use upstream_fakes::corpus::{Principal, Upstream as FakeUpstream};
use upstream_fakes::google_mcp::Settings;
use upstream_fakes::{FakeConfig, Knob, RunningFakes};

use super::*;
use crate::BoxFuture;

const READONLY: &str = "https://www.googleapis.com/auth/drive.readonly";
const SCOPES: &[&str] = &[READONLY];

async fn fakes() -> RunningFakes {
    RunningFakes::start(FakeConfig::default()).await.unwrap()
}

fn server(fakes: &RunningFakes) -> McpServer {
    let endpoint = Url::parse(&format!("{}/drivemcp/mcp/v1", fakes.base_url)).unwrap();
    McpServer::new(
        reqwest::Client::new(),
        endpoint,
        "Google Drive",
        "Reconnect Google Drive.",
        SCOPES,
    )
}

fn token(fakes: &RunningFakes, email: &str, scopes: &[&str]) -> SecretString {
    let (token, _) = fakes.state.issue_scoped(
        FakeUpstream::GoogleDrive,
        Principal::User(email.into()),
        scopes.iter().map(|s| (*s).to_owned()).collect(),
    );
    SecretString::from(token)
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(8)
}

fn calls(fakes: &RunningFakes) -> usize {
    fakes
        .requests()
        .iter()
        .filter(|r| r.route == "drivemcp")
        .count()
}

fn search() -> Value {
    json!({"query": "fullText contains 'budget'", "excludeContentSnippets": true})
}

fn titles(outcome: &CallToolOutcome) -> Vec<String> {
    let files = outcome.structured.as_ref().unwrap()["files"]
        .as_array()
        .unwrap()
        .clone();
    files
        .iter()
        .map(|f| f["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Hands out the tokens of `queue` in turn (the last one from then on), recording evictions.
struct Queue {
    tokens: Mutex<Vec<SecretString>>,
    evicted: Mutex<Vec<String>>,
}

impl Queue {
    fn new(tokens: Vec<SecretString>) -> Self {
        Self {
            tokens: Mutex::new(tokens),
            evicted: Mutex::new(Vec::new()),
        }
    }
}

impl TokenBroker for Queue {
    fn token<'a>(
        &'a self,
        _user: &'a UserContext,
        _deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        let mut tokens = self.tokens.lock().unwrap();
        let token = if tokens.len() > 1 {
            tokens.remove(0)
        } else {
            tokens[0].clone()
        };
        Box::pin(async move { Ok(token) })
    }

    fn evict<'a>(&'a self, _user: &'a UserContext, stale: &'a SecretString) -> BoxFuture<'a, ()> {
        self.evicted
            .lock()
            .unwrap()
            .push(stale.expose_secret().to_owned());
        Box::pin(async {})
    }
}

fn dev() -> UserContext {
    UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    }
}

#[tokio::test]
async fn a_tool_call_answers_structured_content_as_json_and_as_an_event_stream() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    let alice = token(&fakes, "alice@acme.example", SCOPES);
    let json_answer = mcp
        .call_tool(&alice, "search_files", search(), soon())
        .await
        .unwrap();
    assert!(!titles(&json_answer).is_empty());
    assert!(
        json_answer.text.contains("\"files\""),
        "{}",
        json_answer.text
    );

    fakes.state.google_mcp.set(
        "drivemcp",
        Settings {
            sse: true,
            ..Settings::default()
        },
    );
    let stream_answer = mcp
        .call_tool(&alice, "search_files", search(), soon())
        .await
        .unwrap();
    assert_eq!(stream_answer, json_answer);

    // Stateless: one POST per call, no handshake, 2026-07-28 headers.
    let sent = fakes.requests();
    assert_eq!(calls(&fakes), 2);
    let body: Value = serde_json::from_str(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["method"], "tools/call");
}

#[tokio::test]
async fn a_token_without_the_tools_scope_needs_reconnecting_without_a_retry() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    let broker = Queue::new(vec![token(&fakes, "dev@acme.example", &["openid"])]);
    let err = mcp
        .call_tool_as(&broker, &dev(), "search_files", search(), soon())
        .await
        .unwrap_err();
    let SourceError::ReauthRequired { message } = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("lacks a permission") && message.contains(READONLY),
        "{message}"
    );
    assert_eq!(calls(&fakes), 1);
    assert!(broker.evicted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_token_is_evicted_and_the_call_tried_once_more_with_a_fresh_one() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    let good = token(&fakes, "dev@acme.example", SCOPES);
    for challenges in [false, true] {
        fakes.state.google_mcp.set(
            "drivemcp",
            Settings {
                challenges,
                ..Settings::default()
            },
        );
        // A token the server no longer accepts (revoked): the error result, or the 401 challenge.
        let broker = Queue::new(vec![SecretString::from("ya29.revoked"), good.clone()]);
        let before = calls(&fakes);
        let answer = mcp
            .call_tool_as(&broker, &dev(), "search_files", search(), soon())
            .await
            .unwrap();
        assert!(!titles(&answer).is_empty());
        assert_eq!(
            *broker.evicted.lock().unwrap(),
            ["ya29.revoked"],
            "{challenges}"
        );
        assert_eq!(calls(&fakes) - before, 2);
        // Without a broker to refresh from, the refusal is the user's to fix.
        let err = mcp
            .call_tool(
                &SecretString::from("ya29.revoked"),
                "search_files",
                search(),
                soon(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, SourceError::ReauthRequired { ref message } if message.contains("Google Drive")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_challenge_that_persists_is_reauth_after_one_refresh() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    fakes.knob(
        "drivemcp",
        Knob {
            challenge: true,
            ..Knob::default()
        },
    );
    let broker = Queue::new(vec![
        token(&fakes, "dev@acme.example", SCOPES),
        token(&fakes, "dev@acme.example", SCOPES),
    ]);
    let err = mcp
        .call_tool_as(&broker, &dev(), "search_files", search(), soon())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SourceError::ReauthRequired { ref message } if message.contains("rejected the user's credentials") && message.contains("Reconnect Google Drive.")),
        "{err:?}"
    );
    assert_eq!(calls(&fakes), 2, "one refresh, then the user is told");
    assert_eq!(broker.evicted.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_challenge_for_a_scope_we_never_ask_names_it_and_is_not_retried() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    fakes.knob(
        "drivemcp",
        Knob {
            challenge: true,
            challenge_scope: Some("https://www.googleapis.com/auth/drive".into()),
            ..Knob::default()
        },
    );
    let broker = Queue::new(vec![token(&fakes, "dev@acme.example", SCOPES)]);
    let err = mcp
        .call_tool_as(&broker, &dev(), "search_files", search(), soon())
        .await
        .unwrap_err();
    let SourceError::ReauthRequired { message } = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("(https://www.googleapis.com/auth/drive)"),
        "{message}"
    );
    assert_eq!(calls(&fakes), 1);
    assert!(broker.evicted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_exhausted_daily_quota_is_rate_limited_at_once() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    fakes.state.google_mcp.set(
        "drivemcp",
        Settings {
            quota: Some(2),
            units: [("read_file_content".to_owned(), 2)].into(),
            ..Settings::default()
        },
    );
    let alice = token(&fakes, "alice@acme.example", SCOPES);
    mcp.call_tool(&alice, "search_files", search(), soon())
        .await
        .unwrap();
    // A two-unit tool does not fit in the one unit left.
    let read = json!({"fileId": "1Q1budgetFY27"});
    let err = mcp
        .call_tool(&alice, "read_file_content", read, soon())
        .await
        .unwrap_err();
    let SourceError::RateLimited {
        retry_after: Some(wait),
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(wait > Duration::from_secs(60));
    assert_eq!(calls(&fakes), 2, "a daily quota is not retried");
    assert_eq!(fakes.state.google_mcp.used("drivemcp"), 1);
}

#[tokio::test]
async fn throttling_and_latency_follow_the_shared_policy() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    let alice = token(&fakes, "alice@acme.example", SCOPES);
    fakes.knob(
        "drivemcp",
        Knob {
            retry_after: Some(0),
            times: Some(1),
            ..Knob::default()
        },
    );
    mcp.call_tool(&alice, "search_files", search(), soon())
        .await
        .unwrap();
    assert_eq!(calls(&fakes), 2, "a 429 is retried like REST");

    fakes.knob(
        "drivemcp",
        Knob {
            latency_ms: 400,
            ..Knob::default()
        },
    );
    let started = std::time::Instant::now();
    let err = mcp
        .call_tool(
            &alice,
            "search_files",
            search(),
            Instant::now() + Duration::from_millis(150),
        )
        .await
        .unwrap_err();
    assert_eq!(err, SourceError::Timeout);
    assert!(started.elapsed() < Duration::from_millis(350));
}

#[tokio::test]
async fn project_gates_and_protocol_errors_say_what_to_do() {
    let fakes = fakes().await;
    let mcp = server(&fakes);
    let alice = token(&fakes, "alice@acme.example", SCOPES);
    let err = mcp
        .call_tool(&alice, "no_such_tool", json!({}), soon())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SourceError::Upstream { ref message, retryable: false, .. } if message.contains("refused the tool's parameters")),
        "{err:?}"
    );
    for (settings, says) in [
        (
            Settings {
                disabled: true,
                ..Settings::default()
            },
            "administrator must enable",
        ),
        (
            Settings {
                denied: true,
                ..Settings::default()
            },
            "AI-powered agent",
        ),
    ] {
        fakes.state.google_mcp.set("drivemcp", settings);
        let err = mcp
            .call_tool(&alice, "search_files", search(), soon())
            .await
            .unwrap_err();
        assert!(
            matches!(err, SourceError::Upstream { ref message, retryable: false, .. } if message.contains(says)),
            "{err:?}"
        );
    }
    let err = mcp
        .call_tool(&alice, "search_files", json!([]), soon())
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::InvalidResponse(_)));
}
