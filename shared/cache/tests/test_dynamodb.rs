//! The shared cache against the moto emulator over HTTP: containers sharing entries, expiry, key
//! rotation, conditional deletes, a table that refuses, one that never answers, and what the
//! table holds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use moto_harness::{Moto, Silent};
use secrecy::SecretString;
use workplace_cache::{CacheConfig, Keyring, Part, SharedCache};

const TABLE: &str = "workplace-cache";
const TOKEN: &str = "ya29.alice-drive-access-token-0123456789";
const SUBJECT: &str = "U2alice@acme.example";

fn key(byte: u8) -> SecretString {
    SecretString::from(STANDARD.encode([byte; 32]))
}

fn config(table: &str) -> CacheConfig {
    CacheConfig {
        table: table.into(),
        tokens: true,
        text: true,
        // The emulator on a loaded 2-core machine: generous, so only the hanging-table test
        // meets the deadline.
        timeout: Duration::from_secs(2),
        text_ttl: Duration::from_secs(600),
    }
}

/// A "container": its own client, cache and keyring over the shared table.
async fn container(moto: &Moto, keys: &[SecretString]) -> SharedCache {
    container_on(moto, keys, TABLE).await
}

async fn container_on(moto: &Moto, keys: &[SecretString], table: &str) -> SharedCache {
    SharedCache::dynamodb(
        &moto.sdk_config().await,
        Keyring::new(b"query-hash-key", keys).unwrap(),
        config(table),
    )
}

fn in_an_hour() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

async fn started() -> (Moto, aws_sdk_dynamodb::Client) {
    let moto = Moto::start().await.expect("the emulator");
    let client = moto.create_cache_table(TABLE).await.unwrap();
    (moto, client)
}

fn token_fields() -> [&'static str; 3] {
    ["google_drive", SUBJECT, SUBJECT]
}

#[tokio::test]
async fn a_token_one_container_fetched_serves_another_until_it_expires() {
    let (moto, _) = started().await;
    let (a, b) = (
        container(&moto, &[key(1)]).await,
        container(&moto, &[key(1)]).await,
    );
    assert_eq!(b.get(Part::Token, &token_fields()).await, None);

    let expires = in_an_hour();
    a.put(
        Part::Token,
        &token_fields(),
        TOKEN.as_bytes(),
        expires,
        true,
    );
    a.flush().await;
    let (value, until) = b
        .get(Part::Token, &token_fields())
        .await
        .expect("B reads A's token");
    assert_eq!(value, TOKEN.as_bytes());
    assert_eq!(
        until
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        expires
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    );

    // Another user, another upstream or another acting identity is another entry.
    for fields in [
        ["google_drive", "U2bob@acme.example", "U2bob@acme.example"],
        ["notion", SUBJECT, SUBJECT],
        ["google_drive", SUBJECT, "admin@acme.example"],
    ] {
        assert_eq!(b.get(Part::Token, &fields).await, None, "{fields:?}");
    }
    // The same fields under the other part are another entry too.
    assert_eq!(b.get(Part::Text, &token_fields()).await, None);

    // An expired entry is a miss although DynamoDB's TTL has not removed it yet.
    a.put(
        Part::Token,
        &token_fields(),
        TOKEN.as_bytes(),
        SystemTime::now() - Duration::from_secs(1),
        true,
    );
    a.flush().await;
    assert_eq!(b.get(Part::Token, &token_fields()).await, None);
    assert_eq!(a.stats(Part::Token).writes, 2);
    assert_eq!(
        (b.stats(Part::Token).reads, b.stats(Part::Token).hits),
        (6, 1)
    );
}

#[tokio::test]
async fn rotated_keys_still_open_old_entries_until_the_old_key_is_dropped() {
    let (moto, _) = started().await;
    let old = container(&moto, &[key(1)]).await;
    old.put(
        Part::Text,
        &["notion", "page-1", "2026-12-01T10:00:00Z"],
        b"# Budget",
        in_an_hour(),
        false,
    );
    old.flush().await;

    let rotating = container(&moto, &[key(2), key(1)]).await;
    let (text, _) = rotating
        .get(Part::Text, &["notion", "page-1", "2026-12-01T10:00:00Z"])
        .await
        .unwrap();
    assert_eq!(text, b"# Budget");

    let rotated = container(&moto, &[key(2)]).await;
    assert_eq!(
        rotated
            .get(Part::Text, &["notion", "page-1", "2026-12-01T10:00:00Z"])
            .await,
        None
    );
    // What the new key writes, the old keyring cannot open (and treats as a miss).
    rotated.put(
        Part::Text,
        &["notion", "page-2", "t"],
        b"new",
        in_an_hour(),
        false,
    );
    rotated.flush().await;
    assert_eq!(old.get(Part::Text, &["notion", "page-2", "t"]).await, None);
    assert_eq!(
        rotating
            .get(Part::Text, &["notion", "page-2", "t"])
            .await
            .unwrap()
            .0,
        b"new"
    );
}

