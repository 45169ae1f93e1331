//! The registry against what is written by hand outside it: the deployment template's parameters
//! and environment, and the docs' tables of sources, scopes, settings and secret keys. A new
//! registry entry fails here until each of them names it (see CONTRIBUTING.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use workplace_connectors::SourceKind;
use workplace_connectors::registry::SOURCES;

fn repo_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The lines of `text` under the top-level `section:` (until the next top-level key).
fn section<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("{name}:");
    text.lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' ') || line.starts_with('#'))
        .collect()
}

#[test]
fn the_template_declares_each_sources_mode_and_passes_its_settings() {
    let template = repo_file("template.yaml");
    let parameters = section(&template, "Parameters");
    for entry in SOURCES {
        let declared = parameters
            .iter()
            .position(|line| *line == format!("  {}:", entry.template_parameter))
            .unwrap_or_else(|| {
                panic!(
                    "template.yaml has no parameter {} ({:?})",
                    entry.template_parameter, entry.kind
                )
            });
        let body: Vec<&str> = parameters[declared + 1..]
            .iter()
            .take_while(|line| line.starts_with("    "))
            .copied()
            .collect();
        // A source without service credentials (no secret keys) has no service mode, and the
        // template refuses it at deploy time.
        let allowed = if !entry.has_service_mode() {
            "    AllowedValues: [descope_outbound, disabled]"
        } else {
            "    AllowedValues: [descope_outbound, service, disabled]"
        };
        assert!(
            body.contains(&allowed),
            "{}: {body:?}",
            entry.template_parameter
        );
        let passed = format!("{}: !Ref {}", entry.mode_setting, entry.template_parameter);
        assert!(
            template.lines().any(|line| line.trim() == passed),
            "template.yaml does not pass `{passed}`"
        );
        for setting in entry.deployed_settings {
            let prefix = format!("{setting}: !Ref ");
            assert!(
                template
                    .lines()
                    .any(|line| line.trim().starts_with(&prefix)),
                "template.yaml does not pass {setting} ({:?})",
                entry.kind
            );
        }
    }
}

#[test]
fn the_readme_names_each_sources_scope_mode_and_secret_keys() {
    let readme = repo_file("README.md");
    for entry in SOURCES {
        let kind = entry.kind;
        let scope_row = format!("| `{}` |", kind.scope());
        assert!(
            readme.lines().any(|line| line.starts_with(&scope_row)),
            "README.md's scope table has no row for {}",
            kind.scope()
        );
        let mode = format!("`{}`", entry.mode_setting);
        assert!(
            readme
                .lines()
                .any(|line| line.starts_with('|') && line.contains(&mode)),
            "README.md's settings table does not name {}",
            entry.mode_setting
        );
        for key in entry.secret_keys {
            let row = format!("| `{key}` |");
            assert!(
                readme.lines().any(|line| line.starts_with(&row)),
                "README.md's secret table has no row for {key}"
            );
        }
        let wire = format!("`{}`", kind.as_str());
        assert!(
            readme
                .lines()
                .any(|line| line.starts_with("- `sources`:") && line.contains(&wire)),
            "README.md's `sources` argument does not list {wire}"
        );
    }
}

#[test]
fn the_openapi_sources_enum_is_the_registrys() {
    let openapi = repo_file("docs/openapi.yaml");
    let names: Vec<&str> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
    let expected = format!("enum: [{}]", names.join(", "));
    let enums: Vec<&str> = openapi
        .lines()
        .filter(|line| line.contains("enum: [google_drive"))
        .collect();
    assert!(!enums.is_empty(), "docs/openapi.yaml lists no sources");
    for line in enums {
        assert!(line.contains(&expected), "{line}\nexpected {expected}");
    }
}

#[test]
fn make_dev_points_each_source_at_the_fakes_and_turns_it_on() {
    let stack = repo_file("infra/scripts/stack.sh");
    let has = |line: &str| stack.lines().any(|l| l.trim() == line);
    for entry in SOURCES {
        for setting in entry.base_url_settings {
            assert!(
                has(&format!("{setting}=$FAKES_URL")),
                "infra/scripts/stack.sh does not point {setting} at the fakes"
            );
        }
        for (setting, path) in entry.endpoint_settings {
            assert!(
                has(&format!("{setting}=$FAKES_URL{path}")),
                "infra/scripts/stack.sh does not point {setting} at the fakes' {path}"
            );
        }
        if !entry.on_by_default {
            assert!(
                has(&format!("{}=descope_outbound", entry.mode_setting)),
                "infra/scripts/stack.sh does not turn {} on",
                entry.mode_setting
            );
        }
    }
}
