//! GET /health and the OAuth protected-resource metadata.

fn main() {}
