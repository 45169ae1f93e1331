//! The relevance benchmark's harness: judged queries (`judgments.txt`), both engines (the query
//! planner and the pass-through baseline) over the real connectors against the fakes in-process
//! over real HTTP, and the metrics (recall@5, nDCG@10) per category.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use time::macros::date;
use upstream_fakes::corpus::Corpus;
use workplace_connectors::{SourceKind, UserContext};
use workplace_service::config::SearchSettings;
use workplace_service::search::{Relevance, SearchEngine};

/// "Now" for date words in the benchmark (a Wednesday).
pub(crate) const TODAY: time::Date = date!(2026 - 10 - 28);

/// Results asked for per query (the tool's default).
const MAX_RESULTS: usize = 10;

/// The category whose documents must never appear.
pub(crate) const MAY_NOT_SEE: &str = "may_not_see";

/// One judged query.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    pub(crate) category: String,
    pub(crate) user: String,
    pub(crate) query: String,
    /// Title and grade (2 answer, 1 related); in `may_not_see`, the forbidden titles (grade 0).
    pub(crate) grades: Vec<(String, u8)>,
}

/// Parses `judgments.txt`, checking every title against the demo corpus.
pub(crate) fn judgments() -> Vec<Judged> {
    let corpus = Corpus::demo();
    let titles: Vec<String> = corpus
        .documents
        .iter()
        .chain(&corpus.files)
        .map(|d| d.title.clone())
        .collect();
    include_str!("judgments.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let parts: Vec<&str> = line.splitn(4, " | ").collect();
            assert_eq!(parts.len(), 4, "{line}");
            let grades = parts[3]
                .split("; ")
                .map(|j| {
                    let (title, grade) = match j.rsplit_once('=') {
                        Some((t, g)) => (t, g.parse().unwrap()),
                        None => (j, 0),
                    };
                    assert!(titles.iter().any(|t| t == title), "no document `{title}`");
                    (title.to_owned(), grade)
                })
                .collect();
            Judged {
                category: parts[0].into(),
                user: parts[1].into(),
                query: parts[2].into(),
                grades,
            }
        })
        .collect()
}

fn user(name: &str) -> UserContext {
    let (subject, email) = match name {
        "dev" => ("dev-user", "dev@acme.example"),
        "alice" => ("U2alice", "alice@acme.example"),
        "bob" => ("U2bob", "bob@acme.example"),
        "carol" => ("U2carol", "carol@acme.example"),
        other => panic!("unknown user {other}"),
    };
    UserContext {
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: true,
    }
}

/// Recall@5 (relevant documents in the top 5 over the most there could be, min(5, relevant)),
/// nDCG@10 (gain 2^grade - 1) and, for `may_not_see`, forbidden documents shown.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scores {
    pub(crate) recall5: f64,
    pub(crate) ndcg10: f64,
    pub(crate) leaks: usize,
}

pub(crate) fn score(judged: &Judged, titles: &[String]) -> Scores {
    // A document in two sources under one title (the Budget tracker is in Drive and SharePoint)
    // counts once: judgments are by title.
    let mut seen = std::collections::HashSet::new();
    let titles: Vec<&String> = titles.iter().filter(|t| seen.insert(*t)).collect();
    if judged.category == MAY_NOT_SEE {
        let leaks = titles
            .iter()
            .filter(|t| judged.grades.iter().any(|(f, _)| f == **t))
            .count();
        return Scores {
            leaks,
            ..Scores::default()
        };
    }
    let grade = |t: &str| {
        judged
            .grades
            .iter()
            .find(|(title, _)| title == t)
            .map_or(0, |(_, g)| *g)
    };
    let relevant = judged.grades.iter().filter(|(_, g)| *g > 0).count();
    let found = titles.iter().take(5).filter(|t| grade(t) > 0).count();
    let recall5 = (found as f64 / relevant.clamp(1, 5) as f64).min(1.0);
    let gain = |g: u8| f64::from((1u32 << g) - 1);
    let dcg: f64 = titles
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, t)| gain(grade(t)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u8> = judged.grades.iter().map(|(_, g)| *g).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, g)| gain(*g) / (i as f64 + 2.0).log2())
        .sum();
    Scores {
        recall5,
        ndcg10: if idcg > 0.0 { dcg / idcg } else { 0.0 },
        leaks: 0,
    }
}

/// Per-category means for one engine.
pub(crate) type Table = BTreeMap<String, (Scores, usize)>;

