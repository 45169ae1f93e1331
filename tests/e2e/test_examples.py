"""examples/langchain_agent.py and examples/crewai_agent.py, run exactly as docs/clients.md says."""
import os
import subprocess

from conftest import ROOT, VENVS


def run_example(python, script, stack, token_file) -> str:
    env = dict(
        os.environ,
        WORKPLACE_MCP_URL=stack.mcp_url,
        WORKPLACE_TOKEN_FILE=str(token_file),
        # No phoning home from a test run.
        CREWAI_DISABLE_TELEMETRY="true",
        OTEL_SDK_DISABLED="true",
    )
    env.pop("WORKPLACE_TOKEN", None)
    done = subprocess.run(
        [str(python), script, "quarterly budget"],
        capture_output=True, text=True, timeout=240, cwd=ROOT, env=env,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def test_langchain_agent_loads_tools_and_searches(stack, token_file):
    out = run_example(VENVS["sdk1"], "examples/langchain_agent.py", stack, token_file)
    assert "tools: workplace_search, fetch" in out
    assert "status: " in out and "text: " in out
    assert "Found " in out and "Search failed" not in out, out


def test_crewai_agent_loads_tools_and_searches(stack, token_file):
    out = run_example(VENVS["crewai"], "examples/crewai_agent.py", stack, token_file)
    assert "tools: workplace_search, fetch" in out
    assert "Found " in out and "Search failed" not in out, out
