//! The fakes' shared state: issued tokens, knobs, the request log, Descope connections.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::DecodingKey;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::corpus::{Corpus, Principal, Upstream};

/// Credentials and identities the fakes accept. Defaults suit tests; `make dev` writes the same
/// values into the emulator's secret.
#[derive(Clone)]
pub struct FakeConfig {
    /// Port of the API listener (0: any free port).
    pub port: u16,
    /// Port of the download listener, a different origin as Graph's pre-authenticated URLs are.
    pub download_port: u16,
    /// Descope project id.
    pub descope_project_id: String,
    /// Descope management key.
    pub descope_management_key: String,
    /// The Notion internal-integration token.
    pub notion_integration_token: String,
    /// Microsoft tenant id.
    pub microsoft_tenant_id: String,
    /// Microsoft app (client) id.
    pub microsoft_client_id: String,
    /// Microsoft client secret.
    pub microsoft_client_secret: String,
    /// Google service account email.
    pub google_service_account_email: String,
    /// The service account's public key; assertions must verify with it.
    pub google_service_account_key: Option<DecodingKey>,
    /// Lifetime of issued tokens.
    pub token_ttl: Duration,
    /// Whether the Notion integration has the "Insert comments" capability; without it Notion
    /// refuses `POST /v1/comments` with 403 `restricted_resource`.
    pub notion_insert_comments: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            port: 0,
            download_port: 0,
            descope_project_id: "P2demo".into(),
            descope_management_key: "K2demo-management-key".into(),
            notion_integration_token: "ntn_demo_integration_token".into(),
            microsoft_tenant_id: "acme-tenant".into(),
            microsoft_client_id: "11111111-2222-3333-4444-555555555555".into(),
            microsoft_client_secret: "demo-client-secret".into(),
            google_service_account_email: "workplace-mcp@acme-demo.iam.gserviceaccount.com".into(),
            google_service_account_key: None,
            token_ttl: Duration::from_secs(3600),
            notion_insert_comments: true,
        }
    }
}

/// A token the fakes issued.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    /// Which API accepts it.
    pub upstream: Upstream,
    /// Who it acts for.
    pub principal: Principal,
    /// Seconds since the epoch.
    pub expires_at: u64,
    /// The OAuth scopes it was granted (Google's; empty where the upstream has none).
    pub scopes: Vec<String>,
}

/// A fault to inject on one route.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Knob {
    /// Delay before answering.
    #[serde(default)]
    pub latency_ms: u64,
    /// Answer with this status and the upstream's error body (500, 503, 401, ...).
    #[serde(default)]
    pub status: Option<u16>,
    /// Throttle: 429 (or Drive's 403 `userRateLimitExceeded` when `drive_quota` is set) with this
    /// `Retry-After`.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// With `retry_after`: answer like Drive's per-user quota (403) instead of 429.
    #[serde(default)]
    pub drive_quota: bool,
    /// Answer 200 with a body that is not the API's JSON.
    #[serde(default)]
    pub malformed: bool,
    /// On a Google MCP route: answer `401` with `WWW-Authenticate: Bearer resource_metadata=…`
    /// whatever the token, as a resource server that refuses it would.
    #[serde(default)]
    pub challenge: bool,
    /// With `challenge`: the `scope` the challenge names (default: the product's scopes).
    #[serde(default)]
    pub challenge_scope: Option<String>,
    /// How many requests the fault applies to (then it clears); unlimited when absent.
    #[serde(default)]
    pub times: Option<u32>,
}

/// One request as the fakes saw it; never the token itself.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// Route name, e.g. `drive.search`.
    pub route: &'static str,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Whether an Authorization header came with it.
    pub authorization: bool,
    /// The first 8 hex digits of the Authorization value's SHA-256, to tell tokens apart.
    pub authorization_hash: Option<String>,
    /// The request body, when JSON or a form (credentials inside forms are redacted).
    pub body: Option<String>,
}

#[derive(Default)]
struct Barrier {
    routes: Vec<String>,
    count: usize,
}

