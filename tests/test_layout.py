"""The layout keeps its promises: each app depends only on those beneath it, no module
imports itself back through others, no app names another's tables in SQL, operations
stay out of the product, and functions and classes stay short enough to read."""

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# Each layer may import the layers after it in this list, never those before it.
LAYERS = ["ops", "api", "catalogue", "compact", "practices", "programs", "core"]
PRODUCT = ["config", "core", "programs", "practices", "compact", "catalogue", "api"]
PROJECT = [*PRODUCT, "ops"]
MAX_FUNCTION_LINES = 50
MAX_CLASS_LINES = 150
# A definition may run longer when the line above it says why.
LONG_MARK = "# Long:"


def modules(packages):
    """{dotted module name: path} for the project's own code, migrations aside."""
    found = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(module, path, known):
    """The project modules `module` imports, anywhere in it (late imports included)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
    return {name for name in names if name in known and name != module}


def import_graph(packages):
    known = modules(packages)
    return {module: imported(module, path, known) for module, path in known.items()}


def cycles(graph):
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back():
    assert cycles(import_graph(PROJECT)) == []


def test_each_app_imports_only_the_apps_beneath_it():
    upward = [
        f"{module} imports {other}"
        for module, others in import_graph(PROJECT).items()
        for other in others
        if (app := module.split(".")[0]) in LAYERS
        and (target := other.split(".")[0]) in LAYERS
        and LAYERS.index(target) < LAYERS.index(app)
    ]
    assert upward == []


def test_nothing_in_the_product_imports_operations():
    graph = import_graph(PROJECT)
    importers = [
        module
        for module, others in graph.items()
        if module.split(".")[0] != "ops" and any(other.split(".")[0] == "ops" for other in others)
    ]
    assert importers == []


def test_no_app_names_another_apps_tables():
    """A table name in a string is SQL; an app's SQL touches its own tables only."""
    tables = {
        app: re.compile(rf"\b{app}_[a-z]")
        for app in ["core", "programs", "practices", "compact", "catalogue"]
    }
    named = []
    for module, path in modules(PRODUCT).items():
        app = module.split(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for other, table in tables.items():
                    if other != app and table.search(node.value):
                        named.append(f"{module}: {node.value!r}")
    assert named == []


def long_definitions(path):
    lines = path.read_text().splitlines()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - node.lineno + 1
            explained = first > 1 and lines[first - 2].strip().startswith(LONG_MARK)
            if length > limit and not explained:
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"


def test_functions_and_classes_stay_short():
    too_long = [found for path in modules(PRODUCT).values() for found in long_definitions(path)]
    assert too_long == []


def test_no_product_model_setting_or_url_exists_for_the_benchmark(client):
    fields = {field.name for model in apps.get_models() for field in model._meta.get_fields()}
    assert "is_synthetic" not in fields
    assert not hasattr(settings, "BENCHMARK")
    assert "ops" not in settings.INSTALLED_APPS
    assert client.get("/bench/floor/").status_code == 404
