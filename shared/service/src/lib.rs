//! What the REST functions and the MCP endpoint share: configuration, the tool catalogue, argument
//! validation, the `workplace_search` orchestration, invocation records, and the mapping of
//! failures to HTTP.
//!
//! Each Lambda function is a thin `main.rs` that builds an [`AppState`] once at cold start and hands
//! one of the [`rest`] handlers to `lambda_http::run`.

pub mod arguments;
pub mod catalogue;
pub mod chatgpt;
pub mod config;
mod error;
pub mod failure;
pub mod http;
pub mod lambda;
pub mod metrics;
pub mod pipeline;
pub mod record;
pub mod rest;
pub mod search;
pub mod state;
pub mod telemetry;
pub mod tool_result;
pub mod tools;
pub mod untrusted;

pub use error::ApiError;
pub use state::AppState;
