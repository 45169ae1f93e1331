//! Search filters through the fakes over real HTTP, for SharePoint, Outlook mail, Outlook
//! calendar and Salesforce: each filter a source applies narrows the unfiltered search to hits
//! that satisfy it, in both passes, and is named in `applied`; a filter a source cannot apply is
//! not named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::filtering::{ids, plan, soon};
use common::*;
use time::OffsetDateTime;
use time::macros::datetime;
use workplace_connectors::SearchHit;
use workplace_connectors::query::{Filter, Filters, ItemType, Planned};

const PER_USER: &[(&str, &str)] = &[
    ("SHAREPOINT_MODE", "descope_outbound"),
    ("OUTLOOK_MAIL_MODE", "descope_outbound"),
    ("OUTLOOK_CALENDAR_MODE", "descope_outbound"),
    ("SALESFORCE_MODE", "descope_outbound"),
];

/// The Finance site of the demo tenant, as Graph names it (`host,siteCollectionId,webId`).
const FINANCE_SITE: &str =
    "acme.sharepoint.com,8f1c2b7a-3d4e-4f60-9a1b-2c3d4e5f6071,0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
/// The company-wide site's collection id alone.
const COMPANY_SITE: &str = "5724d91f-650c-4810-83cc-61a8818917d6";

