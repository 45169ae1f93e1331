//! The calendar sources against the fakes over real HTTP: windows, per-user calendars, short
//! pages, keyword filters, fetch, scopes, throttling and revoked tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use workplace_connectors::details::EventDetails;
use workplace_connectors::{HitDetails, SearchHit, TimeWindow};

const OUTLOOK: [(&str, &str); 1] = [("OUTLOOK_CALENDAR_MODE", "descope_outbound")];

fn week() -> TimeWindow {
    TimeWindow::parse("2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z").unwrap()
}

fn bob() -> UserContext {
    user("U2bob", "bob@acme.example")
}

fn event(hit: &SearchHit) -> &EventDetails {
    match &hit.details {
        Some(HitDetails::Event(event)) => event,
        other => panic!("{}: no event details: {other:?}", hit.title),
    }
}

fn query_of(request: &upstream_fakes::RecordedRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(request.query.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test]
async fn outlook_lists_the_users_week_in_short_pages_earliest_first() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(&OUTLOOK)[&SourceKind::OutlookCalendar];
    let hits = outlook
        .events(
            &dev(),
            &week(),
            None,
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&hits),
        [
            "Incident review: search latency",
            "Q3 budget check-in",
            "Globex QBR prep",
            "Globex contract redlines with Hank",
        ],
        "Dana's week: the sign-off (16th), Carol's review and the all-day close starting at the window's end are out"
    );
    let qbr = event(&hits[2]);
    assert_eq!(
        (qbr.start.as_str(), qbr.end.as_str()),
        ("2026-12-10T13:00:00Z", "2026-12-10T14:00:00Z")
    );
    assert_eq!(qbr.organizer.as_ref().unwrap().email, "dev@acme.example");
    assert_eq!(qbr.attendees[0].response.as_deref(), Some("accepted"));
    assert!(
        qbr.conference_url
            .as_deref()
            .unwrap()
            .starts_with("https://teams.microsoft.com/")
    );
    let incident = event(&hits[0]);
    assert_eq!(incident.attendees[0].response.as_deref(), Some("tentative"));

    // The fake answers at most three events a page: the second page came through nextLink.
    let requests: Vec<_> = h
        .fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "outlook.calendar")
        .collect();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let first = query_of(&requests[0]);
    assert_eq!(first["startDateTime"], "2026-12-07T00:00:00Z");
    assert_eq!(first["endDateTime"], "2026-12-14T00:00:00Z");
    assert!(first["$select"].contains("attendees"), "{first:?}");
    assert_eq!(query_of(&requests[1])["$skip"], "3");

    let bobs = outlook
        .events(
            &bob(),
            &week(),
            None,
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(titles(&bobs), ["Incident review: search latency"]);
}

