//! PowerPoint (`.pptx`): slide by slide in presentation order, each under a `## Slide N` heading.

use std::collections::HashSet;

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};
use crate::rels;
use crate::xml::{Ev, attr, walk};
use crate::zip_guard::Package;

const FORMAT: &str = "pptx";

/// Extracts the slides of a `.pptx` into `budget`; returns how many slides were read.
pub(crate) fn extract(bytes: &[u8], budget: &mut Budget) -> Result<usize, ExtractError> {
    let mut package = Package::open(bytes, FORMAT, budget)?;
    let root = rels::read(&mut package, "", FORMAT, budget)?;
    let main =
        rels::target_of(&root, "/officeDocument").unwrap_or_else(|| "ppt/presentation.xml".into());
    let slides = slide_paths(&mut package, &main, budget)?;
    let mut read = 0;
    for (n, path) in slides.iter().enumerate() {
        if n >= budget.limits.max_pages {
            budget.stop(Cap::Pages);
            break;
        }
        if budget.check_time().is_err() || budget.stopped().is_some() {
            break;
        }
        let Some(part) = package.read(path, budget)? else {
            continue;
        };
        read += 1;
        if budget.blank_line().is_err() || budget.push(&format!("## Slide {}\n", n + 1)).is_err() {
            break;
        }
        let mut in_text = false;
        walk(&part, FORMAT, budget, |ev, budget| {
            match ev {
                Ev::Open { name: "t", .. } => in_text = true,
                Ev::Close("t") => in_text = false,
                Ev::Open { name: "br", .. } | Ev::Close("p") => budget.newline()?,
                Ev::Open { name: "tab", .. } if in_text => budget.push("\t")?,
                Ev::Text(t) if in_text => budget.push(t)?,
                _ => {}
            }
            Ok(())
        })?;
        if part.cut {
            budget.stop(Cap::DecompressedBytes);
        }
    }
    Ok(read)
}

/// The slide parts in presentation order: `<p:sldId r:id>` in `presentation.xml` through its
/// relationships; when those are missing, every `ppt/slides/slideN.xml` by N.
fn slide_paths(
    package: &mut Package<'_>,
    main: &str,
    budget: &mut Budget,
) -> Result<Vec<String>, ExtractError> {
    // Only the slides that can be read are kept (one more, so that the page cap is seen): a
    // presentation may list millions.
    let wanted = budget.limits.max_pages.saturating_add(1);
    let mut ids = Vec::new();
    if let Some(part) = package.read(main, budget)? {
        walk(&part, FORMAT, budget, |ev, _| {
            if let Ev::Open {
                name: "sldId", tag, ..
            } = ev
                && ids.len() < wanted
                && let Some(id) = attr(tag, "r:id")
            {
                ids.push(id);
            }
            Ok(())
        })?;
    }
    let listed: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let rels = rels::read_some(package, main, FORMAT, budget, |id| listed.contains(id))?;
    let ordered: Vec<String> = ids
        .iter()
        .filter_map(|id| rels.iter().find(|r| &r.id == id))
        .map(|r| r.target.clone())
        .collect();
    if !ordered.is_empty() {
        return Ok(ordered);
    }
    let mut numbered: Vec<(u32, String)> = package
        .names()
        .into_iter()
        .filter_map(|name| {
            let n = name
                .strip_prefix("ppt/slides/slide")?
                .strip_suffix(".xml")?
                .parse()
                .ok()?;
            Some((n, name))
        })
        .collect();
    numbered.sort();
    Ok(numbered.into_iter().map(|(_, name)| name).collect())
}
