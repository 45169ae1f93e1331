//! SOQL: `SELECT fields FROM Object [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n]`, run as one
//! user (sharing applies before `LIMIT`, unlike SOSL).

use serde_json::Value;

use super::data::{Org, OrgRecord, OrgUser, fields_of};
use super::ql::{self, Condition, Cursor, QlError, Token};

const CODE: &str = "MALFORMED_QUERY";

/// A parsed query.
#[derive(Debug)]
pub(crate) struct Query {
    pub(crate) fields: Vec<String>,
    pub(crate) object: String,
    pub(crate) filter: Option<Condition>,
    pub(crate) order: Option<(String, bool)>,
    pub(crate) limit: Option<usize>,
    pub(crate) offset: Option<usize>,
}

/// Parses a query.
pub(crate) fn parse(statement: &str) -> Result<Query, QlError> {
    let mut cursor = Cursor::new(ql::tokens(statement, CODE)?, CODE);
    cursor.expect_keyword("SELECT")?;
    let mut fields = vec![cursor.field()?];
    while matches!(cursor.peek(), Some(Token::Comma)) {
        cursor.next();
        fields.push(cursor.field()?);
    }
    cursor.expect_keyword("FROM")?;
    let object = cursor.field()?;
    let filter = if cursor.keyword("WHERE") {
        Some(ql::or(&mut cursor)?)
    } else {
        None
    };
    let order = ql::order_by(&mut cursor)?;
    let limit = if cursor.keyword("LIMIT") {
        Some(cursor.integer()?)
    } else {
        None
    };
    let offset = if cursor.keyword("OFFSET") {
        Some(cursor.integer()?)
    } else {
        None
    };
    if !cursor.done() {
        return Err(cursor.unexpected());
    }
    Ok(Query {
        fields,
        object,
        filter,
        order,
        limit,
        offset,
    })
}

/// Runs a query as `user`: every row, projected (the caller pages them).
pub(crate) fn run(org: &Org, user: &OrgUser, statement: &str) -> Result<Vec<Value>, QlError> {
    let query = parse(statement)?;
    if fields_of(&query.object).is_none() {
        return Err(QlError::new(
            "INVALID_TYPE",
            format!(
                "\n{statement}\n^\nERROR at Row:1:Column:1\nsObject type '{}' is not supported.",
                query.object
            ),
        ));
    }
    let read = query
        .fields
        .iter()
        .map(String::as_str)
        .chain(query.filter.iter().flat_map(Condition::fields))
        .chain(query.order.iter().map(|(f, _)| f.as_str()));
    for field in read {
        Org::check_field(user, &query.object, field)
            .map_err(|e| QlError::no_such_column(&e.object, &e.field))?;
    }
    let mut rows: Vec<&OrgRecord> = org
        .records
        .iter()
        .filter(|r| r.object == query.object && Org::visible(user, r))
        .filter(|r| query.filter.as_ref().is_none_or(|c| c.holds(org, user, r)))
        .collect();
    if let Some((field, descending)) = &query.order {
        ql::order(&mut rows, org, user, field, *descending);
    }
    Ok(rows
        .into_iter()
        .skip(query.offset.unwrap_or(0))
        .take(query.limit.unwrap_or(usize::MAX))
        .map(|r| org.project(user, r, &query.fields))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse() {
        let q = parse("SELECT Id, Name, Account.Name FROM Opportunity WHERE AccountId = '001Ac0000GLBX01IQH' AND IsClosed = false ORDER BY CloseDate ASC LIMIT 200").unwrap();
        assert_eq!(q.fields, ["Id", "Name", "Account.Name"]);
        assert_eq!(q.limit, Some(200));
        assert!(parse("SELECT Id FROM Account WHERE Name = 'x").is_err());
        assert!(parse("SELECT Id FROM Account WHERE Name = 'O\\'Brien'").is_ok());
        assert!(parse("SELECT Id FROM Account; DELETE").is_err());
    }
}
