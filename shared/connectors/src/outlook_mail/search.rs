//! `$search` over the user's messages: one hit per conversation, pages followed on Graph only.

use std::collections::HashSet;

use secrecy::SecretString;
use tokio::time::Instant;
use url::Url;

use super::wire::MessagePage;
use super::{MAX_PAGES, OutlookMail, access_denied_is_reauth, filters, render};
use crate::query::dialect::{Pass, kql_value};
use crate::query::mail::{outlook, search_value};
use crate::query::{Filter, Plan, Planned};
use crate::upstream::Auth;
use crate::{SearchHit, SourceError};

/// What a hit shows; nothing else is sent back (Graph may time out on full messages).
pub(super) const HIT_FIELDS: &str = "id,subject,bodyPreview,from,toRecipients,ccRecipients,sentDateTime,receivedDateTime,conversationId,hasAttachments,webLink";

impl OutlookMail {
    /// Searches for what the caller typed, each word a KQL value (so nothing typed is an operator).
    pub(crate) async fn search_text(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let words: Vec<String> = query
            .split_whitespace()
            .map(kql_value)
            .filter(|w| !w.is_empty())
            .collect();
        self.query(token, &words.join(" "), limit, deadline, &|_| true)
            .await
    }

    /// The strict pass of `plan`, then the relaxed one when it found too little; the plan's
    /// filters are ANDed to both ([`filters`]).
    pub(crate) async fn search_planned(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let restriction = filters::restriction(&plan.filters);
        let Some(strict) = restriction.and(outlook(plan, Pass::Strict)) else {
            let hits = self
                .search_text(token, &plan.original, limit, deadline)
                .await?;
            return Ok(Planned::pass_through(hits, &plan.original));
        };
        let applied = restriction.applied.clone();
        let mut planned = if restriction.matches_nothing {
            Planned::pass_through(Vec::new(), &strict)
        } else {
            let relaxed = || {
                restriction
                    .and(outlook(plan, Pass::Relaxed))
                    .map(|kql| (kql.clone(), kql))
            };
            let applied = &applied;
            Planned::both_passes(
                plan,
                limit,
                &strict,
                self.filtered(token, &strict, limit, deadline, plan, applied),
                relaxed,
                |kql: String| async move {
                    self.filtered(token, &kql, limit, deadline, plan, applied)
                        .await
                },
            )
            .await?
        };
        planned.applied = applied;
        Ok(planned)
    }

    /// [`Self::query`], keeping the messages that pass the `applied` filters as far as they say.
    async fn filtered(
        &self,
        token: &SecretString,
        kql: &str,
        limit: usize,
        deadline: Instant,
        plan: &Plan,
        applied: &[Filter],
    ) -> Result<Vec<SearchHit>, SourceError> {
        let keep = |hit: &SearchHit| plan.filters.passes(applied, hit);
        self.query(token, kql, limit, deadline, &keep).await
    }

    /// The first page's URL for a KQL query.
    fn search_url(&self, kql: &str, limit: usize) -> Url {
        let mut url = self.base_url.join(&["v1.0", "me", "messages"]);
        // A conversation often matches with several replies: ask for twice what is needed, so
        // one page usually fills `limit` conversations.
        let top = (limit.clamp(1, 50) * 2).to_string();
        url.query_pairs_mut()
            .append_pair("$search", &search_value(kql))
            .append_pair("$top", &top)
            .append_pair("$select", HIT_FIELDS)
            .append_pair("$expand", "attachments($select=name)");
        url
    }

    /// Whether a `@odata.nextLink` may be followed: on the configured Graph origin, at the
    /// messages path. Anything else (another host, scheme or port; another path) is not fetched
    /// with the user's token.
    fn own_link(&self, link: &str) -> Option<Url> {
        let url = Url::parse(link).ok()?;
        let expected = self.base_url.join(&["v1.0", "me", "messages"]);
        let same = url.scheme() == expected.scheme()
            && url.host_str() == expected.host_str()
            && url.port_or_known_default() == expected.port_or_known_default()
            && url.path() == expected.path()
            && url.username().is_empty()
            && url.password().is_none();
        same.then_some(url)
    }

    /// One search: pages until `limit` conversations, no next page, or [`MAX_PAGES`]. Only
    /// messages that `keep` accepts count, before conversations are collapsed, so that a
    /// conversation whose newest message fails a filter is represented by one that passes.
    async fn query(
        &self,
        token: &SecretString,
        kql: &str,
        limit: usize,
        deadline: Instant,
        keep: &(dyn Fn(&SearchHit) -> bool + Sync),
    ) -> Result<Vec<SearchHit>, SourceError> {
        let mut url = self.search_url(kql, limit);
        let mut conversations = HashSet::new();
        let mut hits = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: MessagePage = self
                .upstream
                .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
                .await
                .map_err(access_denied_is_reauth)?;
            for m in &page.value {
                let key = m.conversation_id.clone().unwrap_or_else(|| m.id.clone());
                if hits.len() >= limit || conversations.contains(&key) {
                    continue;
                }
                let names = m.attachments.iter().map(|a| a.name.clone()).collect();
                let hit = render::hit(m, names);
                if keep(&hit) {
                    conversations.insert(key);
                    hits.push(hit);
                }
            }
            if hits.len() >= limit {
                break;
            }
            match page.next_link.as_deref() {
                None => break,
                Some(link) => match self.own_link(link) {
                    Some(next) => url = next,
                    None => {
                        tracing::warn!(
                            "Outlook mail: @odata.nextLink outside the Graph base not followed"
                        );
                        break;
                    }
                },
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::BaseUrl;

    fn source() -> OutlookMail {
        OutlookMail::new(
            reqwest::Client::new(),
            BaseUrl::parse("GRAPH_BASE_URL", "https://graph.microsoft.com").unwrap(),
        )
    }

    #[test]
    fn next_links_are_followed_on_the_graph_origin_only() {
        let s = source();
        assert!(
            s.own_link("https://graph.microsoft.com/v1.0/me/messages?$search=%22x%22&$skip=10")
                .is_some()
        );
        for foreign in [
            "https://evil.example/v1.0/me/messages?$skip=10",
            "http://graph.microsoft.com/v1.0/me/messages?$skip=10",
            "https://graph.microsoft.com:8443/v1.0/me/messages",
            "https://graph.microsoft.com/v1.0/users/ceo@acme.example/messages",
            "https://graph.microsoft.com.evil.example/v1.0/me/messages",
            "https://user@graph.microsoft.com/v1.0/me/messages",
            "not a url",
        ] {
            assert!(s.own_link(foreign).is_none(), "{foreign}");
        }
    }

    #[test]
    fn the_search_url_quotes_the_kql() {
        let url = source().search_url("\"sso login\" AND globex", 5);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0].1, "\"\\\"sso login\\\" AND globex\"");
        assert_eq!(pairs[1], ("$top".into(), "10".into()));
    }
}
