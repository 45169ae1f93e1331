//! Tool arguments as a client sends them (`params.arguments` of `tools/call`, the REST body),
//! through the validation of `workplace_search` and `fetch` (`shared/service/src/arguments.rs`).
//!
//! The file is compiled here as a module of its own: it needs only `serde_json`, `thiserror` and
//! `workplace-connectors`, while depending on `workplace-service` would build the AWS SDK with
//! sanitizer instrumentation on every `make security`. If that file is split or moved, point the
//! `#[path]` below at its new place.
//!
//! Invariants beyond "no panic":
//! - accepted `workplace_search` arguments are within every documented bound (query trimmed,
//!   1..=500 characters without control characters; 1..=5 distinct sources; 1..=50 results);
//! - accepted `fetch` arguments are within theirs (`offset` ≤ 2,000,000, `max_chars` within
//!   1..=100,000) and the id is canonical (it parses to itself);
//! - round trip: accepted arguments, written back as JSON, parse to the same value;
//! - a rejection names a field the caller can fix (a known argument, `arguments`, or the unknown
//!   key that was sent).
#![no_main]

#[allow(dead_code, unreachable_pub, unused_imports, missing_docs)]
#[path = "../../shared/service/src/arguments.rs"]
mod arguments;

use arguments::{
    FetchArgs, InvalidArgument, MAX_FETCH_CHARS, MAX_FETCH_OFFSET, MAX_QUERY_CHARS, MAX_RESULTS,
    MAX_SOURCES, SearchArgs,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use workplace_connectors::ItemId;

fn check_rejection(error: &InvalidArgument, arguments: Option<&Value>, known: &[&str]) {
    // `filters.owner`, `filters.containers.notion`: the argument sent, then the field in it.
    let top = error.field.split('.').next().unwrap_or_default();
    let sent = arguments
        .and_then(Value::as_object)
        .is_some_and(|map| map.contains_key(&error.field) || map.contains_key(top));
    assert!(
        error.field == "arguments" || known.contains(&error.field.as_str()) || sent,
        "{error}"
    );
    assert!(!error.reason.is_empty());
}

fn check_search(arguments: Option<&Value>) {
    let known = [
        "query",
        "sources",
        "max_results",
        "include_content",
        "filters",
        "cursor",
    ];
    let args = match SearchArgs::parse(arguments) {
        Ok(args) => args,
        Err(error) => return check_rejection(&error, arguments, &known),
    };
    let chars = args.query.chars().count();
    assert!((1..=MAX_QUERY_CHARS).contains(&chars));
    assert_eq!(args.query, args.query.trim());
    assert!(
        !args
            .query
            .chars()
            .any(|c| c.is_control() && !c.is_whitespace())
    );
    if let Some(sources) = &args.sources {
        assert!((1..=MAX_SOURCES).contains(&sources.len()));
        for (i, source) in sources.iter().enumerate() {
            assert!(!sources[..i].contains(source), "{source} listed twice");
        }
    }
    assert!((1..=MAX_RESULTS as usize).contains(&args.max_results));
    let mut again = json!({
        "query": args.query,
        "max_results": args.max_results,
        "include_content": args.include_content,
    });
    if let Some(sources) = &args.sources {
        again["sources"] = sources.iter().map(|s| s.to_string()).collect();
    }
    if !args.filters.is_empty() {
        again["filters"] = arguments::filters::to_json(&args.filters);
    }
    if let Some(cursor) = &args.cursor {
        assert!(cursor.len() <= arguments::MAX_CURSOR_CHARS);
        again["cursor"] = json!(cursor);
    }
    assert_eq!(SearchArgs::parse(Some(&again)).as_ref(), Ok(&args));
}

fn check_fetch(arguments: Option<&Value>) {
    let known = ["id", "offset", "max_chars", "cursor"];
    let args = match FetchArgs::parse(arguments) {
        Ok(args) => args,
        Err(error) => return check_rejection(&error, arguments, &known),
    };
    assert!(args.offset as u64 <= MAX_FETCH_OFFSET);
    assert!((1..=MAX_FETCH_CHARS as usize).contains(&args.max_chars));
    let id = args.id.to_string();
    assert_eq!(ItemId::parse(&id).as_ref(), Ok(&args.id));
    let mut again = json!({"id": id, "offset": args.offset, "max_chars": args.max_chars});
    if let Some(cursor) = &args.cursor {
        assert_eq!(args.offset, 0, "a cursor comes without an offset");
        again["cursor"] = json!(cursor);
    }
    assert_eq!(FetchArgs::parse(Some(&again)).as_ref(), Ok(&args));
}

fuzz_target!(|data: &[u8]| {
    // Arguments arrive as JSON; anything else never reaches validation. An absent `arguments`
    // is the same as `null`.
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for arguments in [Some(&value), None] {
        check_search(arguments);
        check_fetch(arguments);
    }
});
