"""The fast file backend (calamine reads, patch-only saves) gives the same painting as the
openpyxl backend and leaves every other part of the package untouched."""
from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from reglo.addin.entrypoints.cli import main
from reglo.addin.backends.fastbook import FastFileWorkbook, UnsupportedWorkbook
from reglo.addin.backends.paint import CONTROL_SHEET, STATE_SHEET, paint_alerts
from reglo.addin.backends.sheets import RED, YELLOW, FileWorkbook
from reglo.core.alerts import alert
from tests.addin.painting_cases import HEAD, ROWS, S, check_package, fills, notes, user_workbook
from tests.addin.painting_cases import run as run_with
from tests.addin.painting_cases import seeded as base_seeded


@pytest.fixture
def path(tmp_path):
    return user_workbook(tmp_path / "classeur.xlsx", extra_sheet=True)


def seeded():
    return base_seeded() + [alert("ENTRY_NO_AMOUNT", sheet=S, row=30)]  # a row beyond the data: row-wide fill on new XML rows


def run(path, alerts, cls=FastFileWorkbook, **kw):
    return run_with(path, alerts, cls, **kw)


def test_same_result_as_openpyxl_backend(path, tmp_path):
    other = tmp_path / "autre.xlsx"
    other.write_bytes(path.read_bytes())
    run(path, seeded())
    run(other, seeded(), cls=FileWorkbook)
    assert fills(path) == fills(other)
    assert notes(path) == notes(other)
    assert fills(path)["B3"] == RED and fills(path)["G4"] == YELLOW and fills(path)["J20"] == YELLOW
    assert {f"{c}30" for c in "ABCDEFG"} <= set(fills(path))
    # the cell keeps its own number format under the red fill
    assert load_workbook(path)[S]["B3"].number_format == "dd/mm/yyyy"
    a = [r for r in load_workbook(path)[CONTROL_SHEET].iter_rows(values_only=True)]
    b = [r for r in load_workbook(other)[CONTROL_SHEET].iter_rows(values_only=True)]
    assert a == b


def test_second_and_third_runs_restore_the_user_formatting(path):
    run(path, seeded())
    run(path, [a for a in seeded() if a.row not in (5, 30)])
    f, n = fills(path), notes(path)
    assert "F5" not in f and "D5" not in f and "A30" not in f
    assert n["D5"] == "RIB demandé"
    run(path, [])
    wb = load_workbook(path)
    assert wb[S]["E2"].fill.fgColor.theme == 4 and abs(wb[S]["E2"].fill.fgColor.tint - 0.6) < 1e-9
    assert fills(path) == {"E2": "theme4", "J20": YELLOW}
    assert notes(path) == {"J21": "note de l'utilisateur", "D5": "RIB demandé"}
    assert STATE_SHEET not in wb.sheetnames
    assert wb.defined_names["zone_notes"].attr_text == "Notes!$A$1:$A$2"


def test_untouched_parts_are_byte_identical(path):
    before = zipfile.ZipFile(path)
    old = {n: before.read(n) for n in before.namelist()}
    run(path, seeded())
    after = zipfile.ZipFile(path)
    new = {n: after.read(n) for n in after.namelist()}
    notes_part = next(n for n in old if n.startswith("xl/worksheets/sheet") and b"Texte" in old[n] or n.endswith("sheet2.xml"))
    assert new[notes_part] == old[notes_part]
    assert new["xl/theme/theme1.xml"] == old["xl/theme/theme1.xml"]
    wb = load_workbook(path)
    assert wb[STATE_SHEET].sheet_state == "hidden"
    assert wb.sheetnames[:2] == [S, "Notes"]


def test_values_read_by_calamine(path):
    book = FastFileWorkbook(path)
    values = book.read_values(S)
    assert values[0][:7] == HEAD and values[0][7:] == [None, None, None]
    assert values[1][1] == datetime(2025, 1, 31) and values[2][1] == "31/02/2025"
    assert values[1][6] is None


def test_vml_with_other_shapes_is_refused_and_cli_falls_back(path, tmp_path):
    # forge a legacy drawing holding a non-note shape (e.g. a form button)
    run(path, seeded())
    data = {}
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            data[n] = z.read(n)
    vml = next(n for n in data if n.endswith(".vml"))
    data[vml] = data[vml].replace(b"</xml>", b'<v:shape id="btn"><x:ClientData ObjectType="Button"/></v:shape></xml>')
    with zipfile.ZipFile(path, "w") as z:
        for n, d in data.items():
            z.writestr(n, d)
    book = FastFileWorkbook(path)
    paint_alerts(book, [alert("DATE_INVALID", sheet=S, row=3, column="Date", value="x")])
    with pytest.raises(UnsupportedWorkbook):
        book.to_bytes()
    # the CLI falls back to openpyxl
    assert main(["check", str(path), "--moteur", "rapide"]) in (0, 1)


