//! The demo org: users with their field-level security, and records with their owner and who
//! the sharing model lets read them (`corpus/salesforce.json`).

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// One Salesforce user, named by the email of the demo user whose token acts as them.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrgUser {
    pub(crate) email: String,
    pub(crate) id: String,
    pub(crate) name: String,
    /// `Object.Field` names field-level security hides from this user.
    #[serde(default)]
    pub(crate) hidden_fields: Vec<String>,
}

/// One record.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrgRecord {
    #[serde(rename = "type")]
    pub(crate) object: String,
    /// Who may read it (its owner included): the sharing model's answer, per user.
    pub(crate) shared_with: Vec<String>,
    pub(crate) fields: Map<String, Value>,
}

/// The org.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Org {
    /// API requests allowed per rolling 24 hours.
    pub(crate) daily_limit: u64,
    pub(crate) users: Vec<OrgUser>,
    pub(crate) records: Vec<OrgRecord>,
}

/// The objects the org has, with the fields each has (beyond relationships).
pub(crate) const OBJECTS: &[(&str, &[&str])] = &[
    (
        "Account",
        &[
            "Id",
            "Name",
            "Industry",
            "Type",
            "Website",
            "Phone",
            "BillingCity",
            "BillingCountry",
            "AnnualRevenue",
            "NumberOfEmployees",
            "Description",
            "OwnerId",
            "CreatedDate",
            "LastModifiedDate",
        ],
    ),
    (
        "Contact",
        &[
            "Id",
            "FirstName",
            "LastName",
            "Name",
            "Title",
            "Email",
            "Phone",
            "MobilePhone",
            "Department",
            "AccountId",
            "Description",
            "OwnerId",
            "CreatedDate",
            "LastModifiedDate",
        ],
    ),
    (
        "Opportunity",
        &[
            "Id",
            "Name",
            "AccountId",
            "StageName",
            "Amount",
            "CloseDate",
            "Probability",
            "Type",
            "LeadSource",
            "NextStep",
            "IsClosed",
            "IsWon",
            "Description",
            "OwnerId",
            "CreatedDate",
            "LastModifiedDate",
        ],
    ),
    (
        "Case",
        &[
            "Id",
            "CaseNumber",
            "Subject",
            "Status",
            "Priority",
            "Origin",
            "Type",
            "Reason",
            "AccountId",
            "ContactId",
            "IsClosed",
            "Description",
            "OwnerId",
            "CreatedDate",
            "LastModifiedDate",
        ],
    ),
];

/// The relationships a field path may follow: `(object, relationship, id field, target)`.
const RELATIONSHIPS: &[(&str, &str, &str, &str)] = &[
    ("Contact", "Account", "AccountId", "Account"),
    ("Opportunity", "Account", "AccountId", "Account"),
    ("Case", "Account", "AccountId", "Account"),
    ("Case", "Contact", "ContactId", "Contact"),
    ("Account", "Owner", "OwnerId", "User"),
    ("Contact", "Owner", "OwnerId", "User"),
    ("Opportunity", "Owner", "OwnerId", "User"),
    ("Case", "Owner", "OwnerId", "User"),
];

/// The fields of `object`, `None` for an object the org does not have.
pub(crate) fn fields_of(object: &str) -> Option<&'static [&'static str]> {
    OBJECTS.iter().find(|(o, _)| *o == object).map(|(_, f)| *f)
}

/// The fields searched by `IN NAME FIELDS`.
pub(crate) fn name_fields(object: &str) -> &'static [&'static str] {
    match object {
        "Case" => &["Subject", "CaseNumber"],
        _ => &["Name"],
    }
}

/// Why a field path cannot be selected: the column does not exist for this user.
#[derive(Debug)]
pub(crate) struct NoSuchColumn {
    pub(crate) object: String,
    pub(crate) field: String,
}

impl Org {
    /// The demo org shipped with the crate.
    pub(crate) fn demo() -> Self {
        // Checked in and parsed by a test; an empty org is the fallback, never a panic.
        serde_json::from_str(include_str!("../../corpus/salesforce.json")).unwrap_or(Self {
            daily_limit: 0,
            users: Vec::new(),
            records: Vec::new(),
        })
    }

    pub(crate) fn user(&self, email: &str) -> Option<&OrgUser> {
        self.users.iter().find(|u| u.email == email)
    }

