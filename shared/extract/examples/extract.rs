//! Extracts one file and prints what came out and how long it took:
//! `cargo run --release -p workplace-extract --example extract -- FILE [MIME]`.
//! Used to measure the demo files (peak memory: run it under `/usr/bin/time -v`).

#![allow(clippy::print_stdout)] // A command-line tool.

use std::time::Instant;

use workplace_extract::{DocumentKind, Limits, extract};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: extract FILE [MIME]")?;
    let mime = args.next();
    let kind = DocumentKind::detect(mime.as_deref(), Some(&path))
        .ok_or_else(|| format!("unknown kind: {path}"))?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let started = Instant::now();
    let result = extract(&bytes, kind, &Limits::default());
    let elapsed = started.elapsed();
    match result {
        Ok(got) => println!(
            "{path}\t{} bytes\t{:.1} ms\tok: {} chars, truncated_by={:?}, pages={} sheets={} slides={}",
            bytes.len(),
            elapsed.as_secs_f64() * 1000.0,
            got.text.chars().count(),
            got.truncated_by,
            got.pages,
            got.sheets,
            got.slides
        ),
        Err(err) => println!(
            "{path}\t{} bytes\t{:.1} ms\terror: {err}",
            bytes.len(),
            elapsed.as_secs_f64() * 1000.0
        ),
    }
    Ok(())
}
