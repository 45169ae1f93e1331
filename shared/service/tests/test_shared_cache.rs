//! The cache shared across containers, with the real connectors, the upstream fakes and the
//! emulator's DynamoDB: each "container" is its own set of sources (own per-container caches, own
//! brokers) over one cache table, as two Lambda containers of one deployment are.
//!
//! - A known user's first call in a new container makes no token exchange and reads no text
//!   upstream: both come from the shared cache, and the answer is the same.
//! - The shared cache widens nobody's access: text one user's read left there never reaches a
//!   user who may not download the file, in any container.
//! - A token an upstream refused is replaced for every container, not served again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use common::*;
use moto_harness::Moto;
use secrecy::SecretString;
use serde_json::{Value, json};
use upstream_fakes::{FakeConfig, RunningFakes};
use workplace_cache::{CacheConfig, DynamoCacheStore, Part, SharedCache};
use workplace_connectors::ConnectorsConfig;
use workplace_secrets::Secrets;
use workplace_service::AppState;
use workplace_service::config::Config;
use workplace_service::record::MemorySink;
use workplace_service::rest;
use workplace_service::state::{
    CacheBackend, Runtime, SecretSource, Sources, http_client, jwks_verifier,
};
use workplace_testkit::{MANAGEMENT_KEY, SECRET, every_source_on_the_fakes};

const TABLE: &str = "workplace-cache";
/// Shared with Alice (may download) and Bob (may only view: `canDownload` false).
const HERON: &str = "google_drive:1AcmeDrv026x7Hq2LmZ9pR4tW";
const HERON_TEXT: &str = "Purchase price";

struct World {
    _moto: Moto,
    fakes: RunningFakes,
    aws: aws_config::SdkConfig,
}

async fn world() -> World {
    let moto = Moto::start().await.expect("the emulator");
    moto.create_cache_table(TABLE).await.unwrap();
    let aws = moto.sdk_config().await;
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    World {
        _moto: moto,
        fakes,
        aws,
    }
}

/// One container, built as cold start builds it: configured sources, a secret holding the
/// cache's keys, the cache table; its records kept.
struct Container {
    state: AppState,
    records: Arc<MemorySink>,
    cache: SharedCache,
}

fn container(world: &World) -> Container {
    let base = world.fakes.base_url.clone();
    // The sources' settings, as in `fake_sources`; the function's own (its tokens are service
    // tokens, so no issuer is configured).
    let mut sources: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.clone()),
    ]);
    sources.extend(every_source_on_the_fakes(&base));
    let connectors = ConnectorsConfig::from_lookup(&|k| sources.get(k).cloned()).unwrap();
    let function: HashMap<&str, &str> = HashMap::from([
        ("MCP_RESOURCE_URL", RESOURCE),
        ("SERVICE_TOKEN_SUBJECTS", "U2alice,U2bob"),
        ("SERVICE_TOKEN_SECRET_ID", "test/service-token"),
    ]);
    let config = Config::load(&|k| function.get(k).map(|v| (*v).to_owned())).unwrap();
    let cache = CacheConfig {
        table: TABLE.into(),
        tokens: true,
        text: true,
        timeout: Duration::from_secs(2),
        text_ttl: Duration::from_secs(600),
    };
    let backend = CacheBackend {
        store: Arc::new(DynamoCacheStore::from_sdk(&world.aws, &cache)),
        config: cache,
    };
    let secrets = Secrets {
        jwt_secret_key: Some(SecretString::from(SECRET)),
        descope_management_key: Some(SecretString::from(MANAGEMENT_KEY)),
        query_hash_key: Some(SecretString::from("query-hash-key")),
        cache_keys: vec![SecretString::from(
            base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
        )],
        ..Secrets::default()
    };
    let http = http_client().unwrap();
    let runtime = Runtime::build_with_cache(
        config.clone(),
        jwks_verifier(&config, &http),
        SecretSource::Fixed(Arc::new(secrets)),
        Sources::Configured(Box::new(connectors)),
        http,
        None,
        Some(backend),
    )
    .unwrap();
    let cache = runtime
        .parts()
        .shared_cache
        .clone()
        .expect("the shared cache is on");
    let records = Arc::new(MemorySink::default());
    let state = AppState::new("workplace-search", Ok(runtime), records.clone());
    Container {
        state,
        records,
        cache,
    }
}

