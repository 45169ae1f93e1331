//! `workplace-admin`: the administrators' CLI for the tenants table (docs/tenants.md).
//!
//! Every write is checked first against the published schema's rules, the same ones the functions
//! apply ([`TenantDocument::validate`]), and is stored as a new version with an audit entry naming
//! the caller's AWS identity. Exit codes: 0 done, 1 the table or AWS failed, 2 the input was
//! refused (nothing was written).

// A CLI's answer is what it prints.
#![allow(clippy::print_stdout)]

mod cloudwatch;
mod usage;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use workplace_service::catalogue;
use workplace_service::state::source_setting_problems;
use workplace_tenants::{AuditEntry, SCHEMA, Stored, TenantDocument, TenantStore};

#[derive(Parser)]
#[command(
    name = "workplace-admin",
    version,
    about = "Manage workplace-mcp tenants."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Tenant documents in the tenants table.
    Tenant {
        /// The tenants table (the stack's `TenantsTableName` output).
        #[arg(long, env = "TENANTS_TABLE", global = true)]
        table: Option<String>,
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Check a tenant document without writing it (no AWS access).
    Validate {
        /// The JSON document.
        file: std::path::PathBuf,
    },
    /// Print the tenant document's JSON Schema.
    Schema,
    /// Usage from the invocation records: requests, active users, tools, sources, outcomes and
    /// latency. Reads record files (by default `make dev`'s logs); lines that are not records are
    /// skipped.
    Usage {
        /// How far back: a number and `m`, `h` or `d` (`30m`, `24h`, `7d`).
        #[arg(long, default_value = "7d")]
        since: String,
        /// Files holding the records (default: `.dev/logs/watch.log`).
        #[arg(long = "logs", conflicts_with = "log_groups")]
        logs: Vec<std::path::PathBuf>,
        /// CloudWatch Logs groups holding the records, in AWS: the functions' groups,
        /// `/aws/lambda/<function>` (docs/tenants.md, "Usage"). Repeat for each.
        #[arg(long = "log-group")]
        log_groups: Vec<String>,
        /// One tenant's requests only.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create or replace a tenant from a JSON document (checked first).
    Put {
        /// The JSON document.
        file: std::path::PathBuf,
    },
    /// Print a tenant's document and version.
    Get { id: String },
    /// List every tenant.
    List,
    /// Turn a tenant's kill switch on: every request is refused with the message.
    Disable {
        id: String,
        /// What refused callers read.
        #[arg(long)]
        message: Option<String>,
    },
    /// Turn a tenant's kill switch off.
    Enable { id: String },
    /// A tenant's audit trail: every version, who wrote it, when, and what it changed.
    History { id: String },
}

/// Why a command stopped.
enum Failure {
    /// The input was refused; nothing was written.
    Refused(String),
    /// AWS or the table failed.
    Failed(String),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Refused(text)) => {
            eprintln!("refused: {text}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(text)) => {
            eprintln!("error: {text}");
            ExitCode::from(1)
        }
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Schema => {
            println!("{SCHEMA}");
            Ok(())
        }
        Command::Usage {
            since,
            logs,
            log_groups,
            tenant,
        } => usage(&since, logs, &log_groups, tenant.as_deref()).await,
        Command::Validate { file } => {
            let document = read_document(&file)?;
            println!("{} is a valid tenant document", document.id);
            Ok(())
        }
        Command::Tenant { table, command } => {
            let table = table.ok_or_else(|| {
                Failure::Refused("name the tenants table with --table or TENANTS_TABLE".into())
            })?;
            let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .load()
                .await;
            let store = TenantStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
            tenant(&store, &aws, command).await
        }
    }
}

async fn tenant(
    store: &TenantStore,
    aws: &aws_config::SdkConfig,
    command: TenantCommand,
) -> Result<(), Failure> {
    let failed = |err: workplace_tenants::StoreError| Failure::Failed(err.to_string());
    match command {
        TenantCommand::Put { file } => {
            let document = read_document(&file)?;
            let current = store.get(&document.id).await.map_err(failed)?;
            write(store, aws, &document, current.as_ref()).await
        }
        TenantCommand::Get { id } => {
            let stored = existing(store, &id).await?;
            let out = serde_json::json!({
                "version": stored.version,
                "updated_by": stored.updated_by,
                "updated_at": stored.updated_at,
                "document": stored.document,
            });
            println!("{}", pretty(&out));
            Ok(())
        }
        TenantCommand::List => {
            for stored in store.list().await.map_err(failed)? {
                let doc = &stored.document;
                println!(
                    "{}\tv{}\t{}\t{}\t{}\t{}",
                    doc.id,
                    stored.version,
                    if doc.policy.kill_switch {
                        "DISABLED"
                    } else {
                        "enabled"
                    },
                    doc.name,
                    stored.updated_by,
                    stored.updated_at
                );
            }
            Ok(())
        }
        TenantCommand::Disable { id, message } => {
            let stored = existing(store, &id).await?;
            let mut document = stored.document.clone();
            document.policy.kill_switch = true;
            if message.is_some() {
                document.policy.kill_switch_message = message;
            }
            check(&document)?;
            write(store, aws, &document, Some(&stored)).await
        }
        TenantCommand::Enable { id } => {
            let stored = existing(store, &id).await?;
            let mut document = stored.document.clone();
            document.policy.kill_switch = false;
            write(store, aws, &document, Some(&stored)).await
        }
        TenantCommand::History { id } => {
            for entry in store.audit(&id).await.map_err(failed)? {
                println!(
                    "{}",
                    pretty(&serde_json::to_value(&entry).unwrap_or_default())
                );
            }
            Ok(())
        }
    }
}

