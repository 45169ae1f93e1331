//! Settings of the MCP endpoint itself: which `Host` and `Origin` values it serves.
//!
//! The MCP transport spec makes servers validate `Origin` (DNS rebinding), and rmcp also validates
//! `Host`; on Lambda the `Host` header is the API's domain, not a loopback name, so both lists are
//! derived from the deployment's settings instead of rmcp's loopback defaults.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `MCP_RESOURCE_URL` | Its authority (`host[:port]`) is always an allowed host. |
//! | `MCP_ALLOWED_HOSTS` | Comma-separated extra `host` or `host:port` values, e.g. the default `execute-api` domain next to a custom domain, or `127.0.0.1:9000,localhost:9000` locally. An entry without a port allows any port. |
//! | `MCP_ALLOWED_ORIGINS` | Comma-separated origins (`https://app.example.com`) browsers may call from. Requests without `Origin` (every non-browser client) are unaffected; a present `Origin` that is not listed gets 403. Empty: no browser origin is allowed. |

use url::Url;
use workplace_service::config::Lookup;

/// The validated endpoint settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointConfig {
    /// Allowed `Host` values, lower-case `host` or `host:port`.
    pub allowed_hosts: Vec<String>,
    /// Allowed origins, normalized to `scheme://host:port` (explicit port).
    pub allowed_origins: Vec<String>,
}

impl EndpointConfig {
    /// Reads the lists. Invalid entries are logged and dropped: dropping an entry only ever
    /// allows less, so a typo fails closed instead of crashing the function. `MCP_RESOURCE_URL`
    /// is read here too (not from the runtime), so the lists do not depend on a cold start that
    /// may still be retrying.
    pub fn load(env: Lookup<'_>) -> Self {
        let resource_url = env("MCP_RESOURCE_URL").and_then(|raw| Url::parse(raw.trim()).ok());
        let mut allowed_hosts: Vec<String> = resource_url
            .as_ref()
            .and_then(authority)
            .into_iter()
            .collect();
        for entry in list(env, "MCP_ALLOWED_HOSTS") {
            match normalize_host_entry(&entry) {
                Some(host) if !allowed_hosts.contains(&host) => allowed_hosts.push(host),
                Some(_) => {}
                None => tracing::error!(entry, "MCP_ALLOWED_HOSTS: ignoring an invalid entry"),
            }
        }
        let mut allowed_origins = Vec::new();
        for entry in list(env, "MCP_ALLOWED_ORIGINS") {
            match normalize_origin(&entry) {
                Some(origin) if !allowed_origins.contains(&origin) => allowed_origins.push(origin),
                Some(_) => {}
                None => tracing::error!(entry, "MCP_ALLOWED_ORIGINS: ignoring an invalid entry"),
            }
        }
        Self {
            allowed_hosts,
            allowed_origins,
        }
    }

    /// Whether a `Host` value (`host[:port]`) is allowed. An empty list allows nothing.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some((name, port)) = split_authority(host) else {
            return false;
        };
        self.allowed_hosts.iter().any(|allowed| {
            split_authority(allowed).is_some_and(|(a_name, a_port)| {
                a_name == name && (a_port.is_none() || a_port == port)
            })
        })
    }

    /// Whether a present `Origin` value is allowed.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        normalize_origin(origin).is_some_and(|o| self.allowed_origins.contains(&o))
    }
}

fn list(env: Lookup<'_>, name: &str) -> Vec<String> {
    env(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `host[:port]` of a URL, as clients send it in `Host` (the port only when explicit).
fn authority(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

fn normalize_host_entry(entry: &str) -> Option<String> {
    let (name, port) = split_authority(entry)?;
    Some(match port {
        Some(port) => format!("{name}:{port}"),
        None => name,
    })
}

/// Splits `host[:port]` (IPv6 in brackets) into a lower-case host and an optional port.
fn split_authority(value: &str) -> Option<(String, Option<u16>)> {
    let authority = http::uri::Authority::try_from(value.trim()).ok()?;
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return None;
    }
    Some((authority.host().to_ascii_lowercase(), authority.port_u16()))
}

/// `scheme://host:port` with the scheme's default port made explicit, or `None` for anything that
/// is not a plain http(s) origin (including the opaque `null`).
fn normalize_origin(value: &str) -> Option<String> {
    let url = Url::parse(value.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !matches!(url.path(), "" | "/")
        || url.query().is_some()
        || !url.username().is_empty()
    {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let port = url.port_or_known_default()?;
    Some(format!("{}://{host}:{port}", url.scheme()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> EndpointConfig {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EndpointConfig::load(&|name| {
            if name == "MCP_RESOURCE_URL" {
                return Some("https://API.example.com/mcp".to_owned());
            }
            map.get(name).cloned()
        })
    }

    #[test]
    fn the_resource_host_is_always_allowed() {
        let config = load(&[]);
        assert_eq!(config.allowed_hosts, ["api.example.com"]);
        assert!(config.host_allowed("api.example.com"));
        assert!(config.host_allowed("API.EXAMPLE.COM"));
        assert!(!config.host_allowed("evil.example.com"));
        assert!(!config.host_allowed(""));
        assert!(config.allowed_origins.is_empty());
    }

    #[test]
    fn extra_hosts_and_ports() {
        let config = load(&[(
            "MCP_ALLOWED_HOSTS",
            " 127.0.0.1:9000 , localhost,bad host, ,[::1]:9000",
        )]);
        assert_eq!(
            config.allowed_hosts,
            [
                "api.example.com",
                "127.0.0.1:9000",
                "localhost",
                "[::1]:9000"
            ]
        );
        assert!(config.host_allowed("127.0.0.1:9000"));
        assert!(!config.host_allowed("127.0.0.1:9001"));
        assert!(!config.host_allowed("127.0.0.1"));
        assert!(config.host_allowed("localhost:1234"));
        assert!(config.host_allowed("[::1]:9000"));
    }

    #[test]
    fn origins_match_scheme_host_and_port() {
        let config = load(&[(
            "MCP_ALLOWED_ORIGINS",
            "https://claude.ai, http://localhost:6274, null, not an origin, https://x.example.com/path",
        )]);
        assert_eq!(
            config.allowed_origins,
            ["https://claude.ai:443", "http://localhost:6274"]
        );
        assert!(config.origin_allowed("https://claude.ai"));
        assert!(config.origin_allowed("https://claude.ai:443"));
        assert!(!config.origin_allowed("http://claude.ai"));
        assert!(!config.origin_allowed("https://claude.ai.evil.example"));
        assert!(config.origin_allowed("http://localhost:6274"));
        assert!(!config.origin_allowed("http://localhost:6275"));
        assert!(!config.origin_allowed("null"));
        assert!(!config.origin_allowed(""));
    }
}
