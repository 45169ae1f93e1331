//! The one list of sources. Each entry names what the rest of the workspace needs to know about a
//! source without knowing the source: its kind (wire name, display name and scope come with it,
//! from `workplace_record::SourceKind`), the settings it reads, the secret keys its service mode
//! needs, what it supports, and how its settings are read (its `build` follows from them). The
//! `sources!` list below names each source's folder and id type, once. Everything else is derived
//! from this list or checked against it by a test:
//!
//! - the connectors' configuration and build loop ([`crate::ConnectorsConfig`],
//!   [`crate::build_available_sources`]);
//! - the catalogue's `sources` enums, the server instructions and `/health` (in
//!   `workplace-service`, from [`SOURCES`] and [`SourceKind::ALL`]);
//! - the secret keys the service hands the connectors ([`secret_keys`]);
//! - the deployment template's parameters and the docs' tables (tests in `workplace-service`).
//!
//! Adding a source: see `CONTRIBUTING.md`.

use std::sync::Arc;

use crate::SourceKind;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::id::IdError;

/// What the workspace knows about one source.
#[derive(Debug)]
pub struct SourceEntry {
    /// The source.
    pub kind: SourceKind,
    /// The environment variable holding its [`Mode`] (`GOOGLE_DRIVE_MODE`).
    pub mode_setting: &'static str,
    /// The deployment template's parameter for that mode (`GoogleDriveMode`).
    pub template_parameter: &'static str,
    /// The other environment variables the deployment template passes for it (each must be a
    /// parameter of the template; a test checks it). Settings that only tests and `make dev` set
    /// (base URLs of the fakes) are not listed.
    pub deployed_settings: &'static [&'static str],
    /// Whether it is on when its mode is not set (then `descope_outbound` when
    /// `DESCOPE_PROJECT_ID` is set). The first three sources are; a source added later is off
    /// (`disabled`) until an operator sets its mode, so a deployment does not change by upgrading.
    pub on_by_default: bool,
    /// The settings naming its upstream's base URLs: tests, `make dev` and the benchmarks point
    /// each at the local fakes (`workplace_testkit`, `infra/scripts/stack.sh`; a test checks the
    /// script).
    pub base_url_settings: &'static [&'static str],
    /// The settings naming a whole upstream endpoint rather than a base URL (Google's MCP
    /// servers: one host per product, the path included), each with the path the fakes serve it
    /// at: tests, `make dev` and the benchmarks set the setting to the fakes' base URL followed
    /// by that path (a test checks the script).
    pub endpoint_settings: &'static [(&'static str, &'static str)],
    /// The secret keys its `service` mode reads.
    pub secret_keys: &'static [&'static str],
    /// Whether its `service` mode is one credential shared by every caller (and so must be
    /// acknowledged in `ALLOW_SHARED_CREDENTIALS`); `false` when service mode still acts as each
    /// user (Google domain-wide delegation).
    pub shared_service_credential: bool,
    /// Whether `add_comment` can write to it.
    pub comments: bool,
    /// Whether it is a calendar: `list_events` lists its events in a time window
    /// ([`crate::Source::events`]), and only such sources may be named to `list_events`.
    pub lists_events: bool,
    /// The kinds of item it holds: a search whose `type` filter names none of them does not
    /// ask it at all.
    pub item_types: &'static [crate::query::ItemType],
    /// The upstream permissions its token asks for, for the docs (`drive.readonly`, ...).
    pub upstream_scopes: &'static [&'static str],
    /// Reads and validates its settings (in its folder's `settings.rs`).
    pub settings: fn(&Env<'_>, Mode, &mut Vec<ConfigProblem>) -> Arc<dyn SourceSettings>,
    /// An item id in its grammar whose last two characters may be any two digits (test doubles
    /// number their items with it; a test checks it).
    pub example_id: &'static str,
}

/// The sources: one line each, naming its kind, its folder and the type its id grammar parses
/// to. From it come [`SOURCES`] (each folder's `ENTRY`) and [`ItemId`], with one variant per
/// source, so an id crosses the [`crate::Source`] trait as the value its grammar produced and is
/// never parsed twice. A [`SourceKind`] without a line here does not compile.
macro_rules! sources {
    ($($kind:ident => $folder:ident :: $id:ident),+ $(,)?) => {
        /// Every source, in [`SourceKind::ALL`] order (a test checks the order).
        pub const SOURCES: &[SourceEntry] = &[$(crate::$folder::ENTRY),+];

        /// A result id that names its source: `<source>:<item id>`, e.g. `notion:2f1c...`. It
        /// is what `fetch` and `add_comment` take, so it must survive a round trip through a
        /// model unchanged; it holds the item as its source's grammar parsed it (see
        /// [`crate::id`]), so what is stored here can only become the URL path segments or tool
        /// arguments the source means.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ItemId {
            $(
                #[doc = concat!("An item of `", stringify!($folder), "`.")]
                $kind(crate::$folder::id::$id),
            )+
        }

        impl ItemId {
            /// Checks `item` against `kind`'s grammar.
            pub fn new(kind: SourceKind, item: &str) -> Result<Self, IdError> {
                match kind {
                    $(SourceKind::$kind => crate::$folder::id::$id::parse(item).map(Self::$kind),)+
                }
            }

            /// The source the item lives in.
            pub const fn source(&self) -> SourceKind {
                match self {
                    $(Self::$kind(_) => SourceKind::$kind,)+
                }
            }

            /// The source's own id, canonical.
            pub fn item(&self) -> &(dyn std::fmt::Display + Send + Sync) {
                match self {
                    $(Self::$kind(id) => id,)+
                }
            }
        }

        $(
            impl crate::id::SourceId for crate::$folder::id::$id {
                fn of(id: &ItemId) -> Option<&Self> {
                    match id {
                        ItemId::$kind(id) => Some(id),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )+
    };
}

sources! {
    GoogleDrive => drive::DriveFileId,
    Notion => notion::NotionId,
    Sharepoint => graph::GraphItemId,
    Gmail => gmail::GmailItemId,
    OutlookMail => outlook_mail::MessageId,
    Salesforce => salesforce::RecordId,
    GoogleCalendar => google_calendar::EventId,
    OutlookCalendar => outlook_calendar::EventId,
}

impl SourceEntry {
    /// Whether it has a `service` mode: a source with no secret keys has no credential of its
    /// own, so it is read only with each user's own token, and `service` is refused at start-up.
    pub fn has_service_mode(&self) -> bool {
        !self.secret_keys.is_empty()
    }
}

/// `kind`'s entry.
pub fn entry(kind: SourceKind) -> &'static SourceEntry {
    // Every kind has an entry (a test checks it); the first entry is an unreachable fallback.
    SOURCES
        .iter()
        .find(|e| e.kind == kind)
        .unwrap_or(&SOURCES[0])
}

/// Every secret key a source reads, besides `descope_management_key` (which the outbound mode of
/// every source reads).
pub fn secret_keys() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().flat_map(|e| e.secret_keys.iter().copied())
}

