//! How big a `workplace_search` answer is: the bytes of a default answer (ten results, every
//! source the demo user may search, against the fakes) as a client receives it, split into what a
//! model reads (`content`) and what a program reads (`structuredContent`), with a token estimate
//! (bytes / 4, the usual rule of thumb for English and JSON). `docs/clients.md` quotes the table.
//! Figures are printed, never asserted.
//! Run: `cargo run -p workplace-service --example answer_size`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use serde_json::{Value, json};
use workplace_auth::{Principal, TokenKind};
use workplace_connectors::SourceKind;
use workplace_service::config::SearchSettings;
use workplace_service::search::SearchEngine;
use workplace_service::tools;

const QUERIES: [&str; 4] = [
    "Globex renewal",
    "quarterly budget",
    "onboarding checklist",
    "incident review",
];

fn dana() -> Principal {
    Principal {
        subject: "dev-user".into(),
        client_id: None,
        issuer: "https://issuer.example".into(),
        scopes: SourceKind::ALL
            .iter()
            .map(|k| k.scope().to_owned())
            .collect(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
        service_identity: None,
        active_tenant: None,
        kind: TokenKind::Oidc,
    }
}

fn size(value: &Value) -> usize {
    value.to_string().len()
}

#[tokio::main]
async fn main() {
    let (_fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    let engine = SearchEngine::new(sources, SearchSettings::default());
    println!("| query | whole answer | content (model) | structuredContent | ~tokens (whole) |");
    println!("|---|---|---|---|---|");
    let mut totals = [0usize; 3];
    for query in QUERIES {
        for (label, extra) in [
            ("", json!({})),
            (" (include_content)", json!({"include_content": true})),
        ] {
            let mut args = json!({"query": query});
            args.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let call = tools::prepare(&engine, "workplace_search", Some(&args), &dana()).unwrap();
            let (result, _) = tools::run(&engine, &call, &dana()).await;
            let whole = serde_json::to_value(&result).unwrap();
            let (all, content, structured) = (
                size(&whole),
                size(&whole["content"]),
                size(&whole["structuredContent"]),
            );
            if label.is_empty() {
                totals[0] += all;
                totals[1] += content;
                totals[2] += structured;
            }
            println!(
                "| {query}{label} | {all} B | {content} B | {structured} B | {} |",
                all / 4
            );
        }
    }
    let n = QUERIES.len();
    println!(
        "| mean, default arguments | {} B | {} B | {} B | {} |",
        totals[0] / n,
        totals[1] / n,
        totals[2] / n,
        totals[0] / n / 4
    );
}