#[tokio::test]
async fn outlook_keeps_only_events_with_every_word_and_only_the_users_own() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(&OUTLOOK)[&SourceKind::OutlookCalendar];
    let globex = outlook
        .events(
            &dev(),
            &week(),
            Some("Globex"),
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&globex),
        ["Globex QBR prep", "Globex contract redlines with Hank"]
    );
    let hank = outlook
        .events(
            &dev(),
            &week(),
            Some("globex hank.scorpio@globex.example"),
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(titles(&hank), ["Globex contract redlines with Hank"]);
    for other in [bob(), user("U2carol", "carol@acme.example")] {
        let none = outlook
            .events(
                &other,
                &week(),
                Some("Globex"),
                50,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        assert!(none.is_empty(), "{}: {:?}", other.subject, titles(&none));
    }
}

#[tokio::test]
async fn outlook_asks_descope_for_calendars_read_only() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(&OUTLOOK)[&SourceKind::OutlookCalendar];
    outlook
        .events(
            &dev(),
            &week(),
            None,
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let token_requests: Vec<_> = h
        .fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "descope.token")
        .collect();
    assert_eq!(token_requests.len(), 1);
    let body: serde_json::Value =
        serde_json::from_str(token_requests[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["appId"], "microsoft");
    assert_eq!(body["scopes"], serde_json::json!(["Calendars.Read"]));
}

#[tokio::test]
async fn outlook_fetch_renders_the_description_and_people() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(&OUTLOOK)[&SourceKind::OutlookCalendar];
    let hits = outlook
        .events(
            &dev(),
            &week(),
            Some("QBR"),
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let content = outlook
        .content_of(
            &dev(),
            &hits[0].item_id,
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(content.title, "Globex QBR prep");
    for line in [
        "When: 2026-12-10 13:00-14:00 UTC",
        "Where: Madrid-2",
        "Organizer: Dana Evans <dev@acme.example>",
        "- Alice Nguyen <alice@acme.example> (accepted)",
        "FY2027 renewal (USD 480,000, close date 2027-01-15)",
    ] {
        assert!(content.text.contains(line), "{line}: {}", content.text);
    }
    assert!(matches!(content.details, Some(HitDetails::Event(_))));
    let request = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "outlook.event")
        .unwrap();
    assert!(request.path.ends_with(&hits[0].item_id), "{}", request.path);
    // Bob cannot read Dana's meeting, and an id outside Graph's alphabet never leaves.
    assert_eq!(
        outlook
            .content_of(
                &bob(),
                &hits[0].item_id,
                100,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await,
        Err(SourceError::NotFound)
    );
    let before = h.count("outlook.event");
    assert_eq!(
        outlook
            .content_of(
                &dev(),
                "AAMk/../../users",
                100,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await,
        Err(SourceError::NotFound)
    );
    assert_eq!(h.count("outlook.event"), before);
}

#[tokio::test]
async fn outlook_throttling_and_revoked_tokens_are_classified() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook =
        &h.sources(&[OUTLOOK[0], ("SOURCE_TIMEOUT_MS", "2000")])[&SourceKind::OutlookCalendar];
    h.fakes.knob(
        "outlook.calendar",
        Knob {
            retry_after: Some(30),
            ..Knob::default()
        },
    );
    let throttled = outlook
        .events(
            &dev(),
            &week(),
            None,
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await;
    assert_eq!(
        throttled,
        Err(SourceError::RateLimited {
            retry_after: Some(Duration::from_secs(30))
        })
    );
    h.fakes.knob(
        "outlook.calendar",
        Knob {
            status: Some(401),
            ..Knob::default()
        },
    );
    let revoked = outlook
        .events(
            &dev(),
            &week(),
            None,
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await;
    assert!(
        matches!(&revoked, Err(SourceError::ReauthRequired { message }) if message.contains("Reconnect Microsoft 365")),
        "{revoked:?}"
    );
}

#[tokio::test]
async fn a_document_source_is_not_a_calendar() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&OUTLOOK);
    let notion = &sources[&SourceKind::Notion];
    assert_eq!(
        notion
            .events(
                &dev(),
                &week(),
                None,
                5,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await,
        Err(SourceError::NotACalendar(SourceKind::Notion))
    );
    assert!(
        !sources.contains_key(&SourceKind::GoogleCalendar),
        "calendars are opt-in"
    );
}

const GOOGLE: [(&str, &str); 1] = [("GOOGLE_CALENDAR_MODE", "descope_outbound")];

/// The `list_events` calls the Google Calendar MCP fake received.
fn google_calls(h: &Harness) -> Vec<serde_json::Value> {
    h.fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "calendarmcp")
        .map(|r| serde_json::from_str::<serde_json::Value>(r.body.as_deref().unwrap()).unwrap())
        .filter(|b| b["params"]["name"] == "list_events")
        .collect()
}

#[tokio::test]
async fn google_lists_the_week_following_short_and_empty_pages() {
    let h = harness(Duration::from_secs(3600)).await;
    let google = &h.sources(&GOOGLE)[&SourceKind::GoogleCalendar];
    let hits = google
        .events(
            &dev(),
            &week(),
            None,
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&hits),
        [
            "Finance weekly sync",
            "Madrid office closed (public holiday)",
            "Globex renewal review",
            "Doctor appointment",
            "Platform engineering sync",
            "Renewal pricing dry run",
        ],
        "Dana's own week, her private appointment in full; the 15th is outside"
    );
    let holiday = event(&hits[1]);
    assert!(holiday.all_day);
    assert_eq!(
        (holiday.start.as_str(), holiday.end.as_str()),
        ("2026-12-08", "2026-12-09")
    );
    // Three events, an empty page with a token, then the rest: every token was followed.
    let calls = google_calls(&h);
    assert_eq!(calls.len(), 3, "{calls:?}");
    let first = &calls[0]["params"]["arguments"];
    assert_eq!(first["calendarId"], "primary");
    assert_eq!(first["startTime"], "2026-12-07T00:00:00Z");
    assert_eq!(first["endTime"], "2026-12-14T00:00:00Z");
    assert_eq!(first["timeZone"], "UTC");
    assert_eq!(first["orderBy"], "startTime");
    assert!(first.get("pageToken").is_none());
    assert!(calls[1]["params"]["arguments"]["pageToken"].is_string());
    assert_ne!(
        calls[1]["params"]["arguments"]["pageToken"],
        calls[2]["params"]["arguments"]["pageToken"]
    );

    let bobs = google
        .events(
            &bob(),
            &week(),
            None,
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&bobs),
        [
            "Platform engineering sync",
            "Search cluster capacity planning"
        ]
    );
}

