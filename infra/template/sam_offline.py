"""The SAM transform as `sam deploy` runs it, offline, and a dependency-cycle check of its output.

`cfn-lint template.yaml` and `sam validate --lint` check the template *before* the transform; what
CloudFormation receives is the transformed one. This module produces that template with
`aws-sam-translator` (the library the SAM CLI and CloudFormation's own transform use) and walks it.

Usage: python sam_offline.py TEMPLATE OUT_JSON  -> writes the transformed template, exits 1 on a cycle.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import sys
from pathlib import Path

# A region must be known to the translator (it fills AWS::Region and partition-specific ARNs).
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.decode import cfn_yaml  # noqa: E402  (needs the region above)
from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402

# The translator records usage metrics for the CLI's telemetry; offline they are never published.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)

#: Properties holding local paths that `sam package` replaces with S3 locations before the transform.
_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def load(path: Path) -> dict:
    """Reads a template in YAML (CloudFormation short tags included) or JSON."""
    return _plain(cfn_yaml.load(str(path)))


def _plain(value):
    """cfn-lint's node types as plain dicts, lists and strings (so json.dumps and == work)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def package(template: dict) -> dict:
    """What `sam package` hands over: local code paths become `s3://` locations."""
    packaged = copy.deepcopy(template)
    globals_function = packaged.get("Globals", {}).get("Function", {})
    if isinstance(globals_function.get("CodeUri"), str):
        globals_function["CodeUri"] = "s3://workplace-mcp-artifacts/code.zip"
    for name, resource in packaged.get("Resources", {}).items():
        prop = _CODE_PROPERTIES.get(resource.get("Type"))
        props = resource.setdefault("Properties", {})
        if prop and isinstance(props.get(prop), str) and not props[prop].startswith("s3://"):
            props[prop] = f"s3://workplace-mcp-artifacts/{name}.zip"
    return packaged


def transform(template: dict) -> dict:
    """The SAM transform. Policies are inline statements or ARNs, so no managed-policy look-up is needed."""
    translator = Translator(managed_policy_map={}, sam_parser=Parser())
    return translator.translate(sam_template=package(template), parameter_values={})


_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")


def _references(value, local: frozenset = frozenset()):
    """Logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub (variables of a Sub's map
    are local names, not references)."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item, local)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                if inner not in local:
                    yield inner
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".", 1)[0]
                if isinstance(target, str):
                    yield target
                else:
                    yield from _references(target, local)
            elif key == "Fn::Sub":
                text, variables = (inner[0], inner[1]) if isinstance(inner, list) else (inner, {})
                names = frozenset(variables) if isinstance(variables, dict) else frozenset()
                if isinstance(text, str):
                    for match in _SUB_NAME.finditer(text):
                        name = match.group(1).split(".", 1)[0].strip()
                        if name not in names:
                            yield name
                yield from _references(variables, local)
            else:
                yield from _references(inner, local)


def dependencies(template: dict) -> dict[str, set[str]]:
    """Resource -> the resources it needs first (Ref, GetAtt, Sub, DependsOn), resources only."""
    resources = template.get("Resources", {})
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        needs = {ref for ref in _references(resource.get("Properties", {})) if ref in resources}
        depends = resource.get("DependsOn", [])
        needs.update([depends] if isinstance(depends, str) else depends)
        graph[name] = needs
    return graph


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Every strongly connected component with a cycle (Tarjan): its members, and one closed path
    A -> ... -> A through them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[list[str], list[str]]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    found.append((sorted(component), _closed_path(sorted(component), graph)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _closed_path(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete cycle through the component's first member (breadth-first), for the message."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph.get(node, ())):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start] + list(reversed(path))[1:] + [start] if node != start else [start, start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    return component + [start]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    transformed = transform(load(Path(argv[1])))
    Path(argv[2]).write_text(json.dumps(transformed, indent=1, sort_keys=True))
    found = cycles(dependencies(transformed))
    for members, path in found:
        print(
            f"error: circular dependency in the transformed template among {', '.join(members)}"
            f" (for example {' -> '.join(path)})",
            file=sys.stderr,
        )
    if found:
        return 1
    print(f"transformed template: {len(transformed['Resources'])} resources, no dependency cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
