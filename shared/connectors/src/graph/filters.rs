//! The caller's filters as SharePoint KQL, ANDed to the words of both passes:
//! `LastModifiedTime` and `Created` bounds at the second (UTC), `Author:"name"` (the creator's
//! display name: SharePoint's `Author` holds names, not addresses), `FileType:` per extension of
//! the wanted kinds, and `SiteId:`/`WebId:` for the sites a search is limited to.
//!
//! Every value is written from typed data (times, a fixed extension table, GUIDs checked
//! character by character) except the owner, which is caller text: it is double-quoted with
//! everything but letters, digits, spaces and `.'-_` removed, so it can neither close its quotes
//! nor add an operator or a property.
//!
//! What KQL matches loosely the connector then checks exactly on each hit ([`Filters::passes`]): an owner's
//! name is a phrase of the creator's name upstream but the whole name here, an address (which
//! KQL cannot ask for) is compared with the creator's address, and bounds below a second are
//! widened upstream and exact here.

use crate::SourceKind;
use crate::query::filters::utc_seconds;
use crate::query::{Filter, Filters, ItemType};

pub(super) use crate::query::dialect::KqlRestriction as Restriction;

/// File extensions per kind, as SharePoint's `FileType` names them (the inverse of
/// [`ItemType::of_file_name`]).
fn extensions(kind: ItemType) -> &'static [&'static str] {
    match kind {
        ItemType::Document => &["docx", "doc", "txt", "md", "rtf", "odt"],
        ItemType::Spreadsheet => &["xlsx", "xls", "csv", "ods"],
        ItemType::Presentation => &["pptx", "ppt", "odp"],
        ItemType::Pdf => &["pdf"],
        ItemType::Page => &["aspx"],
        ItemType::Email | ItemType::Event | ItemType::Record => &[],
    }
}

/// A name as a double-quoted KQL value: letters, digits, spaces and `.'-_` only.
fn quoted_name(name: &str) -> Option<String> {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '\'' | '-' | '_') {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = clean.split_whitespace().collect();
    (!words.is_empty()).then(|| format!("\"{}\"", words.join(" ")))
}

