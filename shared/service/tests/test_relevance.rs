//! The relevance benchmark (`make relevance` prints its table): every judged query of
//! `relevance/judgments.txt` through the search engine with the query planner and with the
//! pass-through baseline, the real connectors against the fakes over real HTTP, one run.
//!
//! As a test (under `make unit`) it holds the planner to committed floors: no category may fall
//! below them, natural-language recall must stay within 90 % of keyword recall, keyword recall
//! must not fall below the baseline's, and no document a user may not see may ever appear.
//! The numbers are deterministic ("now" is fixed, the fakes rank deterministically), so the
//! floors are not flaky; they sit a little below today's numbers so that harmless changes to
//! tie order do not trip them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod relevance;

use relevance::{MAY_NOT_SEE, TODAY, mean, render, run, run_all, run_all_in};
use workplace_service::search::Relevance;
use workplace_service::search::rank::{WEIGHTS, Weights};

/// Committed floors for the planner: (category, recall@5, nDCG@10).
const FLOORS: &[(&str, f64, f64)] = &[
    ("keyword", 0.95, 0.95),
    ("question", 0.90, 0.90),
    ("synonym", 0.95, 0.95),
    ("typo", 0.95, 0.95),
    ("stem", 0.85, 0.90),
    ("date", 0.95, 0.95),
    ("multi_source", 0.85, 0.90),
    ("overall", 0.93, 0.93),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planner_holds_its_floors_and_never_leaks() {
    let (baseline, planned, misses) = run().await;
    println!("{}", render(&baseline, &planned));
    if std::env::var_os("RELEVANCE_MISSES").is_some() {
        for miss in &misses {
            println!("{miss}");
        }
    }
    assert_eq!(mean(&planned, MAY_NOT_SEE).leaks, 0, "a document leaked");
    assert_eq!(mean(&baseline, MAY_NOT_SEE).leaks, 0, "a document leaked");
    for (category, recall, ndcg) in FLOORS {
        let s = mean(&planned, category);
        assert!(
            s.recall5 >= *recall,
            "{category}: recall@5 {} < {recall}",
            s.recall5
        );
        assert!(
            s.ndcg10 >= *ndcg,
            "{category}: nDCG@10 {} < {ndcg}",
            s.ndcg10
        );
    }
    let (keyword, question) = (mean(&planned, "keyword"), mean(&planned, "question"));
    assert!(
        question.recall5 >= 0.9 * keyword.recall5,
        "questions {question:?} vs keywords {keyword:?}"
    );
    assert!(
        keyword.recall5 >= mean(&baseline, "keyword").recall5,
        "keyword recall fell"
    );
}

/// Google Drive through Google's Drive MCP server (`GOOGLE_DRIVE_TRANSPORT=mcp`): the planner's
/// floors hold and nothing leaks, with Google's `contentSnippet`s in place of the passages the
/// snippet phase reads in REST mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drive_over_mcp_holds_the_planners_floors() {
    let planner = Relevance {
        today: Some(TODAY),
        ..Relevance::default()
    };
    let (rest, _) = run_all(&[planner]).await;
    let (mcp, misses) =
        run_all_in(&[planner], &[("GOOGLE_DRIVE_TRANSPORT", "mcp".to_owned())]).await;
    let (rest, mcp) = (&rest[0], &mcp[0]);
    println!(
        "| category | recall@5 Drive REST | recall@5 Drive MCP | nDCG@10 Drive REST | nDCG@10 Drive MCP |\n|---|---|---|---|---|"
    );
    for (category, _, _) in FLOORS {
        let (r, m) = (mean(rest, category), mean(mcp, category));
        println!(
            "| {category} | {:.3} | {:.3} | {:.3} | {:.3} |",
            r.recall5, m.recall5, r.ndcg10, m.ndcg10
        );
    }
    if std::env::var_os("RELEVANCE_MISSES").is_some() {
        for miss in &misses {
            println!("{miss}");
        }
    }
    assert_eq!(mean(mcp, MAY_NOT_SEE).leaks, 0, "a document leaked");
    for (category, recall, ndcg) in FLOORS {
        let s = mean(mcp, category);
        assert!(
            s.recall5 >= *recall,
            "{category}: recall@5 {} < {recall}",
            s.recall5
        );
        assert!(
            s.ndcg10 >= *ndcg,
            "{category}: nDCG@10 {} < {ndcg}",
            s.ndcg10
        );
    }
}

/// The ranking's ablation (`make relevance` prints it): the planner's overall numbers with each
/// ranking feature switched off, and with rank fusion alone; docs/RELEVANCE.md records them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a report for docs/RELEVANCE.md, not a check; `make relevance` runs it"]
async fn ranking_ablation() {
    let zero = |f: fn(&mut Weights)| {
        let mut w = WEIGHTS;
        f(&mut w);
        w
    };
    let mut variants: Vec<(&str, Weights)> = vec![
        ("tuned weights", WEIGHTS),
        (
            "rank fusion only (planner queries, RRF ranking)",
            Weights {
                title: 0.0,
                snippet: 0.0,
                strict: 0.0,
                phrase: 0.0,
                date: 0.0,
                rrf: 1.0,
            },
        ),
        ("without title share", zero(|w| w.title = 0.0)),
        ("without snippet share", zero(|w| w.snippet = 0.0)),
        ("without strict-pass bonus", zero(|w| w.strict = 0.0)),
        ("without title phrase bonus", zero(|w| w.phrase = 0.0)),
        ("without date bonus", zero(|w| w.date = 0.0)),
        ("without source rank term", zero(|w| w.rrf = 0.0)),
    ];
    let mut settings: Vec<Relevance> = variants
        .iter()
        .map(|(_, weights)| Relevance {
            today: Some(TODAY),
            weights: *weights,
            ..Relevance::default()
        })
        .collect();
    variants.push((
        "without re-scoring on the snippet phase's passages",
        WEIGHTS,
    ));
    settings.push(Relevance {
        today: Some(TODAY),
        rescore_snippets: false,
        ..Relevance::default()
    });
    let (tables, _) = run_all(&settings).await;
    println!(
        "| ranking | recall@5 | nDCG@10 | date nDCG@10 | synonym nDCG@10 |\n|---|---|---|---|---|"
    );
    for ((name, _), table) in variants.iter().zip(&tables) {
        let (all, date, syn) = (
            mean(table, "overall"),
            mean(table, "date"),
            mean(table, "synonym"),
        );
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            all.recall5, all.ndcg10, date.ndcg10, syn.ndcg10
        );
    }
}
