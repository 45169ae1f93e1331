//! Ids a caller sends never become upstream paths: traversal, queries, fragments and encoded
//! slashes are refused by the source's grammar when the id is parsed (`ItemId`), so no source is
//! ever handed one; a valid id reaches exactly its own path; and a source handed another source's
//! id answers `NotFound` without a request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn id_traversal_never_changes_the_path_the_upstream_receives() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[]);
    // The fakes log every request, routed or not, so a path outside the API would show up here.
    http()
        .get(format!("{}/v1/users", h.fakes.base_url))
        .send()
        .await
        .unwrap();
    assert!(h.fakes.requests().iter().any(|r| r.path == "/v1/users"));
    let logged = h.fakes.requests().len();

    let sharepoint = sources[&SourceKind::Sharepoint]
        .search(
            &dev(),
            "quarterly budget",
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let graph_id = sharepoint
        .iter()
        .find(|hit| !hit.item_id.starts_with("list/"))
        .unwrap()
        .item_id
        .clone();
    let drive = graph_id.split('/').next().unwrap();
    let page = "00000001-5d1c-4f7e-9a2b-ac0e00000001";
    let file = "1AcmeDrv001x7Hq2LmZ9pR4tW";
    let attacks = [
        (SourceKind::Notion, format!("{page}/../../../v1/users")),
        (SourceKind::Notion, "x?filter=1".to_owned()),
        (SourceKind::Notion, format!("{page}?filter=1")),
        (SourceKind::Notion, format!("{page}#x")),
        (SourceKind::Notion, format!("{page}%2F..%2F..%2Fv1%2Fusers")),
        (SourceKind::Notion, "..".to_owned()),
        (SourceKind::GoogleDrive, format!("{file}/../../../about")),
        (SourceKind::GoogleDrive, format!("{file}?alt=media")),
        (SourceKind::GoogleDrive, format!("{file}%2F..%2Fabout")),
        (SourceKind::GoogleDrive, "ｆile".to_owned()),
        (SourceKind::Sharepoint, format!("{drive}/../../../me")),
        (SourceKind::Sharepoint, format!("{graph_id}%2F..%2F..%2Fme")),
        (SourceKind::Sharepoint, format!("{graph_id}:/secret.txt:")),
        (SourceKind::Sharepoint, format!("{graph_id}/content")),
        (SourceKind::Sharepoint, format!("..%2F..%2Fme/{file}")),
    ];
    for (kind, id) in &attacks {
        let err = sources[kind]
            .content_of(
                &dev(),
                id,
                1000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap_err();
        assert_eq!(err, SourceError::NotFound, "{kind}:{id}");
    }
    let reached: Vec<_> = h.fakes.requests()[logged..]
        .iter()
        .filter(|r| r.route != "descope.token")
        .map(|r| r.path.clone())
        .collect();
    assert!(
        reached.iter().all(|p| p == "/v1.0/search/query"),
        "only the search reached an upstream: {reached:?}"
    );

    // A well-formed id in another spelling reaches exactly its own path, canonical.
    let logged = h.fakes.requests().len();
    let dashless = page.replace('-', "").to_uppercase();
    sources[&SourceKind::Notion]
        .content_of(
            &dev(),
            &dashless,
            1000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let paths: Vec<_> = h.fakes.requests()[logged..]
        .iter()
        .filter(|r| r.route != "descope.token")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths[0], format!("/v1/pages/{page}"));
    assert!(
        paths[1..]
            .iter()
            .all(|p| p.starts_with("/v1/blocks/") && p.ends_with("/children")),
        "{paths:?}"
    );
    assert_eq!(paths[1], format!("/v1/blocks/{page}/children"));
}

#[tokio::test]
async fn a_source_handed_another_sources_id_reaches_nothing() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&every_source_per_user());
    assert_eq!(sources.len(), SourceKind::ALL.len());
    let logged = h.fakes.requests().len();
    let deadline = || tokio::time::Instant::now() + std::time::Duration::from_secs(8);
    for &kind in SourceKind::ALL {
        let entry = workplace_connectors::registry::entry(kind);
        for &other in SourceKind::ALL.iter().filter(|&&k| k != kind) {
            let id = ItemId::new(kind, entry.example_id).unwrap();
            let err = sources[&other]
                .content(&dev(), &id, 1000, deadline())
                .await
                .unwrap_err();
            assert_eq!(err, SourceError::NotFound, "{other} given {id}");
        }
    }
    assert_eq!(
        h.fakes.requests().len(),
        logged,
        "no token fetched, no upstream request"
    );
}
