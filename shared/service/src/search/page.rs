//! Pages of one ranking, and the filters the service checks itself.
//!
//! Ranking across sources is not a function of each source's order alone (`rank.rs` scores the
//! text), so a page cannot be cut from "the next few hits of each source": a hit a source ranked
//! 40th may score above one it ranked 3rd. The ranking is therefore defined in *windows*: window
//! `j` ranks together the hits each source placed `20j`..`20j + 19`, and the whole ranking is
//! window 0, then window 1, and so on. A search for `offset + size` results asks each source for
//! just enough windows to cover them; any page of that ranking, at any page size, is the same
//! slice of the same sequence, so paging with 3 results a page ends with exactly the results of
//! one search for 50 (given sources that answer the same query the same way). The cursor only
//! needs the offset (see `cursor.rs`).
//!
//! Windows are cut by the position a source gave a hit *before* the service's own filtering, so
//! that filtering never moves a hit into another window.

use workplace_connectors::query::{Filter, Filters, Planned};
use workplace_connectors::{SearchHit, SourceKind};

/// Hits of each source ranked together: the candidates a first page has always been ranked on.
pub const WINDOW: usize = 20;

/// The deepest position of the ranking a page may reach: each source is asked for at most this
/// many hits (one upstream call for most; see `docs/clients.md`).
pub const MAX_DEPTH: usize = 200;

/// Which part of the ranking a call wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Results before this page.
    pub offset: usize,
    /// Results on this page.
    pub size: usize,
}

impl Page {
    /// The first `size` results.
    pub const fn first(size: usize) -> Self {
        Self { offset: 0, size }
    }

    /// Hits asked of each source: whole windows covering this page and one result more (to know
    /// whether there is a next page), at most [`MAX_DEPTH`].
    pub fn depth(self) -> usize {
        let need = self.offset + self.size + 1;
        (need.div_ceil(WINDOW) * WINDOW).min(MAX_DEPTH)
    }
}

/// One source's answer after the service's filtering.
#[derive(Debug, Clone)]
pub struct Filtered {
    /// The source.
    pub kind: SourceKind,
    /// Its hits that passed, each with the position the source gave it.
    pub hits: Vec<(usize, SearchHit)>,
    /// How many of the source's hits (from the front) its strict pass found.
    pub strict: usize,
    /// How many hits the source returned before filtering: when that is the depth asked for, it
    /// may hold more.
    pub returned: usize,
    /// The requested filters that neither the source nor the service could apply.
    pub unapplied: Vec<Filter>,
}

/// Applies to `planned`'s hits the filters `kind` did not apply itself, where each hit carries
/// the field a filter needs. A filter some hit could not be checked against (or `containers`,
/// which no hit names) is reported as not applied, and that hit is kept: dropping it would hide
/// what may well match.
pub fn filter(kind: SourceKind, planned: Planned, filters: &Filters) -> Filtered {
    let pending: Vec<Filter> = filters
        .requested_of(kind)
        .into_iter()
        .filter(|f| !planned.applied.contains(f))
        .collect();
    let mut unapplied: Vec<Filter> = Vec::new();
    let returned = planned.hits.len();
    let hits = planned
        .hits
        .into_iter()
        .enumerate()
        .filter(|(_, hit)| {
            pending.iter().all(|&f| match filters.check(f, hit) {
                Some(pass) => pass,
                None => {
                    if !unapplied.contains(&f) {
                        unapplied.push(f);
                    }
                    true
                }
            })
        })
        .collect();
    if pending.contains(&Filter::Container) && !unapplied.contains(&Filter::Container) {
        unapplied.push(Filter::Container);
    }
    unapplied.sort();
    Filtered {
        kind,
        hits,
        strict: planned.strict,
        returned,
        unapplied,
    }
}

