//! The connectors against the upstream fakes over real HTTP: query building, escaping, shared
//! drives, permissions, errors and throttling, export limits, Notion nesting, Graph highlights,
//! region and redirects, and the token brokers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use upstream_fakes::{FakeConfig, Knob, RunningFakes, generate_service_account};
use workplace_connectors::{
    ConnectorsConfig, Source, SourceError, SourceKind, UpstreamCredentials, UserContext,
    build_sources,
};

const SA_EMAIL: &str = "workplace-mcp@acme-demo.iam.gserviceaccount.com";

struct Harness {
    fakes: RunningFakes,
    service_account: String,
}

async fn harness(token_ttl: Duration) -> Harness {
    let account = generate_service_account(SA_EMAIL, "http://unused/token").unwrap();
    let config = FakeConfig {
        google_service_account_key: Some(account.public_key),
        token_ttl,
        ..FakeConfig::default()
    };
    Harness {
        fakes: RunningFakes::start(config).await.unwrap(),
        service_account: account.json,
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Harness {
    fn sources(&self, pairs: &[(&str, &str)]) -> HashMap<SourceKind, Arc<dyn Source>> {
        let base = self.fakes.base_url.clone();
        let mut env: HashMap<String, String> = [
            ("DESCOPE_PROJECT_ID", "P2demo"),
            ("DESCOPE_BASE_URL", base.as_str()),
            ("GOOGLE_API_BASE_URL", base.as_str()),
            ("NOTION_API_BASE_URL", base.as_str()),
            ("GRAPH_BASE_URL", base.as_str()),
            ("MICROSOFT_LOGIN_BASE_URL", base.as_str()),
            ("MICROSOFT_TENANT_ID", "acme-tenant"),
            (
                "MICROSOFT_CLIENT_ID",
                "11111111-2222-3333-4444-555555555555",
            ),
            ("SOURCE_TIMEOUT_MS", "8000"),
            ("GOOGLE_WORKSPACE_DOMAINS", "acme.example,evil.example"),
            ("ALLOW_SHARED_CREDENTIALS", "notion,sharepoint"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        env.insert("GOOGLE_TOKEN_URL".into(), format!("{base}/token"));
        for (k, v) in pairs {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
        let credentials = UpstreamCredentials {
            descope_management_key: Some(SecretString::from("K2demo-management-key")),
            google_service_account: Some(SecretString::from(self.service_account.clone())),
            notion_token: Some(SecretString::from("ntn_demo_integration_token")),
            microsoft_client_secret: Some(SecretString::from("demo-client-secret")),
        };
        build_sources(&config, &credentials, &http())
            .unwrap()
            .into_iter()
            .map(|s| (s.kind(), s))
            .collect()
    }

    fn count(&self, route: &str) -> usize {
        self.fakes
            .requests()
            .iter()
            .filter(|r| r.route == route)
            .count()
    }
}

fn user(subject: &str, email: &str) -> UserContext {
    UserContext {
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: true,
    }
}

fn dev() -> UserContext {
    user("dev-user", "dev@acme.example")
}

fn titles(hits: &[workplace_connectors::SearchHit]) -> Vec<String> {
    hits.iter().map(|h| h.title.clone()).collect()
}

#[tokio::test]
async fn drive_searches_all_drives_without_trash_and_with_escaping() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    let hits = drive.search(&dev(), "quarterly budget", 10).await.unwrap();
    let found = titles(&hits);
    assert!(
        found.contains(&"Shared drive: FY2027 quarterly budget assumptions".to_owned()),
        "{found:?}"
    );
    assert!(
        !found.contains(&"Budget notes (old draft)".to_owned()),
        "trashed files are excluded"
    );
    assert!(
        hits.iter()
            .all(|h| !h.url.is_empty() && h.modified_time.is_some())
    );

    let request = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "drive.search")
        .unwrap();
    let query: HashMap<String, String> = url::form_urlencoded::parse(request.query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(query["corpora"], "allDrives");
    assert_eq!(query["includeItemsFromAllDrives"], "true");
    assert_eq!(query["supportsAllDrives"], "true");
    assert!(!query.contains_key("orderBy"));
    assert!(query["fields"].starts_with("nextPageToken"));

    let hits = drive
        .search(&dev(), r"quinn's paper\essay", 5)
        .await
        .unwrap();
    assert_eq!(titles(&hits), [r"Quinn's paper\essay on budgets"]);
    let sent = h
        .fakes
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.route == "drive.search")
        .unwrap();
    let q: HashMap<String, String> = url::form_urlencoded::parse(sent.query.as_bytes())
        .into_owned()
        .collect();
    assert!(
        q["q"].starts_with(r"fullText contains 'quinn\'s paper\\essay' and trashed = false"),
        "{}",
        q["q"]
    );
}

#[tokio::test]
async fn results_depend_on_who_asks() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[]);
    let alice = sources[&SourceKind::GoogleDrive]
        .search(
            &user("U2alice", "alice@acme.example"),
            "quarterly budget",
            20,
        )
        .await
        .unwrap();
    let bob = sources[&SourceKind::GoogleDrive]
        .search(&user("U2bob", "bob@acme.example"), "quarterly budget", 20)
        .await
        .unwrap();
    assert!(titles(&alice).contains(&"FY2027 Q1 Quarterly Budget".to_owned()));
    assert!(
        !titles(&bob).contains(&"FY2027 Q1 Quarterly Budget".to_owned()),
        "finance-only for Bob: {:?}",
        titles(&bob)
    );
}

#[tokio::test]
async fn throttling_is_retried_within_the_deadline() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    h.fakes.knob(
        "drive.search",
        Knob {
            retry_after: Some(1),
            drive_quota: true,
            times: Some(1),
            ..Knob::default()
        },
    );
    assert!(!drive.search(&dev(), "budget", 5).await.unwrap().is_empty());
    assert_eq!(
        h.count("drive.search"),
        2,
        "one 403 userRateLimitExceeded, then success"
    );

    h.fakes.knob(
        "drive.search",
        Knob {
            status: Some(503),
            times: Some(1),
            ..Knob::default()
        },
    );
    assert!(!drive.search(&dev(), "budget", 5).await.unwrap().is_empty());
    assert_eq!(h.count("drive.search"), 4);

    h.fakes.knob(
        "drive.search",
        Knob {
            retry_after: Some(1),
            ..Knob::default()
        },
    );
    let err = drive.search(&dev(), "budget", 5).await.unwrap_err();
    assert_eq!(
        err,
        SourceError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert_eq!(h.count("drive.search"), 7, "at most two retries");
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_reported_at_once() {
    let h = harness(Duration::from_secs(3600)).await;
    let notion = &h.sources(&[])[&SourceKind::Notion];
    h.fakes.knob(
        "notion.search",
        Knob {
            retry_after: Some(120),
            ..Knob::default()
        },
    );
    let started = std::time::Instant::now();
    let err = notion.search(&dev(), "budget", 5).await.unwrap_err();
    assert_eq!(
        err,
        SourceError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(h.count("notion.search"), 1);
}

#[tokio::test]
async fn non_retryable_and_malformed_answers_are_classified() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[]);
    h.fakes.knob(
        "graph.search",
        Knob {
            malformed: true,
            ..Knob::default()
        },
    );
    assert!(matches!(
        sources[&SourceKind::Sharepoint]
            .search(&dev(), "budget", 5)
            .await,
        Err(SourceError::InvalidResponse(_))
    ));
    h.fakes.knob(
        "notion.search",
        Knob {
            status: Some(401),
            ..Knob::default()
        },
    );
    assert!(matches!(
        sources[&SourceKind::Notion]
            .search(&dev(), "budget", 5)
            .await,
        Err(SourceError::ReauthRequired { .. })
    ));
}

#[tokio::test]
async fn drive_content_exports_docs_and_reports_the_export_limit() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    let hits = drive.search(&dev(), "budget", 50).await.unwrap();
    let id = |title: &str| {
        hits.iter()
            .find(|h| h.title == title)
            .unwrap()
            .item_id
            .clone()
    };

    let doc = drive
        .content(&dev(), &id("FY2027 Q1 Quarterly Budget"), 100_000)
        .await
        .unwrap();
    assert!(
        doc.text.starts_with("FY2027 Q1") || doc.text.contains("Quarterly Budget"),
        "{}",
        doc.text
    );
    assert!(
        !doc.text.starts_with('\u{feff}'),
        "the byte-order mark is stripped"
    );
    let cut = drive
        .content(&dev(), &id("FY2027 Q1 Quarterly Budget"), 20)
        .await
        .unwrap();
    assert_eq!((cut.text.chars().count(), cut.truncated), (20, true));

    let sheet = drive
        .content(&dev(), &id("Quarterly budget tracker FY2027"), 10_000)
        .await
        .unwrap();
    assert!(
        sheet.text.starts_with("Quarter,Department"),
        "{}",
        sheet.text
    );

    let huge = drive
        .content(&dev(), &id("Board deck FY2027 budget (huge)"), 10_000)
        .await
        .unwrap();
    assert!(huge.text.is_empty());
    assert!(huge.unavailable_reason.unwrap().contains("10 MB"));

    let pdf = drive
        .content(
            &dev(),
            &id("Vendor quarterly budget invoice scan.pdf"),
            10_000,
        )
        .await
        .unwrap();
    assert!(pdf.unavailable_reason.unwrap().contains("application/pdf"));
    let text = drive
        .content(&dev(), &id("budget-export-notes.txt"), 10_000)
        .await
        .unwrap();
    assert!(text.text.contains("UTF-8"));
}

