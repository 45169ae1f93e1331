//! What a search may be narrowed by, besides its words: when an item changed or was created,
//! who owns (wrote, sent, organised) it, what kind of item it is, and where it lives.
//!
//! Filters are hard constraints, unlike the date words of a query ([`super::DateRange`], which
//! only the strict pass applies): both passes of a plan apply them. A source writes what it can
//! into its own query language (Drive `q`, KQL, Gmail `q`, SOQL) and names those in
//! [`super::Planned::applied`]; the service checks every other filter on what each hit says
//! ([`Filters::check`]) where the hit carries the field, and reports the rest as not applied, so
//! a model knows which results it must still judge itself.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{SearchHit, SourceKind};

/// One filter, by its argument name: how reports say which filters a source applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Changed at or after a time.
    ModifiedAfter,
    /// Changed before a time.
    ModifiedBefore,
    /// Created at or after a time.
    CreatedAfter,
    /// Created before a time.
    CreatedBefore,
    /// Owned, written, sent or organised by someone.
    Owner,
    /// Of one of some kinds.
    Type,
    /// In one of some containers (a shared drive, a SharePoint site, ...).
    #[serde(rename = "containers")]
    Container,
}

impl Filter {
    /// The argument's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ModifiedAfter => "modified_after",
            Self::ModifiedBefore => "modified_before",
            Self::CreatedAfter => "created_after",
            Self::CreatedBefore => "created_before",
            Self::Owner => "owner",
            Self::Type => "type",
            Self::Container => "containers",
        }
    }
}

/// What kind of item a hit is, as the `type` filter names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// A text document (Google Docs, Word, plain text).
    Document,
    /// A spreadsheet (Google Sheets, Excel, CSV).
    Spreadsheet,
    /// A presentation (Google Slides, PowerPoint).
    Presentation,
    /// A PDF.
    Pdf,
    /// A page (Notion, a SharePoint site page).
    Page,
    /// An email.
    Email,
    /// A calendar event.
    Event,
    /// A CRM record.
    Record,
}

impl ItemType {
    /// Every type, in the order the tool's schema lists them.
    pub const ALL: [Self; 8] = [
        Self::Document,
        Self::Spreadsheet,
        Self::Presentation,
        Self::Pdf,
        Self::Page,
        Self::Email,
        Self::Event,
        Self::Record,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Document => "document",
            Self::Spreadsheet => "spreadsheet",
            Self::Presentation => "presentation",
            Self::Pdf => "pdf",
            Self::Page => "page",
            Self::Email => "email",
            Self::Event => "event",
            Self::Record => "record",
        }
    }

    /// The type a wire name names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The type of a file with this MIME type (Google's own types included), when it is one of
    /// the kinds the filter names.
    pub fn of_media_type(media_type: &str) -> Option<Self> {
        let media_type = media_type.split(';').next().unwrap_or("").trim();
        Some(match media_type {
            "application/vnd.google-apps.document"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/msword"
            | "text/plain"
            | "text/markdown"
            | "text/html"
            | "application/rtf" => Self::Document,
            "application/vnd.google-apps.spreadsheet"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.ms-excel"
            | "text/csv" => Self::Spreadsheet,
            "application/vnd.google-apps.presentation"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/vnd.ms-powerpoint" => Self::Presentation,
            "application/pdf" => Self::Pdf,
            _ => return None,
        })
    }

    /// The MIME types of this kind, for upstreams that filter by MIME type (Drive): the inverse
    /// of [`Self::of_media_type`].
    pub fn media_types(self) -> &'static [&'static str] {
        match self {
            Self::Document => &[
                "application/vnd.google-apps.document",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/msword",
                "text/plain",
                "text/markdown",
                "text/html",
                "application/rtf",
            ],
            Self::Spreadsheet => &[
                "application/vnd.google-apps.spreadsheet",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.ms-excel",
                "text/csv",
            ],
            Self::Presentation => &[
                "application/vnd.google-apps.presentation",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/vnd.ms-powerpoint",
            ],
            Self::Pdf => &["application/pdf"],
            Self::Page | Self::Email | Self::Event | Self::Record => &[],
        }
    }

    /// The type of a file by its name's extension (Graph reports extensions, not MIME types).
    pub fn of_file_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        Some(match ext.to_ascii_lowercase().as_str() {
            "docx" | "doc" | "txt" | "md" | "rtf" | "odt" => Self::Document,
            "xlsx" | "xls" | "csv" | "ods" => Self::Spreadsheet,
            "pptx" | "ppt" | "odp" => Self::Presentation,
            "pdf" => Self::Pdf,
            "aspx" => Self::Page,
            _ => return None,
        })
    }
}

