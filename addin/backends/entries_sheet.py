"""The « Écritures » sheet: entries in FEC columns (the 18 field names as headers).

Written by every workflow that produces entries (payments, transfers, imports) and read by
``reglo check``: one sheet layout, ready to copy into the accounting software.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from reglo.addin.backends.sheets import DATE_FORMAT, Column, Workbook
from reglo.core.ledger import DATE_COLUMNS, FEC_FIELDS
from reglo.core.money import cents_to_money

SHEET = "Écritures"
EURO = '#,##0.00;[Red]-#,##0.00'
HEADERS = [name for name, _ in FEC_FIELDS] + ["DateEcheance"]
_COLUMNS = [col for _, col in FEC_FIELDS] + ["due_date"]


def frame_to_rows(frame: pd.DataFrame) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for rec in frame.to_dict("records"):
        row: list[Any] = []
        for col in _COLUMNS:
            v = rec[col]
            if col in ("debit", "credit"):
                row.append(cents_to_money(int(v)))
            elif col == "foreign_amount":
                row.append(None if v is None or pd.isna(v) else cents_to_money(int(v)))
            elif col in DATE_COLUMNS:
                row.append(None if v is None or pd.isna(v) else pd.Timestamp(v).to_pydatetime())
            else:
                row.append(v if v != "" else None)
        rows.append(row)
    return rows


def fec_column(name: str, col: str) -> Column:
    """Sheet column of a FEC field (``name``, ledger column ``col``): amounts in euros,
    dates, wider labels."""
    if col in ("debit", "credit", "foreign_amount"):
        return Column(name, EURO, 14)
    if col in DATE_COLUMNS:
        return Column(name, DATE_FORMAT, 12)
    if col in ("label", "ledger_account_label", "subledger_label"):
        return Column(name, None, 30)
    return Column(name, None, 12)


def write_entries_sheet(book: Workbook, frame: pd.DataFrame, *, sheet: str = SHEET) -> None:
    """Replace ``sheet`` with the given ledger rows in FEC columns."""
    header = [fec_column(name, col) for name, col in zip(HEADERS, _COLUMNS)]
    book.write_sheet(sheet, header, frame_to_rows(frame))