#[tokio::test]
async fn notion_search_is_by_title_and_content_renders_nested_blocks() {
    let h = harness(Duration::from_secs(3600)).await;
    let notion = &h.sources(&[])[&SourceKind::Notion];
    let hits = notion.search(&dev(), "quarterly budget", 10).await.unwrap();
    let found = titles(&hits);
    assert!(
        found.contains(&"Quarterly budget FAQ (database row)".to_owned()),
        "title from the `Name` property: {found:?}"
    );
    assert!(
        hits.iter().all(|h| !h.snippet.is_empty()),
        "snippets come from the first blocks"
    );
    let request = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "notion.search")
        .unwrap();
    assert!(
        request
            .body
            .unwrap()
            .contains(r#""filter":{"property":"object","value":"page"}"#)
    );

    let page = hits
        .iter()
        .find(|h| h.title == "FY2027 Q3 Quarterly Budget")
        .unwrap();
    let content = notion
        .content(&dev(), &page.item_id, 100_000)
        .await
        .unwrap();
    assert!(
        content.text.starts_with("# Q3 FY2027 Quarterly Budget"),
        "{}",
        content.text
    );
    assert!(content.text.contains("## Summary"));
    assert!(
        content.text.contains("\n  - Cloud spend target"),
        "nested bullets are indented: {}",
        content.text
    );
    assert!(content.text.contains("[x] Department heads signed off"));
    assert!(!content.truncated);
}

