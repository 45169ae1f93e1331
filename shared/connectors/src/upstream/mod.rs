//! The one way the connectors call an upstream API.
//!
//! [`Upstream::call`] owns everything every call needs: the `Authorization` header (or its
//! deliberate absence), the retry policy ([`crate::retry`]), the caller's deadline, and turning an
//! unsuccessful answer into a classified [`SourceError`] in the API's own error dialect
//! ([`classify`]). Sources and brokers only say which request to send and how to read the answer.

pub(crate) mod classify;

use std::future::Future;

use reqwest::{Client, RequestBuilder, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::SourceError;
use crate::retry::{Failure, with_retries};

pub(crate) use classify::Api;

/// How a request authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// `Authorization: Bearer <token>`.
    Bearer(&'a SecretString),
    /// No `Authorization` header: token endpoints (credentials in the form) and Graph's
    /// pre-authenticated download URLs, which must never receive the bearer token.
    None,
}

/// One upstream API as the connectors use it: a shared HTTP client, the API's error dialect, the
/// hint shown when the user's credential is refused, and headers every request carries.
#[derive(Clone)]
pub(crate) struct Upstream {
    http: Client,
    api: Api,
    reauth_hint: &'static str,
    headers: &'static [(&'static str, &'static str)],
    /// Whether a 3xx is an answer (Graph's `/content` redirect) rather than a failure. The shared
    /// client follows no redirects, so a redirect is only ever read, never followed with the token.
    redirect_is_answer: bool,
    /// Whether a 401 is an answer: an MCP resource server's challenge (`WWW-Authenticate`),
    /// which the MCP client reads and follows (`crate::mcp_upstream`) instead of failing.
    challenge_is_answer: bool,
}

impl Upstream {
    /// An upstream speaking `api`'s dialect.
    pub(crate) fn new(http: Client, api: Api, reauth_hint: &'static str) -> Self {
        Self {
            http,
            api,
            reauth_hint,
            headers: &[],
            redirect_is_answer: false,
            challenge_is_answer: false,
        }
    }

    /// Adds headers sent with every request (e.g. a pinned API version).
    pub(crate) fn with_headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Treats 3xx answers as answers.
    pub(crate) fn with_redirects_as_answers(mut self) -> Self {
        self.redirect_is_answer = true;
        self
    }

    /// Treats 401 answers as answers (see `challenge_is_answer`).
    pub(crate) fn with_challenges_as_answers(mut self) -> Self {
        self.challenge_is_answer = true;
        self
    }

    /// Sends the request `build` makes (again for each retry), authenticated by `auth`, and reads
    /// a successful answer with `read`; retries what the policy retries, never past `deadline`,
    /// and gives up with [`SourceError::Timeout`] when an attempt is still running at `deadline`.
    pub(crate) async fn call<T, B, R, Fut>(
        &self,
        auth: Auth<'_>,
        deadline: Instant,
        build: B,
        read: R,
    ) -> Result<T, SourceError>
    where
        B: Fn(&Client) -> RequestBuilder,
        R: Fn(Response) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let attempts = with_retries(deadline, || async {
            let response = self.send(auth, &build).await?;
            read(response).await
        });
        tokio::time::timeout_at(deadline, attempts)
            .await
            .unwrap_or(Err(SourceError::Timeout))
    }

    /// [`Self::call`], reading the answer as JSON into `T`.
    pub(crate) async fn json<T, B>(
        &self,
        auth: Auth<'_>,
        deadline: Instant,
        build: B,
    ) -> Result<T, SourceError>
    where
        T: DeserializeOwned,
        B: Fn(&Client) -> RequestBuilder,
    {
        self.call(auth, deadline, build, |response| {
            classify::json(self.api, response)
        })
        .await
    }

    /// [`Self::json`] for a request that is not idempotent (creating a comment): only a throttled
    /// attempt (429, which the upstream did not act on) is tried again. A 5xx or a dropped
    /// connection may come after the upstream acted, and a retry would then act twice.
    pub(crate) async fn json_once<T, B>(
        &self,
        auth: Auth<'_>,
        deadline: Instant,
        build: B,
    ) -> Result<T, SourceError>
    where
        T: DeserializeOwned,
        B: Fn(&Client) -> RequestBuilder,
    {
        let attempts = with_retries(deadline, || async {
            let response = self.send(auth, &build).await.map_err(not_repeated)?;
            classify::json(self.api, response)
                .await
                .map_err(not_repeated)
        });
        tokio::time::timeout_at(deadline, attempts)
            .await
            .unwrap_or(Err(SourceError::Timeout))
    }

    /// The API's dialect, for reading bodies outside [`Self::json`].
    pub(crate) fn api(&self) -> Api {
        self.api
    }

    async fn send<B>(&self, auth: Auth<'_>, build: &B) -> Result<Response, Failure>
    where
        B: Fn(&Client) -> RequestBuilder,
    {
        let mut request = build(&self.http);
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        if let Auth::Bearer(token) = auth {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request
            .send()
            .await
            .map_err(|e| classify::transport(self.api, &e))?;
        let status = response.status();
        if status.is_success()
            || (self.redirect_is_answer && status.is_redirection())
            || (self.challenge_is_answer && status == reqwest::StatusCode::UNAUTHORIZED)
        {
            Ok(response)
        } else {
            Err(classify::failure(self.api, response, self.reauth_hint).await)
        }
    }
}

/// A failure of a non-idempotent request, made final unless the upstream throttled it.
fn not_repeated(failure: Failure) -> Failure {
    match failure.error {
        SourceError::Upstream {
            status,
            message,
            retryable: true,
        } => SourceError::Upstream {
            status,
            message,
            retryable: false,
        }
        .into(),
        _ => failure,
    }
}