def test_cli_fast_engine(tmp_path):
    p = tmp_path / "e.xlsx"
    book = FileWorkbook(p, create=True)
    book.write_sheet(S, HEAD, ROWS)
    book.save()
    assert main(["check", str(p), "--moteur", "rapide"]) == 1
    f = fills(p)
    assert f["B3"] == RED and f["F5"] == RED
    wb = load_workbook(p)
    wb[S]["F5"] = 1200
    wb[S]["B3"] = datetime(2025, 1, 31)
    wb.save(p)
    assert main(["check", str(p), "--moteur", "rapide"]) == 0
    assert fills(p) == {} and notes(p) == {}


def _sparse_book(path):
    """Cells and rows absent from the sheet XML (A3; rows 4-5), a number format and a
    user's note on flagged cells."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(["Date", "Montant", "Banque"])
    ws.append(["01/02/2025", 10, "BQ1"])
    ws.append([None, 20, "BQ1"])
    ws["B2"].number_format = "0.000"
    ws["C2"].comment = Comment("note de l'utilisateur", "Marie")
    ws["A6"] = "ligne isolée"
    wb.save(path)
    return path


def _cell_formats(path):
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml")
    from lxml import etree

    root = etree.fromstring(styles)
    return len(root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}cellXfs"))


def test_absent_cells_are_inserted_formats_kept_and_styles_do_not_grow(tmp_path):
    path = _sparse_book(tmp_path / "b.xlsx")
    alerts = [
        alert("PAY_DATE_MISSING", sheet="Données", row=3, column="Date"),  # A3: no <c> in the XML
        alert("PAY_PARTIAL", sheet="Données", row=2, column="Montant", amount="10", invoice="F1", open="20", rest="10"),
        alert("PAY_BANK_UNKNOWN", sheet="Données", row=5, column="Banque", value="BQ9", expected="BQ1"),  # no <row r="5">
        alert("PAY_MODE_UNKNOWN", sheet="Données", row=2, column="Colonne inconnue", value="x", expected="y"),  # whole row
        alert("PAY_FEC_NO_BANK_LINE", sheet="FEC", journals="BQ1"),  # control sheet only
    ]
    report = run(path, alerts, owner="payments")
    f = fills(path, "Données")
    assert f == {"A2": RED, "B2": RED, "C2": RED, "A3": RED, "C5": RED}  # blocking wins over the warning on B2
    assert report.unlocated == 1
    wb = load_workbook(path)
    ws = wb["Données"]
    assert ws["B2"].number_format == "0.000"  # the cell's own format under the fill
    assert "PAY_PARTIAL" in ws["B2"].comment.text and "PAY_MODE_UNKNOWN" in ws["A2"].comment.text
    assert (ws["C2"].comment.author, ws["C2"].comment.text) == ("Marie", "note de l'utilisateur")  # part of a flagged row: fill only
    assert ws["A6"].value == "ligne isolée" and ws["A3"].value is None
    assert CONTROL_SHEET in wb.sheetnames
    # nothing wrong any more: every mark goes, each cell gets its very own format back
    report = run(path, [], owner="payments")
    assert report.restored == 5 and fills(path, "Données") == {}
    ws = load_workbook(path)["Données"]
    assert ws["B2"].number_format == "0.000"
    assert notes(path, "Données") == {"C2": "note de l'utilisateur"}
    # further paint / restore cycles reuse the cell formats already declared: styles.xml does not grow
    declared = _cell_formats(path)
    run(path, alerts, owner="payments")
    assert _cell_formats(path) == declared
    run(path, [], owner="payments")
    assert _cell_formats(path) == declared


def test_user_note_under_an_alert_is_kept_inside_ours_and_given_back(tmp_path):
    path = _sparse_book(tmp_path / "b.xlsx")
    alert_c2 = alert("PAY_BANK_UNKNOWN", sheet="Données", row=2, column="Banque", value="BQ9", expected="BQ1")
    run(path, [alert_c2], owner="payments")
    text = notes(path, "Données")["C2"]
    assert "PAY_BANK_UNKNOWN" in text and text.endswith("note de l'utilisateur")
    run(path, [], owner="payments")
    assert notes(path, "Données") == {"C2": "note de l'utilisateur"}  # the text comes back (written as Reglo's)


def test_other_owners_marks_are_kept_in_the_state_sheet(tmp_path):
    from reglo.addin.backends.paint import read_marks

    path = _sparse_book(tmp_path / "b.xlsx")
    run(path, [alert("PAY_DATE_MISSING", sheet="Données", row=3, column="Date")], cls=FileWorkbook, owner="autre")
    run(path, [alert("PAY_BANK_UNKNOWN", sheet="Données", row=2, column="Banque", value="BQ9", expected="BQ1")], owner="payments")
    marks = read_marks(FileWorkbook(path))
    assert {(m.owner, m.row, m.col) for m in marks} == {("autre", 3, 1), ("payments", 2, 3)}
    mine = next(m for m in marks if m.owner == "payments")
    assert mine.color == RED and mine.orig_known and mine.orig_note == "note de l'utilisateur"
    assert fills(path, "Données") == {"A3": RED, "C2": RED}


@pytest.mark.parametrize("runs", [[seeded()], [seeded(), []], [seeded(), [a for a in seeded() if a.row != 5], []]])
def test_every_part_is_well_formed_and_declared(path, runs):
    for alerts in runs:
        run(path, alerts)
        check_package(path)
