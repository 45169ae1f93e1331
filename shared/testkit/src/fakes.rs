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