fn time(hit: &Option<String>) -> OffsetDateTime {
    OffsetDateTime::parse(
        hit.as_deref().expect("the hit says when"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

/// Searches `query` with and without `filters` as `user`, and checks that the filtered hits are a
/// strict subset of the unfiltered ones (`strict`), or at most the same set, that each passes
/// `holds`, and that `applied` names `expect` exactly.
async fn narrows(
    source: &dyn Source,
    user: &UserContext,
    query: &str,
    filters: Filters,
    expect: &[Filter],
    strict: bool,
    holds: impl Fn(&SearchHit) -> bool,
) -> Planned {
    let all = source
        .search_plan(user, &plan(query, Filters::default()), 20, soon())
        .await
        .unwrap();
    let some = source
        .search_plan(user, &plan(query, filters.clone()), 20, soon())
        .await
        .unwrap();
    let (all_ids, some_ids) = (ids(&all), ids(&some));
    assert!(
        !some.hits.is_empty(),
        "{query}: the filter leaves something"
    );
    assert!(
        some_ids.is_subset(&all_ids),
        "{query}: {some_ids:?} within {all_ids:?}"
    );
    if strict {
        assert!(
            some_ids.len() < all_ids.len(),
            "{query}: the filter narrows {all_ids:?}"
        );
    }
    for hit in &some.hits {
        assert!(holds(hit), "{query}: {} fails the filter", hit.title);
        for f in expect {
            assert_ne!(filters.check(*f, hit), Some(false), "{}: {f:?}", hit.title);
        }
    }
    assert_eq!(some.applied, expect, "{query}: applied");
    some
}

#[tokio::test]
async fn sharepoint_applies_every_filter_in_kql() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(PER_USER);
    let sp = sources[&SourceKind::Sharepoint].as_ref();
    let me = dev();

    let after = datetime!(2026-06-01 0:00 UTC);
    let filters = Filters {
        modified_after: Some(after),
        ..Filters::default()
    };
    let found = narrows(
        sp,
        &me,
        "budget",
        filters,
        &[Filter::ModifiedAfter],
        true,
        |h| time(&h.modified_time) >= after,
    )
    .await;
    assert!(
        found
            .query
            .ends_with("LastModifiedTime>=2026-06-01T00:00:00Z"),
        "{}",
        found.query
    );

    // Before is exclusive, to the second: the Q4 budget changed at 2026-10-01T16:45:00Z.
    let before = datetime!(2026-10-01 16:45 UTC);
    let filters = Filters {
        modified_before: Some(before),
        ..Filters::default()
    };
    let found = narrows(
        sp,
        &me,
        "budget",
        filters,
        &[Filter::ModifiedBefore],
        true,
        |h| time(&h.modified_time) < before,
    )
    .await;
    assert!(!titles(&found.hits).contains(&"FY2027 Q4 Quarterly Budget.md".to_owned()));

    let created = datetime!(2026-01-05 0:00 UTC);
    let filters = Filters {
        created_before: Some(created),
        ..Filters::default()
    };
    narrows(
        sp,
        &me,
        "finance",
        filters,
        &[Filter::CreatedBefore],
        true,
        |h| time(&h.created_time) < created,
    )
    .await;
    let filters = Filters {
        created_after: Some(created),
        ..Filters::default()
    };
    narrows(
        sp,
        &me,
        "finance",
        filters,
        &[Filter::CreatedAfter],
        true,
        |h| time(&h.created_time) >= created,
    )
    .await;

    // An owner by name goes upstream as `Author:`; by address it is checked on the hits.
    for owner in ["bob martins", "carol@acme.example"] {
        let filters = Filters {
            owner: Some(owner.into()),
            ..Filters::default()
        };
        let found = narrows(sp, &me, "policy", filters, &[Filter::Owner], true, |h| {
            h.owner
                .as_deref()
                .is_some_and(|o| o == "bob@acme.example" && owner.starts_with("bob") || o == owner)
        })
        .await;
        assert_eq!(
            found.query.contains("Author:\"bob martins\""),
            owner.starts_with("bob"),
            "{}",
            found.query
        );
    }

    let filters = Filters {
        types: vec![ItemType::Pdf, ItemType::Spreadsheet],
        ..Filters::default()
    };
    narrows(
        sp,
        &me,
        "policy budget",
        filters,
        &[Filter::Type],
        true,
        |h| matches!(h.item_type, Some(ItemType::Pdf | ItemType::Spreadsheet)),
    )
    .await;

    // Sites by their Graph id or their collection id alone.
    for (site, name) in [
        (FINANCE_SITE, "/sites/Finance/"),
        (COMPANY_SITE, "/sites/Company/"),
    ] {
        let filters = Filters {
            containers: [(SourceKind::Sharepoint, vec![site.to_owned()])].into(),
            ..Filters::default()
        };
        narrows(
            sp,
            &me,
            "policy budget",
            filters,
            &[Filter::Container],
            true,
            |h| h.url.contains(name),
        )
        .await;
    }
    // A site id no site has matches nothing, and Graph is not asked.
    let before = h.count("graph.search");
    let nowhere = Filters {
        containers: [(SourceKind::Sharepoint, vec!["no-such-site".to_owned()])].into(),
        ..Filters::default()
    };
    let none = sp
        .search_plan(&me, &plan("policy", nowhere), 10, soon())
        .await
        .unwrap();
    assert!(none.hits.is_empty());
    assert_eq!(none.applied, [Filter::Container]);
    assert_eq!(h.count("graph.search"), before);
    // Containers of another source concern SharePoint not at all.
    let elsewhere = Filters {
        containers: [(SourceKind::GoogleDrive, vec!["0AFinance".to_owned()])].into(),
        ..Filters::default()
    };
    let all = sp
        .search_plan(&me, &plan("policy", elsewhere), 10, soon())
        .await
        .unwrap();
    assert!(!all.hits.is_empty() && all.applied.is_empty());
}

#[tokio::test]
async fn sharepoint_filters_hold_in_the_relaxed_pass() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(PER_USER);
    let sp = sources[&SourceKind::Sharepoint].as_ref();
    // No document holds both words: the strict pass finds nothing and the relaxed one runs.
    let filters = Filters {
        owner: Some("Carol Diaz".into()),
        ..Filters::default()
    };
    let found = sp
        .search_plan(&dev(), &plan("policy quokka", filters), 10, soon())
        .await
        .unwrap();
    let relaxed = found.relaxed_query.clone().expect("relaxed");
    assert!(relaxed.ends_with("AND Author:\"Carol Diaz\""), "{relaxed}");
    assert!(!found.hits.is_empty());
    assert!(
        found
            .hits
            .iter()
            .all(|h| h.owner.as_deref() == Some("carol@acme.example")),
        "{:?}",
        titles(&found.hits)
    );
}

fn thread(hit: &SearchHit) -> String {
    match hit.details.as_ref() {
        Some(workplace_connectors::HitDetails::Email(mail)) => mail.thread_id.clone(),
        other => panic!("not an email: {other:?}"),
    }
}

#[tokio::test]
async fn outlook_mail_applies_dates_and_the_sender_in_kql() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(PER_USER);
    let mail = sources[&SourceKind::OutlookMail].as_ref();
    let me = dev();

    let after = datetime!(2026-11-25 0:00 UTC);
    let filters = Filters {
        modified_after: Some(after),
        ..Filters::default()
    };
    let found = narrows(
        mail,
        &me,
        "globex",
        filters,
        &[Filter::ModifiedAfter],
        true,
        |h| time(&h.modified_time) >= after,
    )
    .await;
    assert!(
        found.query.ends_with("AND sent>=2026-11-25"),
        "{}",
        found.query
    );

    let filters = Filters {
        created_before: Some(after),
        ..Filters::default()
    };
    let found = narrows(
        mail,
        &me,
        "globex",
        filters,
        &[Filter::CreatedBefore],
        true,
        |h| time(&h.created_time) < after,
    )
    .await;
    assert_eq!(titles(&found.hits), ["Globex contract terms"]);

    for owner in ["Alice Nguyen", "alice@acme.example"] {
        let filters = Filters {
            owner: Some(owner.into()),
            ..Filters::default()
        };
        let found = narrows(mail, &me, "globex", filters, &[Filter::Owner], true, |h| {
            h.owner.as_deref() == Some("alice@acme.example")
        })
        .await;
        assert!(
            found.query.ends_with(&format!("AND from:\"{owner}\"")),
            "{}",
            found.query
        );
    }

    // Every message is an email: the type filter holds for all of them.
    let filters = Filters {
        types: vec![ItemType::Email, ItemType::Document],
        ..Filters::default()
    };
    narrows(mail, &me, "globex", filters, &[Filter::Type], false, |h| {
        h.item_type == Some(ItemType::Email)
    })
    .await;
    // Mail folders are no containers: the filter is left to the service.
    let filters = Filters {
        containers: [(SourceKind::OutlookMail, vec!["inbox".to_owned()])].into(),
        ..Filters::default()
    };
    narrows(mail, &me, "globex", filters, &[], false, |_| true).await;
}

