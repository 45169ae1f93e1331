//! Token endpoint answers.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::unix_now;

/// An OAuth 2.0 token response (RFC 6749 §5.1), as Google and Microsoft send it.
#[derive(Deserialize)]
pub(crate) struct OAuthToken {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl OAuthToken {
    /// The token and its lifetime (an hour when the endpoint did not say).
    pub(crate) fn into_parts(self) -> (SecretString, Duration) {
        (
            self.access_token,
            Duration::from_secs(self.expires_in.unwrap_or(3600)),
        )
    }
}

/// Descope's outbound-app token answer.
#[derive(Deserialize)]
pub(crate) struct DescopeAnswer {
    pub(crate) token: DescopeToken,
}

/// The token inside [`DescopeAnswer`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescopeToken {
    pub(crate) access_token: SecretString,
    #[serde(default)]
    access_token_expiry: Option<Expiry>,
}

/// Epoch seconds as a number or a string (milliseconds are tolerated).
#[derive(Deserialize)]
#[serde(untagged)]
enum Expiry {
    Number(u64),
    Text(String),
}

impl DescopeToken {
    /// How long the token has left (five minutes when Descope did not say).
    pub(crate) fn lifetime(&self) -> Duration {
        let at = match &self.access_token_expiry {
            Some(Expiry::Number(n)) => Some(*n),
            Some(Expiry::Text(s)) => s.parse().ok(),
            None => None,
        };
        match at {
            Some(at) if at > 1_000_000_000_000 => {
                Duration::from_secs((at / 1000).saturating_sub(unix_now()))
            }
            Some(at) => Duration::from_secs(at.saturating_sub(unix_now())),
            None => Duration::from_secs(300),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descope_expiry_is_seconds_or_milliseconds_as_number_or_text() {
        let in_an_hour = unix_now() + 3600;
        for expiry in [
            serde_json::json!(in_an_hour),
            serde_json::json!(in_an_hour.to_string()),
            serde_json::json!(in_an_hour * 1000),
        ] {
            let answer: DescopeAnswer = serde_json::from_value(serde_json::json!({
                "token": {"accessToken": "t", "accessTokenExpiry": expiry}
            }))
            .unwrap();
            let lifetime = answer.token.lifetime();
            assert!(
                lifetime > Duration::from_secs(3500) && lifetime <= Duration::from_secs(3600),
                "{lifetime:?}"
            );
        }
        let answer: DescopeAnswer =
            serde_json::from_value(serde_json::json!({"token": {"accessToken": "t"}})).unwrap();
        assert_eq!(answer.token.lifetime(), Duration::from_secs(300));
    }
}
