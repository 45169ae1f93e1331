//! Salesforce CRM through its REST API, as the calling user: accounts, contacts, opportunities
//! and cases.
//!
//! - Search: one SOSL `GET /services/data/v66.0/search/?q=FIND {...} IN ALL FIELDS RETURNING
//!   Opportunity(...), Account(...), Case(...), Contact(...) LIMIT n` (`search.rs`), the caller's
//!   words escaped for SOSL (`sosl.rs`). The REST API applies the user's object permissions,
//!   sharing rules and field-level security; a field the user may not see makes Salesforce
//!   refuse the whole statement (400 `INVALID_FIELD`), so it is left out and the search sent
//!   again. Salesforce truncates before it applies sharing, so a page can hold fewer rows than
//!   asked for; that is what the user may see, not an error.
//! - Filters are `WHERE` conditions on every object of the `RETURNING` list (dates, owner by
//!   `Owner.Email` or `Owner.Name`), and containers (object names) shorten that list
//!   (`filters.rs`).
//! - Fetch: `GET /sobjects/{Type}/{Id}` (the object comes from the id's key prefix, `id.rs`),
//!   with, concurrently, one SOQL query for the record's related names (account, owner) and, for
//!   an account, its open opportunities, contacts and open cases (`content.rs`); SOQL pages are
//!   followed through `nextRecordsUrl` only when it is a query locator on the same instance.
//! - Hits carry [`crate::details::RecordDetails`] (stage, amount, close date, owner; status,
//!   priority) and the record's Lightning link.
//! - Errors are Salesforce's JSON arrays (`dialect.rs`); `Sforce-Limit-Info` (the org's API
//!   usage) is logged with every answer.
//!
//! The instance is a setting (`SALESFORCE_INSTANCE_URL`, the org's My Domain URL), not the
//! identity URL: Descope's token answer has no `instance_url`, and reading the identity URL would
//! cost a request per token and let a token's metadata decide where the server sends it.

pub(crate) mod content;
pub(crate) mod dialect;
mod filters;
pub mod id;
mod render;
mod search;
pub(crate) mod settings;
pub(crate) mod sosl;
mod source;
#[cfg(test)]
mod tests;
mod wire;

use reqwest::Response;

use crate::endpoint::BaseUrl;
use crate::upstream::Upstream;

/// Salesforce's registry entry ([`crate::registry`]).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: crate::SourceKind::Salesforce,
    mode_setting: settings::MODE_SETTING,
    template_parameter: "SalesforceMode",
    deployed_settings: &[settings::INSTANCE_SETTING],
    on_by_default: false,
    base_url_settings: &[settings::INSTANCE_SETTING],
    endpoint_settings: &[],
    secret_keys: &[],
    shared_service_credential: false,
    comments: false,
    lists_events: false,
    item_types: &[crate::query::ItemType::Record],
    upstream_scopes: &settings::SALESFORCE_SCOPES,
    settings: settings::settings,
    example_id: "006D000000IqhSL",
};

/// The REST API version every path names.
pub const API_VERSION: &str = "v66.0";

const REAUTH: &str = "Reconnect Salesforce to workplace-mcp and try again.";

/// The Salesforce source.
pub struct Salesforce {
    upstream: Upstream,
    instance: BaseUrl,
}

impl Salesforce {
    /// The org at `instance` (its My Domain URL).
    pub(crate) fn new(http: reqwest::Client, instance: BaseUrl) -> Self {
        Self {
            upstream: Upstream::new(http, dialect::API, REAUTH),
            instance,
        }
    }

    /// `{instance}/services/data/v66.0/{segments...}`.
    fn api(&self, segments: &[&str]) -> url::Url {
        let mut all = vec!["services", "data", API_VERSION];
        all.extend_from_slice(segments);
        self.instance.join(&all)
    }
}

/// Logs the org's API usage Salesforce reports with every answer (`api-usage=18/5000`): the
/// rolling 24-hour allowance every user of the org shares.
fn log_limit_info(response: &Response) {
    if let Some(usage) = response
        .headers()
        .get("sforce-limit-info")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("api-usage="))
    {
        let (used, allowed) = usage.split_once('/').unwrap_or((usage, ""));
        tracing::info!(
            api_usage = used.parse::<u64>().ok(),
            api_allowance = allowed.parse::<u64>().ok(),
            "Salesforce API usage"
        );
    }
}
