//! The policy of a deployment's one implicit organisation, read from the environment once at
//! cold start (documented in the README, "Admin policy").

use std::collections::BTreeSet;

use crate::{AddressPolicy, Caps, Cidr, Policy, ToolInfo};

/// What a refused caller reads when the kill switch has no message of its own.
pub const DEFAULT_KILL_SWITCH_MESSAGE: &str =
    "This service has been switched off by its administrators; try again later or ask them.";

/// A kill-switch message longer than this is refused (it is sent with every refusal).
const MAX_MESSAGE_CHARS: usize = 500;

impl Policy {
    /// Reads `POLICY_KILL_SWITCH` (`on` | `off`), `POLICY_KILL_SWITCH_MESSAGE`, `POLICY_TOOLS`
    /// (comma-separated names from `tools`; unset allows all), `POLICY_READ_ONLY` (`on` | `off`),
    /// `POLICY_IP_ALLOWLIST` and `POLICY_TRUSTED_PROXIES` (comma-separated ranges),
    /// `POLICY_MAX_RESULTS` (1 to 50) and `POLICY_MAX_CONTENT_CHARS` (100 to 10,000,000). Every
    /// problem is reported, by setting.
    pub fn from_lookup(
        env: &dyn Fn(&str) -> Option<String>,
        tools: &[ToolInfo],
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let get = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();
        let mut switch = |name: &'static str| match get(name).as_deref() {
            None | Some("off") => false,
            Some("on") => true,
            Some(other) => {
                problems.push((name, format!("must be `on` or `off` (got `{other}`)")));
                false
            }
        };
        let kill_switch = switch("POLICY_KILL_SWITCH");
        let read_only = switch("POLICY_READ_ONLY");

