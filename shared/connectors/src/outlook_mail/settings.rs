//! Outlook mail's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `OUTLOOK_MAIL_MODE` | `disabled` (opt-in); `descope_outbound` or `disabled`, never `service` |
//! | `DESCOPE_OUTBOUND_APP_MICROSOFT` | `microsoft`: the Microsoft outbound app, asked for `Mail.Read` only |
//! | `GRAPH_BASE_URL` | `https://graph.microsoft.com` |
//!
//! There is no service mode: an app-only Microsoft token reads every mailbox in the tenant.

use std::sync::Arc;

use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::{Access, Source, SourceKind};

use super::{OutlookMail, SCOPE};

/// Outlook mail's settings.
#[derive(Debug, Clone)]
pub(crate) struct OutlookMailSettings {
    mode: Mode,
    app: String,
    base_url: String,
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    _problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(OutlookMailSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_MICROSOFT", "microsoft"),
        base_url: env.get_or("GRAPH_BASE_URL", "https://graph.microsoft.com"),
    })
}

impl SourceSettings for OutlookMailSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::OutlookMail
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
        let base = context.base_url("GRAPH_BASE_URL", &self.base_url, problems)?;
        Some(Arc::new(Connected {
            connector: OutlookMail::new(context.http(), base),
            broker,
            write_broker: None,
            access,
        }))
    }
}
