"""Checks of what CloudFormation receives: the SAM-transformed template.

Run by infra/scripts/lint-template.sh (`make template`) in .tools/venv-sam. The alarm rules are the
seed's: error rate (5xx and tool errors) above 10 % over 5 minutes, p95 latency above 2 s over 5
minutes (the seed's HighLatency rule), a tool-error alarm, throttles on every function, extension
drops. API Gateway writes access logs, and every checkov suppression carries its reason.
"""

from __future__ import annotations

import copy
import re
import unittest
from pathlib import Path

import sam_offline

ROOT = Path(__file__).resolve().parents[2]
SOURCE = sam_offline.load(ROOT / "template.yaml")
TEMPLATE = sam_offline.transform(SOURCE)
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {
    "HealthFunction": "health",
    "ListToolsFunction": "list-tools",
    "WorkplaceSearchFunction": "workplace-search",
    "McpFunction": "mcp",
}
#: Functions answering API calls (health is a probe; it calls no tool).
API_FUNCTIONS = ("list-tools", "workplace-search", "mcp")
#: Functions that run tools and so can end in isError.
TOOL_FUNCTIONS = ("workplace-search", "mcp")


def _statements(role: dict) -> list[tuple[dict, str | None]]:
    """Every statement of a role's inline policies, with the condition it sits under (SAM renders
    a conditional policy template as Fn::If)."""
    found = []
    for policy in role.get("Policies", []):
        condition = None
        if "Fn::If" in policy:
            condition, policy, _ = policy["Fn::If"]
        statements = policy.get("PolicyDocument", {}).get("Statement", [])
        found.extend((statement, condition) for statement in statements)
    return found


