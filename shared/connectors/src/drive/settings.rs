//! Google Drive's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `GOOGLE_DRIVE_MODE` | see [`crate::config`] |
//! | `DESCOPE_OUTBOUND_APP_GOOGLE` | `google-drive`: the outbound app id configured in Descope |
//! | `GOOGLE_API_BASE_URL` | `https://www.googleapis.com` |
//! | `GOOGLE_TOKEN_URL` | the service account's `token_uri` |
//! | `GOOGLE_WORKSPACE_DOMAINS` | none; required with `GOOGLE_DRIVE_MODE=service` |
//! | `GOOGLE_DRIVE_TRANSPORT` | `rest` (the Drive v3 REST API at `GOOGLE_API_BASE_URL`) or `mcp` (Google's Drive MCP server at `GOOGLE_DRIVE_MCP_URL`) |
//! | `GOOGLE_DRIVE_MCP_URL` | `https://drivemcp.googleapis.com/mcp/v1` |
//!
//! Google requires AI agents to reach Workspace data through its MCP servers from 2027-02-01
//! (README, "Google Workspace and MCP"); `rest` stays the default this release and the log says
//! so at start-up once that date has come.
//!
//! Service mode is domain-wide delegation *as the user* (secret key `google_service_account`).
//! Delegation can impersonate anyone in the Workspace, so it acts only for a caller whose token
//! says `email_verified: true` and whose email is in one of the Workspace domains listed in
//! `GOOGLE_WORKSPACE_DOMAINS` (comma-separated, lowercase).

use std::sync::Arc;

use crate::broker::{GoogleDelegation, TokenBroker};
use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::{Access, Source, SourceKind};

use super::mcp::DriveMcp;
use super::{DRIVE_WRITE_SCOPE, Drive};

/// How Google Drive is reached (`GOOGLE_DRIVE_TRANSPORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriveTransport {
    /// The Drive v3 REST API.
    Rest,
    /// Google's Drive MCP server.
    Mcp,
}

impl DriveTransport {
    /// The setting's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::Mcp => "mcp",
        }
    }
}

/// The transport setting.
pub(crate) const TRANSPORT_SETTING: &str = "GOOGLE_DRIVE_TRANSPORT";
/// The MCP endpoint setting.
pub(crate) const MCP_URL_SETTING: &str = "GOOGLE_DRIVE_MCP_URL";

/// The day Google's rule that AI agents reach Workspace data through its MCP servers is
/// enforced (Google's notice to Workspace developers, November 2026).
const MCP_ENFORCEMENT: time::Date = time::macros::date!(2027 - 02 - 01);

/// The scope asked of Google for reads, for both outbound and delegated tokens.
pub(crate) const GOOGLE_SCOPE: &str = "https://www.googleapis.com/auth/drive.readonly";
/// The secret key of the service account.
pub(crate) const SERVICE_ACCOUNT_KEY: &str = "google_service_account";

