//! The Outlook calendar's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `OUTLOOK_CALENDAR_MODE` | `disabled` (opt-in): `descope_outbound` or `disabled`; no `service` mode |
//! | `DESCOPE_OUTBOUND_APP_MICROSOFT` | `microsoft`: the Microsoft outbound app (SharePoint's too), asked for `Calendars.Read` only |
//! | `GRAPH_BASE_URL` | `https://graph.microsoft.com` (SharePoint's too) |
//! | `CALENDAR_SEARCH_AROUND` | unset (now): the instant a keyword search's window is centred on, RFC 3339 (see [`crate::calendar::search_around`]) |

use std::sync::Arc;

use crate::build::BuildContext;
use crate::calendar::Calendar;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::{Access, Source, SourceKind};

use super::{OutlookCalendar, SCOPE};

/// The Outlook calendar's settings.
#[derive(Debug, Clone)]
pub(crate) struct OutlookCalendarSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_MICROSOFT`.
    app: String,
    /// `GRAPH_BASE_URL`.
    base_url: String,
    /// `CALENDAR_SEARCH_AROUND`.
    search_around: Option<time::OffsetDateTime>,
}

/// Reads the Outlook calendar's settings. There is no `service` mode (the registry entry has no
/// secret keys, so `ConnectorsConfig` refuses it): a calendar is read only with the user's own
/// token.
pub(crate) fn read(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> OutlookCalendarSettings {
    OutlookCalendarSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_MICROSOFT", "microsoft"),
        base_url: env.get_or("GRAPH_BASE_URL", "https://graph.microsoft.com"),
        search_around: crate::calendar::search_around(env, problems),
    }
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(read(env, mode, problems))
}

impl SourceSettings for OutlookCalendarSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::OutlookCalendar
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn build(
        &self,
        context: &BuildContext<'_>,
        _access: Access,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn Source>> {
        let broker = context.outbound(self.kind(), &self.app, vec![SCOPE.to_owned()], problems)?;
        let base = context.base_url("GRAPH_BASE_URL", &self.base_url, problems)?;
        Some(Arc::new(Calendar {
            api: OutlookCalendar::new(context.http(), base),
            broker,
            search_around: self.search_around,
        }))
    }
}
