//! The connectors' test harness: the upstream fakes over real HTTP and sources built against them.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)] // Each test binary uses a part.

pub(crate) use std::collections::HashMap;
pub(crate) use std::sync::Arc;
pub(crate) use std::time::Duration;

pub(crate) use secrecy::SecretString;
pub(crate) use upstream_fakes::{FakeConfig, Knob, RunningFakes, generate_service_account};
pub(crate) use workplace_connectors::{
    Access, ConnectorsConfig, ItemId, Source, SourceError, SourceKind, UpstreamCredentials,
    UserContext, build_sources,
};

/// `fetch` and `add_comment` as the service calls them, from an id's text: parsed by the
/// source's grammar first (an id it refuses names nothing the user can see: `NotFound`, and no
/// request is made), then handed to the source typed.
pub(crate) trait ByText {
    async fn content_of(
        &self,
        user: &UserContext,
        item: &str,
        max_chars: usize,
        deadline: tokio::time::Instant,
    ) -> Result<workplace_connectors::Content, SourceError>;

    async fn comment_on(
        &self,
        user: &UserContext,
        item: &str,
        text: &str,
        deadline: tokio::time::Instant,
    ) -> Result<workplace_connectors::AddedComment, workplace_connectors::CommentError>;
}

impl<S: Source + ?Sized> ByText for S {
    async fn content_of(
        &self,
        user: &UserContext,
        item: &str,
        max_chars: usize,
        deadline: tokio::time::Instant,
    ) -> Result<workplace_connectors::Content, SourceError> {
        let id = ItemId::new(self.kind(), item).map_err(|_| SourceError::NotFound)?;
        self.content(user, &id, max_chars, deadline).await
    }

    async fn comment_on(
        &self,
        user: &UserContext,
        item: &str,
        text: &str,
        deadline: tokio::time::Instant,
    ) -> Result<workplace_connectors::AddedComment, workplace_connectors::CommentError> {
        let id = ItemId::new(self.kind(), item).map_err(|_| SourceError::NotFound)?;
        self.add_comment(user, &id, text, deadline).await
    }
}

/// Every registry source's mode set to `descope_outbound` (the user's own token), those that are
/// off by default included: for [`Harness::sources`].
pub(crate) fn every_source_per_user() -> Vec<(&'static str, &'static str)> {
    workplace_connectors::registry::SOURCES
        .iter()
        .map(|entry| (entry.mode_setting, "descope_outbound"))
        .collect()
}

pub(crate) const SA_EMAIL: &str = "workplace-mcp@acme-demo.iam.gserviceaccount.com";

pub(crate) struct Harness {
    pub(crate) fakes: RunningFakes,
    pub(crate) service_account: String,
}

pub(crate) async fn harness(token_ttl: Duration) -> Harness {
    let account = generate_service_account(SA_EMAIL, "http://unused/token").unwrap();
    let config = FakeConfig {
        google_service_account_key: Some(account.public_key),
        token_ttl,
        ..FakeConfig::default()
    };
    Harness {
        fakes: RunningFakes::start(config).await.unwrap(),
        service_account: account.json,
    }
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Harness {
    pub(crate) fn sources(&self, pairs: &[(&str, &str)]) -> HashMap<SourceKind, Arc<dyn Source>> {
        let base = self.fakes.base_url.clone();
        let mut env: HashMap<String, String> = [
            ("DESCOPE_PROJECT_ID", "P2demo"),
            ("DESCOPE_BASE_URL", base.as_str()),
            ("MICROSOFT_TENANT_ID", "acme-tenant"),
            (
                "MICROSOFT_CLIENT_ID",
                "11111111-2222-3333-4444-555555555555",
            ),
            ("GOOGLE_WORKSPACE_DOMAINS", "acme.example,evil.example"),
            ("ALLOW_SHARED_CREDENTIALS", "notion,sharepoint"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for entry in workplace_connectors::registry::SOURCES {
            for setting in entry.base_url_settings {
                env.insert((*setting).to_owned(), base.clone());
            }
            for (setting, path) in entry.endpoint_settings {
                env.insert((*setting).to_owned(), format!("{base}{path}"));
            }
        }
        env.insert("GOOGLE_TOKEN_URL".into(), format!("{base}/token"));
        // Keyword searches of the calendars look around the demo meetings, in any year.
        env.insert(
            "CALENDAR_SEARCH_AROUND".into(),
            upstream_fakes::calendar::DEMO_AROUND.into(),
        );
        for (k, v) in pairs {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
        let credentials = UpstreamCredentials::default()
            .with(
                UpstreamCredentials::DESCOPE_MANAGEMENT_KEY,
                SecretString::from("K2demo-management-key"),
            )
            .with(
                "google_service_account",
                SecretString::from(self.service_account.clone()),
            )
            .with(
                "notion_token",
                SecretString::from("ntn_demo_integration_token"),
            )
            .with(
                "microsoft_client_secret",
                SecretString::from("demo-client-secret"),
            );
        build_sources(&config, &credentials, &http())
            .unwrap()
            .into_iter()
            .map(|s| (s.kind(), s))
            .collect()
    }

    pub(crate) fn count(&self, route: &str) -> usize {
        self.fakes
            .requests()
            .iter()
            .filter(|r| r.route == route)
            .count()
    }
}

pub(crate) fn user(subject: &str, email: &str) -> UserContext {
    UserContext {
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: true,
    }
}

pub(crate) fn dev() -> UserContext {
    user("dev-user", "dev@acme.example")
}

pub(crate) fn titles(hits: &[workplace_connectors::SearchHit]) -> Vec<String> {
    hits.iter().map(|h| h.title.clone()).collect()
}

/// The search filters' tests (`test_filters_*.rs`): a deadline, a plan with filters for the
/// demo's "today", and the ids a plan found.
pub(crate) mod filtering {
    use std::collections::BTreeSet;

    use time::macros::date;
    use workplace_connectors::query::{Filters, Plan, Planned};

    pub(crate) fn soon() -> tokio::time::Instant {
        tokio::time::Instant::now() + std::time::Duration::from_secs(8)
    }

    pub(crate) fn plan(query: &str, filters: Filters) -> Plan {
        Plan::new(query, date!(2026 - 12 - 04)).with_filters(filters)
    }

    pub(crate) fn ids(planned: &Planned) -> BTreeSet<String> {
        planned.hits.iter().map(|h| h.item_id.clone()).collect()
    }
}
