//! Building the configured sources from settings and credentials.

use std::sync::Arc;

use secrecy::SecretString;

use crate::broker::{
    DescopeOutbound, GoogleDelegation, MicrosoftClientCredentials, StaticToken, TokenBroker,
};
use crate::config::{ConfigProblem, ConnectorsConfig, Mode};
use crate::connector::Connected;
use crate::drive::Drive;
use crate::endpoint::BaseUrl;
use crate::graph::Graph;
use crate::notion::Notion;
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

/// The access of Notion or SharePoint in `mode`; says so in the log, once, when it is shared.
fn access(kind: SourceKind, mode: Mode) -> Access {
    if mode != Mode::Service {
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

/// Builds every enabled source, or names each missing setting or credential.
pub fn build_sources(
    config: &ConnectorsConfig,
    credentials: &UpstreamCredentials,
    http: &reqwest::Client,
) -> Result<Vec<Arc<dyn Source>>, Vec<ConfigProblem>> {
    let mut problems = Vec::new();
    let mut sources: Vec<Arc<dyn Source>> = Vec::new();
    let outbound = |kind: SourceKind,
                    app: &str,
                    scopes: Vec<String>,
                    problems: &mut Vec<ConfigProblem>|
     -> Option<Arc<dyn TokenBroker>> {
        let Some(key) = &credentials.descope_management_key else {
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
            http.clone(),
            &base,
            project,
            key,
            app,
            scopes,
            hint,
        )))
    };

    // Each Google broker is built twice: for reads (`drive.readonly`) and for comments (`drive`),
    // so a read never carries write permission (see `comment.rs`).
    let google_broker =
        |scope: &str, problems: &mut Vec<ConfigProblem>| -> Option<Arc<dyn TokenBroker>> {
            match config.google_mode {
                Mode::Disabled => None,
                Mode::DescopeOutbound => outbound(
                    SourceKind::GoogleDrive,
                    &config.apps[0],
                    vec![scope.into()],
                    problems,
                ),
                Mode::Service => match &credentials.google_service_account {
                    None => {
                        problems.push(missing(
                            "google_service_account",
                            "GOOGLE_DRIVE_MODE=service",
                        ));
                        None
                    }
                    Some(json) => match GoogleDelegation::new(
                        http.clone(),
                        json,
                        config.google_token_url.as_deref(),
                        scope,
                        config.google_workspace_domains.clone(),
                    ) {
                        Ok(broker) => Some(Arc::new(broker)),
                        Err(err) => {
                            problems.push(ConfigProblem {
                                setting: "google_service_account",
                                problem: err.to_string(),
                            });
                            None
                        }
                    },
                },
            }
        };
    let google = google_broker(GOOGLE_SCOPE, &mut problems);
    // Built from the same settings as the read broker, so its problems are already reported.
    let google_write = google
        .is_some()
        .then(|| google_broker(crate::drive::DRIVE_WRITE_SCOPE, &mut Vec::new()))
        .flatten();
    if let Some(broker) = google
        && let Some(base_url) = base_url(
            "GOOGLE_API_BASE_URL",
            &config.google_api_base_url,
            &mut problems,
        )
    {
        sources.push(Arc::new(Connected {
            connector: Drive::new(http.clone(), base_url),
            broker,
            write_broker: google_write,
            timeout: config.timeout,
            // Both modes act as the user: their own token, or delegation impersonating them.
            access: Access::PerUser,
        }));
    }

    let notion: Option<Arc<dyn TokenBroker>> = match config.notion_mode {
        Mode::Disabled => None,
        Mode::DescopeOutbound => outbound(
            SourceKind::Notion,
            &config.apps[1],
            Vec::new(),
            &mut problems,
        ),
        Mode::Service => match &credentials.notion_token {
            None => {
                problems.push(missing("notion_token", "NOTION_MODE=service"));
                None
            }
            Some(token) => Some(Arc::new(StaticToken(token.clone()))),
        },
    };
    if let Some(broker) = notion
        && let Some(base_url) = base_url(
            "NOTION_API_BASE_URL",
            &config.notion_api_base_url,
            &mut problems,
        )
    {
        sources.push(Arc::new(Connected {
            connector: Notion::new(http.clone(), base_url),
            // Notion has no scopes: the integration's capabilities decide what a token may do.
            write_broker: None,
            broker,
            timeout: config.timeout,
            access: access(SourceKind::Notion, config.notion_mode),
        }));
    }

    let sharepoint: Option<Arc<dyn TokenBroker>> = match config.sharepoint_mode {
        Mode::Disabled => None,
        Mode::DescopeOutbound => outbound(
            SourceKind::Sharepoint,
            &config.apps[2],
            MICROSOFT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            &mut problems,
        ),
        Mode::Service => match (
            &credentials.microsoft_client_secret,
            &config.microsoft_tenant_id,
            &config.microsoft_client_id,
        ) {
            (Some(secret), Some(tenant), Some(client)) => base_url(
                "MICROSOFT_LOGIN_BASE_URL",
                &config.microsoft_login_base_url,
                &mut problems,
            )
            .map(|login| {
                Arc::new(MicrosoftClientCredentials::new(
                    http.clone(),
                    &login,
                    tenant,
                    client,
                    secret.clone(),
                )) as Arc<dyn TokenBroker>
            }),
            (None, _, _) => {
                problems.push(missing(
                    "microsoft_client_secret",
                    "SHAREPOINT_MODE=service",
                ));
                None
            }
            _ => None, // Tenant and client id problems are reported by the configuration.
        },
    };
    if let Some(broker) = sharepoint
        && let Some(base_url) = base_url("GRAPH_BASE_URL", &config.graph_base_url, &mut problems)
    {
        sources.push(Arc::new(Connected {
            connector: Graph::new(http.clone(), base_url, config.graph_region.clone()),
            write_broker: None,
            broker,
            timeout: config.timeout,
            access: access(SourceKind::Sharepoint, config.sharepoint_mode),
        }));
    }

    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(problems)
    }
}
