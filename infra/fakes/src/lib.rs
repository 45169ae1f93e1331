//! Local fakes of Google Drive, Notion, Microsoft Graph and Descope over real HTTP, with a demo workspace.
