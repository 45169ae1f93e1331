//! Connector settings, read once at cold start. Each source is in one mode:
//!
//! | variable | values | default |
//! |---|---|---|
//! | `GOOGLE_DRIVE_MODE`, `NOTION_MODE`, `SHAREPOINT_MODE` | `descope_outbound`, `service`, `disabled` | `descope_outbound` when `DESCOPE_PROJECT_ID` is set, else `disabled` |
//!
//! | `GOOGLE_CALENDAR_MODE`, `OUTLOOK_CALENDAR_MODE` | `descope_outbound`, `disabled` | `disabled` |
//!
//! The calendars are opt-in (an existing deployment does not start reading calendars on an
//! upgrade) and have no `service` mode: they are read only with the user's own token.
//!
//! `descope_outbound` uses each user's own token (permission-aware by construction); `service`
//! uses a service credential: Google domain-wide delegation *as the user*, a Notion integration
//! token, or Microsoft client credentials (these two see what is shared with the integration or
//! app, not per user; choose them knowingly).
//!
//! A Notion integration token or Microsoft client credentials give every caller what the
//! integration can see. Turning either on therefore needs an explicit acknowledgement,
//! `ALLOW_SHARED_CREDENTIALS=notion,sharepoint` (the sources whose `service` mode is allowed);
//! otherwise the configuration is refused.
//!
//! Domain-wide delegation can impersonate anyone in the Workspace, so it acts only for a caller
//! whose token says `email_verified: true` and whose email is in one of the Workspace domains
//! listed in `GOOGLE_WORKSPACE_DOMAINS` (comma-separated, required with `GOOGLE_DRIVE_MODE=service`).

use std::time::Duration;

use crate::SourceKind;

/// How a source gets its upstream token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The user's own token from Descope Outbound Apps.
    DescopeOutbound,
    /// A service credential from the secret.
    Service,
    /// Not offered.
    Disabled,
}

/// One invalid setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The variable or secret key.
    pub setting: &'static str,
    /// What is wrong.
    pub problem: String,
}

/// Everything the connectors need besides credentials.
#[derive(Debug, Clone)]
pub struct ConnectorsConfig {
    /// Mode of Google Drive.
    pub google_mode: Mode,
    /// Mode of Notion.
    pub notion_mode: Mode,
    /// Mode of SharePoint.
    pub sharepoint_mode: Mode,
    /// Mode of Google Calendar (`GOOGLE_CALENDAR_MODE`): `descope_outbound` or `disabled`.
    pub google_calendar_mode: Mode,
    /// Mode of the Outlook calendar (`OUTLOOK_CALENDAR_MODE`): `descope_outbound` or `disabled`.
    pub outlook_calendar_mode: Mode,
    /// `GOOGLE_CALENDAR_MCP_URL` (default `https://calendarmcp.googleapis.com/mcp/v1`): Google's
    /// Calendar MCP server.
    pub google_calendar_mcp_url: String,
    /// `SOURCE_TIMEOUT_MS`: each call's deadline, retries included.
    pub timeout: Duration,
    /// `DESCOPE_BASE_URL` (default `https://api.descope.com`).
    pub descope_base_url: String,
    /// `DESCOPE_PROJECT_ID`.
    pub descope_project_id: Option<String>,
    /// `DESCOPE_OUTBOUND_APP_GOOGLE` / `_NOTION` / `_MICROSOFT` (defaults `google-drive`, `notion`,
    /// `microsoft`): the outbound app ids configured in Descope.
    pub apps: [String; 3],
    /// `DESCOPE_CONNECT_URL`: where a user connects their accounts; named in `reauth_required`.
    pub connect_url: Option<String>,
    /// `GOOGLE_API_BASE_URL` (default `https://www.googleapis.com`).
    pub google_api_base_url: String,
    /// `GOOGLE_TOKEN_URL` (default: the service account's `token_uri`).
    pub google_token_url: Option<String>,
    /// `GOOGLE_WORKSPACE_DOMAINS`: the email domains domain-wide delegation may act in, lowercase.
    /// Required when `GOOGLE_DRIVE_MODE=service`.
    pub google_workspace_domains: Vec<String>,
    /// `NOTION_API_BASE_URL` (default `https://api.notion.com`).
    pub notion_api_base_url: String,
    /// `GRAPH_BASE_URL` (default `https://graph.microsoft.com`).
    pub graph_base_url: String,
    /// `GRAPH_DOWNLOAD_HOSTS` (default [`crate::DEFAULT_DOWNLOAD_HOSTS`]): the only hosts a
    /// SharePoint `/content` redirect is followed to, over https. Loopback is allowed too only when
    /// `GRAPH_BASE_URL` is itself a loopback URL (the local fakes).
    pub graph_download_hosts: crate::DownloadHosts,
    /// `MICROSOFT_LOGIN_BASE_URL` (default `https://login.microsoftonline.com`).
    pub microsoft_login_base_url: String,
    /// `MICROSOFT_TENANT_ID`, required in service mode.
    pub microsoft_tenant_id: Option<String>,
    /// `MICROSOFT_CLIENT_ID`, required in service mode.
    pub microsoft_client_id: Option<String>,
    /// `GRAPH_REGION` (e.g. `NAM`, `EMEA`): required by Graph for app-only search.
    pub graph_region: Option<String>,
    /// `ALLOW_SHARED_CREDENTIALS`: the sources whose shared-credential (`service`) mode the
    /// operator acknowledged.
    pub allow_shared_credentials: Vec<SourceKind>,
    /// Caps on downloading and extracting Office and PDF files (`crate::limits`).
    pub content: crate::ContentLimits,
}

