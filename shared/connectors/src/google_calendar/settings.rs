//! Google Calendar's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `GOOGLE_CALENDAR_MODE` | `disabled` (opt-in): `descope_outbound` or `disabled`; no `service` mode |
//! | `DESCOPE_OUTBOUND_APP_GOOGLE` | `google-drive`: the Google outbound app (Drive's too), asked for `calendar.events.readonly` only |
//! | `GOOGLE_CALENDAR_MCP_URL` | `https://calendarmcp.googleapis.com/mcp/v1`: Google's Calendar MCP server (the whole endpoint, like `GOOGLE_DRIVE_MCP_URL`: tests and `make dev` set it to the fakes' `/calendarmcp/mcp/v1`) |
//! | `CALENDAR_SEARCH_AROUND` | unset (now): the instant a keyword search's window is centred on, RFC 3339 (see [`crate::calendar::search_around`]) |

use std::sync::Arc;

use crate::build::BuildContext;
use crate::calendar::Calendar;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::{Access, Source, SourceKind};

use super::{GoogleCalendar, SCOPE};

/// The MCP endpoint setting.
pub(crate) const MCP_URL_SETTING: &str = "GOOGLE_CALENDAR_MCP_URL";

/// Google Calendar's settings.
#[derive(Debug, Clone)]
pub(crate) struct GoogleCalendarSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_GOOGLE`.
    app: String,
    /// `GOOGLE_CALENDAR_MCP_URL`.
    mcp_url: String,
    /// `CALENDAR_SEARCH_AROUND`.
    search_around: Option<time::OffsetDateTime>,
}

/// Reads Google Calendar's settings. There is no `service` mode (the registry entry has no
/// secret keys, so `ConnectorsConfig` refuses it): Google documents user OAuth only for its MCP
/// servers, and a calendar is read only with the user's own token.
pub(crate) fn read(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> GoogleCalendarSettings {
    GoogleCalendarSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_GOOGLE", "google-drive"),
        mcp_url: env.get_or(MCP_URL_SETTING, "https://calendarmcp.googleapis.com/mcp/v1"),
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

impl SourceSettings for GoogleCalendarSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::GoogleCalendar
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
        let endpoint = context
            .base_url(MCP_URL_SETTING, &self.mcp_url, problems)?
            .join(&[]);
        Some(Arc::new(Calendar {
            api: GoogleCalendar::new(context.http(), endpoint),
            broker,
            search_around: self.search_around,
        }))
    }
}
