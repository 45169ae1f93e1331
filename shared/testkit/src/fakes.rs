//! The real connectors against freshly started upstream fakes.

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::SecretString;
use upstream_fakes::{FakeConfig, RunningFakes};
use workplace_connectors::{ConnectorsConfig, Source, UpstreamCredentials, build_sources};
use workplace_service::state::http_client;

/// The fakes' Descope management key (any key the fake Descope accepts).
pub const MANAGEMENT_KEY: &str = "K2demo-management-key";

/// Starts the fakes and builds every source as cold start does, each user's own token coming from
/// the fake Descope (outbound-app mode); `extra` adds or overrides settings. Keep the fakes alive
/// as long as the sources are used.
pub async fn fake_sources(extra: &[(&str, String)]) -> (RunningFakes, Vec<Arc<dyn Source>>) {
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    let base = fakes.base_url.clone();
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.clone()),
        // Keyword searches of the calendars look around the demo meetings' weeks, whatever the
        // date the tests run on.
        (
            "CALENDAR_SEARCH_AROUND",
            upstream_fakes::calendar::DEMO_AROUND.to_owned(),
        ),
    ]);
    env.extend(every_source_on_the_fakes(&base));
    env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let credentials = UpstreamCredentials::default().with(
        UpstreamCredentials::DESCOPE_MANAGEMENT_KEY,
        SecretString::from(MANAGEMENT_KEY),
    );
    let sources = build_sources(&config, &credentials, &http_client().unwrap()).unwrap();
    (fakes, sources)
}

/// Every registry source in `descope_outbound` mode (a source that is off by default too) with its
/// upstream base URLs pointing at the fakes at `base`.
pub fn every_source_on_the_fakes(base: &str) -> Vec<(&'static str, String)> {
    workplace_connectors::registry::SOURCES
        .iter()
        .flat_map(|entry| {
            std::iter::once((entry.mode_setting, "descope_outbound".to_owned()))
                .chain(
                    entry
                        .base_url_settings
                        .iter()
                        .map(|setting| (*setting, base.to_owned())),
                )
                .chain(
                    entry
                        .endpoint_settings
                        .iter()
                        .map(|(setting, path)| (*setting, format!("{base}{path}"))),
                )
        })
        .collect()
}

/// The Google service account the fakes trust in [`fake_sources_in_any_mode`].
pub const SERVICE_ACCOUNT_EMAIL: &str = "workplace-mcp@acme-demo.iam.gserviceaccount.com";

/// Like [`fake_sources`], but with every credential each mode needs (a Google service account the
/// fake trusts for domain-wide delegation in `acme.example`, the Notion integration token, the
/// Microsoft app secret), so `extra` can put any source in any mode (`GOOGLE_DRIVE_MODE=service`,
/// `NOTION_MODE=service`, `SHAREPOINT_MODE=service`; shared credentials are acknowledged).
pub async fn fake_sources_in_any_mode(
    extra: &[(&str, String)],
) -> (RunningFakes, Vec<Arc<dyn Source>>) {
    let account =
        upstream_fakes::generate_service_account(SERVICE_ACCOUNT_EMAIL, "http://unused/token")
            .unwrap();
    let fake_config = FakeConfig {
        google_service_account_key: Some(account.public_key),
        ..FakeConfig::default()
    };
    let notion_token = fake_config.notion_integration_token.clone();
    let microsoft_secret = fake_config.microsoft_client_secret.clone();
    let microsoft_tenant = fake_config.microsoft_tenant_id.clone();
    let microsoft_client = fake_config.microsoft_client_id.clone();
    let fakes = RunningFakes::start(fake_config).await.unwrap();
    let base = fakes.base_url.clone();
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.clone()),
        // Keyword searches of the calendars look around the demo meetings' weeks, whatever the
        // date the tests run on.
        (
            "CALENDAR_SEARCH_AROUND",
            upstream_fakes::calendar::DEMO_AROUND.to_owned(),
        ),
        ("GOOGLE_TOKEN_URL", format!("{base}/token")),
        ("GOOGLE_WORKSPACE_DOMAINS", "acme.example".to_owned()),
        ("GRAPH_REGION", "NAM".to_owned()),
        ("MICROSOFT_TENANT_ID", microsoft_tenant),
        ("MICROSOFT_CLIENT_ID", microsoft_client),
        ("ALLOW_SHARED_CREDENTIALS", "notion,sharepoint".to_owned()),
    ]);
    env.extend(every_source_on_the_fakes(&base));
    env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let credentials = UpstreamCredentials::default()
        .with(
            UpstreamCredentials::DESCOPE_MANAGEMENT_KEY,
            SecretString::from(MANAGEMENT_KEY),
        )
        .with("google_service_account", SecretString::from(account.json))
        .with("notion_token", SecretString::from(notion_token))
        .with(
            "microsoft_client_secret",
            SecretString::from(microsoft_secret),
        );
    let sources = build_sources(&config, &credentials, &http_client().unwrap()).unwrap();
    (fakes, sources)
}
