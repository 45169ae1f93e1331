//! The Graph calendar fake against Graph's documented behaviour, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use common::outbound_token;
use serde_json::{Value, json};
use upstream_fakes::{FakeConfig, Knob, RunningFakes};

async fn start() -> (RunningFakes, reqwest::Client) {
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    (fakes, reqwest::Client::new())
}

const WEEK: &str = "startDateTime=2026-12-07T00:00:00&endDateTime=2026-12-14T00:00:00Z";

async fn get(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let response = http
        .get(url)
        .bearer_auth(token)
        .header("Prefer", "outlook.timezone=\"UTC\"")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn calendar_view_needs_both_bounds_and_pages_with_skip_links() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "microsoft", "dev-user", &["Calendars.Read"])
        .await
        .unwrap();
    let base = &fakes.base_url;
    for query in [
        "",
        "startDateTime=2026-12-07T00:00:00Z",
        "endDateTime=2026-12-14T00:00:00Z",
    ] {
        let (status, body) = get(
            &http,
            &format!("{base}/v1.0/me/calendarView?{query}"),
            &token,
        )
        .await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["code"], "ErrorInvalidParameter");
    }
    let (status, page) = get(
        &http,
        &format!("{base}/v1.0/me/calendarView?{WEEK}&$top=50"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    let events = page["value"].as_array().unwrap();
    assert_eq!(events.len(), 3, "the server's page is shorter than $top");
    assert_eq!(
        events[0]["start"]["dateTime"],
        "2026-12-08T11:00:00.0000000"
    );
    assert_eq!(events[0]["start"]["timeZone"], "UTC");
    let next = page["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{base}/v1.0/me/calendarView?")),
        "{next}"
    );
    assert!(
        next.contains("%24skip=3") || next.contains("$skip=3"),
        "{next}"
    );
    let (_, last) = get(&http, next, &token).await;
    assert_eq!(last["value"].as_array().unwrap().len(), 1);
    assert!(last.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn calendar_view_checks_the_token_its_scope_and_its_user() {
    let (fakes, http) = start().await;
    let base = &fakes.base_url;
    let url = format!("{base}/v1.0/me/calendarView?{WEEK}&$select=subject");
    let files_only = outbound_token(
        &fakes,
        &http,
        "microsoft",
        "dev-user",
        &["Files.Read.All", "Sites.Read.All"],
    )
    .await
    .unwrap();
    let (status, body) = get(&http, &url, &files_only).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("ErrorAccessDenied"))
    );
    let (status, _) = get(&http, &url, "not-a-token").await;
    assert_eq!(status, 401);
    let carol = outbound_token(&fakes, &http, "microsoft", "U2carol", &["Calendars.Read"])
        .await
        .unwrap();
    let (status, body) = get(&http, &url, &carol).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"], json!([]), "Carol has no meeting that week");
    let dev = outbound_token(&fakes, &http, "microsoft", "dev-user", &["Calendars.Read"])
        .await
        .unwrap();
    let (_, selected) = get(&http, &url, &dev).await;
    let first = selected["value"][0].as_object().unwrap();
    assert!(first.contains_key("subject") && first.contains_key("id"));
    assert!(!first.contains_key("attendees"), "$select trims: {first:?}");
    // Dana's meeting is not Carol's to read.
    let id = first["id"].as_str().unwrap();
    let (status, _) = get(&http, &format!("{base}/v1.0/me/events/{id}"), &carol).await;
    assert_eq!(status, 404);
    let (status, event) = get(&http, &format!("{base}/v1.0/me/events/{id}"), &dev).await;
    assert_eq!(status, 200);
    assert_eq!(event["body"]["contentType"], "html");
}

#[tokio::test]
async fn calendar_view_throttles_with_retry_after() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "microsoft", "dev-user", &["Calendars.Read"])
        .await
        .unwrap();
    fakes.knob(
        "outlook.calendar",
        Knob {
            retry_after: Some(7),
            times: Some(1),
            ..Knob::default()
        },
    );
    let url = format!("{}/v1.0/me/calendarView?{WEEK}", fakes.base_url);
    let response = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let (status, _) = get(&http, &url, &token).await;
    assert_eq!(status, 200, "the fault applied once");
}
