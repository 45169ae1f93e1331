//! The search sources behind `workplace_search`.
//!
//! Every upstream (Google Drive, Notion, SharePoint through Microsoft Graph) is one [`Source`]: a
//! small trait that searches as one user and fetches one item's text. Each source gets its upstream
//! token from a [`broker::TokenBroker`] (the user's own token through Descope Outbound Apps, or a
//! service credential); the caller's MCP token never leaves the server. One retry policy
//! ([`retry`]) covers every call. [`build_sources`] turns configuration and credentials into the
//! enabled sources. The fan-out and merge live in `workplace-service`.

pub mod broker;
mod build;
pub mod config;
pub mod drive;
mod endpoint;
mod error;
pub mod graph;
mod http;
pub mod id;
mod kind;
mod model;
pub mod notion;
pub mod retry;
mod source;
mod text;

pub use build::{UpstreamCredentials, build_sources};
pub use config::{ConfigProblem, ConnectorsConfig, Mode};
pub use endpoint::BaseUrl;
pub use error::SourceError;
pub use kind::{SourceKind, UnknownSource};
pub use model::{Content, ItemId, ItemIdError, SearchHit, UserContext};
pub use source::{Access, BoxFuture, Source};