#[tokio::test]
async fn outlook_mail_bounds_are_exact_and_a_conversation_keeps_a_message_that_passes() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(PER_USER);
    let mail = sources[&SourceKind::OutlookMail].as_ref();
    // The SSO conversation's newest messages are of 2026-12-03 and 2026-12-01T16:20: before
    // 16:20 that day (exclusive), the conversation is its reply of 2026-11-30.
    let before = datetime!(2026-12-01 16:20 UTC);
    let filters = Filters {
        modified_before: Some(before),
        ..Filters::default()
    };
    let all = mail
        .search_plan(&dev(), &plan("globex", Filters::default()), 10, soon())
        .await
        .unwrap();
    let some = mail
        .search_plan(&dev(), &plan("globex", filters), 10, soon())
        .await
        .unwrap();
    assert!(
        some.query.ends_with("AND sent<2026-12-02"),
        "{}",
        some.query
    );
    assert_eq!(some.applied, [Filter::ModifiedBefore]);
    let threads = |p: &Planned| p.hits.iter().map(thread).collect::<BTreeSet<_>>();
    assert!(threads(&some).is_subset(&threads(&all)));
    assert_eq!(some.hits.len(), 2, "{:?}", titles(&some.hits));
    assert!(some.hits.iter().all(|h| time(&h.modified_time) < before));
    let sso = some
        .hits
        .iter()
        .find(|h| h.title.contains("SSO"))
        .expect("the SSO conversation");
    assert_eq!(sso.modified_time.as_deref(), Some("2026-11-30T11:45:00Z"));

    // A type filter without email matches no message, and Graph is not asked.
    let before = h.count("outlook_mail.messages");
    let none = mail
        .search_plan(
            &dev(),
            &plan(
                "globex",
                Filters {
                    types: vec![ItemType::Pdf],
                    ..Filters::default()
                },
            ),
            10,
            soon(),
        )
        .await
        .unwrap();
    assert!(none.hits.is_empty());
    assert_eq!(none.applied, [Filter::Type]);
    assert_eq!(h.count("outlook_mail.messages"), before);
}