fn add(table: &mut Table, category: &str, s: Scores) {
    for key in [category, "overall"] {
        if key == "overall" && category == MAY_NOT_SEE {
            continue;
        }
        let entry = table.entry(key.to_owned()).or_default();
        entry.0.recall5 += s.recall5;
        entry.0.ndcg10 += s.ndcg10;
        entry.0.leaks += s.leaks;
        entry.1 += 1;
    }
}

/// The mean of `category` in `table`.
pub(crate) fn mean(table: &Table, category: &str) -> Scores {
    table
        .get(category)
        .map_or_else(Scores::default, |(s, n)| Scores {
            recall5: s.recall5 / *n as f64,
            ndcg10: s.ndcg10 / *n as f64,
            leaks: s.leaks,
        })
}

/// Both engines' tables, from one run over every judged query, and the lines of queries whose
/// planner recall@5 is below 1 (for tuning).
pub(crate) async fn run() -> (Table, Table, Vec<String>) {
    let baseline = Relevance {
        planner: false,
        today: Some(TODAY),
        ..Relevance::default()
    };
    let planner = Relevance {
        today: Some(TODAY),
        ..Relevance::default()
    };
    let (mut tables, misses) = run_all(&[baseline, planner]).await;
    let planned = tables.pop().unwrap_or_default();
    let base = tables.pop().unwrap_or_default();
    (base, planned, misses)
}

/// One table per relevance setting, from one run over every judged query; the misses are the
/// last setting's.
pub(crate) async fn run_all(settings: &[Relevance]) -> (Vec<Table>, Vec<String>) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    // Everyone connected to everything: the benchmark measures search, not the connect flow.
    for u in ["dev-user", "U2alice", "U2bob", "U2carol"] {
        for app in ["google-drive", "notion", "microsoft"] {
            fakes.state.set_connection(u, app, true);
        }
    }
    let engines: Vec<SearchEngine> = settings
        .iter()
        .map(|r| SearchEngine::new(sources.clone(), SearchSettings::default()).with_relevance(*r))
        .collect();
    let mut tables: Vec<Table> = settings.iter().map(|_| Table::new()).collect();
    let mut misses = Vec::new();
    for judged in judgments() {
        let who = user(&judged.user);
        for (i, engine) in engines.iter().enumerate() {
            let outcome = engine
                .search(&who, &judged.query, SourceKind::ALL, MAX_RESULTS, false)
                .await;
            let titles: Vec<String> = outcome.results.iter().map(|r| r.title.clone()).collect();
            let s = score(&judged, &titles);
            let last = i + 1 == engines.len();
            if last && (s.leaks > 0 || (judged.category != MAY_NOT_SEE && s.recall5 < 1.0)) {
                let mut line = format!(
                    "{} | {} | r@5 {:.2} | top: {:?}",
                    judged.category,
                    judged.query,
                    s.recall5,
                    titles.iter().take(5).collect::<Vec<_>>()
                );
                for report in &outcome.sources {
                    let _ = write!(
                        line,
                        "\n    {}: {:?} {:?} / {:?}",
                        report.source, report.status, report.query, report.relaxed_query
                    );
                }
                misses.push(line);
            }
            add(&mut tables[i], &judged.category, s);
        }
    }
    drop(fakes);
    (tables, misses)
}

/// The side-by-side table, Markdown.
pub(crate) fn render(baseline: &Table, planned: &Table) -> String {
    let mut out = String::from(
        "| category | queries | recall@5 baseline | recall@5 planner | nDCG@10 baseline | nDCG@10 planner |\n|---|---|---|---|---|---|\n",
    );
    let mut categories: Vec<&String> = planned.keys().filter(|k| *k != "overall").collect();
    categories.sort_by_key(|k| (k.as_str() == MAY_NOT_SEE, k.as_str().to_owned()));
    for category in categories
        .into_iter()
        .chain(planned.keys().filter(|k| *k == "overall"))
    {
        let (b, p) = (mean(baseline, category), mean(planned, category));
        let n = planned.get(category).map_or(0, |(_, n)| *n);
        if category == MAY_NOT_SEE {
            let _ = writeln!(
                out,
                "| {category} (documents shown that the user may not see) | {n} | {} | {} | - | - |",
                b.leaks, p.leaks
            );
        } else {
            let _ = writeln!(
                out,
                "| {category} | {n} | {:.3} | {:.3} | {:.3} | {:.3} |",
                b.recall5, p.recall5, b.ndcg10, p.ndcg10
            );
        }
    }
    out
}
