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
use workplace_record::InvocationRecord;
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

/// A tenants table in the emulator holding `documents`, and a directory over it.
async fn directory(moto: &Moto, documents: &[TenantDocument]) -> Arc<TenantDirectory> {
    let store = TenantStore::new(
        moto.create_rate_limit_table("tenants").await.unwrap(),
        "tenants",
    );
    for document in documents {
        store.put(document, None, "admin", "t0").await.unwrap();
    }
    Arc::new(TenantDirectory::new(
        store,
        Duration::from_secs(60),
        policy_tools(),
    ))
}

/// `function` serving the tenants of `directory`; the deployment's tokens are verified with the
/// keys at `jwks`.
fn serving(
    function: &'static str,
    sources: Vec<Arc<dyn workplace_connectors::Source>>,
    jwks: &str,
    limiter: Option<RateLimiter>,
    directory: Arc<TenantDirectory>,
) -> TestState {
    TestState::with_tenants(
        function,
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("DESCOPE_ISSUER", ISSUER),
            ("DESCOPE_JWKS_URL", jwks),
        ],
        limiter,
        directory,
    )
}

/// `GET /mcp/tools` with `token`: the status, the body and the record.
async fn list_tools(app: &TestState, token: String) -> (u16, Value, InvocationRecord) {
    let response = rest::list_tools(
        &app.state,
        request(&event("tools_list_get.json", Some(&token))),
    )
    .await;
    (
        response.status().as_u16(),
        body(&response),
        app.last_record(),
    )
}

#[tokio::test]
async fn each_tenant_gets_its_own_policy_and_budget_and_no_token_crosses_over() {
    let moto = Moto::start().await.unwrap();
    let acme = tenant("acme", "T-acme", json!({"read_only": true}));
    let directory = directory(&moto, &[acme, globex()]).await;
    let key = rsa_key("k1");
    let jwks = jwks_server(vec![key.jwk.clone()]).await;
    let app = serving(
        "list-tools",
        vec![],
        &jwks,
        Some(limiter(&moto, 2).await),
        directory,
    );
    // One person who belongs to both organisations (same `sub`), acting in one at a time.
    let member_of_both = json!({"T-acme": {"roles": []}, "T-globex": {"roles": []}});
    let token_in = |dct: &str, tenants: Value| {
        rs256(
            &key,
            &with(with(oidc_claims(), "dct", json!(dct)), "tenants", tenants),
        )
    };
    let list = |token: String| list_tools(&app, token);

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

/// A page cursor is signed for its tenant: the same user id, with the same query, cannot page on
/// in another organisation with it, while in its own it pages on.
#[tokio::test]
async fn a_cursor_from_one_tenant_is_refused_in_another() {
    let moto = Moto::start().await.unwrap();
    let tenants = [
        tenant("acme", "T-acme", json!({})),
        tenant("globex", "T-globex", json!({})),
    ];
    let directory = directory(&moto, &tenants).await;
    let key = rsa_key("k1");
    let jwks = jwks_server(vec![key.jwk.clone()]).await;
    let notion =
        workplace_testkit::FixedSource::with_hits(workplace_connectors::SourceKind::Notion, 12);
    let app = serving("workplace-search", vec![notion], &jwks, None, directory);
    let member_of_both = json!({"T-acme": {}, "T-globex": {}});
    let token_in = |dct: &str| {
        rs256(
            &key,
            &with(
                with(oidc_claims(), "dct", json!(dct)),
                "tenants",
                member_of_both.clone(),
            ),
        )
    };
    let search = |token: String, cursor: Option<String>| {
        let app = &app;
        async move {
            let mut arguments = json!({"query": "report", "max_results": 2});
            if let Some(cursor) = cursor {
                arguments["cursor"] = json!(cursor);
            }
            let event = with_body(
                event("tool_call_post.json", Some(&token)),
                &json!({"name": "workplace_search", "arguments": arguments}).to_string(),
            );
            let response = rest::call_tool(&app.state, request(&event)).await;
            (response.status().as_u16(), body(&response))
        }
    };
    let (status, first) = search(token_in("T-acme"), None).await;
    assert_eq!(status, 200, "{first}");
    let cursor = first["structuredContent"]["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("a second page: {first}"))
        .to_owned();

    let (status, refused) = search(token_in("T-globex"), Some(cursor.clone())).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("cursor"), "{refused}");

    let (status, second) = search(token_in("T-acme"), Some(cursor)).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(
        second["structuredContent"]["results"],
        first["structuredContent"]["results"]
    );
}

/// An organisation with its own identity provider: its tokens are verified with its own keys
/// (`identity.jwks_url`), found by the issuer they must carry exactly; the deployment's keys
/// cannot sign for it, nor its keys for the deployment or for an issuer no tenant names.
#[tokio::test]
async fn a_tenant_with_its_own_identity_provider_is_verified_with_its_own_keys() {
    const INITECH: &str = "https://login.initech.example/";
    let moto = Moto::start().await.unwrap();
    let deployment_key = rsa_key("deployment");
    let initech_key = rsa_key("initech");
    let deployment_jwks = jwks_server(vec![deployment_key.jwk.clone()]).await;
    let initech_jwks = jwks_server(vec![initech_key.jwk.clone()]).await;
    let mut initech = tenant("initech", "unused", json!({"tools": ["fetch"]}));
    initech.identity.issuer = INITECH.into();
    initech.identity.descope_tenant = None;
    initech.identity.jwks_url = Some(initech_jwks);
    let acme = tenant("acme", "T-acme", json!({}));
    let directory = directory(&moto, &[initech, acme]).await;
    let app = serving("list-tools", vec![], &deployment_jwks, None, directory);
    let list = |token: String| list_tools(&app, token);
    let initech_claims = with(oidc_claims(), "iss", json!(INITECH));

    let (status, body, record) = list(rs256(&initech_key, &initech_claims)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tool_names(&body), ["fetch"], "initech's own policy");
    assert_eq!(record.tenant.as_deref(), Some("initech"));

    // The deployment's key cannot sign for initech...
    let (status, body, _) = list(rs256(&deployment_key, &initech_claims)).await;
    assert_eq!(status, 401, "{body}");
    // ...nor initech's for the deployment's issuer (acme's tokens).
    let acme_claims = with(
        with(oidc_claims(), "dct", json!("T-acme")),
        "tenants",
        json!({"T-acme": {}}),
    );
    let (status, body, _) = list(rs256(&initech_key, &acme_claims)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(list(rs256(&deployment_key, &acme_claims)).await.0, 200);
    // An issuer no tenant names is untrusted, whoever signed.
    let (status, _, record) = list(rs256(
        &initech_key,
        &with(oidc_claims(), "iss", json!("https://login.initech.example")),
    ))
    .await;
    assert_eq!(status, 401);
    assert_eq!(record.reason.as_deref(), Some("untrusted_issuer"));
    // Its tokens must still be meant for this server.
    let elsewhere = with(initech_claims, "aud", json!("https://other.example/mcp"));
    assert_eq!(list(rs256(&initech_key, &elsewhere)).await.0, 401);
}
