//! Two organisations behind one Descope project (tenants told apart by the token's active tenant,
//! `dct`), attacked across the boundary with real, signed tokens: each tenant's policy applies to
//! its own tokens only, a `dct` the user does not belong to resolves to nobody, and the same user
//! id in two tenants never shares a rate-limit bucket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::jwt::{ISSUER, jwks_server, oidc_claims, rs256, rsa_key, with};
use common::*;
use moto_harness::Moto;
use serde_json::{Value, json};
use workplace_ratelimit::{FailurePolicy, Limit, RateLimiter};
use workplace_service::catalogue::policy_tools;
use workplace_service::rest;
use workplace_tenants::{TenantDirectory, TenantDocument, TenantStore};
use workplace_testkit::TestState;

fn tenant(id: &str, descope: &str, policy: Value) -> TenantDocument {
    TenantDocument::from_json(
        &json!({
            "id": id, "name": id,
            "identity": {"issuer": ISSUER, "descope_tenant": descope},
            "secret": format!("workplace-mcp/tenants/{id}"), "policy": policy
        })
        .to_string(),
    )
    .unwrap()
}

/// Globex allows `fetch` only, and its users a burst of 3 (the deployment's is 2).
fn globex() -> TenantDocument {
    let mut doc = tenant("globex", "T-globex", json!({"tools": ["fetch"]}));
    doc.limits = Some(workplace_tenants::TenantLimits {
        user_rps: 0.001,
        user_burst: 3,
    });
    doc
}

/// `burst` calls per user, refilled hourly; failing closed, so a 200 below is a real admission.
async fn limiter(moto: &Moto, burst: u32) -> RateLimiter {
    let user = Limit {
        rate: 1.0 / 3600.0,
        burst,
    };
    common::limiter(moto, user, FailurePolicy::Closed).await
}

#[tokio::test]
async fn each_tenant_gets_its_own_policy_and_budget_and_no_token_crosses_over() {
    let moto = Moto::start().await.unwrap();
    let store = TenantStore::new(
        moto.create_rate_limit_table("tenants").await.unwrap(),
        "tenants",
    );
    store
        .put(
            &tenant("acme", "T-acme", json!({"read_only": true})),
            None,
            "admin",
            "t0",
        )
        .await
        .unwrap();
    store.put(&globex(), None, "admin", "t0").await.unwrap();
    let key = rsa_key("k1");
    let jwks = jwks_server(vec![key.jwk.clone()]).await;
    let app = TestState::with_tenants(
        "list-tools",
        vec![],
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("DESCOPE_ISSUER", ISSUER),
            ("DESCOPE_JWKS_URL", &jwks),
        ],
        Some(limiter(&moto, 2).await),
        Arc::new(TenantDirectory::new(
            store,
            Duration::from_secs(60),
            policy_tools(),
        )),
    );
    // One person who belongs to both organisations (same `sub`), acting in one at a time.
    let member_of_both = json!({"T-acme": {"roles": []}, "T-globex": {"roles": []}});
    let token_in = |dct: &str, tenants: Value| {
        rs256(
            &key,
            &with(with(oidc_claims(), "dct", json!(dct)), "tenants", tenants),
        )
    };
    let list = |token: String| {
        let app = &app;
        async move {
            let response = rest::list_tools(
                &app.state,
                request(&event("tools_list_get.json", Some(&token))),
            )
            .await;
            let status = response.status().as_u16();
            (status, body(&response), app.last_record())
        }
    };

    let (status, body, record) = list(token_in("T-acme", member_of_both.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !tool_names(&body).contains(&"add_comment".to_owned()),
        "acme is read-only: {body}"
    );
    assert_eq!(record.tenant.as_deref(), Some("acme"));

    let (status, body, record) = list(token_in("T-globex", member_of_both.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tool_names(&body), ["fetch"]);
    assert_eq!(record.tenant.as_deref(), Some("globex"));

    // Naming a tenant the user does not belong to, or one nobody serves, gets nobody's policy.
    for (dct, tenants) in [
        ("T-globex", json!({"T-acme": {}})),
        ("T-initech", json!({"T-initech": {}})),
        ("T-acme", json!(["T-acme"])),
    ] {
        let (status, body, record) = list(token_in(dct, tenants.clone())).await;
        assert_eq!(status, 403, "{dct} {tenants}: {body}");
        assert_eq!(record.reason.as_deref(), Some("policy_no_tenant"));
        assert_eq!(record.tenant, None);
    }

    // The user's budget is per organisation: acme's burst of 2 (the deployment's) is spent by
    // one call above and one here...
    assert_eq!(
        list(token_in("T-acme", member_of_both.clone())).await.0,
        200
    );
    let (status, _, record) = list(token_in("T-acme", member_of_both.clone())).await;
    assert_eq!(status, 429);
    assert_eq!(record.tenant.as_deref(), Some("acme"));
    // ...while globex's, for the same user id, is untouched by it and is globex's own: a burst
    // of 3 (one call above, two here).
    assert_eq!(
        list(token_in("T-globex", member_of_both.clone())).await.0,
        200
    );
    assert_eq!(
        list(token_in("T-globex", member_of_both.clone())).await.0,
        200
    );
    assert_eq!(list(token_in("T-globex", member_of_both)).await.0, 429);
}
