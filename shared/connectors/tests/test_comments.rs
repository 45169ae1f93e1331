//! Adding comments through the fakes: Drive with a token that carries the write scope, Notion
//! page comments, SharePoint's "not supported", shared credentials refused, ids parsed before any
//! token is asked for, and a write never repeated once the upstream may have acted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use upstream_fakes::corpus::Upstream;
use workplace_connectors::CommentError;

/// "Engineering Onboarding Guide", shared with everyone.
const DRIVE_FILE: &str = "1AcmeDrv007x7Hq2LmZ9pR4tW";
/// "FY2027 Q1 Quarterly Budget": finance and leadership only.
const DRIVE_FINANCE: &str = "1AcmeDrv001x7Hq2LmZ9pR4tW";
/// "New Hire Onboarding Checklist", shared with everyone.
const NOTION_PAGE: &str = "00000005-5d1c-4f7e-9a2b-ac0e00000005";

#[tokio::test]
async fn drive_comments_are_added_as_the_user_with_the_write_scope() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    // A read first: its token is the read-only one and must not be reused for the write.
    drive
        .content_of(
            &dev(),
            DRIVE_FILE,
            100,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();

    let added = drive
        .comment_on(
            &dev(),
            DRIVE_FILE,
            "Looks good; please add the VPN step.",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(!added.comment_id.is_empty());
    assert_eq!(added.title, "Engineering Onboarding Guide");
    assert!(
        added.url.ends_with(&format!("disco={}", added.comment_id)),
        "{}",
        added.url
    );
    assert!(added.created_time.is_some());

    let stored = h.fakes.state.comments_on(Upstream::GoogleDrive, DRIVE_FILE);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, added.comment_id);
    assert_eq!(stored[0].author, "dev@acme.example");
    assert_eq!(stored[0].content, "Looks good; please add the VPN step.");

    let asked: Vec<String> = h
        .fakes
        .requests()
        .iter()
        .filter(|r| r.route == "descope.token")
        .filter_map(|r| r.body.clone())
        .collect();
    assert!(
        asked
            .iter()
            .any(|b| b.contains("https://www.googleapis.com/auth/drive.readonly")),
        "{asked:?}"
    );
    assert!(
        asked
            .iter()
            .any(|b| b.contains("\"https://www.googleapis.com/auth/drive\"")),
        "the write asks Descope for the drive scope: {asked:?}"
    );
    let posts: Vec<_> = h
        .fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "drive.comments")
        .collect();
    assert_eq!(posts.len(), 1);
    assert!(posts[0].query.contains("fields="), "{}", posts[0].query);
}

#[tokio::test]
async fn drive_comments_work_with_domain_wide_delegation() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[("GOOGLE_DRIVE_MODE", "service")])[&SourceKind::GoogleDrive];
    let added = drive
        .comment_on(
            &dev(),
            DRIVE_FILE,
            "Delegated comment",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let stored = h.fakes.state.comments_on(Upstream::GoogleDrive, DRIVE_FILE);
    assert_eq!(stored[0].id, added.comment_id);
    assert_eq!(stored[0].author, "dev@acme.example");
}

#[tokio::test]
async fn a_file_the_user_cannot_see_is_not_found_and_nothing_is_written() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    let carol = user("U2carol", "carol@acme.example");
    let err = drive
        .comment_on(
            &carol,
            DRIVE_FINANCE,
            "hello",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert_eq!(err, CommentError::Source(SourceError::NotFound));
    assert_eq!(h.count("drive.comments"), 0);
    assert!(
        h.fakes
            .state
            .comments_on(Upstream::GoogleDrive, DRIVE_FINANCE)
            .is_empty()
    );
}

