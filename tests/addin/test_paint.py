"""Painting alerts with the openpyxl backend, checked by reading the saved file back."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from reglo.addin.backends.paint import CONTROL_SHEET, STATE_SHEET, clear_marks, note_text, read_marks
from reglo.addin.backends.sheets import RED, YELLOW, FileWorkbook
from reglo.core.alerts import alert
from tests.addin.painting_cases import S, fills, notes, run, seeded, user_workbook


@pytest.fixture
def path(tmp_path):
    return user_workbook(tmp_path / "classeur.xlsx")


def test_seeded_mistakes_paint_exactly_those_cells(path):
    report = run(path, seeded())
    f = fills(path)
    assert f == {
        "B3": RED, "F5": RED, "D4": RED, "G4": YELLOW, "D5": RED, "E2": YELLOW,
        "J20": YELLOW,  # the user's own cell, untouched
    }
    assert report.red == 4 and report.yellow == 2 and report.blocking == 4 and report.warnings == 2
    n = notes(path)
    assert set(n) == {"B3", "F5", "D4", "G4", "D5", "E2", "J21"}
    assert "DATE_INVALID" in n["B3"] and "31/02/2025" in n["B3"]
    assert n["J21"] == "note de l'utilisateur"
    # the user's note under an alert is kept inside ours and given back later
    assert "RIB demandé" in n["D5"] and "ACCOUNT_INVALID" in n["D5"]


def test_second_run_after_fix_removes_only_that_row(path):
    run(path, seeded())
    # the user fixes row 5 (amount and account): the check no longer reports it
    fixed = [a for a in seeded() if a.row != 5]
    report = run(path, fixed)
    f, n = fills(path), notes(path)
    assert "F5" not in f and "D5" not in f
    assert "F5" not in n
    assert n["D5"] == "RIB demandé"  # the user's own note is back
    assert {k: v for k, v in f.items() if k != "J20"} == {"B3": RED, "D4": RED, "G4": YELLOW, "E2": YELLOW}
    assert f["J20"] == YELLOW and notes(path)["J21"] == "note de l'utilisateur"
    assert report.restored == 2
    # third run, nothing left: every mark gone, the theme fill of E2 restored exactly
    run(path, [])
    wb = load_workbook(path)
    ws = wb[S]
    assert ws["E2"].fill.fgColor.theme == 4 and abs(ws["E2"].fill.fgColor.tint - 0.6) < 1e-9
    assert fills(path) == {"E2": "theme4", "J20": YELLOW}
    assert notes(path) == {"J21": "note de l'utilisateur", "D5": "RIB demandé"}
    assert STATE_SHEET not in wb.sheetnames  # nothing left to remember


def test_rerun_same_alerts_is_stable(path):
    run(path, seeded())
    first = (fills(path), notes(path))
    run(path, seeded())
    assert (fills(path), notes(path)) == first
    assert len(read_marks(FileWorkbook(path))) == 6


def test_several_alerts_on_one_cell_make_one_note_blocking_first():
    a = [
        alert("AMOUNT_ROUNDED", sheet=S, row=4, column="Crédit", value="1,005", rounded="1,01"),
        alert("AMOUNT_INVALID", sheet=S, row=4, column="Crédit", value="x"),
    ]
    text = note_text(a)
    assert text.index("AMOUNT_INVALID") < text.index("AMOUNT_ROUNDED")
    assert text.startswith("Reglo — 2 alertes")


def test_mixed_severities_on_one_cell_is_red(path):
    a = [
        alert("AMOUNT_ROUNDED", sheet=S, row=4, column="Crédit", value="1,005", rounded="1,01"),
        alert("AMOUNT_INVALID", sheet=S, row=4, column="Crédit", value="x"),
    ]
    run(path, a)
    assert fills(path)["G4"] == RED
    assert notes(path)["G4"].count("•") == 2


def test_row_alert_without_column_paints_header_width(path):
    run(path, [alert("ENTRY_UNBALANCED", sheet=S, row=2, entry="1", debit="1", credit="2", diff="1"),
               alert("ENTRY_NO_AMOUNT", sheet=S, row=3, column="Colonne inconnue")])
    f = fills(path)
    assert {k for k in f if k.endswith("2")} == {f"{c}2" for c in "ABCDEFG"}
    assert {k for k in f if k.endswith("3")} == {f"{c}3" for c in "ABCDEFG"}
    assert "H2" not in f


def test_alert_without_row_only_on_control_sheet(path):
    report = run(path, [alert("COLUMN_MISSING", sheet=S, name="Lettrage", expected="…"),
                        alert("FILE_EMPTY", sheet="Absente", row=3)])
    assert report.unlocated == 2 and report.painted == 0
    assert fills(path) == {"E2": "theme4", "J20": YELLOW}
    values = [r for r in load_workbook(path)[CONTROL_SHEET].iter_rows(values_only=True)]
    codes = [r[3] for r in values if r[3] in ("COLUMN_MISSING", "FILE_EMPTY")]
    assert codes == ["COLUMN_MISSING", "FILE_EMPTY"]


def test_control_sheet(path):
    run(path, seeded(), summary=[("Feuilles contrôlées", S)])
    wb = load_workbook(path)
    ws = wb[CONTROL_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][:2] == ("Alertes bloquantes", 4)
    assert rows[3][:2] == ("Avertissements", 2)
    assert rows[4][:2] == ("Feuilles contrôlées", S)
    head = rows.index(("Feuille", "Cellule", "Gravité", "Code", "Message"))
    body = rows[head + 1:]
    assert len(body) == 6
    # sorted by sheet then row, links to the cells
    assert [r[1] for r in body] == [
        '=HYPERLINK("#\'Écritures\'!E2","E2")',
        '=HYPERLINK("#\'Écritures\'!B3","B3")',
        '=HYPERLINK("#\'Écritures\'!D4","D4")',
        '=HYPERLINK("#\'Écritures\'!G4","G4")',
        '=HYPERLINK("#\'Écritures\'!D5","D5")',
        '=HYPERLINK("#\'Écritures\'!F5","F5")',
    ]
    assert [r[2] for r in body] == ["AVERTISSEMENT", "BLOQUANT", "BLOQUANT", "AVERTISSEMENT", "BLOQUANT", "BLOQUANT"]
    # rows coloured by severity, message wrapped, one page wide
    first = head + 2
    assert ws.cell(first, 1).fill.fgColor.rgb == "FF" + YELLOW[1:]
    assert ws.cell(first + 1, 5).fill.fgColor.rgb == "FF" + RED[1:]
    assert ws.cell(first, 5).alignment.wrap_text
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    # the state sheet is hidden
    assert wb[STATE_SHEET].sheet_state == "hidden"


def test_owners_do_not_clear_each_other(path):
    run(path, [alert("DATE_INVALID", sheet=S, row=3, column="Date", value="x")], owner="check")
    run(path, [alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abc")], owner="payments", control_sheet="Contrôle règlements")
    f = fills(path)
    assert f["B3"] == RED and f["F5"] == RED
    run(path, [], owner="payments", control_sheet="Contrôle règlements")
    f = fills(path)
    assert f["B3"] == RED and "F5" not in f


def test_user_recoloured_cell_is_left_alone(path):
    run(path, seeded())
    wb = load_workbook(path)
    wb[S]["B3"].fill = PatternFill("solid", fgColor="FF00B050")  # the user marks it green after fixing
    wb[S]["B3"].comment = Comment("corrigé le 3/2", "Moi")
    wb.save(path)
    run(path, [a for a in seeded() if a.row != 3])
    assert fills(path)["B3"] == "#00B050"
    assert notes(path)["B3"] == "corrigé le 3/2"


def test_clear_marks(path):
    run(path, seeded())
    book = FileWorkbook(path)
    assert clear_marks(book) == 6
    book.save()
    assert fills(path) == {"E2": "theme4", "J20": YELLOW}


def test_formula_injection_in_messages_is_neutralised(path):
    run(path, [alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="=1+1")])
    ws = load_workbook(path)[CONTROL_SHEET]
    messages = [r[4] for r in ws.iter_rows(values_only=True) if r[3] == "AMOUNT_INVALID"]
    assert messages and not str(messages[0]).startswith("=")
