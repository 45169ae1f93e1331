//! A fake Salesforce org over the REST API (`/services/data/v66.0/...`), run as the token's user.
//!
//! | route | name (for knobs) |
//! |---|---|
//! | `GET /services/data/v66.0/search/?q=<SOSL>` | `salesforce.search` |
//! | `GET /services/data/v66.0/query/?q=<SOQL>`, `GET .../query/<locator>` | `salesforce.query` |
//! | `GET /services/data/v66.0/sobjects/{Type}/{Id}` | `salesforce.record` |
//!
//! - Auth: a bearer token the fake Descope issued for the `salesforce` outbound app; anything
//!   else (missing, expired, another upstream's) is 401 `INVALID_SESSION_ID`.
//! - Visibility: each record has an owner and the users it is shared with; field-level security
//!   hides some fields from some users (`corpus/salesforce.json`): selecting one is 400
//!   `INVALID_FIELD` "No such column", a record read leaves it out.
//! - SOSL (`sosl.rs`): escapes, phrases, operators, per-object field lists, `WHERE`, `ORDER BY`,
//!   `LIMIT`, `OFFSET` rules, the 2,000-row cap, sharing applied after the limits.
//! - SOQL (`soql.rs`): sharing before `LIMIT`; answers in batches (`Sforce-Query-Options:
//!   batchSize=N`, 200 to 2,000) with `nextRecordsUrl` locators bound to their user.
//! - Errors are Salesforce's arrays `[{"message", "errorCode"}]`; every answer carries
//!   `Sforce-Limit-Info: api-usage=N/LIMIT`; past the org's daily allowance every request is
//!   403 `REQUEST_LIMIT_EXCEEDED`.
//! - Control: `POST /_fake/salesforce {"daily_limit", "used", "batch_size"}` (a batch size
//!   below Salesforce's minimum, to page the small demo org).

mod data;
mod ql;
mod soql;
mod sosl;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::corpus::{Principal, Upstream};
use crate::state::FakeState;

use data::{Org, OrgUser};
use ql::QlError;

/// The API version served.
pub(crate) const VERSION: &str = "v66.0";
/// The Descope outbound app whose tokens this fake accepts.
pub(crate) const APP: &str = "salesforce";
/// Rows per query batch unless asked otherwise.
const DEFAULT_BATCH: usize = 2_000;

/// The route name of a request for the knobs, when it is one of this fake's.
pub(crate) fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    match (method, segments) {
        ("GET", ["services", "data", _, "search", ..]) => Some("salesforce.search"),
        ("GET", ["services", "data", _, "query", ..]) => Some("salesforce.query"),
        ("GET", ["services", "data", _, "sobjects", ..]) => Some("salesforce.record"),
        _ => None,
    }
}

/// An error array.
fn error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        axum::Json(json!([{"message": message, "errorCode": code}])),
    )
        .into_response()
}

/// The answer to an injected fault (`/_fake/knobs`), in Salesforce's dialect.
/// Salesforce sends no `Retry-After`: a throttle is 403 `REQUEST_LIMIT_EXCEEDED`.
pub(crate) fn injected(fault: crate::Fault) -> Response {
    match fault.status {
        401 => error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
        403 | 429 => error(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
        ),
        s => error(
            s,
            "SERVER_UNAVAILABLE",
            "Server temporarily unavailable; please retry.",
        ),
    }
}

/// The API allowance and query batching.
struct Usage {
    used: u64,
    limit: u64,
    batch_size: Option<usize>,
}

/// The rest of a query's rows, for its user.
struct Locator {
    user: String,
    rows: Vec<Value>,
}

/// The fake org and its counters.
pub(crate) struct SalesforceFake {
    org: Org,
    usage: Mutex<Usage>,
    locators: Mutex<HashMap<String, Locator>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This fake in [`crate::UPSTREAMS`].
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::Salesforce,
    descope_app: APP,
    token_prefix: "00DAc0000000ACME!AQ",
    routes,
    google_mcp: None,
    knobs: crate::FakeKnobs {
        route_of,
        fault: injected,
    },
};

/// The routes. The org's counters and query locators are this fake's own state, one per
/// started fake (an extension beside the shared state).
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    let org = Org::demo();
    let usage = Usage {
        used: 0,
        limit: org.daily_limit,
        batch_size: None,
    };
    let state = Arc::new(SalesforceFake {
        org,
        usage: Mutex::new(usage),
        locators: Mutex::new(HashMap::new()),
    });
    let base = format!("/services/data/{VERSION}");
    Router::new()
        .route(&format!("{base}/search"), get(search))
        .route(&format!("{base}/search/"), get(search))
        .route(&format!("{base}/query"), get(query))
        .route(&format!("{base}/query/"), get(query))
        .route(&format!("{base}/query/{{locator}}"), get(more))
        .route(&format!("{base}/sobjects/{{object}}/{{id}}"), get(record))
        .route("/_fake/salesforce", post(control))
        .layer(Extension(state))
}

