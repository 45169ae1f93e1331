//! How the Outlook calendar says what went wrong: it is Microsoft Graph, so Graph's error dialect
//! (`{"error": {"code", "message"}}`, see `graph/dialect.rs`).

use crate::upstream::Api;

/// The Outlook calendar's error dialect: Microsoft Graph's.
pub(crate) const API: Api = crate::graph::dialect::API;
