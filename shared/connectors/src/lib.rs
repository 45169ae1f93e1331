//! The search sources behind `workplace_search`.
//!
//! Every upstream (Google Drive, Notion, SharePoint through Microsoft Graph) is one [`Source`]: a small
//! trait that searches as one user and fetches one item's text. The orchestration that fans a query out
//! to several sources and merges their answers lives in `workplace-service`; this crate only knows how
//! to talk to each upstream and what a result looks like.

mod error;
mod kind;
mod model;
mod source;

pub use error::SourceError;
pub use kind::{SourceKind, UnknownSource};
pub use model::{Content, ItemId, ItemIdError, SearchHit, UserContext};
pub use source::{BoxFuture, Source};
