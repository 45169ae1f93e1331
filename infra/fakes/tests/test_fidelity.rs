//! The fakes against the upstreams' documented behaviour, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use common::{outbound_token, start};
use serde_json::{Value, json};
use upstream_fakes::{Knob, RunningFakes};

#[tokio::test]
async fn drive_pages_with_next_page_token_until_it_is_absent() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..20 {
        let mut request = http
            .get(format!("{}/drive/v3/files", fakes.base_url))
            .bearer_auth(&token)
            .query(&[
                ("q", "fullText contains 'budget' and trashed = false"),
                ("pageSize", "2"),
                ("fields", "nextPageToken,files(id)"),
            ]);
        if let Some(t) = &page_token {
            request = request.query(&[("pageToken", t.as_str())]);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            body.get("kind").is_none(),
            "fields projection drops unrequested members"
        );
        seen.extend(
            body["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned()),
        );
        page_token = body
            .get("nextPageToken")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if page_token.is_none() {
            break;
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert!(seen.len() > 4 && unique.len() == seen.len(), "{seen:?}");
}

#[tokio::test]
async fn drive_rejects_order_by_with_full_text_and_enforces_shared_drive_flags() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    let get = |query: Vec<(&'static str, &'static str)>| {
        http.get(format!("{}/drive/v3/files", fakes.base_url))
            .bearer_auth(&token)
            .query(&query)
            .send()
    };
    let response = get(vec![
        ("q", "fullText contains 'x'"),
        ("orderBy", "modifiedTime desc"),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["errors"][0]["location"], "orderBy");

    assert_eq!(
        get(vec![("corpora", "allDrives")]).await.unwrap().status(),
        403
    );
    assert_eq!(
        get(vec![
            ("corpora", "drive"),
            ("includeItemsFromAllDrives", "true")
        ])
        .await
        .unwrap()
        .status(),
        400
    );
    assert_eq!(
        get(vec![("q", "name contains 'unterminated")])
            .await
            .unwrap()
            .status(),
        400
    );

    let user_corpus: Value = get(vec![("q", "fullText contains 'assumptions'")])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        user_corpus["files"].as_array().unwrap().len(),
        0,
        "shared-drive files need corpora=allDrives"
    );
    let unauthenticated = http
        .get(format!("{}/drive/v3/files", fakes.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

#[tokio::test]
async fn notion_requires_its_version_header_and_bounds_page_size() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "notion", "dev-user", &[])
        .await
        .unwrap();
    let search = |version: Option<&'static str>, body: Value| {
        let mut request = http
            .post(format!("{}/v1/search", fakes.base_url))
            .bearer_auth(&token)
            .json(&body);
        if let Some(v) = version {
            request = request.header("Notion-Version", v);
        }
        request.send()
    };
    let response = search(None, json!({})).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "missing_version"
    );
    let response = search(Some("2026-03-11"), json!({"page_size": 500}))
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "validation_error"
    );
    let old: Value = search(Some("2022-06-28"), json!({"query": "budget"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(old["type"], "page_or_database");
    assert_eq!(
        old["results"][0]["object"], "database",
        "databases come back without the page filter"
    );
    let new: Value = search(
        Some("2026-03-11"),
        json!({"query": "budget", "filter": {"property": "object", "value": "page"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(new["type"], "page_or_data_source");
    assert!(
        new["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["object"] == "page" && r.get("archived").is_none())
    );
}

#[tokio::test]
async fn graph_wraps_results_omits_empty_hits_and_needs_a_region_app_only() {
    let (fakes, http) = start().await;
    let app: Value = http
        .post(format!("{}/acme-tenant/oauth2/v2.0/token", fakes.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("client_secret", "demo-client-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = app["access_token"].as_str().unwrap();
    let search = |request: Value| {
        http.post(format!("{}/v1.0/search/query", fakes.base_url))
            .bearer_auth(token)
            .json(&json!({"requests": [request]}))
            .send()
    };
    let response =
        search(json!({"entityTypes": ["driveItem"], "query": {"queryString": "budget"}}))
            .await
            .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["message"],
        "SearchRequest Invalid (Region is required when request with application permission.)"
    );
    let empty: Value = search(
        json!({"entityTypes": ["driveItem"], "query": {"queryString": "zzzz"}, "region": "NAM"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(empty["value"][0]["hitsContainers"][0].get("hits").is_none());

    let wrong_scope = http
        .post(format!("{}/acme-tenant/oauth2/v2.0/token", fakes.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("client_secret", "demo-client-secret"),
            ("scope", "Files.Read.All"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        wrong_scope.json::<Value>().await.unwrap()["error_description"]
            .as_str()
            .unwrap()
            .contains("AADSTS1002012")
    );
}

#[tokio::test]
async fn knobs_throttle_with_retry_after_and_expire_after_their_count() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "notion", "dev-user", &[])
        .await
        .unwrap();
    fakes.knob(
        "notion.search",
        Knob {
            retry_after: Some(7),
            times: Some(1),
            ..Knob::default()
        },
    );
    let search = || {
        http.post(format!("{}/v1/search", fakes.base_url))
            .bearer_auth(&token)
            .header("Notion-Version", "2026-03-11")
            .json(&json!({}))
            .send()
    };
    let throttled = search().await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "7");
    assert_eq!(
        throttled.json::<Value>().await.unwrap()["code"],
        "rate_limited"
    );
    assert_eq!(search().await.unwrap().status(), 200);
}

#[tokio::test]
async fn drive_refuses_downloads_to_viewers_of_copy_protected_files() {
    let (fakes, http) = start().await;
    // "Project Heron acquisition term sheet": Alice is a writer, Bob a viewer, and the owner set
    // copyRequiresWriterPermission.
    let file = format!(
        "{}/drive/v3/files/1AcmeDrv026x7Hq2LmZ9pR4tW",
        fakes.base_url
    );
    for (user, can_download) in [("U2alice", true), ("U2bob", false)] {
        let token = outbound_token(&fakes, &http, "google-drive", user, &[])
            .await
            .unwrap();
        let meta: Value = http
            .get(&file)
            .bearer_auth(&token)
            .query(&[(
                "fields",
                "id,copyRequiresWriterPermission,capabilities/canDownload",
            )])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            meta,
            json!({"id": "1AcmeDrv026x7Hq2LmZ9pR4tW", "copyRequiresWriterPermission": true,
                "capabilities": {"canDownload": can_download}}),
            "{user}"
        );
        let listed: Value = http
            .get(format!("{}/drive/v3/files", fakes.base_url))
            .bearer_auth(&token)
            .query(&[
                ("q", "fullText contains 'Heron'"),
                ("fields", "files(id,capabilities/canDownload)"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            listed["files"][0]["capabilities"]["canDownload"], can_download,
            "{user}: {listed}"
        );
        let export = http
            .get(format!("{file}/export"))
            .bearer_auth(&token)
            .query(&[("mimeType", "text/plain")])
            .send()
            .await
            .unwrap();
        if can_download {
            assert_eq!(export.status(), 200, "{user}");
            assert!(export.text().await.unwrap().contains("Purchase price"));
        } else {
            assert_eq!(export.status(), 403, "{user}");
            let body: Value = export.json().await.unwrap();
            assert_eq!(body["error"]["errors"][0]["reason"], "cannotDownloadFile");
        }
    }
}

/// The status and body of a Descope user-token request for `user`.
async fn user_token(fakes: &RunningFakes, http: &reqwest::Client, user: &str) -> (u16, Value) {
    let response = http
        .post(format!(
            "{}/v1/mgmt/outbound/app/user/token",
            fakes.base_url
        ))
        .header("authorization", "Bearer P2demo:K2demo-management-key")
        .json(&json!({"appId": "google-drive", "userId": user}))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn drive_ids(fakes: &RunningFakes, http: &reqwest::Client, token: &str) -> Vec<String> {
    let body: Value = http
        .get(format!("{}/drive/v3/files", fakes.base_url))
        .bearer_auth(token)
        .query(&[("q", "fullText contains 'budget' and trashed = false")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ids: Vec<String> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_added_descope_user_gets_tokens_as_the_demo_user_it_is_like_until_reset() {
    let (fakes, http) = start().await;
    let (status, _) = user_token(&fakes, &http, "bench-user-1").await;
    assert_eq!(status, 404, "an unknown user has connected nothing");

    let add = |like: &'static str| {
        http.post(format!("{}/_fake/users", fakes.base_url))
            .json(&json!({"user_id": "bench-user-1", "like": like}))
            .send()
    };
    assert_eq!(add("nobody").await.unwrap().status().as_u16(), 404);
    assert_eq!(user_token(&fakes, &http, "bench-user-1").await.0, 404);
    assert_eq!(add("dev-user").await.unwrap().status().as_u16(), 200);

    let (status, body) = user_token(&fakes, &http, "bench-user-1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token"]["grantedBy"], "dev@acme.example");
    let added = body["token"]["accessToken"].as_str().unwrap().to_owned();
    let dev = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    assert_ne!(added, dev, "a token of its own");
    let seen = drive_ids(&fakes, &http, &added).await;
    assert!(!seen.is_empty());
    assert_eq!(
        seen,
        drive_ids(&fakes, &http, &dev).await,
        "the same documents"
    );

    fakes.state.reset();
    assert_eq!(user_token(&fakes, &http, "bench-user-1").await.0, 404);
}

#[tokio::test]
async fn an_edit_moves_a_drive_files_modified_time() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    let file = "1AcmeDrv001x7Hq2LmZ9pR4tW";
    let modified = |token: String| {
        let http = http.clone();
        let url = format!("{}/drive/v3/files/{file}", fakes.base_url);
        async move {
            let body: Value = http
                .get(url)
                .bearer_auth(token)
                .query(&[("fields", "id,modifiedTime")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["modifiedTime"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(modified(token.clone()).await, "2026-01-12T09:30:00.000Z");
    http.post(format!("{}/_fake/edit", fakes.base_url))
        .json(&json!({"id": file, "last_edited_time": "2026-12-01T10:00:00.000Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(modified(token).await, "2026-12-01T10:00:00.000Z");
}
