//! Building the configured sources from settings and credentials.
//!
//! Each enabled source is built on its own: a missing or unusable credential disables only that
//! source (a [`Disabled`] stand-in reports why on every call) and is listed among the problems
//! `/health` reports; the other sources keep serving.

use std::sync::Arc;

use secrecy::SecretString;

use crate::broker::{
    DescopeOutbound, GoogleDelegation, MicrosoftClientCredentials, StaticToken, TokenBroker,
};
use crate::calendar::Calendar;
use crate::config::{ConfigProblem, ConnectorsConfig, Mode};
use crate::connector::Connected;
use crate::disabled::Disabled;
use crate::drive::Drive;
use crate::endpoint::BaseUrl;
use crate::graph::Graph;
use crate::notion::Notion;
use crate::outlook_calendar::OutlookCalendar;
use crate::{Access, Source, SourceKind};

/// Upstream credentials, from the project's secret. Never logged (`SecretString`).
#[derive(Default)]
pub struct UpstreamCredentials {
    /// `descope_management_key`.
    pub descope_management_key: Option<SecretString>,
    /// `google_service_account`: the service-account key JSON.
    pub google_service_account: Option<SecretString>,
    /// `notion_token`: an internal-integration token.
    pub notion_token: Option<SecretString>,
    /// `microsoft_client_secret`.
    pub microsoft_client_secret: Option<SecretString>,
}

/// The scope asked of Google, for both outbound and delegated tokens.
const GOOGLE_SCOPE: &str = "https://www.googleapis.com/auth/drive.readonly";
const MICROSOFT_SCOPES: [&str; 2] = ["Files.Read.All", "Sites.Read.All"];

/// Parses one base URL setting, recording a problem when it is unusable.
fn base_url(
    setting: &'static str,
    value: &str,
    problems: &mut Vec<ConfigProblem>,
) -> Option<BaseUrl> {
    BaseUrl::parse(setting, value)
        .map_err(|problem| problems.push(problem))
        .ok()
}

/// The access of a source in `mode`; says so in the log, once, when it is shared.
fn access(kind: SourceKind, mode: Mode) -> Access {
    // Drive acts as the user in both modes: their own token, or delegation impersonating them.
    if mode != Mode::Service || kind == SourceKind::GoogleDrive {
        return Access::PerUser;
    }
    tracing::warn!(
        source = kind.as_str(),
        access = Access::Shared.as_str(),
        "{} runs on a shared credential (acknowledged in ALLOW_SHARED_CREDENTIALS): every caller sees what the integration can see, not their own permissions",
        kind.display_name()
    );
    Access::Shared
}

fn missing(key: &'static str, why: &str) -> ConfigProblem {
    ConfigProblem {
        setting: key,
        problem: format!("is missing from the secret; {why} needs it"),
    }
}

/// The sources a configuration asks for: every one that could be built, and for each one that
/// could not, a stand-in that reports why; `problems` says what to fix.
#[derive(Default)]
pub struct BuiltSources {
    /// One per enabled source, in [`SourceKind::ALL`] order.
    pub sources: Vec<Arc<dyn Source>>,
    /// Each missing or invalid setting or credential (for the log and `/health`).
    pub problems: Vec<ConfigProblem>,
}

/// Builds every enabled source, or names each missing setting or credential (all or nothing; a
/// service uses [`build_available_sources`], so one bad credential disables only its source).
pub fn build_sources(
    config: &ConnectorsConfig,
    credentials: &UpstreamCredentials,
    http: &reqwest::Client,
) -> Result<Vec<Arc<dyn Source>>, Vec<ConfigProblem>> {
    let built = build_available_sources(config, credentials, http);
    if built.problems.is_empty() {
        Ok(built.sources)
    } else {
        Err(built.problems)
    }
}

