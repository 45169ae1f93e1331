//! One record read as the user: the record itself (`sobjects/{Type}/{Id}`), the names of what it
//! belongs to, and for an account its open opportunities, contacts and open cases, all asked at
//! once; SOQL pages followed through `nextRecordsUrl`.

use std::fmt::Write as _;

use secrecy::SecretString;
use tokio::time::Instant;

use super::dialect::hidden_field;
use super::id::{RecordId, SObject};
use super::render::{fields_of, key_fields, link, more_fields, related_line, title, title_fields};
use super::sosl::escape_soql;
use super::wire::{QueryAnswer, Record};
use super::{API_VERSION, Salesforce};
use crate::details::{HitDetails, RecordDetails};
use crate::text::cut_chars;
use crate::upstream::{Auth, classify};
use crate::{Content, SourceError};

/// Most related records listed per kind.
const MAX_RELATED: usize = 200;
/// Most SOQL pages read per related query.
const MAX_PAGES: usize = 5;

/// A list of related records: its heading and its SOQL.
struct Related {
    heading: &'static str,
    object: SObject,
    soql: String,
}

/// The related records listed with `id`'s record.
fn related(id: &RecordId) -> Vec<Related> {
    // The id's alphabet is letters and digits; escaped all the same.
    let id_literal = escape_soql(id.as_str());
    let list = |heading, object, filter: &str, order: &str| {
        let mut fields: Vec<&str> = vec!["Id"];
        let own = key_fields(object).iter().map(|(_, f)| *f);
        for field in title_fields(object).iter().copied().chain(own) {
            if !field.contains('.') && !fields.contains(&field) {
                fields.push(field);
            }
        }
        Related {
            heading,
            object,
            soql: format!(
                "SELECT {} FROM {object} WHERE {filter} ORDER BY {order} LIMIT {MAX_RELATED}",
                fields.join(", ")
            ),
        }
    };
    match id.object() {
        SObject::Account => vec![
            list(
                "Open opportunities",
                SObject::Opportunity,
                &format!("AccountId = '{id_literal}' AND IsClosed = false"),
                "CloseDate ASC",
            ),
            list(
                "Contacts",
                SObject::Contact,
                &format!("AccountId = '{id_literal}'"),
                "Name ASC",
            ),
            list(
                "Open cases",
                SObject::Case,
                &format!("AccountId = '{id_literal}' AND IsClosed = false"),
                "CreatedDate DESC",
            ),
        ],
        SObject::Contact => vec![list(
            "Open cases",
            SObject::Case,
            &format!("ContactId = '{id_literal}' AND IsClosed = false"),
            "CreatedDate DESC",
        )],
        SObject::Opportunity | SObject::Case => Vec::new(),
    }
}

/// The SOQL for the names a record's own read lacks (`Account.Name`, `Owner.Name`).
fn names_query(id: &RecordId) -> String {
    let object = id.object();
    let mut fields = vec!["Id"];
    fields.extend(
        key_fields(object)
            .iter()
            .map(|(_, f)| *f)
            .filter(|f| f.contains('.')),
    );
    if object == SObject::Case {
        fields.push("Contact.Name");
    }
    format!(
        "SELECT {} FROM {object} WHERE Id = '{}'",
        fields.join(", "),
        escape_soql(id.as_str())
    )
}

