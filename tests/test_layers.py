"""The layering rules of the house style, checked on the source itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_FILES = sorted((ROOT / "core").rglob("*.py"))
FORBIDDEN_IMPORTS = ("xlwings", "openpyxl", "addin")
# core never reads the clock, draws random ids or does file/network I/O
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "today"), ("date", "today"), ("datetime", "utcnow"), ("uuid", "uuid4"), ("time", "time")}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_does_not_import_excel_or_addin(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not (_imports(tree) & set(FORBIDDEN_IMPORTS)), f"{path} imports {_imports(tree) & set(FORBIDDEN_IMPORTS)}"


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


def test_every_alert_code_has_a_french_message_with_valid_severity():
    from reglo.core.alerts import AlertCode, Severity
    from reglo.core.catalogue import CATALOGUE

    assert set(CATALOGUE) == {c.value for c in AlertCode}
    for code, (severity, message) in CATALOGUE.items():
        assert code == code.upper() and " " not in code
        assert Severity(severity) in (Severity.BLOCKING, Severity.WARNING)
        assert message and message[0].isupper(), code