async fn usage(
    since: &str,
    logs: Vec<std::path::PathBuf>,
    log_groups: &[String],
    tenant: Option<&str>,
) -> Result<(), Failure> {
    let window = parse_window(since).ok_or_else(|| {
        Failure::Refused(format!(
            "--since `{since}`: use a number and m, h or d (e.g. 7d)"
        ))
    })?;
    let start = OffsetDateTime::now_utc() - window;
    let from = start
        .format(&Rfc3339)
        .map_err(|err| Failure::Failed(err.to_string()))?;
    let scope = match tenant {
        Some(tenant) => format!("tenant `{tenant}` since {from}"),
        None => format!("the deployment since {from}"),
    };
    if !log_groups.is_empty() {
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let client = aws_sdk_cloudwatchlogs::Client::new(&aws);
        let start_ms = i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let read = cloudwatch::read(&client, log_groups, start_ms)
            .await
            .map_err(|err| Failure::Failed(format!("CloudWatch Logs: {err}")))?;
        let report = usage::Usage::of(usage::records(&read.text, &from, tenant));
        println!("{}", report.report(&scope));
        if read.truncated {
            println!(
                "(the first {} records only: narrow --since for the whole window)",
                cloudwatch::MAX_RECORDS
            );
        }
        return Ok(());
    }
    let logs = if logs.is_empty() {
        vec![std::path::PathBuf::from(".dev/logs/watch.log")]
    } else {
        logs
    };
    let mut text = String::new();
    for file in &logs {
        text.push_str(
            &std::fs::read_to_string(file)
                .map_err(|err| Failure::Refused(format!("{}: {err}", file.display())))?,
        );
        text.push('\n');
    }
    let report = usage::Usage::of(usage::records(&text, &from, tenant));
    println!("{}", report.report(&scope));
    Ok(())
}

/// `30m`, `24h`, `7d`.
fn parse_window(text: &str) -> Option<time::Duration> {
    let text = text.trim();
    let (number, unit): (&str, fn(i64) -> time::Duration) = if let Some(n) = text.strip_suffix('m')
    {
        (n, time::Duration::minutes)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, time::Duration::hours)
    } else {
        (text.strip_suffix('d')?, time::Duration::days)
    };
    let n: i64 = number.parse().ok().filter(|n| (1..=100_000).contains(n))?;
    Some(unit(n))
}

async fn existing(store: &TenantStore, id: &str) -> Result<Stored, Failure> {
    store
        .get(id)
        .await
        .map_err(|err| Failure::Failed(err.to_string()))?
        .ok_or_else(|| Failure::Refused(format!("no tenant `{id}`")))
}

/// Writes the next version and prints what changed.
async fn write(
    store: &TenantStore,
    aws: &aws_config::SdkConfig,
    document: &TenantDocument,
    current: Option<&Stored>,
) -> Result<(), Failure> {
    let actor = actor(aws).await?;
    let at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .map_err(|err| Failure::Failed(err.to_string()))?;
    let entry: AuditEntry =
        store
            .put(document, current, &actor, &at)
            .await
            .map_err(|err| match err {
                workplace_tenants::StoreError::Conflict(_) => Failure::Refused(err.to_string()),
                other => Failure::Failed(other.to_string()),
            })?;
    println!(
        "{} is now version {} ({} change{})",
        entry.tenant,
        entry.version,
        entry.changes.len(),
        if entry.changes.len() == 1 { "" } else { "s" }
    );
    for change in &entry.changes {
        println!(
            "  {}: {} -> {}",
            change.path,
            change
                .before
                .as_ref()
                .map_or("(unset)".into(), |v| v.to_string()),
            change
                .after
                .as_ref()
                .map_or("(unset)".into(), |v| v.to_string())
        );
    }
    Ok(())
}

/// Who is writing: the caller's AWS identity, as STS names it (the audit trail's `actor`).
async fn actor(aws: &aws_config::SdkConfig) -> Result<String, Failure> {
    aws_sdk_sts::Client::new(aws)
        .get_caller_identity()
        .send()
        .await
        .ok()
        .and_then(|identity| identity.arn)
        .ok_or_else(|| {
            Failure::Failed("could not tell who you are (sts:GetCallerIdentity failed)".into())
        })
}

/// Reads and checks a document file.
fn read_document(file: &std::path::Path) -> Result<TenantDocument, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| Failure::Refused(format!("{}: {err}", file.display())))?;
    let document = TenantDocument::from_json(&text).map_err(|problems| {
        Failure::Refused(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    check(&document)?;
    Ok(document)
}

/// The functions' own rules.
fn check(document: &TenantDocument) -> Result<(), Failure> {
    let mut problems = document.validate(&catalogue::policy_tools());
    // Source settings are judged on their own: a Descope project stands in for the deployment's.
    problems.extend(source_setting_problems(document, &|name| {
        (name == "DESCOPE_PROJECT_ID").then(|| "deployment".to_owned())
    }));
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure::Refused(format!(
        "{} is not a valid tenant document:\n{}",
        document.id,
        problems
            .iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    )))
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_a_positive_number_and_a_unit() {
        assert_eq!(parse_window("30m"), Some(time::Duration::minutes(30)));
        assert_eq!(parse_window(" 24h "), Some(time::Duration::hours(24)));
        assert_eq!(parse_window("7d"), Some(time::Duration::days(7)));
        for bad in [
            "",
            "d",
            "0d",
            "-1d",
            "7",
            "7w",
            "7é",
            "é",
            "1e3d",
            "999999999999d",
        ] {
            assert_eq!(parse_window(bad), None, "{bad}");
        }
    }
}
