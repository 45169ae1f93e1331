//! The demo workspace: documents, users, who may see what, and how each upstream ranks matches.

use std::collections::HashMap;

use serde::Deserialize;

/// Which upstream serves a document: the server's own source kinds (same wire names), so a new
/// source needs no enum of its own here.
pub use workplace_record::SourceKind as Upstream;

/// A person in the demo company.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Their email; Google impersonation and upstream tokens name them by it.
    pub email: String,
    /// Their Descope user id (`sub` of their MCP token).
    pub descope_user_id: String,
    /// Display name.
    pub name: String,
    /// Groups; a document is visible to a user who shares a group with its ACL.
    pub groups: Vec<String>,
}

/// One document.
#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    /// Which upstream serves it.
    pub source: Upstream,
    /// Its upstream id.
    pub id: String,
    /// Title (file name for Drive and SharePoint).
    pub title: String,
    /// Text in the corpus markup (see `generate.py`).
    pub text: String,
    /// Owner's email.
    pub owner: String,
    /// Owner's display name.
    pub owner_name: String,
    /// RFC 3339 modification time.
    pub modified: String,
    /// Groups that may see it.
    pub acl: Vec<String>,
    /// Drive MIME type.
    #[serde(default)]
    pub mime: Option<String>,
    /// Size an export would have, when it exceeds what the text suggests.
    #[serde(default)]
    pub export_size_bytes: Option<u64>,
    /// Drive: in the trash.
    #[serde(default)]
    pub trashed: bool,
    /// Drive: the shared drive holding it.
    #[serde(default)]
    pub drive_id: Option<String>,
    /// Notion: the name of the title property (`title` for pages, e.g. `Name` for database rows).
    #[serde(default)]
    pub title_property: Option<String>,
    /// A real file served as the content (a name in `corpus/files/`, see the `files` module).
    #[serde(default)]
    pub file: Option<String>,
    /// Drive: `copyRequiresWriterPermission`. Viewers and commenters may see the file but not
    /// download, export, copy or print it; only writers (and the owner) may.
    #[serde(default)]
    pub copy_requires_writer_permission: bool,
    /// Drive: groups holding the writer role (the owner always does). Everyone else in `acl` is
    /// a viewer.
    #[serde(default)]
    pub writers: Vec<String>,
}

/// The corpus with its users.
#[derive(Debug, Clone, Deserialize)]
pub struct Corpus {
    /// Everyone.
    pub users: Vec<User>,
    /// Every document.
    pub documents: Vec<Document>,
    /// Documents that exist only as real Office/PDF files (`corpus/files/files.json`), kept
    /// apart from the text workspace of `demo.json`.
    #[serde(default)]
    pub files: Vec<Document>,
}

/// Who a token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person (delegated or impersonated).
    User(String),
    /// An application without a user (Notion integration, Graph app-only): sees what is shared
    /// with everyone.
    App,
}

impl Corpus {
    /// The demo workspace shipped with the crate.
    pub fn demo() -> Self {
        // The files are generated and checked in; a parse failure is a build-time bug caught by
        // tests.
        let mut corpus =
            serde_json::from_str(include_str!("../corpus/demo.json")).unwrap_or(Self {
                users: Vec::new(),
                documents: Vec::new(),
                files: Vec::new(),
            });
        corpus.add_files(include_str!("../corpus/files/files.json"));
        corpus.add_organisation(include_str!("../corpus/globex.json"));
        corpus
    }

    /// Adds a second organisation's users and documents (`corpus/globex.json`: Globex, the
    /// second demo tenant of `make dev`). Its groups are its own, so none of its documents is
    /// visible to the first organisation's users, nor theirs to its users.
    fn add_organisation(&mut self, json: &str) {
        #[derive(Deserialize)]
        struct Organisation {
            users: Vec<User>,
            documents: Vec<Document>,
        }
        if let Ok(other) = serde_json::from_str::<Organisation>(json) {
            self.users.extend(other.users);
            self.documents.extend(other.documents);
        }
    }

