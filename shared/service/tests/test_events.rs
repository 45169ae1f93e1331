//! `list_events` through the REST tool route with the real calendar connectors against the
//! fakes: "what meetings do I have with Globex next week?" in one call, per user; window errors
//! naming their field; scopes checked before any calendar is asked; throttled and revoked
//! calendars reported per source; every answer fitting the tool's outputSchema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use upstream_fakes::{Knob, RunningFakes};
use workplace_service::rest;

/// Calendars on, as `make dev` and the end-to-end tests run them.
const CALENDARS: [(&str, &str); 2] = [
    ("OUTLOOK_CALENDAR_MODE", "descope_outbound"),
    ("GOOGLE_CALENDAR_MODE", "descope_outbound"),
];

async fn stack() -> (RunningFakes, TestState) {
    let extra: Vec<(&str, String)> = CALENDARS
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
    let (fakes, sources) = workplace_testkit::fake_sources(&extra).await;
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("SERVICE_TOKEN_SUBJECTS", "dev-user,U2bob"),
        ],
    );
    (fakes, app)
}

fn as_user(subject: &str, scope: &str) -> String {
    token_with(json!({"scope": scope, "sub": subject}))
}

/// Calls `list_events`; answers the HTTP status and the body.
async fn list(app: &TestState, token: &str, arguments: Value) -> (u16, Value) {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(token)),
            "/mcp/tools/list_events/call",
        ),
        &json!({"name": "list_events", "arguments": arguments}).to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    (response.status().as_u16(), body(&response))
}

fn next_week(query: Option<&str>) -> Value {
    let mut arguments = json!({"start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z"});
    if let Some(query) = query {
        arguments["query"] = json!(query);
    }
    arguments
}

fn titles(structured: &Value) -> Vec<String> {
    structured["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect()
}

fn statuses(structured: &Value) -> Vec<(String, String)> {
    structured["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn globex_meetings_next_week_are_one_call_for_dana_and_none_for_bob() {
    let (_fakes, app) = stack().await;
    let (status, answer) = list(
        &app,
        &as_user("dev-user", all_scopes()),
        next_week(Some("Globex")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["isError"], false, "{answer}");
    let structured = &answer["structuredContent"];
    assert_fits("list_events", structured);
    assert_eq!(
        titles(structured),
        [
            "Globex renewal review",
            "Renewal pricing dry run",
            "Globex QBR prep",
            "Globex contract redlines with Hank",
        ],
        "both calendars, earliest first; the 15th and 16th are outside the week"
    );
    let review = &structured["events"][0];
    assert_eq!(review["source"], "google_calendar");
    assert_eq!(review["start"], "2026-12-08T15:00:00Z");
    assert_eq!(review["end"], "2026-12-08T16:00:00Z");
    assert_eq!(review["location"], "Madrid-2 / Meet");
    assert_eq!(review["organizer"]["email"], "alice@acme.example");
    let people: Vec<(&str, &str)> = review["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["email"].as_str().unwrap(),
                a["response"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            ("alice@acme.example", "accepted"),
            ("dev@acme.example", "accepted"),
            ("hank.scorpio@globex.example", "tentative"),
        ]
    );
    assert_eq!(structured["events"][2]["source"], "outlook_calendar");
    assert_eq!(
        statuses(structured),
        [
            ("google_calendar".to_owned(), "ok".to_owned()),
            ("outlook_calendar".to_owned(), "ok".to_owned())
        ]
    );
    assert_eq!(structured["content_trust"], "third_party");
    let text = answer["content"][1]["text"].as_str().unwrap();
    assert!(
        text.contains("Event 1: \"google_calendar:globexrenewalreview20261208\""),
        "{text}"
    );
    assert!(text.contains("Location: \"Madrid-2 / Meet\""), "{text}");

    let (_, bob) = list(
        &app,
        &as_user("U2bob", all_scopes()),
        next_week(Some("Globex")),
    )
    .await;
    assert_fits("list_events", &bob["structuredContent"]);
    assert_eq!(titles(&bob["structuredContent"]), Vec::<String>::new());
    assert_eq!(bob["isError"], false);
    // Bob still finds his own week.
    let (_, week) = list(&app, &as_user("U2bob", all_scopes()), next_week(None)).await;
    assert_eq!(
        titles(&week["structuredContent"]),
        [
            "Incident review: search latency",
            "Platform engineering sync",
            "Search cluster capacity planning",
        ]
    );
}

#[tokio::test]
async fn window_errors_name_the_field() {
    let (fakes, app) = stack().await;
    let token = as_user("dev-user", all_scopes());
    for (arguments, field) in [
        (json!({"end": "2026-12-14T00:00:00Z"}), "start"),
        (json!({"start": "2026-12-07T00:00:00Z"}), "end"),
        (
            json!({"start": "next monday", "end": "2026-12-14T00:00:00Z"}),
            "start",
        ),
        (
            json!({"start": "2026-12-14T00:00:00Z", "end": "2026-12-07T00:00:00Z"}),
            "end",
        ),
        (
            json!({"start": "2026-12-01T00:00:00Z", "end": "2027-03-01T00:00:00Z"}),
            "end",
        ),
        (
            json!({"start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z", "sources": ["notion"]}),
            "sources",
        ),
    ] {
        let (status, answer) = list(&app, &token, arguments.clone()).await;
        assert_eq!(status, 422, "{arguments}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_arguments", "{answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("`{field}`")),
            "{arguments}: {answer}"
        );
    }
    assert!(
        fakes
            .requests()
            .iter()
            .all(|r| r.route != "outlook.calendar"),
        "nothing invalid reaches a calendar"
    );
}

#[tokio::test]
async fn a_token_without_a_calendar_scope_never_reaches_that_calendar() {
    let (fakes, app) = stack().await;
    let documents = "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint";
    let (status, answer) = list(&app, &as_user("dev-user", documents), next_week(None)).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "insufficient_scope");
    let named = json!({"start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z", "sources": ["outlook_calendar"]});
    let google_only = "workplace:read:google_calendar";
    let (status, _) = list(&app, &as_user("dev-user", google_only), named).await;
    assert_eq!(status, 403, "a named calendar needs its scope");
    let (status, answer) = list(&app, &as_user("dev-user", google_only), next_week(None)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        statuses(&answer["structuredContent"]),
        [("google_calendar".to_owned(), "ok".to_owned())]
    );
    let requests = fakes.requests();
    assert!(
        requests.iter().all(|r| r.route != "outlook.calendar"),
        "Outlook was never asked"
    );
    assert!(
        requests
            .iter()
            .filter(|r| r.route == "descope.token")
            .all(|r| !r
                .body
                .as_deref()
                .unwrap_or_default()
                .contains("Calendars.Read")),
        "not even for a token"
    );
}

#[tokio::test]
async fn a_throttled_or_revoked_calendar_is_reported_and_the_other_still_answers() {
    let (fakes, app) = stack().await;
    let token = as_user("dev-user", all_scopes());
    fakes.knob(
        "outlook.calendar",
        Knob {
            retry_after: Some(30),
            ..Knob::default()
        },
    );
    let (_, answer) = list(&app, &token, next_week(Some("Globex"))).await;
    let structured = &answer["structuredContent"];
    assert_fits("list_events", structured);
    assert_eq!(answer["isError"], false);
    assert_eq!(
        statuses(structured),
        [
            ("google_calendar".to_owned(), "ok".to_owned()),
            ("outlook_calendar".to_owned(), "rate_limited".to_owned())
        ]
    );
    assert_eq!(structured["sources"][1]["retry_after_seconds"], 30);
    assert_eq!(
        titles(structured),
        ["Globex renewal review", "Renewal pricing dry run"]
    );

    fakes.knob(
        "outlook.calendar",
        Knob {
            status: Some(401),
            ..Knob::default()
        },
    );
    let only_outlook = json!({"start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z", "sources": ["outlook_calendar"]});
    let (_, answer) = list(&app, &token, only_outlook).await;
    assert_eq!(answer["isError"], true, "every calendar asked failed");
    let structured = &answer["structuredContent"];
    assert_fits("list_events", structured);
    assert_eq!(structured["sources"][0]["status"], "reauth_required");
    assert!(
        answer["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Listing failed for every requested calendar"),
        "{answer}"
    );
}

#[tokio::test]
async fn fetch_reads_an_event_listed_by_list_events() {
    let (_fakes, app) = stack().await;
    let token = as_user("dev-user", all_scopes());
    let (_, answer) = list(&app, &token, next_week(Some("QBR"))).await;
    let id = answer["structuredContent"]["events"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(&token)),
            "/mcp/tools/fetch/call",
        ),
        &json!({"name": "fetch", "arguments": {"id": id}}).to_string(),
    );
    let fetched = body(&rest::call_tool(&app.state, request(&event)).await);
    let structured = &fetched["structuredContent"];
    assert_fits("fetch", structured);
    assert_eq!(structured["title"], "Globex QBR prep");
    assert!(
        structured["text"]
            .as_str()
            .unwrap()
            .contains("Attendees:\n- Alice Nguyen"),
        "{structured}"
    );
    assert_eq!(structured["details"]["type"], "event");
}

