//! Two organisations in one set of fakes, over real HTTP with each user's Descope outbound tokens:
//! Acme Corp (`corpus/demo.json`) and Globex Corporation (`corpus/globex.json`), whose groups are
//! its own. Globex's users find and fetch Globex's documents in Drive, Notion and SharePoint and
//! none of Acme's; Acme's users see exactly Acme's documents, none of Globex's; Globex's users'
//! mail, calendar and CRM calls answer, empty.
//!
//! What each user should see is worked out from the corpus files themselves (groups against
//! ACLs), not from the fakes' code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use std::collections::BTreeSet;

use common::{outbound_token, start};
use serde_json::{Value, json};
use upstream_fakes::{RunningFakes, SHAREPOINT_DRIVE_ID};

const NOTION_VERSION: &str = "2026-03-11";
const ACME_USERS: [&str; 4] = ["dev-user", "U2alice", "U2bob", "U2carol"];
const GLOBEX_USERS: [&str; 2] = ["U2gina", "U2hugo"];

/// One organisation's corpus file: its users and documents.
struct Organisation {
    users: Vec<Value>,
    documents: Vec<Value>,
}

fn acme() -> Organisation {
    let demo: Value = serde_json::from_str(include_str!("../corpus/demo.json")).unwrap();
    let mut documents = demo["documents"].as_array().unwrap().clone();
    // The real files that are documents of their own (the others give a demo.json document its
    // content).
    let files: Value = serde_json::from_str(include_str!("../corpus/files/files.json")).unwrap();
    for file in files["files"].as_array().unwrap() {
        let known = documents
            .iter()
            .any(|d| d["source"] == file["source"] && d["id"] == file["id"]);
        if !known && file.get("acl").is_some() {
            documents.push(file.clone());
        }
    }
    Organisation {
        users: demo["users"].as_array().unwrap().clone(),
        documents,
    }
}

fn globex() -> Organisation {
    let globex: Value = serde_json::from_str(include_str!("../corpus/globex.json")).unwrap();
    Organisation {
        users: globex["users"].as_array().unwrap().clone(),
        documents: globex["documents"].as_array().unwrap().clone(),
    }
}

impl Organisation {
    fn user(&self, descope_id: &str) -> Option<&Value> {
        self.users
            .iter()
            .find(|u| u["descope_user_id"] == descope_id)
    }

