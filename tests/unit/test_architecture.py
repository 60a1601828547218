"""The import graph of lambdas/, simulator/ and deploy/: no cycles, and each side imports only
what it may (the domain no SDK, the deployer never the local contact center).

Every import counts, function-local ones included: a function-local import that dodges a cycle
is still a cycle. Imports under ``if TYPE_CHECKING:`` do not run, so they do not count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Where each tree's modules are rooted: lambdas/ is the artifact root (ivr.*, handler modules).
SOURCES = {"lambdas": ROOT / "lambdas", "simulator": ROOT, "deploy": ROOT}

DOMAIN_PACKAGES = (
    "ivr.core",
    "ivr.payments",
    "ivr.auth",
    "ivr.callbacks",
    "ivr.agent",
    "ivr.customers",
)
#: The small shared concepts beside the feature packages are domain too.
DOMAIN_MODULES = ("ivr.activity", "ivr.callers", "ivr.intents", "ivr.notify", "ivr.steps")
SDKS = ("boto3", "botocore", "pynamodb", "aws_encryption_sdk", "jinja2")
#: What the domain reaches only through ports: the edges, the adapters, the composition root.
OUTSIDE_THE_DOMAIN = ("ivr.adapters", "ivr.channels", "ivr.wiring", "simulator", "tests")


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for tree, base in SOURCES.items():
        for path in sorted((ROOT / tree).rglob("*.py")):
            found[_module_name(path, base)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes(other)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _import_nodes(child)


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module ``module`` imports (ours and third-party), at any depth of its code."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        target = _absolute(module, node, path.name == "__init__.py")
        for alias in node.names:
            submodule = f"{target}.{alias.name}"
            found.add(submodule if submodule in modules() else target)
    return frozenset(found)


def _ours(module: str) -> frozenset[str]:
    return frozenset(name for name in imports_of(module) if name in modules())


def import_cycle() -> list[str]:
    """One cycle of our modules importing each other (the first back to itself), or []."""
    graph = {module: _ours(module) for module in modules()}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        cycle: list[str] = error.args[1]
        return cycle
    return []


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _offending(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module in modules()
        if _within(module, importers)
        for name in imports_of(module)
        if _within(name, forbidden)
    )


def test_no_module_takes_part_in_an_import_cycle() -> None:
    assert import_cycle() == []


def test_domain_packages_import_no_sdk() -> None:
    assert _offending(DOMAIN_PACKAGES + DOMAIN_MODULES, SDKS) == []


def test_domain_packages_reach_the_outside_only_through_ports() -> None:
    assert _offending(DOMAIN_PACKAGES + DOMAIN_MODULES, OUTSIDE_THE_DOMAIN) == []


def test_the_deployer_never_imports_the_local_contact_center() -> None:
    assert _offending(("deploy",), ("simulator", "tests")) == []


def test_the_lambda_package_never_imports_the_simulator_or_the_tests() -> None:
    assert _offending(("ivr",), ("simulator", "tests")) == []


def test_the_graph_sees_function_local_imports_and_skips_type_checking_ones() -> None:
    wiring = imports_of("ivr.wiring")
    assert "ivr.adapters.dynamodb.callers" in wiring  # imported inside callers()
    assert "ivr.callbacks.service" in wiring
    typing_only = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n")
    assert [type(node) for node in _import_nodes(typing_only)] == [ast.ImportFrom]


def test_only_the_package_entry_point_imports_the_cli() -> None:
    importers = sorted(m for m in modules() if "simulator.cli" in imports_of(m))
    assert importers == ["simulator.__main__"]


def _handler_trees() -> dict[str, ast.Module]:
    return {
        path.stem: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "lambdas").glob("*.py"))
    }


def test_handlers_import_no_sdk_and_read_no_environment() -> None:
    offending = sorted(
        f"{name} imports {imported}"
        for name in _handler_trees()
        for imported in imports_of(name)
        if _within(imported, ("boto3", "botocore", "pynamodb", "os"))
    )
    assert offending == []


def test_handlers_leave_the_callers_number_and_the_queue_to_the_request_and_settings() -> None:
    found = sorted(
        f"{name}: {node.value!r}"
        for name, tree in _handler_trees().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in ("callerNumber", "BasicQueue")
    )
    assert found == []


def test_api_routes_carry_no_try() -> None:
    routes = [
        (name, node.name, node)
        for name, tree in _handler_trees().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr in {"get", "post", "put", "delete"}
            for d in node.decorator_list
        )
    ]
    assert routes, "no API routes found"
    with_try = [
        f"{name}.{route}"
        for name, route, node in routes
        if any(isinstance(inner, ast.Try) for inner in ast.walk(node))
    ]
    assert with_try == []
