//! Paging and filters through the tool layer, with the real connectors against the fakes over
//! real HTTP: paging with three results a page to the end gives exactly the results of one search
//! for 50, for every source and for all at once, without a duplicate; cursors are bound to their
//! user and search, refuse alteration, and expire; filters narrow and say what they could not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use workplace_auth::{Principal, TokenKind};
use workplace_connectors::SourceKind;
use workplace_service::config::SearchSettings;
use workplace_service::search::SearchEngine;
use workplace_service::tools::{self, CallError};

async fn engine(settings: SearchSettings) -> (upstream_fakes::RunningFakes, SearchEngine) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    let engine = SearchEngine::new(sources, settings).with_cursor_key(b"paging test key");
    (fakes, engine)
}

fn principal(subject: &str, email: &str) -> Principal {
    Principal {
        subject: subject.into(),
        client_id: Some("test".into()),
        issuer: "https://issuer.example".into(),
        scopes: SourceKind::ALL
            .iter()
            .map(|k| k.scope().to_owned())
            .collect(),
        email: Some(email.into()),
        email_verified: true,
        service_identity: None,
        active_tenant: None,
        kind: TokenKind::Oidc,
    }
}

fn dana() -> Principal {
    principal("dev-user", "dev@acme.example")
}

async fn call(engine: &SearchEngine, who: &Principal, args: Value) -> Result<Value, CallError> {
    let call = tools::prepare(engine, "workplace_search", Some(&args), who)?;
    let (result, _) = tools::run(engine, &call, who).await;
    assert!(!result.is_error, "{}", result.structured_content);
    Ok(result.structured_content)
}

fn ids(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of `args` at `size` a page, following `next_cursor` to the end.
async fn every_page(engine: &SearchEngine, args: &Value, size: u64) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut args = args.clone();
    args["max_results"] = json!(size);
    loop {
        let answer = call(engine, &dana(), args.clone()).await.unwrap();
        pages.push(ids(&answer));
        match answer["next_cursor"].as_str() {
            Some(cursor) => args["cursor"] = json!(cursor),
            None => break,
        }
        assert!(pages.len() < 40, "paging does not end");
    }
    pages
}

/// A query every source answers with several hits for Dana.
const BROAD: &str = "budget renewal review plan";

#[tokio::test]
async fn pages_of_three_add_up_to_one_search_of_fifty_for_every_source() {
    let (_fakes, engine) = engine(SearchSettings::default()).await;
    let mut scopes: Vec<Option<SourceKind>> = SourceKind::ALL.iter().copied().map(Some).collect();
    scopes.push(None);
    let mut paged_somewhere = 0;
    for scope in scopes {
        let mut args = json!({"query": BROAD});
        if let Some(kind) = scope {
            args["sources"] = json!([kind.as_str()]);
        }
        let mut one = args.clone();
        one["max_results"] = json!(50);
        let whole = ids(&call(&engine, &dana(), one).await.unwrap());
        let mut pages = every_page(&engine, &args, 3).await;
        let mut paged: Vec<String> = pages.concat();
        let unique: BTreeSet<&String> = paged.iter().collect();
        assert_eq!(
            unique.len(),
            paged.len(),
            "{scope:?}: a duplicate across pages"
        );
        if paged.len() > 50 {
            // More than one search of 50 returns: the first 50 of the ranking are compared, in
            // pages that end at the 50th (each page is re-scored on its snippets, so the order
            // within a page is its own).
            pages = every_page(&engine, &args, 5).await;
            paged = pages.concat();
            paged.truncate(50);
        }
        let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
            (paged.iter().collect(), whole.iter().collect());
        assert_eq!(
            (
                a.difference(&b).collect::<Vec<_>>(),
                b.difference(&a).collect::<Vec<_>>()
            ),
            (vec![], vec![]),
            "{scope:?}: (only paged, only in one search)"
        );
        assert!(!whole.is_empty(), "{scope:?} found nothing for {BROAD:?}");
        if pages.len() > 1 {
            paged_somewhere += 1;
            assert!(pages[..pages.len() - 1].iter().all(|p| p.len() >= 3));
        }
    }
    assert!(
        paged_somewhere >= 4,
        "the query gives too few pages to test paging"
    );
}

