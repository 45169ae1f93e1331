//! Gmail's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `GMAIL_MODE` | `disabled` (opt-in); `descope_outbound` or `disabled`, never `service` |
//! | `DESCOPE_OUTBOUND_APP_GOOGLE` | `google-drive`: the Google outbound app, asked for `gmail.readonly` only |
//! | `GMAIL_MCP_URL` | `https://gmailmcp.googleapis.com/mcp/v1`: Google's Gmail MCP server (the whole endpoint, like `GOOGLE_DRIVE_MCP_URL` and `GOOGLE_CALENDAR_MCP_URL`) |
//!
//! There is no service mode: Google documents user OAuth only for its MCP servers.

use std::sync::Arc;

use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::{Access, Source, SourceKind};

use super::{Gmail, SCOPE};

/// The MCP endpoint setting.
pub(crate) const MCP_URL_SETTING: &str = "GMAIL_MCP_URL";

/// Gmail's settings.
#[derive(Debug, Clone)]
pub(crate) struct GmailSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_GOOGLE`.
    app: String,
    /// `GMAIL_MCP_URL`.
    mcp_url: String,
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    _problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(GmailSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_GOOGLE", "google-drive"),
        mcp_url: env.get_or(MCP_URL_SETTING, "https://gmailmcp.googleapis.com/mcp/v1"),
    })
}

impl SourceSettings for GmailSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::Gmail
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn build(
        &self,
        context: &BuildContext<'_>,
        access: Access,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn Source>> {
        if self.mode != Mode::DescopeOutbound {
            return None;
        }
        let broker = context.outbound(self.kind(), &self.app, vec![SCOPE.to_owned()], problems)?;
        let endpoint = context
            .base_url(MCP_URL_SETTING, &self.mcp_url, problems)?
            .join(&[]);
        Some(Arc::new(Connected {
            connector: Gmail::new(context.http(), endpoint),
            broker,
            write_broker: None,
            access,
        }))
    }
}
