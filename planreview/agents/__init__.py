"""Where coding agents meet planreview: an MCP server (`planreview mcp`) and host hooks
(`planreview hook claude-code`). The MCP SDK is imported only by `planreview mcp`."""
