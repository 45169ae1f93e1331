//! Comments: Microsoft Graph has no API to add a comment to a SharePoint or OneDrive file (the
//! comments people see in Office documents live inside the files, and Graph exposes none of them),
//! so the SharePoint source answers "not supported" with that reason.

use super::Graph;
use crate::connector::Comment;

impl Comment for Graph {
    const NOT_SUPPORTED: Option<&'static str> = Some(
        "adding comments is not supported for SharePoint/OneDrive: Microsoft Graph has no API to comment on a drive item",
    );
}
