"""``reglo check`` through ``reglo.addin.entrypoints.cli.main``: exit codes, painting, idempotent re-runs, bad files."""
from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook, load_workbook
from openpyxl.styles import PatternFill

from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.handlers import HANDLERS, load_all
from reglo.addin.entrypoints.handlers.check import run_checks
from reglo.addin.backends.paint import CONTROL_SHEET, STATE_SHEET
from reglo.addin.backends.sheets import RED, YELLOW, FileWorkbook
from tests.conftest import make_book

S = "Écritures"
HEAD = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]
GOOD = [
    ["VE", datetime(2025, 1, 31), "1", "411000", "Facture 14", 1200, None],
    ["VE", datetime(2025, 1, 31), "1", "706000", "Facture 14", None, 1000],
    ["VE", datetime(2025, 1, 31), "1", "445710", "TVA", None, 200],
    ["BQ", datetime(2025, 2, 5), "2", "512000", "Règlement", 1200, None],
    ["BQ", datetime(2025, 2, 5), "2", "411000", "Règlement", None, 1200],
]


def write(path, rows, head=HEAD, sheet=S):
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = sheet
    ws.append(head)
    for r in rows:
        ws.append(r)
    ws["J30"].fill = PatternFill("solid", fgColor="FFFFEB9C")  # the user's own yellow cell
    wb.save(path)
    return path


def seeded():
    rows = [list(r) for r in GOOD]
    rows[1][1] = "31/02/2025"  # B3 impossible date
    rows[3][5] = "abc"  # F5 text amount
    rows[2][3] = "4457"  # fine (3 digits first)
    rows[4][6] = 1100  # entry BQ 2 unbalanced (rows 5 and 6) — but row 5 amount unreadable → not judged
    return rows


def fills(path):
    ws = load_workbook(path)[S]
    return {c.coordinate: "#" + c.fill.fgColor.rgb[2:] for row in ws.iter_rows() for c in row if c.fill.fill_type == "solid"}


def notes(path):
    ws = load_workbook(path)[S]
    return {c.coordinate for row in ws.iter_rows() for c in row if c.comment}


def test_handler_is_registered():
    load_all()
    info = HANDLERS["check"]
    assert info.label == "Contrôler le classeur" and info.group == "Contrôle"


def test_clean_workbook_exit_0(tmp_path, capsys):
    p = write(tmp_path / "ok.xlsx", GOOD)
    assert main(["check", str(p)]) == 0
    out = capsys.readouterr().out
    assert "0 alerte bloquante" in out
    wb = load_workbook(p)
    assert CONTROL_SHEET in wb.sheetnames
    assert fills(p) == {"J30": YELLOW}


def test_seeded_mistakes_then_fix_one_row(tmp_path, capsys):
    p = write(tmp_path / "e.xlsx", seeded())
    assert main(["check", str(p)]) == 1
    assert fills(p) == {"B3": RED, "F5": RED, "J30": YELLOW}
    assert notes(p) == {"B3", "F5"}
    # the user fixes row 5's amount: now entry BQ 2 is readable and unbalanced (rows 5 and 6)
    wb = load_workbook(p)
    wb[S]["F5"] = 1200
    wb.save(p)
    assert main(["check", str(p)]) == 1
    f = fills(p)
    assert f["B3"] == RED and f["J30"] == YELLOW
    assert {k for k in f if k.endswith("5") or k.endswith("6")} == {f"{c}{r}" for c in "ABCDEFG" for r in (5, 6)}
    assert notes(p) == {"B3", "A5", "A6"}  # F5's old note gone, row notes on the first cell
    # fix everything: all marks gone, the user's cell kept
    wb = load_workbook(p)
    wb[S]["B3"] = datetime(2025, 1, 31)
    wb[S]["G6"] = 1200
    wb.save(p)
    assert main(["check", str(p)]) == 0
    assert fills(p) == {"J30": YELLOW} and notes(p) == set()
    assert STATE_SHEET not in load_workbook(p).sheetnames


def test_out_leaves_input_untouched(tmp_path):
    p = write(tmp_path / "e.xlsx", seeded())
    before = p.read_bytes()
    out = tmp_path / "sortie" / "annote.xlsx"
    assert main(["check", str(p), "--out", str(out)]) == 1
    assert p.read_bytes() == before
    assert fills(out)["B3"] == RED


def test_missing_column_is_blocking(tmp_path):
    p = write(tmp_path / "e.xlsx", [r[:6] for r in GOOD], head=HEAD[:6])
    assert main(["check", str(p)]) == 1
    rows = list(load_workbook(p)[CONTROL_SHEET].iter_rows(values_only=True))
    assert any(r[3] == "COLUMN_MISSING" and "Credit" in r[4] for r in rows)


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("vide.xlsx", b"", "vide"),
        ("tronque.xlsx", None, "tronqué"),
        ("texte.xlsx", b"Journal;Date\nVE;01/01/2025\n", "pas un classeur"),
        ("donnees.csv", b"a;b\n", "n'est pas un classeur"),
    ],
)
def test_unusable_files_exit_2_without_output(tmp_path, capsys, name, content, fragment):
    p = tmp_path / name
    if content is None:
        good = write(tmp_path / "g.xlsx", GOOD).read_bytes()
        content = good[: len(good) // 2]
    p.write_bytes(content)
    out = tmp_path / "out.xlsx"
    assert main(["check", str(p), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith(".")) == []  # no temp file left


def test_missing_file_exit_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "absent.xlsx")]) == 2
    assert "introuvable" in capsys.readouterr().err


