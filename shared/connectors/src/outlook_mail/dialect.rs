//! How Graph's mailbox API says what went wrong: Graph's `{"error": {"code", "message"}}`.
//! Throttling is a 429 (`ApplicationThrottled`, with `Retry-After`), never a 403.

use crate::upstream::Api;
use crate::upstream::classify::text;

/// Outlook mail's error dialect.
pub(crate) const API: Api = Api {
    name: "Microsoft Graph (Outlook mail)",
    detail: |body| (text(body, "/error/code"), text(body, "/error/message")),
    quota_codes: &[],
    user_facing: true,
};
