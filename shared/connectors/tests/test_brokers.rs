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
    notion
        .search(
            &dev(),
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    notion
        .search(
            &dev(),
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
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
        .search(
            &user("U2bob", "bob@acme.example"),
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
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
    drive
        .search(
            &dev(),
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    drive
        .search(
            &dev(),
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
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
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
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
        drive
            .search(
                &no_email,
                "budget",
                3,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await,
        Err(SourceError::Upstream { .. })
    ));
    let stranger = user("x", "mallory@evil.example");
    let err = drive
        .search(
            &stranger,
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
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
    match drive
        .search(
            &unverified,
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err()
    {
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
            .search(
                &user("x", outside),
                "budget",
                3,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
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
    drive
        .search(
            &upper,
            "budget",
            3,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(h.count("google.token"), 1);
}

#[tokio::test]
async fn each_source_says_whether_it_runs_per_user_or_shared() {
    let h = harness(Duration::from_secs(3600)).await;
    let per_user = h.sources(&every_source_per_user());
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
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    // Bob, and then the same subject acting as Bob: each a token of its own, each Bob's view.
    for bob in [
        user("U2bob", "bob@acme.example"),
        user("U2alice", "bob@acme.example"),
    ] {
        let hits = drive
            .search(
                &bob,
                "quarterly budget",
                20,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        assert_ne!(titles(&hits), titles(&alice), "{bob:?}");
        assert!(
            !titles(&hits).contains(&"FY2027 Q1 Quarterly Budget".to_owned()),
            "{bob:?} was shown Alice's file"
        );
    }
    assert_eq!(h.count("google.token"), 3);
}

/// Every source, Drive in both transports, with the user's own tokens.
fn per_user_sources(h: &Harness) -> Vec<(String, Arc<dyn Source>)> {
    let mut on = every_source_per_user();
    let mut sources: Vec<(String, Arc<dyn Source>)> = h
        .sources(&on)
        .into_iter()
        .map(|(kind, source)| (kind.to_string(), source))
        .collect();
    on.push(("GOOGLE_DRIVE_TRANSPORT", "mcp"));
    let drive_mcp = h.sources(&on)[&SourceKind::GoogleDrive].clone();
    sources.push(("google_drive (mcp)".into(), drive_mcp));
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    sources
}

#[tokio::test]
async fn a_token_the_upstream_stops_honouring_is_replaced_once_for_every_source() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = per_user_sources(&h);
    assert_eq!(sources.len(), SourceKind::ALL.len() + 1);
    let apps = ["google-drive", "notion", "microsoft", "salesforce"];
    let search = |source: &Arc<dyn Source>| {
        let source = source.clone();
        async move {
            source
                .search(
                    &dev(),
                    "Globex",
                    3,
                    tokio::time::Instant::now() + std::time::Duration::from_secs(8),
                )
                .await
        }
    };
    for (name, source) in &sources {
        search(source)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));

        // The upstream stops honouring the cached token before its stated expiry: the search
        // still answers, with one fresh token exchange.
        h.fakes.state.expire_tokens();
        let exchanges = h.count("descope.token");
        search(source)
            .await
            .unwrap_or_else(|e| panic!("{name} after the upstream refused its token: {e:?}"));
        assert_eq!(
            h.count("descope.token"),
            exchanges + 1,
            "{name}: one fresh token"
        );

        // The user's grant is gone too: one refused call, one refused exchange, then the user is
        // asked to reconnect.
        for app in apps {
            h.fakes.state.set_connection("dev-user", app, false);
        }
        h.fakes.state.expire_tokens();
        let exchanges = h.count("descope.token");
        let err = search(source).await.unwrap_err();
        assert!(
            matches!(err, SourceError::ReauthRequired { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(
            h.count("descope.token"),
            exchanges + 1,
            "{name}: one refused exchange, no loop"
        );
        for app in apps {
            h.fakes.state.set_connection("dev-user", app, true);
        }
    }
}
