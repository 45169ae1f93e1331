//! Test support for the functions' handler tests, the MCP endpoint tests and the benchmarks.
//!
//! Everything here panics on misuse: it runs only in tests and benchmarks, where a panic is the
//! clearest failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod app;
mod event;
mod fakes;
mod source;
mod token;

pub use app::{TestState, app_state, body, header};
pub use event::Event;
pub use fakes::{
    MANAGEMENT_KEY, SERVICE_ACCOUNT_EMAIL, every_source_on_the_fakes, fake_sources,
    fake_sources_in_any_mode,
};
pub use source::{FixedSource, TextFn, all_sources, item_id};
pub use token::{SECRET, Tokens, all_scopes};
