//! Outlook mail through the Graph fake over real HTTP: who sees which mail, one hit per
//! conversation, paging through `@odata.nextLink`, fetch with the conversation and attachments,
//! throttling, refused tokens, and ids that never reach a URL unparsed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use time::macros::date;
use workplace_connectors::HitDetails;
use workplace_connectors::query::Plan;

const ON: &[(&str, &str)] = &[("OUTLOOK_MAIL_MODE", "descope_outbound")];

fn bob() -> UserContext {
    user("U2bob", "bob@acme.example")
}

fn plan(q: &str) -> Plan {
    Plan::new(q, date!(2026 - 12 - 04))
}

fn email(hit: &workplace_connectors::SearchHit) -> &workplace_connectors::details::EmailDetails {
    match hit.details.as_ref().expect("mail hits carry details") {
        HitDetails::Email(mail) => mail,
        other => panic!("not an email: {other:?}"),
    }
}

fn mail_requests(h: &Harness) -> Vec<upstream_fakes::RecordedRequest> {
    h.fakes
        .requests()
        .into_iter()
        .filter(|r| r.route.starts_with("outlook_mail."))
        .collect()
}

#[tokio::test]
async fn globex_mail_is_found_for_dana_and_never_for_bob() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(ON)[&SourceKind::OutlookMail];
    let found = outlook
        .search_plan(
            &dev(),
            &plan("Globex"),
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(found.hits.len() >= 3, "{:?}", titles(&found.hits));
    for hit in &found.hits {
        let mail = email(hit);
        let people: Vec<&str> = std::iter::once(&mail.from)
            .chain(&mail.to)
            .chain(&mail.cc)
            .map(|p| p.email.as_str())
            .collect();
        assert!(people.contains(&"dev@acme.example"), "{people:?}");
        assert!(!mail.sent.is_empty() && !mail.thread_id.is_empty());
    }
    let titles = titles(&found.hits);
    assert!(titles.contains(&"Globex QBR prep".to_owned()), "{titles:?}");
    let qbr = found
        .hits
        .iter()
        .find(|h| h.title == "Globex QBR prep")
        .unwrap();
    assert_eq!(email(qbr).attachments, ["Globex-QBR-agenda.docx"]);
    assert_eq!(email(qbr).from.name.as_deref(), Some("Alice Nguyen"));

    let as_bob = outlook
        .search_plan(
            &bob(),
            &plan("Globex"),
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(as_bob.hits.is_empty(), "{:?}", titles_of(&as_bob.hits));
    let own = outlook
        .search_plan(
            &bob(),
            &plan("search indexer"),
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(titles_of(&own.hits), ["On-call handover: search indexer"]);
}

fn titles_of(hits: &[workplace_connectors::SearchHit]) -> Vec<String> {
    titles(hits)
}

#[tokio::test]
async fn one_hit_per_conversation_and_pages_follow_the_next_link() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(ON)[&SourceKind::OutlookMail];
    // Asking for 3 conversations reads pages of 6 messages: the first holds the QBR note and
    // the five messages of the SSO case, two conversations only, so the second page is read.
    let found = outlook
        .search_plan(
            &dev(),
            &plan("globex"),
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let threads: std::collections::HashSet<&str> = found
        .hits
        .iter()
        .map(|h| email(h).thread_id.as_str())
        .collect();
    assert_eq!(found.hits.len(), 3, "{:?}", titles(&found.hits));
    assert_eq!(threads.len(), 3, "one hit per conversation");
    let sso = found
        .hits
        .iter()
        .find(|h| h.title.contains("SSO login failures"))
        .unwrap();
    assert_eq!(
        email(sso).sent,
        "2026-12-03T13:00:00Z",
        "the conversation is shown by its newest match"
    );
    let requests = mail_requests(&h);
    assert_eq!(requests.len(), 2, "{requests:?}");
    let first: HashMap<String, String> = url::form_urlencoded::parse(requests[0].query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(first["$search"], "\"(globex OR globexes)\"");
    assert_eq!(first["$top"], "6");
    assert!(first["$select"].contains("conversationId"));
    assert!(!first.contains_key("$orderby") && !first.contains_key("$filter"));
    assert!(requests[1].query.contains("%24skip=6") || requests[1].query.contains("$skip=6"));
}

#[tokio::test]
async fn fetch_shows_the_message_in_its_conversation_with_attachments() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(ON)[&SourceKind::OutlookMail];
    let third = "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ2xvYmV4LXNzby0wMwAA";
    let content = outlook
        .content_of(
            &dev(),
            third,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let text = &content.text;
    assert!(
        text.starts_with("Subject: RE: Globex: SSO login failures\n"),
        "{text}"
    );
    assert!(
        text.contains("From: Hank Scorpio <hank.scorpio@globex.example>"),
        "{text}"
    );
    assert!(text.contains("pilot group before the 5th"), "{text}");
    assert!(
        text.contains("Thread: 5 messages, this is message 3"),
        "{text}"
    );
    assert!(
        text.contains(
            "1. 2026-11-27T14:10:00Z from Hank Scorpio <hank.scorpio@globex.example>: Dana, Alice,"
        ),
        "{text}"
    );
    assert!(text.contains("3. (this message)"), "{text}");
    assert!(
        text.contains("5. 2026-12-03T13:00:00Z from Hank Scorpio"),
        "later messages too: {text}"
    );
    assert!(
        !text.contains("<html") && !text.contains("<p>"),
        "text bodies: {text}"
    );
    assert!(
        content
            .url
            .starts_with("https://outlook.office365.com/owa/")
    );

    let first = "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ2xvYmV4LXNzby0wMQAA";
    let content = outlook
        .content_of(
            &dev(),
            first,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(
        content
            .text
            .contains("Attachments: sso-error-screenshot.png"),
        "{}",
        content.text
    );
    let routes: Vec<&str> = mail_requests(&h).iter().map(|r| r.route).collect();
    assert!(routes.contains(&"outlook_mail.attachments"), "{routes:?}");
    // The second fetch (no attachments on the third message) asked for none.
    assert_eq!(
        routes
            .iter()
            .filter(|r| **r == "outlook_mail.attachments")
            .count(),
        1
    );

    // Bob has no such message: not found, as for an id that never existed.
    assert_eq!(
        outlook
            .content_of(
                &bob(),
                first,
                20_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await
            .unwrap_err(),
        SourceError::NotFound
    );
}

#[tokio::test]
async fn caller_ids_are_parsed_before_any_request() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(ON)[&SourceKind::OutlookMail];
    for hostile in [
        "AAk/../../users/ceo@acme.example/messages",
        "AAk?$select=body",
        "AAk%2F..%2Fusers",
        "AAk'",
        "",
    ] {
        assert_eq!(
            outlook
                .content_of(
                    &dev(),
                    hostile,
                    1000,
                    tokio::time::Instant::now() + std::time::Duration::from_secs(8)
                )
                .await
                .unwrap_err(),
            SourceError::NotFound,
            "{hostile}"
        );
    }
    assert!(h.fakes.requests().is_empty(), "{:?}", h.fakes.requests());
}

#[tokio::test]
async fn throttling_is_retried_then_reported_and_401_asks_to_reconnect() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(ON)[&SourceKind::OutlookMail];
    h.fakes.knob(
        "outlook_mail.messages",
        Knob {
            retry_after: Some(1),
            ..Knob::default()
        },
    );
    let err = outlook
        .search_plan(
            &dev(),
            &plan("globex"),
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::RateLimited { .. }), "{err:?}");
    assert_eq!(mail_requests(&h).len(), 3, "one try and two retries");

    h.fakes.state.reset();
    h.fakes.knob(
        "outlook_mail.messages",
        Knob {
            status: Some(401),
            ..Knob::default()
        },
    );
    let err = outlook
        .search_plan(
            &dev(),
            &plan("globex"),
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::ReauthRequired { message } if message.contains("Microsoft 365")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_mailbox_concurrency_limit_throttles_and_retries_succeed() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = h.sources(ON)[&SourceKind::OutlookMail].clone();
    reqwest::Client::new()
        .post(format!("{}/_fake/outlook_mail", h.fakes.base_url))
        .json(&serde_json::json!({"hold_ms": 400}))
        .send()
        .await
        .unwrap();
    // Warm the token cache so the six searches reach Graph together.
    outlook
        .search_plan(
            &dev(),
            &plan("offsite"),
            1,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let before = mail_requests(&h).len();
    let searches = (0..6).map(|_| {
        let outlook = outlook.clone();
        async move {
            outlook
                .search_plan(
                    &dev(),
                    &plan("globex"),
                    2,
                    tokio::time::Instant::now() + std::time::Duration::from_secs(8),
                )
                .await
        }
    });
    let results = futures::future::join_all(searches).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let sent = mail_requests(&h).len() - before;
    assert_eq!(sent, 8, "four served at once, two throttled and retried");
}

#[tokio::test]
async fn the_fake_wants_a_delegated_token_granted_mail_read() {
    let h = harness(Duration::from_secs(3600)).await;
    let http = reqwest::Client::new();
    let token = |scopes: &'static [&'static str]| {
        let http = http.clone();
        let base = h.fakes.base_url.clone();
        async move {
            let answer: serde_json::Value = http
                .post(format!("{base}/v1/mgmt/outbound/app/user/token"))
                .header("authorization", "Bearer P2demo:K2demo-management-key")
                .json(&serde_json::json!({"appId": "microsoft", "userId": "dev-user", "scopes": scopes}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["token"]["accessToken"].as_str().unwrap().to_owned()
        }
    };
    let url = format!("{}/v1.0/me/messages?$top=1", h.fakes.base_url);
    let files_only = token(&["Files.Read.All"]).await;
    let refused = http.get(&url).bearer_auth(files_only).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ErrorAccessDenied");
    let mail = token(&["Mail.Read"]).await;
    let ok = http.get(&url).bearer_auth(&mail).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let bad = http
        .get(&url)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let search_and_order = format!(
        "{}/v1.0/me/messages?$search=%22globex%22&$orderby=receivedDateTime",
        h.fakes.base_url
    );
    let refused = http
        .get(&search_and_order)
        .bearer_auth(&mail)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

/// The upstream calls one search makes and how long it takes against the fakes, with Graph's
/// latency at 0 and 200 ms (`cargo test --test test_outlook_mail -- --ignored --nocapture`).
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn measure_one_search() {
    let h = harness(Duration::from_secs(3600)).await;
    let outlook = &h.sources(ON)[&SourceKind::OutlookMail];
    outlook
        .search_plan(
            &dev(),
            &plan("warm up"),
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    for latency_ms in [0, 200] {
        h.fakes.state.reset();
        h.fakes.knob(
            "*",
            Knob {
                latency_ms,
                ..Knob::default()
            },
        );
        for (q, limit) in [
            ("Globex", 10),
            ("globex", 3),
            ("find the email where the budget was approved", 10),
        ] {
            let before = h.fakes.requests().len();
            let started = std::time::Instant::now();
            let found = outlook
                .search_plan(
                    &dev(),
                    &plan(q),
                    limit,
                    tokio::time::Instant::now() + std::time::Duration::from_secs(8),
                )
                .await
                .unwrap();
            let took = started.elapsed();
            let calls: Vec<&str> = h.fakes.requests()[before..]
                .iter()
                .map(|r| r.route)
                .collect();
            println!(
                "outlook_mail latency={latency_ms}ms query={q:?} limit={limit} hits={} calls={calls:?} took={took:?}",
                found.hits.len()
            );
        }
    }
}
