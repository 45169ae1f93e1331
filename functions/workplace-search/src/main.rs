//! POST /mcp/tools/{name}/call: the REST tool call.

fn main() {}