#[tokio::test]
async fn graph_search_strips_highlights_dedupes_and_downloads_without_the_bearer() {
    let h = harness(Duration::from_secs(3600)).await;
    let graph = &h.sources(&[])[&SourceKind::Sharepoint];
    let hits = graph.search(&dev(), "quarterly budget", 10).await.unwrap();
    assert!(!hits.is_empty());
    let mut urls: Vec<_> = hits.iter().map(|h| h.url.clone()).collect();
    urls.dedup();
    assert_eq!(
        urls.len(),
        hits.len(),
        "driveItem and listItem copies of a file are one hit"
    );
    assert!(
        hits.iter()
            .all(|h| !h.snippet.contains("<c0>") && !h.snippet.contains("<ddd/>"))
    );
    let body = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "graph.search")
        .unwrap()
        .body
        .unwrap();
    assert!(
        body.contains(r#""entityTypes":["driveItem","listItem"]"#),
        "{body}"
    );

    let budget = hits
        .iter()
        .find(|h| h.title == "FY2027 Q4 Quarterly Budget.md")
        .unwrap();
    let content = graph
        .content(&dev(), &budget.item_id, 100_000)
        .await
        .unwrap();
    assert!(content.text.contains("Q4 FY2027 Quarterly Budget"));
    let download = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "download")
        .unwrap();
    assert!(
        !download.authorization,
        "the bearer token never follows the redirect"
    );

    let docx = graph
        .search(&dev(), "marketing budget plan", 5)
        .await
        .unwrap();
    let docx = graph.content(&dev(), &docx[0].item_id, 1000).await.unwrap();
    assert!(
        docx.unavailable_reason
            .unwrap()
            .contains("no plain-text conversion")
    );
}