/// Builds every enabled source; one that cannot be built is replaced by a stand-in answering
/// `error` with the settings to fix, and its problems are logged and returned.
pub fn build_available_sources(
    config: &ConnectorsConfig,
    credentials: &UpstreamCredentials,
    http: &reqwest::Client,
) -> BuiltSources {
    let builder = Builder {
        config,
        credentials,
        http,
    };
    let mut built = BuiltSources::default();
    for kind in SourceKind::ALL {
        let mode = match kind {
            SourceKind::GoogleDrive => config.google_mode,
            SourceKind::Notion => config.notion_mode,
            SourceKind::Sharepoint => config.sharepoint_mode,
            SourceKind::GoogleCalendar => config.google_calendar_mode,
            SourceKind::OutlookCalendar => config.outlook_calendar_mode,
        };
        if mode == Mode::Disabled {
            continue;
        }
        let mut problems = Vec::new();
        let access = access(kind, mode);
        match builder.source(kind, mode, access, &mut problems) {
            Some(source) if problems.is_empty() => built.sources.push(source),
            _ => {
                let mut settings: Vec<&'static str> = problems.iter().map(|p| p.setting).collect();
                settings.dedup();
                for p in &problems {
                    tracing::error!(
                        source = kind.as_str(),
                        setting = p.setting,
                        problem = %p.problem,
                        "source disabled: a setting or credential is unusable"
                    );
                }
                built
                    .sources
                    .push(Arc::new(Disabled::new(kind, access, &settings)));
                built.problems.extend(problems);
            }
        }
    }
    built
}

/// What every source is built from.
struct Builder<'a> {
    config: &'a ConnectorsConfig,
    credentials: &'a UpstreamCredentials,
    http: &'a reqwest::Client,
}