def test_workbook_without_known_sheet_exit_2(tmp_path, capsys):
    p = write(tmp_path / "autre.xlsx", GOOD, sheet="Feuil1")
    before = p.read_bytes()
    assert main(["check", str(p)]) == 2
    assert "Rien à contrôler" in capsys.readouterr().err
    assert p.read_bytes() == before


def test_empty_entries_sheet_is_blocking(tmp_path):
    p = write(tmp_path / "e.xlsx", [])
    assert main(["check", str(p)]) == 1
    rows = list(load_workbook(p)[CONTROL_SHEET].iter_rows(values_only=True))
    assert any(r[3] == "SHEET_EMPTY" for r in rows)


def test_sheet_name_variants_and_title_rows(tmp_path):
    # "ecritures " with different case/spaces is not the same sheet name: only exact (space/case-insensitive)
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "écritures"
    ws.append(["Écritures de janvier"])
    ws.append([])
    ws.append(HEAD)
    for r in seeded():
        ws.append(r)
    p = tmp_path / "t.xlsx"
    wb.save(p)
    assert main(["check", str(p)]) == 1
    ws = load_workbook(p)["écritures"]
    assert ws["B5"].fill.fgColor.rgb == "FF" + RED[1:]  # header on row 3: B3 of the data is B5


def test_check_no_sheet_alert_in_excel():
    book = make_book({"Feuil1": [["a", "b"]]})
    alerts = run_checks(book)
    assert [a.code.value for a in alerts] == ["CHECK_NO_SHEET"]
    assert not alerts[0].is_blocking
    assert [a.code.value for a in run_checks(make_book({S: [HEAD, ["VE", "2025-01-31T00:00:00.000Z", "1", "411000", "x", 1.0, ""], ["VE", "2025-01-31T00:00:00.000Z", "1", "706000", "x", "", 1.0]]}))] == []


def test_file_workbook_save_is_atomic_on_error(tmp_path, monkeypatch):
    p = write(tmp_path / "e.xlsx", seeded())
    before = p.read_bytes()
    book = FileWorkbook(p)

    def boom(*a, **k):
        raise OSError("disque plein")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        book.save()
    assert p.read_bytes() == before
    assert [x.name for x in tmp_path.iterdir()] == ["e.xlsx"]


def test_formula_like_text_is_warned_and_kept(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][4] = '=HYPERLINK("http://evil.example","Facture")'  # E2
    rows[1][4] = "-Salaires"  # E3
    rows[2][4] = "@TVA"  # E4
    rows[4][4] = "Règlement -12"  # not at the start: fine
    p = tmp_path / "e.xlsx"
    book = FileWorkbook(p, create=True)
    book.write_sheet(S, HEAD, rows, freeze=False, fit_width=False)
    book.save()
    assert main(["check", str(p)]) == 0  # a warning, not blocking
    control = list(load_workbook(p)[CONTROL_SHEET].iter_rows(values_only=True))
    flagged = sorted(r for r in control if "FORMULA_INJECTION" in r)
    assert len(flagged) == 3
    ws = load_workbook(p)[S]
    assert ws["E2"].value == '=HYPERLINK("http://evil.example","Facture")' and ws["E2"].data_type == "s"
    assert ws["E3"].value == "-Salaires"
    clean = write(tmp_path / "g.xlsx", GOOD)
    assert not [a for a in run_checks(FileWorkbook(clean)) if a.code == "FORMULA_INJECTION"]


def test_progress_bar_on_a_terminal_for_big_workbooks(tmp_path, monkeypatch, capsys):
    import io
    import sys

    import reglo.addin.entrypoints.commands.check as check_cmd

    class Tty(io.StringIO):
        def isatty(self):
            return True

    p = write(tmp_path / "e.xlsx", GOOD)
    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    monkeypatch.setattr(check_cmd, "PROGRESS_FROM_BYTES", 1)  # the test workbook counts as big
    assert main(["check", str(p)]) == 0
    shown = tty.getvalue()
    assert "lecture du classeur" in shown and "contrôles et marquage" in shown and "enregistrement" in shown and "3/3" in shown
    tty.seek(0)
    tty.truncate()
    monkeypatch.setattr(check_cmd, "PROGRESS_FROM_BYTES", 10**12)  # small workbooks: no bar
    assert main(["check", str(p)]) == 0
    assert tty.getvalue() == ""