/// Splits the answers into windows, each as the per-source lists `rank` takes (hits in the
/// source's order, the strict ones first), dropping windows no source has a hit in.
pub fn windows(answers: &[Filtered], depth: usize) -> Vec<Vec<(SourceKind, Planned)>> {
    (0..depth.div_ceil(WINDOW))
        .map(|w| {
            let range = w * WINDOW..(w + 1) * WINDOW;
            answers
                .iter()
                .map(|answer| {
                    let in_window: Vec<&(usize, SearchHit)> = answer
                        .hits
                        .iter()
                        .filter(|(at, _)| range.contains(at))
                        .collect();
                    let strict = in_window
                        .iter()
                        .filter(|(at, _)| *at < answer.strict)
                        .count();
                    let hits = in_window.into_iter().map(|(_, h)| h.clone()).collect();
                    let mut planned = Planned::pass_through(hits, "");
                    planned.strict = strict;
                    (answer.kind, planned)
                })
                .collect::<Vec<_>>()
        })
        .filter(|window| window.iter().any(|(_, p)| !p.hits.is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use workplace_connectors::query::ItemType;

    fn hit(n: usize, item_type: Option<ItemType>) -> SearchHit {
        SearchHit {
            item_id: format!("h{n}"),
            title: format!("H{n}"),
            url: format!("https://example.invalid/{n}"),
            snippet: String::new(),
            modified_time: None,
            author: None,
            created_time: None,
            owner: None,
            item_type,
            media_type: None,
            details: None,
        }
    }

    #[test]
    fn depth_is_whole_windows_covering_one_more_result() {
        assert_eq!(Page::first(10).depth(), 20);
        assert_eq!(Page::first(19).depth(), 20);
        assert_eq!(Page::first(20).depth(), 40);
        assert_eq!(Page::first(50).depth(), 60);
        assert_eq!(
            Page {
                offset: 57,
                size: 3
            }
            .depth(),
            80
        );
        assert_eq!(
            Page {
                offset: 190,
                size: 50
            }
            .depth(),
            MAX_DEPTH
        );
    }

    #[test]
    fn filtering_keeps_positions_and_reports_what_it_could_not_check() {
        let hits = vec![
            hit(0, Some(ItemType::Pdf)),
            hit(1, Some(ItemType::Document)),
            hit(2, None),
        ];
        let mut planned = Planned::pass_through(hits, "q");
        planned.strict = 2;
        let filters = Filters {
            types: vec![ItemType::Pdf],
            containers: [(SourceKind::Sharepoint, vec!["s".to_owned()])].into(),
            ..Filters::default()
        };
        let out = filter(SourceKind::Sharepoint, planned.clone(), &filters);
        let kept: Vec<usize> = out.hits.iter().map(|(at, _)| *at).collect();
        assert_eq!(kept, [0, 2], "the document is dropped, the unknown kept");
        assert_eq!(out.unapplied, [Filter::Type, Filter::Container]);
        assert_eq!(out.returned, 3);

        planned.applied = vec![Filter::Type, Filter::Container];
        let out = filter(SourceKind::Sharepoint, planned, &filters);
        assert_eq!(
            out.hits.len(),
            3,
            "what the source applied is not applied again"
        );
        assert!(out.unapplied.is_empty());
    }

    #[test]
    fn windows_cut_by_the_sources_own_positions() {
        let answer = Filtered {
            kind: SourceKind::GoogleDrive,
            hits: (0..45)
                .filter(|n| n % 2 == 0)
                .map(|n| (n, hit(n, None)))
                .collect(),
            strict: 21,
            returned: 45,
            unapplied: Vec::new(),
        };
        let windows = windows(&[answer], 60);
        assert_eq!(windows.len(), 3);
        let ids = |w: &Vec<(SourceKind, Planned)>| -> Vec<String> {
            w[0].1.hits.iter().map(|h| h.item_id.clone()).collect()
        };
        assert_eq!(ids(&windows[0]).len(), 10);
        assert_eq!(ids(&windows[1])[0], "h20");
        assert_eq!(windows[1][0].1.strict, 1, "h20 only: strict ended at 21");
        assert_eq!(ids(&windows[2]), ["h40", "h42", "h44"]);
    }
}
