//! Gmail's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `GMAIL_MODE` | `disabled` (opt-in); `descope_outbound` or `disabled`, never `service` |
//! | `DESCOPE_OUTBOUND_APP_GOOGLE` | `google-drive`: the Google outbound app, asked for `gmail.readonly` only |
//! | `GMAIL_MCP_BASE_URL` | unset: Google's server, `https://gmailmcp.googleapis.com/mcp/v1`. Set, a host serving Google's MCP products by path (a forwarding proxy, the local fakes): `<base>/gmailmcp/mcp/v1` |
//!
//! There is no service mode: Google documents user OAuth only for its MCP servers.

use std::sync::Arc;

use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::outlook_mail::settings::no_service;
use crate::{Access, Source, SourceKind};

use super::{Gmail, SCOPE};

/// Google's Gmail MCP endpoint.
const GOOGLE_ENDPOINT: &str = "https://gmailmcp.googleapis.com/mcp/v1";

/// Gmail's settings.
#[derive(Debug, Clone)]
pub(crate) struct GmailSettings {
    mode: Mode,
    app: String,
    base_url: Option<String>,
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(GmailSettings {
        mode: no_service(mode, "GMAIL_MODE", problems),
        app: env.get_or("DESCOPE_OUTBOUND_APP_GOOGLE", "google-drive"),
        base_url: env.get("GMAIL_MCP_BASE_URL"),
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
        let endpoint = match &self.base_url {
            Some(base) => context
                .base_url("GMAIL_MCP_BASE_URL", base, problems)?
                .join(&["gmailmcp", "mcp", "v1"]),
            None => context
                .base_url("GMAIL_MCP_BASE_URL", GOOGLE_ENDPOINT, problems)?
                .join(&[]),
        };
        Some(Arc::new(Connected {
            connector: Gmail::new(context.http(), endpoint),
            broker,
            write_broker: None,
            access,
        }))
    }
}