def alarms() -> dict[str, dict]:
    return {
        name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def metric_stats(alarm: dict) -> dict[str, dict]:
    """Id -> {namespace, metric, dimensions, period, stat} of every MetricStat of a math alarm."""
    out = {}
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            stat = query["MetricStat"]
            out[query["Id"]] = {
                "namespace": stat["Metric"]["Namespace"],
                "metric": stat["Metric"]["MetricName"],
                "dimensions": {d["Name"]: d["Value"] for d in stat["Metric"].get("Dimensions", [])},
                "period": stat["Period"],
                "stat": stat["Stat"],
            }
    return out


def returned_expression(alarm: dict) -> str:
    returned = [q for q in alarm["Metrics"] if q.get("ReturnData", True)]
    assert len(returned) == 1, "a math alarm returns exactly one series"
    return " ".join(returned[0]["Expression"].split())


def ids_in(expression: str) -> set[str]:
    return set(re.findall(r"[a-z_][a-z0-9_]*", expression)) - {"if"}


def alarms_on(namespace: str, metric: str) -> dict[str, dict]:
    """Alarms whose (single or math) metrics include namespace/metric."""
    found = {}
    for name, alarm in alarms().items():
        if alarm.get("Namespace") == namespace and alarm.get("MetricName") == metric:
            found[name] = alarm
        elif any(s["namespace"] == namespace and s["metric"] == metric for s in metric_stats(alarm).values()):
            found[name] = alarm
    return found


def window_seconds(alarm: dict) -> int:
    """How long a breach must last: the period times the datapoints needed."""
    period = alarm.get("Period") or {s["period"] for s in metric_stats(alarm).values()}.pop()
    return period * alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"])


class AlarmRules(unittest.TestCase):
    def test_error_rate_counts_server_and_tool_errors_above_ten_percent_over_five_minutes(self):
        candidates = [
            (name, a)
            for name, a in alarms().items()
            if {"Errors", "ToolErrors", "Requests"} <= {s["metric"] for s in metric_stats(a).values()}
        ]
        self.assertEqual(len(candidates), 1, "one alarm on the functions' error rate")
        _, alarm = candidates[0]
        stats = metric_stats(alarm)
        by = {(s["metric"], s["dimensions"].get("Function")): i for i, s in stats.items()}
        for function in API_FUNCTIONS:
            for metric in ("Requests", "Errors"):
                self.assertIn((metric, function), by, f"{metric} of {function}")
        for function in TOOL_FUNCTIONS:
            self.assertIn(("ToolErrors", function), by, f"ToolErrors of {function}")
        for s in stats.values():
            self.assertEqual((s["namespace"], s["stat"]), ("WorkplaceMcp", "Sum"))
        expression = returned_expression(alarm)
        numerator, denominator = expression.split(" / ", 1)
        for function in API_FUNCTIONS:
            self.assertIn(by[("Requests", function)], ids_in(denominator))
            self.assertIn(by[("Errors", function)], ids_in(numerator))
        for function in TOOL_FUNCTIONS:
            self.assertIn(by[("ToolErrors", function)], ids_in(numerator))
        self.assertIn("100 *", numerator, "the expression is a percentage")
        self.assertEqual((alarm["ComparisonOperator"], alarm["Threshold"]), ("GreaterThanThreshold", 10))
        self.assertEqual(window_seconds(alarm), 300)

    def test_api_gateway_5xx_rate_above_ten_percent_over_five_minutes(self):
        found = alarms_on("AWS/ApiGateway", "5xx")
        self.assertEqual(len(found), 1)
        alarm = next(iter(found.values()))
        stats = metric_stats(alarm)
        metrics = {s["metric"]: i for i, s in stats.items()}
        self.assertEqual(set(metrics), {"5xx", "Count"})
        expression = returned_expression(alarm)
        self.assertRegex(expression, rf"100 \* {metrics['5xx']} / {metrics['Count']}")
        self.assertEqual((alarm["ComparisonOperator"], alarm["Threshold"]), ("GreaterThanThreshold", 10))
        self.assertEqual(window_seconds(alarm), 300)

    def test_p95_latency_above_two_seconds_over_five_minutes(self):
        found = alarms_on("AWS/ApiGateway", "Latency")
        self.assertEqual(len(found), 1)
        alarm = next(iter(found.values()))
        self.assertEqual(alarm["ExtendedStatistic"], "p95")
        self.assertEqual((alarm["ComparisonOperator"], alarm["Threshold"]), ("GreaterThanThreshold", 2000))
        self.assertEqual(window_seconds(alarm), 300)

    def test_api_gateway_writes_json_access_logs_to_a_log_group_with_retention(self):
        stages = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
        self.assertEqual(len(stages), 1)
        settings = stages[0].get("AccessLogSettings")
        self.assertIsNotNone(settings, "the stage writes access logs")
        target = settings["DestinationArn"]["Fn::GetAtt"][0]
        group = RESOURCES[target]
        self.assertEqual(group["Type"], "AWS::Logs::LogGroup")
        self.assertIn("RetentionInDays", group["Properties"], "access logs expire")
        import json

        fields = json.loads(" ".join(settings["Format"].split()))
        for needed in ("$context.requestId", "$context.identity.sourceIp", "$context.status",
                       "$context.integration.status", "$context.responseLatency"):
            self.assertIn(needed, fields.values())
        self.assertNotIn("authorization", settings["Format"].lower(), "no header, so no token")

    def test_every_checkov_suppression_carries_its_reason(self):
        # Access logging is fixed, never suppressed; everything else skipped says why.
        skipped = 0
        for name, resource in SOURCE["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                skipped += 1
                self.assertRegex(skip["id"], r"^CKV_AWS_\d+$", name)
                self.assertNotEqual(skip["id"], "CKV_AWS_95", f"{name}: access logs are required")
                self.assertGreaterEqual(len(skip.get("comment", "")), 60, f"{name} {skip['id']}: say why")
        self.assertGreater(skipped, 0)

    def test_tool_errors_page_on_their_own(self):
        found = {
            n: a
            for n, a in alarms_on("WorkplaceMcp", "ToolErrors").items()
            if {s["metric"] for s in metric_stats(a).values()} == {"ToolErrors"}
        }
        self.assertEqual(len(found), 1, "an alarm on tool errors alone")
        alarm = next(iter(found.values()))
        stats = metric_stats(alarm)
        self.assertEqual({s["dimensions"]["Function"] for s in stats.values()}, set(TOOL_FUNCTIONS))
        self.assertEqual(ids_in(returned_expression(alarm)), set(stats))
        self.assertEqual(alarm["Threshold"], {"Ref": "ToolErrorAlarmThreshold"})
        self.assertEqual(window_seconds(alarm), 300)

    def test_throttles_of_every_function(self):
        found = alarms_on("AWS/Lambda", "Throttles")
        self.assertEqual(len(found), 1)
        alarm = next(iter(found.values()))
        stats = metric_stats(alarm)
        covered = {s["dimensions"]["FunctionName"]["Ref"] for s in stats.values()}
        self.assertEqual(covered, set(FUNCTIONS), "every function, health included")
        self.assertEqual(ids_in(returned_expression(alarm)), set(stats))
        self.assertEqual((alarm["ComparisonOperator"], alarm["Threshold"]), ("GreaterThanThreshold", 0))

    def test_extension_drops(self):
        found = alarms_on("WorkplaceMcp", "ExtensionDroppedRecords")
        self.assertEqual(len(found), 1)
        alarm = next(iter(found.values()))
        # The extension publishes the metric without dimensions (see its shipper).
        self.assertNotIn("Dimensions", alarm)
        self.assertEqual((alarm["ComparisonOperator"], alarm["Threshold"], alarm["Statistic"]),
                         ("GreaterThanThreshold", 0, "Sum"))

    def test_every_alarm_notifies_the_topic(self):
        for name, alarm in alarms().items():
            self.assertEqual(alarm["AlarmActions"]["Fn::If"][0], "HasAlarmTopic", name)


class TrustModel(unittest.TestCase):
    def test_service_token_key_is_a_separate_opt_in_secret_read_only_by_the_api_functions(self):
        secret = RESOURCES["ServiceTokenSecret"]
        self.assertEqual(secret["Condition"], "ServiceTokensEnabled")
        self.assertEqual(SOURCE["Parameters"]["EnableServiceTokens"]["Default"], "false")
        upstream = RESOURCES["UpstreamSecret"]["Properties"]
        self.assertNotIn("GenerateSecretString", upstream, "no signing key in the shared secret")
        self.assertNotIn("jwt_secret_key", upstream.get("SecretString", ""))
        for logical, function in FUNCTIONS.items():
            env = RESOURCES[logical]["Properties"]["Environment"]["Variables"]
            role = RESOURCES[f"{logical}Role"]["Properties"]
            grants = str(role.get("Policies", [])) + str(role.get("ManagedPolicyArns", []))
            if function == "health":
                self.assertNotIn("SERVICE_TOKEN_SECRET_ID", env)
                self.assertNotIn("ServiceTokenSecret", grants)
            else:
                self.assertEqual(
                    env["SERVICE_TOKEN_SECRET_ID"],
                    {"Fn::If": ["ServiceTokensEnabled", {"Ref": "ServiceTokenSecret"}, ""]},
                )
                self.assertIn("ServiceTokenSecret", grants)
            self.assertEqual(env["ALLOW_SHARED_CREDENTIALS"], {"Ref": "AllowSharedCredentials"})
        self.assertEqual(SOURCE["Parameters"]["AllowSharedCredentials"]["Default"], "")
        for mode in ("GoogleDriveMode", "NotionMode", "SharepointMode"):
            self.assertEqual(SOURCE["Parameters"][mode]["Default"], "descope_outbound")
        # New sources are opt-in, so an existing deployment does not change on an upgrade.
        for mode in ("GoogleCalendarMode", "OutlookCalendarMode"):
            self.assertEqual(SOURCE["Parameters"][mode]["Default"], "disabled")
            self.assertNotIn("service", SOURCE["Parameters"][mode]["AllowedValues"])

    def test_tenant_secrets_are_read_by_name_prefix_only_and_only_when_serving_tenants(self):
        prefix = "secret:workplace-mcp/tenants/*"
        for logical, function in FUNCTIONS.items():
            role = RESOURCES[f"{logical}Role"]["Properties"]
            grants = [
                (statement, condition)
                for statement, condition in _statements(role)
                if prefix in str(statement.get("Resource"))
            ]
            if function == "health":
                self.assertEqual(grants, [], "health reads no tenant's secret")
                continue
            self.assertEqual(len(grants), 1, function)
            statement, condition = grants[0]
            self.assertEqual(condition, "ServeTenants", function)
            self.assertEqual(statement["Action"], "secretsmanager:GetSecretValue")
            resource = statement["Resource"]["Fn::Sub"]
            # Nothing wider than the prefix: the account's other secrets stay out of reach.
            self.assertTrue(resource.endswith(":" + prefix), resource)
            self.assertEqual(resource.count("*"), 1, resource)

    def test_tenants_are_watched_per_tenant_without_a_metric_dimension_per_tenant(self):
        import json as json_module
        for name in ("TenantRequestsRule", "TenantErrorsRule", "TenantLimitedRule"):
            rule = RESOURCES[name]
            self.assertEqual(rule["Condition"], "ServeTenants")
            body = rule["Properties"]["RuleBody"]["Fn::Sub"][0]
            parsed = json_module.loads(re.sub(r"\$\{[A-Za-z]+\}", "group", body))
            self.assertEqual(parsed["Contribution"]["Keys"], ["$.tenant"], name)
        alarm = alarms()["TenantErrorsAlarm"]
        self.assertIn("INSIGHT_RULE_METRIC", str(alarm["Metrics"]))
        self.assertEqual(alarm["Threshold"], {"Ref": "TenantErrorAlarmThreshold"})
        # No metric the functions emit has a tenant dimension.
        self.assertNotIn("Tenant", str([a.get("Dimensions") for a in alarms().values()]))

    def test_drive_transport_is_a_validated_parameter_defaulting_to_rest(self):
        parameter = SOURCE["Parameters"]["GoogleDriveTransport"]
        self.assertEqual(parameter["Default"], "rest")
        self.assertEqual(parameter["AllowedValues"], ["rest", "mcp"])
        for logical in FUNCTIONS:
            env = RESOURCES[logical]["Properties"]["Environment"]["Variables"]
            self.assertEqual(env["GOOGLE_DRIVE_TRANSPORT"], {"Ref": "GoogleDriveTransport"})

    def test_throttling_and_reserved_concurrency_are_parameters(self):
        stage = RESOURCES["HttpApiApiGatewayDefaultStage"]["Properties"]["DefaultRouteSettings"]
        self.assertEqual(stage["ThrottlingRateLimit"], {"Ref": "ApiThrottlingRateLimit"})
        self.assertEqual(stage["ThrottlingBurstLimit"], {"Ref": "ApiThrottlingBurstLimit"})
        for logical in FUNCTIONS:
            reserved = RESOURCES[logical]["Properties"]["ReservedConcurrentExecutions"]["Fn::If"]
            self.assertEqual(reserved[1], {"Ref": logical.replace("Function", "ReservedConcurrency")})
            self.assertEqual(reserved[2], {"Ref": "AWS::NoValue"})


class Deployability(unittest.TestCase):
    def test_no_dependency_cycle(self):
        self.assertEqual(sam_offline.cycles(sam_offline.dependencies(TEMPLATE)), [])

    def test_the_cycle_check_catches_a_function_referring_to_its_api(self):
        # The template as it was before issue 13: the resource URL built from the API's own id.
        old = copy.deepcopy(SOURCE)
        old["Globals"]["Function"]["Environment"]["Variables"]["MCP_RESOURCE_URL"] = {
            "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/mcp"
        }
        found = sam_offline.cycles(sam_offline.dependencies(sam_offline.transform(old)))
        self.assertEqual(len(found), 1)
        members, path = found[0]
        self.assertEqual(set(members), {"HttpApi", *FUNCTIONS})
        self.assertEqual((path[0], path[-1]), (path[0], path[0]))
        self.assertGreater(len(path), 2)

    def test_references_in_every_form_are_edges(self):
        graph = sam_offline.dependencies({"Resources": {
            "A": {"Type": "T", "Properties": {"X": {"Fn::Sub": ["${B.Arn}/${local}", {"local": {"Ref": "C"}}]}}},
            "B": {"Type": "T", "Properties": {"Y": {"Fn::GetAtt": "C.Arn"}, "Z": {"Fn::Sub": "${!A} ${AWS::Region}"}}},
            "C": {"Type": "T", "DependsOn": "A", "Properties": {"Y": {"Fn::GetAtt": ["B", "Arn"]}}},
        }})
        self.assertEqual(graph, {"A": {"B", "C"}, "B": {"C"}, "C": {"A", "B"}})
        (members, path), = sam_offline.cycles(graph)
        self.assertEqual(members, ["A", "B", "C"])
        self.assertEqual(path[0], path[-1])

    def test_no_required_parameter_has_a_default_and_the_resource_url_comes_from_one(self):
        for name in ("PublicBaseUrl", "DescopeProjectId", "DescopeIssuer"):
            self.assertNotIn("Default", SOURCE["Parameters"][name], name)
        for logical in FUNCTIONS:
            env = RESOURCES[logical]["Properties"]["Environment"]["Variables"]
            self.assertEqual(env["MCP_RESOURCE_URL"], {"Fn::Sub": "${PublicBaseUrl}/mcp"})


if __name__ == "__main__":
    unittest.main()
