//! How Notion says what went wrong: `{"object": "error", "code", "message"}`.

use crate::upstream::Api;
use crate::upstream::classify::text;

/// Notion's error dialect.
pub(crate) const API: Api = Api {
    name: "Notion",
    detail: |body| (text(body, "/code"), text(body, "/message")),
    quota_codes: &[],
    user_facing: true,
};
