//! `workplace-admin usage`: who used what, from the invocation records the functions write (one
//! JSON line per request). Locally they are in `make dev`'s logs; the report skips every line
//! that is not a record.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use workplace_record::{InvocationRecord, Outcome, RecordType};

/// Usage over a period.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Usage {
    /// Requests.
    pub(crate) calls: u64,
    /// Distinct users (`sub`).
    pub(crate) users: usize,
    /// Tool calls by tool.
    pub(crate) tools: BTreeMap<String, u64>,
    /// Searches and fetches by source.
    pub(crate) sources: BTreeMap<String, u64>,
    /// Requests by outcome.
    pub(crate) outcomes: BTreeMap<&'static str, u64>,
    /// Requests by tenant (`(none)`: a deployment without tenants, or a request refused before
    /// its tenant was known).
    pub(crate) tenants: BTreeMap<String, u64>,
    /// Median and 95th-percentile latency, in milliseconds.
    pub(crate) p50_ms: f64,
    pub(crate) p95_ms: f64,
}

/// The records in `text` (any other line is skipped) at or after `since` (RFC 3339; the
/// records' own timestamps are RFC 3339 UTC, so they compare as text), of `tenant` only when one
/// is named.
pub(crate) fn records<'a>(
    text: &'a str,
    since: &'a str,
    tenant: Option<&'a str>,
) -> impl Iterator<Item = InvocationRecord> + 'a {
    text.lines()
        .filter_map(|line| line.find('{').map(|at| &line[at..]))
        .filter_map(|json| serde_json::from_str::<InvocationRecord>(json).ok())
        .filter(|r| r.kind == RecordType::Invocation && !r.request_id.is_empty())
        .filter(move |r| r.timestamp.as_str() >= since)
        .filter(move |r| tenant.is_none() || r.tenant.as_deref() == tenant)
}

impl Usage {
    /// Sums `records`.
    pub(crate) fn of(records: impl IntoIterator<Item = InvocationRecord>) -> Self {
        let mut usage = Self::default();
        let mut users = BTreeSet::new();
        let mut latencies = Vec::new();
        for record in records {
            usage.calls += 1;
            if let Some(sub) = record.sub {
                users.insert(sub);
            }
            if let Some(tool) = record.tool {
                *usage.tools.entry(tool).or_default() += 1;
            }
            for source in record.sources {
                *usage.sources.entry(source.as_str().to_owned()).or_default() += 1;
            }
            *usage.outcomes.entry(record.outcome.as_str()).or_default() += 1;
            let tenant = record.tenant.unwrap_or_else(|| "(none)".to_owned());
            *usage.tenants.entry(tenant).or_default() += 1;
            latencies.push(record.latency_ms);
        }
        usage.users = users.len();
        latencies.sort_by(f64::total_cmp);
        usage.p50_ms = percentile(&latencies, 0.50);
        usage.p95_ms = percentile(&latencies, 0.95);
        usage
    }

    /// The share of requests with `outcome`.
    fn rate(&self, outcome: Outcome) -> f64 {
        let count = self.outcomes.get(outcome.as_str()).copied().unwrap_or(0);
        if self.calls == 0 {
            0.0
        } else {
            count as f64 / self.calls as f64
        }
    }

    /// The report, as Markdown.
    pub(crate) fn report(&self, scope: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Usage of {scope}\n");
        let _ = writeln!(out, "| measure | value |\n|---|---|");
        let _ = writeln!(out, "| requests | {} |", self.calls);
        let _ = writeln!(out, "| active users | {} |", self.users);
        let _ = writeln!(
            out,
            "| error rate | {:.1} % |",
            100.0 * self.rate(Outcome::Error)
        );
        let _ = writeln!(
            out,
            "| rate-limited | {:.1} % |",
            100.0 * self.rate(Outcome::RateLimited)
        );
        let _ = writeln!(out, "| latency p50 | {:.1} ms |", self.p50_ms);
        let _ = writeln!(out, "| latency p95 | {:.1} ms |", self.p95_ms);
        for (title, counts) in [
            ("tenant", &self.tenants),
            ("tool", &self.tools),
            ("source", &self.sources),
        ] {
            let _ = writeln!(out, "\n| {title} | requests |\n|---|---|");
            for (name, count) in counts {
                let _ = writeln!(out, "| {name} | {count} |");
            }
        }
        let _ = writeln!(out, "\n| outcome | requests |\n|---|---|");
        for (outcome, count) in &self.outcomes {
            let _ = writeln!(out, "| {outcome} | {count} |");
        }
        out
    }
}

/// The nearest-rank percentile of sorted values (0 when there are none).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(at: &str, sub: &str, tool: Option<&str>, outcome: &str, latency: f64) -> String {
        let tenant = if sub == "bob" { "globex" } else { "acme" };
        json!({
            "type": "invocation", "timestamp": at, "request_id": format!("r-{at}-{sub}"),
            "function": "mcp", "route": "POST /mcp", "action": "tools/call", "tool": tool,
            "mcp_server": "workplace-mcp", "sub": sub, "tenant": tenant, "status": 200,
            "outcome": outcome, "latency_ms": latency, "sources": ["google_drive", "notion"]
        })
        .to_string()
    }

    #[test]
    fn a_report_sums_the_records_of_the_period_and_skips_everything_else() {
        let log = [
            "[watch] compiling mcp".to_owned(),
            line("2026-12-01T00:00:00Z", "old", Some("fetch"), "ok", 1.0),
            format!(
                "INFO mcp: {}",
                line(
                    "2026-12-05T00:00:01Z",
                    "alice",
                    Some("workplace_search"),
                    "ok",
                    10.0
                )
            ),
            line(
                "2026-12-05T00:00:02Z",
                "alice",
                Some("workplace_search"),
                "ok",
                20.0,
            ),
            line(
                "2026-12-05T00:00:03Z",
                "bob",
                Some("fetch"),
                "rate_limited",
                30.0,
            ),
            line("2026-12-05T00:00:04Z", "bob", None, "error", 40.0),
            r#"{"type": "metric", "name": "x"}"#.to_owned(),
            "{not json".to_owned(),
        ]
        .join("\n");
        let usage = Usage::of(records(&log, "2026-12-04T00:00:00Z", None));
        assert_eq!(usage.calls, 4);
        assert_eq!(usage.users, 2);
        assert_eq!(usage.tools.get("workplace_search"), Some(&2));
        assert_eq!(usage.tools.get("fetch"), Some(&1));
        assert_eq!(usage.sources.get("notion"), Some(&4));
        assert_eq!(usage.p50_ms, 20.0);
        assert_eq!(usage.p95_ms, 40.0);
        let report = usage.report("the deployment");
        assert!(report.contains("| rate-limited | 25.0 % |"), "{report}");
        assert!(report.contains("| error rate | 25.0 % |"), "{report}");
        assert!(report.contains("| active users | 2 |"), "{report}");
        assert!(
            report.contains("| acme | 2 |") && report.contains("| globex | 2 |"),
            "{report}"
        );
        // One tenant's usage alone.
        let globex = Usage::of(records(&log, "2026-12-04T00:00:00Z", Some("globex")));
        assert_eq!(globex.calls, 2);
        assert_eq!(globex.users, 1);
        assert_eq!(globex.tenants.keys().collect::<Vec<_>>(), ["globex"]);
    }

    #[test]
    fn no_records_is_an_empty_report_not_a_panic() {
        let usage = Usage::of(records("nothing here\n", "2026-01-01T00:00:00Z", None));
        assert_eq!(usage, Usage::default());
        assert!(usage.report("x").contains("| requests | 0 |"));
    }
}
