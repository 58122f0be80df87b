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
