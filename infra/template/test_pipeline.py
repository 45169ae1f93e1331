"""Checks of the deploy pipeline (.github/workflows/deploy.yml) and samconfig.toml's environments.

actionlint checks the workflow's syntax and expressions; these check what it must do: OIDC role
assumption and no stored keys, test -> build once -> staging -> smoke test -> production, each
stage with its own samconfig environment, and parameters that leave nothing required unset.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra" / "scripts"))
import stage_params  # noqa: E402

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
JOBS = WORKFLOW["jobs"]
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
ORG_ENV = {
    "PUBLIC_BASE_URL": "https://mcp.acme.test",
    "DESCOPE_PROJECT_ID": "P2abcdefghijklmnopqrstuvwxyz",
    "DESCOPE_ISSUER": "https://issuer.acme.test/v1/apps/agentic/P2abc/MS1",
}


def runs(job: str) -> str:
    return "\n".join(step.get("run", "") for step in JOBS[job]["steps"])


def uses(job: str) -> list[dict]:
    return [step for step in JOBS[job]["steps"] if "uses" in step]


class Pipeline(unittest.TestCase):
    def test_order_is_test_build_staging_production(self):
        # PyYAML reads the bare key `on` as True.
        triggers = WORKFLOW.get("on", WORKFLOW.get(True))
        self.assertEqual(triggers["push"]["branches"], ["main"])
        self.assertIn("make test", runs("test"))
        self.assertEqual(JOBS["build"]["needs"], "test")
        self.assertIn("sam build", runs("build"))
        self.assertEqual(JOBS["staging"]["needs"], "build")
        self.assertEqual(JOBS["production"]["needs"], "staging")
        self.assertEqual(WORKFLOW["concurrency"]["cancel-in-progress"], False)

    def test_stages_assume_a_role_through_oidc_and_hold_no_keys(self):
        self.assertEqual(WORKFLOW["permissions"], {"contents": "read"})
        text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
        self.assertNotRegex(text, r"aws-access-key-id|aws-secret-access-key|secrets\.AWS_")
        for stage in ("staging", "production"):
            job = JOBS[stage]
            self.assertEqual(job["environment"], stage)
            self.assertEqual(job["permissions"]["id-token"], "write")
            creds = [s for s in uses(stage) if s["uses"].startswith("aws-actions/configure-aws-credentials@")]
            self.assertEqual(len(creds), 1)
            self.assertEqual(creds[0]["with"]["role-to-assume"], "${{ vars.AWS_DEPLOY_ROLE_ARN }}")

    def test_each_stage_deploys_the_one_build_with_its_own_parameters_then_smoke_tests(self):
        for stage in ("staging", "production"):
            script = runs(stage)
            self.assertIn(f"stage_params.py {stage}", script)
            self.assertRegex(script, rf"sam deploy --config-env {stage} --template-file \.aws-sam/build/template\.yaml")
            self.assertIn('--parameter-overrides "${params[@]}"', script)
            self.assertNotIn("sam build", script, "promotion reuses the tested build")
            self.assertTrue(any(s["uses"].startswith("actions/download-artifact@") for s in uses(stage)))
            self.assertLess(script.index("sam deploy"), script.index("smoke_deployed.py"))
            env = next(s for s in JOBS[stage]["steps"] if "sam deploy" in s.get("run", ""))["env"]
            for name, has_default in stage_params.template_parameters((ROOT / "template.yaml").read_text()).items():
                if not has_default:
                    self.assertIn(stage_params.env_name(name), env, f"{stage} passes {name}")
        self.assertIn("--token-file", runs("staging"), "staging lists tools with a token")

    def test_stack_names_differ(self):
        names = {SAMCONFIG[s]["deploy"]["parameters"]["stack_name"] for s in ("staging", "production")}
        self.assertEqual(len(names), 2)
        for stage in ("staging", "production"):
            self.assertIn(SAMCONFIG[stage]["deploy"]["parameters"]["stack_name"], runs(stage), "the smoke test reads its own stack")


class Samconfig(unittest.TestCase):
    def test_stages_resolve_every_required_parameter_from_samconfig_and_the_environment(self):
        for stage in ("staging", "production"):
            values = stage_params.resolve(stage, ORG_ENV)
            self.assertEqual(values["PublicBaseUrl"], ORG_ENV["PUBLIC_BASE_URL"])
            self.assertIn("EnableServiceTokens", values)
            self.assertIn("ApiThrottlingRateLimit", values)

    def test_a_missing_required_parameter_fails_naming_it(self):
        env = dict(ORG_ENV)
        del env["DESCOPE_ISSUER"]
        with self.assertRaises(SystemExit) as raised:
            stage_params.resolve("production", env)
        self.assertIn("DescopeIssuer (env DESCOPE_ISSUER)", str(raised.exception))

    def test_no_placeholders(self):
        for stage, section in SAMCONFIG.items():
            if not isinstance(section, dict):
                continue
            overrides = section.get("deploy", {}).get("parameters", {}).get("parameter_overrides", [])
            for entry in overrides:
                self.assertNotRegex(entry, r"(?i)x{4,}|example|changeme|todo|<[^>]*>|=$", f"[{stage}] {entry}")

    def test_production_keeps_per_user_modes_and_no_service_tokens(self):
        values = stage_params.resolve("production", ORG_ENV)
        self.assertEqual(values["EnableServiceTokens"], "false")
        for mode in ("GoogleDriveMode", "NotionMode", "SharepointMode"):
            self.assertEqual(values[mode], "descope_outbound")
        self.assertNotIn("AllowSharedCredentials", values)


if __name__ == "__main__":
    unittest.main()


class SmokeScript(unittest.TestCase):
    """infra/scripts/smoke_deployed.py against a fake deployment (it is otherwise only run by the
    pipeline, against AWS)."""

    def serve(self, healthy: bool, tools: list[str]):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/health":
                    self.answer(200 if healthy else 503, {"status": "ok" if healthy else "degraded"})
                else:
                    self.answer(404, {})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/mcp" or body.get("method") != "tools/list":
                    self.answer(404, {})
                elif self.headers.get("Authorization") != "Bearer smoke-token":
                    self.answer(401, {"error": {"code": "unauthorized"}},
                                [("WWW-Authenticate", 'Bearer realm="workplace-mcp"')])
                else:
                    self.answer(200, {"jsonrpc": "2.0", "id": body["id"],
                                      "result": {"tools": [{"name": n} for n in tools]}})

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}/mcp"

    def run_smoke(self, mcp_url: str, token: str | None) -> int:
        import subprocess
        import tempfile

        args = [sys.executable, str(ROOT / "infra/scripts/smoke_deployed.py"), "--mcp-url", mcp_url,
                "--attempts", "1", "--wait", "0"]
        with tempfile.NamedTemporaryFile("w", suffix=".token") as f:
            if token:
                f.write(token)
                f.flush()
                args += ["--token-file", f.name]
            return subprocess.run(args, capture_output=True, timeout=60).returncode

    def test_passes_on_a_healthy_deployment(self):
        self.assertEqual(self.run_smoke(self.serve(True, ["workplace_search", "fetch"]), "smoke-token"), 0)
        self.assertEqual(self.run_smoke(self.serve(True, ["workplace_search"]), None), 0)

    def test_fails_on_a_degraded_or_incomplete_deployment(self):
        self.assertEqual(self.run_smoke(self.serve(False, ["workplace_search"]), None), 1)
        self.assertEqual(self.run_smoke(self.serve(True, ["fetch"]), "smoke-token"), 1)
        self.assertEqual(self.run_smoke(self.serve(True, ["workplace_search"]), "wrong-token"), 1)
