//! An organisation's admin policy, checked on every request: a kill switch, an allow-list of
//! tools, a read-only mode and an IP allowlist.
//!
//! The policy is data: [`Policy`] is built once (today from the environment, for the one implicit
//! organisation of a deployment; per tenant from the tenants table later) and asked two questions:
//! - [`Policy::admit`]: may this request be served at all (kill switch, client address)? Asked
//!   right after the token is verified and before the rate limits are charged, so a refused request
//!   costs nobody's budget.
//! - [`Policy::allows_tool`]: may this tool be listed and called? `tools/list` shows only what it
//!   allows, and a call to anything else is refused with the reason.
//!
//! Its [`Caps`] bound what one call returns (results per search, characters of document text):
//! a call asking for more gets the cap, not a refusal.
//!
//! Every refusal is a [`Refusal`] whose message a person can act on; none echoes caller input.

mod address;
mod config;

use std::collections::BTreeSet;
use std::net::IpAddr;

pub use address::{AddressPolicy, Cidr, InvalidCidr};
pub use config::DEFAULT_KILL_SWITCH_MESSAGE;

/// What the administrators allow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// When set, every request is refused with this message (the kill switch).
    pub kill_switch: Option<String>,
    /// The tools that may be listed and called; `None` allows every tool.
    pub tools: Option<BTreeSet<String>>,
    /// No tool that writes is listed or callable.
    pub read_only: bool,
    /// Which client addresses may call, and which proxies' `X-Forwarded-For` is believed.
    pub addresses: AddressPolicy,
    /// How much one call may return.
    pub caps: Caps,
}

/// How much one call may return; `None`: the server's own bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    /// Most results per search page.
    pub max_results: Option<usize>,
    /// Most characters of document text per call: `fetch`'s `max_chars`, and a search's content
    /// budget with `include_content`.
    pub max_content_chars: Option<usize>,
}

impl Caps {
    /// Bounds of `max_results`.
    pub const RESULTS: std::ops::RangeInclusive<usize> = 1..=50;
    /// Bounds of `max_content_chars`.
    pub const CONTENT_CHARS: std::ops::RangeInclusive<usize> = 100..=10_000_000;
}

/// Why the policy refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The kill switch is on.
    #[error("{0}")]
    SwitchedOff(String),
    /// The client's address is outside the allowlist (or could not be determined).
    #[error(
        "requests from {} are not allowed by this organisation's IP allowlist",
        .0.map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string())
    )]
    AddressNotAllowed(Option<IpAddr>),
    /// The tool is not in the allow-list.
    #[error("the tool `{0}` is not enabled for this organisation")]
    ToolNotAllowed(&'static str),
    /// The tool writes and the organisation is read-only.
    #[error("the tool `{0}` writes, and this organisation's policy is read-only")]
    ReadOnly(&'static str),
    /// The token belongs to no organisation this server serves (or to more than one).
    #[error(
        "this token does not belong to an organisation this server serves; \
         sign in through your organisation"
    )]
    NoTenant,
}

impl Refusal {
    /// A short, fixed name for records and metrics.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::SwitchedOff(_) => "policy_switched_off",
            Self::AddressNotAllowed(_) => "policy_address",
            Self::ToolNotAllowed(_) => "policy_tool",
            Self::ReadOnly(_) => "policy_read_only",
            Self::NoTenant => "policy_no_tenant",
        }
    }
}

/// A tool as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolInfo {
    /// Its name, from the server's own catalogue (never the caller's text).
    pub name: &'static str,
    /// Whether it changes anything upstream.
    pub writes: bool,
}

impl Policy {
    /// Whether a request may be served at all: the kill switch, then the client address, from the
    /// API Gateway source address and the `X-Forwarded-For` header (believed only as far as
    /// [`AddressPolicy::trusted_proxies`] allow).
    pub fn admit(
        &self,
        source_ip: Option<&str>,
        forwarded_for: Option<&str>,
    ) -> Result<(), Refusal> {
        if let Some(message) = &self.kill_switch {
            return Err(Refusal::SwitchedOff(message.clone()));
        }
        self.addresses.admit(source_ip, forwarded_for)
    }

    /// Whether `tool` may be listed and called.
    pub fn allows_tool(&self, tool: ToolInfo) -> Result<(), Refusal> {
        if self
            .tools
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(tool.name))
        {
            return Err(Refusal::ToolNotAllowed(tool.name));
        }
        if self.read_only && tool.writes {
            return Err(Refusal::ReadOnly(tool.name));
        }
        Ok(())
    }

    /// Whether the policy restricts anything (a deployment without one skips every check).
    pub fn is_open(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEARCH: ToolInfo = ToolInfo {
        name: "workplace_search",
        writes: false,
    };
    const COMMENT: ToolInfo = ToolInfo {
        name: "add_comment",
        writes: true,
    };

    #[test]
    fn an_open_policy_allows_everything() {
        let policy = Policy::default();
        assert!(policy.is_open());
        assert_eq!(policy.admit(None, None), Ok(()));
        assert_eq!(policy.allows_tool(SEARCH), Ok(()));
        assert_eq!(policy.allows_tool(COMMENT), Ok(()));
    }

    #[test]
    fn the_kill_switch_refuses_every_request_with_its_message() {
        let policy = Policy {
            kill_switch: Some("Paused for the audit; back on Monday.".into()),
            ..Policy::default()
        };
        let refusal = policy.admit(Some("10.0.0.1"), None).unwrap_err();
        assert_eq!(refusal.to_string(), "Paused for the audit; back on Monday.");
        assert_eq!(refusal.reason(), "policy_switched_off");
    }

    #[test]
    fn the_allow_list_and_read_only_mode_refuse_tools_by_name_and_by_writing() {
        let listed = Policy {
            tools: Some(["workplace_search".to_owned()].into()),
            ..Policy::default()
        };
        assert_eq!(listed.allows_tool(SEARCH), Ok(()));
        assert_eq!(
            listed.allows_tool(COMMENT),
            Err(Refusal::ToolNotAllowed("add_comment"))
        );
        let read_only = Policy {
            read_only: true,
            ..Policy::default()
        };
        assert_eq!(read_only.allows_tool(SEARCH), Ok(()));
        let refusal = read_only.allows_tool(COMMENT).unwrap_err();
        assert_eq!(refusal, Refusal::ReadOnly("add_comment"));
        assert!(refusal.to_string().contains("read-only"), "{refusal}");
    }
}
