//! Salesforce's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `SALESFORCE_MODE` | `disabled` unless set (the registry entry is not `on_by_default`: a deployment does not change by upgrading); `descope_outbound` or `disabled`; `service` is refused |
//! | `DESCOPE_OUTBOUND_APP_SALESFORCE` | `salesforce`: the outbound app id configured in Descope |
//! | `SALESFORCE_INSTANCE_URL` | none, required when enabled: the org's My Domain URL (`https://acme.my.salesforce.com`), https; plain http only on loopback (the local fakes) |
//!
//! There is no service mode: Salesforce is searched only with each user's own token, so its
//! sharing rules and field-level security are the user's. An integration user would see every
//! record it is granted, for every caller.
//!
//! Why a setting for the instance: Descope's outbound token answer has no `instance_url`
//! (Salesforce's own token answer has one), and reading the identity URL would cost a request
//! per token and let token metadata decide where the server sends the user's token. An org's My
//! Domain is stable and known to its administrator.

use std::sync::Arc;

use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::endpoint::BaseUrl;
use crate::{Access, Source, SourceKind};

use super::Salesforce;

/// The variable holding the mode.
pub(crate) const MODE_SETTING: &str = "SALESFORCE_MODE";
/// The variable holding the instance URL.
pub(crate) const INSTANCE_SETTING: &str = "SALESFORCE_INSTANCE_URL";
/// The OAuth scope the user's token needs (REST API access).
pub(crate) const SALESFORCE_SCOPES: [&str; 1] = ["api"];

/// Salesforce's settings.
#[derive(Debug, Clone)]
pub(crate) struct SalesforceSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_SALESFORCE`.
    app: String,
    /// `SALESFORCE_INSTANCE_URL`, validated; `None` when disabled.
    instance: Option<BaseUrl>,
}

/// Whether `url` is on this machine (the local fakes).
fn loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses `SALESFORCE_INSTANCE_URL`: an https origin (http only on loopback), no path, query,
/// fragment or credentials.
fn instance(value: Option<&str>, problems: &mut Vec<ConfigProblem>) -> Option<BaseUrl> {
    let mut problem = |problem: &str| {
        problems.push(ConfigProblem {
            setting: INSTANCE_SETTING,
            problem: problem.into(),
        });
    };
    let Some(value) = value else {
        problem(
            "is required when SALESFORCE_MODE=descope_outbound: the org's My Domain URL, e.g. https://acme.my.salesforce.com",
        );
        return None;
    };
    let Ok(url) = url::Url::parse(value) else {
        problem("is not a URL");
        return None;
    };
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback(&url))) {
        problem("must be an https URL (http only on loopback, for the local fakes)");
        return None;
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        problem("must be the instance's origin, without a path, query or fragment");
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        problem("must not carry credentials");
        return None;
    }
    BaseUrl::parse(INSTANCE_SETTING, value)
        .map_err(|p| problems.push(p))
        .ok()
}

/// Reads Salesforce's settings.
pub(crate) fn read(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> SalesforceSettings {
    // `service` never arrives: the registry entry has no secret keys, so `ConnectorsConfig`
    // refuses it. Sharing and field-level security apply as the user.
    let instance = match mode {
        Mode::DescopeOutbound => instance(env.get(INSTANCE_SETTING).as_deref(), problems),
        Mode::Service | Mode::Disabled => None,
    };
    SalesforceSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_SALESFORCE", "salesforce"),
        instance,
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

impl SourceSettings for SalesforceSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::Salesforce
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
        if self.mode != Mode::DescopeOutbound {
            return None;
        }
        let instance = self.instance.clone()?;
        let scopes = SALESFORCE_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        let broker = context.outbound(self.kind(), &self.app, scopes, problems)?;
        Some(Arc::new(Connected {
            connector: Salesforce::new(context.http(), instance),
            broker,
            write_broker: None,
            access,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)], mode: Mode) -> (SalesforceSettings, Vec<ConfigProblem>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let lookup = |k: &str| map.get(k).cloned();
        let mut problems = Vec::new();
        (read(&Env(&lookup), mode, &mut problems), problems)
    }

    #[test]
    fn the_instance_is_an_https_origin_or_loopback() {
        let on = [(MODE_SETTING, "descope_outbound")];
        let with = |url: &str| {
            let mut pairs = on.to_vec();
            pairs.push((INSTANCE_SETTING, url));
            load(&pairs, Mode::DescopeOutbound)
        };
        assert_eq!(
            load(&on, Mode::DescopeOutbound).1[0].setting,
            INSTANCE_SETTING
        );
        for ok in [
            "https://acme.my.salesforce.com",
            "https://acme.my.salesforce.com/",
            "http://127.0.0.1:9020",
        ] {
            let (settings, problems) = with(ok);
            assert!(
                problems.is_empty() && settings.instance.is_some(),
                "{ok}: {problems:?}"
            );
        }
        for bad in [
            "http://acme.my.salesforce.com",
            "https://acme.my.salesforce.com/services/data",
            "https://acme.my.salesforce.com/?x=1",
            "https://user:pw@acme.my.salesforce.com",
            "http://169.254.169.254",
            "acme.my.salesforce.com",
        ] {
            let (_, problems) = with(bad);
            assert_eq!(problems.len(), 1, "{bad}");
            assert_eq!(problems[0].setting, INSTANCE_SETTING, "{bad}");
        }
    }
}
