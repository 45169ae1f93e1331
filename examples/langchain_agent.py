"""Load workplace-mcp's tools into LangChain and call `workplace_search` — no LLM needed.

    pip install "langchain-mcp-adapters==0.3.2"
    WORKPLACE_MCP_URL=https://api.example.com/mcp WORKPLACE_TOKEN=... python examples/langchain_agent.py "quarterly budget"

The URL defaults to the local stack (http://127.0.0.1:9000/mcp) and the token to the contents of
WORKPLACE_TOKEN_FILE, else `.dev/token` (both written by `make dev`). Hand `tools` to any LangChain
or LangGraph agent, e.g. `create_react_agent(model, tools)`.
"""
import asyncio
import json
import os
import sys
from pathlib import Path

from langchain_mcp_adapters.client import MultiServerMCPClient


def settings() -> tuple[str, str]:
    url = os.environ.get("WORKPLACE_MCP_URL", "http://127.0.0.1:9000/mcp")
    token = os.environ.get("WORKPLACE_TOKEN")
    if not token:
        path = os.environ.get("WORKPLACE_TOKEN_FILE") or Path(__file__).resolve().parents[1] / ".dev" / "token"
        token = Path(path).read_text().strip()
    return url, token


async def main(query: str) -> int:
    url, token = settings()
    client = MultiServerMCPClient({
        "workplace": {
            "transport": "streamable_http",
            "url": url,
            "headers": {"Authorization": f"Bearer {token}"},
        }
    })
    tools = await client.get_tools()
    print("tools:", ", ".join(tool.name for tool in tools))
    search = next(tool for tool in tools if tool.name == "workplace_search")
    # What an agent would do when the model picks the tool: invoke it with the model's arguments.
    message = await search.ainvoke({
        "type": "tool_call", "id": "call-1", "name": "workplace_search",
        "args": {"query": query, "max_results": 5},
    })
    print("status:", message.status)
    structured = (message.artifact or {}).get("structured_content")
    if structured is not None:
        print("results:", json.dumps([r["title"] for r in structured.get("results", [])]))
        print("sources:", json.dumps({s["source"]: s["status"] for s in structured.get("sources", [])}))
    print("text:", message.content if isinstance(message.content, str) else json.dumps(message.content)[:500])
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(" ".join(sys.argv[1:]) or "quarterly budget")))
