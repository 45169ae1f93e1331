//! Records as hits and as fetched text: a title, a Lightning link, the key fields an agent
//! answers from (stage, amount, close date, owner; status and priority), and related records.

use super::id::{RecordId, SObject};
use super::wire::Record;
use crate::SearchHit;
use crate::details::{HitDetails, RecordDetails, RecordField};
use crate::endpoint::BaseUrl;

/// The Lightning page of a record: `{instance}/lightning/r/{Object}/{Id}/view`.
pub(crate) fn link(instance: &BaseUrl, id: &RecordId) -> String {
    instance
        .join(&[
            "lightning",
            "r",
            id.object().api_name(),
            id.as_str(),
            "view",
        ])
        .to_string()
}

/// The key fields of each object: `(label, field)`, relationship fields included.
pub(crate) fn key_fields(object: SObject) -> &'static [(&'static str, &'static str)] {
    match object {
        SObject::Opportunity => &[
            ("Account", "Account.Name"),
            ("Stage", "StageName"),
            ("Amount", "Amount"),
            ("Close date", "CloseDate"),
            ("Owner", "Owner.Name"),
        ],
        SObject::Account => &[
            ("Industry", "Industry"),
            ("Type", "Type"),
            ("Owner", "Owner.Name"),
        ],
        SObject::Case => &[
            ("Case number", "CaseNumber"),
            ("Account", "Account.Name"),
            ("Status", "Status"),
            ("Priority", "Priority"),
            ("Owner", "Owner.Name"),
        ],
        SObject::Contact => &[
            ("Account", "Account.Name"),
            ("Title", "Title"),
            ("Email", "Email"),
            ("Owner", "Owner.Name"),
        ],
    }
}

/// A money amount with thousands separators (`480000` -> `480,000`; `1234.5` -> `1,234.5`).
pub(crate) fn amount(raw: &str) -> String {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let fraction = fraction.trim_end_matches('0');
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return raw.to_owned();
    }
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A Salesforce datetime (`2026-11-20T10:00:00.000+0000`) in RFC 3339 (`...000Z`).
pub(crate) fn rfc3339(raw: &str) -> String {
    match raw.strip_suffix("+0000") {
        Some(utc) => format!("{utc}Z"),
        None => raw.to_owned(),
    }
}

/// A field's value as shown: amounts grouped, everything else as sent.
fn shown(field: &str, value: String) -> String {
    if field == "Amount" {
        amount(&value)
    } else {
        value
    }
}

/// The key fields a record has (absent or hidden ones left out).
pub(crate) fn fields_of(object: SObject, record: &Record) -> Vec<RecordField> {
    key_fields(object)
        .iter()
        .filter_map(|(label, field)| {
            record.text(field).map(|value| RecordField {
                name: (*label).to_owned(),
                value: shown(field, value),
            })
        })
        .collect()
}

/// The fields [`title`] reads.
pub(crate) fn title_fields(object: SObject) -> &'static [&'static str] {
    match object {
        SObject::Case => &["CaseNumber", "Subject"],
        _ => &["Name"],
    }
}

/// A record's title: its name, or a case's number and subject.
pub(crate) fn title(object: SObject, record: &Record) -> String {
    let title = match object {
        SObject::Case => match (record.text("CaseNumber"), record.text("Subject")) {
            (Some(number), Some(subject)) => Some(format!("Case {number}: {subject}")),
            (number, subject) => subject.or(number.map(|n| format!("Case {n}"))),
        },
        _ => record.text("Name"),
    };
    title.unwrap_or_else(|| format!("({object} without a name)"))
}

/// One search record as a hit; `None` for a record of another object or without a valid id.
pub(crate) fn hit(instance: &BaseUrl, record: &Record) -> Option<SearchHit> {
    let object = record.object()?;
    let id = record.id().filter(|id| id.object() == object)?;
    let fields = fields_of(object, record);
    let summary: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.name, f.value))
        .collect();
    Some(SearchHit {
        item_id: id.to_string(),
        title: title(object, record),
        url: link(instance, &id),
        snippet: format!("{object} · {}", summary.join(" · ")),
        modified_time: record.text("LastModifiedDate").map(|d| rfc3339(&d)),
        author: record.text("Owner.Name"),
        created_time: record.text("CreatedDate").map(|d| rfc3339(&d)),
        owner: record.text("Owner.Email"),
        item_type: Some(crate::query::ItemType::Record),
        media_type: None,
        details: Some(HitDetails::Record(RecordDetails {
            object: object.api_name().to_owned(),
            fields,
        })),
    })
}

