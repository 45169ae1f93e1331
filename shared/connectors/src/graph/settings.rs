//! SharePoint's (Microsoft Graph's) settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `SHAREPOINT_MODE` | see [`crate::config`] |
//! | `DESCOPE_OUTBOUND_APP_MICROSOFT` | `microsoft`: the outbound app id configured in Descope |
//! | `GRAPH_BASE_URL` | `https://graph.microsoft.com` |
//! | `GRAPH_DOWNLOAD_HOSTS` | [`crate::DEFAULT_DOWNLOAD_HOSTS`]: the only hosts a `/content` redirect is followed to, over https; loopback too only when `GRAPH_BASE_URL` is itself a loopback URL (the local fakes) |
//! | `MICROSOFT_LOGIN_BASE_URL` | `https://login.microsoftonline.com` |
//! | `MICROSOFT_TENANT_ID`, `MICROSOFT_CLIENT_ID`, `GRAPH_REGION` | none; required with `SHAREPOINT_MODE=service` (Graph requires a region for app-only search) |
//!
//! Service mode is client credentials (secret key `microsoft_client_secret`) shared by every
//! caller, so it must be acknowledged in `ALLOW_SHARED_CREDENTIALS`.

use std::sync::Arc;

use crate::broker::{MicrosoftClientCredentials, TokenBroker};
use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::{Access, Source, SourceKind};

use super::Graph;

/// What a user's token asks Microsoft for.
pub(crate) const MICROSOFT_SCOPES: [&str; 2] = ["Files.Read.All", "Sites.Read.All"];
/// The secret key of the Entra app's client secret.
pub(crate) const CLIENT_SECRET_KEY: &str = "microsoft_client_secret";

/// SharePoint's settings.
#[derive(Debug, Clone)]
pub(crate) struct GraphSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_MICROSOFT`.
    app: String,
    /// `GRAPH_BASE_URL`.
    base_url: String,
    /// `GRAPH_DOWNLOAD_HOSTS`.
    download_hosts: crate::DownloadHosts,
    /// `MICROSOFT_LOGIN_BASE_URL`.
    login_base_url: String,
    /// `MICROSOFT_TENANT_ID`.
    tenant_id: Option<String>,
    /// `MICROSOFT_CLIENT_ID`.
    client_id: Option<String>,
    /// `GRAPH_REGION` (e.g. `NAM`, `EMEA`).
    region: Option<String>,
}

/// Reads SharePoint's settings.
pub(crate) fn read(env: &Env<'_>, mode: Mode, problems: &mut Vec<ConfigProblem>) -> GraphSettings {
    let settings = GraphSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_MICROSOFT", "microsoft"),
        download_hosts: download_hosts(
            env.get("GRAPH_DOWNLOAD_HOSTS").as_deref(),
            env.get("GRAPH_BASE_URL").as_deref(),
            problems,
        ),
        base_url: env.get_or("GRAPH_BASE_URL", "https://graph.microsoft.com"),
        login_base_url: env.get_or(
            "MICROSOFT_LOGIN_BASE_URL",
            "https://login.microsoftonline.com",
        ),
        tenant_id: env.get("MICROSOFT_TENANT_ID"),
        client_id: env.get("MICROSOFT_CLIENT_ID"),
        region: env.get("GRAPH_REGION"),
    };
    if mode == Mode::Service {
        for (setting, value) in [
            ("MICROSOFT_TENANT_ID", &settings.tenant_id),
            ("MICROSOFT_CLIENT_ID", &settings.client_id),
            ("GRAPH_REGION", &settings.region),
        ] {
            if value.is_none() {
                problems.push(ConfigProblem {
                    setting,
                    problem: "is required when SHAREPOINT_MODE=service".into(),
                });
            }
        }
    }
    settings
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(read(env, mode, problems))
}

impl SourceSettings for GraphSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::Sharepoint
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
        let broker = self.broker(context, problems)?;
        let base = context.base_url("GRAPH_BASE_URL", &self.base_url, problems)?;
        Some(Arc::new(Connected {
            connector: Graph::new(
                context.http(),
                base,
                self.region.clone(),
                context.content_limits(),
                self.download_hosts.clone(),
            ),
            broker,
            write_broker: None,
            access,
        }))
    }
}

impl GraphSettings {
    /// The token broker of this mode.
    fn broker(
        &self,
        context: &BuildContext<'_>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn TokenBroker>> {
        match self.mode {
            Mode::Disabled => None,
            Mode::DescopeOutbound => context.outbound(
                self.kind(),
                &self.app,
                MICROSOFT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
                problems,
            ),
            Mode::Service => {
                let secret =
                    context.secret(CLIENT_SECRET_KEY, "SHAREPOINT_MODE=service", problems)?;
                let (Some(tenant), Some(client)) = (&self.tenant_id, &self.client_id) else {
                    // The configuration refuses this already; kept so the stand-in names it.
                    problems.push(ConfigProblem {
                        setting: "MICROSOFT_TENANT_ID",
                        problem: "MICROSOFT_TENANT_ID and MICROSOFT_CLIENT_ID are required with SHAREPOINT_MODE=service".into(),
                    });
                    return None;
                };
                let login =
                    context.base_url("MICROSOFT_LOGIN_BASE_URL", &self.login_base_url, problems)?;
                Some(Arc::new(
                    MicrosoftClientCredentials::new(
                        context.http(),
                        &login,
                        tenant,
                        client,
                        secret.clone(),
                    )
                    .with_shared_cache(context.shared_cache()),
                ))
            }
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)], mode: Mode) -> (GraphSettings, Vec<ConfigProblem>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let lookup = |k: &str| map.get(k).cloned();
        let mut problems = Vec::new();
        (read(&Env(&lookup), mode, &mut problems), problems)
    }

    #[test]
    fn download_hosts_default_to_microsoft_and_loopback_follows_the_graph_base() {
        let production = load(&[], Mode::DescopeOutbound).0.download_hosts;
        assert_eq!(production, crate::DownloadHosts::default());
        let local = load(
            &[("GRAPH_BASE_URL", "http://127.0.0.1:9020")],
            Mode::DescopeOutbound,
        )
        .0
        .download_hosts;
        let fake_download = url::Url::parse("http://127.0.0.1:9021/download/t").unwrap();
        assert!(production.check(&fake_download).is_err());
        assert_eq!(local.check(&fake_download), Ok(()));
        let (_, bad) = load(
            &[("GRAPH_DOWNLOAD_HOSTS", "169.254.169.254")],
            Mode::DescopeOutbound,
        );
        assert_eq!(bad[0].setting, "GRAPH_DOWNLOAD_HOSTS");
    }

    #[test]
    fn service_mode_needs_the_tenant_the_client_and_the_region() {
        let (_, problems) = load(&[("MICROSOFT_TENANT_ID", "t")], Mode::Service);
        let settings: Vec<_> = problems.iter().map(|p| p.setting).collect();
        assert_eq!(settings, ["MICROSOFT_CLIENT_ID", "GRAPH_REGION"]);
        assert!(load(&[], Mode::DescopeOutbound).1.is_empty());
    }
}