#[tokio::test]
async fn cursors_are_bound_to_user_search_and_time_and_refuse_alteration() {
    let settings = SearchSettings {
        cursor_ttl_seconds: 60,
        ..SearchSettings::default()
    };
    let (_fakes, engine) = engine(settings).await;
    let args = json!({"query": BROAD, "max_results": 2});
    let first = call(&engine, &dana(), args.clone()).await.unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let refusal = |err: CallError| match err {
        CallError::InvalidArguments(invalid) => {
            assert_eq!(invalid.field, "cursor");
            invalid.reason
        }
        other => panic!("{other:?}"),
    };

    let next = json!({"query": BROAD, "max_results": 2, "cursor": cursor});
    let second = call(&engine, &dana(), next.clone()).await.unwrap();
    assert!(ids(&second).iter().all(|id| !ids(&first).contains(id)));

    let bob = principal("U2bob", "bob@acme.example");
    let reason = refusal(call(&engine, &bob, next.clone()).await.unwrap_err());
    assert!(reason.contains("another user"), "{reason}");

    let mut other = next.clone();
    other["query"] = json!("payroll");
    let reason = refusal(call(&engine, &dana(), other).await.unwrap_err());
    assert!(reason.contains("another search"), "{reason}");
    let mut filtered = next.clone();
    filtered["filters"] = json!({"type": "pdf"});
    let reason = refusal(call(&engine, &dana(), filtered).await.unwrap_err());
    assert!(reason.contains("another search"), "{reason}");

    let mut altered = next.clone();
    let flipped: String = cursor
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 3 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    altered["cursor"] = json!(flipped);
    let reason = refusal(call(&engine, &dana(), altered).await.unwrap_err());
    assert!(reason.contains("altered"), "{reason}");

    // Another deployment's key: refused as not ours.
    let (_other_fakes, elsewhere) = self::engine(SearchSettings::default()).await;
    let elsewhere = elsewhere.with_cursor_key(b"another deployment");
    let reason = refusal(call(&elsewhere, &dana(), next.clone()).await.unwrap_err());
    assert!(reason.contains("not issued by this server"), "{reason}");

    // Expired: a cursor for this very search, issued by the same key long ago.
    let parsed = workplace_service::arguments::SearchArgs::parse(Some(&args)).unwrap();
    let identity = tools::search_identity(&parsed, SourceKind::ALL);
    let old = engine.cursors().issue("dev-user", &identity, 2, 1_000);
    let fresh = engine.cursors().issue(
        "dev-user",
        &identity,
        2,
        workplace_service::search::cursor::unix_now(),
    );
    let mut expired = next.clone();
    expired["cursor"] = json!(old);
    let reason = refusal(call(&engine, &dana(), expired).await.unwrap_err());
    assert!(reason.contains("expired"), "{reason}");
    let mut same = next;
    same["cursor"] = json!(fresh);
    let again = call(&engine, &dana(), same).await.unwrap();
    assert_eq!(
        ids(&again),
        ids(&second),
        "the same offset is the same page"
    );
}

