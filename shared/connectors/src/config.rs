//! Connector settings, read once at cold start. Each source is in one mode:
//!
//! | variable | values | default |
//! |---|---|---|
//! | `<SOURCE>_MODE` (each registry entry's `mode_setting`: `GOOGLE_DRIVE_MODE`, `NOTION_MODE`, `SHAREPOINT_MODE`, ...) | `descope_outbound`, `service`, `disabled` | `descope_outbound` when `DESCOPE_PROJECT_ID` is set, else `disabled`; `disabled` for a source whose entry is not `on_by_default` |
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
//! Everything else a source reads (its base URL, outbound app id, service-mode settings) is read
//! and validated by its own folder (`<source>/settings.rs`), named by its registry entry
//! ([`crate::registry`]).

use std::fmt;
use std::sync::Arc;

use crate::build::BuildContext;
use crate::{Access, Source, SourceKind};

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

/// The process environment (or a test's map), read through one function.
pub struct Env<'a>(pub(crate) &'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    /// A setting's value, trimmed; `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A setting's value, or `default`.
    pub fn get_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }
}

/// One source's settings, read and validated by its folder (`<source>/settings.rs`): what it
/// needs to be built in its mode.
pub trait SourceSettings: fmt::Debug + Send + Sync {
    /// Which source these settings are for.
    fn kind(&self) -> SourceKind;

    /// The source's mode.
    fn mode(&self) -> Mode;

    /// Builds the source (its mode is not `Disabled`): the broker its mode asks for and the
    /// connector; `None` with `problems` recorded when a setting or credential is unusable.
    fn build(
        &self,
        context: &BuildContext<'_>,
        access: Access,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn Source>>;
}

/// Everything the connectors need besides credentials.
#[derive(Debug, Clone)]
pub struct ConnectorsConfig {
    /// Each source's settings, in [`SourceKind::ALL`] order (one per registry entry).
    pub sources: Vec<Arc<dyn SourceSettings>>,
    /// `DESCOPE_BASE_URL` (default `https://api.descope.com`).
    pub descope_base_url: String,
    /// `DESCOPE_PROJECT_ID`.
    pub descope_project_id: Option<String>,
    /// `DESCOPE_CONNECT_URL`: where a user connects their accounts; named in `reauth_required`.
    pub connect_url: Option<String>,
    /// `ALLOW_SHARED_CREDENTIALS`: the sources whose shared-credential (`service`) mode the
    /// operator acknowledged.
    pub allow_shared_credentials: Vec<SourceKind>,
    /// Caps on downloading and extracting Office and PDF files (`crate::limits`).
    pub content: crate::ContentLimits,
}

impl ConnectorsConfig {
    /// Reads the settings through `env`, collecting every problem.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<ConfigProblem>> {
        let env = Env(env);
        let get = |name: &str| env.get(name);
        let mut problems = Vec::new();
        let descope_project_id = get("DESCOPE_PROJECT_ID");
        let default_mode = if descope_project_id.is_some() {
            Mode::DescopeOutbound
        } else {
            Mode::Disabled
        };
        let modes: Vec<(&crate::registry::SourceEntry, Mode)> = crate::registry::SOURCES
            .iter()
            .map(|entry| {
                // A source added later is off until its mode is set (`on_by_default`).
                let default = if entry.on_by_default {
                    default_mode
                } else {
                    Mode::Disabled
                };
                let mode = mode(&env, entry.mode_setting, default, &mut problems);
                if mode == Mode::Service && !entry.has_service_mode() {
                    problems.push(ConfigProblem {
                        setting: entry.mode_setting,
                        problem: format!(
                            "has no service mode (got `service`): {} is read only with each \
                             user's own token, so the upstream's own permissions apply; use \
                             descope_outbound or disabled",
                            entry.kind.display_name()
                        ),
                    });
                    return (entry, Mode::Disabled);
                }
                (entry, mode)
            })
            .collect();
        let mut sources = Vec::new();
        for &(entry, mode) in &modes {
            sources.push((entry.settings)(&env, mode, &mut problems));
        }
        let config = Self {
            sources,
            descope_base_url: env.get_or("DESCOPE_BASE_URL", "https://api.descope.com"),
            connect_url: get("DESCOPE_CONNECT_URL"),
            allow_shared_credentials: shared_credentials(
                get("ALLOW_SHARED_CREDENTIALS").as_deref(),
                &modes,
                &mut problems,
            ),
            descope_project_id,
            content: crate::ContentLimits::from_lookup(&get, &mut problems),
        };
        let outbound = modes.iter().any(|(_, mode)| *mode == Mode::DescopeOutbound);
        if outbound && config.descope_project_id.is_none() {
            problems.push(ConfigProblem {
                setting: "DESCOPE_PROJECT_ID",
                problem: "is required by descope_outbound sources".into(),
            });
        }
        // Each source's own checks ran in its `settings` (above), in registry order; the mode
        // problems come first so a typo in a mode is the first thing named.
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// `kind`'s mode.
    pub fn mode(&self, kind: SourceKind) -> Mode {
        self.settings(kind).map_or(Mode::Disabled, |s| s.mode())
    }

