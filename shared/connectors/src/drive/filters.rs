//! The search filters Drive applies itself, written in its `q` language: times (to the second),
//! an owner given as an address, and kinds as MIME types; and one shared drive as the corpus.
//! An owner given as a name is left to the service (Drive's `owners` takes addresses only), and
//! so are several shared drives (one `files.list` searches one).

use super::search::escape_query;
use crate::SourceKind;
use crate::query::filters::utc_seconds;
use crate::query::{Filter, Filters};

/// Which of Drive's two query languages: `files.list`'s, or the MCP server's `search_files`
/// (`owner = 'x'` where REST has `'x' in owners`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    /// The REST API.
    Rest,
    /// Google's Drive MCP server.
    Mcp,
}

/// What Drive applies of `filters`: the `q` clause (to AND with the search terms), the shared
/// drive to search instead of every drive, and the filters those stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) clause: Option<String>,
    pub(crate) drive: Option<String>,
    pub(crate) filters: Vec<Filter>,
}

/// Drive's reading of `filters`.
pub(crate) fn apply(filters: &Filters, language: Language) -> Applied {
    let mut parts = Vec::new();
    let mut applied = Applied::default();
    for (filter, field, op, at) in [
        (
            Filter::ModifiedAfter,
            "modifiedTime",
            ">=",
            filters.modified_after,
        ),
        (
            Filter::ModifiedBefore,
            "modifiedTime",
            "<",
            filters.modified_before,
        ),
        (
            Filter::CreatedAfter,
            "createdTime",
            ">=",
            filters.created_after,
        ),
        (
            Filter::CreatedBefore,
            "createdTime",
            "<",
            filters.created_before,
        ),
    ] {
        if let Some(at) = at {
            // Rounded down, as Drive compares to the second.
            parts.push(format!("{field} {op} '{}'", utc_seconds(at, false)));
            applied.filters.push(filter);
        }
    }
    if let Some(owner) = filters.owner.as_deref().filter(|o| is_address(o)) {
        let owner = escape_query(&owner.to_lowercase());
        parts.push(match language {
            Language::Rest => format!("'{owner}' in owners"),
            Language::Mcp => format!("owner = '{owner}'"),
        });
        applied.filters.push(Filter::Owner);
    }
    if !filters.types.is_empty() {
        let media: Vec<String> = filters
            .types
            .iter()
            .flat_map(|t| t.media_types())
            .map(|m| format!("mimeType = '{}'", escape_query(m)))
            .collect();
        // A kind Drive does not hold (a page, an email) matches nothing there.
        parts.push(if media.is_empty() {
            "mimeType = 'application/x-workplace-none'".to_owned()
        } else {
            format!("({})", media.join(" or "))
        });
        applied.filters.push(Filter::Type);
    }
    if language == Language::Rest
        && let [drive] = filters.containers_of(SourceKind::GoogleDrive)
    {
        applied.drive = Some(drive.clone());
        applied.filters.push(Filter::Container);
    }
    applied.clause = (!parts.is_empty()).then(|| parts.join(" and "));
    applied
}

/// Whether `owner` is an address (Drive's `owners` holds addresses, not names).
fn is_address(owner: &str) -> bool {
    owner.contains('@') && !owner.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ItemType;
    use time::macros::datetime;

    #[test]
    fn times_owners_kinds_and_one_drive() {
        let filters = Filters {
            modified_after: Some(datetime!(2026-11-01 0:00 UTC)),
            created_before: Some(datetime!(2026-12-01 12:30:05.9 UTC)),
            owner: Some("Alice@Acme.example".into()),
            types: vec![ItemType::Pdf],
            containers: [(SourceKind::GoogleDrive, vec!["0AFinance".to_owned()])].into(),
            ..Filters::default()
        };
        let rest = apply(&filters, Language::Rest);
        assert_eq!(
            rest.clause.as_deref(),
            Some(
                "modifiedTime >= '2026-11-01T00:00:00Z' and createdTime < '2026-12-01T12:30:05Z' \
                 and 'alice@acme.example' in owners and (mimeType = 'application/pdf')"
            )
        );
        assert_eq!(rest.drive.as_deref(), Some("0AFinance"));
        assert_eq!(rest.filters.len(), 5);
        let mcp = apply(&filters, Language::Mcp);
        assert!(mcp.clause.unwrap().contains("owner = 'alice@acme.example'"));
        assert!(!mcp.filters.contains(&Filter::Container));
    }

    #[test]
    fn names_and_several_drives_are_left_to_the_service() {
        let filters = Filters {
            owner: Some("Alice Nguyen".into()),
            containers: [(SourceKind::GoogleDrive, vec!["a".into(), "b".into()])].into(),
            ..Filters::default()
        };
        assert_eq!(apply(&filters, Language::Rest), Applied::default());
    }

    #[test]
    fn an_owner_cannot_leave_the_quotes() {
        let filters = Filters {
            owner: Some("x'@y' or name contains 'a".into()),
            ..Filters::default()
        };
        let clause = apply(&filters, Language::Rest).clause;
        assert_eq!(clause, None, "not an address: left to the service");
        let filters = Filters {
            owner: Some("x'@y'or'".into()),
            ..Filters::default()
        };
        assert_eq!(
            apply(&filters, Language::Rest).clause.as_deref(),
            Some(r"'x\'@y\'or\'' in owners")
        );
    }
}
