// Counts the MCP calls the rate limit refused. A `tools/call` over the limit is answered with HTTP
// 200 and a tool result that is an error carrying `rate_limited` (a refused `initialize` would be
// HTTP 429), so the status code alone cannot tell; infra/load/run.sh reads these counters.
module.exports = {
  countMcp(requestParams, response, context, events, next) {
    const body = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
    const limited = response.statusCode === 429 || (body.includes('"isError":true') && body.includes("rate_limited"));
    events.emit("counter", limited ? "load.mcp.limited" : "load.mcp.admitted", 1);
    return next();
  },
};
