//! Google's Workspace MCP servers (Drive, Gmail, Calendar, …), one per product, on the fakes'
//! port: `POST /<product>/mcp/v1` and `/<product>/mcp/v1self` (e.g. `/drivemcp/mcp/v1`, as
//! `drivemcp.googleapis.com/mcp/v1` is on Google's side), and each one's RFC 9728 metadata at
//! `/.well-known/oauth-protected-resource/<product>/mcp/v1`.
//!
//! What Google's servers do, as `shared/reference/google-workspace-mcp.md` §2–§4 records it:
//! - Stateless 2026-07-28 JSON-RPC over POST (no session, no handshake; `_meta` and the
//!   `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name` headers checked against each other), still
//!   answering a legacy `initialize` and `tools/list`, with or without a token.
//! - `tools/call` without a token answers the missing-credential *error result*, not a 401; an
//!   invalid or expired token likewise. The [`Settings::challenges`] mode answers those with
//!   `401` and `WWW-Authenticate: Bearer resource_metadata=…` instead, in case Google moves to
//!   the MCP authorization spec; the `challenge` knob forces one on any request.
//! - A token lacking the tool's scope: an error result. A per-product quota of 5,000 units a
//!   day (Standard tier), some tools costing several: exceeded, an error result in the format
//!   of Google's quota errors (the MCP format is **\[unconfirmed\]**).
//! - Disabled-service and permission failures as error results (`Settings::disabled`,
//!   `Settings::denied`).
//! - `v1self` lists and serves only the tools that need no approval form.
//!
//! Not modelled: elicitation (approval forms and MRTR `dependentRequests`).
//!
//! A product is a [`Product`]: its name, the token upstream it accepts, its scopes and a table of
//! `ToolDef`s, each with its schemas and a handler. Each is declared by its source's folder
//! (`drive/mcp.rs`, `gmail/`, `google_calendar/`) in that fake's [`crate::FakeUpstream`]
//! (`google_mcp`), which also names its knob route (`serves`); the frame serves every product
//! the fakes declare.

mod frame;
mod rpc;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::corpus::{Principal, Upstream};
use crate::state::FakeState;

pub(crate) use frame::{challenge_response, origin, product_scopes, router};

/// The Standard tier's allowance: requests a day, per project, per product.
pub const DAILY_QUOTA: u64 = 5_000;

/// The products served: those the fakes of [`crate::UPSTREAMS`] declare.
pub(crate) fn products() -> Vec<Product> {
    crate::UPSTREAMS
        .iter()
        .filter_map(|upstream| upstream.google_mcp)
        .map(|product| product())
        .collect()
}

/// Whether `(method, path segments)` is a call to product `name`'s endpoints
/// (`POST /<name>/mcp/v1` or `/v1self`): for the knob route names of the fakes that declare a
/// product. A request to a product nobody declares is the `google_mcp` route.
pub(crate) fn serves(name: &str, method: &str, segments: &[&str]) -> bool {
    matches!((method, segments), ("POST", [product, "mcp", "v1" | "v1self"]) if *product == name)
}

/// One Google MCP server, declared by its source's fake (opaque outside the fakes).
pub struct Product {
    /// Path segment and host label, e.g. `drivemcp`.
    pub(crate) name: &'static str,
    /// `serverInfo.title`, e.g. "Google Drive MCP server".
    pub(crate) title: &'static str,
    /// Whose tokens it accepts (the fakes issue tokens per upstream).
    pub(crate) upstream: Upstream,
    /// `scopes_supported` of its protected-resource metadata.
    pub(crate) scopes: &'static [&'static str],
    /// Its tools, in the order `tools/list` answers them.
    pub(crate) tools: Vec<ToolDef>,
}

/// What a tool handler answers: the structured result, or the text of an error result.
pub(crate) type ToolAnswer = Result<Value, String>;

/// One tool: what `tools/list` says about it, what it costs and who may call it, and its handler.
pub(crate) struct ToolDef {
    /// The published name.
    pub(crate) name: &'static str,
    /// The published description.
    pub(crate) description: &'static str,
    /// The input schema (a JSON Schema object).
    pub(crate) input_schema: fn() -> Value,
    /// The output schema (a JSON Schema object).
    pub(crate) output_schema: fn() -> Value,
    /// `readOnlyHint` (and `idempotentHint`) in its annotations.
    pub(crate) read_only: bool,
    /// Whether `/mcp/v1self` serves it (it needs no approval form).
    pub(crate) on_v1self: bool,
    /// Quota units one call costs.
    pub(crate) units: u64,
    /// The token needs one of these scopes.
    pub(crate) scopes: &'static [&'static str],
    /// Answers a call.
    pub(crate) handler: fn(&ToolCall<'_>) -> ToolAnswer,
}

