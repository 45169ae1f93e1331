//! Notion's settings and how it is built from them.
//!
//! | variable | default |
//! |---|---|
//! | `NOTION_MODE` | see [`crate::config`] |
//! | `DESCOPE_OUTBOUND_APP_NOTION` | `notion`: the outbound app id configured in Descope |
//! | `NOTION_API_BASE_URL` | `https://api.notion.com` |
//!
//! Service mode is an internal-integration token (secret key `notion_token`) shared by every
//! caller, so it must be acknowledged in `ALLOW_SHARED_CREDENTIALS`.

use std::sync::Arc;

use crate::broker::{StaticToken, TokenBroker};
use crate::build::BuildContext;
use crate::config::{ConfigProblem, Env, Mode, SourceSettings};
use crate::connector::Connected;
use crate::{Access, Source, SourceKind};

use super::Notion;

/// The secret key of the integration token.
pub(crate) const TOKEN_KEY: &str = "notion_token";

/// Notion's settings.
#[derive(Debug, Clone)]
pub(crate) struct NotionSettings {
    mode: Mode,
    /// `DESCOPE_OUTBOUND_APP_NOTION`.
    app: String,
    /// `NOTION_API_BASE_URL`.
    api_base_url: String,
}

/// Reads Notion's settings.
pub(crate) fn read(env: &Env<'_>, mode: Mode) -> NotionSettings {
    NotionSettings {
        mode,
        app: env.get_or("DESCOPE_OUTBOUND_APP_NOTION", "notion"),
        api_base_url: env.get_or("NOTION_API_BASE_URL", "https://api.notion.com"),
    }
}

/// The registry's reader.
pub(crate) fn settings(
    env: &Env<'_>,
    mode: Mode,
    _problems: &mut Vec<ConfigProblem>,
) -> Arc<dyn SourceSettings> {
    Arc::new(read(env, mode))
}

impl SourceSettings for NotionSettings {
    fn kind(&self) -> SourceKind {
        SourceKind::Notion
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
        let broker: Arc<dyn TokenBroker> = match self.mode {
            Mode::Disabled => return None,
            // Notion has no scopes: the integration's capabilities decide what a token may do.
            Mode::DescopeOutbound => {
                context.outbound(self.kind(), &self.app, Vec::new(), problems)?
            }
            Mode::Service => {
                let token = context.secret(TOKEN_KEY, "NOTION_MODE=service", problems)?;
                Arc::new(StaticToken(token.clone()))
            }
        };
        let base = context.base_url("NOTION_API_BASE_URL", &self.api_base_url, problems)?;
        Some(Arc::new(Connected {
            connector: Notion::new(context.http(), base).with_shared_cache(context.shared_cache()),
            broker,
            // No scopes, so no separate write token either.
            write_broker: None,
            access,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbound_app_and_base_url_have_defaults() {
        let settings = read(&Env(&|_| None), Mode::DescopeOutbound);
        assert_eq!(settings.app, "notion");
        assert_eq!(settings.api_base_url, "https://api.notion.com");
        let lookup = |k: &str| (k == "NOTION_API_BASE_URL").then(|| " http://127.0.0.1:9 ".into());
        assert_eq!(
            read(&Env(&lookup), Mode::Service).api_base_url,
            "http://127.0.0.1:9"
        );
    }
}
