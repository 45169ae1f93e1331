//! `reauth_required` offered as URL-mode elicitation to clients that declare it (MCP 2025-11-25's
//! `-32042` error, or 2026-07-28's `input_required` result), and as text to every other client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use workplace_connectors::{SourceError, SourceKind};
use workplace_testkit::FixedSource;

const CONNECT: &str = "https://connect.acme.example/connect";
const NOTION_ID: &str = "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab";

fn unconnected(connect: Option<&str>) -> TestApp {
    let source = FixedSource::failing(
        SourceKind::Notion,
        SourceError::ReauthRequired {
            message: format!("Connect your Notion account at {CONNECT}, then try again."),
        },
    );
    let env: Vec<(&str, &str)> = connect
        .map(|c| ("DESCOPE_CONNECT_URL", c))
        .into_iter()
        .collect();
    app_with(vec![source], &env, None)
}

/// A `fetch` on the 2025-11-25 wire; `capabilities` sent in `_meta` as a stateless server can see
/// them (a client that declared them only at `initialize` sends none).
fn fetch_2025(capabilities: Option<Value>) -> Value {
    let mut body = call_body("fetch", json!({"id": NOTION_ID}));
    if let Some(capabilities) = capabilities {
        body["params"]["_meta"] =
            json!({"io.modelcontextprotocol/clientCapabilities": capabilities});
    }
    with_body(
        event("mcp_tools_call.json", Some(&token("workplace:read:notion"))),
        &body,
    )
}

/// A `fetch` on the 2026-07-28 wire, optionally answering the connect prompt.
fn fetch_2026(capabilities: Value, answer: Option<Value>) -> Value {
    let mut params = json!({
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities,
            "io.modelcontextprotocol/clientInfo": {"name": "fixture-client", "version": "1.0.0"}
        },
        "name": "fetch",
        "arguments": {"id": NOTION_ID}
    });
    if let Some(answer) = answer {
        params["inputResponses"] = json!({"connect_source": answer});
    }
    let event = with_body(
        event(
            "mcp_tools_call_2026.json",
            Some(&token("workplace:read:notion")),
        ),
        &json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": params}),
    );
    with_header(event, "mcp-name", Some("fetch"))
}

fn assert_text_answer(body: &Value) {
    let result = &body["result"];
    assert_eq!(result["isError"], true, "{body}");
    assert_eq!(
        result["structuredContent"]["error"]["code"], "reauth_required",
        "{body}"
    );
    assert!(result.to_string().contains(CONNECT), "{body}");
    assert!(body.get("error").is_none(), "{body}");
}

#[tokio::test]
async fn a_2025_11_25_client_declaring_url_mode_gets_the_url_elicitation_required_error() {
    let app = unconnected(Some(CONNECT));
    let response = app
        .send(&fetch_2025(Some(json!({"elicitation": {"url": {}}}))))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["error"]["code"], -32042, "{body}");
    let elicitation = &body["error"]["data"]["elicitations"][0];
    assert_eq!(elicitation["mode"], "url");
    assert_eq!(elicitation["url"], CONNECT);
    assert!(elicitation["elicitationId"].as_str().unwrap().len() > 3);
    assert!(
        elicitation["message"].as_str().unwrap().contains("Notion"),
        "{body}"
    );
}

#[tokio::test]
async fn clients_that_did_not_declare_url_mode_keep_the_text() {
    let app = unconnected(Some(CONNECT));
    for capabilities in [
        None,
        Some(json!({})),
        Some(json!({"elicitation": {}})),
        Some(json!({"elicitation": {"form": {}}})),
    ] {
        let response = app.send(&fetch_2025(capabilities)).await;
        assert_text_answer(&body(&response));
    }
    let response = app
        .send(&fetch_2026(json!({"elicitation": {"form": {}}}), None))
        .await;
    assert_text_answer(&body(&response));
}

#[tokio::test]
async fn a_2026_07_28_client_declaring_url_mode_is_asked_once_by_input_required() {
    let app = unconnected(Some(CONNECT));
    let response = app
        .send(&fetch_2026(json!({"elicitation": {"url": {}}}), None))
        .await;
    let first = body(&response);
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required", "{first}");
    let ask = &result["inputRequests"]["connect_source"];
    assert_eq!(ask["method"], "elicitation/create");
    assert_eq!(ask["params"]["mode"], "url");
    assert_eq!(ask["params"]["url"], CONNECT);

    // The retry after the page: still unconnected, so the text, not a second prompt.
    let response = app
        .send(&fetch_2026(
            json!({"elicitation": {"url": {}}}),
            Some(json!({"action": "accept"})),
        ))
        .await;
    assert_text_answer(&body(&response));
}

#[tokio::test]
async fn a_search_whose_every_source_needs_connecting_is_offered_the_page_and_a_partial_one_is_not()
{
    let search = |sources: Value| {
        let mut body = call_body(
            "workplace_search",
            json!({"query": "budget", "sources": sources}),
        );
        body["params"]["_meta"] =
            json!({"io.modelcontextprotocol/clientCapabilities": {"elicitation": {"url": {}}}});
        with_body(
            event(
                "mcp_tools_call.json",
                Some(&token("workplace:read:notion workplace:read:google_drive")),
            ),
            &body,
        )
    };
    let source = FixedSource::failing(
        SourceKind::Notion,
        SourceError::ReauthRequired {
            message: "Connect your Notion account.".into(),
        },
    );
    let app = app_with(
        vec![source, FixedSource::with_hits(SourceKind::GoogleDrive, 2)],
        &[("DESCOPE_CONNECT_URL", CONNECT)],
        None,
    );
    let body_all = body(&app.send(&search(json!(["notion"]))).await);
    assert_eq!(body_all["error"]["code"], -32042, "{body_all}");
    assert_eq!(body_all["error"]["data"]["elicitations"][0]["url"], CONNECT);
    // Drive still answers: its results are kept, and Notion is named in `sources` as before.
    let partial = body(&app.send(&search(json!(["notion", "google_drive"]))).await);
    assert_eq!(partial["result"]["isError"], false, "{partial}");
    assert!(partial.get("error").is_none());
}

#[tokio::test]
async fn without_a_connect_page_every_client_gets_the_text() {
    for connect in [None, Some("http://connect.acme.example/plain-http")] {
        let app = unconnected(connect);
        let response = app
            .send(&fetch_2025(Some(json!({"elicitation": {"url": {}}}))))
            .await;
        let body = body(&response);
        assert_eq!(body["result"]["isError"], true, "{body}");
        assert_eq!(
            body["result"]["structuredContent"]["error"]["code"],
            "reauth_required"
        );
    }
}
