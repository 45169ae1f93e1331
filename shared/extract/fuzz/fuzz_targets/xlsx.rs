//! Any bytes as a .xlsx: extraction returns (text or a typed error) without panicking, within
//! small caps so each run is fast and a runaway allocation shows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workplace_extract::{DocumentKind, Limits, extract};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed_bytes: 8 * 1024 * 1024,
        time_budget: std::time::Duration::from_secs(2),
        ..Limits::default()
    };
    let _ = extract(data, DocumentKind::Xlsx, &limits);
});
