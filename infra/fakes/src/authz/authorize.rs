//! The authorization endpoint: validates the request (client, redirect URI, PKCE S256, scope,
//! resource), then shows the consent page, or answers at once under a standing auto-approval.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::register::is_loopback;
use super::{AuthServer, AutoApprove, CODE_TTL, CodeGrant, consent, parse_scope, random_token};
use crate::errors::json_status;
use crate::state::now;

/// A request that passed every check, ready for consent.
#[derive(Debug, Clone)]
pub(super) struct Validated {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub state: Option<String>,
    /// The scopes asked for, space-separated.
    pub scope: String,
    pub resource: String,
}

/// Why a request was refused: on a page when the redirect URI cannot be trusted (with the OAuth
/// error code), else by redirecting back with `error` (RFC 6749 §4.1.2.1).
enum Refusal {
    Page {
        error: &'static str,
        description: String,
    },
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// The parameters of a query string or form; a repeated name keeps every value.
pub(super) fn params(raw: &str) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        map.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    map
}

fn first<'a>(params: &'a HashMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    params.get(name).and_then(|v| v.first()).map(String::as_str)
}

/// Whether `requested` matches a registered redirect URI: exactly, or for loopback `http` URIs
/// with any port (RFC 8252 §7.3: native apps pick a free port at run time).
fn redirect_matches(registered: &[String], requested: &str) -> bool {
    if registered.iter().any(|r| r == requested) {
        return true;
    }
    let Ok(asked) = url::Url::parse(requested) else {
        return false;
    };
    asked.scheme() == "http"
        && is_loopback(&asked)
        && registered
            .iter()
            .filter_map(|r| url::Url::parse(r).ok())
            .any(|r| {
                r.scheme() == "http"
                    && r.host_str() == asked.host_str()
                    && r.path() == asked.path()
                    && r.query() == asked.query()
            })
}

async fn validate(
    server: &AuthServer,
    p: &HashMap<String, Vec<String>>,
) -> Result<Validated, Refusal> {
    let client_id = first(p, "client_id").unwrap_or_default().to_owned();
    if client_id.is_empty() {
        return Err(Refusal::Page {
            error: "invalid_request",
            description: "client_id is required".into(),
        });
    }
    let client = server
        .client(&client_id)
        .await
        .map_err(|why| Refusal::Page {
            error: why.oauth_error(),
            description: format!("client_id `{client_id}`: {why}"),
        })?;
    let redirect_uri = match first(p, "redirect_uri") {
        Some(uri) if redirect_matches(&client.redirect_uris, uri) => uri.to_owned(),
        Some(uri) => {
            // A metadata document client's redirect URIs are the document's; neither kind of
            // client is ever redirected to a URI it did not declare.
            return Err(Refusal::Page {
                error: "invalid_request",
                description: format!(
                    "redirect_uri `{uri}` is not one of this client's redirect_uris"
                ),
            });
        }
        None => match client.redirect_uris.as_slice() {
            [only] => only.clone(),
            _ => {
                return Err(Refusal::Page {
                    error: "invalid_request",
                    description: "redirect_uri is required".into(),
                });
            }
        },
    };
    let state = first(p, "state").map(str::to_owned);
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    if first(p, "response_type") != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let Some(code_challenge) = first(p, "code_challenge").filter(|c| !c.is_empty()) else {
        return Err(refuse(
            "invalid_request",
            "PKCE is required: send code_challenge",
        ));
    };
    if first(p, "code_challenge_method") != Some("S256") {
        return Err(refuse(
            "invalid_request",
            "code_challenge_method must be S256 (plain is not supported)",
        ));
    }
    let scope = parse_scope(first(p, "scope")).map_err(|why| refuse("invalid_scope", &why))?;
    let resource = server
        .resolve_resource(first(p, "resource"))
        .map_err(|why| refuse("invalid_target", why))?;
    Ok(Validated {
        client_id,
        client_name: client.name,
        redirect_uri: redirect_uri.clone(),
        code_challenge: code_challenge.to_owned(),
        state: state.clone(),
        scope,
        resource,
    })
}

fn redirect(
    server: &AuthServer,
    to: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
) -> Response {
    let Ok(mut url) = url::Url::parse(to) else {
        return page(StatusCode::BAD_REQUEST, "The redirect URI is invalid.");
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", &server.issuer());
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn page(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        consent::error_page(message),
    )
        .into_response()
}

fn refuse(server: &AuthServer, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page { error, description } => {
            page(StatusCode::BAD_REQUEST, &format!("{error}: {description}"))
        }
        Refusal::Redirect {
            redirect_uri,
            state,
            error,
            description,
        } => redirect(
            server,
            &redirect_uri,
            &[("error", error), ("error_description", &description)],
            state.as_deref(),
        ),
    }
}