fn object(hit: &SearchHit) -> String {
    match hit.details.as_ref() {
        Some(workplace_connectors::HitDetails::Record(record)) => record.object.clone(),
        other => panic!("not a record: {other:?}"),
    }
}

#[tokio::test]
async fn salesforce_applies_filters_in_each_returning_clause() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(PER_USER);
    let crm = sources[&SourceKind::Salesforce].as_ref();
    let me = dev();

    let after = datetime!(2026-11-01 0:00 UTC);
    let filters = Filters {
        modified_after: Some(after),
        ..Filters::default()
    };
    narrows(
        crm,
        &me,
        "globex",
        filters,
        &[Filter::ModifiedAfter],
        true,
        |h| time(&h.modified_time) >= after,
    )
    .await;

    let old = datetime!(2026-01-01 0:00 UTC);
    let filters = Filters {
        created_before: Some(old),
        ..Filters::default()
    };
    narrows(
        crm,
        &me,
        "globex",
        filters,
        &[Filter::CreatedBefore],
        true,
        |h| time(&h.created_time) < old,
    )
    .await;
    // After is inclusive, to the second: the renewal was created at 2026-09-15T10:00:00Z.
    let at = datetime!(2026-09-15 10:00 UTC);
    let filters = Filters {
        created_after: Some(at),
        ..Filters::default()
    };
    let found = narrows(
        crm,
        &me,
        "globex",
        filters,
        &[Filter::CreatedAfter],
        true,
        |h| time(&h.created_time) >= at,
    )
    .await;
    assert!(titles(&found.hits).contains(&"Globex renewal FY2027".to_owned()));

    // Owners by name and by address; the strict pass finds nothing holding both words, so the
    // relaxed one runs with the same restriction.
    for owner in ["Bob Martins", "bob@acme.example"] {
        let filters = Filters {
            owner: Some(owner.into()),
            ..Filters::default()
        };
        let found = narrows(
            crm,
            &me,
            "globex initech",
            filters,
            &[Filter::Owner],
            true,
            |h| h.owner.as_deref() == Some("bob@acme.example"),
        )
        .await;
        assert!(found.relaxed_query.is_some());
    }

    let filters = Filters {
        containers: [(SourceKind::Salesforce, vec!["Case".to_owned()])].into(),
        ..Filters::default()
    };
    narrows(
        crm,
        &me,
        "globex",
        filters,
        &[Filter::Container],
        true,
        |h| object(h) == "Case",
    )
    .await;
    let filters = Filters {
        types: vec![ItemType::Record],
        ..Filters::default()
    };
    narrows(crm, &me, "globex", filters, &[Filter::Type], false, |h| {
        h.item_type == Some(ItemType::Record)
    })
    .await;

    // The statement carries the conditions in every object it returns, and no other object.
    let sent = h
        .fakes
        .requests()
        .into_iter()
        .filter(|r| r.route.starts_with("salesforce.search"))
        .map(|r| {
            url::form_urlencoded::parse(r.query.as_bytes())
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .find(|q| q.contains("Owner.Email = 'bob@acme.example'"))
        .expect("an owner statement");
    assert_eq!(
        sent.matches("Owner.Email = 'bob@acme.example'").count(),
        4,
        "{sent}"
    );
    let none = crm
        .search_plan(
            &me,
            &plan(
                "globex",
                Filters {
                    containers: [(SourceKind::Salesforce, vec!["User".to_owned()])].into(),
                    ..Filters::default()
                },
            ),
            10,
            soon(),
        )
        .await
        .unwrap();
    assert!(none.hits.is_empty());
    assert_eq!(none.applied, [Filter::Container]);
}