/// A filter's time: an instant, UTC.
pub type Time = OffsetDateTime;

/// Reads a filter's time: a date (`2026-11-30`, midnight UTC) or an RFC 3339 time, converted to
/// UTC; years 1 to 9999, the range every upstream's date syntax can write.
pub fn parse_time(text: &str) -> Option<Time> {
    let at = if text.len() == 10 {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(text, &format)
            .ok()?
            .midnight()
            .assume_utc()
    } else {
        OffsetDateTime::parse(text, &Rfc3339).ok()?
    };
    let at = at.checked_to_offset(time::UtcOffset::UTC)?;
    (1..=9999).contains(&at.year()).then_some(at)
}

/// A filter's time as `YYYY-MM-DDThh:mm:ssZ`, UTC to the second, the literal Drive `q`, KQL and
/// SOQL all read: rounded down, or up with `round_up`, so a caller can make a bound only widen.
pub fn utc_seconds(at: Time, round_up: bool) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let whole = at.replace_nanosecond(0).unwrap_or(at);
    let at = if round_up && whole < at {
        whole + time::Duration::SECOND
    } else {
        whole
    };
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format).unwrap_or_default()
}

/// Writes a filter's time as RFC 3339 (UTC, `Z`), as [`parse_time`] reads it back.
pub fn format_time(at: Time) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A search's filters, validated (see the service's argument parsing). Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Changed at or after.
    pub modified_after: Option<OffsetDateTime>,
    /// Changed before.
    pub modified_before: Option<OffsetDateTime>,
    /// Created at or after.
    pub created_after: Option<OffsetDateTime>,
    /// Created before.
    pub created_before: Option<OffsetDateTime>,
    /// An email address or a name, as typed (trimmed, at most a line): matched without regard to
    /// case against the owner's address or name.
    pub owner: Option<String>,
    /// Any of these kinds; empty means any kind.
    pub types: Vec<ItemType>,
    /// Per source, the containers (a shared drive's id, a SharePoint site's id, a Notion
    /// teamspace's id, a Salesforce object name) its hits must come from; a source not named is
    /// searched whole.
    pub containers: BTreeMap<SourceKind, Vec<String>>,
}

/// Whether a hit passes the filters the service can check on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passes every filter it could be checked against.
    Keep,
    /// Fails one.
    Drop,
}