impl SalesforceFake {
    /// Authenticates and counts one API request: the user, or the error answer.
    fn begin(&self, fake: &FakeState, headers: &HeaderMap) -> Result<&OrgUser, Response> {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let user = match fake.check_token(Upstream::Salesforce, bearer) {
            Some(Principal::User(email)) => self.org.user(&email),
            _ => None,
        };
        let Some(user) = user else {
            return Err(error(
                401,
                "INVALID_SESSION_ID",
                "Session expired or invalid",
            ));
        };
        let mut usage = lock(&self.usage);
        if usage.used >= usage.limit {
            return Err(error(
                403,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            ));
        }
        usage.used += 1;
        Ok(user)
    }

    fn with_limit_info(&self, mut response: Response) -> Response {
        let usage = lock(&self.usage);
        if let Ok(value) = HeaderValue::from_str(&format!(
            "api-usage={}/{}",
            usage.used.min(usage.limit),
            usage.limit
        )) {
            response.headers_mut().insert("sforce-limit-info", value);
        }
        response
    }

    fn batch_size(&self, headers: &HeaderMap) -> usize {
        if let Some(size) = lock(&self.usage).batch_size {
            return size.max(1);
        }
        headers
            .get("sforce-query-options")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().strip_prefix("batchSize="))
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(DEFAULT_BATCH, |n| n.clamp(200, DEFAULT_BATCH))
    }

    /// One batch of `rows`; the rest stays behind a locator for `user`.
    fn batch(&self, user: &OrgUser, mut rows: Vec<Value>, size: usize, total: usize) -> Value {
        let rest = if rows.len() > size {
            rows.split_off(size)
        } else {
            Vec::new()
        };
        let done = rest.is_empty();
        let mut answer = json!({"totalSize": total, "done": done, "records": rows});
        if !done {
            let id = format!(
                "01gAc{}-{}",
                hex::encode(rand::random::<[u8; 5]>()),
                total - rest.len()
            );
            answer["nextRecordsUrl"] = json!(format!("/services/data/{VERSION}/query/{id}"));
            lock(&self.locators).insert(
                id,
                Locator {
                    user: user.email.clone(),
                    rows: rest,
                },
            );
        }
        answer
    }
}

fn refused(err: &QlError) -> Response {
    error(400, err.code, &err.message)
}

/// `q`.
#[derive(Deserialize)]
struct Statement {
    #[serde(default)]
    q: Option<String>,
}

async fn search(
    State(fake): State<Arc<FakeState>>,
    Extension(sf): Extension<Arc<SalesforceFake>>,
    headers: HeaderMap,
    Query(params): Query<Statement>,
) -> Response {
    let answer = match sf.begin(&fake, &headers) {
        Err(response) => response,
        Ok(user) => match params.q.as_deref() {
            None | Some("") => error(400, "MALFORMED_SEARCH", "No search term found."),
            Some(q) => match sosl::run(&sf.org, user, q) {
                Ok(records) => axum::Json(json!({"searchRecords": records})).into_response(),
                Err(err) => refused(&err),
            },
        },
    };
    sf.with_limit_info(answer)
}

async fn query(
    State(fake): State<Arc<FakeState>>,
    Extension(sf): Extension<Arc<SalesforceFake>>,
    headers: HeaderMap,
    Query(params): Query<Statement>,
) -> Response {
    let answer = match sf.begin(&fake, &headers) {
        Err(response) => response,
        Ok(user) => match params.q.as_deref() {
            None | Some("") => error(400, "MALFORMED_QUERY", "unexpected token: <EOF>"),
            Some(q) => match soql::run(&sf.org, user, q) {
                Ok(rows) => {
                    let total = rows.len();
                    let size = sf.batch_size(&headers);
                    axum::Json(sf.batch(user, rows, size, total)).into_response()
                }
                Err(err) => refused(&err),
            },
        },
    };
    sf.with_limit_info(answer)
}

async fn more(
    State(fake): State<Arc<FakeState>>,
    Extension(sf): Extension<Arc<SalesforceFake>>,
    headers: HeaderMap,
    Path(locator): Path<String>,
) -> Response {
    let answer = match sf.begin(&fake, &headers) {
        Err(response) => response,
        Ok(user) => {
            let taken = {
                let mut locators = lock(&sf.locators);
                match locators.get(&locator) {
                    Some(l) if l.user == user.email => locators.remove(&locator),
                    _ => None,
                }
            };
            match taken {
                // A locator is its user's: another user's (or an unknown one) is invalid.
                None => error(400, "INVALID_QUERY_LOCATOR", "invalid query locator"),
                Some(l) => {
                    let offset: usize = locator
                        .rsplit_once('-')
                        .and_then(|(_, n)| n.parse().ok())
                        .unwrap_or(0);
                    let size = sf.batch_size(&headers);
                    let total = offset + l.rows.len();
                    let mut answer = sf.batch(user, l.rows, size, total);
                    answer["totalSize"] = json!(total);
                    axum::Json(answer).into_response()
                }
            }
        }
    };
    sf.with_limit_info(answer)
}

