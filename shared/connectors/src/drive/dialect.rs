//! How Google's APIs say what went wrong: `{"error": {"errors": [{"reason"}], "message"}}`, and
//! quota exhaustion as a 403 whose reason is `userRateLimitExceeded` or `rateLimitExceeded`.

use crate::upstream::Api;
use crate::upstream::classify::text;

/// Google Drive's error dialect.
pub(crate) const API: Api = Api {
    name: "Google Drive",
    detail: |body| {
        (
            text(body, "/error/errors/0/reason"),
            text(body, "/error/message"),
        )
    },
    quota_codes: &["userRateLimitExceeded", "rateLimitExceeded"],
    user_facing: true,
};