/// Google Drive's settings.
#[derive(Debug, Clone)]
pub(crate) struct DriveSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_GOOGLE`.
    app: String,
    /// `GOOGLE_API_BASE_URL`.
    api_base_url: String,
    /// `GOOGLE_TOKEN_URL`.
    token_url: Option<String>,
    /// `GOOGLE_WORKSPACE_DOMAINS`: the email domains domain-wide delegation may act in, lowercase.
    workspace_domains: Vec<String>,
    /// `GOOGLE_DRIVE_TRANSPORT`.
    transport: DriveTransport,
    /// `GOOGLE_DRIVE_MCP_URL`.
    mcp_url: String,
}

/// Reads Drive's settings.
pub(crate) fn read(env: &Env<'_>, mode: Mode, problems: &mut Vec<ConfigProblem>) -> DriveSettings {
    DriveSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_GOOGLE", "google-drive"),
        api_base_url: env.get_or("GOOGLE_API_BASE_URL", "https://www.googleapis.com"),
        token_url: env.get("GOOGLE_TOKEN_URL"),
        workspace_domains: workspace_domains(
            env.get("GOOGLE_WORKSPACE_DOMAINS").as_deref(),
            mode,
            problems,
        ),
        transport: match env.get(TRANSPORT_SETTING).as_deref() {
            None | Some("rest") => DriveTransport::Rest,
            Some("mcp") => DriveTransport::Mcp,
            Some(other) => {
                problems.push(ConfigProblem {
                    setting: TRANSPORT_SETTING,
                    problem: format!("must be rest or mcp (got `{other}`)"),
                });
                DriveTransport::Rest
            }
        },
        mcp_url: env.get_or(MCP_URL_SETTING, "https://drivemcp.googleapis.com/mcp/v1"),
    }
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(read(env, mode, problems))
}

impl SourceSettings for DriveSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::GoogleDrive
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn build(
        &self,
        context: &BuildContext<'_>,
        access: Access,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn Source>> {
        let broker = self.broker(context, GOOGLE_SCOPE, problems)?;
        if self.transport == DriveTransport::Mcp {
            let endpoint = context.base_url(MCP_URL_SETTING, &self.mcp_url, problems)?;
            return Some(Arc::new(DriveMcp::new(
                context.http(),
                endpoint.join(&[]),
                broker,
                access,
            )));
        }
        warn_after_enforcement(self.transport, time::OffsetDateTime::now_utc().date());
        let base = context.base_url("GOOGLE_API_BASE_URL", &self.api_base_url, problems)?;
        // Comments get a broker of their own asking for `drive`, so a read never carries write
        // permission (see `comment.rs`). Built from the same settings as the read broker, so its
        // problems are already reported.
        let write_broker = self.broker(context, DRIVE_WRITE_SCOPE, &mut Vec::new());
        Some(Arc::new(Connected {
            connector: Drive::new(context.http(), base, context.content_limits())
                .with_shared_cache(context.shared_cache()),
            broker,
            write_broker,
            access,
        }))
    }
}

impl DriveSettings {
    /// The token broker of this mode, asking Google for `scope`.
    fn broker(
        &self,
        context: &BuildContext<'_>,
        scope: &str,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn TokenBroker>> {
        match self.mode {
            Mode::Disabled => None,
            Mode::DescopeOutbound => {
                context.outbound(self.kind(), &self.app, vec![scope.into()], problems)
            }
            Mode::Service => {
                let json =
                    context.secret(SERVICE_ACCOUNT_KEY, "GOOGLE_DRIVE_MODE=service", problems)?;
                GoogleDelegation::new(
                    context.http(),
                    json,
                    self.token_url.as_deref(),
                    scope,
                    self.workspace_domains.clone(),
                )
                .map(|broker| {
                    Arc::new(broker.with_shared_cache(context.shared_cache()))
                        as Arc<dyn TokenBroker>
                })
                .map_err(|err| {
                    problems.push(ConfigProblem {
                        setting: SERVICE_ACCOUNT_KEY,
                        problem: err.to_string(),
                    });
                })
                .ok()
            }
        }
    }
}

/// Says in the log, at start-up, that Drive still calls the REST API once Google enforces MCP for
/// agents; `true` when it did.
fn warn_after_enforcement(transport: DriveTransport, today: time::Date) -> bool {
    let late = transport == DriveTransport::Rest && today >= MCP_ENFORCEMENT;
    if late {
        tracing::warn!(
            source = SourceKind::GoogleDrive.as_str(),
            transport = transport.as_str(),
            "Google Drive is reached through the Drive REST API, and Google requires AI agents to use its Workspace MCP servers from {MCP_ENFORCEMENT}: set GOOGLE_DRIVE_TRANSPORT=mcp (see the README, \"Google Workspace and MCP\")"
        );
    }
    late
}

/// Parses `GOOGLE_WORKSPACE_DOMAINS`: lowercase domains, at least one when delegation is on.
fn workspace_domains(
    value: Option<&str>,
    google_mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<String> {
    const SETTING: &str = "GOOGLE_WORKSPACE_DOMAINS";
    let domains: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    if let Some(bad) = domains
        .iter()
        .find(|d| !d.contains('.') || d.chars().any(|c| c == '@' || c.is_whitespace()))
    {
        problems.push(ConfigProblem {
            setting: SETTING,
            problem: format!("must list domains like `acme.example` (got `{bad}`)"),
        });
    }
    if google_mode == Mode::Service && domains.is_empty() {
        problems.push(ConfigProblem {
            setting: SETTING,
            problem:
                "is required when GOOGLE_DRIVE_MODE=service: domain-wide delegation acts only \
                      for verified emails in these Workspace domains"
                    .into(),
        });
    }
    domains
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> (DriveSettings, Vec<ConfigProblem>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let lookup = |k: &str| map.get(k).cloned();
        let mut problems = Vec::new();
        let mode = match map.get("GOOGLE_DRIVE_MODE").map(String::as_str) {
            Some("service") => Mode::Service,
            _ => Mode::DescopeOutbound,
        };
        (read(&Env(&lookup), mode, &mut problems), problems)
    }

    #[test]
    fn delegation_needs_workspace_domains() {
        let (_, problems) = load(&[("GOOGLE_DRIVE_MODE", "service")]);
        assert_eq!(problems[0].setting, "GOOGLE_WORKSPACE_DOMAINS");
        let (config, problems) = load(&[
            ("GOOGLE_DRIVE_MODE", "service"),
            (
                "GOOGLE_WORKSPACE_DOMAINS",
                " Acme.example, corp.acme.example ,",
            ),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            config.workspace_domains,
            ["acme.example", "corp.acme.example"]
        );
        let (_, bad) = load(&[
            ("GOOGLE_DRIVE_MODE", "service"),
            ("GOOGLE_WORKSPACE_DOMAINS", "alice@acme.example"),
        ]);
        assert_eq!(bad[0].setting, "GOOGLE_WORKSPACE_DOMAINS");
    }

    #[test]
    fn drive_transport_defaults_to_rest_and_is_validated() {
        let (config, problems) = load(&[]);
        assert!(problems.is_empty());
        assert_eq!(config.transport, DriveTransport::Rest);
        assert_eq!(config.mcp_url, "https://drivemcp.googleapis.com/mcp/v1");
        let (mcp, _) = load(&[
            ("GOOGLE_DRIVE_TRANSPORT", "mcp"),
            (
                "GOOGLE_DRIVE_MCP_URL",
                "http://127.0.0.1:9020/drivemcp/mcp/v1",
            ),
        ]);
        assert_eq!(mcp.transport, DriveTransport::Mcp);
        assert_eq!(mcp.mcp_url, "http://127.0.0.1:9020/drivemcp/mcp/v1");
        let (_, bad) = load(&[("GOOGLE_DRIVE_TRANSPORT", "grpc")]);
        assert_eq!(bad[0].setting, "GOOGLE_DRIVE_TRANSPORT");
    }

    #[test]
    fn rest_is_flagged_from_the_day_google_enforces_mcp() {
        use time::macros::date;
        assert!(!warn_after_enforcement(
            DriveTransport::Rest,
            date!(2027 - 01 - 31)
        ));
        assert!(warn_after_enforcement(
            DriveTransport::Rest,
            date!(2027 - 02 - 01)
        ));
        assert!(warn_after_enforcement(
            DriveTransport::Rest,
            date!(2028 - 06 - 01)
        ));
        assert!(!warn_after_enforcement(
            DriveTransport::Mcp,
            date!(2028 - 06 - 01)
        ));
    }

    #[test]
    fn the_outbound_app_defaults_to_google_drive() {
        assert_eq!(load(&[]).0.app, "google-drive");
        let (config, _) = load(&[("DESCOPE_OUTBOUND_APP_GOOGLE", "gdrive-prod")]);
        assert_eq!(config.app, "gdrive-prod");
    }
}