/// Issues a code for `request` as `user_id` with `scope`, and redirects back with it.
fn grant(server: &AuthServer, request: &Validated, user_id: &str, scope: String) -> Response {
    let code = random_token(32);
    server.store().codes.insert(
        code.clone(),
        CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            resource: request.resource.clone(),
            scope,
            user_id: user_id.to_owned(),
            expires_at: now() + CODE_TTL,
            used: false,
        },
    );
    redirect(
        server,
        &request.redirect_uri,
        &[("code", &code)],
        request.state.as_deref(),
    )
}

/// The scopes in both space-separated lists, in `asked`'s order.
fn intersect(asked: &str, allowed: &str) -> String {
    let allowed: Vec<&str> = allowed.split_whitespace().collect();
    asked
        .split_whitespace()
        .filter(|s| allowed.contains(s))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `GET <authorization_endpoint>`.
pub(super) async fn start(
    State(server): State<Arc<AuthServer>>,
    RawQuery(query): RawQuery,
) -> Response {
    let p = params(query.as_deref().unwrap_or_default());
    let request = match validate(&server, &p).await {
        Ok(request) => request,
        Err(refusal) => return refuse(&server, refusal),
    };
    let standing = server.store().auto_approve.clone();
    if let Some(AutoApprove { user_id, scope }) = standing {
        let granted = match scope {
            Some(allowed) => intersect(&request.scope, &allowed),
            None => request.scope.clone(),
        };
        return grant(&server, &request, &user_id, granted);
    }
    let action = server.path("authorize");
    let html = consent::consent_page(&action, &request, &server.corpus.users);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `POST <authorization_endpoint>`: the consent form's answer.
pub(super) async fn decide(State(server): State<Arc<AuthServer>>, body: String) -> Response {
    let mut p = params(&body);
    // The form sends the granted scopes as one checkbox each; the request asked for `requested`.
    let granted = p.remove("scope").unwrap_or_default().join(" ");
    if let Some(requested) = p.remove("requested_scope") {
        p.insert("scope".into(), requested);
    }
    let request = match validate(&server, &p).await {
        Ok(request) => request,
        Err(refusal) => return refuse(&server, refusal),
    };
    if first(&p, "decision") != Some("approve") {
        return refuse(
            &server,
            Refusal::Redirect {
                redirect_uri: request.redirect_uri,
                state: request.state,
                error: "access_denied",
                description: "the user declined".into(),
            },
        );
    }
    let user_id = first(&p, "user_id").unwrap_or_default();
    if server.corpus.user_by_descope_id(user_id).is_none() {
        return page(StatusCode::BAD_REQUEST, "Pick one of the demo users.");
    }
    let granted = intersect(&request.scope, &granted);
    if granted.is_empty() {
        return page(
            StatusCode::BAD_REQUEST,
            "Grant at least one scope, or deny.",
        );
    }
    grant(&server, &request, user_id, granted)
}

/// `POST /_fake/authz/auto-approve {"user_id", "scope"?}`; `{}` or `{"user_id": null}` clears it.
pub(super) async fn set_auto_approve(
    State(server): State<Arc<AuthServer>>,
    body: String,
) -> Response {
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let approval = match value.get("user_id").and_then(|v| v.as_str()) {
        None => None,
        Some(user_id) => {
            if server.corpus.user_by_descope_id(user_id).is_none() {
                return json_status(404, json!({"error": format!("no demo user {user_id}")}));
            }
            let scope = match value.get("scope").and_then(|v| v.as_str()) {
                Some(scope) => match parse_scope(Some(scope)) {
                    Ok(scope) => Some(scope),
                    Err(why) => return json_status(400, json!({"error": why})),
                },
                None => None,
            };
            Some(AutoApprove {
                user_id: user_id.to_owned(),
                scope,
            })
        }
    };
    let on = approval.is_some();
    server.store().auto_approve = approval;
    json_status(200, json!({"auto_approve": on}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_on_any_port_others_exactly() {
        let registered = vec![
            "http://127.0.0.1:3334/callback".to_owned(),
            "https://app.example/cb".to_owned(),
        ];
        assert!(redirect_matches(
            &registered,
            "http://127.0.0.1:3334/callback"
        ));
        assert!(redirect_matches(
            &registered,
            "http://127.0.0.1:50123/callback"
        ));
        assert!(!redirect_matches(
            &registered,
            "http://127.0.0.1:3334/other"
        ));
        assert!(redirect_matches(&registered, "https://app.example/cb"));
        assert!(!redirect_matches(&registered, "https://app.example:444/cb"));
        assert!(!redirect_matches(&registered, "https://app.example/cb?x=1"));
    }

    #[test]
    fn granted_scopes_are_within_the_request() {
        assert_eq!(intersect("a b c", "c a z"), "a c");
        assert_eq!(intersect("a", "b"), "");
    }
}
