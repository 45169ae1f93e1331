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
        ("GOOGLE_API_BASE_URL", base.clone()),
        ("NOTION_API_BASE_URL", base.clone()),
        // Read only when GOOGLE_CALENDAR_MODE turns the calendar on.
        (
            "GOOGLE_CALENDAR_MCP_URL",
            format!("{base}/calendarmcp/mcp/v1"),
        ),
        ("GRAPH_BASE_URL", base),
    ]);
    env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let credentials = UpstreamCredentials {
        descope_management_key: Some(SecretString::from(MANAGEMENT_KEY)),
        ..UpstreamCredentials::default()
    };
    let sources = build_sources(&config, &credentials, &http_client().unwrap()).unwrap();
    (fakes, sources)
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
        ("GOOGLE_API_BASE_URL", base.clone()),
        ("GOOGLE_TOKEN_URL", format!("{base}/token")),
        ("GOOGLE_WORKSPACE_DOMAINS", "acme.example".to_owned()),
        ("NOTION_API_BASE_URL", base.clone()),
        (
            "GOOGLE_CALENDAR_MCP_URL",
            format!("{base}/calendarmcp/mcp/v1"),
        ),
        ("GRAPH_BASE_URL", base.clone()),
        ("GRAPH_REGION", "NAM".to_owned()),
        ("MICROSOFT_LOGIN_BASE_URL", base),
        ("MICROSOFT_TENANT_ID", microsoft_tenant),
        ("MICROSOFT_CLIENT_ID", microsoft_client),
        ("ALLOW_SHARED_CREDENTIALS", "notion,sharepoint".to_owned()),
    ]);
    env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let credentials = UpstreamCredentials {
        descope_management_key: Some(SecretString::from(MANAGEMENT_KEY)),
        google_service_account: Some(SecretString::from(account.json)),
        notion_token: Some(SecretString::from(notion_token)),
        microsoft_client_secret: Some(SecretString::from(microsoft_secret)),
    };
    let sources = build_sources(&config, &credentials, &http_client().unwrap()).unwrap();
    (fakes, sources)
}