    /// Attaches the real files: a `demo.json` document named by an entry gets the file as its
    /// content; any other entry is a document of its own.
    fn add_files(&mut self, manifest: &str) {
        #[derive(Deserialize)]
        struct Manifest {
            files: Vec<serde_json::Value>,
        }
        #[derive(Deserialize)]
        struct FileEntry {
            file: String,
            source: Upstream,
            id: String,
            mime: String,
        }
        let Ok(manifest) = serde_json::from_str::<Manifest>(manifest) else {
            return;
        };
        for value in manifest.files {
            let Ok(entry) = serde_json::from_value::<FileEntry>(value.clone()) else {
                continue;
            };
            if let Some(doc) = self
                .documents
                .iter_mut()
                .find(|d| d.source == entry.source && d.id == entry.id)
            {
                doc.file = Some(entry.file);
                doc.mime = Some(entry.mime);
            } else if let Ok(mut doc) = serde_json::from_value::<Document>(value) {
                doc.file = Some(entry.file);
                self.files.push(doc);
            }
        }
    }

    fn all(&self) -> impl Iterator<Item = &Document> {
        self.documents.iter().chain(&self.files)
    }

    /// The user with this email.
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// The user with this Descope id.
    pub fn user_by_descope_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.descope_user_id == id)
    }

    /// Whether `principal` may see `doc`.
    pub fn visible(&self, principal: &Principal, doc: &Document) -> bool {
        match principal {
            Principal::App => doc.acl.iter().any(|g| g == "all"),
            Principal::User(email) => self
                .user_by_email(email)
                .is_some_and(|u| u.groups.iter().any(|g| doc.acl.contains(g))),
        }
    }

    /// Whether `principal` may download `doc` (Drive's `capabilities.canDownload`): anyone who
    /// sees it, unless `copyRequiresWriterPermission` limits that to the owner and writers.
    pub fn can_download(&self, principal: &Principal, doc: &Document) -> bool {
        if !self.visible(principal, doc) {
            return false;
        }
        if !doc.copy_requires_writer_permission {
            return true;
        }
        match principal {
            Principal::App => false,
            Principal::User(email) => {
                doc.owner.eq_ignore_ascii_case(email)
                    || self
                        .user_by_email(email)
                        .is_some_and(|u| u.groups.iter().any(|g| doc.writers.contains(g)))
            }
        }
    }

    /// A document of `source` by id.
    pub fn get(&self, source: Upstream, id: &str) -> Option<&Document> {
        self.all().find(|d| d.source == source && d.id == id)
    }

    /// Documents of `source` visible to `principal`.
    pub fn visible_in<'a>(
        &'a self,
        source: Upstream,
        principal: &'a Principal,
    ) -> impl Iterator<Item = &'a Document> + 'a {
        self.all()
            .filter(move |d| d.source == source && self.visible(principal, d))
    }
}

