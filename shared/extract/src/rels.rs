//! Relationship parts (`_rels/*.rels`): how an Office package says which part is the document,
//! and in which order a presentation's slides come.

use crate::error::ExtractError;
use crate::limits::Budget;
use crate::xml::{Ev, attr, walk};
use crate::zip_guard::Package;

/// One `<Relationship>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rel {
    pub(crate) id: String,
    pub(crate) kind: String,
    /// The target, resolved to a package path (no leading slash).
    pub(crate) target: String,
}

/// What one kept relationship is counted as towards the memory budget beyond its text: the
/// struct, and an allocation (with the allocator's overhead) for each of its three strings.
const REL_OVERHEAD: u64 = std::mem::size_of::<Rel>() as u64 + 3 * 32;

/// The relationships of `source` (e.g. `word/document.xml`, or `""` for the package itself).
pub(crate) fn read(
    package: &mut Package<'_>,
    source: &str,
    format: &'static str,
    budget: &mut Budget,
) -> Result<Vec<Rel>, ExtractError> {
    read_some(package, source, format, budget, |_| true)
}

/// The relationships of `source` whose id `keep` accepts. Each kept one counts towards the
/// memory budget (a relationship part can list millions); past it, the rest are dropped
/// (`Cap::Memory`).
pub(crate) fn read_some(
    package: &mut Package<'_>,
    source: &str,
    format: &'static str,
    budget: &mut Budget,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<Rel>, ExtractError> {
    let (dir, file) = source.rsplit_once('/').unwrap_or(("", source));
    let rels_path = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let Some(part) = package.read(&rels_path, budget)? else {
        return Ok(Vec::new());
    };
    let mut rels = Vec::new();
    walk(&part, format, budget, |ev, budget| {
        if let Ev::Open {
            name: "Relationship",
            tag,
            ..
        } = ev
        {
            let (Some(id), Some(kind), Some(target)) =
                (attr(tag, "Id"), attr(tag, "Type"), attr(tag, "Target"))
            else {
                return Ok(());
            };
            if keep(&id) && attr(tag, "TargetMode").as_deref() != Some("External") {
                let size = REL_OVERHEAD + (id.len() + kind.len() + target.len()) as u64;
                budget.charge(size)?;
                rels.push(Rel {
                    id,
                    kind,
                    target: resolve(dir, &target),
                });
            }
        }
        Ok(())
    })?;
    Ok(rels)
}

/// The target of the first relationship whose type ends with `kind_suffix`.
pub(crate) fn target_of(rels: &[Rel], kind_suffix: &str) -> Option<String> {
    rels.iter()
        .find(|r| r.kind.ends_with(kind_suffix))
        .map(|r| r.target.clone())
}

/// Resolves `target` relative to the folder `dir`: absolute targets start at the package root,
/// `..` climbs (never above the root).
pub(crate) fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn targets_resolve_relative_absolute_and_upward() {
        assert_eq!(resolve("ppt", "slides/slide1.xml"), "ppt/slides/slide1.xml");
        assert_eq!(resolve("", "word/document.xml"), "word/document.xml");
        assert_eq!(resolve("ppt/slides", "../media/a.png"), "ppt/media/a.png");
        assert_eq!(resolve("ppt", "/word/x.xml"), "word/x.xml");
        assert_eq!(resolve("", "../../../etc/passwd"), "etc/passwd");
    }
}
