"""The « Écritures » sheet: entries in FEC columns (the 18 field names as headers).

Written by every workflow that produces entries (payments, transfers, imports) and read by
``reglo check``: one sheet layout, ready to copy into the accounting software. The layout and
the cell values are ``reglo.core.presentation``' (the plans' sheets use them too); this
module gives them to a workbook backend.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from reglo.addin.backends.sheets import DATE_FORMAT, Column, Workbook
from reglo.core.presentation import ENTRIES_SHEET as SHEET
from reglo.core.presentation import ENTRY_FIELDS, entry_cell, entry_column

EURO = '#,##0.00;[Red]-#,##0.00'
HEADERS = [name for name, _ in ENTRY_FIELDS]


def frame_to_rows(frame: pd.DataFrame) -> list[list[Any]]:
    return [[entry_cell(col, rec[col]) for _, col in ENTRY_FIELDS] for rec in frame.to_dict("records")]


def fec_column(name: str, col: str) -> Column:
    """Sheet column of a FEC field (``name``, ledger column ``col``): amounts in euros,
    dates, wider labels."""
    c = entry_column(name, col)
    return Column(name, {"amount": EURO, "date": DATE_FORMAT}.get(c.kind), c.width)


def write_entries_sheet(book: Workbook, frame: pd.DataFrame, *, sheet: str = SHEET) -> None:
    """Replace ``sheet`` with the given ledger rows in FEC columns."""
    book.write_sheet(sheet, [fec_column(name, col) for name, col in ENTRY_FIELDS], frame_to_rows(frame))