/// Whether `id` is a GUID (`8-4-4-4-12` hexadecimal digits).
fn is_guid(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A site container as KQL: a Graph site id (`host,siteCollectionId,webId`) is that web of that
/// collection; a bare GUID is a site collection. `None` for anything else.
fn site(container: &str) -> Option<String> {
    match container.split(',').collect::<Vec<_>>().as_slice() {
        [host, collection, web] if !host.is_empty() && is_guid(collection) && is_guid(web) => {
            Some(format!(
                "(SiteId:{} AND WebId:{})",
                collection.to_ascii_lowercase(),
                web.to_ascii_lowercase()
            ))
        }
        [collection] if is_guid(collection) => {
            Some(format!("SiteId:{}", collection.to_ascii_lowercase()))
        }
        _ => None,
    }
}

fn any(clauses: Vec<String>) -> Option<String> {
    match clauses.len() {
        0 => None,
        1 => clauses.into_iter().next(),
        _ => Some(format!("({})", clauses.join(" OR "))),
    }
}

/// The KQL for `filters`.
pub(super) fn restriction(filters: &Filters) -> Restriction {
    let mut out = Restriction::default();
    let mut parts: Vec<String> = Vec::new();
    let mut bound =
        |filter, property: &str, op: &str, at: Option<crate::query::filters::Time>, up| {
            if let Some(at) = at {
                parts.push(format!("{property}{op}{}", utc_seconds(at, up)));
                out.applied.push(filter);
            }
        };
    bound(
        Filter::ModifiedAfter,
        "LastModifiedTime",
        ">=",
        filters.modified_after,
        false,
    );
    bound(
        Filter::ModifiedBefore,
        "LastModifiedTime",
        "<",
        filters.modified_before,
        true,
    );
    bound(
        Filter::CreatedAfter,
        "Created",
        ">=",
        filters.created_after,
        false,
    );
    bound(
        Filter::CreatedBefore,
        "Created",
        "<",
        filters.created_before,
        true,
    );
    if let Some(owner) = &filters.owner {
        // An address is checked on the hits alone: `Author` holds display names.
        if !owner.contains('@')
            && let Some(name) = quoted_name(owner)
        {
            parts.push(format!("Author:{name}"));
        }
        out.applied.push(Filter::Owner);
    }
    if !filters.types.is_empty() {
        let types: Vec<String> = filters
            .types
            .iter()
            .flat_map(|t| extensions(*t))
            .map(|ext| format!("FileType:{ext}"))
            .collect();
        out.matches_nothing |= types.is_empty();
        parts.extend(any(types));
        out.applied.push(Filter::Type);
    }
    let containers = filters.containers_of(SourceKind::Sharepoint);
    if !containers.is_empty() {
        let sites: Vec<String> = containers.iter().filter_map(|c| site(c)).collect();
        out.matches_nothing |= sites.is_empty();
        parts.extend(any(sites));
        out.applied.push(Filter::Container);
    }
    out.kql = (!parts.is_empty()).then(|| parts.join(" AND "));
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn bounds_are_utc_seconds_that_only_widen() {
        let filters = Filters {
            modified_after: Some(datetime!(2026-03-01 10:00:00.5 +02:00)),
            modified_before: Some(datetime!(2026-04-01 0:00:00.25 UTC)),
            created_before: Some(datetime!(2026-01-01 0:00 UTC)),
            ..Filters::default()
        };
        let r = restriction(&filters);
        assert_eq!(
            r.kql.as_deref(),
            Some(
                "LastModifiedTime>=2026-03-01T08:00:00Z AND LastModifiedTime<2026-04-01T00:00:01Z \
                 AND Created<2026-01-01T00:00:00Z"
            )
        );
        assert_eq!(
            r.applied,
            [
                Filter::ModifiedAfter,
                Filter::ModifiedBefore,
                Filter::CreatedBefore
            ]
        );
        assert_eq!(restriction(&Filters::default()), Restriction::default());
    }

    #[test]
    fn owners_types_and_sites() {
        let filters = Filters {
            owner: Some("Alice \"x\" OR Author:Bob (Nguyen)".into()),
            types: vec![ItemType::Pdf, ItemType::Page, ItemType::Email],
            containers: [(
                SourceKind::Sharepoint,
                vec![
                    "acme.sharepoint.com,8F1C2B7A-3d4e-4f60-9a1b-2c3d4e5f6071,0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d".into(),
                    "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9".into(),
                    "not-a-site".into(),
                ],
            )]
            .into(),
            ..Filters::default()
        };
        let r = restriction(&filters);
        assert_eq!(
            r.kql.as_deref(),
            Some(
                "Author:\"Alice x OR Author Bob Nguyen\" AND (FileType:pdf OR FileType:aspx) AND \
                 ((SiteId:8f1c2b7a-3d4e-4f60-9a1b-2c3d4e5f6071 AND WebId:0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d) \
                 OR SiteId:1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9)"
            )
        );
        assert_eq!(r.applied, [Filter::Owner, Filter::Type, Filter::Container]);
        assert!(!r.matches_nothing);

        let by_address = Filters {
            owner: Some("alice@acme.example".into()),
            containers: [(SourceKind::Sharepoint, vec!["x,y,z".into()])].into(),
            ..Filters::default()
        };
        let r = restriction(&by_address);
        assert_eq!(
            r.kql, None,
            "addresses are checked on hits; a bad site is no clause"
        );
        assert_eq!(r.applied, [Filter::Owner, Filter::Container]);
        assert!(r.matches_nothing);
        assert_eq!(r.and(Some("budget".into())).as_deref(), Some("budget"));
    }

    #[test]
    fn extensions_round_trip() {
        for kind in ItemType::ALL {
            for ext in extensions(kind) {
                assert_eq!(ItemType::of_file_name(&format!("x.{ext}")), Some(kind));
            }
        }
    }
}