impl Filters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.requested().is_empty()
    }

    /// The filters set, in a fixed order.
    pub fn requested(&self) -> Vec<Filter> {
        let mut set = Vec::new();
        let mut push = |on: bool, filter| {
            if on {
                set.push(filter);
            }
        };
        push(self.modified_after.is_some(), Filter::ModifiedAfter);
        push(self.modified_before.is_some(), Filter::ModifiedBefore);
        push(self.created_after.is_some(), Filter::CreatedAfter);
        push(self.created_before.is_some(), Filter::CreatedBefore);
        push(self.owner.is_some(), Filter::Owner);
        push(!self.types.is_empty(), Filter::Type);
        push(!self.containers.is_empty(), Filter::Container);
        set
    }

    /// The filters that concern `kind`: every one but `containers`, which concerns only the
    /// sources it names.
    pub fn requested_of(&self, kind: SourceKind) -> Vec<Filter> {
        let mut set = self.requested();
        if !self.containers.contains_key(&kind) {
            set.retain(|f| *f != Filter::Container);
        }
        set
    }

    /// The containers `kind` is limited to; empty when it is searched whole.
    pub fn containers_of(&self, kind: SourceKind) -> &[String] {
        self.containers.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// Whether `types` leaves anything for a source whose items are `holds`: a source that
    /// holds none of the wanted kinds is not asked at all.
    pub fn wants_any_of(&self, holds: &[ItemType]) -> bool {
        self.types.is_empty() || self.types.iter().any(|t| holds.contains(t))
    }

    /// Whether `hit` passes each of `filters` as far as it says: a filter the hit carries no field
    /// for passes (the upstream's query already decided it). A connector that applied filters
    /// upstream less exactly than they read (whole days, names for addresses) checks its hits
    /// with this.
    pub fn passes(&self, filters: &[Filter], hit: &SearchHit) -> bool {
        filters.iter().all(|f| self.check(*f, hit) != Some(false))
    }

    /// Checks `hit` against `filter` on what the hit itself says: `None` when the hit does not
    /// carry the field (the filter cannot be checked here), or for `containers`, which no hit
    /// names.
    pub fn check(&self, filter: Filter, hit: &SearchHit) -> Option<bool> {
        match filter {
            Filter::ModifiedAfter => {
                let (bound, (_, last)) = (self.modified_after?, span(&hit.modified_time)?);
                Some(last >= bound)
            }
            Filter::ModifiedBefore => {
                let (bound, (first, _)) = (self.modified_before?, span(&hit.modified_time)?);
                Some(first < bound)
            }
            Filter::CreatedAfter => {
                let (bound, (_, last)) = (self.created_after?, span(&hit.created_time)?);
                Some(last >= bound)
            }
            Filter::CreatedBefore => {
                let (bound, (first, _)) = (self.created_before?, span(&hit.created_time)?);
                Some(first < bound)
            }
            Filter::Owner => {
                let owner = self.owner.as_deref()?;
                let names = [hit.owner.as_deref(), hit.author.as_deref()];
                let known: Vec<&str> = names.into_iter().flatten().collect();
                if known.is_empty() {
                    return None;
                }
                Some(known.iter().any(|name| owner_matches(owner, name)))
            }
            Filter::Type => {
                let item_type = hit.item_type?;
                Some(self.types.contains(&item_type))
            }
            Filter::Container => None,
        }
    }
}

/// The instants a hit's time may stand for: an RFC 3339 time is one instant; a bare date (Gmail's
/// MCP server reports a message's day only) is its whole UTC day, and passes a bound any instant
/// of that day passes, so a coarse upstream never hides what may match.
fn span(value: &Option<String>) -> Option<(Time, Time)> {
    let value = value.as_deref()?;
    if let Ok(at) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some((at, at));
    }
    let day = parse_time(value).filter(|_| value.len() == 10)?;
    let last = day + time::Duration::days(1) - time::Duration::NANOSECOND;
    Some((day, last))
}

