//! What the REST functions and the MCP endpoint share: configuration, tool catalogue, validation, search orchestration and error mapping.
