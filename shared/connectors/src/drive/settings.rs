//! Google Drive's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `GOOGLE_DRIVE_MODE` | see [`crate::config`] |
//! | `DESCOPE_OUTBOUND_APP_GOOGLE` | `google-drive`: the outbound app id configured in Descope |
//! | `GOOGLE_API_BASE_URL` | `https://www.googleapis.com` |
//! | `GOOGLE_TOKEN_URL` | the service account's `token_uri` |
//! | `GOOGLE_WORKSPACE_DOMAINS` | none; required with `GOOGLE_DRIVE_MODE=service` |
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

use super::{DRIVE_WRITE_SCOPE, Drive};

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
        let base = context.base_url("GOOGLE_API_BASE_URL", &self.api_base_url, problems)?;
        // Comments get a broker of their own asking for `drive`, so a read never carries write
        // permission (see `comment.rs`). Built from the same settings as the read broker, so its
        // problems are already reported.
        let write_broker = self.broker(context, DRIVE_WRITE_SCOPE, &mut Vec::new());
        Some(Arc::new(Connected {
            connector: Drive::new(context.http(), base, context.content_limits()),
            broker,
            write_broker,
            timeout: context.timeout(),
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
                .map(|broker| Arc::new(broker) as Arc<dyn TokenBroker>)
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
    fn the_outbound_app_defaults_to_google_drive() {
        assert_eq!(load(&[]).0.app, "google-drive");
        let (config, _) = load(&[("DESCOPE_OUTBOUND_APP_GOOGLE", "gdrive-prod")]);
        assert_eq!(config.app, "gdrive-prod");
    }
}