        let message = get("POLICY_KILL_SWITCH_MESSAGE");
        if let Some(text) = &message
            && (text.chars().count() > MAX_MESSAGE_CHARS || text.chars().any(char::is_control))
        {
            problems.push((
                "POLICY_KILL_SWITCH_MESSAGE",
                format!("must be one line of at most {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        let kill_switch =
            kill_switch.then(|| message.unwrap_or_else(|| DEFAULT_KILL_SWITCH_MESSAGE.to_owned()));

        let allowed_tools = get("POLICY_TOOLS").map(|list| {
            let mut names = BTreeSet::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match tools.iter().find(|t| t.name == name) {
                    Some(tool) => {
                        names.insert(tool.name.to_owned());
                    }
                    None => problems.push((
                        "POLICY_TOOLS",
                        format!(
                            "`{name}` is not a tool of this server (its tools: {})",
                            tools.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                        ),
                    )),
                }
            }
            names
        });

        let mut ranges = |name: &'static str| -> Vec<Cidr> {
            let mut parsed = Vec::new();
            for item in get(name).iter().flat_map(|l| l.split(',')) {
                if item.trim().is_empty() {
                    continue;
                }
                match item.parse::<Cidr>() {
                    Ok(range) => parsed.push(range),
                    Err(err) => problems.push((name, err.to_string())),
                }
            }
            parsed
        };
        let addresses = AddressPolicy {
            allow: ranges("POLICY_IP_ALLOWLIST"),
            trusted_proxies: ranges("POLICY_TRUSTED_PROXIES"),
        };
        let mut cap = |name: &'static str, bounds: std::ops::RangeInclusive<usize>| {
            let text = get(name)?;
            match text.parse::<usize>() {
                Ok(n) if bounds.contains(&n) => Some(n),
                _ => {
                    problems.push((
                        name,
                        format!(
                            "must be a whole number from {} to {} (got `{text}`)",
                            bounds.start(),
                            bounds.end()
                        ),
                    ));
                    None
                }
            }
        };
        let caps = Caps {
            max_results: cap("POLICY_MAX_RESULTS", Caps::RESULTS),
            max_content_chars: cap("POLICY_MAX_CONTENT_CHARS", Caps::CONTENT_CHARS),
        };

        if problems.is_empty() {
            Ok(Self {
                kill_switch,
                tools: allowed_tools,
                read_only,
                addresses,
                caps,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOLS: [ToolInfo; 2] = [
        ToolInfo {
            name: "workplace_search",
            writes: false,
        },
        ToolInfo {
            name: "add_comment",
            writes: true,
        },
    ];

    fn load(vars: &[(&str, &str)]) -> Result<Policy, Vec<(&'static str, String)>> {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Policy::from_lookup(&env, &TOOLS)
    }

    #[test]
    fn caps_are_read_within_their_bounds() {
        let policy = load(&[
            ("POLICY_MAX_RESULTS", "5"),
            ("POLICY_MAX_CONTENT_CHARS", "20000"),
        ])
        .unwrap();
        assert_eq!(
            policy.caps,
            Caps {
                max_results: Some(5),
                max_content_chars: Some(20_000),
            }
        );
        let problems = load(&[
            ("POLICY_MAX_RESULTS", "0"),
            ("POLICY_MAX_CONTENT_CHARS", "lots"),
        ])
        .unwrap_err();
        let names: Vec<&str> = problems.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["POLICY_MAX_RESULTS", "POLICY_MAX_CONTENT_CHARS"]);
    }

    #[test]
    fn nothing_set_is_an_open_policy() {
        assert!(load(&[]).unwrap().is_open());
        assert!(
            load(&[("POLICY_TOOLS", " "), ("POLICY_KILL_SWITCH", "off")])
                .unwrap()
                .is_open()
        );
    }

    #[test]
    fn every_setting_is_read() {
        let policy = load(&[
            ("POLICY_KILL_SWITCH", "on"),
            ("POLICY_KILL_SWITCH_MESSAGE", "Back at 9."),
            ("POLICY_TOOLS", "workplace_search, add_comment"),
            ("POLICY_READ_ONLY", "on"),
            ("POLICY_IP_ALLOWLIST", "203.0.113.0/24, 2001:db8::/32"),
            ("POLICY_TRUSTED_PROXIES", "10.0.0.0/8"),
        ])
        .unwrap();
        assert_eq!(policy.kill_switch.as_deref(), Some("Back at 9."));
        assert_eq!(policy.tools.as_ref().map(BTreeSet::len), Some(2));
        assert!(policy.read_only);
        assert_eq!(policy.addresses.allow.len(), 2);
        assert_eq!(policy.addresses.trusted_proxies.len(), 1);
        let default = load(&[("POLICY_KILL_SWITCH", "on")]).unwrap();
        assert_eq!(
            default.kill_switch.as_deref(),
            Some(DEFAULT_KILL_SWITCH_MESSAGE)
        );
    }

    #[test]
    fn every_problem_is_reported_by_setting() {
        let problems = load(&[
            ("POLICY_KILL_SWITCH", "yes"),
            ("POLICY_READ_ONLY", "1"),
            ("POLICY_KILL_SWITCH_MESSAGE", "two\nlines"),
            ("POLICY_TOOLS", "workplace_search,delete_everything"),
            ("POLICY_IP_ALLOWLIST", "10.0.0.0/8,example.com"),
            ("POLICY_TRUSTED_PROXIES", "999.1.1.1"),
        ])
        .unwrap_err();
        let settings: Vec<_> = problems.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            settings,
            [
                "POLICY_KILL_SWITCH",
                "POLICY_READ_ONLY",
                "POLICY_KILL_SWITCH_MESSAGE",
                "POLICY_TOOLS",
                "POLICY_IP_ALLOWLIST",
                "POLICY_TRUSTED_PROXIES"
            ]
        );
        let tools = &problems[3].1;
        assert!(
            tools.contains("delete_everything") && tools.contains("add_comment"),
            "{tools}"
        );
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert!(load(&[("POLICY_KILL_SWITCH_MESSAGE", &long)]).is_err());
    }
}
