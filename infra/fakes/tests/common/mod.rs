//! What the fakes' tests share: the fakes with a client that does not follow redirects (so a test
//! sees them), and a user's own upstream token from the fake Descope's outbound-token API.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // Each test file uses part of it.

use serde_json::{Value, json};
use upstream_fakes::{FakeConfig, RunningFakes};

/// The fakes with the default configuration, and a client that does not follow redirects.
pub(crate) async fn start() -> (RunningFakes, reqwest::Client) {
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (fakes, http)
}

/// `user`'s token for `app` (asking for `scopes`; none asks for the app's defaults), or the status
/// the outbound-token API refused with.
pub(crate) async fn outbound_token(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    app: &str,
    user: &str,
    scopes: &[&str],
) -> Result<String, u16> {
    let response = http
        .post(format!(
            "{}/v1/mgmt/outbound/app/user/token",
            fakes.base_url
        ))
        .header("authorization", "Bearer P2demo:K2demo-management-key")
        .json(&json!({"appId": app, "userId": user, "scopes": scopes}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status);
    }
    let body: Value = response.json().await.unwrap();
    Ok(body["token"]["accessToken"].as_str().unwrap().to_owned())
}
