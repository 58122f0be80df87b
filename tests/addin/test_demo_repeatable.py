"""``reglo demo`` run twice into one folder gives the same result (issue 12, finding 2).

The second run resets what the first one wrote (listed in its manifest), says so, and prints
the same summary; bank files and FECs are byte-identical, workbooks hold the same cell values.
The user's other files in the folder are left alone, and a folder holding a dossier the demo
did not write is refused.
"""
from __future__ import annotations

import contextlib
import io
import json
import types
from pathlib import Path

import openpyxl
import pytest

from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.commands.demo import MANIFEST

RESET = "Démo réinitialisée"


def _run(out: Path) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["demo", "--out", str(out)])
    return code, buf.getvalue()


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def _cells(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    try:
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo2") / "D"
    out.mkdir()
    (out / "mes notes.txt").write_text("à garder", encoding="utf-8")  # a user's file: never touched
    code1, text1 = _run(out)
    first = tmp_path_factory.mktemp("demo2-first")
    snapshot = {}
    for rel, p in _files(out).items():
        target = first / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(p.read_bytes())
        snapshot[rel] = target
    code2, text2 = _run(out)
    return out, (code1, text1, snapshot), (code2, text2, _files(out))


def test_second_run_prints_the_same_summary_and_says_what_it_reset(two_runs):
    _, (code1, text1, _), (code2, text2, _) = two_runs
    assert code1 == code2 == 0, text2
    assert RESET not in text1
    reset = [l for l in text2.splitlines() if RESET in l]
    assert len(reset) == 1 and "registre des règlements" in reset[0] and "classeur" in reset[0]
    assert [l for l in text2.splitlines() if RESET not in l] == text1.splitlines()


def test_second_run_writes_the_same_files(two_runs):
    out, (_, _, first), (_, _, second) = two_runs
    assert set(second) == set(first)  # no « …-2.txt », « …-3.txt »: the same names
    assert (out / "mes notes.txt").read_text(encoding="utf-8") == "à garder"
    assert "mes notes.txt" not in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]


def test_bank_files_and_fecs_are_byte_identical(two_runs):
    _, (_, _, first), (_, _, second) = two_runs
    texts = [rel for rel in first if rel.endswith((".xml", ".txt", ".csv"))]
    assert any(r.endswith(".xml") for r in texts) and sum("FEC" in r for r in texts) >= 2
    changed = [rel for rel in texts if first[rel].read_bytes() != second[rel].read_bytes()]
    assert changed == []


def test_workbooks_hold_the_same_cell_values(two_runs):
    _, (_, _, first), (_, _, second) = two_runs
    books = sorted(rel for rel in first if rel.endswith(".xlsx"))
    assert len(books) >= 8
    changed = [rel for rel in books if _cells(first[rel]) != _cells(second[rel])]
    assert changed == []


def test_second_fec_import_imports_the_same_payments(two_runs):
    _, (_, text1, _), (_, text2, _) = two_runs
    line = next(l for l in text1.splitlines() if "Import depuis la comptabilité" in l and "importée(s)" in l)
    assert " 0 importée(s)" not in line and line in text2


# --- the reset touches only the demo's own files ---------------------------------------------

def _fake_steps(monkeypatch, run):
    import reglo.addin.entrypoints.demo_steps as pkg

    module = types.SimpleNamespace(__name__="reglo.addin.entrypoints.demo_steps.s00", ORDER=0, run=run, TITLE="s00")
    monkeypatch.setattr(pkg, "steps", lambda: [module])


