//! Writes the bodies the Notion fake serves for the demo workspace's pages into a folder, one
//! `GET /v1/blocks/{id}/children` body per parent: the Notion seeds of the fuzz targets
//! (`fuzz/seeds/generate.py` runs this). Deterministic: same corpus, same files.
//!
//! Usage: `cargo run -p upstream-fakes --example notion_bodies -- <folder>`.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use upstream_fakes::{Blocks, Corpus};

fn main() -> ExitCode {
    let Some(folder) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: notion_bodies <folder>");
        return ExitCode::FAILURE;
    };
    let blocks = Blocks::build(&Corpus::demo());
    // A handful of pages is plenty for seeds; the parents are sorted, so the choice is stable.
    for (index, (parent, children)) in blocks.children_by_parent().into_iter().take(12).enumerate()
    {
        let body = json!({"object": "list", "results": children, "next_cursor": null,
            "has_more": false, "type": "block", "block": {}});
        let path = folder.join(format!(
            "seed-children-{index:02}-{}",
            &parent[..8.min(parent.len())]
        ));
        if let Err(error) = std::fs::write(&path, body.to_string()) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
