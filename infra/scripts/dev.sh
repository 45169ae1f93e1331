#!/usr/bin/env bash
# `make dev`: the whole service on 127.0.0.1 with the production paths, until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

export STACK_WATCH_CHANGES=1   # rebuild functions when you edit them
export STACK_TENANTS="${STACK_TENANTS:-1}"   # two demo organisations (docs/tenants.md); 0: one, from the environment
"$ROOT/infra/scripts/stack.sh" down >/dev/null 2>&1 || true
trap '"$ROOT/infra/scripts/stack.sh" down; exit 0' INT TERM
trap '"$ROOT/infra/scripts/stack.sh" down' EXIT
"$ROOT/infra/scripts/stack.sh" up
source "$ROOT/.dev/stack.env"

cat <<MSG

workplace-mcp is running on $WORKPLACE_BASE_URL (Ctrl-C stops everything).

  Dev token (all scopes):  .dev/token      Signing key: .dev/jwt_secret_key
MSG
if [ "${WORKPLACE_TENANTS:-0}" = 1 ]; then
  cat <<MSG
  Two organisations (docs/tenants.md): .dev/token is Dana at Acme; .dev/token-globex is Gina at
  Globex, who sees only Globex's workspace. Change a tenant with the admin CLI (seen within 5 s):

    TENANTS_TABLE=$TENANTS_TABLE AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_REGION=us-east-1 \\
      AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test target/debug/workplace-admin tenant list
    target/debug/workplace-admin usage --since 1h        # who used what, by tenant
MSG
fi
cat <<MSG

Search the demo workspace:

  curl -s -X POST $WORKPLACE_BASE_URL/mcp/tools/workplace_search/call \\
    -H "Authorization: Bearer \$(cat .dev/token)" -H 'Content-Type: application/json' \\
    -d '{"name":"workplace_search","arguments":{"query":"quarterly budget"}}'

List the tools with the MCP Inspector (installs Node 22 and the Inspector into .tools/ on first use):

  infra/scripts/inspector.sh --cli $WORKPLACE_MCP_URL --transport http \\
    --header "Authorization: Bearer \$(cat .dev/token)" --method tools/list

Connect a client through the sign-in (no token needed: the client finds the local authorization
server at $WORKPLACE_ISSUER, registers itself,
and opens a consent page where you pick a demo user and the sources to allow). See docs/clients.md.

  Claude Code:     claude mcp add --transport http workplace $WORKPLACE_MCP_URL
                   then in Claude Code run /mcp, pick "workplace" and "Authenticate".
  Claude Desktop:  with mcp-remote (stdio bridge that runs the sign-in), in claude_desktop_config.json:
                   {"mcpServers": {"workplace": {"command": "npx",
                     "args": ["-y", "mcp-remote@0.15.1", "$WORKPLACE_MCP_URL"]}}}
                   As a custom connector (Settings > Connectors > Add custom connector) Claude Desktop
                   connects from Anthropic's cloud, so it needs a public HTTPS URL for this server
                   (a tunnel), with MCP_RESOURCE_URL set to that URL; 127.0.0.1 is not reachable.
  Cursor:          in ~/.cursor/mcp.json: {"mcpServers": {"workplace": {"url": "$WORKPLACE_MCP_URL"}}}
                   then "Login" next to the server in Cursor's MCP settings.

Or skip the sign-in with the dev token (Claude Code):

  claude mcp add --transport http workplace $WORKPLACE_MCP_URL \\
    --header "Authorization: Bearer \$(cat .dev/token)"

Logs: .dev/logs/   Health: curl $WORKPLACE_BASE_URL/health
MSG

# Stay in the foreground while the runner lives.
while [ -f "$ROOT/.dev/pids/watch.pid" ] && kill -0 "$(cat "$ROOT/.dev/pids/watch.pid")" 2>/dev/null; do
  sleep 1
done
echo "cargo lambda watch exited; see .dev/logs/watch.log" >&2
exit 1