#[tokio::test]
async fn ids_outside_the_grammar_are_refused_before_any_token_is_asked_for() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[]);
    for (kind, bad) in [
        (SourceKind::GoogleDrive, "1abc/../../about"),
        (SourceKind::Notion, "x?filter=1"),
    ] {
        let err = sources[&kind]
            .comment_on(
                &dev(),
                bad,
                "hi",
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap_err();
        assert_eq!(err, CommentError::Source(SourceError::NotFound), "{bad}");
    }
    let err = sources[&SourceKind::GoogleDrive]
        .comment_on(
            &dev(),
            DRIVE_FILE,
            "   ",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert_eq!(err, CommentError::InvalidText);
    assert!(h.fakes.requests().is_empty(), "{:?}", h.fakes.requests());
}

#[tokio::test]
async fn notion_page_comments_are_added_as_the_user() {
    let h = harness(Duration::from_secs(3600)).await;
    let notion = &h.sources(&[])[&SourceKind::Notion];
    // The bare form of the id is canonicalised before it reaches Notion.
    let bare = NOTION_PAGE.replace('-', "").to_uppercase();
    let added = notion
        .comment_on(
            &dev(),
            &bare,
            "Add the laptop pickup time.",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(added.title, "New Hire Onboarding Checklist");
    assert!(added.url.starts_with("https://"), "{}", added.url);
    let stored = h.fakes.state.comments_on(Upstream::Notion, NOTION_PAGE);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, added.comment_id);
    assert_eq!(stored[0].author, "dev@acme.example");
    assert_eq!(stored[0].content, "Add the laptop pickup time.");

    // Bob never connected Notion: he is asked to, and nothing is written.
    let bob = user("U2bob", "bob@acme.example");
    let err = notion
        .comment_on(
            &bob,
            NOTION_PAGE,
            "hi",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CommentError::Source(SourceError::ReauthRequired { .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        h.fakes
            .state
            .comments_on(Upstream::Notion, NOTION_PAGE)
            .len(),
        1
    );
}

#[tokio::test]
async fn a_notion_integration_without_the_comment_capability_is_named() {
    let account = generate_service_account(SA_EMAIL, "http://unused/token").unwrap();
    let h = Harness {
        fakes: RunningFakes::start(FakeConfig {
            google_service_account_key: Some(account.public_key),
            notion_insert_comments: false,
            ..FakeConfig::default()
        })
        .await
        .unwrap(),
        service_account: account.json,
    };
    let notion = &h.sources(&[])[&SourceKind::Notion];
    let err = notion
        .comment_on(
            &dev(),
            NOTION_PAGE,
            "hi",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    let CommentError::Forbidden { message } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("Insert comments"), "{message}");
    assert!(message.contains("restricted_resource"), "{message}");
}

#[tokio::test]
async fn shared_credentials_and_sharepoint_do_not_comment() {
    let h = harness(Duration::from_secs(3600)).await;
    let shared = h.sources(&[
        ("NOTION_MODE", "service"),
        ("SHAREPOINT_MODE", "service"),
        ("GRAPH_REGION", "NAM"),
    ]);
    let err = shared[&SourceKind::Notion]
        .comment_on(
            &dev(),
            NOTION_PAGE,
            "hi",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CommentError::SharedCredential {
            kind: SourceKind::Notion
        }
    );
    for sources in [shared, h.sources(&[])] {
        let err = sources[&SourceKind::Sharepoint]
            .comment_on(
                &dev(),
                "b!abc/01ACMESP0002Q3ZWBTUFOFD3GSPGO",
                "hi",
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CommentError::NotSupported {
                    kind: SourceKind::Sharepoint,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("Microsoft Graph"), "{err}");
    }
    assert!(h.fakes.requests().is_empty(), "{:?}", h.fakes.requests());
}

#[tokio::test]
async fn a_write_is_not_repeated_after_a_server_error_but_is_after_throttling() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    h.fakes.knob(
        "drive.comments",
        Knob {
            status: Some(503),
            times: Some(1),
            ..Knob::default()
        },
    );
    let err = drive
        .comment_on(
            &dev(),
            DRIVE_FILE,
            "once",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CommentError::Source(SourceError::Upstream {
                status: Some(503),
                retryable: false,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        h.count("drive.comments"),
        1,
        "a 503 may come after the write"
    );

    h.fakes.knob(
        "drive.comments",
        Knob {
            retry_after: Some(0),
            times: Some(1),
            ..Knob::default()
        },
    );
    drive
        .comment_on(
            &dev(),
            DRIVE_FILE,
            "after a 429",
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        h.count("drive.comments"),
        3,
        "the throttled attempt is tried again"
    );
    assert_eq!(
        h.fakes
            .state
            .comments_on(Upstream::GoogleDrive, DRIVE_FILE)
            .len(),
        1
    );
}
