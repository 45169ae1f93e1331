//! One SOSL search over the four objects, ranked by how many of the query's concepts a record's
//! title holds, with fields hidden from the user left out.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Salesforce;
use super::dialect::hidden_field;
use super::filters::{self, Restriction};
use super::render::hit;
use super::sosl::{self, Hidden};
use super::wire::SearchAnswer;
use crate::query::{DateRange, Plan, Planned};
use crate::upstream::{Auth, classify};
use crate::{SearchHit, SourceError};

/// Fields dropped at most, per search, before giving up: each costs a request.
const MAX_HIDDEN: usize = 4;

impl Salesforce {
    /// Searches for a planned query: the strict `FIND`, then the relaxed one only when the
    /// strict one found nothing. CRM records are few and named: a record that holds every
    /// concept answers the question, and filling the page with records that hold any one of
    /// them (every Globex record for "Globex renewal") would bury it.
    pub(crate) async fn search_plan_as(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let Some(strict) = sosl::find_strict(plan) else {
            return Ok(Planned::pass_through(Vec::new(), &plan.original));
        };
        let restriction = filters::restriction(&plan.filters);
        let applied = restriction.applied.clone();
        if restriction.matches_nothing {
            let mut planned = Planned::pass_through(Vec::new(), &strict);
            planned.applied = applied;
            return Ok(planned);
        }
        let keep = |hit: &SearchHit| plan.filters.passes(&applied, hit);
        let mut hidden = Hidden::new();
        let mut hits = self
            .find(
                token,
                &strict,
                plan.range,
                &restriction,
                limit,
                deadline,
                &mut hidden,
            )
            .await?;
        hits.retain(keep);
        rank(&mut hits, plan);
        let mut planned = Planned::pass_through(hits, &strict);
        planned.applied = applied.clone();
        if !planned.hits.is_empty() {
            return Ok(planned);
        }
        let relaxed = || sosl::find_relaxed(plan).map(|find| (find.clone(), find));
        let hidden = &mut hidden;
        let restriction = &restriction;
        Ok(planned
            .relax_once(plan, limit, relaxed, |find: String| async move {
                let mut hits = self
                    .find(token, &find, None, restriction, limit, deadline, hidden)
                    .await?;
                hits.retain(keep);
                rank(&mut hits, plan);
                Ok(hits)
            })
            .await)
    }

    /// Searches for a query as typed, every word required.
    pub(crate) async fn search_raw(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        match sosl::find_raw(query) {
            Some(find) => {
                self.find(
                    token,
                    &find,
                    None,
                    &Restriction::default(),
                    limit,
                    deadline,
                    &mut Hidden::new(),
                )
                .await
            }
            None => Ok(Vec::new()),
        }
    }

    /// One `search/?q=` for the `FIND` term `find`, restricted by the filters' `restriction`,
    /// sent again without each field Salesforce says the user cannot see (added to `hidden`,
    /// which later passes start from).
    #[allow(clippy::too_many_arguments)] // One statement's parts; a struct would only rename them.
    pub(crate) async fn find(
        &self,
        token: &SecretString,
        find: &str,
        range: Option<DateRange>,
        restriction: &Restriction,
        limit: usize,
        deadline: Instant,
        hidden: &mut Hidden,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let mut dropped = 0;
        loop {
            let statement = sosl::search(find, range, restriction, limit, hidden);
            let mut url = self.api(&["search", ""]);
            url.query_pairs_mut().append_pair("q", &statement);
            let api = self.upstream.api();
            let answer: Result<SearchAnswer, _> = self
                .upstream
                .call(
                    Auth::Bearer(token),
                    deadline,
                    |http| http.get(url.clone()),
                    |response| async move {
                        super::log_limit_info(&response);
                        classify::json(api, response).await
                    },
                )
                .await;
            match answer {
                Ok(answer) => {
                    let mut hits: Vec<SearchHit> = answer
                        .search_records
                        .iter()
                        .filter_map(|r| hit(&self.instance, r))
                        .collect();
                    hits.truncate(limit);
                    return Ok(hits);
                }
                Err(err) => match hidden_field(&err) {
                    Some(field) if dropped < MAX_HIDDEN && hidden.insert(field.clone()) => {
                        dropped += 1;
                        tracing::info!(
                            object = %field.0,
                            field = %field.1,
                            "Salesforce field hidden from this user (field-level security); searching without it"
                        );
                    }
                    _ => return Err(err),
                },
            }
        }
    }
}

/// Best first: records whose title holds more of the plan's concepts; otherwise Salesforce's
/// order (its relevance within each object).
fn rank(hits: &mut [SearchHit], plan: &Plan) {
    let score = |hit: &SearchHit| {
        let words: Vec<String> = hit
            .title
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_owned)
            .collect();
        let title = words.join(" ");
        plan.groups
            .iter()
            .filter(|g| {
                g.terms.iter().any(|t| {
                    if t.contains(' ') {
                        format!(" {title} ").contains(&format!(" {t} "))
                    } else {
                        words.iter().any(|w| w == t)
                    }
                })
            })
            .count()
    };
    hits.sort_by_key(|h| std::cmp::Reverse(score(h)));
}
