//! Date words ("last week", "in October", "yesterday") as a half-open range of days.
//!
//! "Now" is a parameter, never the clock read here: the service passes today's date, the
//! relevance benchmark a fixed one, so the same query plans the same way in every run.

use time::{Date, Duration, Month};

/// `[from, until)`, whole UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First day in the range.
    pub from: Date,
    /// First day after the range.
    pub until: Date,
}

impl DateRange {
    /// Whether an RFC 3339 time (or a `YYYY-MM-DD` prefix of one) falls in the range.
    pub fn contains_rfc3339(&self, time: &str) -> bool {
        parse_day(time).is_some_and(|d| d >= self.from && d < self.until)
    }

    /// Whether `text` names a day in the range as `YYYY-MM-DD`, or the range's month by name
    /// with its year (dated titles such as "Incident review: search outage 2026-10-14").
    pub fn mentioned_in(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        (0..bytes.len().saturating_sub(9)).any(|i| {
            text.get(i..i + 10)
                .and_then(parse_day)
                .is_some_and(|d| d >= self.from && d < self.until)
        })
    }
}

fn parse_day(text: &str) -> Option<Date> {
    let day = text.get(..10)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(day, &format).ok()
}

const MONTHS: [(&str, Month); 12] = [
    ("january", Month::January),
    ("february", Month::February),
    ("march", Month::March),
    ("april", Month::April),
    ("may", Month::May),
    ("june", Month::June),
    ("july", Month::July),
    ("august", Month::August),
    ("september", Month::September),
    ("october", Month::October),
    ("november", Month::November),
    ("december", Month::December),
];

fn month_named(word: &str) -> Option<Month> {
    MONTHS
        .iter()
        .find(|(name, _)| {
            *name == word || (word.len() == 3 && name.starts_with(word) && word != "may")
        })
        .map(|(_, m)| *m)
}

fn month_range(year: i32, month: Month) -> Option<DateRange> {
    let from = Date::from_calendar_date(year, month, 1).ok()?;
    let (next_year, next) = if month == Month::December {
        (year + 1, Month::January)
    } else {
        (year, month.next())
    };
    let until = Date::from_calendar_date(next_year, next, 1).ok()?;
    Some(DateRange { from, until })
}

/// A date expression found in the query: its range and which tokens it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The range.
    pub range: DateRange,
    /// Indices of the tokens that made it (dropped from the keywords).
    pub used: Vec<usize>,
}

/// The first date expression in `tokens` (lowercase), relative to `today`.
pub fn find(tokens: &[String], today: Date) -> Option<Found> {
    let word = |i: usize| tokens.get(i).map(String::as_str);
    for i in 0..tokens.len() {
        let days = |from: Date, until: Date| DateRange { from, until };
        let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
        let found = match (word(i), word(i + 1)) {
            (Some("last" | "past" | "previous"), Some("week")) => {
                Some((days(monday - Duration::weeks(1), monday), 2))
            }
            (Some("this"), Some("week")) => Some((days(monday, today + Duration::days(1)), 2)),
            (Some("last" | "past" | "previous"), Some("month")) => {
                let first = today.replace_day(1).ok()?;
                let prev = (first - Duration::days(1)).replace_day(1).ok()?;
                Some((days(prev, first), 2))
            }
            (Some("this"), Some("month")) => Some((
                days(today.replace_day(1).ok()?, today + Duration::days(1)),
                2,
            )),
            (Some("last" | "past"), Some("year")) => {
                let from = Date::from_calendar_date(today.year() - 1, Month::January, 1).ok()?;
                let until = Date::from_calendar_date(today.year(), Month::January, 1).ok()?;
                Some((days(from, until), 2))
            }
            (Some("this"), Some("year")) => {
                let from = Date::from_calendar_date(today.year(), Month::January, 1).ok()?;
                Some((days(from, today + Duration::days(1)), 2))
            }
            (Some("yesterday"), _) => Some((days(today - Duration::days(1), today), 1)),
            (Some("today"), _) => Some((days(today, today + Duration::days(1)), 1)),
            (Some("recent" | "recently" | "latest"), _) => Some((
                days(today - Duration::days(30), today + Duration::days(1)),
                1,
            )),
            (Some(w), next) => month_named(w).and_then(|month| {
                // "may" is a month only as "in May" or "May 2026": otherwise it is a verb.
                let after_in =
                    i > 0 && matches!(word(i - 1), Some("in" | "since" | "during" | "of"));
                let year = next
                    .and_then(|n| n.parse::<i32>().ok())
                    .filter(|y| (1970..=9999).contains(y));
                if w == "may" && !after_in && year.is_none() {
                    return None;
                }
                let year_used = year.is_some();
                let year = year.unwrap_or_else(|| {
                    if month as u8 > today.month() as u8 {
                        today.year() - 1
                    } else {
                        today.year()
                    }
                });
                month_range(year, month).map(|r| (r, if year_used { 2 } else { 1 }))
            }),
            _ => None,
        };
        if let Some((range, len)) = found {
            let mut used: Vec<usize> = (i..i + len).collect();
            if i > 0 && matches!(word(i - 1), Some("in" | "since" | "during" | "from" | "of")) {
                used.insert(0, i - 1);
            }
            return Some(Found { range, used });
        }
    }
    None
}

/// `YYYY-MM-DD`.
pub fn ymd(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn toks(s: &str) -> Vec<String> {
        crate::query::words::tokens(s)
    }

    #[test]
    fn relative_weeks_and_months() {
        let today = date!(2026 - 11 - 05); // a Thursday
        let f = find(&toks("notes from last week"), today).unwrap();
        assert_eq!(
            f.range,
            DateRange {
                from: date!(2026 - 10 - 26),
                until: date!(2026 - 11 - 02)
            }
        );
        assert_eq!(f.used, [1, 2, 3]);
        let f = find(&toks("last month"), today).unwrap();
        assert_eq!(
            f.range,
            DateRange {
                from: date!(2026 - 10 - 01),
                until: date!(2026 - 11 - 01)
            }
        );
    }

    #[test]
    fn month_names_take_the_latest_past_one() {
        let today = date!(2026 - 11 - 05);
        let f = find(&toks("outage in October"), today).unwrap();
        assert_eq!(f.range.from, date!(2026 - 10 - 01));
        assert_eq!(f.used, [1, 2]);
        let f = find(&toks("december"), today).unwrap();
        assert_eq!(f.range.from, date!(2025 - 12 - 01));
        let f = find(&toks("march 2027"), today).unwrap();
        assert_eq!(f.range.from, date!(2027 - 03 - 01));
        assert!(find(&toks("may I work from home"), today).is_none());
        assert!(find(&toks("budget"), today).is_none());
    }

    #[test]
    fn dated_titles_are_mentions() {
        let r = DateRange {
            from: date!(2026 - 10 - 01),
            until: date!(2026 - 11 - 01),
        };
        assert!(r.mentioned_in("Incident review: search outage 2026-10-14.md"));
        assert!(!r.mentioned_in("2026-09-30"));
        assert!(r.contains_rfc3339("2026-10-31T23:00:00Z"));
        assert!(!r.contains_rfc3339("garbage"));
        assert!(!r.mentioned_in("é2026-10-1"));
    }
}
