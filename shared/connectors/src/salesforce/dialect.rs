//! Salesforce's error dialect: a JSON array `[{"message", "errorCode", "fields"}]`, classified
//! into [`SourceError`].
//!
//! | status | `errorCode` | becomes |
//! |---|---|---|
//! | 401 | `INVALID_SESSION_ID` (expired, revoked) | `reauth_required` |
//! | 403 | `REQUEST_LIMIT_EXCEEDED` (the org's rolling 24-hour allowance, or 25 long requests at once) | `rate_limited` |
//! | 404 | `NOT_FOUND` (deleted, or not shared with the user) | not found |
//! | 400 | `MALFORMED_SEARCH`, `MALFORMED_QUERY`, `INVALID_FIELD`... | `error`, with Salesforce's code and message |
//! | 5xx | | `error`, retried |
//!
//! Salesforce sends no `Retry-After` and no 429.

use super::id::SObject;
use crate::SourceError;
use crate::upstream::Api;
use crate::upstream::classify::text;

/// Salesforce's error dialect. `REQUEST_LIMIT_EXCEEDED` (403) is a throttle: the org's rolling
/// 24-hour allowance or its 25 long-running requests at once.
pub(crate) const API: Api = Api {
    name: "Salesforce",
    detail: |body| (text(body, "/0/errorCode"), text(body, "/0/message")),
    quota_codes: &["REQUEST_LIMIT_EXCEEDED"],
    user_facing: true,
};

/// The field a 400 `INVALID_FIELD` says the user cannot see ("No such column 'Amount' on entity
/// 'Opportunity'"): field-level security hides it, so it is left out and the request sent again.
pub(crate) fn hidden_field(error: &SourceError) -> Option<(SObject, String)> {
    let SourceError::Upstream {
        status: Some(400),
        message,
        ..
    } = error
    else {
        return None;
    };
    let rest = message.split_once("INVALID_FIELD: ")?.1;
    let rest = rest.split_once("No such column '")?.1;
    let (field, rest) = rest.split_once('\'')?;
    let entity = rest.split_once("on entity '")?.1.split_once('\'')?.0;
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid(field) && valid(entity))
        .then(|| SObject::from_api_name(entity).map(|o| (o, field.to_owned())))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_field(message: &str) -> SourceError {
        SourceError::Upstream {
            status: Some(400),
            message: format!("Salesforce answered HTTP 400: INVALID_FIELD: {message}"),
            retryable: false,
        }
    }

    #[test]
    fn the_dialect_reads_the_error_array() {
        let body = serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
        assert_eq!(
            (API.detail)(&body),
            (
                Some("INVALID_SESSION_ID".to_owned()),
                Some("Session expired or invalid".to_owned())
            )
        );
        assert!(API.quota_codes.contains(&"REQUEST_LIMIT_EXCEEDED"));
    }

    #[test]
    fn hidden_fields_are_read_from_invalid_field() {
        let error = invalid_field(
            "\nSELECT Id, Amount FROM Opportunity\n ^\nERROR at Row:1:Column:12\nNo such column 'Amount' on entity 'Opportunity'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.",
        );
        assert_eq!(
            hidden_field(&error),
            Some((SObject::Opportunity, "Amount".to_owned()))
        );
        assert_eq!(
            hidden_field(&invalid_field(
                "No such column 'x y' on entity 'Opportunity'"
            )),
            None
        );
        assert_eq!(hidden_field(&SourceError::NotFound), None);
    }
}
