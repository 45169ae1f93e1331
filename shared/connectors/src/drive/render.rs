//! A Drive file as a search hit: Drive has no snippet API, so the snippet is the description or a
//! line saying what the file is and who owns it.

use super::wire::File;
use crate::SearchHit;

/// Prefix of Google's own document types.
pub(super) const GOOGLE_APPS: &str = "application/vnd.google-apps.";

pub(super) fn hit(file: &File) -> SearchHit {
    let id = &file.id;
    let mime = file.mime_type.as_str();
    let owner = file.owners.first().and_then(|o| o.display_name.clone());
    let description = file.description.as_deref().unwrap_or_default().trim();
    let kind = match mime.strip_prefix(GOOGLE_APPS) {
        Some("document") => "Google Docs document".to_owned(),
        Some("spreadsheet") => "Google Sheets spreadsheet".to_owned(),
        Some("presentation") => "Google Slides presentation".to_owned(),
        _ => format!("{mime} file"),
    };
    let snippet = if description.is_empty() {
        let place = if file.drive_id.is_some() {
            " in a shared drive"
        } else {
            ""
        };
        match &owner {
            Some(owner) => format!("{kind}{place}, owned by {owner}"),
            None => format!("{kind}{place}"),
        }
    } else {
        description.to_owned()
    };
    SearchHit {
        item_id: id.clone(),
        title: file.name.clone().unwrap_or_else(|| "(untitled)".into()),
        url: file
            .web_view_link
            .clone()
            .unwrap_or_else(|| format!("https://drive.google.com/file/d/{id}/view")),
        snippet,
        modified_time: file.modified_time.clone(),
        author: owner,
        created_time: file.created_time.clone(),
        owner: file.owners.first().and_then(|o| o.email_address.clone()),
        item_type: crate::query::ItemType::of_media_type(mime),
        // Without it `hit_text` reads nothing: a hit the caller may not download gets no text,
        // neither read for them nor from the cache another caller's read filled.
        media_type: Some(file.mime_type.clone()).filter(|m| !m.is_empty() && file.can_download()),
        details: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit_of(file: serde_json::Value) -> Option<SearchHit> {
        serde_json::from_value::<File>(file).ok().map(|f| hit(&f))
    }

    #[test]
    fn snippets_say_what_the_file_is_when_drive_has_none() {
        let file = serde_json::json!({"id": "1", "name": "Budget", "mimeType": "application/vnd.google-apps.spreadsheet",
            "owners": [{"displayName": "Alice"}]});
        let hit = hit_of(file).unwrap();
        assert_eq!(hit.snippet, "Google Sheets spreadsheet, owned by Alice");
        assert_eq!(hit.media_type, None, "no canDownload: no text to read");
        assert!(hit_of(serde_json::json!({"name": "no id"})).is_none());
    }
}
