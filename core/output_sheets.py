"""Sheets that several workflows' plans put in their :class:`~reglo.core.outcome.Outcome`.

A plan says *what* a sheet holds (headers, kinds of columns, rows); the shell writes it after
the commit with the one presentation layer (``reglo.addin.shell.commit.write_sheets``: French
number and date formats, widths, frozen headers). Pure: no workbook library here.

* :func:`entries_sheet`: the « Écritures » sheet, the entries a run generated in FEC columns;
* :func:`lettering_sheet`: « Lettrage », every line a run lettered (invoices of the ledger and
  the lines it generated).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from reglo.core.ledger import DATE_COLUMNS, FEC_FIELDS
from reglo.core.lettered_copy import LedgerUpdate
from reglo.core.money import cents_to_money
from reglo.core.outcome import SheetColumn, SheetOutput

ENTRIES_SHEET = "Écritures"
LETTERING_SHEET = "Lettrage"

_ENTRY_FIELDS: tuple[tuple[str, str], ...] = tuple(FEC_FIELDS) + (("DateEcheance", "due_date"),)
_AMOUNT_COLUMNS = ("debit", "credit", "foreign_amount")
_WIDE_COLUMNS = ("label", "ledger_account_label", "subledger_label")


def _entry_column(name: str, col: str) -> SheetColumn:
    if col in _AMOUNT_COLUMNS:
        return SheetColumn(header=name, kind="amount", width=14)
    if col in DATE_COLUMNS or col == "due_date":
        return SheetColumn(header=name, kind="date", width=12)
    if col in _WIDE_COLUMNS:
        return SheetColumn(header=name, width=30)
    return SheetColumn(header=name, width=12)


def _cell(col: str, v: Any) -> Any:
    if col in ("debit", "credit"):
        return cents_to_money(int(v))
    if col == "foreign_amount":
        return None if v is None or pd.isna(v) else cents_to_money(int(v))
    if col in DATE_COLUMNS or col == "due_date":
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()
    return None if v is None or (isinstance(v, str) and v == "") else v


def entries_sheet(frame: pd.DataFrame, *, name: str = ENTRIES_SHEET, title: str | None = None) -> SheetOutput:
    """The entries of ``frame`` (ledger columns, amounts in cents) in FEC columns."""
    fields = [(h, c) for h, c in _ENTRY_FIELDS if c in frame.columns]
    rows = tuple(tuple(_cell(c, rec[c]) for _, c in fields) for rec in frame.to_dict("records"))
    return SheetOutput(name=name, columns=tuple(_entry_column(h, c) for h, c in fields), rows=rows, title=title)


def lettering_sheet(update: LedgerUpdate, *, name: str = LETTERING_SHEET) -> SheetOutput:
    """« Lettrage »: every line lettered by the run, with its line number in the lettered copy."""
    where = update.copy_name or "le grand livre"
    columns = (
        SheetColumn(header="Compte", width=10), SheetColumn(header="Auxiliaire", width=11), SheetColumn(header="Pièce", width=16),
        SheetColumn(header="Date", kind="date", width=12), SheetColumn(header="Débit", kind="amount", width=14),
        SheetColumn(header="Crédit", kind="amount", width=14), SheetColumn(header="Lettrage", width=9),
        SheetColumn(header="Ligne FEC", kind="integer", width=9), SheetColumn(header="Origine", width=22), SheetColumn(header="Type", width=9),
    )
    rows = tuple(
        (l.ledger_account, l.subledger_account or None, l.document_ref, l.entry_date, l.debit or None, l.credit or None, l.code,
         l.fec_line, "Écriture générée" if l.generated else "Grand livre du dossier", "Partiel" if l.partial else "Total")
        for l in update.lettering.lines
    )
    return SheetOutput(name=name, columns=columns, rows=rows, title=f"Lignes lettrées (numéros de ligne de {where})")


__all__ = ["ENTRIES_SHEET", "LETTERING_SHEET", "entries_sheet", "lettering_sheet"]