async fn record(
    State(fake): State<Arc<FakeState>>,
    Extension(sf): Extension<Arc<SalesforceFake>>,
    headers: HeaderMap,
    Path((object, id)): Path<(String, String)>,
) -> Response {
    let answer = match sf.begin(&fake, &headers) {
        Err(response) => response,
        Ok(user) => {
            let found = sf
                .org
                .record(&id)
                .filter(|r| r.object == object && Org::visible(user, r));
            match found {
                // Not shared is indistinguishable from not there.
                None => error(404, "NOT_FOUND", "The requested resource does not exist"),
                Some(r) => axum::Json(sf.org.read(user, r)).into_response(),
            }
        }
    };
    sf.with_limit_info(answer)
}

/// `POST /_fake/salesforce`.
#[derive(Deserialize)]
struct Control {
    #[serde(default)]
    daily_limit: Option<u64>,
    #[serde(default)]
    used: Option<u64>,
    #[serde(default)]
    batch_size: Option<usize>,
}

async fn control(
    Extension(sf): Extension<Arc<SalesforceFake>>,
    axum::Json(control): axum::Json<Control>,
) -> Response {
    let mut usage = lock(&sf.usage);
    if let Some(limit) = control.daily_limit {
        usage.limit = limit;
    }
    if let Some(used) = control.used {
        usage.used = used;
    }
    if control.batch_size.is_some() {
        usage.batch_size = control.batch_size;
    }
    axum::Json(json!({"ok": true, "used": usage.used, "daily_limit": usage.limit})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_org_parses_and_its_ids_are_checksummed() {
        let org = Org::demo();
        assert!(org.records.len() >= 16, "{}", org.records.len());
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        let ids = org
            .records
            .iter()
            .filter_map(|r| r.fields.get("Id").and_then(Value::as_str))
            .chain(org.users.iter().map(|u| u.id.as_str()));
        for id in ids {
            assert_eq!(id.len(), 18, "{id}");
            let sum: String = id.as_bytes()[..15]
                .chunks(5)
                .map(|chunk| {
                    let bits = chunk
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.is_ascii_uppercase())
                        .fold(0usize, |acc, (i, _)| acc | (1 << i));
                    char::from(ALPHABET[bits])
                })
                .collect();
            assert_eq!(&id[15..], sum, "{id}");
        }
    }

    #[test]
    fn sharing_and_field_security_follow_the_user() {
        let org = Org::demo();
        let search = "FIND {globex} IN ALL FIELDS RETURNING Opportunity(Id, Name, StageName, CloseDate), Account(Id, Name), Case(Id, Subject), Contact(Id, Name) LIMIT 50";
        let names = |email: &str| -> Vec<String> {
            let user = org.user(email).unwrap();
            sosl::run(&org, user, search)
                .unwrap()
                .iter()
                .map(|r| {
                    r["Name"]
                        .as_str()
                        .or(r["Subject"].as_str())
                        .unwrap_or("")
                        .to_owned()
                })
                .collect()
        };
        let dana = names("dev@acme.example");
        assert!(
            dana.contains(&"Globex renewal FY2027".to_owned()),
            "{dana:?}"
        );
        assert!(dana.contains(&"Hank Scorpio".to_owned()), "{dana:?}");
        assert_eq!(names("alice@acme.example"), dana);
        assert!(names("bob@acme.example").is_empty());
        assert!(names("carol@acme.example").is_empty());

        let bob = org.user("bob@acme.example").unwrap();
        let err = sosl::run(
            &org,
            bob,
            "FIND {initech} RETURNING Opportunity(Id, Amount)",
        )
        .unwrap_err();
        assert_eq!(err.code, "INVALID_FIELD");
        assert!(
            err.message
                .contains("No such column 'Amount' on entity 'Opportunity'"),
            "{}",
            err.message
        );
        let read = org.read(
            bob,
            org.records
                .iter()
                .find(|r| r.fields["Name"] == "Initech platform upgrade")
                .unwrap(),
        );
        assert!(
            read.get("Amount").is_none() && read["StageName"] == "Prospecting",
            "{read}"
        );
    }

    #[test]
    fn sosl_limits_cut_before_sharing() {
        let org = Org::demo();
        let bob = org.user("bob@acme.example").unwrap();
        // Globex's account comes first and Bob cannot see it: one row asked, none answered.
        let rows = sosl::run(
            &org,
            bob,
            "FIND {globex OR initech} RETURNING Account(Id, Name) LIMIT 1",
        )
        .unwrap();
        assert!(rows.is_empty(), "{rows:?}");
        let rows = sosl::run(
            &org,
            bob,
            "FIND {globex OR initech} RETURNING Account(Id, Name) LIMIT 2",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["Name"], "Initech");
    }
}