/// `workplace_search` searches the calendars too (90 days either side of today: the demo
/// meetings are in December 2026).
#[tokio::test]
async fn a_search_for_globex_finds_danas_meetings_and_none_of_bobs() {
    let (_fakes, app) = stack().await;
    let search = |token: String| {
        let app = &app;
        async move {
            let event = with_body(
                with_path(
                    event("tool_call_post.json", Some(&token)),
                    "/mcp/tools/workplace_search/call",
                ),
                &json!({"name": "workplace_search", "arguments": {
                    "query": "Globex", "sources": ["google_calendar", "outlook_calendar"], "max_results": 20
                }})
                .to_string(),
            );
            body(&rest::call_tool(&app.state, request(&event)).await)
        }
    };
    let dana = search(as_user("dev-user", all_scopes())).await;
    let structured = &dana["structuredContent"];
    assert_fits("workplace_search", structured);
    let found: Vec<&str> = structured["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    for meeting in [
        "Globex renewal review",
        "Globex SSO follow-up with Hank",
        "Globex QBR prep",
        "Globex contract redlines with Hank",
        "Globex renewal sign-off",
    ] {
        assert!(found.contains(&meeting), "{meeting}: {found:?}");
    }
    let review = structured["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "Globex renewal review")
        .unwrap();
    assert_eq!(review["details"]["type"], "event");
    assert_eq!(review["details"]["location"], "Madrid-2 / Meet");

    let bob = search(as_user("U2bob", all_scopes())).await;
    assert_fits("workplace_search", &bob["structuredContent"]);
    assert_eq!(bob["structuredContent"]["total_count"], 0, "{bob}");
    assert!(
        bob["structuredContent"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "ok"),
        "{bob}"
    );
}