#[tokio::test]
async fn google_full_text_finds_globex_for_dana_only_and_fetch_reads_the_event() {
    let h = harness(Duration::from_secs(3600)).await;
    let google = &h.sources(&GOOGLE)[&SourceKind::GoogleCalendar];
    let hits = google
        .events(
            &dev(),
            &week(),
            Some("Globex"),
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&hits),
        ["Globex renewal review", "Renewal pricing dry run"],
        "the dry run mentions Globex in its description only"
    );
    assert_eq!(
        google_calls(&h).last().unwrap()["params"]["arguments"]["fullText"],
        "Globex"
    );
    let review = event(&hits[0]);
    assert_eq!(review.location.as_deref(), Some("Madrid-2 / Meet"));
    assert_eq!(review.attendees.len(), 3);
    assert_eq!(review.attendees[2].response.as_deref(), Some("tentative"));
    for other in [bob(), user("U2carol", "carol@acme.example")] {
        let none = google
            .events(
                &other,
                &week(),
                Some("Globex"),
                50,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        assert!(none.is_empty(), "{}: {:?}", other.subject, titles(&none));
    }
    let content = google
        .content_of(
            &dev(),
            &hits[0].item_id,
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    for line in [
        "When: 2026-12-08 15:00-16:00 UTC",
        "Organizer: Alice Nguyen <alice@acme.example>",
        "- Hank Scorpio <hank.scorpio@globex.example> (tentative)",
        "Join: https://meet.google.com/gbx-rnwl-rvw",
        "Renewal value: USD 480,000",
    ] {
        assert!(content.text.contains(line), "{line}: {}", content.text);
    }
    assert_eq!(
        google
            .content_of(
                &bob(),
                &hits[0].item_id,
                100,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await,
        Err(SourceError::NotFound),
        "Bob may not read Dana's meeting"
    );
}

#[tokio::test]
async fn google_asks_descope_for_the_events_scope_only() {
    let h = harness(Duration::from_secs(3600)).await;
    let google = &h.sources(&GOOGLE)[&SourceKind::GoogleCalendar];
    google
        .events(
            &dev(),
            &week(),
            None,
            1,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let request = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "descope.token")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["appId"], "google-drive");
    assert_eq!(
        body["scopes"],
        serde_json::json!(["https://www.googleapis.com/auth/calendar.events.readonly"])
    );
}

#[tokio::test]
async fn google_quota_and_refused_credentials_are_classified() {
    let h = harness(Duration::from_secs(3600)).await;
    let google = &h.sources(&GOOGLE)[&SourceKind::GoogleCalendar];
    h.fakes.state.google_mcp.set(
        "calendarmcp",
        upstream_fakes::google_mcp::Settings {
            quota: Some(1),
            used: Some(1),
            ..Default::default()
        },
    );
    let quota = google
        .events(
            &dev(),
            &week(),
            None,
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await;
    assert!(
        matches!(quota, Err(SourceError::RateLimited { .. })),
        "{quota:?}"
    );
    h.fakes.state.google_mcp.reset();
    // A token Descope no longer has: the server refuses it, a fresh one is asked for once.
    google
        .events(
            &dev(),
            &week(),
            None,
            1,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    h.fakes.state.expire_tokens();
    h.fakes
        .state
        .set_connection("dev-user", "google-drive", false);
    let revoked = google
        .events(
            &dev(),
            &week(),
            None,
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await;
    assert!(
        matches!(&revoked, Err(SourceError::ReauthRequired { .. })),
        "{revoked:?}"
    );
}

#[tokio::test]
async fn keyword_search_looks_around_the_configured_instant_not_the_clock() {
    let h = harness(Duration::from_secs(3600)).await;
    let on = [GOOGLE[0], OUTLOOK[0]];
    let demo = h.sources(&on);
    let far: Vec<(&str, &str)> = on
        .into_iter()
        .chain([("CALENDAR_SEARCH_AROUND", "2020-06-01T00:00:00Z")])
        .collect();
    let elsewhere = h.sources(&far);
    for kind in [SourceKind::GoogleCalendar, SourceKind::OutlookCalendar] {
        let found = demo[&kind]
            .search(
                &dev(),
                "Globex",
                10,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        assert!(
            found.iter().any(|hit| hit.title.contains("Globex")),
            "{kind:?}: the demo meetings around {}: {:?}",
            upstream_fakes::calendar::DEMO_AROUND,
            titles(&found)
        );
        let none = elsewhere[&kind]
            .search(
                &dev(),
                "Globex",
                10,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        assert!(none.is_empty(), "{kind:?}: {:?}", titles(&none));
    }
    let window = google_calls(&h).last().unwrap()["params"]["arguments"]["startTime"].clone();
    assert_eq!(
        window, "2020-03-03T00:00:00Z",
        "90 days before the instant set"
    );
}
