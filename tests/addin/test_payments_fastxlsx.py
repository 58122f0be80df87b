"""The fast file painter on its own: absent cells, user notes kept, styles kept, re-runs."""
from __future__ import annotations

import openpyxl
from openpyxl.comments import Comment

from addin.fastxlsx import AUTHOR, paint_file
from addin.sheets import RED
from core.alerts import alert


def _book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(["Date", "Montant", "Banque"])
    ws.append(["01/02/2025", 10, "BQ1"])
    ws.append([None, 20, "BQ1"])  # A3 absent from the XML
    ws["B2"].number_format = "0.000"
    ws["C2"].comment = Comment("note de l'utilisateur", "Marie")
    ws["A6"] = "ligne isolée"  # rows 4-5 absent from the XML
    wb.save(path)


def _fill(ws, ref):
    f = ws[ref].fill
    return "#" + f.fgColor.rgb[2:] if f is not None and f.fill_type == "solid" else None


def test_absent_cells_and_rows_are_inserted_and_user_notes_kept(tmp_path):
    path = tmp_path / "b.xlsx"
    _book(path)
    alerts = [
        alert("PAY_DATE_MISSING", sheet="Données", row=3, column="Date"),
        alert("PAY_PARTIAL", sheet="Données", row=2, column="Montant", amount="10", invoice="F1", open="20", rest="10"),
        alert("PAY_BANK_UNKNOWN", sheet="Données", row=5, column="Banque", value="BQ9", expected="BQ1"),
        alert("PAY_MODE_UNKNOWN", sheet="Données", row=2, column="Colonne inconnue", value="x", expected="y"),  # whole row
        alert("PAY_FEC_NO_BANK_LINE", sheet="FEC", journals="BQ1"),  # control sheet only
    ]
    report = paint_file(path, "Données", 1, alerts, summary=[("Lignes lues", 3)])
    wb = openpyxl.load_workbook(path)
    ws = wb["Données"]
    assert _fill(ws, "A3") == RED and _fill(ws, "C5") == RED
    assert _fill(ws, "B2") == RED and _fill(ws, "A2") == RED  # whole row 2 (blocking wins over the warning on B2)
    assert ws["B2"].number_format == "0.000"
    assert ws["C2"].comment.text.startswith("Reglo") and "PAY_MODE_UNKNOWN" in ws["C2"].comment.text
    assert ws["C2"].comment.text.endswith("— Note d'origine (Marie) —\nnote de l'utilisateur")  # the user's note is kept inside
    assert ws["A6"].value == "ligne isolée" and report.inserted_cells >= 2
    assert "Contrôle" in wb.sheetnames
    # second run with nothing wrong: every Reglo mark goes, the user's note comes back untouched elsewhere
    report = paint_file(path, "Données", 1, [])
    ws = openpyxl.load_workbook(path)["Données"]
    assert all(_fill(ws, ref) is None for ref in ("A2", "B2", "C2", "A3", "C5"))
    assert ws["B2"].number_format == "0.000"
    assert all(ws[ref].comment is None or ws[ref].comment.author != AUTHOR for ref in ("A2", "B2", "C2", "A3", "C5"))
    assert (ws["C2"].comment.author, ws["C2"].comment.text) == ("Marie", "note de l'utilisateur")  # given back
    assert report.restored >= 5


def test_user_note_on_an_unflagged_cell_is_kept(tmp_path):
    path = tmp_path / "b.xlsx"
    _book(path)
    paint_file(path, "Données", 1, [alert("PAY_DATE_MISSING", sheet="Données", row=3, column="Date")])
    ws = openpyxl.load_workbook(path)["Données"]
    assert ws["C2"].comment.text == "note de l'utilisateur" and ws["C2"].comment.author == "Marie"
    assert ws["A3"].comment.author == AUTHOR and _fill(ws, "A3") == RED and _fill(ws, "B3") is None
    assert _fill(ws, "C2") is None


def test_other_owners_marks_are_kept_in_the_state_sheet(tmp_path):
    from addin.paint import paint_alerts, read_marks
    from addin.sheets import FileWorkbook

    path = tmp_path / "b.xlsx"
    _book(path)
    book = FileWorkbook(path)
    paint_alerts(book, [alert("PAY_DATE_MISSING", sheet="Données", row=3, column="Date")], owner="autre")
    book.save()
    paint_file(path, "Données", 1, [alert("PAY_BANK_UNKNOWN", sheet="Données", row=2, column="Banque", value="BQ9", expected="BQ1")], owner="payments")
    marks = read_marks(FileWorkbook(path))
    assert {(m.owner, m.row, m.col) for m in marks} == {("autre", 3, 1), ("payments", 2, 3)}
    mine = next(m for m in marks if m.owner == "payments")
    assert mine.color == RED and mine.orig_known and mine.orig_note == "note de l'utilisateur"