/// Words of a text, lower-cased, split on anything not alphanumeric.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How often the query's words occur in `doc` (title counted three times), or 0 when a word is
/// missing: the AND semantics Drive's `fullText contains` and Graph's KQL have.
pub fn full_text_score(doc: &Document, query_words: &[String]) -> usize {
    if query_words.is_empty() {
        return 0;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for t in tokens(&doc.text) {
        *counts.entry(t).or_default() += 1;
    }
    for t in tokens(&doc.title) {
        *counts.entry(t).or_default() += 3;
    }
    let mut score = 0;
    for word in query_words {
        match counts.get(word) {
            Some(n) => score += n,
            None => return 0,
        }
    }
    score
}

/// The document text without the corpus markup: what a plain-text export returns.
pub fn plain_text(doc: &Document) -> String {
    let mut out = String::new();
    for line in doc.text.lines() {
        let trimmed = line.trim_start();
        if trimmed == "```" {
            continue;
        }
        let stripped = trimmed
            .strip_prefix("# ")
            .or_else(|| trimmed.strip_prefix("- "))
            .or_else(|| trimmed.strip_prefix("> "))
            .unwrap_or(trimmed);
        out.push_str(stripped);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_organisations_see_nothing_of_each_other() {
        let corpus = Corpus::demo();
        let acme = Principal::User("dev@acme.example".into());
        let gina = Principal::User("gina@globex.example".into());
        let hugo = Principal::User("hugo@globex.example".into());
        // No group is both organisations': Globex's users are in none of Acme's, `all` included.
        let groups = |domain: &str| -> std::collections::BTreeSet<&str> {
            corpus
                .users
                .iter()
                .filter(|u| u.email.ends_with(domain))
                .flat_map(|u| u.groups.iter().map(String::as_str))
                .collect()
        };
        assert_eq!(groups("@globex.example").len(), 2);
        assert!(groups("@acme.example").is_disjoint(&groups("@globex.example")));
        // Acme writes about Globex, its customer; Globex's own documents carry its groups.
        let globex = |d: &Document| d.acl.iter().any(|g| g.starts_with("globex-"));
        let all: Vec<&Document> = corpus.all().collect();
        assert_eq!(all.iter().filter(|d| globex(d)).count(), 6);
        for doc in &all {
            if globex(doc) {
                assert!(!corpus.visible(&acme, doc), "{}", doc.title);
                assert!(!corpus.visible(&Principal::App, doc), "{}", doc.title);
            } else {
                assert!(!corpus.visible(&gina, doc), "{}", doc.title);
                assert!(!corpus.visible(&hugo, doc), "{}", doc.title);
            }
        }
        let sees = |who: &Principal| {
            all.iter()
                .filter(|d| globex(d) && corpus.visible(who, d))
                .count()
        };
        assert_eq!(sees(&gina), 6);
        assert_eq!(sees(&hugo), 4, "Hugo is not in globex-finance");
    }

    #[test]
    fn the_demo_corpus_loads_with_sixty_seven_documents_over_three_sources() {
        let corpus = Corpus::demo();
        // Acme's 67 and Globex's 6.
        assert_eq!(corpus.documents.len(), 67 + 6);
        for source in [
            Upstream::GoogleDrive,
            Upstream::Notion,
            Upstream::Sharepoint,
        ] {
            assert!(
                corpus
                    .documents
                    .iter()
                    .filter(|d| d.source == source)
                    .count()
                    >= 15
            );
        }
    }

    #[test]
    fn visibility_follows_groups() {
        let corpus = Corpus::demo();
        let hr_only = corpus
            .documents
            .iter()
            .find(|d| d.title == "Salary bands 2027")
            .unwrap();
        assert!(corpus.visible(&Principal::User("carol@acme.example".into()), hr_only));
        assert!(!corpus.visible(&Principal::User("bob@acme.example".into()), hr_only));
        assert!(!corpus.visible(&Principal::App, hr_only));
        assert!(!corpus.visible(&Principal::User("stranger@evil.example".into()), hr_only));
    }

    #[test]
    fn a_viewer_of_a_copy_protected_file_may_not_download_it() {
        let corpus = Corpus::demo();
        let doc = corpus
            .documents
            .iter()
            .find(|d| d.copy_requires_writer_permission)
            .unwrap();
        let alice = Principal::User("alice@acme.example".into());
        let bob = Principal::User("bob@acme.example".into());
        assert!(corpus.visible(&alice, doc) && corpus.visible(&bob, doc));
        assert!(corpus.can_download(&alice, doc));
        assert!(!corpus.can_download(&bob, doc));
    }

    #[test]
    fn full_text_needs_every_word() {
        let corpus = Corpus::demo();
        let doc = corpus
            .documents
            .iter()
            .find(|d| d.title == "FY2027 Q1 Quarterly Budget")
            .unwrap();
        assert!(full_text_score(doc, &tokens("quarterly budget")) > 0);
        assert_eq!(full_text_score(doc, &tokens("quarterly zebra")), 0);
    }
}
