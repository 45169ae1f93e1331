//! The tenants table on the AWS emulator: versioned writes with their audit entries, conflicts
//! between administrators, and a directory that sees a change within its TTL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use moto_harness::Moto;
use serde_json::json;
use workplace_tenants::{StoreError, TenantDirectory, TenantDocument, TenantStore, TokenIdentity};

const ISSUER: &str = "https://api.descope.com/v1/apps/agentic/P2x/M1";

fn acme() -> TenantDocument {
    TenantDocument::from_json(
        &json!({
            "id": "acme", "name": "Acme Corp",
            "identity": {"issuer": ISSUER, "descope_tenant": "T-acme"},
            "secret": "workplace-mcp/tenants/acme"
        })
        .to_string(),
    )
    .unwrap()
}

async fn store(moto: &Moto) -> TenantStore {
    let client = moto.create_rate_limit_table("tenants").await.unwrap();
    TenantStore::new(client, "tenants")
}

#[tokio::test]
async fn every_write_is_a_version_with_an_audit_entry_of_what_changed() {
    let moto = Moto::start().await.unwrap();
    let store = store(&moto).await;
    assert!(store.get("acme").await.unwrap().is_none());

    let first = store
        .put(
            &acme(),
            None,
            "arn:aws:iam::1:user/alice",
            "2026-12-05T00:00:00Z",
        )
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    assert!(first.changes.iter().any(|c| c.path == "/identity/issuer"));

    let read = store.get("acme").await.unwrap().unwrap();
    assert_eq!(read.version, 1);
    assert_eq!(read.document, acme());
    assert_eq!(read.updated_by, "arn:aws:iam::1:user/alice");

    let mut off = acme();
    off.policy.kill_switch = true;
    off.policy.read_only = true;
    let second = store
        .put(
            &off,
            Some(&read),
            "arn:aws:iam::1:user/bob",
            "2026-12-05T00:01:00Z",
        )
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    let paths: Vec<&str> = second.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/policy/kill_switch", "/policy/read_only"]);
    assert_eq!(second.changes[0].before, Some(json!(false)));
    assert_eq!(second.changes[0].after, Some(json!(true)));

    let trail = store.audit("acme").await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[1].actor, "arn:aws:iam::1:user/bob");
    assert_eq!(trail[1].changes, second.changes);
    assert_eq!(
        store.list().await.unwrap().len(),
        1,
        "audit entries are not tenants"
    );
}

#[tokio::test]
async fn of_two_administrators_writing_the_same_version_one_wins_and_one_is_told() {
    let moto = Moto::start().await.unwrap();
    let store = store(&moto).await;
    store.put(&acme(), None, "alice", "t0").await.unwrap();
    // Creating a tenant that exists is a conflict too.
    assert!(matches!(
        store.put(&acme(), None, "mallory", "t0").await,
        Err(StoreError::Conflict(_))
    ));
    let read = store.get("acme").await.unwrap().unwrap();
    let mut a = acme();
    a.name = "Acme (by Alice)".into();
    let mut b = acme();
    b.name = "Acme (by Bob)".into();
    let (ra, rb) = tokio::join!(
        store.put(&a, Some(&read), "alice", "t1"),
        store.put(&b, Some(&read), "bob", "t1")
    );
    assert_eq!(
        [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{ra:?} {rb:?}"
    );
    let loser = if ra.is_ok() { rb } else { ra };
    let err = loser.unwrap_err();
    assert!(err.to_string().contains("read it again"), "{err}");
    // The trail holds exactly the winner's version 2.
    let trail = store.audit("acme").await.unwrap();
    assert_eq!(trail.iter().map(|e| e.version).collect::<Vec<_>>(), [1, 2]);
}

#[tokio::test]
async fn a_directory_sees_a_change_within_its_ttl_and_serves_its_copy_until_then() {
    let moto = Moto::start().await.unwrap();
    let store = store(&moto).await;
    store.put(&acme(), None, "alice", "t0").await.unwrap();
    let directory = TenantDirectory::new(store.clone(), Duration::from_millis(300), Vec::new());
    let before = directory
        .resolve(oidc(Some("T-acme")))
        .await
        .unwrap()
        .unwrap();
    assert!(!before.document.policy.kill_switch);
    assert!(before.policy.kill_switch.is_none());

    let read = store.get("acme").await.unwrap().unwrap();
    let mut off = acme();
    off.policy.kill_switch = true;
    store.put(&off, Some(&read), "bob", "t1").await.unwrap();
    // Within the TTL the container's copy answers (no read per request)...
    let cached = directory
        .resolve(oidc(Some("T-acme")))
        .await
        .unwrap()
        .unwrap();
    assert!(!cached.document.policy.kill_switch);
    // ...and after it, the change.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after = directory
        .resolve(oidc(Some("T-acme")))
        .await
        .unwrap()
        .unwrap();
    assert!(after.document.policy.kill_switch);
    assert!(
        after.policy.kill_switch.is_some(),
        "the policy is rebuilt with the document"
    );
    assert!(directory.resolve(oidc(None)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_directory_that_never_read_the_table_reports_the_error() {
    let moto = Moto::start().await.unwrap();
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    let directory = TenantDirectory::new(
        TenantStore::new(client, "no-such-table"),
        Duration::from_secs(60),
        Vec::new(),
    );
    let err = directory.resolve(oidc(None)).await.unwrap_err();
    assert!(err.to_string().contains("tenants table"), "{err}");
}

fn oidc(active_tenant: Option<&str>) -> TokenIdentity<'_> {
    TokenIdentity {
        issuer: ISSUER,
        active_tenant,
        service_subject: None,
    }
}