/// Whether `wanted` (an address or a name) names the person `field` describes: an address
/// matches an address inside the field ("Alice Nguyen <alice@acme.example>" or the address
/// alone); a name matches the field's name, both without regard to case or spacing.
pub fn owner_matches(wanted: &str, field: &str) -> bool {
    let normalise = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let wanted = normalise(wanted);
    let field = normalise(field);
    if wanted.is_empty() {
        return false;
    }
    if wanted.contains('@') {
        return field
            .split(|c: char| c == '<' || c == '>' || c == ',' || c.is_whitespace())
            .any(|part| part == wanted);
    }
    let name = field.split('<').next().unwrap_or("").trim();
    name == wanted || field == wanted
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn hit() -> SearchHit {
        SearchHit {
            item_id: "x".into(),
            title: "t".into(),
            url: "https://example.invalid/x".into(),
            snippet: String::new(),
            modified_time: Some("2026-11-20T10:00:00Z".into()),
            created_time: None,
            author: Some("Alice Nguyen".into()),
            owner: Some("alice@acme.example".into()),
            item_type: Some(ItemType::Spreadsheet),
            media_type: None,
            details: None,
        }
    }

    #[test]
    fn times_are_checked_where_the_hit_has_them() {
        let filters = Filters {
            modified_after: Some(datetime!(2026-11-01 0:00 UTC)),
            modified_before: Some(datetime!(2026-11-20 10:00 UTC)),
            created_after: Some(datetime!(2026-01-01 0:00 UTC)),
            ..Filters::default()
        };
        let hit = hit();
        assert_eq!(filters.check(Filter::ModifiedAfter, &hit), Some(true));
        assert_eq!(
            filters.check(Filter::ModifiedBefore, &hit),
            Some(false),
            "before is exclusive"
        );
        assert_eq!(filters.check(Filter::CreatedAfter, &hit), None);
    }

    #[test]
    fn a_bare_date_passes_a_bound_any_instant_of_its_day_passes() {
        let mut hit = hit();
        hit.modified_time = Some("2026-12-01".into());
        let filters = Filters {
            modified_after: Some(datetime!(2026-12-01 18:00 UTC)),
            modified_before: Some(datetime!(2026-12-01 06:00 UTC)),
            ..Filters::default()
        };
        assert_eq!(filters.check(Filter::ModifiedAfter, &hit), Some(true));
        assert_eq!(filters.check(Filter::ModifiedBefore, &hit), Some(true));
        let later = Filters {
            modified_after: Some(datetime!(2026-12-02 0:00 UTC)),
            ..Filters::default()
        };
        assert_eq!(later.check(Filter::ModifiedAfter, &hit), Some(false));
    }

    #[test]
    fn owners_match_by_address_or_name() {
        assert!(owner_matches(
            "alice@acme.example",
            "Alice <ALICE@acme.example>"
        ));
        assert!(owner_matches("Alice  Nguyen", "alice nguyen"));
        assert!(owner_matches(
            "alice nguyen",
            "Alice Nguyen <alice@acme.example>"
        ));
        assert!(!owner_matches("alice@acme.example", "malice@acme.example"));
        assert!(
            !owner_matches("alice", "Alice Nguyen"),
            "a part of a name is not a name"
        );
        assert!(!owner_matches("", "Alice"));
        let filters = Filters {
            owner: Some("bob@acme.example".into()),
            ..Filters::default()
        };
        assert_eq!(filters.check(Filter::Owner, &hit()), Some(false));
    }

    #[test]
    fn types_and_containers() {
        let filters = Filters {
            types: vec![ItemType::Spreadsheet, ItemType::Pdf],
            containers: [(SourceKind::Sharepoint, vec!["site".to_owned()])].into(),
            ..Filters::default()
        };
        assert_eq!(filters.check(Filter::Type, &hit()), Some(true));
        assert_eq!(filters.check(Filter::Container, &hit()), None);
        assert!(filters.wants_any_of(&[ItemType::Pdf, ItemType::Page]));
        assert!(!filters.wants_any_of(&[ItemType::Email]));
        assert_eq!(
            filters.requested_of(SourceKind::GoogleDrive),
            [Filter::Type],
            "containers concern only the sources they name"
        );
        assert_eq!(
            filters.requested_of(SourceKind::Sharepoint),
            [Filter::Type, Filter::Container]
        );
    }

    #[test]
    fn times_read_dates_and_instants_in_utc() {
        assert_eq!(
            parse_time("2026-11-30"),
            Some(datetime!(2026-11-30 0:00 UTC))
        );
        assert_eq!(
            parse_time("2026-11-30T10:00:00+02:00"),
            Some(datetime!(2026-11-30 8:00 UTC))
        );
        for bad in [
            "2026-13-01",
            "yesterday",
            "0000-12-31",
            "",
            "2026-11-30T10:00",
            "9999-12-31T23:59:59-23:59",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        let at = datetime!(2026-11-30 8:00:01.5 UTC);
        assert_eq!(parse_time(&format_time(at)), Some(at));
    }

    #[test]
    fn wire_names_are_the_argument_names() {
        for f in [
            Filter::ModifiedAfter,
            Filter::ModifiedBefore,
            Filter::CreatedAfter,
            Filter::CreatedBefore,
            Filter::Owner,
            Filter::Type,
            Filter::Container,
        ] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }

    #[test]
    fn media_types_round_trip() {
        for t in ItemType::ALL {
            for m in t.media_types() {
                assert_eq!(ItemType::of_media_type(m), Some(t));
            }
        }
        assert_eq!(
            ItemType::of_file_name("Q3 Budget.XLSX"),
            Some(ItemType::Spreadsheet)
        );
        assert_eq!(ItemType::of_file_name("noext"), None);
    }
}