#[tokio::test]
async fn a_refused_token_is_deleted_only_while_the_entry_still_holds_it() {
    let (moto, _) = started().await;
    let (a, b) = (
        container(&moto, &[key(1)]).await,
        container(&moto, &[key(1)]).await,
    );
    a.put(
        Part::Token,
        &token_fields(),
        b"old-token",
        in_an_hour(),
        true,
    );
    a.flush().await;
    // B already replaced it with a fresh token: A's eviction of the old one keeps B's.
    b.put(
        Part::Token,
        &token_fields(),
        b"new-token",
        in_an_hour(),
        true,
    );
    b.flush().await;
    a.delete(Part::Token, &token_fields(), Some(b"old-token"))
        .await;
    a.flush().await;
    assert_eq!(
        a.get(Part::Token, &token_fields()).await.unwrap().0,
        b"new-token"
    );
    a.delete(Part::Token, &token_fields(), Some(b"new-token"))
        .await;
    a.flush().await;
    assert_eq!(b.get(Part::Token, &token_fields()).await, None);
    assert_eq!(a.stats(Part::Token).faults, 0);
}

#[tokio::test]
async fn concurrent_containers_only_ever_read_a_whole_value_one_of_them_wrote() {
    let (moto, _) = started().await;
    let mut containers = Vec::new();
    for _ in 0..4 {
        containers.push(container(&moto, &[key(1)]).await);
    }
    let values: Vec<Vec<u8>> = (0..4)
        .map(|i| format!("text of edition {i} ").repeat(200).into_bytes())
        .collect();
    // One value is there before the race, so every read finds a whole value, whichever.
    containers[0].put(
        Part::Text,
        &["google_drive", "file-1", "v1"],
        &values[0],
        in_an_hour(),
        false,
    );
    containers[0].flush().await;
    let mut tasks = Vec::new();
    for round in 0..5 {
        for (i, cache) in containers.iter().enumerate() {
            let (cache, value) = (cache.clone(), values[i].clone());
            tasks.push(tokio::spawn(async move {
                if (round + i) % 2 == 0 {
                    cache.put(
                        Part::Text,
                        &["google_drive", "file-1", "v1"],
                        &value,
                        in_an_hour(),
                        false,
                    );
                    cache.flush().await;
                    None
                } else {
                    cache
                        .get(Part::Text, &["google_drive", "file-1", "v1"])
                        .await
                        .map(|(v, _)| v)
                }
            }));
        }
    }
    let mut reads = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        // Task n is container n % 4 in round n / 4.
        let writer = (n / 4 + n % 4) % 2 == 0;
        match task.await.unwrap() {
            Some(read) => {
                assert!(values.contains(&read), "a torn or foreign value");
                reads += 1;
            }
            None => assert!(writer, "a read found nothing although a value was stored"),
        }
    }
    let last = containers[0]
        .get(Part::Text, &["google_drive", "file-1", "v1"])
        .await
        .unwrap()
        .0;
    assert!(values.contains(&last));
    assert_eq!(reads, 10, "half of the 20 tasks read");
}