    /// `kind`'s settings.
    pub fn settings(&self, kind: SourceKind) -> Option<&dyn SourceSettings> {
        self.sources
            .iter()
            .find(|s| s.kind() == kind)
            .map(|s| s.as_ref())
    }
}

/// Reads one source's mode setting.
fn mode(
    env: &Env<'_>,
    setting: &'static str,
    default: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> Mode {
    match env.get(setting).as_deref() {
        None => default,
        Some("descope_outbound") => Mode::DescopeOutbound,
        Some("service") => Mode::Service,
        Some("disabled") => Mode::Disabled,
        Some(other) => {
            problems.push(ConfigProblem {
                setting,
                problem: format!("must be descope_outbound, service or disabled (got `{other}`)"),
            });
            Mode::Disabled
        }
    }
}

/// Parses `ALLOW_SHARED_CREDENTIALS` and refuses a shared-credential mode it does not name.
fn shared_credentials(
    value: Option<&str>,
    modes: &[(&crate::registry::SourceEntry, Mode)],
    problems: &mut Vec<ConfigProblem>,
) -> Vec<SourceKind> {
    const SETTING: &str = "ALLOW_SHARED_CREDENTIALS";
    let shared: Vec<SourceKind> = modes
        .iter()
        .filter(|(entry, _)| entry.shared_service_credential)
        .map(|(entry, _)| entry.kind)
        .collect();
    let mut allowed = Vec::new();
    for name in value.unwrap_or_default().split(',').map(str::trim) {
        match name.parse::<SourceKind>() {
            Ok(kind) if shared.contains(&kind) => allowed.push(kind),
            _ if name.is_empty() => {}
            _ => problems.push(ConfigProblem {
                setting: SETTING,
                problem: format!(
                    "lists `{name}`; only {} have a shared mode",
                    and_list(shared.iter().map(|k| k.as_str()))
                ),
            }),
        }
    }
    for &(entry, mode) in modes {
        let kind = entry.kind;
        if entry.shared_service_credential && mode == Mode::Service && !allowed.contains(&kind) {
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

/// `a`, `a and b`, `a, b and c`.
fn and_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.split_last() {
        None => "none".into(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
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
        assert_eq!(config.mode(SourceKind::GoogleDrive), Mode::DescopeOutbound);
        assert_eq!(load(&[]).unwrap().mode(SourceKind::Notion), Mode::Disabled);
    }

    #[test]
    fn calendars_are_opt_in_and_per_user_only() {
        let config = load(&[("DESCOPE_PROJECT_ID", "P2x")]).unwrap();
        assert_eq!(config.mode(SourceKind::GoogleCalendar), Mode::Disabled);
        assert_eq!(config.mode(SourceKind::OutlookCalendar), Mode::Disabled);
        let on = load(&[
            ("DESCOPE_PROJECT_ID", "P2x"),
            ("GOOGLE_CALENDAR_MODE", "descope_outbound"),
            ("OUTLOOK_CALENDAR_MODE", "descope_outbound"),
        ])
        .unwrap();
        assert_eq!(on.mode(SourceKind::GoogleCalendar), Mode::DescopeOutbound);
        assert_eq!(on.mode(SourceKind::OutlookCalendar), Mode::DescopeOutbound);
        let service = load(&[("OUTLOOK_CALENDAR_MODE", "service")]).unwrap_err();
        assert_eq!(service[0].setting, "OUTLOOK_CALENDAR_MODE");
        assert!(service[0].problem.contains("own token"), "{:?}", service[0]);
        let no_project = load(&[("GOOGLE_CALENDAR_MODE", "descope_outbound")]).unwrap_err();
        assert_eq!(no_project[0].setting, "DESCOPE_PROJECT_ID");
    }

    #[test]
    fn a_source_without_a_credential_of_its_own_refuses_service_mode() {
        let per_user: Vec<_> = crate::registry::SOURCES
            .iter()
            .filter(|e| !e.has_service_mode())
            .collect();
        assert_eq!(per_user.len(), 5, "mail, calendars and the CRM");
        for entry in per_user {
            let problems = load(&[
                ("DESCOPE_PROJECT_ID", "P2x"),
                (entry.mode_setting, "service"),
            ])
            .unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].setting, entry.mode_setting);
            assert!(
                problems[0].problem.contains("no service mode")
                    && problems[0].problem.contains(entry.kind.display_name()),
                "{:?}",
                problems[0]
            );
        }
    }

    #[test]
    fn the_calendar_search_window_is_centred_on_a_valid_instant() {
        let bad = load(&[("CALENDAR_SEARCH_AROUND", "next tuesday")]).unwrap_err();
        assert_eq!(bad[0].setting, "CALENDAR_SEARCH_AROUND");
        assert!(load(&[("CALENDAR_SEARCH_AROUND", "2026-12-09T00:00:00Z")]).is_ok());
    }

    #[test]
    fn delegation_needs_workspace_domains() {
        // Drive's own check (`drive/settings.rs`), reached through the registry.
        let problems = load(&[("GOOGLE_DRIVE_MODE", "service")]).unwrap_err();
        assert_eq!(problems[0].setting, "GOOGLE_WORKSPACE_DOMAINS");
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
}