impl ConnectorsConfig {
    /// Reads the settings through `env`, collecting every problem.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<ConfigProblem>> {
        let get = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();
        let descope_project_id = get("DESCOPE_PROJECT_ID");
        let default_mode = if descope_project_id.is_some() {
            Mode::DescopeOutbound
        } else {
            Mode::Disabled
        };
        let mut mode = |setting: &'static str| match get(setting).as_deref() {
            None => default_mode,
            Some("descope_outbound") => Mode::DescopeOutbound,
            Some("service") => Mode::Service,
            Some("disabled") => Mode::Disabled,
            Some(other) => {
                problems.push(ConfigProblem {
                    setting,
                    problem: format!(
                        "must be descope_outbound, service or disabled (got `{other}`)"
                    ),
                });
                Mode::Disabled
            }
        };
        let (google_mode, notion_mode, sharepoint_mode) = (
            mode("GOOGLE_DRIVE_MODE"),
            mode("NOTION_MODE"),
            mode("SHAREPOINT_MODE"),
        );
        // Calendars are opt-in and per user only: no default from the Descope project, no
        // service mode.
        let mut calendar_mode = |setting: &'static str| match get(setting).as_deref() {
            None | Some("disabled") => Mode::Disabled,
            Some("descope_outbound") => Mode::DescopeOutbound,
            Some(other) => {
                problems.push(ConfigProblem {
                    setting,
                    problem: format!(
                        "must be descope_outbound or disabled (got `{other}`): calendars are read only with each user's own token"
                    ),
                });
                Mode::Disabled
            }
        };
        let (google_calendar_mode, outlook_calendar_mode) = (
            calendar_mode("GOOGLE_CALENDAR_MODE"),
            calendar_mode("OUTLOOK_CALENDAR_MODE"),
        );
        let timeout = get("SOURCE_TIMEOUT_MS")
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(Duration::from_secs(8), Duration::from_millis);
        let config = Self {
            google_mode,
            notion_mode,
            sharepoint_mode,
            google_calendar_mode,
            outlook_calendar_mode,
            google_calendar_mcp_url: get("GOOGLE_CALENDAR_MCP_URL")
                .unwrap_or_else(|| "https://calendarmcp.googleapis.com/mcp/v1".into()),
            timeout,
            descope_base_url: get("DESCOPE_BASE_URL")
                .unwrap_or_else(|| "https://api.descope.com".into()),
            apps: [
                get("DESCOPE_OUTBOUND_APP_GOOGLE").unwrap_or_else(|| "google-drive".into()),
                get("DESCOPE_OUTBOUND_APP_NOTION").unwrap_or_else(|| "notion".into()),
                get("DESCOPE_OUTBOUND_APP_MICROSOFT").unwrap_or_else(|| "microsoft".into()),
            ],
            connect_url: get("DESCOPE_CONNECT_URL"),
            google_api_base_url: get("GOOGLE_API_BASE_URL")
                .unwrap_or_else(|| "https://www.googleapis.com".into()),
            google_token_url: get("GOOGLE_TOKEN_URL"),
            google_workspace_domains: workspace_domains(
                get("GOOGLE_WORKSPACE_DOMAINS").as_deref(),
                google_mode,
                &mut problems,
            ),
            notion_api_base_url: get("NOTION_API_BASE_URL")
                .unwrap_or_else(|| "https://api.notion.com".into()),
            graph_download_hosts: download_hosts(
                get("GRAPH_DOWNLOAD_HOSTS").as_deref(),
                get("GRAPH_BASE_URL").as_deref(),
                &mut problems,
            ),
            graph_base_url: get("GRAPH_BASE_URL")
                .unwrap_or_else(|| "https://graph.microsoft.com".into()),
            microsoft_login_base_url: get("MICROSOFT_LOGIN_BASE_URL")
                .unwrap_or_else(|| "https://login.microsoftonline.com".into()),
            microsoft_tenant_id: get("MICROSOFT_TENANT_ID"),
            microsoft_client_id: get("MICROSOFT_CLIENT_ID"),
            graph_region: get("GRAPH_REGION"),
            allow_shared_credentials: shared_credentials(
                get("ALLOW_SHARED_CREDENTIALS").as_deref(),
                [
                    (SourceKind::Notion, notion_mode),
                    (SourceKind::Sharepoint, sharepoint_mode),
                ],
                &mut problems,
            ),
            descope_project_id,
            content: crate::ContentLimits::from_lookup(&get, &mut problems),
        };
        let outbound = [
            google_mode,
            notion_mode,
            sharepoint_mode,
            google_calendar_mode,
            outlook_calendar_mode,
        ]
        .contains(&Mode::DescopeOutbound);
        if outbound && config.descope_project_id.is_none() {
            problems.push(ConfigProblem {
                setting: "DESCOPE_PROJECT_ID",
                problem: "is required by descope_outbound sources".into(),
            });
        }
        if sharepoint_mode == Mode::Service {
            for (setting, value) in [
                ("MICROSOFT_TENANT_ID", &config.microsoft_tenant_id),
                ("MICROSOFT_CLIENT_ID", &config.microsoft_client_id),
                ("GRAPH_REGION", &config.graph_region),
            ] {
                if value.is_none() {
                    problems.push(ConfigProblem {
                        setting,
                        problem: "is required when SHAREPOINT_MODE=service".into(),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }
}

/// Parses `GRAPH_DOWNLOAD_HOSTS`; loopback downloads are allowed only when `graph_base_url` is
/// itself a loopback `http(s)` URL, which only the local fakes are.
fn download_hosts(
    value: Option<&str>,
    graph_base_url: Option<&str>,
    problems: &mut Vec<ConfigProblem>,
) -> crate::DownloadHosts {
    let graph_on_loopback = graph_base_url
        .and_then(|u| url::Url::parse(u).ok())
        .is_some_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && match u.host() {
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                    None => false,
                }
        });
    crate::DownloadHosts::parse("GRAPH_DOWNLOAD_HOSTS", value, graph_on_loopback).unwrap_or_else(
        |problem| {
            problems.push(problem);
            crate::DownloadHosts::default()
        },
    )
}

/// Parses `ALLOW_SHARED_CREDENTIALS` and refuses a shared-credential mode it does not name.
fn shared_credentials(
    value: Option<&str>,
    modes: [(SourceKind, Mode); 2],
    problems: &mut Vec<ConfigProblem>,
) -> Vec<SourceKind> {
    const SETTING: &str = "ALLOW_SHARED_CREDENTIALS";
    let mut allowed = Vec::new();
    for name in value.unwrap_or_default().split(',').map(str::trim) {
        match name.parse::<SourceKind>() {
            Ok(kind @ (SourceKind::Notion | SourceKind::Sharepoint)) => allowed.push(kind),
            _ if name.is_empty() => {}
            _ => problems.push(ConfigProblem {
                setting: SETTING,
                problem: format!("lists `{name}`; only notion and sharepoint have a shared mode"),
            }),
        }
    }
    for (kind, mode) in modes {
        if mode == Mode::Service && !allowed.contains(&kind) {
            problems.push(ConfigProblem {
                setting: SETTING,
                problem: format!(
                    "must include {kind} to run {} in service mode: one credential would serve every caller, who then sees what the integration can see instead of their own permissions",
                    kind.display_name()
                ),
            });
        }
    }
    allowed
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

    fn load(pairs: &[(&str, &str)]) -> Result<ConnectorsConfig, Vec<ConfigProblem>> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        ConnectorsConfig::from_lookup(&|k| map.get(k).cloned())
    }

    #[test]
    fn modes_default_from_the_descope_project() {
        let config = load(&[("DESCOPE_PROJECT_ID", "P2x")]).unwrap();
        assert_eq!(config.google_mode, Mode::DescopeOutbound);
        assert_eq!(load(&[]).unwrap().notion_mode, Mode::Disabled);
    }

    #[test]
    fn calendars_are_opt_in_and_per_user_only() {
        let config = load(&[("DESCOPE_PROJECT_ID", "P2x")]).unwrap();
        assert_eq!(config.google_calendar_mode, Mode::Disabled);
        assert_eq!(config.outlook_calendar_mode, Mode::Disabled);
        let on = load(&[
            ("DESCOPE_PROJECT_ID", "P2x"),
            ("GOOGLE_CALENDAR_MODE", "descope_outbound"),
            ("OUTLOOK_CALENDAR_MODE", "descope_outbound"),
        ])
        .unwrap();
        assert_eq!(on.google_calendar_mode, Mode::DescopeOutbound);
        assert_eq!(on.outlook_calendar_mode, Mode::DescopeOutbound);
        let service = load(&[("OUTLOOK_CALENDAR_MODE", "service")]).unwrap_err();
        assert_eq!(service[0].setting, "OUTLOOK_CALENDAR_MODE");
        assert!(service[0].problem.contains("own token"), "{:?}", service[0]);
        let no_project = load(&[("GOOGLE_CALENDAR_MODE", "descope_outbound")]).unwrap_err();
        assert_eq!(no_project[0].setting, "DESCOPE_PROJECT_ID");
    }

    #[test]
    fn delegation_needs_workspace_domains() {
        let problems = load(&[("GOOGLE_DRIVE_MODE", "service")]).unwrap_err();
        assert_eq!(problems[0].setting, "GOOGLE_WORKSPACE_DOMAINS");
        let config = load(&[
            ("GOOGLE_DRIVE_MODE", "service"),
            (
                "GOOGLE_WORKSPACE_DOMAINS",
                " Acme.example, corp.acme.example ,",
            ),
        ])
        .unwrap();
        assert_eq!(
            config.google_workspace_domains,
            ["acme.example", "corp.acme.example"]
        );
        let bad = load(&[
            ("GOOGLE_DRIVE_MODE", "service"),
            ("GOOGLE_WORKSPACE_DOMAINS", "alice@acme.example"),
        ])
        .unwrap_err();
        assert_eq!(bad[0].setting, "GOOGLE_WORKSPACE_DOMAINS");
    }

    #[test]
    fn shared_credentials_need_an_acknowledgement() {
        let notion = [("NOTION_MODE", "service")];
        let problems = load(&notion).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].setting, "ALLOW_SHARED_CREDENTIALS");
        assert!(problems[0].problem.contains("notion"), "{:?}", problems[0]);
        let config = load(&[
            ("NOTION_MODE", "service"),
            ("ALLOW_SHARED_CREDENTIALS", "notion, sharepoint"),
        ])
        .unwrap();
        assert_eq!(
            config.allow_shared_credentials,
            [SourceKind::Notion, SourceKind::Sharepoint]
        );
        let wrong = load(&[("ALLOW_SHARED_CREDENTIALS", "google_drive")]).unwrap_err();
        assert_eq!(wrong[0].setting, "ALLOW_SHARED_CREDENTIALS");
        // Delegation acts as each user: it is not a shared credential.
        let drive = [
            ("GOOGLE_DRIVE_MODE", "service"),
            ("GOOGLE_WORKSPACE_DOMAINS", "acme.example"),
        ];
        assert!(load(&drive).is_ok());
    }

    #[test]
    fn problems_name_the_setting() {
        let problems = load(&[
            ("NOTION_MODE", "magic"),
            ("SHAREPOINT_MODE", "service"),
            ("ALLOW_SHARED_CREDENTIALS", "sharepoint"),
        ])
        .unwrap_err();
        let settings: Vec<_> = problems.iter().map(|p| p.setting).collect();
        assert_eq!(
            settings,
            [
                "NOTION_MODE",
                "MICROSOFT_TENANT_ID",
                "MICROSOFT_CLIENT_ID",
                "GRAPH_REGION"
            ]
        );
    }

    #[test]
    fn download_hosts_default_to_microsoft_and_loopback_follows_the_graph_base() {
        let production = load(&[]).unwrap().graph_download_hosts;
        assert_eq!(production, crate::DownloadHosts::default());
        let local = load(&[("GRAPH_BASE_URL", "http://127.0.0.1:9020")])
            .unwrap()
            .graph_download_hosts;
        let fake_download = url::Url::parse("http://127.0.0.1:9021/download/t").unwrap();
        assert!(production.check(&fake_download).is_err());
        assert_eq!(local.check(&fake_download), Ok(()));
        let bad = load(&[("GRAPH_DOWNLOAD_HOSTS", "169.254.169.254")]).unwrap_err();
        assert_eq!(bad[0].setting, "GRAPH_DOWNLOAD_HOSTS");
    }
}