fn token(subject: &str) -> String {
    token_with(json!({"sub": subject, "scope": all_scopes()}))
}

async fn call(container: &Container, token: &str, tool: &str, arguments: Value) -> Value {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(token)),
            &format!("/mcp/tools/{tool}/call"),
        ),
        &json!({"name": tool, "arguments": arguments}).to_string(),
    );
    let response = rest::call_tool(&container.state, request(&event)).await;
    body(&response)
}

fn search(query: &str, sources: &[&str]) -> Value {
    json!({"query": query, "sources": sources})
}

/// The routes the fakes saw since `from`.
fn routes_since(fakes: &RunningFakes, from: usize) -> Vec<&'static str> {
    fakes
        .requests()
        .into_iter()
        .skip(from)
        .map(|r| r.route)
        .collect()
}

fn sorted(mut routes: Vec<&'static str>) -> Vec<&'static str> {
    routes.sort_unstable();
    routes
}

fn snippets(body: &Value) -> Vec<(String, String)> {
    body["structuredContent"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["snippet"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_known_users_first_call_in_a_new_container_exchanges_no_token_and_reads_no_text() {
    let world = world().await;
    let (a, b) = (container(&world), container(&world));
    let alice = token("U2alice");
    let query = search("quarterly budget", &["google_drive", "notion"]);

    let first = call(&a, &alice, "workplace_search", query.clone()).await;
    assert_eq!(first["isError"], false, "{first}");
    let routes = routes_since(&world.fakes, 0);
    assert_eq!(
        routes.iter().filter(|r| **r == "descope.token").count(),
        2,
        "{routes:?}"
    );
    assert!(
        routes
            .iter()
            .any(|r| *r == "drive.content" || *r == "notion.blocks"),
        "container A read snippets upstream: {routes:?}"
    );

    // What a warm container still calls upstream for this query (its searches, and reads of
    // files whose text no cache keeps, such as one too large to snippet).
    let seen = world.fakes.requests().len();
    let warm = call(&a, &alice, "workplace_search", query.clone()).await;
    assert_eq!(snippets(&warm), snippets(&first));
    let warm_routes = sorted(routes_since(&world.fakes, seen));
    // Searches only: every snippet is cached, including the knowledge that one file (a scanned
    // PDF with no text layer) has none at this version, so it is not downloaded to fail again.
    assert!(
        warm_routes.iter().all(|r| r.ends_with(".search")),
        "a warm call read more than the searches: {warm_routes:?}"
    );

    let seen = world.fakes.requests().len();
    let again = call(&b, &alice, "workplace_search", query).await;
    let routes = sorted(routes_since(&world.fakes, seen));
    assert_eq!(
        routes,
        warm_routes,
        "container B's first call is not a warm call: {:?} {:?}",
        b.cache.stats(Part::Token),
        b.cache.stats(Part::Text)
    );
    assert!(!routes.contains(&"descope.token"), "{routes:?}");
    // The call's record says what the cache did (and the EMF metrics are made from it).
    let used = b
        .records
        .records()
        .pop()
        .unwrap()
        .cache
        .expect("cache use recorded");
    assert_eq!((used.token.reads, used.token.hits), (2, 2), "{used:?}");
    assert!(used.text.hits >= 1 && used.text.bytes_read > 0, "{used:?}");
    assert_eq!(
        snippets(&again),
        snippets(&first),
        "the shared cache changed the answer"
    );
    assert!(
        b.cache.stats(Part::Token).hits >= 2 && b.cache.stats(Part::Text).hits >= 1,
        "{:?} {:?}",
        b.cache.stats(Part::Token),
        b.cache.stats(Part::Text)
    );
}

#[tokio::test]
async fn text_another_container_cached_never_reaches_a_user_who_may_not_download_it() {
    let world = world().await;
    let (a, b) = (container(&world), container(&world));
    let fetched = call(&a, &token("U2alice"), "fetch", json!({"id": HERON})).await;
    assert!(
        fetched["structuredContent"]["text"]
            .as_str()
            .unwrap()
            .contains(HERON_TEXT),
        "{fetched}"
    );
    assert!(a.cache.stats(Part::Text).writes >= 1);

    for container in [&b, &a] {
        let bob = token("U2bob");
        let found = call(container, &bob, "workplace_search", json!({"query": "Heron acquisition", "sources": ["google_drive"], "include_content": true})).await;
        assert!(
            found.to_string().contains(HERON),
            "Bob sees the file: {found}"
        );
        assert!(
            !found.to_string().contains(HERON_TEXT),
            "Bob's search got Alice's text: {found}"
        );
        let fetched = call(container, &bob, "fetch", json!({"id": HERON})).await;
        assert!(
            !fetched.to_string().contains(HERON_TEXT),
            "Bob's fetch got Alice's text: {fetched}"
        );
        assert!(
            fetched["structuredContent"]["content_error"]
                .as_str()
                .unwrap_or_default()
                .contains("not download"),
            "{fetched}"
        );
    }
}

#[tokio::test]
async fn a_token_an_upstream_refused_is_replaced_for_every_container() {
    let world = world().await;
    let (a, b, c) = (container(&world), container(&world), container(&world));
    let alice = token("U2alice");
    let query = search("quarterly budget", &["google_drive"]);
    assert_eq!(
        call(&a, &alice, "workplace_search", query.clone()).await["isError"],
        false
    );

    // Drive now refuses every token issued so far (revoked): B reads A's token, is refused,
    // evicts it here and in the shared cache, and exchanges once more.
    world.fakes.state.expire_tokens();
    let seen = world.fakes.requests().len();
    let body = call(&b, &alice, "workplace_search", query.clone()).await;
    assert_eq!(body["isError"], false, "{body}");
    let routes = routes_since(&world.fakes, seen);
    assert_eq!(
        routes.iter().filter(|r| **r == "descope.token").count(),
        1,
        "{routes:?}"
    );

    // C gets B's new token, not the refused one: no refusal, no exchange.
    let seen = world.fakes.requests().len();
    let body = call(&c, &alice, "workplace_search", query).await;
    assert_eq!(body["isError"], false, "{body}");
    let routes = routes_since(&world.fakes, seen);
    assert!(!routes.contains(&"descope.token"), "{routes:?}");
}

#[tokio::test]
async fn a_read_token_in_the_shared_cache_never_answers_for_the_write_scope() {
    // Drive reads with a read-only scope and comments with the full one, through two brokers of
    // one Descope app: their shared entries must differ, as their per-container caches do.
    let world = world().await;
    let (a, b) = (container(&world), container(&world));
    let alice = token("U2alice");
    let found = call(
        &a,
        &alice,
        "workplace_search",
        search("Heron acquisition", &["google_drive"]),
    )
    .await;
    assert!(found.to_string().contains(HERON), "{found}");

    let writer = token_with(
        json!({"sub": "U2alice", "scope": format!("{} workplace:write:comments", all_scopes())}),
    );
    let commented = call(
        &b,
        &writer,
        "add_comment",
        json!({"id": HERON, "text": "Please check the retention pool."}),
    )
    .await;
    assert_eq!(commented["isError"], false, "{commented}");
    let seen = world.fakes.requests();
    assert_eq!(
        seen.iter().filter(|r| r.route == "descope.token").count(),
        2,
        "one token per scope"
    );
}
