//! The source against the fake org over real HTTP: tokens from the fake Descope, requests read
//! back from the fakes' log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use secrecy::SecretString;
use time::macros::date;
use tokio::time::Instant;
use upstream_fakes::{FakeConfig, Knob, RunningFakes};

use super::Salesforce;
use super::id::RecordId;
use crate::broker::{DescopeOutbound, TokenBroker};
use crate::details::HitDetails;
use crate::endpoint::BaseUrl;
use crate::query::Plan;
use crate::{SearchHit, SourceError, UserContext};

const GLOBEX: &str = "001Ac0000GLBX01IQH";
const RENEWAL: &str = "006Ac0000GRNW27IQH";
const SSO_CASE: &str = "500Ac0000GSSO01IQH";

struct Org {
    fakes: RunningFakes,
    source: Salesforce,
    http: reqwest::Client,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn org() -> Org {
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    let base = BaseUrl::parse("SALESFORCE_INSTANCE_URL", &fakes.base_url).unwrap();
    Org {
        source: Salesforce::new(http(), base),
        fakes,
        http: http(),
    }
}

impl Org {
    async fn token(&self, subject: &str) -> SecretString {
        let base = BaseUrl::parse("DESCOPE_BASE_URL", &self.fakes.base_url).unwrap();
        let broker = DescopeOutbound::new(
            http(),
            &base,
            "P2demo",
            &SecretString::from("K2demo-management-key"),
            "salesforce",
            Vec::new(),
            "Connect Salesforce.".into(),
        );
        let user = UserContext {
            subject: subject.into(),
            email: None,
            email_verified: false,
        };
        broker.token(&user, deadline()).await.unwrap()
    }

    async fn search(&self, subject: &str, query: &str) -> Result<Vec<SearchHit>, SourceError> {
        let token = self.token(subject).await;
        let plan = Plan::new(query, date!(2026 - 12 - 04));
        self.source
            .search_plan_as(&token, &plan, 10, deadline())
            .await
            .map(|p| p.hits)
    }

    fn searches(&self) -> Vec<String> {
        self.fakes
            .requests()
            .into_iter()
            .filter(|r| r.route.starts_with("salesforce."))
            .map(|r| format!("{} {}", r.route, r.query))
            .collect()
    }

