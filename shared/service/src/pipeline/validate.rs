//! Stage 4: the tool's arguments and the scopes they need.

use serde_json::Value;

use super::{Caller, Exchange};
use crate::catalogue;
use crate::tools::{self, CallError, PreparedCall};

impl Exchange {
    /// Validates a call to `tool` and checks the caller's scopes for it. The tool's name reaches
    /// the record only when it is a tool this server offers (the caller is authenticated by now).
    pub fn validate(
        &self,
        caller: &Caller,
        tool: &str,
        arguments: Option<&Value>,
    ) -> Result<PreparedCall, CallError> {
        if catalogue::is_known(tool) {
            self.record.update(|r| r.tool = Some(tool.to_owned()));
        }
        // A tool the admin policy refuses is refused before its arguments are read.
        let allowed = catalogue::tool_info(tool)
            .map(|info| caller.policy.allows_tool(info))
            .unwrap_or(Ok(()));
        let prepared = match allowed {
            Ok(()) => tools::prepare(&caller.parts.engine, tool, arguments, &caller.principal).map(
                |mut call| {
                    call.within(caller.policy.caps);
                    call
                },
            ),
            Err(refusal) => {
                self.record
                    .update(|r| r.reason = Some(refusal.reason().to_owned()));
                Err(CallError::PolicyDenied(refusal))
            }
        };
        match &prepared {
            Ok(call) => self.record.update(|r| {
                r.sources = call.sources();
                if let Some(query) = call.query() {
                    caller
                        .parts
                        .query_hasher
                        .apply(r, query, caller.runtime.config.log_query_text);
                }
            }),
            Err(err) => self.record.update(|r| r.fail(err.code())),
        }
        prepared
    }
}