/// Which endpoint a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// `/mcp/v1`.
    V1,
    /// `/mcp/v1self`: for clients without form elicitation.
    V1Self,
}

/// One `tools/call`, as a handler sees it.
pub(crate) struct ToolCall<'a> {
    /// The fakes' state (corpus, tokens).
    pub(crate) state: &'a FakeState,
    /// Whom the token acts for.
    pub(crate) principal: &'a Principal,
    /// The arguments object.
    pub(crate) args: &'a Map<String, Value>,
    /// Which endpoint.
    pub(crate) variant: Variant,
}

impl ToolCall<'_> {
    /// A string argument.
    pub(crate) fn str_arg(&self, name: &str) -> Result<Option<&str>, String> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("Invalid argument `{name}`: expected a string.")),
        }
    }

    /// A required string argument.
    pub(crate) fn required(&self, name: &str) -> Result<&str, String> {
        self.str_arg(name)?
            .ok_or_else(|| format!("Missing required argument `{name}`."))
    }

    /// A boolean argument (absent: `default`).
    pub(crate) fn bool_arg(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("Invalid argument `{name}`: expected a boolean.")),
        }
    }

    /// An integer argument within `range` (absent: `default`).
    pub(crate) fn int_arg(
        &self,
        name: &str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, String> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
                format!(
                    "Invalid argument `{name}`: expected an integer from {} to {}.",
                    range.start(),
                    range.end()
                )
            }),
        }
    }
}

/// The frame's switches and counters, set through `POST /_fake/google-mcp`.
#[derive(Default)]
pub struct GoogleMcpState {
    settings: Mutex<HashMap<String, Settings>>,
    used: Mutex<HashMap<String, u64>>,
}

/// One product's switches.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct Settings {
    /// Answer a missing, invalid or expired token with `401` + `WWW-Authenticate` instead of an
    /// error result.
    #[serde(default)]
    pub challenges: bool,
    /// Answer every request with an event stream (`text/event-stream`) instead of JSON.
    #[serde(default)]
    pub sse: bool,
    /// The daily quota (default [`DAILY_QUOTA`]).
    #[serde(default)]
    pub quota: Option<u64>,
    /// Units used so far today (set to start near the limit).
    #[serde(default)]
    pub used: Option<u64>,
    /// Cost overrides by tool name.
    #[serde(default)]
    pub units: HashMap<String, u64>,
    /// The MCP service is not enabled in the project.
    #[serde(default)]
    pub disabled: bool,
    /// The OAuth client may not use the server (not flagged as an AI agent, or not enrolled).
    #[serde(default)]
    pub denied: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GoogleMcpState {
    /// `product`'s switches.
    pub fn settings(&self, product: &str) -> Settings {
        lock(&self.settings)
            .get(product)
            .cloned()
            .unwrap_or_default()
    }

    /// Sets `product`'s switches (and its used units when `used` is given).
    pub fn set(&self, product: &str, settings: Settings) {
        if let Some(used) = settings.used {
            lock(&self.used).insert(product.to_owned(), used);
        }
        lock(&self.settings).insert(product.to_owned(), settings);
    }

    /// Units `product` used today.
    pub fn used(&self, product: &str) -> u64 {
        lock(&self.used).get(product).copied().unwrap_or(0)
    }

    /// Charges `units` to `product` if the quota allows; `false` when it is exhausted.
    fn charge(&self, product: &str, units: u64) -> bool {
        let limit = self.settings(product).quota.unwrap_or(DAILY_QUOTA);
        let mut used = lock(&self.used);
        let entry = used.entry(product.to_owned()).or_insert(0);
        if *entry + units > limit {
            return false;
        }
        *entry += units;
        true
    }

    /// Back to defaults, counters at zero.
    pub fn reset(&self) {
        lock(&self.settings).clear();
        lock(&self.used).clear();
    }
}