    async fn control(&self, body: serde_json::Value) {
        self.http
            .post(format!("{}/_fake/salesforce", self.fakes.base_url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(8)
}

fn field<'a>(hit: &'a SearchHit, name: &str) -> Option<&'a str> {
    let Some(HitDetails::Record(record)) = &hit.details else {
        return None;
    };
    record
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.value.as_str())
}

#[tokio::test]
async fn the_renewal_status_is_one_search() {
    let org = org().await;
    let hits = org
        .search("dev-user", "what is the status of the Globex renewal?")
        .await
        .unwrap();
    let first = &hits[0];
    assert_eq!(first.title, "Globex renewal FY2027");
    assert_eq!(first.item_id, RENEWAL);
    assert_eq!(field(first, "Stage"), Some("Negotiation/Review"));
    assert_eq!(field(first, "Amount"), Some("480,000"));
    assert_eq!(field(first, "Close date"), Some("2027-01-15"));
    assert_eq!(field(first, "Owner"), Some("Alice Nguyen"));
    assert_eq!(
        first.url,
        format!(
            "{}/lightning/r/Opportunity/{RENEWAL}/view",
            org.fakes.base_url
        )
    );
    let searches = org.searches();
    assert_eq!(searches.len(), 1, "{searches:?}");
    assert!(
        searches[0].starts_with(
            "salesforce.search q=FIND+%7B%28globex+OR+globexes%29+AND+%28renewal+OR+renewals%29%7D"
        ),
        "{searches:?}"
    );
}

#[tokio::test]
async fn globex_records_are_dana_and_alices_only() {
    let org = org().await;
    for subject in ["dev-user", "U2alice"] {
        let hits = org.search(subject, "Globex").await.unwrap();
        let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
        for expected in [
            "Globex Corporation",
            "Globex renewal FY2027",
            "Hank Scorpio",
            "Case 00001026: Globex: SSO login failures",
        ] {
            assert!(titles.contains(&expected), "{subject}: {titles:?}");
        }
    }
    for subject in ["U2bob", "U2carol"] {
        let hits = org.search(subject, "Globex").await.unwrap();
        assert!(hits.is_empty(), "{subject}: {hits:?}");
    }
    // Bob and Carol still find their own records.
    let bob = org.search("U2bob", "Initech API timeouts").await.unwrap();
    assert_eq!(
        bob[0].title,
        "Case 00001031: Initech: API timeouts on bulk export"
    );
    assert_eq!(field(&bob[0], "Priority"), Some("Medium"));
    let carol = org.search("U2carol", "open enrollment").await.unwrap();
    assert!(
        carol.iter().any(|h| h.title.contains("Stark Benefits")),
        "{carol:?}"
    );
}

#[tokio::test]
async fn a_field_hidden_from_the_user_is_left_out_not_an_error() {
    let org = org().await;
    let hits = org.search("U2bob", "Initech upgrade").await.unwrap();
    let upgrade = hits
        .iter()
        .find(|h| h.title == "Initech platform upgrade")
        .unwrap();
    assert_eq!(field(upgrade, "Stage"), Some("Prospecting"));
    assert_eq!(field(upgrade, "Amount"), None);
    let searches = org.searches();
    assert_eq!(
        searches.len(),
        2,
        "the refused statement, then without Amount: {searches:?}"
    );
    assert!(searches[0].contains("Amount") && !searches[1].contains("Amount"));
}

#[tokio::test]
async fn hostile_words_stay_inside_the_search_term() {
    let org = org().await;
    let token = org.token("U2bob").await;
    for hostile in [
        "globex} IN ALL FIELDS RETURNING User(Id, Email) LIMIT 200",
        "x\\} RETURNING Account(Id)",
        "\"globex\" OR 'initech'",
        "a{b}c [d] ^e ~f *g :h +i -j &k |l !m",
        "RETURNING",
    ] {
        let hits = org
            .source
            .search_raw(&token, hostile, 10, deadline())
            .await
            .unwrap_or_else(|e| panic!("{hostile}: {e}"));
        // Bob sees no Globex record, and a smuggled `RETURNING User(...)` would have answered users.
        assert!(
            hits.iter().all(|h| !h.title.contains("Globex")),
            "{hostile}: {hits:?}"
        );
    }
    let planned = org
        .search("U2bob", "globex} RETURNING User(Id, Email)")
        .await
        .unwrap();
    assert!(planned.is_empty());
}

#[tokio::test]
async fn fetch_lists_an_accounts_related_records_across_pages() {
    let org = org().await;
    org.control(serde_json::json!({"batch_size": 2})).await;
    let token = org.token("dev-user").await;
    let id = RecordId::parse(GLOBEX).unwrap();
    let content = org
        .source
        .read(&token, &id, 20_000, deadline())
        .await
        .unwrap();
    assert_eq!(content.title, "Globex Corporation");
    let text = &content.text;
    assert!(text.contains("Owner: Alice Nguyen"), "{text}");
    assert!(text.contains("Open opportunities (1):\n- Globex renewal FY2027 (Negotiation/Review, 480,000, 2027-01-15) [salesforce:006Ac0000GRNW27IQH]"), "{text}");
    assert!(
        !text.contains("Madrid plant"),
        "closed opportunities are not open: {text}"
    );
    assert!(text.contains("Contacts (3):"), "{text}");
    assert!(
        text.contains("- Hank Scorpio (VP Operations, hank.scorpio@globex.example)"),
        "{text}"
    );
    assert!(text.contains(&format!("Open cases (1):\n- Case 00001026: Globex: SSO login failures (00001026, Working, High) [salesforce:{SSO_CASE}]")), "{text}");
    let locators = org
        .fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "salesforce.query" && r.query.is_empty())
        .count();
    assert_eq!(
        locators, 1,
        "three contacts in pages of two: one nextRecordsUrl followed"
    );