impl Builder<'_> {
    /// One source in `mode` (not `Disabled`), or `None` with its problems recorded.
    fn source(
        &self,
        kind: SourceKind,
        mode: Mode,
        access: Access,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn Source>> {
        let broker = self.broker(kind, mode, GOOGLE_SCOPE, problems)?;
        let config = self.config;
        let http = self.http.clone();
        let timeout = config.timeout;
        Some(match kind {
            SourceKind::GoogleDrive => {
                let base = base_url("GOOGLE_API_BASE_URL", &config.google_api_base_url, problems)?;
                // Comments get a broker of their own asking for `drive`, so a read never carries
                // write permission (see `comment.rs`). Built from the same settings as the read
                // broker, so its problems are already reported.
                let write_broker =
                    self.broker(kind, mode, crate::drive::DRIVE_WRITE_SCOPE, &mut Vec::new());
                Arc::new(Connected {
                    connector: Drive::new(http, base, config.content),
                    broker,
                    write_broker,
                    timeout,
                    access,
                })
            }
            SourceKind::Notion => {
                let base = base_url("NOTION_API_BASE_URL", &config.notion_api_base_url, problems)?;
                Arc::new(Connected {
                    connector: Notion::new(http, base),
                    broker,
                    // Notion has no scopes: the integration's capabilities decide what a token
                    // may do.
                    write_broker: None,
                    timeout,
                    access,
                })
            }
            SourceKind::Sharepoint => {
                let base = base_url("GRAPH_BASE_URL", &config.graph_base_url, problems)?;
                Arc::new(Connected {
                    connector: Graph::new(
                        http,
                        base,
                        config.graph_region.clone(),
                        config.content,
                        config.graph_download_hosts.clone(),
                    ),
                    broker,
                    write_broker: None,
                    timeout,
                    access,
                })
            }
            SourceKind::GoogleCalendar => crate::google_calendar::build(
                http,
                &config.google_calendar_mcp_url,
                broker,
                timeout,
                problems,
            )?,
            SourceKind::OutlookCalendar => {
                let base = base_url("GRAPH_BASE_URL", &config.graph_base_url, problems)?;
                Arc::new(Calendar {
                    api: OutlookCalendar::new(http, base),
                    broker,
                    timeout,
                })
            }
        })
    }

    /// The token broker for `kind` in `mode`; Google's asks for `google_scope`.
    fn broker(
        &self,
        kind: SourceKind,
        mode: Mode,
        google_scope: &str,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn TokenBroker>> {
        match mode {
            Mode::Disabled => None,
            Mode::DescopeOutbound => self.outbound(kind, google_scope, problems),
            Mode::Service => self.service_broker(kind, google_scope, problems),
        }
    }

    /// The user's own token for `kind` through Descope Outbound Apps.
    fn outbound(
        &self,
        kind: SourceKind,
        google_scope: &str,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn TokenBroker>> {
        let config = self.config;
        let (app, scopes) = match kind {
            SourceKind::GoogleDrive => (&config.apps[0], vec![google_scope.into()]),
            SourceKind::Notion => (&config.apps[1], Vec::new()),
            SourceKind::Sharepoint => (
                &config.apps[2],
                MICROSOFT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            ),
            // The calendars ask the same outbound apps for their own, narrower scopes only.
            SourceKind::GoogleCalendar => {
                (&config.apps[0], vec![crate::google_calendar::SCOPE.into()])
            }
            SourceKind::OutlookCalendar => {
                (&config.apps[2], vec![crate::outlook_calendar::SCOPE.into()])
            }
        };
        let Some(key) = &self.credentials.descope_management_key else {
            problems.push(missing("descope_management_key", "descope_outbound mode"));
            return None;
        };
        let project = config.descope_project_id.as_deref().unwrap_or_default();
        let hint = match &config.connect_url {
            Some(url) => format!(
                "Connect your {} account at {url}, then try again.",
                kind.display_name()
            ),
            None => format!(
                "Connect your {} account to workplace-mcp (ask your administrator for the link), then try again.",
                kind.display_name()
            ),
        };
        let base = base_url("DESCOPE_BASE_URL", &config.descope_base_url, problems)?;
        Some(Arc::new(DescopeOutbound::new(
            self.http.clone(),
            &base,
            project,
            key,
            app,
            scopes,
            hint,
        )))
    }

    /// The service credential for `kind`: delegation as the user for Google, a shared integration
    /// token for Notion, client credentials for Microsoft.
    fn service_broker(
        &self,
        kind: SourceKind,
        google_scope: &str,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn TokenBroker>> {
        let (config, credentials) = (self.config, self.credentials);
        match kind {
            SourceKind::GoogleDrive => {
                let Some(json) = &credentials.google_service_account else {
                    problems.push(missing(
                        "google_service_account",
                        "GOOGLE_DRIVE_MODE=service",
                    ));
                    return None;
                };
                GoogleDelegation::new(
                    self.http.clone(),
                    json,
                    config.google_token_url.as_deref(),
                    google_scope,
                    config.google_workspace_domains.clone(),
                )
                .map(|broker| Arc::new(broker) as Arc<dyn TokenBroker>)
                .map_err(|err| {
                    problems.push(ConfigProblem {
                        setting: "google_service_account",
                        problem: err.to_string(),
                    });
                })
                .ok()
            }
            SourceKind::Notion => {
                let Some(token) = &credentials.notion_token else {
                    problems.push(missing("notion_token", "NOTION_MODE=service"));
                    return None;
                };
                Some(Arc::new(StaticToken(token.clone())))
            }
            SourceKind::Sharepoint => {
                let Some(secret) = &credentials.microsoft_client_secret else {
                    problems.push(missing(
                        "microsoft_client_secret",
                        "SHAREPOINT_MODE=service",
                    ));
                    return None;
                };
                let (Some(tenant), Some(client)) =
                    (&config.microsoft_tenant_id, &config.microsoft_client_id)
                else {
                    // The configuration refuses this already; kept so the stand-in names it.
                    problems.push(ConfigProblem {
                        setting: "MICROSOFT_TENANT_ID",
                        problem: "MICROSOFT_TENANT_ID and MICROSOFT_CLIENT_ID are required with SHAREPOINT_MODE=service".into(),
                    });
                    return None;
                };
                let login = base_url(
                    "MICROSOFT_LOGIN_BASE_URL",
                    &config.microsoft_login_base_url,
                    problems,
                )?;
                Some(Arc::new(MicrosoftClientCredentials::new(
                    self.http.clone(),
                    &login,
                    tenant,
                    client,
                    secret.clone(),
                )))
            }
            // The configuration refuses `service` for calendars already; kept so a stand-in
            // names why.
            SourceKind::GoogleCalendar | SourceKind::OutlookCalendar => {
                problems.push(ConfigProblem {
                    setting: if kind == SourceKind::GoogleCalendar {
                        "GOOGLE_CALENDAR_MODE"
                    } else {
                        "OUTLOOK_CALENDAR_MODE"
                    },
                    problem: format!(
                        "{} has no service mode: it is read only with each user's own token (descope_outbound)",
                        kind.display_name()
                    ),
                });
                None
            }
        }
    }
}
