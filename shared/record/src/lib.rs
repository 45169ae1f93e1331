//! The invocation record: one JSON line per request, written by every function and read by the
//! Cequence extension and CloudWatch (EMF metrics, Logs Insights).
//!
//! This crate holds only the record and its closed vocabularies, with serde and nothing else, so
//! the writer (`workplace-service`) and the reader (`cequence-extension`) share one definition: a
//! renamed field or outcome breaks the build, not the dashboard.

mod code;
mod record;
mod source;

pub use code::{ErrorCode, Outcome};
pub use record::{CachePartUse, CacheUse, InvocationRecord, MCP_SERVER, RecordType};
pub use source::{SourceKind, SourceStatus, UnknownSource, WRITE_COMMENTS_SCOPE};
