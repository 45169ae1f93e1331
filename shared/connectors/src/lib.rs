//! The search sources behind `workplace_search`.
//!
//! Every upstream (Google Drive, Notion, SharePoint through Microsoft Graph) is one [`Source`]: a
//! small trait that searches as one user and fetches one item's text. Each source gets its upstream
//! token from a [`broker::TokenBroker`] (the user's own token through Descope Outbound Apps, or a
//! service credential); the caller's MCP token never leaves the server. Every upstream request
//! goes through one call that owns the auth header, the retry policy ([`retry`]), the deadline and
//! error classification; every id a caller sends is parsed by its source's grammar ([`id`]) and
//! URLs are built from typed path segments. The crate is laid out like a Vector sink: a folder
//! per source holding everything about it (`settings` and how it is built, `id` grammar, error
//! `dialect`, `search`, `content`, `render`, `wire` types, `comment`), one [`registry`] listing
//! the folders, and a folder of token brokers sharing one single-flight cache. [`build_sources`]
//! turns configuration and credentials into the enabled sources. The fan-out and merge live in `workplace-service`.

pub mod broker;
mod build;
pub mod calendar;
pub mod comment;
pub mod config;
mod connector;
pub mod details;
mod disabled;
mod document;
pub mod drive;
mod endpoint;
mod error;
pub mod gmail;
pub mod google_calendar;
pub mod graph;
pub mod id;
mod limits;
mod mcp_upstream;
mod model;
pub mod notion;
pub mod outlook_calendar;
pub mod outlook_mail;
pub mod passage;
pub mod query;
pub mod registry;
pub mod retry;
pub mod salesforce;
mod source;
mod text;
mod text_cache;
mod upstream;
mod wire;

pub use build::{
    BuildContext, BuiltSources, UpstreamCredentials, build_available_sources, build_sources,
};
pub use calendar::{EmptyWindow, TimeWindow, WindowError};
pub use comment::{AddedComment, CommentError, MAX_COMMENT_CHARS};
pub use config::{ConfigProblem, ConnectorsConfig, Env, Mode, SourceSettings};
pub use details::HitDetails;
pub use endpoint::{BaseUrl, DEFAULT_DOWNLOAD_HOSTS, DownloadHosts, DownloadRefused};
pub use error::SourceError;
pub use limits::ContentLimits;
pub use model::{Content, ItemIdError, SearchHit, UserContext};
pub use registry::ItemId;
pub use source::{Access, BoxFuture, Deadline, Source};
pub use workplace_record::{SourceKind, UnknownSource, WRITE_COMMENTS_SCOPE};
