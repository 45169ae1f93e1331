//! The `workplace-admin` binary against the AWS emulator, as an administrator runs it: a document
//! is checked before anything is written, every change is a version with an audit entry naming the
//! caller, and disabling a tenant is one command.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use moto_harness::Moto;
use serde_json::{Value, json};

const TABLE: &str = "tenants";

fn document() -> Value {
    json!({
        "id": "acme", "name": "Acme Corp",
        "identity": {"issuer": "https://api.descope.com/v1/apps/agentic/P2x/M1", "descope_tenant": "T-acme"},
        "secret": "workplace-mcp/tenants/acme",
        "policy": {"tools": ["workplace_search", "fetch"]}
    })
}

fn admin(moto: &Moto, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_workplace-admin"))
        .args(args)
        .env("TENANTS_TABLE", TABLE)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn write(dir: &Path, name: &str, doc: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn put_get_disable_and_history_through_the_real_binary() {
    let moto = Moto::start().await.unwrap();
    moto.create_rate_limit_table(TABLE).await.unwrap();
    let dir = tempdir();

    let good = write(&dir, "acme.json", &document());
    let out = admin(&moto, &["tenant", "put", &good]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("acme is now version 1"),
        "{}",
        text(&out)
    );

    let out = admin(&moto, &["tenant", "get", "acme"]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["version"], 1);
    // What was written, with the defaults spelled out.
    let mut expected = document();
    expected["policy"]["kill_switch"] = json!(false);
    expected["policy"]["read_only"] = json!(false);
    assert_eq!(got["document"], expected);

    let out = admin(
        &moto,
        &[
            "tenant",
            "disable",
            "acme",
            "--message",
            "Paused for the audit.",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("/policy/kill_switch: false -> true"),
        "{}",
        text(&out)
    );

    let out = admin(&moto, &["tenant", "list"]);
    assert!(
        text(&out).starts_with("acme\tv2\tDISABLED\tAcme Corp\t"),
        "{}",
        text(&out)
    );

    let out = admin(&moto, &["tenant", "history", "acme"]);
    let history = text(&out);
    assert!(
        history.contains("\"version\": 2") && history.contains("kill_switch_message"),
        "{history}"
    );
    // The actor is the caller's AWS identity, as STS names it: not something the caller typed.
    assert!(history.contains("\"actor\": \"arn:aws:"), "{history}");
}

#[tokio::test]
async fn a_document_the_rules_refuse_is_never_written() {
    let moto = Moto::start().await.unwrap();
    moto.create_rate_limit_table(TABLE).await.unwrap();
    let dir = tempdir();
    let mut bad = document();
    bad["policy"]["tools"] = json!(["workplace_search", "drop_tables"]);
    bad["secret"] = json!("prod/database");
    // A tenant may choose its sources' settings, never where requests go.
    bad["sources"] = json!({"GRAPH_BASE_URL": "https://attacker.example"});
    let bad = write(&dir, "bad.json", &bad);
    for args in [
        vec!["tenant", "put", bad.as_str()],
        vec!["validate", bad.as_str()],
    ] {
        let out = admin(&moto, &args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let said = text(&out);
        assert!(
            said.contains("/policy/tools/1")
                && said.contains("/secret")
                && said.contains("/sources/GRAPH_BASE_URL"),
            "{said}"
        );
    }
    let mut typo = document();
    typo["policy"]["readonly"] = json!(true);
    let typo = write(&dir, "typo.json", &typo);
    let out = admin(&moto, &["tenant", "put", &typo]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("readonly"), "{}", text(&out));
    // A setting value its source refuses is named, as the functions would.
    let mut mode = document();
    mode["sources"] = json!({"NOTION_MODE": "sometimes"});
    let mode = write(&dir, "mode.json", &mode);
    let out = admin(&moto, &["validate", &mode]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("/sources/NOTION_MODE"),
        "{}",
        text(&out)
    );
    let out = admin(&moto, &["tenant", "list"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{}", text(&out));
    // Disabling a tenant that does not exist is refused too.
    assert_eq!(
        admin(&moto, &["tenant", "disable", "nobody"]).status.code(),
        Some(2)
    );
}

#[test]
fn usage_reads_the_records_in_a_log_and_skips_the_rest() {
    let dir = tempdir();
    let record = |sub: &str, tool: &str, outcome: &str, latency: f64| {
        json!({
            "type": "invocation", "timestamp": "2099-01-01T00:00:00.000Z",
            "request_id": format!("r-{sub}-{tool}"), "function": "mcp", "route": "POST /mcp",
            "action": "tools/call", "tool": tool, "mcp_server": "workplace-mcp", "sub": sub,
            "status": 200, "outcome": outcome, "latency_ms": latency, "sources": ["notion"]
        })
        .to_string()
    };
    let log = [
        "   Compiling mcp v0.1.0".to_owned(),
        record("alice", "workplace_search", "ok", 12.0),
        record("bob", "fetch", "rate_limited", 3.0),
    ]
    .join("\n");
    let path = dir.join("watch.log");
    std::fs::write(&path, log).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_workplace-admin"))
        .args(["usage", "--since", "1d", "--logs", path.to_str().unwrap()])
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    for row in [
        "| requests | 2 |",
        "| active users | 2 |",
        "| rate-limited | 50.0 % |",
        "| workplace_search | 1 |",
        "| notion | 2 |",
    ] {
        assert!(said.contains(row), "{row} missing from {said}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_workplace-admin"))
        .args(["usage", "--since", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn the_schema_is_printed_as_published() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_workplace-admin"))
        .arg("schema")
        .output()
        .unwrap();
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let published: Value =
        serde_json::from_str(include_str!("../../../docs/tenant.schema.json")).unwrap();
    assert_eq!(printed, published);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "workplace-admin-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// In AWS the report reads the functions' log groups: the same records, through CloudWatch Logs
/// (here the emulator's), with each tenant's requests told apart.
#[tokio::test]
async fn usage_reads_the_records_from_cloudwatch_logs_by_tenant() {
    let moto = Moto::start().await.unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk_config().await);
    let group = "/aws/lambda/workplace-mcp-McpFunction";
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name("2099/01/01/[$LATEST]abc")
        .send()
        .await
        .unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let record = |n: u32, tenant: &str, sub: &str| {
        json!({
            "type": "invocation", "timestamp": "2099-01-01T00:00:00.000Z",
            "request_id": format!("r-{n}"), "function": "mcp", "route": "POST /mcp",
            "action": "tools/call", "tool": "workplace_search", "mcp_server": "workplace-mcp",
            "sub": sub, "tenant": tenant, "status": 200, "outcome": "ok", "latency_ms": 20.0
        })
        .to_string()
    };
    let lines = [
        "START RequestId: 1 Version: $LATEST".to_owned(),
        record(1, "acme", "dana"),
        record(2, "acme", "alice"),
        record(3, "globex", "gina"),
    ];
    let mut put = logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name("2099/01/01/[$LATEST]abc");
    for line in lines {
        put = put.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now)
                .message(line)
                .build()
                .unwrap(),
        );
    }
    put.send().await.unwrap();

    let out = admin(&moto, &["usage", "--since", "1h", "--log-group", group]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    for row in ["| requests | 3 |", "| acme | 2 |", "| globex | 1 |"] {
        assert!(said.contains(row), "{row} missing from {said}");
    }
    let out = admin(
        &moto,
        &[
            "usage",
            "--since",
            "1h",
            "--log-group",
            group,
            "--tenant",
            "globex",
        ],
    );
    let said = text(&out);
    assert!(said.contains("| requests | 1 |"), "{said}");
    assert!(!said.contains("| acme |"), "{said}");
    // A group that does not exist is AWS's failure (exit 1), named.
    let out = admin(&moto, &["usage", "--log-group", "/aws/lambda/nothing"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
