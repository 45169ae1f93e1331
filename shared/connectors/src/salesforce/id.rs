//! Salesforce record ids: the grammar `fetch` accepts, and the object each id names.
//!
//! A record id is 15 case-sensitive characters, or 18 where the last three are a checksum of the
//! case of the first fifteen (so a case-insensitive system cannot confuse two ids). The first
//! three characters are the object's key prefix (`001` Account, `003` Contact, `006`
//! Opportunity, `500` Case): the object type is part of the id, so `fetch` builds
//! `sobjects/{Type}/{Id}` without asking Salesforce what the id is.
//!
//! Parsing accepts both lengths, checks the checksum of an 18-character id (a mistyped or
//! case-mangled id is refused before any token is fetched) and keeps the 18-character form, the
//! one the API returns: results and fetches key on it. Its alphabet (ASCII letters and digits)
//! cannot express a path separator, a query, a quote or a percent escape, so the id can go into
//! a URL path segment and a SOQL string literal as it is.

use std::fmt;

use crate::id::IdError;

/// The objects this source searches and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SObject {
    /// A customer or partner company.
    Account,
    /// A person at an account.
    Contact,
    /// A deal in progress.
    Opportunity,
    /// A customer's support request.
    Case,
}

impl SObject {
    /// Every object, in the order search results list them.
    pub const ALL: [Self; 4] = [Self::Opportunity, Self::Account, Self::Case, Self::Contact];

    /// The API name (`sobjects/{name}`, `RETURNING {name}(...)`).
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::Account => "Account",
            Self::Contact => "Contact",
            Self::Opportunity => "Opportunity",
            Self::Case => "Case",
        }
    }

    /// The key prefix of this object's ids (the same in every org for standard objects).
    pub const fn key_prefix(self) -> &'static str {
        match self {
            Self::Account => "001",
            Self::Contact => "003",
            Self::Opportunity => "006",
            Self::Case => "500",
        }
    }

    /// The object an API name names.
    pub fn from_api_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.api_name() == name)
    }

    fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.key_prefix() == prefix)
    }
}

impl fmt::Display for SObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// A record id of one of [`SObject::ALL`], in its 18-character form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordId {
    object: SObject,
    id: String,
}

const SHAPE: &str = "is not a Salesforce record id (15 or 18 letters and digits)";
const CHECKSUM: &str = "has a wrong checksum (the last 3 characters of an 18-character Salesforce id encode the case of the first 15)";
const OBJECT: &str = "is not an Account (001), Contact (003), Opportunity (006) or Case (500) id";

/// The checksum suffix of a 15-character id: for each 5-character chunk, a bit per upper-case
/// letter (least significant first), as one of 32 characters.
fn checksum(id15: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    id15.chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            char::from(ALPHABET[bits & 31])
        })
        .collect()
}

impl RecordId {
    /// Parses a 15- or 18-character id of a known object; see the module doc.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if let Some(found) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(IdError::Character {
                found,
                within: "Salesforce",
            });
        }
        let bytes = s.as_bytes();
        let id = match bytes.len() {
            15 => format!("{s}{}", checksum(bytes)),
            18 => {
                // The checksum is case-insensitive by design (it survives a case-folding
                // system); the first fifteen characters are not.
                if !checksum(&bytes[..15]).eq_ignore_ascii_case(&s[15..]) {
                    return Err(IdError::Shape(CHECKSUM));
                }
                format!("{}{}", &s[..15], checksum(&bytes[..15]))
            }
            _ => return Err(IdError::Shape(SHAPE)),
        };
        let object = SObject::from_prefix(&id[..3]).ok_or(IdError::Shape(OBJECT))?;
        Ok(Self { object, id })
    }

    /// The object the id names.
    pub fn object(&self) -> SObject {
        self.object
    }

    /// The 18-character id.
    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_salesforce() {
        // `001D0`: D is the 4th character, bit 3 = 8 -> `I`; `00000`: 0 -> `A`; `IqhSL`: I, S
        // and L are the 1st, 4th and 5th, 1 + 8 + 16 = 25 -> `Z`.
        assert_eq!(checksum(b"001D000000IqhSL"), "IAZ");
        assert_eq!(checksum(b"0015000000Gv7qJ"), "AAR");
        assert_eq!(checksum(b"AAAAA00000aaaaa"), "5AA");
    }

    #[test]
    fn fifteen_characters_become_eighteen() {
        let id = RecordId::parse("001D000000IqhSL").unwrap();
        assert_eq!(id.as_str(), "001D000000IqhSLIAZ");
        assert_eq!(id.object(), SObject::Account);
        // The checksum is accepted in either case and normalised.
        assert_eq!(
            RecordId::parse("001D000000IqhSLiaz").unwrap().as_str(),
            "001D000000IqhSLIAZ"
        );
    }

    #[test]
    fn the_object_comes_from_the_key_prefix() {
        for (object, id15) in [
            (SObject::Contact, "003D000000QxyZa"),
            (SObject::Opportunity, "006D000000AbCdE"),
            (SObject::Case, "500D000000XyZab"),
        ] {
            assert_eq!(RecordId::parse(id15).unwrap().object(), object);
        }
    }

    #[test]
    fn everything_else_is_refused() {
        let c = |found| IdError::Character {
            found,
            within: "Salesforce",
        };
        let cases: &[(&str, IdError)] = &[
            ("", IdError::Empty),
            ("001D000000IqhSLIAX", IdError::Shape(CHECKSUM)),
            ("001d000000IqhSLIAZ", IdError::Shape(CHECKSUM)),
            ("001D000000IqhS", IdError::Shape(SHAPE)),
            ("001D000000IqhSLIAZ1", IdError::Shape(SHAPE)),
            ("005D000000IqhSL", IdError::Shape(OBJECT)),
            ("001D000000IqhSL/../../limits", c('/')),
            ("001D000000Iq'SL", c('\'')),
            ("001D000000Iq%2F", c('%')),
            ("001D000000IqhSＬ", c('Ｌ')),
        ];
        for (input, expected) in cases {
            assert_eq!(RecordId::parse(input).as_ref(), Err(expected), "{input}");
        }
    }
}