#[tokio::test]
async fn graph_app_only_needs_a_valid_region() {
    let h = harness(Duration::from_secs(3600)).await;
    let graph = &h.sources(&[("SHAREPOINT_MODE", "service"), ("GRAPH_REGION", "NAM")])
        [&SourceKind::Sharepoint];
    let hits = graph.search(&dev(), "budget", 20).await.unwrap();
    assert!(!hits.is_empty());
    assert!(
        !titles(&hits)
            .iter()
            .any(|t| t.contains("Q4 Quarterly Budget")),
        "app-only sees only what is shared with everyone"
    );
    let body = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "graph.search")
        .unwrap()
        .body
        .unwrap();
    assert!(body.contains(r#""region":"NAM""#));

    let graph = &h.sources(&[("SHAREPOINT_MODE", "service"), ("GRAPH_REGION", "MARS")])
        [&SourceKind::Sharepoint];
    let err = graph.search(&dev(), "budget", 5).await.unwrap_err();
    assert!(
        matches!(&err, SourceError::Upstream { status: Some(400), message, .. } if message.contains("region")),
        "{err:?}"
    );
}

#[tokio::test]
async fn descope_outbound_tokens_are_cached_and_unconnected_users_are_told_to_connect() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[("DESCOPE_CONNECT_URL", "https://acme.example/connect")]);
    let notion = &sources[&SourceKind::Notion];
    notion.search(&dev(), "budget", 3).await.unwrap();
    notion.search(&dev(), "budget", 3).await.unwrap();
    assert_eq!(
        h.count("descope.token"),
        1,
        "the second search reuses the cached token"
    );
    assert!(
        h.fakes
            .requests()
            .iter()
            .filter(|r| r.route.starts_with("notion"))
            .all(|r| r.authorization)
    );

    let err = notion
        .search(&user("U2bob", "bob@acme.example"), "budget", 3)
        .await
        .unwrap_err();
    match err {
        SourceError::ReauthRequired { message } => assert!(
            message.contains("https://acme.example/connect"),
            "{message}"
        ),
        other => panic!("expected reauth_required, got {other:?}"),
    }
}

#[tokio::test]
async fn tokens_expiring_within_a_minute_are_fetched_again() {
    let h = harness(Duration::from_secs(30)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    drive.search(&dev(), "budget", 3).await.unwrap();
    drive.search(&dev(), "budget", 3).await.unwrap();
    assert_eq!(h.count("descope.token"), 2);
}

#[tokio::test]
async fn google_domain_wide_delegation_acts_as_the_user() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[("GOOGLE_DRIVE_MODE", "service")])[&SourceKind::GoogleDrive];
    let hits = drive
        .search(
            &user("U2alice", "alice@acme.example"),
            "quarterly budget",
            10,
        )
        .await
        .unwrap();
    assert!(titles(&hits).contains(&"FY2027 Q1 Quarterly Budget".to_owned()));
    assert_eq!(h.count("google.token"), 1);
    assert_eq!(h.count("descope.token"), 0);
    let token_request = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "google.token")
        .unwrap();
    assert!(token_request.body.unwrap().contains("assertion=[redacted]"));

    let no_email = UserContext {
        subject: "svc".into(),
        email: None,
        email_verified: false,
    };
    assert!(matches!(
        drive.search(&no_email, "budget", 3).await,
        Err(SourceError::Upstream { .. })
    ));
    let stranger = user("x", "mallory@evil.example");
    let err = drive.search(&stranger, "budget", 3).await.unwrap_err();
    assert!(err.to_string().contains("domain-wide delegation"), "{err}");
}

#[tokio::test]
async fn missing_credentials_are_named() {
    let config = ConnectorsConfig::from_lookup(&|k| match k {
        "DESCOPE_PROJECT_ID" => Some("P2".into()),
        "NOTION_MODE" => Some("service".into()),
        "ALLOW_SHARED_CREDENTIALS" => Some("notion".into()),
        _ => None,
    })
    .unwrap();
    let problems = build_sources(&config, &UpstreamCredentials::default(), &http())
        .err()
        .unwrap();
    let keys: Vec<_> = problems.iter().map(|p| p.setting).collect();
    assert_eq!(
        keys,
        [
            "descope_management_key",
            "notion_token",
            "descope_management_key"
        ]
    );
}

