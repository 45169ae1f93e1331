//! The caller's filters in SOSL: each object's `RETURNING Object(... WHERE ...)` gets
//! `LastModifiedDate`/`CreatedDate` bounds (datetime literals, unquoted, at the second, UTC) and
//! `Owner.Email = '...'` (an address) or `Owner.Name = '...'` (a name), the value a SOQL string
//! literal escaped by [`escape_soql`]; containers are object names (`Account`, `Opportunity`,
//! `Contact`, `Case`) and limit the `RETURNING` list to those. Every hit is a CRM record, so a
//! type filter naming `record` is met by all of them.
//!
//! Bounds below a second are widened upstream and checked exactly on each hit ([`Filters::passes`]).

use std::fmt::Write as _;

use super::id::SObject;
use super::sosl::escape_soql;
use crate::SourceKind;
use crate::query::filters::utc_seconds;
use crate::query::{Filter, Filters, ItemType};

/// What the filters add to a SOSL statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Restriction {
    /// `WHERE` conditions every object gets, ANDed.
    pub(crate) conditions: Vec<String>,
    /// The objects searched; empty means all of them.
    pub(crate) objects: Vec<SObject>,
    /// The filters applied, upstream and by [`Filters::passes`] on each hit.
    pub(crate) applied: Vec<Filter>,
    /// Whether no record can pass: no container names an object searched, or the types name
    /// no record.
    pub(crate) matches_nothing: bool,
}

impl Restriction {
    /// The objects a statement returns, in the order results list them.
    pub(crate) fn objects(&self) -> Vec<SObject> {
        SObject::ALL
            .into_iter()
            .filter(|o| self.objects.is_empty() || self.objects.contains(o))
            .collect()
    }
}

/// The SOSL for `filters`.
pub(crate) fn restriction(filters: &Filters) -> Restriction {
    let mut out = Restriction::default();
    let mut bound = |filter, field: &str, op: &str, at: Option<crate::query::filters::Time>, up| {
        if let Some(at) = at {
            out.conditions
                .push(format!("{field} {op} {}", utc_seconds(at, up)));
            out.applied.push(filter);
        }
    };
    bound(
        Filter::ModifiedAfter,
        "LastModifiedDate",
        ">=",
        filters.modified_after,
        false,
    );
    bound(
        Filter::ModifiedBefore,
        "LastModifiedDate",
        "<",
        filters.modified_before,
        true,
    );
    bound(
        Filter::CreatedAfter,
        "CreatedDate",
        ">=",
        filters.created_after,
        false,
    );
    bound(
        Filter::CreatedBefore,
        "CreatedDate",
        "<",
        filters.created_before,
        true,
    );
    if let Some(owner) = &filters.owner {
        let owner = owner.split_whitespace().collect::<Vec<_>>().join(" ");
        let field = if owner.contains('@') {
            "Owner.Email"
        } else {
            "Owner.Name"
        };
        let mut condition = String::new();
        let _ = write!(condition, "{field} = '{}'", escape_soql(&owner));
        out.conditions.push(condition);
        out.applied.push(Filter::Owner);
    }
    if !filters.types.is_empty() {
        out.matches_nothing |= !filters.types.contains(&ItemType::Record);
        out.applied.push(Filter::Type);
    }
    let containers = filters.containers_of(SourceKind::Salesforce);
    if !containers.is_empty() {
        out.objects = SObject::ALL
            .into_iter()
            .filter(|o| {
                containers
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(o.api_name()))
            })
            .collect();
        out.matches_nothing |= out.objects.is_empty();
        out.applied.push(Filter::Container);
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn bounds_owners_and_objects() {
        let filters = Filters {
            modified_after: Some(datetime!(2026-11-01 1:00 +01:00)),
            created_before: Some(datetime!(2026-06-01 0:00:00.5 UTC)),
            owner: Some("O'Brien \\ x' OR Name != '".into()),
            containers: [(
                SourceKind::Salesforce,
                vec!["case".into(), "Opportunity".into(), "User".into()],
            )]
            .into(),
            ..Filters::default()
        };
        let r = restriction(&filters);
        assert_eq!(
            r.conditions,
            [
                "LastModifiedDate >= 2026-11-01T00:00:00Z",
                "CreatedDate < 2026-06-01T00:00:01Z",
                r"Owner.Name = 'O\'Brien \\ x\' OR Name != \''",
            ]
        );
        assert_eq!(
            r.objects(),
            [SObject::Opportunity, SObject::Case],
            "no User"
        );
        assert_eq!(
            r.applied,
            [
                Filter::ModifiedAfter,
                Filter::CreatedBefore,
                Filter::Owner,
                Filter::Container
            ]
        );
        assert!(!r.matches_nothing);
        let r = restriction(&Filters {
            owner: Some("alice@acme.example".into()),
            types: vec![ItemType::Email],
            containers: [(SourceKind::Salesforce, vec!["User".into()])].into(),
            ..Filters::default()
        });
        assert_eq!(r.conditions, ["Owner.Email = 'alice@acme.example'"]);
        assert!(r.matches_nothing);
        assert_eq!(Restriction::default().objects(), SObject::ALL);
    }
}
