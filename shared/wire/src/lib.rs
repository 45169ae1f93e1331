//! Parsers of untrusted bytes that arrive at the functions' edges, with nothing but `serde_json`
//! (and `tracing`) beneath them.
//!
//! - [`peek`]: the bounded look at a `/mcp` JSON-RPC body the auth layer takes before rmcp sees it
//!   (used by the `mcp` function).
//! - [`telemetry`]: Telemetry API batches pushed to the Cequence extension.
//!
//! They live here rather than in their binaries so the coverage-guided fuzz targets of `fuzz/`
//! can exercise exactly the production code without compiling the AWS SDK, rmcp or the Lambda
//! runtime with sanitizer instrumentation.

pub mod peek;
pub mod telemetry;
