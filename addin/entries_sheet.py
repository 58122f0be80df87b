"""The « Écritures » sheet: entries in FEC columns (the 18 field names as headers).

Written by every workflow that produces entries (payments, transfers, imports) and read by
``reglo check``: one sheet layout, ready to copy into the accounting software.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from addin.sheets import DATE_FORMAT, Column, Workbook
from core.ledger import DATE_COLUMNS, FEC_FIELDS
from core.money import cents_to_money

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


def write_entries_sheet(book: Workbook, frame: pd.DataFrame, *, sheet: str = SHEET) -> None:
    """Replace ``sheet`` with the given ledger rows in FEC columns."""
    header = []
    for name, col in zip(HEADERS, _COLUMNS):
        if col in ("debit", "credit", "foreign_amount"):
            header.append(Column(name, EURO, 14))
        elif col in DATE_COLUMNS:
            header.append(Column(name, DATE_FORMAT, 12))
        elif col in ("label", "ledger_account_label", "subledger_label"):
            header.append(Column(name, None, 30))
        else:
            header.append(Column(name, None, 12))
    book.write_sheet(sheet, header, frame_to_rows(frame))
