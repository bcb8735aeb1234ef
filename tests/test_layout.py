"""The package reads as the lesson: step folders, no import cycles, one name for every source file,
a test file for every module, and nothing that patches the import system."""

import ast
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

import lesson2
import lesson2_app

PACKAGES = {
    "lesson2": Path(lesson2.__file__).parent,
    "lesson2_app": Path(lesson2_app.__file__).parent,
}
TESTS = Path(__file__).parent
STEPS = {"dataset", "demo", "training", "clean", "production", "sgd", "commands"}


def modules():
    """{dotted name: file} of every module of lesson2 and lesson2_app, as installed."""
    found = {}
    for name, root in PACKAGES.items():
        for file in sorted(root.rglob("*.py")):
            parts = file.relative_to(root).with_suffix("").parts
            dotted = ".".join((name, *parts)).removesuffix(".__init__")
            found[dotted] = file
    return found


def imports(name, file):
    """The lesson2/lesson2_app modules that `name` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .model import Model
                package = name if file.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m in modules()} - {name}


def test_the_top_level_holds_at_most_five_modules_and_the_steps():
    root = PACKAGES["lesson2"]
    assert len(list(root.glob("*.py"))) <= 5
    assert STEPS | {"clean"} <= {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}


@pytest.mark.parametrize("step", sorted(STEPS - {"commands"}))
def test_each_step_opens_with_a_docstring_naming_its_notebook_and_calls(step):
    doc = import_module(f"lesson2.{step}").__doc__
    assert "notebook" in doc.lower() and f"from lesson2.{step}" in doc


def test_no_import_cycles():
    graph = {name: imports(name, file) for name, file in modules().items()}
    done, path = set(), []

    def visit(name):
        if name in path:
            cycle = [*path[path.index(name) :], name]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        path.append(name)
        for other in sorted(graph[name]):
            if other != name.rpartition(".")[0]:  # a module's own package is no cycle
                visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_app_never_imports_lesson2():
    app = {n: f for n, f in modules().items() if n.startswith("lesson2_app")}
    for name, file in app.items():
        assert not [m for m in imports(name, file) if m.startswith("lesson2.")], name


def test_every_source_file_is_loaded_under_one_name():
    for name in modules():
        import_module(name)
    seen = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and name.split(".")[0] in PACKAGES:
            other = seen.setdefault(os.path.realpath(file), name)
            assert other == name, f"{file} is loaded as both {other} and {name}"


@pytest.mark.parametrize("name", ["app", "tests", "benchmarks"])
def test_the_checkouts_folders_are_no_packages_elsewhere(name, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr


def test_nothing_patches_the_import_system():
    root = TESTS.parent
    sources = [
        *root.glob("lesson2/**/*.py"),
        *root.glob("app/**/*.py"),
        *root.glob("tests/**/*.py"),
    ]
    sources += root.glob("benchmarks/*.py")
    patching = ("sys.path.", "sys.path[", "sys.modules[", "spec_from_file_location", "meta_path")
    for file in sources:
        if file == Path(__file__):
            continue
        text = file.read_text()
        assert not [p for p in patching if p in text], file


def expected_test_file(name):
    """Where the tests of module `name` live: tests/<step>/test_<module>.py, the CLI's in
    tests/cli/test_cli_<command>.py, the app's in tests/app/."""
    parts = name.split(".")
    if parts[0] == "lesson2_app":
        return TESTS / "app" / f"test_{parts[1]}.py"
    if parts[1] == "commands":
        return TESTS / "cli" / f"test_cli_{parts[2]}.py"
    if len(parts) == 2:
        return TESTS / f"test_{parts[1]}.py"
    return TESTS / parts[1] / f"test_{parts[2]}.py"


def test_every_module_has_a_test_file_of_its_own():
    missing = [
        f"{name}: {expected_test_file(name).relative_to(TESTS)}"
        for name, file in modules().items()
        if file.name != "__init__.py" and not expected_test_file(name).is_file()
    ]
    assert not missing, "modules without a test file: " + ", ".join(missing)