/// Everything the handlers share.
pub struct FakeState {
    /// The documents.
    pub corpus: Corpus,
    /// The demo calendars (`corpus/calendar.json`).
    pub calendars: crate::calendar::Calendars,
    /// The credentials accepted.
    pub config: FakeConfig,
    /// Base URL of the download listener.
    pub download_base: Mutex<String>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    knobs: Mutex<HashMap<String, Knob>>,
    requests: Mutex<Vec<RecordedRequest>>,
    barrier: Mutex<Barrier>,
    arrivals: watch::Sender<usize>,
    connections: Mutex<HashMap<(String, String), bool>>,
    /// Scopes a user consented to per app, when not every scope asked (absent: all of them).
    consents: Mutex<HashMap<(String, String), Vec<String>>>,
    downloads: Mutex<HashMap<String, String>>,
    /// Notion pages and Drive files "edited" through `/_fake/edit`: their new last-change time.
    edits: Mutex<HashMap<String, String>>,
    /// Descope users added through `/_fake/users`: their id and the demo user whose identity
    /// (email, groups, so visibility) they share.
    aliases: Mutex<HashMap<String, String>>,
    notion: crate::notion::Blocks,
    comments: Mutex<Vec<crate::comments::StoredComment>>,
    /// Google's MCP servers' switches and quota counters.
    pub google_mcp: crate::google_mcp::GoogleMcpState,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl FakeState {
    /// Fresh state over `corpus`.
    pub fn new(corpus: Corpus, config: FakeConfig) -> Self {
        let (arrivals, _) = watch::channel(0);
        let notion = crate::notion::Blocks::build(&corpus);
        let state = Self {
            notion,
            downloads: Mutex::new(HashMap::new()),
            edits: Mutex::new(HashMap::new()),
            aliases: Mutex::new(HashMap::new()),
            comments: Mutex::new(Vec::new()),
            google_mcp: crate::google_mcp::GoogleMcpState::default(),
            corpus,
            calendars: crate::calendar::Calendars::demo(),
            config,
            download_base: Mutex::new(String::new()),
            tokens: Mutex::new(HashMap::new()),
            knobs: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            barrier: Mutex::new(Barrier::default()),
            arrivals,
            connections: Mutex::new(HashMap::new()),
            consents: Mutex::new(HashMap::new()),
        };
        state.reset_connections();
        state
    }

    /// The Notion blocks of every page.
    pub fn notion_blocks(&self) -> &crate::notion::Blocks {
        &self.notion
    }

    /// Marks Notion page or Drive file `id` as edited at `time` (its `last_edited_time` or
    /// `modifiedTime` from now on).
    pub fn edit(&self, id: &str, time: &str) {
        lock(&self.edits).insert(id.to_owned(), time.to_owned());
    }

    /// The `last_edited_time` set by [`Self::edit`], if any.
    pub fn last_edited(&self, id: &str) -> Option<String> {
        lock(&self.edits).get(id).cloned()
    }

    /// Adds Descope user `user_id`, who signs in as demo user `like` (same email, so the same
    /// documents) and has connected every app, as a further account of a demo user would have.
    /// `None` when `like` is not a demo user.
    pub fn add_user(&self, user_id: &str, like: &str) -> Option<()> {
        self.corpus.user_by_descope_id(like)?;
        lock(&self.aliases).insert(user_id.to_owned(), like.to_owned());
        let mut connections = lock(&self.connections);
        for app in crate::UPSTREAMS.iter().map(|u| u.descope_app) {
            connections.insert((user_id.to_owned(), app.to_owned()), true);
        }
        Some(())
    }

    /// The demo user behind Descope user `user_id`: a demo user's own id, or one added by
    /// [`Self::add_user`].
    pub fn user_by_descope_id(&self, user_id: &str) -> Option<&crate::corpus::User> {
        let like = lock(&self.aliases).get(user_id).cloned();
        self.corpus
            .user_by_descope_id(like.as_deref().unwrap_or(user_id))
    }

    /// The base URL of the download origin.
    pub fn download_base(&self) -> String {
        lock(&self.download_base).clone()
    }

    /// A one-time pre-authenticated download ticket for a SharePoint item.
    pub fn issue_download(&self, item: &str) -> String {
        let ticket = hex::encode(rand::random::<[u8; 16]>());
        lock(&self.downloads).insert(ticket.clone(), item.to_owned());
        ticket
    }

    /// Redeems a download ticket.
    pub fn download(&self, ticket: &str) -> Option<String> {
        lock(&self.downloads).remove(ticket)
    }

    /// Issues an opaque access token without scopes.
    pub fn issue(&self, upstream: Upstream, principal: Principal) -> (String, u64) {
        self.issue_scoped(upstream, principal, Vec::new())
    }

    /// Issues an opaque access token granted `scopes`.
    pub fn issue_scoped(
        &self,
        upstream: Upstream,
        principal: Principal,
        scopes: Vec<String>,
    ) -> (String, u64) {
        let prefix = crate::upstream(upstream).map_or("fake", |u| u.token_prefix);
        let token = format!("{prefix}{}", hex::encode(rand::random::<[u8; 16]>()));
        let expires_at = now() + self.config.token_ttl.as_secs();
        lock(&self.tokens).insert(
            token.clone(),
            IssuedToken {
                upstream,
                principal,
                expires_at,
                scopes,
            },
        );
        (token, expires_at)
    }

    /// The principal of a valid, unexpired token for `upstream`.
    pub fn check_token(&self, upstream: Upstream, bearer: Option<&str>) -> Option<Principal> {
        let token = bearer?;
        if upstream == Upstream::Notion && token == self.config.notion_integration_token {
            return Some(Principal::App);
        }
        let tokens = lock(&self.tokens);
        let issued = tokens.get(token)?;
        (issued.upstream == upstream && issued.expires_at > now()).then(|| issued.principal.clone())
    }

    /// The scopes of an issued token (none for unknown tokens and the Notion integration token).
    pub fn token_scopes(&self, bearer: Option<&str>) -> Vec<String> {
        bearer
            .and_then(|token| lock(&self.tokens).get(token).map(|t| t.scopes.clone()))
            .unwrap_or_default()
    }

    /// Stores a comment someone added.
    pub(crate) fn add_comment(&self, comment: crate::comments::StoredComment) {
        lock(&self.comments).push(comment);
    }

    /// The comments on one item, oldest first.
    pub fn comments_on(
        &self,
        upstream: Upstream,
        item: &str,
    ) -> Vec<crate::comments::StoredComment> {
        lock(&self.comments)
            .iter()
            .filter(|c| c.upstream == upstream && c.item == item)
            .cloned()
            .collect()
    }

    /// Expires every token issued so far (the "expired" scenario).
    pub fn expire_tokens(&self) {
        for token in lock(&self.tokens).values_mut() {
            token.expires_at = 0;
        }
    }

    /// Whether a Descope user has connected an outbound app.
    pub fn connected(&self, user_id: &str, app_id: &str) -> bool {
        lock(&self.connections)
            .get(&(user_id.to_owned(), app_id.to_owned()))
            .copied()
            .unwrap_or(false)
    }

    /// Sets a user's connection to an app.
    pub fn set_connection(&self, user_id: &str, app_id: &str, connected: bool) {
        lock(&self.connections).insert((user_id.to_owned(), app_id.to_owned()), connected);
    }

    /// Limits what `user_id` consented to for `app_id` to `scopes` (`None`: whatever is asked),
    /// as a user who unticked a permission on the consent screen.
    pub fn set_consent(&self, user_id: &str, app_id: &str, scopes: Option<Vec<String>>) {
        let key = (user_id.to_owned(), app_id.to_owned());
        match scopes {
            Some(scopes) => lock(&self.consents).insert(key, scopes),
            None => lock(&self.consents).remove(&key),
        };
    }

    /// Of `asked`, the scopes `user_id` consented to for `app_id`.
    pub fn consented(&self, user_id: &str, app_id: &str, asked: Vec<String>) -> Vec<String> {
        match lock(&self.consents).get(&(user_id.to_owned(), app_id.to_owned())) {
            Some(granted) => asked.into_iter().filter(|s| granted.contains(s)).collect(),
            None => asked,
        }
    }

    /// Every demo user connected to every app, except Bob, who never connected Notion.
    pub fn reset_connections(&self) {
        lock(&self.consents).clear();
        let mut connections = lock(&self.connections);
        connections.clear();
        for user in &self.corpus.users {
            for app in crate::UPSTREAMS.iter().map(|u| u.descope_app) {
                let connected = !(user.descope_user_id == "U2bob" && app == "notion");
                connections.insert((user.descope_user_id.clone(), app.to_owned()), connected);
            }
        }
    }

    /// Sets the knob of `route` (`*` for every route).
    pub fn set_knob(&self, route: &str, knob: Knob) {
        lock(&self.knobs).insert(route.to_owned(), knob);
    }

    /// Takes the knob applying to `route` now, counting down its `times`.
    pub fn take_knob(&self, route: &str) -> Option<Knob> {
        let mut knobs = lock(&self.knobs);
        let key = if knobs.contains_key(route) {
            route
        } else {
            "*"
        };
        let knob = knobs.get_mut(key)?;
        let current = knob.clone();
        if let Some(times) = knob.times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                knobs.remove(key);
            }
        }
        Some(current)
    }

    /// Holds responses of `routes` until `count` of them have arrived.
    pub fn set_barrier(&self, routes: Vec<String>, count: usize) {
        *lock(&self.barrier) = Barrier { routes, count };
        self.arrivals.send_replace(0);
    }

    /// Waits at the barrier if `route` is held by it.
    pub async fn barrier(&self, route: &str) {
        let count = {
            let barrier = lock(&self.barrier);
            if barrier.count == 0 || !barrier.routes.iter().any(|r| r == route) {
                return;
            }
            barrier.count
        };
        self.arrivals.send_modify(|n| *n += 1);
        let mut rx = self.arrivals.subscribe();
        let _ = rx.wait_for(|n| *n >= count).await;
    }

    /// Logs a request.
    pub fn record(&self, request: RecordedRequest) {
        lock(&self.requests).push(request);
    }

    /// The request log.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// Clears knobs, barrier, log and tokens; restores connections.
    pub fn reset(&self) {
        lock(&self.edits).clear();
        lock(&self.aliases).clear();
        lock(&self.knobs).clear();
        lock(&self.requests).clear();
        lock(&self.comments).clear();
        *lock(&self.barrier) = Barrier::default();
        self.google_mcp.reset();
        self.reset_connections();
    }
}
