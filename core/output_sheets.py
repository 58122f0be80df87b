"""Sheets that several workflows' plans put in their :class:`~reglo.core.outcome.Outcome`.

A plan says *what* a sheet holds (headers, kinds of columns, rows); the shell writes it after
the commit with the one presentation layer (``reglo.addin.shell.commit.write_sheets``: French
number and date formats, widths, frozen headers). Pure: no workbook library here.

* :func:`entries_sheet`: the « Écritures » sheet, the entries a run generated in FEC columns;
* :func:`lettering_sheet`: « Lettrage », every line a run lettered (invoices of the ledger and
  the lines it generated).
"""
from __future__ import annotations

import pandas as pd

from reglo.core.lettered_copy import LedgerUpdate
from reglo.core.outcome import SheetColumn, SheetOutput
from reglo.core.presentation import ENTRIES_SHEET, ENTRY_FIELDS, entry_cell, entry_column

LETTERING_SHEET = "Lettrage"


def entries_sheet(frame: pd.DataFrame, *, name: str = ENTRIES_SHEET, title: str | None = None) -> SheetOutput:
    """The entries of ``frame`` (ledger columns, amounts in cents) in FEC columns."""
    fields = [(h, c) for h, c in ENTRY_FIELDS if c in frame.columns]
    rows = tuple(tuple(entry_cell(c, rec[c]) for _, c in fields) for rec in frame.to_dict("records"))
    return SheetOutput(name=name, columns=tuple(entry_column(h, c) for h, c in fields), rows=rows, title=title)


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
