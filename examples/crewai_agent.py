"""Load workplace-mcp's tools into CrewAI with MCPServerAdapter and call `workplace_search` — no LLM.

    pip install "crewai-tools[mcp]==1.15.30"
    WORKPLACE_MCP_URL=https://api.example.com/mcp WORKPLACE_TOKEN=... python examples/crewai_agent.py "quarterly budget"

The URL defaults to the local stack (http://127.0.0.1:9000/mcp) and the token to the contents of
WORKPLACE_TOKEN_FILE, else `.dev/token` (both written by `make dev`). Pass `tools` to an
`Agent(tools=tools, ...)`. Keep `"transport": "streamable-http"`: without it the adapter uses SSE.
"""
import os
import sys
from pathlib import Path

from crewai_tools import MCPServerAdapter


def settings() -> tuple[str, str]:
    url = os.environ.get("WORKPLACE_MCP_URL", "http://127.0.0.1:9000/mcp")
    token = os.environ.get("WORKPLACE_TOKEN")
    if not token:
        path = os.environ.get("WORKPLACE_TOKEN_FILE") or Path(__file__).resolve().parents[1] / ".dev" / "token"
        token = Path(path).read_text().strip()
    return url, token


def main(query: str) -> int:
    url, token = settings()
    server = {
        "url": url,
        "transport": "streamable-http",
        "headers": {"Authorization": f"Bearer {token}"},
    }
    with MCPServerAdapter(server, connect_timeout=60) as tools:
        print("tools:", ", ".join(tool.name for tool in tools))
        search = next(tool for tool in tools if tool.name == "workplace_search")
        # What an agent does when the model picks the tool.
        print("text:", str(search.run(query=query, max_results=5))[:1000])
    return 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:]) or "quarterly budget"))
