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
}
