"""The layering rules (house style §1 and §1b, issue 10), checked on the source itself.

* ``core`` imports nothing from ``addin``, xlwings or openpyxl, reads no clock, opens no file;
* the workbook backends (``addin/backends``) import no workflow: neither the shell, nor the
  entry points, nor a workflow package of ``core``;
* entry points (``addin/entrypoints``) go through the shell: they never import a pure plan
  (``core/<workflow>/usecases.py``), the commit protocol or a register backend directly;
* there is no import cycle between Reglo's modules (imports inside functions included);
* everything installs under the one name ``reglo``.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"core": "reglo.core", "addin": "reglo.addin", "workbook_templates": "reglo.workbook_templates"}
CORE_FILES = sorted((ROOT / "core").rglob("*.py"))
FORBIDDEN_IN_CORE = ("xlwings", "openpyxl", "reglo.addin", "addin", "psycopg", "sqlite3")
# core never reads the clock, draws random ids or does file/network I/O
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "today"), ("date", "today"), ("datetime", "utcnow"), ("uuid", "uuid4"), ("time", "time")}
# packages of core that are workflows (a backend must not know them)
GENERIC_CORE = {"alerts", "money", "ledger", "outcome", "register_state", "catalogue", "models", "fec", "fec_columns", "fec_write", "writers", "banking", "presentation"}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = [package, *path.relative_to(ROOT / folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _raw_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
            names.update(subs or [node.module])
            if len(subs) < len(node.names):
                names.add(node.module)
    return names


def _internal_deps(name: str) -> set[str]:
    out = set()
    for imported in _raw_imports(MODULES[name]):
        while imported and imported not in MODULES:
            imported = imported.rpartition(".")[0]
        # importing a sub-module runs its parent packages first: those edges are not cycles
        if imported and imported != name and not name.startswith(imported + "."):
            out.add(imported)
    return out


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_does_not_import_excel_or_addin(path):
    bad = {i for i in _raw_imports(path) if any(_in(i, f) for f in FORBIDDEN_IN_CORE)}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_reads_no_clock_and_opens_no_file(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "open":
                pytest.fail(f"{path}:{node.lineno} opens a file")
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (f.value.id, f.attr) in FORBIDDEN_CALLS:
                pytest.fail(f"{path}:{node.lineno} calls {f.value.id}.{f.attr}()")


def test_backends_import_no_workflow():
    for name in (m for m in MODULES if _in(m, "reglo.addin.backends")):
        for dep in _internal_deps(name):
            assert not _in(dep, "reglo.addin.shell") and not _in(dep, "reglo.addin.entrypoints"), f"{name} imports {dep}"
            if _in(dep, "reglo.core"):
                top = dep.split(".")[2]
                assert top in GENERIC_CORE, f"{name} imports the workflow module {dep}"


def test_entry_points_go_through_the_shell():
    for name in (m for m in MODULES if _in(m, "reglo.addin.entrypoints")):
        for dep in _internal_deps(name):
            assert not dep.endswith(".usecases"), f"{name} calls the pure plan {dep} directly: go through the shell"
            assert not _in(dep, "reglo.addin.shell.commit"), f"{name} commits outside the shell: {dep}"
            assert not _in(dep, "reglo.addin.shell.registry.sqlite") and not _in(dep, "reglo.addin.shell.registry.postgres"), f"{name} opens a register backend: {dep}"


def test_no_import_cycles():
    graph = {m: _internal_deps(m) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_no_generic_top_level_names_are_installed():
    """The packages install under ``reglo`` only: no ``core`` or ``addin`` import name."""
    import reglo.core

    assert Path(reglo.core.__file__).resolve().parent == ROOT / "core"
    for name in ("core", "addin", "workbook_templates"):
        hit = [p for p in sys.path if p and (Path(p) / name / "__init__.py").exists() and Path(p).resolve() != ROOT]
        assert not hit, f"an installed top-level package named {name!r}: {hit}"


def test_every_alert_code_has_a_french_message_with_valid_severity():
    from reglo.core.alerts import AlertCode, Severity
    from reglo.core.catalogue import CATALOGUE

    assert set(CATALOGUE) == {c.value for c in AlertCode}
    for code, (severity, message) in CATALOGUE.items():
        assert code == code.upper() and " " not in code
        assert Severity(severity) in set(Severity)
        assert message and message[0].isupper(), code