    /// The ids of `source`'s documents that `descope_id` may see.
    fn visible(&self, source: &str, descope_id: &str) -> BTreeSet<String> {
        let Some(user) = self.user(descope_id) else {
            return BTreeSet::new();
        };
        let groups = user["groups"].as_array().unwrap();
        self.documents
            .iter()
            .filter(|d| d["source"] == source)
            .filter(|d| {
                d["acl"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|g| groups.contains(g))
            })
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Every id of `source`'s documents.
    fn ids(&self, source: &str) -> BTreeSet<String> {
        self.documents
            .iter()
            .filter(|d| d["source"] == source)
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The id of the document titled `title`.
    fn id(&self, title: &str) -> String {
        let doc = self.documents.iter().find(|d| d["title"] == title);
        assert!(doc.is_some(), "no document {title:?}");
        doc.unwrap()["id"].as_str().unwrap().to_owned()
    }
}

async fn get(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let response = http
        .get(url)
        .bearer_auth(token)
        .header("Notion-Version", NOTION_VERSION)
        .query(query)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Drive file ids `token` lists for `q` (everything, when `None`), shared drives included.
async fn drive_list(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    token: &str,
    q: Option<&str>,
) -> BTreeSet<String> {
    let mut query = vec![
        ("corpora", "allDrives"),
        ("includeItemsFromAllDrives", "true"),
        ("supportsAllDrives", "true"),
        ("pageSize", "1000"),
        ("fields", "nextPageToken,files(id)"),
    ];
    if let Some(q) = q {
        query.push(("q", q));
    }
    let url = format!("{}/drive/v3/files", fakes.base_url);
    let (status, body) = get(http, &url, token, &query).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("nextPageToken").is_none(), "one page: {body}");
    body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn drive_lists_searches_and_serves_each_organisation_only_its_own_files() {
    let (fakes, http) = start().await;
    let (acme, globex) = (acme(), globex());
    let globex_ids = globex.ids("google_drive");
    assert_eq!(globex_ids.len(), 2);
    assert!(globex_ids.is_disjoint(&acme.ids("google_drive")));

    for user in ACME_USERS.iter().chain(&GLOBEX_USERS) {
        let token = outbound_token(&fakes, &http, "google-drive", user, &[])
            .await
            .unwrap();
        let listed = drive_list(&fakes, &http, &token, None).await;
        let (own, other) = if globex.user(user).is_some() {
            (&globex, &acme)
        } else {
            (&acme, &globex)
        };
        assert!(!listed.is_empty(), "{user}");
        assert_eq!(listed, own.visible("google_drive", user), "{user}");
        assert!(
            listed.is_disjoint(&other.ids("google_drive")),
            "{user} sees the other organisation: {listed:?}"
        );
    }

    let budget = globex.id("Globex FY2027 Quarterly Budget");
    let onboarding = globex.id("Globex onboarding checklist");
    let search = "fullText contains 'globex' and fullText contains 'budget' and trashed = false";
    let onboard = "fullText contains 'onboarding' and trashed = false";
    let gina = outbound_token(&fakes, &http, "google-drive", "U2gina", &[])
        .await
        .unwrap();
    let hugo = outbound_token(&fakes, &http, "google-drive", "U2hugo", &[])
        .await
        .unwrap();
    let dana = outbound_token(&fakes, &http, "google-drive", "dev-user", &[])
        .await
        .unwrap();
    assert_eq!(
        drive_list(&fakes, &http, &gina, Some(search)).await,
        BTreeSet::from([budget.clone()])
    );
    assert!(
        drive_list(&fakes, &http, &hugo, Some(search))
            .await
            .is_empty(),
        "Hugo is not in globex-finance"
    );
    assert_eq!(
        drive_list(&fakes, &http, &hugo, Some(onboard)).await,
        BTreeSet::from([onboarding.clone()]),
        "Acme's onboarding guides are Acme's"
    );
    // Acme writes about Globex, its customer, in Acme's documents: those are Dana's to find.
    let dana_globex = drive_list(&fakes, &http, &dana, Some("fullText contains 'globex'")).await;
    assert!(
        dana_globex.contains(&acme.id("Globex renewal proposal FY2027")),
        "{dana_globex:?}"
    );
    assert!(dana_globex.is_disjoint(&globex_ids), "{dana_globex:?}");

    let export = |token: String, id: String| {
        let url = format!("{}/drive/v3/files/{id}/export", fakes.base_url);
        let http = http.clone();
        async move {
            let response = http
                .get(url)
                .bearer_auth(token)
                .query(&[("mimeType", "text/plain")])
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, text) = export(gina.clone(), budget.clone()).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Springfield plant retrofit"), "{text}");
    for (who, token) in [("Hugo", &hugo), ("Dana", &dana)] {
        let (status, _) = export(token.clone(), budget.clone()).await;
        assert_eq!(status, 404, "{who} is not told the file exists");
    }
    let (status, _) = export(dana.clone(), onboarding).await;
    assert_eq!(status, 404);
    let everyone_at_acme = acme
        .documents
        .iter()
        .find(|d| {
            d["source"] == "google_drive"
                && d["acl"] == json!(["all"])
                && d["mime"] == "application/vnd.google-apps.document"
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(export(dana, everyone_at_acme.clone()).await.0, 200);
    assert_eq!(export(gina, everyone_at_acme).await.0, 404);
}

/// Notion's search as `token`: the pages' ids and titles, and whether a database came back.
async fn notion_search(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    token: &str,
    body: Value,
) -> (BTreeSet<String>, Vec<String>, bool) {
    let response = http
        .post(format!("{}/v1/search", fakes.base_url))
        .bearer_auth(token)
        .header("Notion-Version", NOTION_VERSION)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["has_more"], false, "{body}");
    let results = body["results"].as_array().unwrap();
    let pages: Vec<&Value> = results.iter().filter(|r| r["object"] == "page").collect();
    let ids = pages
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let titles = pages
        .iter()
        .map(|p| {
            let property = p["properties"]
                .as_object()
                .unwrap()
                .values()
                .find(|v| v["type"] == "title")
                .unwrap();
            property["title"][0]["plain_text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    (ids, titles, results.iter().any(|r| r["object"] != "page"))
}

#[tokio::test]
async fn notion_searches_and_serves_each_organisation_only_its_own_pages() {
    let (fakes, http) = start().await;
    let (acme, globex) = (acme(), globex());
    let globex_ids = globex.ids("notion");
    assert_eq!(globex_ids.len(), 2);

    for user in ACME_USERS.iter().chain(&GLOBEX_USERS) {
        let Ok(token) = outbound_token(&fakes, &http, "notion", user, &[]).await else {
            assert_eq!(*user, "U2bob", "only Bob never connected Notion");
            continue;
        };
        let (ids, _, database) = notion_search(&fakes, &http, &token, json!({})).await;
        let is_globex = globex.user(user).is_some();
        let (own, other) = if is_globex {
            (&globex, &acme)
        } else {
            (&acme, &globex)
        };
        assert!(!ids.is_empty(), "{user}");
        assert_eq!(ids, own.visible("notion", user), "{user}");
        assert!(ids.is_disjoint(&other.ids("notion")), "{user}: {ids:?}");
        // Acme's FAQ database is found with its rows, by Acme's users only.
        assert_eq!(database, !is_globex, "{user}");
    }

    let gina = outbound_token(&fakes, &http, "notion", "U2gina", &[])
        .await
        .unwrap();
    let hugo = outbound_token(&fakes, &http, "notion", "U2hugo", &[])
        .await
        .unwrap();
    let dana = outbound_token(&fakes, &http, "notion", "dev-user", &[])
        .await
        .unwrap();
    let query = |q: &str| json!({"query": q, "filter": {"property": "object", "value": "page"}});
    let titles = |(_, titles, _): (BTreeSet<String>, Vec<String>, bool)| titles;
    assert_eq!(
        titles(notion_search(&fakes, &http, &gina, query("globex quarterly budget")).await),
        ["Globex quarterly budget review notes"]
    );
    assert!(
        titles(notion_search(&fakes, &http, &hugo, query("globex quarterly budget")).await)
            .is_empty()
    );
    assert_eq!(
        titles(notion_search(&fakes, &http, &dana, query("globex")).await),
        ["Globex account plan"],
        "Acme's own page about its customer"
    );
    let (_, _, database) =
        notion_search(&fakes, &http, &gina, json!({"query": "quarterly budget"})).await;
    assert!(!database, "Acme's FAQ database is not Gina's to find");

    let notes = globex.id("Globex quarterly budget review notes");
    let page = format!("{}/v1/pages/{notes}", fakes.base_url);
    let blocks = format!("{}/v1/blocks/{notes}/children", fakes.base_url);
    let (status, body) = get(&http, &page, &gina, &[]).await;
    assert_eq!(
        (status, body["id"].as_str()),
        (200, Some(notes.as_str())),
        "{body}"
    );
    let (status, body) = get(&http, &blocks, &gina, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.to_string().contains("overtime is 4% over plan"),
        "{body}"
    );
    for (who, token) in [("Hugo", &hugo), ("Dana", &dana)] {
        for url in [&page, &blocks] {
            let (status, body) = get(&http, url, token, &[]).await;
            assert_eq!(
                (status, &body["code"]),
                (404, &json!("object_not_found")),
                "{who} {url}"
            );
        }
    }
    let handbook = globex.id("Globex engineering handbook");
    let url = format!("{}/v1/pages/{handbook}", fakes.base_url);
    assert_eq!(get(&http, &url, &hugo, &[]).await.0, 200);
    let acme_page = acme.id("Quarterly Budget Review Process");
    let url = format!("{}/v1/pages/{acme_page}", fakes.base_url);
    assert_eq!(get(&http, &url, &dana, &[]).await.0, 200);
    assert_eq!(get(&http, &url, &gina, &[]).await.0, 404);
}

/// SharePoint item ids a Graph search for `query` finds as `token`.
async fn graph_search(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    token: &str,
    query: &str,
) -> BTreeSet<String> {
    let response = http
        .post(format!("{}/v1.0/search/query", fakes.base_url))
        .bearer_auth(token)
        .json(&json!({"requests": [{"entityTypes": ["driveItem"],
            "query": {"queryString": query}, "size": 500}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["value"][0]["hitsContainers"][0]["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| h["resource"]["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn sharepoint_searches_and_serves_each_organisation_only_its_own_items() {
    let (fakes, http) = start().await;
    let (acme, globex) = (acme(), globex());
    let globex_ids = globex.ids("sharepoint");
    assert_eq!(globex_ids.len(), 2);

    for user in ACME_USERS.iter().chain(&GLOBEX_USERS) {
        let token = outbound_token(&fakes, &http, "microsoft", user, &[])
            .await
            .unwrap();
        let is_globex = globex.user(user).is_some();
        let (own, other) = if is_globex {
            (&globex, &acme)
        } else {
            (&acme, &globex)
        };
        // "budget" and "policy" between them reach documents of both organisations; every one
        // of Globex's says "Globex".
        let found = graph_search(&fakes, &http, &token, "budget OR policy OR globex").await;
        assert!(!found.is_empty(), "{user}");
        assert!(
            found.is_disjoint(&other.ids("sharepoint")),
            "{user}: {found:?}"
        );
        if is_globex {
            assert_eq!(found, own.visible("sharepoint", user), "{user}");
        } else {
            assert!(
                found.is_subset(&own.visible("sharepoint", user)),
                "{user}: {found:?}"
            );
        }
    }

    let gina = outbound_token(&fakes, &http, "microsoft", "U2gina", &[])
        .await
        .unwrap();
    let dana = outbound_token(&fakes, &http, "microsoft", "dev-user", &[])
        .await
        .unwrap();
    let summary = globex.id("Globex quarterly budget summary.md");
    assert_eq!(
        graph_search(&fakes, &http, &gina, "globex quarterly budget").await,
        BTreeSet::from([summary.clone()])
    );
    assert_eq!(
        graph_search(&fakes, &http, &gina, "Globex").await,
        globex_ids
    );
    assert_eq!(
        graph_search(&fakes, &http, &dana, "Globex").await,
        BTreeSet::from([acme.id("Globex master services agreement renewal redlines.md")]),
    );

    let content = |token: String| {
        let url = format!(
            "{}/v1.0/drives/{SHAREPOINT_DRIVE_ID}/items/{summary}/content",
            fakes.base_url
        );
        let http = http.clone();
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let redirect = content(gina).await;
    assert_eq!(redirect.status(), 302);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let text = http
        .get(location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("travel freeze"), "{text}");
    assert_eq!(content(dana).await.status(), 404);
}

/// A Google MCP tool call's result.
async fn google_mcp(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    product: &str,
    token: &str,
    tool: &str,
    arguments: Value,
) -> Value {
    let body: Value = http
        .post(format!("{}/{product}/mcp/v1", fakes.base_url))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["result"].clone()
}

#[tokio::test]
async fn globex_users_mail_calendar_and_crm_calls_answer_empty() {
    let (fakes, http) = start().await;
    let base = &fakes.base_url;
    let week = [
        ("startDateTime", "2026-12-07T00:00:00Z"),
        ("endDateTime", "2026-12-14T00:00:00Z"),
    ];
    for user in GLOBEX_USERS {
        let graph = outbound_token(
            &fakes,
            &http,
            "microsoft",
            user,
            &["Mail.Read", "Calendars.Read"],
        )
        .await
        .unwrap();
        let (status, body) = get(&http, &format!("{base}/v1.0/me/messages"), &graph, &[]).await;
        assert_eq!(
            (status, &body["value"]),
            (200, &json!([])),
            "{user}: {body}"
        );
        let url = format!("{base}/v1.0/me/calendarView");
        let (status, body) = get(&http, &url, &graph, &week).await;
        assert_eq!(
            (status, &body["value"]),
            (200, &json!([])),
            "{user}: {body}"
        );

        let google = outbound_token(
            &fakes,
            &http,
            "google-drive",
            user,
            &[
                "https://www.googleapis.com/auth/gmail.readonly",
                "https://www.googleapis.com/auth/calendar.readonly",
            ],
        )
        .await
        .unwrap();
        let threads = google_mcp(
            &fakes,
            &http,
            "gmailmcp",
            &google,
            "search_threads",
            json!({"query": "Globex"}),
        )
        .await;
        assert_ne!(threads["isError"], true, "{user}: {threads}");
        assert_eq!(
            threads["structuredContent"]["threads"],
            json!([]),
            "{user}: {threads}"
        );
        let window =
            json!({"startTime": "2026-12-07T00:00:00Z", "endTime": "2026-12-14T00:00:00Z"});
        let events = google_mcp(&fakes, &http, "calendarmcp", &google, "list_events", window).await;
        assert_ne!(events["isError"], true, "{user}: {events}");
        assert_eq!(
            events["structuredContent"]["events"],
            json!([]),
            "{user}: {events}"
        );

        // Acme's CRM holds its customer Globex's account: not shared with Globex's own users.
        let crm = outbound_token(&fakes, &http, "salesforce", user, &[])
            .await
            .unwrap();
        let url = format!("{base}/services/data/v66.0/query/");
        let (status, body) = get(&http, &url, &crm, &[("q", "SELECT Id, Name FROM Account")]).await;
        assert_eq!(
            (status, &body["totalSize"]),
            (200, &json!(0)),
            "{user}: {body}"
        );
        let url = format!("{base}/services/data/v66.0/search/");
        let sosl = "FIND {Globex} IN ALL FIELDS RETURNING Account(Id, Name), Opportunity(Id, Name)";
        let (status, body) = get(&http, &url, &crm, &[("q", sosl)]).await;
        assert_eq!(
            (status, &body["searchRecords"]),
            (200, &json!([])),
            "{user}: {body}"
        );
    }
    // The same calls find Dana's Globex mail, meetings and CRM records.
    let crm = outbound_token(&fakes, &http, "salesforce", "dev-user", &[])
        .await
        .unwrap();
    let url = format!("{base}/services/data/v66.0/search/");
    let sosl = "FIND {Globex} IN ALL FIELDS RETURNING Account(Id, Name), Opportunity(Id, Name)";
    let (status, body) = get(&http, &url, &crm, &[("q", sosl)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body["searchRecords"].as_array().unwrap().is_empty(),
        "{body}"
    );
    let google = outbound_token(
        &fakes,
        &http,
        "google-drive",
        "dev-user",
        &["https://www.googleapis.com/auth/gmail.readonly"],
    )
    .await
    .unwrap();
    let threads = google_mcp(
        &fakes,
        &http,
        "gmailmcp",
        &google,
        "search_threads",
        json!({"query": "Globex"}),
    )
    .await;
    assert!(
        !threads["structuredContent"]["threads"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{threads}"
    );
}
