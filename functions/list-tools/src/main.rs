//! GET /mcp/tools: the tool catalogue.

fn main() {}
