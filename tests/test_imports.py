"""The import graph of app.py, worker.py, extensions.py and blueprints/, read from the source (imports inside functions
count as much as those at the top): no module reaches itself again through its imports, and no
two packages under blueprints/ import each other. `make test` also runs import-linter over the
layers and the features' order (the [tool.importlinter] contracts in pyproject.toml)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    paths = [ROOT / name for name in ("app.py", "worker.py", "extensions.py")]
    paths += sorted((ROOT / "blueprints").rglob("*.py"))
    return {module_name(path): path for path in paths}


def imported(node, module, is_package):
    """The dotted names an import statement asks for: `from a import b` may name a module a.b."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [*(f"{base}.{alias.name}" for alias in node.names), base]


def imports_of(tree, module, is_package, found):
    """The modules of ours (`found`) that a module's source imports, anywhere in it: for each
    name, the nearest module of ours."""
    targets = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        names = imported(node, module, is_package)
        if isinstance(node, ast.ImportFrom):
            # `from a import b`: the module a.b when there is one, else a itself.
            *members, base = names
            names = [name if name in found else base for name in members]
        for name in names:
            while name and name not in found:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def graph():
    """module -> the modules of ours it imports."""
    found = modules()
    return {
        module: imports_of(
            ast.parse(path.read_text(), str(path)), module, path.name == "__init__.py", found
        )
        for module, path in found.items()
    }


def reachable(edges, start):
    seen, todo = set(), [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def cycles(edges):
    """The groups of modules that reach each other through their imports."""
    reach = {module: reachable(edges, module) for module in edges}
    groups = {
        frozenset(other for other in reach[module] if module in reach[other])
        for module in edges
        if module in reach[module]
    }
    return sorted(sorted(group) for group in groups)


def package_of(module):
    """blueprints.reports.services -> reports; app -> app; worker -> worker."""
    parts = module.split(".")
    return parts[1] if parts[0] == "blueprints" and len(parts) > 1 else parts[0]


def test_the_graph_is_read_from_imports_anywhere():
    source = (
        "def later():\n    from blueprints.core import jobs, features\n    from . import models\n"
    )
    found = {"blueprints.core", "blueprints.core.jobs", "blueprints.orgs.models", "app"}
    assert imports_of(ast.parse(source), "blueprints.orgs.cli", False, found) == {
        "blueprints.core",
        "blueprints.core.jobs",
        "blueprints.orgs.models",
    }
    edges = graph()
    assert "blueprints.core.features" in edges["blueprints.main.routes"]
    # Inside a function: the worker makes the app, and nothing imports the worker.
    assert "app" in edges["worker"]
    assert not [module for module, targets in edges.items() if "worker" in targets]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_extensions_are_at_the_bottom():
    assert graph()["extensions"] == set()


def test_no_module_imports_itself_round_a_cycle():
    found = cycles(graph())
    assert not found, "Import cycles:\n" + "\n".join(" <-> ".join(group) for group in found)


def test_no_two_packages_import_each_other():
    edges = graph()
    between = {}
    for module, targets in edges.items():
        for target in targets:
            pair = (package_of(module), package_of(target))
            if pair[0] != pair[1]:
                between.setdefault(pair, []).append(f"{module} -> {target}")
    both_ways = sorted(
        "\n".join(sorted(between[a, b]) + sorted(between[b, a]))
        for a, b in between
        if a < b and (b, a) in between
    )
    assert not both_ways, "Packages that import each other:\n\n" + "\n\n".join(both_ways)


def test_infrastructure_imports_no_feature():
    """core, web and util import no package beside them under blueprints/: a new feature is
    found by this test without being named anywhere."""
    layers = {"core", "web", "util"}
    climbing = sorted(
        f"{module} -> {target}"
        for module, targets in graph().items()
        if package_of(module) in layers and module.startswith("blueprints.")
        for target in targets
        if target.startswith("blueprints.") and package_of(target) not in layers | {"blueprints"}
    )
    assert not climbing, "Infrastructure importing a feature:\n" + "\n".join(climbing)