    // A record not shared with the user is not found, with no detail.
    let bob = org.token("U2bob").await;
    let err = org
        .source
        .read(&bob, &id, 20_000, deadline())
        .await
        .unwrap_err();
    assert_eq!(err, SourceError::NotFound);
}

#[tokio::test]
async fn an_expired_session_asks_to_reconnect_and_the_daily_limit_is_rate_limited() {
    let org = org().await;
    let token = org.token("dev-user").await;
    org.fakes.state.expire_tokens();
    let err = org
        .source
        .search_raw(&token, "globex", 5, deadline())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::ReauthRequired { message } if message.contains("INVALID_SESSION_ID")),
        "{err:?}"
    );

    let token = org.token("dev-user").await;
    org.control(serde_json::json!({"daily_limit": 100, "used": 100}))
        .await;
    let before = org.searches().len();
    let err = org
        .source
        .search_raw(&token, "globex", 5, deadline())
        .await
        .unwrap_err();
    assert_eq!(err, SourceError::RateLimited { retry_after: None });
    let attempts = org.searches().len() - before;
    assert!(
        (1..=1 + crate::retry::MAX_RETRIES as usize).contains(&attempts),
        "{attempts} attempts: bounded by the retry policy"
    );

    // A concurrency limit injected once is retried.
    org.control(serde_json::json!({"daily_limit": 15000, "used": 0}))
        .await;
    org.fakes.knob(
        "salesforce.search",
        Knob {
            status: Some(503),
            times: Some(1),
            ..Knob::default()
        },
    );
    let hits = org
        .source
        .search_raw(&token, "globex", 5, deadline())
        .await
        .unwrap();
    assert!(!hits.is_empty());
}

/// The upstream calls one search and one fetch make, and their latency with the fakes answering
/// at once and after 200 ms: a fetch's five requests run concurrently, so it costs one round
/// trip, not five (`cargo test ... -- --nocapture` prints the figures).
#[tokio::test]
async fn a_search_is_one_call_and_a_fetch_one_round_trip() {
    let org = org().await;
    let token = org.token("dev-user").await;
    let plan = Plan::new(
        "what is the status of the Globex renewal?",
        date!(2026 - 12 - 04),
    );
    let id = RecordId::parse(GLOBEX).unwrap();
    for latency_ms in [0, 200] {
        for route in ["salesforce.search", "salesforce.query", "salesforce.record"] {
            org.fakes.knob(
                route,
                Knob {
                    latency_ms,
                    ..Knob::default()
                },
            );
        }
        let before = org.searches().len();
        let started = std::time::Instant::now();
        let hits = org
            .source
            .search_plan_as(&token, &plan, 10, deadline())
            .await
            .unwrap();
        let search = started.elapsed();
        let search_calls = org.searches().len() - before;
        assert_eq!(hits.hits[0].item_id, RENEWAL);

        let before = org.searches().len();
        let started = std::time::Instant::now();
        org.source
            .read(&token, &id, 20_000, deadline())
            .await
            .unwrap();
        let fetch = started.elapsed();
        let fetch_calls: Vec<String> = org.searches()[before..]
            .iter()
            .map(|r| r.split(' ').next().unwrap_or_default().to_owned())
            .collect();
        eprintln!(
            "latency {latency_ms} ms: search {search_calls} call(s) in {} ms; fetch {} calls ({}) in {} ms",
            search.as_millis(),
            fetch_calls.len(),
            fetch_calls.join(", "),
            fetch.as_millis()
        );
        assert_eq!(search_calls, 1);
        assert_eq!(fetch_calls.len(), 5, "{fetch_calls:?}");
        if latency_ms > 0 {
            let round_trip = std::time::Duration::from_millis(latency_ms);
            assert!(fetch < round_trip * 2, "{fetch:?}: not concurrent");
        }
    }
}