#[tokio::test]
async fn id_traversal_never_changes_the_path_the_upstream_receives() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[]);
    // The fakes log every request, routed or not, so a path outside the API would show up here.
    http()
        .get(format!("{}/v1/users", h.fakes.base_url))
        .send()
        .await
        .unwrap();
    assert!(h.fakes.requests().iter().any(|r| r.path == "/v1/users"));
    let logged = h.fakes.requests().len();

    let sharepoint = sources[&SourceKind::Sharepoint]
        .search(&dev(), "quarterly budget", 10)
        .await
        .unwrap();
    let graph_id = sharepoint
        .iter()
        .find(|hit| !hit.item_id.starts_with("list/"))
        .unwrap()
        .item_id
        .clone();
    let drive = graph_id.split('/').next().unwrap();
    let page = "00000001-5d1c-4f7e-9a2b-ac0e00000001";
    let file = "1AcmeDrv001x7Hq2LmZ9pR4tW";
    let attacks = [
        (SourceKind::Notion, format!("{page}/../../../v1/users")),
        (SourceKind::Notion, "x?filter=1".to_owned()),
        (SourceKind::Notion, format!("{page}?filter=1")),
        (SourceKind::Notion, format!("{page}#x")),
        (SourceKind::Notion, format!("{page}%2F..%2F..%2Fv1%2Fusers")),
        (SourceKind::Notion, "..".to_owned()),
        (SourceKind::GoogleDrive, format!("{file}/../../../about")),
        (SourceKind::GoogleDrive, format!("{file}?alt=media")),
        (SourceKind::GoogleDrive, format!("{file}%2F..%2Fabout")),
        (SourceKind::GoogleDrive, "ｆile".to_owned()),
        (SourceKind::Sharepoint, format!("{drive}/../../../me")),
        (SourceKind::Sharepoint, format!("{graph_id}%2F..%2F..%2Fme")),
        (SourceKind::Sharepoint, format!("{graph_id}:/secret.txt:")),
        (SourceKind::Sharepoint, format!("{graph_id}/content")),
        (SourceKind::Sharepoint, format!("..%2F..%2Fme/{file}")),
    ];
    for (kind, id) in &attacks {
        let err = sources[kind].content(&dev(), id, 1000).await.unwrap_err();
        assert_eq!(err, SourceError::NotFound, "{kind}:{id}");
    }
    let reached: Vec<_> = h.fakes.requests()[logged..]
        .iter()
        .filter(|r| r.route != "descope.token")
        .map(|r| r.path.clone())
        .collect();
    assert!(
        reached.iter().all(|p| p == "/v1.0/search/query"),
        "only the search reached an upstream: {reached:?}"
    );

    // A well-formed id in another spelling reaches exactly its own path, canonical.
    let logged = h.fakes.requests().len();
    let dashless = page.replace('-', "").to_uppercase();
    sources[&SourceKind::Notion]
        .content(&dev(), &dashless, 1000)
        .await
        .unwrap();
    let paths: Vec<_> = h.fakes.requests()[logged..]
        .iter()
        .filter(|r| r.route != "descope.token")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths[0], format!("/v1/pages/{page}"));
    assert!(
        paths[1..]
            .iter()
            .all(|p| p.starts_with("/v1/blocks/") && p.ends_with("/children")),
        "{paths:?}"
    );
    assert_eq!(paths[1], format!("/v1/blocks/{page}/children"));
}

#[tokio::test]
async fn delegation_acts_only_for_verified_emails_in_the_workspace_domains() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[
        ("GOOGLE_DRIVE_MODE", "service"),
        ("GOOGLE_WORKSPACE_DOMAINS", "acme.example"),
    ])[&SourceKind::GoogleDrive];
    let unverified = UserContext {
        email_verified: false,
        ..user("U2alice", "alice@acme.example")
    };
    match drive.search(&unverified, "budget", 3).await.unwrap_err() {
        SourceError::ReauthRequired { message } => {
            assert!(message.contains("verified"), "{message}");
        }
        other => panic!("expected reauth_required, got {other:?}"),
    }
    for outside in [
        "mallory@evil.example",
        "alice@acme.example.evil.example",
        "alice@sub.acme.example",
        "@acme.example",
    ] {
        match drive
            .search(&user("x", outside), "budget", 3)
            .await
            .unwrap_err()
        {
            SourceError::ReauthRequired { message } => {
                assert!(message.contains("GOOGLE_WORKSPACE_DOMAINS"), "{message}");
            }
            other => panic!("expected reauth_required for {outside}, got {other:?}"),
        }
    }
    assert_eq!(h.count("google.token"), 0, "no assertion was ever signed");

    let upper = user("U2alice", "alice@ACME.example");
    drive.search(&upper, "budget", 3).await.unwrap();
    assert_eq!(h.count("google.token"), 1);
}

#[tokio::test]
async fn each_source_says_whether_it_runs_per_user_or_shared() {
    use workplace_connectors::Access;
    let h = harness(Duration::from_secs(3600)).await;
    let per_user = h.sources(&[]);
    for kind in SourceKind::ALL {
        assert_eq!(per_user[&kind].access(), Access::PerUser, "{kind}");
    }
    let service = h.sources(&[
        ("GOOGLE_DRIVE_MODE", "service"),
        ("NOTION_MODE", "service"),
        ("SHAREPOINT_MODE", "service"),
        ("GRAPH_REGION", "NAM"),
    ]);
    assert_eq!(
        service[&SourceKind::GoogleDrive].access(),
        Access::PerUser,
        "delegation acts as the user"
    );
    assert_eq!(service[&SourceKind::Notion].access(), Access::Shared);
    assert_eq!(service[&SourceKind::Sharepoint].access(), Access::Shared);
    assert_eq!(Access::Shared.as_str(), "shared");
    assert_eq!(
        serde_json::to_string(&Access::PerUser).unwrap(),
        "\"per_user\""
    );
}