/// The Descope outbound app id settings: which app of the Descope project a source's user tokens
/// come from.
pub const OUTBOUND_APP_SETTINGS: &[&str] = &[
    "DESCOPE_OUTBOUND_APP_GOOGLE",
    "DESCOPE_OUTBOUND_APP_MICROSOFT",
    "DESCOPE_OUTBOUND_APP_NOTION",
    "DESCOPE_OUTBOUND_APP_SALESFORCE",
];

/// The settings one organisation (tenant) may set for itself instead of the deployment's: each
/// source's mode and deployed settings (Google Workspace domains, Microsoft tenant and client,
/// Salesforce instance), the outbound app ids, and the acknowledgement of shared credentials.
/// Base URLs of the upstreams are not among them: a tenant document never chooses where the
/// functions send a request, beyond the organisation's own Salesforce instance, which is checked
/// like the deployment's.
pub fn tenant_settings() -> impl Iterator<Item = &'static str> {
    SOURCES
        .iter()
        .flat_map(|e| std::iter::once(e.mode_setting).chain(e.deployed_settings.iter().copied()))
        .chain(OUTBOUND_APP_SETTINGS.iter().copied())
        .chain(std::iter::once("ALLOW_SHARED_CREDENTIALS"))
}

/// The calendars: the sources `list_events` lists.
pub fn calendars() -> impl Iterator<Item = SourceKind> {
    SOURCES.iter().filter(|e| e.lists_events).map(|e| e.kind)
}

/// Whether `kind` is a calendar ([`SourceEntry::lists_events`]).
pub fn is_calendar(kind: SourceKind) -> bool {
    entry(kind).lists_events
}

/// The sources `add_comment` can write to.
pub fn commentable() -> impl Iterator<Item = SourceKind> {
    SOURCES.iter().filter(|e| e.comments).map(|e| e.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_every_source_kind_once_in_order() {
        let kinds: Vec<SourceKind> = SOURCES.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, SourceKind::ALL);
        for &kind in SourceKind::ALL {
            assert_eq!(entry(kind).kind, kind);
        }
    }

    #[test]
    fn every_example_id_parses_and_can_be_numbered() {
        for entry in SOURCES {
            let id = ItemId::new(entry.kind, entry.example_id).unwrap();
            assert_eq!(id.source(), entry.kind);
            let stem = &entry.example_id[..entry.example_id.len() - 2];
            for n in [0, 7, 42, 99] {
                let numbered = format!("{stem}{n:02}");
                assert!(ItemId::new(entry.kind, &numbered).is_ok(), "{numbered}");
            }
        }
    }

    #[test]
    fn settings_and_secret_keys_are_unique_and_well_formed() {
        let mut settings = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        for entry in SOURCES {
            assert!(
                entry.mode_setting.ends_with("_MODE"),
                "{}",
                entry.mode_setting
            );
            for (setting, path) in entry.endpoint_settings {
                assert!(path.starts_with('/') && !path.ends_with('/'), "{path}");
                assert!(setting.ends_with("_URL"), "{setting}");
            }
            // Base URLs may be shared (Graph's); a mode, a deployed setting or an endpoint is one
            // source's.
            let endpoints = entry.endpoint_settings.iter().map(|(setting, _)| setting);
            for setting in std::iter::once(&entry.mode_setting)
                .chain(entry.deployed_settings)
                .chain(endpoints)
            {
                assert!(settings.insert(*setting), "{setting} is listed twice");
                assert!(
                    setting
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                    "{setting}"
                );
            }
            for key in entry.secret_keys {
                assert!(keys.insert(*key), "{key} is listed twice");
                assert!(
                    key.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{key}"
                );
            }
        }
    }

    #[test]
    fn every_source_reads_its_settings_with_nothing_set() {
        let env = |_: &str| None;
        for entry in SOURCES {
            let mut problems = Vec::new();
            let settings = (entry.settings)(&Env(&env), Mode::Disabled, &mut problems);
            assert_eq!(settings.kind(), entry.kind);
            assert_eq!(settings.mode(), Mode::Disabled);
            assert!(problems.is_empty(), "{:?}: {problems:?}", entry.kind);
        }
    }
}
