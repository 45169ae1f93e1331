//! The token brokers against the fakes: Descope outbound caching and connect hints, early refresh,
//! domain-wide delegation (verified emails in the Workspace domains only), missing credentials,
//! and whether each source runs per user or on a shared credential.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

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
    let h = harness(Duration::from_secs(3600)).await;
    let per_user = h.sources(&[
        ("GOOGLE_CALENDAR_MODE", "descope_outbound"),
        ("OUTLOOK_CALENDAR_MODE", "descope_outbound"),
    ]);
    for &kind in SourceKind::ALL {
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

#[tokio::test]
async fn a_delegated_token_is_never_reused_for_another_identity() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[("GOOGLE_DRIVE_MODE", "service")])[&SourceKind::GoogleDrive];
    let alice = drive
        .search(
            &user("U2alice", "alice@acme.example"),
            "quarterly budget",
            20,
        )
        .await
        .unwrap();
    // Bob, and then the same subject acting as Bob: each a token of its own, each Bob's view.
    for bob in [
        user("U2bob", "bob@acme.example"),
        user("U2alice", "bob@acme.example"),
    ] {
        let hits = drive.search(&bob, "quarterly budget", 20).await.unwrap();
        assert_ne!(titles(&hits), titles(&alice), "{bob:?}");
        assert!(
            !titles(&hits).contains(&"FY2027 Q1 Quarterly Budget".to_owned()),
            "{bob:?} was shown Alice's file"
        );
    }
    assert_eq!(h.count("google.token"), 3);
}