def test_reset_deletes_only_listed_files(monkeypatch, tmp_path):
    out = tmp_path / "D"

    def write(ctx):
        (ctx.out_dir / "sous").mkdir(exist_ok=True)
        (ctx.out_dir / "sous" / "VIR1.xml").write_text("x")
        (ctx.out_dir / "reglo-registre.sqlite").write_text("r")
        return ["ok"]

    _fake_steps(monkeypatch, write)
    assert _run(out)[0] == 0
    (out / "sous" / "à moi.xlsx").write_text("u")  # the user's file, added between the runs
    (out / "autre.xml").write_text("u")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] += ["../dehors.txt", "/etc/passwd"]  # a tampered manifest never reaches outside
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "dehors.txt").write_text("u")

    _fake_steps(monkeypatch, lambda ctx: ["rien"])
    code, text = _run(out)
    assert code == 0 and RESET in text
    assert not (out / "sous" / "VIR1.xml").exists() and not (out / "reglo-registre.sqlite").exists()
    assert (out / "sous" / "à moi.xlsx").exists() and (out / "autre.xml").exists() and (tmp_path / "dehors.txt").exists()


def test_a_users_dossier_is_never_overwritten(monkeypatch, tmp_path, capsys):
    out = tmp_path / "D"
    out.mkdir()
    (out / "dossier.xlsx").write_bytes(b"le dossier du client")
    ran = []
    _fake_steps(monkeypatch, lambda ctx: ran.append(1) or [])
    assert main(["demo", "--out", str(out)]) == 2
    assert ran == [] and (out / "dossier.xlsx").read_bytes() == b"le dossier du client"
    assert "que la démonstration n'a pas écrits" in capsys.readouterr().err


def test_a_users_workbook_of_a_demo_name_is_never_replaced(monkeypatch, tmp_path, capsys):
    out = tmp_path / "D"
    out.mkdir()
    (out / "Virements fournisseurs.xlsx").write_bytes(b"mes virements")
    _fake_steps(monkeypatch, lambda ctx: [])
    assert main(["demo", "--out", str(out)]) == 2
    assert (out / "Virements fournisseurs.xlsx").read_bytes() == b"mes virements"
    assert "Virements fournisseurs.xlsx" in capsys.readouterr().err


def test_a_failing_step_shows_no_class_name(monkeypatch, tmp_path):
    def boom(ctx):
        raise KeyError("Clé")

    import reglo.addin.entrypoints.demo_steps as pkg

    ok = types.SimpleNamespace(__name__="reglo.addin.entrypoints.demo_steps.s00", ORDER=0, run=lambda ctx: [], TITLE="s00")
    bad = types.SimpleNamespace(__name__="reglo.addin.entrypoints.demo_steps.s10", ORDER=10, run=boom, TITLE="Étape test")
    monkeypatch.setattr(pkg, "steps", lambda: [ok, bad])
    code, text = _run(tmp_path / "D")
    assert code == 1
    assert "KeyError" not in text and "Étape « Étape test » en échec : Erreur inattendue de Reglo" in text
    assert "reglo-erreurs.log" in text


def test_second_demo_import_shows_imported_rows_green_and_counted_apart(two_runs):
    """Finding 2: the demo imports its template twice; the 8 rows of the first import are
    « Importé le … (lot n) » in green, not red, and « Contrôle » counts them apart."""
    from reglo.addin.backends.sheets import GREEN, RED
    from reglo.core.payments import ingest as t

    out, _, _ = two_runs
    wb = openpyxl.load_workbook(out / "Import règlements clients.xlsx")
    ws = wb[t.SHEET]
    notes = {c.row: (c.comment.text, c.fill.fgColor.rgb) for row in ws.iter_rows(min_col=2, max_col=2) for c in row if c.comment}
    imported = {r: fill for r, (text, fill) in notes.items() if "Importé le" in text}
    assert len(imported) == 8
    assert all(fill.endswith(GREEN.lstrip("#")) for fill in imported.values())
    assert not any("PAY_ALREADY_IMPORTED" in text and fill.endswith(RED.lstrip("#")) for text, fill in notes.values())
    control = {r[0]: r[1] for r in wb["Contrôle"].iter_rows(values_only=True) if r and r[0]}
    assert control["Lignes déjà importées (rien à faire)"] == 8
    assert not any(r[2] == "BLOQUANT" and r[3] == "PAY_ALREADY_IMPORTED" for r in wb["Contrôle"].iter_rows(values_only=True))
