//! The connector traits: how the shared machinery ([`crate::connector::Connected`]) searches and
//! reads through this source.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Salesforce;
use super::id::RecordId;
use crate::connector::{Comment, Read, Search};
use crate::query::{Plan, Planned};
use crate::{Content, SearchHit, SourceError, SourceKind};

impl Search for Salesforce {
    const KIND: SourceKind = SourceKind::Salesforce;

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        self.search_raw(token, query, limit, deadline).await
    }

    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        self.search_plan_as(token, plan, limit, deadline).await
    }
}

impl Read for Salesforce {
    type Id = RecordId;

    async fn content_with(
        &self,
        token: &SecretString,
        id: &RecordId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        self.read(token, id, max_chars, deadline).await
    }
}

impl Comment for Salesforce {
    const NOT_SUPPORTED: Option<&'static str> =
        Some("Salesforce records are read-only through workplace-mcp");
}