#[tokio::test]
async fn filters_narrow_every_source_or_say_they_could_not() {
    let (_fakes, engine) = engine(SearchSettings::default()).await;
    let all = call(&engine, &dana(), json!({"query": BROAD, "max_results": 50}))
        .await
        .unwrap();
    let reports = |answer: &Value| -> BTreeMap<String, Value> {
        answer["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["source"].as_str().unwrap().to_owned(), r.clone()))
            .collect()
    };

    // Types: only the sources holding the kind are asked, and only that kind comes back.
    let mail = call(
        &engine,
        &dana(),
        json!({"query": BROAD, "max_results": 50, "filters": {"type": ["email"]}}),
    )
    .await
    .unwrap();
    assert!(!ids(&mail).is_empty());
    for id in ids(&mail) {
        assert!(
            id.starts_with("gmail:") || id.starts_with("outlook_mail:"),
            "{id}"
        );
    }
    let by_source = reports(&mail);
    assert_eq!(by_source["google_drive"]["count"], 0);
    assert!(
        by_source["google_drive"]["message"]
            .as_str()
            .unwrap()
            .contains("none of the requested types")
    );

    // A date far in the future leaves nothing that any source could check; what a source could
    // not check, it says.
    let future = call(
        &engine,
        &dana(),
        json!({"query": BROAD, "max_results": 50, "filters": {"modified_after": "2099-01-01"}}),
    )
    .await
    .unwrap();
    for (source, report) in reports(&future) {
        let unapplied: Vec<&str> = report["filters_not_applied"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        let kept = ids(&future)
            .into_iter()
            .filter(|id| id.starts_with(&format!("{source}:")))
            .count();
        assert!(
            kept == 0 || unapplied.contains(&"modified_after"),
            "{source} kept {kept} results from before 2099 and claims to have applied the filter"
        );
    }
    assert!(ids(&future).len() < ids(&all).len());

    // Containers concern only the sources they name, and with no `sources`, name them.
    let in_container = call(
        &engine,
        &dana(),
        json!({"query": BROAD, "filters": {"containers": {"notion": ["x"]}}}),
    )
    .await
    .unwrap();
    let searched: Vec<String> = reports(&in_container).into_keys().collect();
    assert_eq!(searched, ["notion"]);
}

#[tokio::test]
async fn invalid_filters_name_the_field() {
    let (_fakes, engine) = engine(SearchSettings::default()).await;
    for (filters, field) in [
        (
            json!({"modified_after": "last tuesday"}),
            "filters.modified_after",
        ),
        (
            json!({"modified_after": "2026-12-01", "modified_before": "2026-11-01"}),
            "filters.modified_before",
        ),
        (json!({"type": ["memo"]}), "filters.type"),
        (json!({"type": []}), "filters.type"),
        (json!({"owner": ""}), "filters.owner"),
        (json!({"owner": "a\u{7}b"}), "filters.owner"),
        (
            json!({"containers": {"dropbox": ["x"]}}),
            "filters.containers.dropbox",
        ),
        (
            json!({"containers": {"sharepoint": ["a b"]}}),
            "filters.containers.sharepoint",
        ),
        (
            json!({"containers": {"sharepoint": ["x'"]}}),
            "filters.containers.sharepoint",
        ),
        (json!({"colour": "red"}), "filters.colour"),
        (json!("recent"), "filters"),
    ] {
        let args = json!({"query": "budget", "filters": filters});
        match tools::prepare(&engine, "workplace_search", Some(&args), &dana()) {
            Err(CallError::InvalidArguments(invalid)) => {
                assert_eq!(invalid.field, field, "{filters}: {}", invalid.reason);
            }
            other => panic!("{filters}: {other:?}"),
        }
    }
    for cursor in [json!(""), json!(7), json!("a b"), json!("x".repeat(600))] {
        let args = json!({"query": "budget", "cursor": cursor});
        match tools::prepare(&engine, "workplace_search", Some(&args), &dana()) {
            Err(CallError::InvalidArguments(invalid)) => assert_eq!(invalid.field, "cursor"),
            other => panic!("{cursor}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn fetch_pages_with_the_same_cursors() {
    let (_fakes, engine) = engine(SearchSettings::default()).await;
    let found = call(
        &engine,
        &dana(),
        json!({"query": BROAD, "sources": ["google_drive"], "max_results": 1}),
    )
    .await
    .unwrap();
    let id = ids(&found)[0].clone();
    let fetch = |args: Value, who: Principal| {
        let engine = &engine;
        async move {
            let call = tools::prepare(engine, "fetch", Some(&args), &who)?;
            Ok::<Value, CallError>(tools::run(engine, &call, &who).await.0.structured_content)
        }
    };
    let whole = fetch(json!({"id": id, "max_chars": 100_000}), dana())
        .await
        .unwrap();
    let whole_text = whole["text"].as_str().unwrap().to_owned();
    assert!(whole_text.chars().count() > 60, "{whole}");
    let mut text = String::new();
    let mut args = json!({"id": id, "max_chars": 25});
    loop {
        let page = fetch(args.clone(), dana()).await.unwrap();
        text.push_str(page["text"].as_str().unwrap());
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        args = json!({"id": id, "max_chars": 25, "cursor": cursor});
    }
    assert_eq!(text, whole_text, "the pages add up to the document");

    // The cursor of one document does not page another, nor serve another user.
    let first = fetch(json!({"id": id, "max_chars": 25}), dana())
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let other = ids(&call(
        &engine,
        &dana(),
        json!({"query": BROAD, "sources": ["google_drive"], "max_results": 2}),
    )
    .await
    .unwrap())[1]
        .clone();
    for (args, who) in [
        (json!({"id": other, "cursor": cursor}), dana()),
        (
            json!({"id": id, "cursor": cursor}),
            principal("U2bob", "bob@acme.example"),
        ),
        (json!({"id": id, "cursor": cursor, "offset": 5}), dana()),
    ] {
        match fetch(args.clone(), who).await {
            Err(CallError::InvalidArguments(invalid)) => assert_eq!(invalid.field, "cursor"),
            other => panic!("{args}: {other:?}"),
        }
    }
}
