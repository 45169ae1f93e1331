//! Upstream URLs, built from a configured base and typed path segments.
//!
//! Every upstream URL is the base URL plus segments appended with `url`'s path-segment API, which
//! percent-encodes each segment (a `/`, `?`, `#` or `%` inside one can never become structure).
//! The segments that vary are typed ids ([`crate::id`]) whose grammar already excludes those
//! characters and dot segments: two independent locks on the same door.

use url::Url;

use crate::ConfigProblem;

/// A base URL that path segments can be appended to (`http`/`https`, not `mailto:`-like).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses the value of `setting`.
    pub fn parse(setting: &'static str, value: &str) -> Result<Self, ConfigProblem> {
        let problem = |problem: String| ConfigProblem { setting, problem };
        let url = Url::parse(value).map_err(|e| problem(format!("is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(problem("must be an http or https URL".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(problem("must not have a query or fragment".into()));
        }
        Ok(Self(url))
    }

    /// The base with `segments` appended, each percent-encoded as one path segment.
    pub fn join(&self, segments: &[&str]) -> Url {
        let mut url = self.0.clone();
        // `parse` admitted only URLs that can be a base, so this always succeeds.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

/// The host suffixes Microsoft documents for pre-authenticated file downloads
/// (`@microsoft.graph.downloadUrl`, where `/content` redirects): the tenant's SharePoint host in
/// the global cloud and the sovereign clouds (US Government, Germany, China operated by 21Vianet),
/// and OneDrive personal (`*.files.1drv.com` and other `*.1drv.com` hosts).
pub const DEFAULT_DOWNLOAD_HOSTS: &[&str] = &[
    "sharepoint.com",
    "sharepoint.us",
    "sharepoint.de",
    "sharepoint.cn",
    "1drv.com",
];

/// Where a SharePoint `/content` redirect may be followed (`GRAPH_DOWNLOAD_HOSTS`).
///
/// The redirect target is fetched by the server, from inside the function's network: followed
/// blindly, a hostile or spoofed answer could point it at the instance metadata service
/// (`169.254.169.254`), another internal host, or a `file://` URL. Only `https` URLs on a
/// documented Microsoft download host (a listed suffix or a subdomain of one) are followed.
/// Loopback is allowed only when the Graph base URL itself is on loopback: that override is only
/// ever the local fakes, whose download origin is another loopback port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadHosts {
    suffixes: Vec<String>,
    allow_loopback: bool,
}

/// Why a download URL was not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadRefused {
    /// Not `https` (for example `http://` or `file://`).
    #[error("the download URL's scheme `{0}` is not https")]
    Scheme(String),
    /// An IP address, or a name outside the allowed suffixes.
    #[error("the download host `{0}` is not a Microsoft file-download host")]
    Host(String),
    /// No host at all.
    #[error("the download URL has no host")]
    NoHost,
}

impl Default for DownloadHosts {
    fn default() -> Self {
        Self {
            suffixes: DEFAULT_DOWNLOAD_HOSTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            allow_loopback: false,
        }
    }
}

/// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or `::1` (literals only).
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl DownloadHosts {
    /// Parses `setting`, a comma-separated list of host suffixes like `sharepoint.com` (a leading
    /// `*.` or `.` is ignored); unset means [`DEFAULT_DOWNLOAD_HOSTS`]. `allow_loopback` is for the
    /// local fakes only (see the type's doc).
    pub fn parse(
        setting: &'static str,
        value: Option<&str>,
        allow_loopback: bool,
    ) -> Result<Self, ConfigProblem> {
        let Some(value) = value else {
            return Ok(Self {
                allow_loopback,
                ..Self::default()
            });
        };
        let mut suffixes = Vec::new();
        for raw in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let name = raw
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .to_ascii_lowercase();
            let is_ip = name.parse::<std::net::IpAddr>().is_ok();
            let valid_labels = name.split('.').count() >= 2
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if is_ip || !valid_labels {
                return Err(ConfigProblem {
                    setting,
                    problem: format!(
                        "must list DNS host suffixes like `sharepoint.com` (got `{raw}`)"
                    ),
                });
            }
            suffixes.push(name);
        }
        if suffixes.is_empty() {
            return Err(ConfigProblem {
                setting,
                problem: "must list at least one host suffix (unset it for the default)".into(),
            });
        }
        Ok(Self {
            suffixes,
            allow_loopback,
        })
    }

    /// Whether `url` may be fetched: `https` on an allowed host, or loopback when allowed.
    pub fn check(&self, url: &Url) -> Result<(), DownloadRefused> {
        let host = url.host().ok_or(DownloadRefused::NoHost)?;
        if self.allow_loopback && matches!(url.scheme(), "http" | "https") && is_loopback(&host) {
            return Ok(());
        }
        if url.scheme() != "https" {
            return Err(DownloadRefused::Scheme(url.scheme().to_owned()));
        }
        let url::Host::Domain(name) = host else {
            return Err(DownloadRefused::Host(host.to_string()));
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let allowed = self.suffixes.iter().any(|suffix| {
            name == *suffix
                || name
                    .strip_suffix(suffix.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        });
        if allowed {
            Ok(())
        } else {
            Err(DownloadRefused::Host(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_and_never_become_structure() {
        let base = BaseUrl::parse("X", "http://127.0.0.1:9020/").unwrap();
        assert_eq!(
            base.join(&["v1", "pages", "a/../../users?x=1#f%2F"])
                .as_str(),
            "http://127.0.0.1:9020/v1/pages/a%2F..%2F..%2Fusers%3Fx=1%23f%252F"
        );
        let prefixed = BaseUrl::parse("X", "https://proxy.example/notion").unwrap();
        assert_eq!(
            prefixed.join(&["v1", "search"]).as_str(),
            "https://proxy.example/notion/v1/search"
        );
    }

    #[test]
    fn bases_must_be_plain_http_urls() {
        for bad in [
            "not a url",
            "mailto:a@b.c",
            "ftp://x/",
            "http://x/?a=1",
            "http://x/#f",
        ] {
            assert_eq!(
                BaseUrl::parse("GRAPH_BASE_URL", bad).unwrap_err().setting,
                "GRAPH_BASE_URL"
            );
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn downloads_follow_only_https_microsoft_hosts() {
        let hosts = DownloadHosts::default();
        for ok in [
            "https://acme.sharepoint.com/sites/x/_layouts/15/download.aspx?UniqueId=1&tempauth=t",
            "https://acme-my.sharepoint.com/personal/a/_layouts/15/download.aspx",
            "https://agency.sharepoint.us/x",
            "https://acme.sharepoint.cn/x",
            "https://public.bn.files.1drv.com/y4m",
            "https://ACME.SharePoint.com./x",
        ] {
            assert_eq!(hosts.check(&url(ok)), Ok(()), "{ok}");
        }
        for (bad, why) in [
            (
                "http://169.254.169.254/latest/meta-data/",
                DownloadRefused::Scheme("http".into()),
            ),
            (
                "https://169.254.169.254/latest/",
                DownloadRefused::Host("169.254.169.254".into()),
            ),
            (
                "https://evil.example/",
                DownloadRefused::Host("evil.example".into()),
            ),
            (
                "https://sharepoint.com.evil.example/",
                DownloadRefused::Host("sharepoint.com.evil.example".into()),
            ),
            (
                "https://evilsharepoint.com/",
                DownloadRefused::Host("evilsharepoint.com".into()),
            ),
            (
                "http://acme.sharepoint.com/x",
                DownloadRefused::Scheme("http".into()),
            ),
            ("file:///etc/passwd", DownloadRefused::NoHost),
            (
                "file://host/etc/passwd",
                DownloadRefused::Scheme("file".into()),
            ),
            (
                "http://127.0.0.1:9021/download/t",
                DownloadRefused::Scheme("http".into()),
            ),
            ("https://[::1]/x", DownloadRefused::Host("[::1]".into())),
        ] {
            assert_eq!(hosts.check(&url(bad)), Err(why), "{bad}");
        }
    }

    #[test]
    fn loopback_only_when_allowed_and_the_setting_is_validated() {
        let local = DownloadHosts::parse("GRAPH_DOWNLOAD_HOSTS", None, true).unwrap();
        assert_eq!(
            local.check(&url("http://127.0.0.1:9021/download/t")),
            Ok(())
        );
        assert!(local.check(&url("http://169.254.169.254/")).is_err());
        assert!(local.check(&url("https://evil.example/")).is_err());
        assert!(local.check(&url("file:///etc/passwd")).is_err());

        let custom = DownloadHosts::parse(
            "GRAPH_DOWNLOAD_HOSTS",
            Some(" *.Contoso.sharepoint.com ,"),
            false,
        )
        .unwrap();
        assert_eq!(
            custom.check(&url("https://contoso.sharepoint.com/x")),
            Ok(())
        );
        assert!(
            custom
                .check(&url("https://other.sharepoint.com/x"))
                .is_err()
        );
        for bad in [
            "",
            " , ",
            "169.254.169.254",
            "com",
            "https://x.example",
            "a..b",
            "*",
        ] {
            assert_eq!(
                DownloadHosts::parse("GRAPH_DOWNLOAD_HOSTS", Some(bad), false)
                    .unwrap_err()
                    .setting,
                "GRAPH_DOWNLOAD_HOSTS",
                "{bad}"
            );
        }
    }
}