    /// Whether `user` may read `record` (sharing).
    pub(crate) fn visible(user: &OrgUser, record: &OrgRecord) -> bool {
        record.shared_with.contains(&user.email)
    }

    /// A record by its 18-character id.
    pub(crate) fn record(&self, id: &str) -> Option<&OrgRecord> {
        self.records
            .iter()
            .find(|r| r.fields.get("Id").and_then(Value::as_str) == Some(id))
    }

    /// Checks that `user` may select `path` on `object`: the field exists, is not hidden from
    /// them, and a relationship path names a relationship and a field of its target.
    pub(crate) fn check_field(
        user: &OrgUser,
        object: &str,
        path: &str,
    ) -> Result<(), NoSuchColumn> {
        let missing = || NoSuchColumn {
            object: object.to_owned(),
            field: path.to_owned(),
        };
        match path.split_once('.') {
            None => {
                let exists = fields_of(object).is_some_and(|f| f.contains(&path));
                let hidden = user.hidden_fields.contains(&format!("{object}.{path}"));
                if exists && !hidden {
                    Ok(())
                } else {
                    Err(missing())
                }
            }
            Some((relationship, field)) => {
                let (_, _, _, target) = RELATIONSHIPS
                    .iter()
                    .find(|(o, r, _, _)| *o == object && *r == relationship)
                    .ok_or_else(missing)?;
                if *target == "User" {
                    return if matches!(field, "Name" | "Email" | "Id") {
                        Ok(())
                    } else {
                        Err(missing())
                    };
                }
                Self::check_field(user, target, field).map_err(|_| missing())
            }
        }
    }

    /// The value of `path` on `record` as `user` reads it: a relationship's record only when it
    /// is shared with them (`null` otherwise, as Salesforce answers for a parent the user cannot
    /// see), as the nested object Salesforce sends.
    pub(crate) fn value(&self, user: &OrgUser, record: &OrgRecord, path: &str) -> Value {
        let Some((relationship, field)) = path.split_once('.') else {
            return record.fields.get(path).cloned().unwrap_or(Value::Null);
        };
        let Some((_, _, id_field, target)) = RELATIONSHIPS
            .iter()
            .find(|(o, r, _, _)| *o == record.object && *r == relationship)
        else {
            return Value::Null;
        };
        let Some(id) = record.fields.get(*id_field).and_then(Value::as_str) else {
            return Value::Null;
        };
        if *target == "User" {
            let Some(owner) = self.users.iter().find(|u| u.id == id) else {
                return Value::Null;
            };
            let value = match field {
                "Name" => json!(owner.name),
                "Email" => json!(owner.email),
                _ => json!(owner.id),
            };
            return json!({"attributes": attributes("User", &owner.id), field: value});
        }
        match self.record(id) {
            Some(parent) if Self::visible(user, parent) => {
                json!({"attributes": attributes(target, id), field: self.value(user, parent, field)})
            }
            _ => Value::Null,
        }
    }

    /// A record as Salesforce answers it with `paths` selected (relationships nested).
    pub(crate) fn project(&self, user: &OrgUser, record: &OrgRecord, paths: &[String]) -> Value {
        let id = record
            .fields
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut out = Map::new();
        out.insert("attributes".into(), attributes(&record.object, id));
        for path in paths {
            let value = self.value(user, record, path);
            match path.split_once('.') {
                Some((relationship, field)) => {
                    let entry = out.entry(relationship.to_owned()).or_insert(Value::Null);
                    match (entry.as_object_mut(), value.get(field)) {
                        (Some(existing), Some(v)) => {
                            existing.insert(field.to_owned(), v.clone());
                        }
                        _ => *entry = value,
                    }
                }
                None => {
                    out.insert(path.clone(), value);
                }
            }
        }
        Value::Object(out)
    }

    /// Every field of a record `user` may see, as `GET sobjects/{Type}/{Id}` answers.
    pub(crate) fn read(&self, user: &OrgUser, record: &OrgRecord) -> Value {
        let fields: Vec<String> = fields_of(&record.object)
            .unwrap_or_default()
            .iter()
            .filter(|f| Self::check_field(user, &record.object, f).is_ok())
            .map(|f| (*f).to_owned())
            .collect();
        self.project(user, record, &fields)
    }
}

/// A record's `attributes`.
pub(crate) fn attributes(object: &str, id: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/{}/sobjects/{object}/{id}", super::VERSION)})
}