impl Salesforce {
    /// Reads `id`'s record and its related records, as text of at most `max_chars`.
    pub(crate) async fn read(
        &self,
        token: &SecretString,
        id: &RecordId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let object = id.object();
        let record_url = self.api(&["sobjects", object.api_name(), id.as_str()]);
        let api = self.upstream.api();
        let record = self.upstream.call(
            Auth::Bearer(token),
            deadline,
            |http| http.get(record_url.clone()),
            |response| async move {
                super::log_limit_info(&response);
                classify::json::<Record>(api, response).await
            },
        );
        let names_soql = names_query(id);
        let names = self.query(token, &names_soql, 1, deadline);
        let lists = related(id);
        let related = futures::future::join_all(
            lists
                .iter()
                .map(|list| self.query(token, &list.soql, MAX_RELATED, deadline)),
        );
        let (record, names, related) = futures::join!(record, names, related);
        // The record read decides: a record the user may not see is not found, whatever else
        // answered.
        let mut record = record?;
        // Names and lists are the record's context: one that fails leaves its part out.
        if let Ok(names) = names
            && let Some(first) = names.into_iter().next()
        {
            for (key, value) in first.0 {
                if key != "attributes" && key != "Id" {
                    record.0.entry(key).or_insert(value);
                }
            }
        }
        let fields = fields_of(object, &record);
        let heading = title(object, &record);
        let mut text = format!("{object}: {heading}\n");
        for field in &fields {
            let _ = writeln!(text, "{}: {}", field.name, field.value);
        }
        if object == SObject::Case
            && let Some(contact) = record.text("Contact.Name")
        {
            let _ = writeln!(text, "Contact: {contact}");
        }
        for (label, field) in more_fields(object) {
            if let Some(value) = record.text(field) {
                let _ = writeln!(text, "{label}: {value}");
            }
        }
        if let Some(description) = record.text("Description") {
            let _ = write!(text, "\nDescription:\n{description}\n");
        }
        for (list, answer) in lists.iter().zip(related) {
            match answer {
                Ok(records) => {
                    let lines: Vec<String> = records
                        .iter()
                        .filter_map(|r| related_line(list.object, r, "salesforce"))
                        .collect();
                    let _ = writeln!(text, "\n{} ({}):", list.heading, lines.len());
                    for line in lines {
                        let _ = writeln!(text, "{line}");
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, related = list.heading, "Salesforce related records not read");
                    let _ = writeln!(text, "\n{}: not available ({err})", list.heading);
                }
            }
        }
        let (cut, truncated) = cut_chars(&text, max_chars);
        Ok(Content {
            title: heading,
            url: link(&self.instance, id),
            text: cut.to_owned(),
            truncated,
            unavailable_reason: None,
            details: Some(HitDetails::Record(RecordDetails {
                object: object.api_name().to_owned(),
                fields,
            })),
        })
    }

    /// A SOQL query's records, at most `max` of them over at most [`MAX_PAGES`] pages, each field
    /// the user may not see left out of the statement.
    async fn query(
        &self,
        token: &SecretString,
        soql: &str,
        max: usize,
        deadline: Instant,
    ) -> Result<Vec<Record>, SourceError> {
        let mut statement = soql.to_owned();
        let first = loop {
            let mut url = self.api(&["query", ""]);
            url.query_pairs_mut().append_pair("q", &statement);
            match self.page(token, url, deadline).await {
                Err(err) => match hidden_field(&err) {
                    Some((_, field)) => match without_field(&statement, &field) {
                        Some(smaller) => statement = smaller,
                        None => return Err(err),
                    },
                    None => return Err(err),
                },
                Ok(page) => break page,
            }
        };
        let mut records = first.records;
        let mut next = (!first.done).then_some(first.next_records_url).flatten();
        let mut pages = 1;
        while let Some(locator) = next.take() {
            if records.len() >= max || pages >= MAX_PAGES {
                break;
            }
            let Some(url) = self.locator_url(&locator) else {
                tracing::warn!(
                    "Salesforce nextRecordsUrl is not a query locator on this instance; not followed"
                );
                break;
            };
            let page = self.page(token, url, deadline).await?;
            pages += 1;
            records.extend(page.records);
            next = (!page.done).then_some(page.next_records_url).flatten();
        }
        records.truncate(max);
        Ok(records)
    }

    async fn page(
        &self,
        token: &SecretString,
        url: url::Url,
        deadline: Instant,
    ) -> Result<QueryAnswer, SourceError> {
        let api = self.upstream.api();
        self.upstream
            .call(
                Auth::Bearer(token),
                deadline,
                |http| http.get(url.clone()),
                |response| async move {
                    super::log_limit_info(&response);
                    classify::json(api, response).await
                },
            )
            .await
    }

