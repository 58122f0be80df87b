"""One presentation rule for every sheet Reglo writes (issue 12, finding 4): amounts as
``# ##0,00 €``, dates ``jj/mm/aaaa``, time stamps ``jj/mm/aaaa hh:mm``, in the summary lines
as in the table, and a first column wide enough for its labels — with every backend."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from reglo.addin.backends.base import DATE_FORMAT, DATETIME_FORMAT, EURO_FORMAT, Column, display_format
from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.sheets import FileWorkbook


def test_display_format_by_kind():
    assert display_format(Decimal("692012.00")) == EURO_FORMAT
    assert display_format(date(2026, 1, 5)) == DATE_FORMAT
    assert display_format(datetime(2026, 1, 2, 9, 0)) == DATETIME_FORMAT
    assert display_format(datetime(2026, 1, 2)) == DATE_FORMAT
    assert display_format(35) is None and display_format("texte") is None
    assert display_format(Decimal("1"), "0") == "0"


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_summary_lines_and_table_are_french(tmp_path, backend):
    path = tmp_path / "v.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Feuil1"
    wb.save(path)
    book = backend(path)
    preamble = [["Virements", 35, "Total", Decimal("692012.00")], ["Lignes avec avertissement", 3, "Exécution", date(2026, 1, 5)],
                ["Import", datetime(2026, 1, 2, 9, 0)]]
    book.write_sheet("Virements", [Column("Bénéficiaire"), Column("Montant")], [["F001", Decimal("1200.50")], ["F002", Decimal("3376.58")]],
                     title="Virements générés", preamble=preamble)
    book.save()
    ws = openpyxl.load_workbook(path)["Virements"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert ws.cell(3, 4).number_format == EURO_FORMAT and ws.cell(3, 4).value == 692012
    assert ws.cell(4, 4).number_format == DATE_FORMAT
    assert ws.cell(5, 2).number_format == DATETIME_FORMAT
    assert ws.cell(3, 2).number_format == "General"  # a count stays a plain number
    body = [c for c in ws["B"] if isinstance(c.value, (int, float)) and c.row > 6]
    assert body and all(c.number_format == EURO_FORMAT for c in body)
    assert ws.column_dimensions["A"].width >= len("Lignes avec avertissement") + 1
    assert "Virements générés" in cells


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_columns_fit_what_their_rows_show(tmp_path, backend):
    """The LCR read-back and slip sheets had IBANs, « Total CIC Ouest » and dates running into
    the next column: every column widens to fit its first rows (up to 50), a wrapped message
    column and a hidden column keep theirs."""
    path = tmp_path / "w.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Feuil1"
    wb.save(path)
    book = backend(path)
    iban = "FR76 3000 4000 0312 3456 7890 143"
    long_label = "x" * 80
    book.write_sheet("Remise", [Column("Compte", None, 8), Column("IBAN", None, 10), Column("Montant", None, 8), Column("Libellé", None, 10),
                                Column("Message", None, 30, wrap=True), Column("Clé", None, 6, hidden=True)],
                     [["C001", iban, Decimal("140818.97"), long_label, long_label, "AC|AC00065|F001"],
                      ["Total CIC Ouest — compte courant", None, Decimal("206808.22"), None, None, None]])
    book.save()
    ws = openpyxl.load_workbook(path)["Remise"]
    width = {c: ws.column_dimensions[c].width for c in "ABCDEF"}
    assert width["A"] >= len("Total CIC Ouest — compte courant") + 1
    assert width["B"] >= len(iban) + 1
    assert width["C"] >= len("206 808,22 €")
    assert width["D"] == 50  # capped: a longer text overflows rather than make a huge column
    assert width["E"] == 30  # wrapped messages keep their width
