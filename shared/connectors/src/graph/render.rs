//! A Graph search hit as a [`SearchHit`].

use super::wire::Hit;
use crate::SearchHit;
use crate::id::GraphItemId;
use crate::text::strip_highlights;

/// Drive items are addressed `driveId/itemId`; list items (no drive) `list/itemId`.
pub(super) fn hit(raw: &Hit) -> SearchHit {
    let resource = &raw.resource;
    let url = resource.web_url.clone();
    let drive = resource
        .parent_reference
        .as_ref()
        .and_then(|p| p.drive_id.as_deref());
    let item_id = match (resource.is_list_item(), drive) {
        (false, Some(drive)) => format!("{drive}/{}", resource.id),
        _ => format!("{}/{}", GraphItemId::LIST, resource.id),
    };
    let title = resource
        .name
        .clone()
        .or_else(|| url.rsplit('/').next().map(|s| s.replace("%20", " ")))
        .unwrap_or_default();
    let author = [&resource.last_modified_by, &resource.created_by]
        .into_iter()
        .flatten()
        .find_map(|by| by.user.as_ref()?.display_name.clone());
    SearchHit {
        item_id,
        title,
        url,
        snippet: strip_highlights(raw.summary.as_deref().unwrap_or_default()),
        modified_time: resource.last_modified_date_time.clone(),
        author,
        created_time: resource.created_date_time.clone(),
        // The creator: whom KQL's `Author` names.
        owner: resource
            .created_by
            .as_ref()
            .and_then(|by| by.user.as_ref()?.email.clone()),
        item_type: resource
            .name
            .as_deref()
            .and_then(crate::query::ItemType::of_file_name),
        media_type: None,
        details: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn drive_items_are_addressed_by_drive_and_item() {
        let raw = json!({"rank": 1, "summary": "<c0>Budget</c0> plan <ddd/>", "resource": {
            "@odata.type": "#microsoft.graph.driveItem", "id": "01A", "name": "Plan.md",
            "webUrl": "https://acme.sharepoint.com/Plan.md", "parentReference": {"driveId": "b!x"},
            "lastModifiedBy": {"user": {"displayName": "Grace"}},
            "createdBy": {"user": {"displayName": "Ada", "email": "ada@contoso.com"}},
            "createdDateTime": "2024-04-02T17:10:12Z"}});
        let hit = hit(&serde_json::from_value(raw).unwrap());
        assert_eq!(
            (hit.item_id.as_str(), hit.snippet.as_str()),
            ("b!x/01A", "Budget plan …")
        );
        assert_eq!(hit.author.as_deref(), Some("Grace"));
        assert_eq!(hit.owner.as_deref(), Some("ada@contoso.com"));
        assert_eq!(hit.created_time.as_deref(), Some("2024-04-02T17:10:12Z"));
    }
}
