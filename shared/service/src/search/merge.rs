//! Reciprocal rank fusion of the per-source rankings, with URL de-duplication.

use std::collections::HashMap;

use workplace_connectors::{SearchHit, SourceKind};

use super::SearchResult;

/// The constant of reciprocal rank fusion (Cormack et al., 2009): large enough that one list's top
/// hit does not drown the others, the value the paper and most engines use.
const RRF_K: f64 = 60.0;

/// Merges per-source rankings by reciprocal rank fusion: each hit scores `1 / (60 + rank)` in its
/// own list, hits sharing a URL are one result (their scores add up, the best-ranked copy's fields
/// win), and ties keep a stable order (better rank first, then the order sources were requested).
pub fn merge(lists: Vec<(SourceKind, Vec<SearchHit>)>, max_results: usize) -> Vec<SearchResult> {
    struct Entry {
        result: SearchResult,
        best_rank: usize,
        list: usize,
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();

    for (list, (kind, hits)) in lists.into_iter().enumerate() {
        for (index, hit) in hits.into_iter().enumerate() {
            let rank = index + 1;
            let score = 1.0 / (RRF_K + rank as f64);
            let key = url_key(&hit.url);
            if let Some(&at) = by_url.get(&key) {
                let entry = &mut entries[at];
                entry.result.score += score;
                if rank < entry.best_rank {
                    entry.best_rank = rank;
                }
                continue;
            }
            by_url.insert(key, entries.len());
            entries.push(Entry {
                result: SearchResult {
                    id: format!("{kind}:{}", hit.item_id),
                    source: kind,
                    title: hit.title,
                    url: hit.url,
                    snippet: hit.snippet,
                    modified_time: hit.modified_time,
                    author: hit.author,
                    details: hit.details,
                    score,
                    content: None,
                    truncated: None,
                    content_error: None,
                    enrichment_skipped: None,
                },
                best_rank: rank,
                list,
            });
        }
    }

    entries.sort_by(|a, b| {
        b.result
            .score
            .total_cmp(&a.result.score)
            .then(a.best_rank.cmp(&b.best_rank))
            .then(a.list.cmp(&b.list))
    });
    entries
        .into_iter()
        .take(max_results)
        .map(|mut e| {
            e.result.score = (e.result.score * 1e6).round() / 1e6;
            e.result
        })
        .collect()
}

/// URLs that differ only by a trailing slash or the case of scheme and host are the same document.
/// Done by hand, not by a URL parser: parsing every hit's URL was a twentieth of a warm search's
/// instructions (`make profile`), for two normalisations.
pub(super) fn url_key(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    let Some(scheme_end) = trimmed.find("://") else {
        return trimmed.to_owned();
    };
    let authority = scheme_end + 3;
    let host_end = trimmed[authority..]
        .find(['/', '?', '#'])
        .map_or(trimmed.len(), |at| authority + at);
    let (scheme_and_host, rest) = trimmed.split_at(host_end);
    let mut key = scheme_and_host.to_ascii_lowercase();
    key.push_str(rest);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::truncate_chars;

    fn hit(id: &str, url: &str) -> SearchHit {
        SearchHit {
            item_id: id.into(),
            title: id.to_uppercase(),
            url: url.into(),
            snippet: String::new(),
            modified_time: None,
            author: None,
            created_time: None,
            owner: None,
            item_type: None,
            media_type: None,
            details: None,
        }
    }

    #[test]
    fn interleaves_sources_by_rank() {
        let merged = merge(
            vec![
                (
                    SourceKind::GoogleDrive,
                    vec![hit("d1", "https://d/1"), hit("d2", "https://d/2")],
                ),
                (
                    SourceKind::Notion,
                    vec![hit("n1", "https://n/1"), hit("n2", "https://n/2")],
                ),
            ],
            10,
        );
        let ids: Vec<_> = merged.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "google_drive:d1",
                "notion:n1",
                "google_drive:d2",
                "notion:n2"
            ]
        );
        assert!(merged[0].score > merged[2].score);
    }

    #[test]
    fn duplicates_by_url_are_merged_and_rise() {
        let merged = merge(
            vec![
                (
                    SourceKind::GoogleDrive,
                    vec![hit("d1", "https://a/1"), hit("d2", "https://x/shared")],
                ),
                (SourceKind::Sharepoint, vec![hit("s1", "HTTPS://X/shared/")]),
            ],
            10,
        );
        assert_eq!(merged.len(), 2);
        assert_eq!(
            merged[0].id, "google_drive:d2",
            "found twice, so ranked first"
        );
        assert_eq!(merged[1].id, "google_drive:d1");
    }

    #[test]
    fn url_keys_ignore_a_trailing_slash_and_the_case_of_scheme_and_host_only() {
        let same = [
            "https://Docs.Example.com/a/B",
            "HTTPS://docs.example.COM/a/B/",
            " https://docs.example.com/a/B ",
        ];
        for url in same {
            assert_eq!(url_key(url), "https://docs.example.com/a/B", "{url}");
        }
        // The path, query and fragment keep their case: they name another document.
        assert_ne!(url_key("https://x.com/a/b"), url_key("https://x.com/A/b"));
        assert_eq!(url_key("https://X.com?Q=1"), "https://x.com?Q=1");
        assert_eq!(url_key("https://X.com#Top"), "https://x.com#Top");
        assert_eq!(url_key("HTTPS://X.COM/"), "https://x.com");
        // Not a URL: compared as written, trimmed.
        assert_eq!(url_key(" Notes/ "), "Notes");
        assert_eq!(url_key("ünïcödé://Ä/É"), "ünïcödé://Ä/É".to_owned());
    }

    #[test]
    fn cut_to_max_results() {
        let hits: Vec<_> = (0..30)
            .map(|i| hit(&format!("d{i}"), &format!("https://d/{i}")))
            .collect();
        let merged = merge(vec![(SourceKind::GoogleDrive, hits)], 7);
        assert_eq!(merged.len(), 7);
        assert_eq!(merged[6].id, "google_drive:d6");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate_chars("héllo", 2), ("hé", true));
        assert_eq!(truncate_chars("héllo", 5), ("héllo", false));
        assert_eq!(truncate_chars("", 0), ("", false));
    }
}
