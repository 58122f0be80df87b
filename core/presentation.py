"""How Reglo shows a FEC line in a sheet, for every workflow and backend (pure).

The « Écritures » sheet's columns (the 18 FEC fields, then the due date), each column's kind
and width, and each ledger value as the sheet shows it. ``reglo.core.output_sheets`` builds the
plans' sheets with them; ``reglo.addin.backends.entries_sheet`` writes them to a workbook.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from reglo.core.ledger import DATE_COLUMNS, FEC_FIELDS
from reglo.core.money import cents_to_money
from reglo.core.outcome import SheetColumn

ENTRIES_SHEET = "Écritures"

ENTRY_FIELDS: tuple[tuple[str, str], ...] = tuple(FEC_FIELDS) + (("DateEcheance", "due_date"),)
"""(header, ledger column) of the « Écritures » sheet: the 18 FEC fields, then the due date."""

_AMOUNT_COLUMNS = ("debit", "credit", "foreign_amount")
_WIDE_COLUMNS = ("label", "ledger_account_label", "subledger_label")


def entry_column(name: str, col: str) -> SheetColumn:
    """Sheet column of a FEC field (``name``, ledger column ``col``): amounts, dates, wider labels."""
    if col in _AMOUNT_COLUMNS:
        return SheetColumn(header=name, kind="amount", width=14)
    if col in DATE_COLUMNS:
        return SheetColumn(header=name, kind="date", width=12)
    if col in _WIDE_COLUMNS:
        return SheetColumn(header=name, width=30)
    return SheetColumn(header=name, width=12)


def entry_cell(col: str, v: Any) -> Any:
    """A ledger frame's value as the sheet shows it: cents as euros, timestamps as dates."""
    if col in ("debit", "credit"):
        return cents_to_money(int(v))
    if col == "foreign_amount":
        return None if v is None or pd.isna(v) else cents_to_money(int(v))
    if col in DATE_COLUMNS:
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()
    return None if v is None or (isinstance(v, str) and v == "") else v


__all__ = ["ENTRIES_SHEET", "ENTRY_FIELDS", "entry_cell", "entry_column"]