/// Fields of a record read (`sobjects/{Type}/{Id}`) shown in its text beyond the key fields.
pub(crate) fn more_fields(object: SObject) -> &'static [(&'static str, &'static str)] {
    match object {
        SObject::Opportunity => &[
            ("Type", "Type"),
            ("Probability (%)", "Probability"),
            ("Next step", "NextStep"),
            ("Lead source", "LeadSource"),
        ],
        SObject::Account => &[
            ("Website", "Website"),
            ("Phone", "Phone"),
            ("Billing city", "BillingCity"),
            ("Billing country", "BillingCountry"),
            ("Annual revenue", "AnnualRevenue"),
            ("Employees", "NumberOfEmployees"),
        ],
        SObject::Case => &[
            ("Subject", "Subject"),
            ("Type", "Type"),
            ("Origin", "Origin"),
            ("Reason", "Reason"),
        ],
        SObject::Contact => &[
            ("Department", "Department"),
            ("Phone", "Phone"),
            ("Mobile", "MobilePhone"),
        ],
    }
}

/// One line for a related record: what it is, its key values, and the id `fetch` takes.
pub(crate) fn related_line(object: SObject, record: &Record, source: &str) -> Option<String> {
    let id = record.id().filter(|id| id.object() == object)?;
    let values: Vec<String> = fields_of(object, record)
        .into_iter()
        .filter(|f| f.name != "Account" && f.name != "Owner")
        .map(|f| f.value)
        .collect();
    let values = if values.is_empty() {
        String::new()
    } else {
        format!(" ({})", values.join(", "))
    };
    Some(format!(
        "- {}{values} [{source}:{id}]",
        title(object, record)
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(value: serde_json::Value) -> Record {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_opportunity_hit_carries_its_key_fields() {
        let instance = BaseUrl::parse("X", "https://acme.my.salesforce.com").unwrap();
        let hit = hit(
            &instance,
            &record(json!({
                "attributes": {"type": "Opportunity", "url": "/services/data/v66.0/sobjects/Opportunity/006D000000AbCdE"},
                "Id": "006D000000AbCdEIAV", "Name": "Globex renewal FY2027", "StageName": "Negotiation/Review",
                "Amount": 480000.0, "CloseDate": "2027-01-15",
                "Account": {"attributes": {"type": "Account"}, "Name": "Globex Corporation"},
                "Owner": {"attributes": {"type": "User"}, "Name": "Alice Nguyen"},
                "LastModifiedDate": "2026-11-20T10:00:00.000+0000"
            })),
        );
        let Some(hit) = hit else {
            panic!("no hit");
        };
        assert_eq!(
            hit.url,
            "https://acme.my.salesforce.com/lightning/r/Opportunity/006D000000AbCdEIAV/view"
        );
        assert_eq!(
            hit.snippet,
            "Opportunity · Account: Globex Corporation · Stage: Negotiation/Review · Amount: 480,000 · Close date: 2027-01-15 · Owner: Alice Nguyen"
        );
        assert_eq!(
            hit.modified_time.as_deref(),
            Some("2026-11-20T10:00:00.000Z")
        );
        let Some(HitDetails::Record(details)) = hit.details else {
            panic!("no record details");
        };
        assert_eq!(details.object, "Opportunity");
        assert_eq!(details.fields[2].value, "480,000");
    }

    #[test]
    fn records_of_other_objects_or_with_forged_ids_are_not_hits() {
        let instance = BaseUrl::parse("X", "https://acme.my.salesforce.com").unwrap();
        for bad in [
            json!({"attributes": {"type": "User"}, "Id": "005D000000IqhSLIAZ", "Name": "x"}),
            json!({"attributes": {"type": "Account"}, "Id": "006D000000AbCdEIAV", "Name": "x"}),
            json!({"attributes": {"type": "Account"}, "Id": "001D000000IqhSLXXX", "Name": "x"}),
            json!({"attributes": {"type": "Account"}, "Name": "no id"}),
        ] {
            assert!(hit(&instance, &record(bad.clone())).is_none(), "{bad}");
        }
    }

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(amount("480000.0"), "480,000");
        assert_eq!(amount("1234.50"), "1,234.5");
        assert_eq!(amount("-1000"), "-1,000");
        assert_eq!(amount("12"), "12");
        assert_eq!(amount("1e6"), "1e6");
    }
}
