//! The MCP Streamable HTTP endpoint at /mcp.

fn main() {}
