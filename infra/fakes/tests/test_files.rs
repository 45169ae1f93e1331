//! The demo Office and PDF files as the upstreams serve them: Drive's `alt=media` with the real
//! MIME type, Graph's `/content` as a 302 to a pre-authenticated URL, byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers.

mod common;

use std::path::PathBuf;

use common::{outbound_token, start};
use serde_json::Value;
use workplace_extract::{DocumentKind, ExtractError, Limits, extract};

const GRAPH_DRIVE: &str = "b!AcmeDocs_rKr80k-n7e5zlCVIqSnIwTNsGBVBlusjEvRHgjMmmcA3Ubc7R4Kyao9hbgL4";

fn files_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/files")
}

fn manifest(source: &str) -> Vec<Value> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(files_dir().join("files.json")).unwrap())
            .unwrap();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"] == source)
        .cloned()
        .collect()
}

/// What extracting the served bytes gives, as a short label for comparison with the manifest.
fn outcome(bytes: &[u8], mime: &str) -> &'static str {
    let kind = DocumentKind::from_mime(mime).unwrap();
    match extract(bytes, kind, &Limits::default()) {
        Ok(got) if got.truncated => "zip_bomb",
        Ok(got) if got.slides > 0 => "slides",
        Ok(got) if got.sheets > 0 => "sheets",
        Ok(_) => "text",
        Err(ExtractError::Encrypted) => "encrypted",
        Err(ExtractError::NoTextLayer { .. }) => "no_text_layer",
        Err(ExtractError::Corrupt { .. }) => "corrupt",
        Err(err) => panic!("unexpected {err}"),
    }
}

#[tokio::test]
async fn drive_serves_uploaded_files_with_alt_media_and_their_real_type_and_size() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    let entries = manifest("google_drive");
    assert_eq!(entries.len(), 8);
    for entry in entries {
        let id = entry["id"].as_str().unwrap();
        let on_disk = std::fs::read(files_dir().join(entry["file"].as_str().unwrap())).unwrap();
        let url = format!("{}/drive/v3/files/{id}", fakes.base_url);
        let meta: Value = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(meta["mimeType"], entry["mime"], "{id}");
        assert_eq!(meta["size"], on_disk.len().to_string(), "{id}");
        assert!(meta["webViewLink"].as_str().unwrap().contains("/file/d/"));

        let media = http
            .get(&url)
            .bearer_auth(&token)
            .query(&[("alt", "media")])
            .send()
            .await
            .unwrap();
        assert_eq!(media.status(), 200, "{id}");
        assert_eq!(
            media.headers()["content-type"],
            entry["mime"].as_str().unwrap()
        );
        let served = media.bytes().await.unwrap();
        assert_eq!(served.as_ref(), on_disk.as_slice(), "{id}: byte for byte");
        assert_eq!(
            outcome(&served, entry["mime"].as_str().unwrap()),
            entry["expect"],
            "{id}"
        );
    }
}

#[tokio::test]
async fn drive_search_finds_uploaded_files_by_their_text() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    let body: Value = http
        .get(format!("{}/drive/v3/files", fakes.base_url))
        .bearer_auth(&token)
        .query(&[
            ("q", "fullText contains 'reciprocal' and trashed = false"),
            ("fields", "files(name,mimeType)"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files = body["files"].as_array().unwrap();
    assert!(
        files.iter().any(
            |f| f["name"] == "Design doc - workplace search ranking.docx"
                && f["mimeType"]
                    == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        "{files:?}"
    );
}

#[tokio::test]
async fn graph_content_redirects_to_a_pre_authenticated_url_serving_the_file() {
    let (fakes, http) = start().await;
    let token = outbound_token(&fakes, &http, "microsoft", "dev-user", &[])
        .await
        .unwrap();
    let entries = manifest("sharepoint");
    assert_eq!(entries.len(), 7);
    for entry in entries {
        let id = entry["id"].as_str().unwrap();
        let on_disk = std::fs::read(files_dir().join(entry["file"].as_str().unwrap())).unwrap();
        let item: Value = http
            .get(format!(
                "{}/v1.0/drives/{GRAPH_DRIVE}/items/{id}",
                fakes.base_url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(item["size"], on_disk.len(), "{id}");

        let redirect = http
            .get(format!(
                "{}/v1.0/drives/{GRAPH_DRIVE}/items/{id}/content",
                fakes.base_url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(redirect.status(), 302, "{id}");
        let location = redirect.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&fakes.download_url), "{location}");

        let download = http.get(&location).send().await.unwrap();
        assert_eq!(download.status(), 200, "{id}");
        assert_eq!(
            download.headers()["content-type"],
            entry["mime"].as_str().unwrap()
        );
        let served = download.bytes().await.unwrap();
        assert_eq!(served.as_ref(), on_disk.as_slice(), "{id}: byte for byte");
        assert_eq!(
            outcome(&served, entry["mime"].as_str().unwrap()),
            entry["expect"],
            "{id}"
        );
    }
}
