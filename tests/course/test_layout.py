"""The layout says what each part is: lessons import helpers/, the build's tools live in
course/, grading in grading/; within a package no module imports one that imports it
back (a cycle makes the import order decide what works)."""

import ast
import subprocess

import nbformat
import pytest

from repo import ROOT

PACKAGES = ("helpers", "course", "grading")


def imports_of(path) -> set[str]:
    """Modules of the course's packages a module imports, anywhere in it."""
    package = path.parent.name
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = f"{package}.{node.module}" if node.module else package
                found |= {base} if node.module else {f"{package}.{a.name}" for a in node.names}
            elif node.module in PACKAGES:  # from grading import sandbox, worker
                found |= {f"{node.module}.{a.name}" for a in node.names}
            elif node.module and node.module.split(".")[0] in PACKAGES:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] in PACKAGES}
    return {name for name in found if name != package and name != f"{package}.__init__"}


def import_graph() -> dict[str, set[str]]:
    return {f"{p.parent.name}.{p.stem}": imports_of(p)
            for package in PACKAGES for p in sorted((ROOT / package).glob("*.py"))
            if p.stem != "__init__"}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import path that comes back to where it started."""
    found = []

    def walk(path):
        for name in sorted(graph.get(path[-1], ())):
            if name == path[0]:
                found.append(path + [name])
            elif name not in path and name > path[0]:  # each cycle once, from its least
                walk(path + [name])

    for start in sorted(graph):
        walk([start])
    return found


def test_no_module_imports_one_that_imports_it_back():
    found = cycles(import_graph())
    assert found == [], "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}) == [
        ["a.x", "a.y", "a.z", "a.x"]], "a three-module cycle was not reported once"
    assert cycles({"a.x": {"a.y"}, "a.y": set()}) == [], "a chain is not a cycle"


def test_the_lessons_import_helpers_only_and_helpers_import_no_tool():
    for module, imported in import_graph().items():
        if module.startswith("helpers."):
            assert not {name for name in imported if not name.startswith("helpers")}, (
                f"{module} imports {imported}: helpers/ holds only what notebooks need")
    notebooks = subprocess.run(["git", "ls-files", "book/*.ipynb", "solutions/*.ipynb"],
                               cwd=ROOT, capture_output=True, text=True).stdout.split()
    for name in notebooks:
        source = "\n".join(c.source for c in nbformat.read(ROOT / name, as_version=4).cells
                           if c.cell_type == "code")
        for tool in ("course", "grading"):
            assert f"from {tool}" not in source and f"import {tool}" not in source, (
                f"{name} imports {tool}/, which is not for lessons")


@pytest.mark.parametrize("folder", ["book", "exercises"])
def test_lessons_import_helpers_one_way(folder):
    """`import helpers` for the package's front door (helpers.load_data, helpers.CLASS_NAMES,
    ...) and `from helpers.<module> import name` for the rest: never `from helpers import
    name`, `import helpers.x` or an alias."""
    for path in sorted((ROOT / folder).rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for line in cell.source.splitlines():
                stripped = line.strip()
                assert not stripped.startswith("from helpers import "), (
                    f"{path.name}: {stripped!r}: use `import helpers`, then helpers.<name>")
                assert not stripped.startswith("import helpers."), (
                    f"{path.name}: {stripped!r}: write `from helpers.<module> import ...`")
                assert " as " not in stripped or not stripped.startswith("from helpers"), (
                    f"{path.name}: {stripped!r}: import helpers' names as they are")