    /// The URL of a `nextRecordsUrl`, only when it is a relative query locator of this API
    /// version (`/services/data/v66.0/query/01gD0000002HU6KIAW-2000`): an absolute URL, another
    /// path or anything with a dot segment, query or escape is refused, so an answer cannot send
    /// the user's token elsewhere.
    fn locator_url(&self, next: &str) -> Option<url::Url> {
        let prefix = format!("/services/data/{API_VERSION}/query/");
        let locator = next.strip_prefix(&prefix)?;
        let valid = !locator.is_empty()
            && locator.len() <= 64
            && locator
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        valid.then(|| self.api(&["query", locator]))
    }
}

/// `statement` without `field` in its select list; `None` when it is not there (nothing to
/// retry with).
fn without_field(statement: &str, field: &str) -> Option<String> {
    let rest = statement.strip_prefix("SELECT ")?;
    let (list, tail) = rest.split_once(" FROM ")?;
    let fields: Vec<&str> = list.split(", ").collect();
    let kept: Vec<&str> = fields.iter().copied().filter(|f| *f != field).collect();
    (kept.len() < fields.len() && !kept.is_empty())
        .then(|| format!("SELECT {} FROM {tail}", kept.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::BaseUrl;

    fn salesforce() -> Salesforce {
        Salesforce::new(
            reqwest::Client::new(),
            BaseUrl::parse("X", "https://acme.my.salesforce.com").unwrap(),
        )
    }

    #[test]
    fn only_query_locators_on_the_instance_are_followed() {
        let sf = salesforce();
        assert_eq!(
            sf.locator_url("/services/data/v66.0/query/01gD0000002HU6KIAW-2000")
                .unwrap()
                .as_str(),
            "https://acme.my.salesforce.com/services/data/v66.0/query/01gD0000002HU6KIAW-2000"
        );
        for bad in [
            "https://evil.example/services/data/v66.0/query/01g-2000",
            "//evil.example/services/data/v66.0/query/01g-2000",
            "/services/data/v66.0/query/../../sobjects/User",
            "/services/data/v66.0/query/01g-2000?q=x",
            "/services/data/v66.0/query/01g%2F2000",
            "/services/data/v66.0/sobjects/Account/001",
            "/services/data/v65.0/query/01g-2000",
            "/services/data/v66.0/query/",
        ] {
            assert!(sf.locator_url(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn account_reads_list_open_opportunities_contacts_and_open_cases() {
        let id = RecordId::parse("001D000000IqhSL").unwrap();
        let soql: Vec<String> = related(&id).into_iter().map(|r| r.soql).collect();
        assert_eq!(
            soql[0],
            "SELECT Id, Name, StageName, Amount, CloseDate FROM Opportunity WHERE AccountId = '001D000000IqhSLIAZ' AND IsClosed = false ORDER BY CloseDate ASC LIMIT 200"
        );
        assert!(soql[1].starts_with(
            "SELECT Id, Name, Title, Email FROM Contact WHERE AccountId = '001D000000IqhSLIAZ'"
        ));
        assert!(soql[2].starts_with("SELECT Id, CaseNumber, Subject, Status, Priority FROM Case WHERE AccountId = '001D000000IqhSLIAZ' AND IsClosed = false"));
        assert_eq!(
            names_query(&id),
            "SELECT Id, Owner.Name FROM Account WHERE Id = '001D000000IqhSLIAZ'"
        );
        assert_eq!(
            without_field(&soql[0], "Amount").unwrap(),
            "SELECT Id, Name, StageName, CloseDate FROM Opportunity WHERE AccountId = '001D000000IqhSLIAZ' AND IsClosed = false ORDER BY CloseDate ASC LIMIT 200"
        );
        assert_eq!(without_field(&soql[0], "Nope"), None);
    }
}