#[tokio::test]
async fn the_table_holds_no_readable_token_user_or_text() {
    let (moto, client) = started().await;
    let cache = container(&moto, &[key(1)]).await;
    let text = "Globex renewal: confidential pricing 42% discount. ".repeat(40);
    cache.put(
        Part::Token,
        &token_fields(),
        TOKEN.as_bytes(),
        in_an_hour(),
        true,
    );
    cache.put(
        Part::Text,
        &[
            "google_drive",
            "file-globex-pricing",
            "2026-12-01T10:00:00Z",
        ],
        text.as_bytes(),
        in_an_hour(),
        false,
    );
    cache.flush().await;

    let items = client
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert_eq!(items.len(), 2);
    let mut dump = Vec::new();
    for item in &items {
        for (name, value) in item {
            dump.extend_from_slice(name.as_bytes());
            match value {
                AttributeValue::S(s) | AttributeValue::N(s) => dump.extend_from_slice(s.as_bytes()),
                AttributeValue::B(b) => dump.extend_from_slice(b.as_ref()),
                other => panic!("unexpected attribute {name}: {other:?}"),
            }
        }
    }
    let dump_text = String::from_utf8_lossy(&dump).to_lowercase();
    for secret in [
        TOKEN,
        SUBJECT,
        "alice",
        "acme.example",
        "google_drive",
        "globex",
        "file-globex-pricing",
        "confidential",
    ] {
        let secret = secret.to_lowercase();
        assert!(!dump_text.contains(&secret), "the table shows {secret}");
        assert!(
            !dump_text.contains(&STANDARD.encode(&secret).to_lowercase()),
            "the table shows {secret} in base64"
        );
        assert!(
            !dump_text.contains(&hex::encode(&secret)),
            "the table shows {secret} in hex"
        );
    }
    let parts: Vec<_> = items
        .iter()
        .map(|i| i["part"].as_s().unwrap().as_str())
        .collect();
    assert!(parts.contains(&"token") && parts.contains(&"text"));
    assert!(items.iter().all(|i| i.contains_key("expires")));
}

#[tokio::test]
async fn a_table_that_refuses_costs_a_miss_and_never_fails_the_caller() {
    let moto = Moto::start().await.expect("the emulator");
    // No table: DynamoDB refuses every read and write (as it would a denied policy).
    let cache = container_on(&moto, &[key(1)], "no-such-table").await;
    cache.put(
        Part::Token,
        &token_fields(),
        TOKEN.as_bytes(),
        in_an_hour(),
        true,
    );
    cache.flush().await;
    assert_eq!(cache.get(Part::Token, &token_fields()).await, None);
    cache
        .delete(Part::Token, &token_fields(), Some(TOKEN.as_bytes()))
        .await;
    cache.flush().await;
    let stats = cache.stats(Part::Token);
    assert_eq!(
        (stats.writes, stats.reads, stats.deletes, stats.hits),
        (1, 1, 1, 0)
    );
    assert_eq!(stats.faults, 3, "{stats:?}");
}

#[tokio::test]
async fn a_table_that_never_answers_is_skipped_at_the_deadline() {
    // The stall a cache in trouble looks like.
    let silent = Silent::start().await.unwrap();
    let mut config = config(TABLE);
    config.timeout = Duration::from_millis(50);
    let cache = SharedCache::dynamodb(&silent.sdk, Keyring::new(b"k", &[key(1)]).unwrap(), config);
    // The bound here only keeps a broken deadline from hanging the suite.
    let bounded = Duration::from_secs(20);
    let read = tokio::time::timeout(bounded, cache.get(Part::Token, &token_fields())).await;
    assert_eq!(read.expect("the read ignored its deadline"), None);
    cache.put(
        Part::Token,
        &token_fields(),
        TOKEN.as_bytes(),
        in_an_hour(),
        true,
    );
    tokio::time::timeout(bounded, cache.flush())
        .await
        .expect("the write ignored its deadline");
    assert_eq!(cache.stats(Part::Token).faults, 2);
}

#[tokio::test]
async fn a_switched_off_part_neither_reads_nor_writes() {
    let (moto, client) = started().await;
    let mut config = config(TABLE);
    config.tokens = false;
    let cache = SharedCache::dynamodb(
        &moto.sdk_config().await,
        Keyring::new(b"k", &[key(1)]).unwrap(),
        config,
    );
    cache.put(
        Part::Token,
        &token_fields(),
        TOKEN.as_bytes(),
        in_an_hour(),
        true,
    );
    cache.put(
        Part::Text,
        &["notion", "p", "t"],
        b"text",
        in_an_hour(),
        false,
    );
    cache.flush().await;
    assert_eq!(cache.get(Part::Token, &token_fields()).await, None);
    assert_eq!(
        cache.stats(Part::Token).reads + cache.stats(Part::Token).writes,
        0
    );
    let items = client
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["part"].as_s().unwrap(), "text");
}
