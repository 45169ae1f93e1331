//! How Microsoft Graph says what went wrong: `{"error": {"code", "message"}}`.

use crate::upstream::Api;
use crate::upstream::classify::text;

/// Microsoft Graph's error dialect.
pub(crate) const API: Api = Api {
    name: "Microsoft Graph",
    detail: |body| (text(body, "/error/code"), text(body, "/error/message")),
    quota_codes: &[],
    user_facing: true,
};
