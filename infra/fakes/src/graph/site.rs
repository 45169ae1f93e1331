//! Where a demo document lives in SharePoint and when it was created: the fields KQL's `SiteId:`,
//! `WebId:` and `Created` restrictions read, and that a hit's `parentReference.siteId` and
//! `createdDateTime` report.
//!
//! The corpus names neither, so both are derived from the document: each owner's team has its
//! own site (Alice's finance documents, Bob's engineering ones, everything else the company
//! site), and a document was created when the demo tenant was set up, or at its first change when
//! that was earlier (nothing is created after it is changed).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

use crate::corpus::Document;

/// The demo tenant's host name, the first part of every Graph site id.
pub(crate) const HOST: &str = "acme.sharepoint.com";

/// One SharePoint site: its name in URLs and the two GUIDs of its Graph id
/// (`host,siteCollectionId,webId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Site {
    pub(crate) name: &'static str,
    pub(crate) collection: &'static str,
    pub(crate) web: &'static str,
}

impl Site {
    /// The Graph site id, as `parentReference.siteId` reports it.
    pub(crate) fn graph_id(&self) -> String {
        format!("{HOST},{},{}", self.collection, self.web)
    }
}

/// The company-wide site.
pub(crate) const COMPANY: Site = Site {
    name: "Company",
    collection: "5724d91f-650c-4810-83cc-61a8818917d6",
    web: "c3ba25dc-2c9f-48cb-83be-74cdf68ea5a0",
};
/// The finance team's site.
pub(crate) const FINANCE: Site = Site {
    name: "Finance",
    collection: "8f1c2b7a-3d4e-4f60-9a1b-2c3d4e5f6071",
    web: "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d",
};
/// The engineering team's site.
pub(crate) const ENGINEERING: Site = Site {
    name: "Engineering",
    collection: "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
    web: "f9e8d7c6-b5a4-4392-8170-6f5e4d3c2b1a",
};

/// The site holding `doc`.
pub(crate) fn of(doc: &Document) -> Site {
    match doc.owner.as_str() {
        "alice@acme.example" => FINANCE,
        "bob@acme.example" => ENGINEERING,
        _ => COMPANY,
    }
}

/// When the demo tenant was set up.
const TENANT_CREATED: OffsetDateTime = datetime!(2026-01-05 09:00 UTC);

/// When `doc` was last changed (`None` for a corpus time that does not parse).
pub(crate) fn modified(doc: &Document) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(&doc.modified, &Rfc3339).ok()
}

/// When `doc` was created: the tenant's set-up, or its last change when that came first.
pub(crate) fn created(doc: &Document) -> OffsetDateTime {
    modified(doc).map_or(TENANT_CREATED, |m| m.min(TENANT_CREATED))
}

/// A time as Graph writes it (`2026-01-05T09:00:00Z`).
pub(crate) fn graph_time(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
