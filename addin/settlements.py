"""Lettering the invoices paid by generated bank entries (payments import, supplier
transfers): the updated copy of the dossier ledger ``<FEC> - lettré.txt``, its lettering
journal (``reglo letter <copy> --undo-last`` undoes the last run) and the « Lettrage » sheet.

The dossier's own FEC is never written. The copy continues from the previous copy when it
is at least as recent as the dossier FEC (so that successive runs accumulate, with their
journal), else it starts again from the dossier FEC (a new export supersedes it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import pandas as pd

from addin.sheets import DATE_FORMAT, EURO_FORMAT, Column, Workbook
from core.entries import Settlement, SettlementLettering, letter_settlements
from core.fec import write_fec

LETTERED_SUFFIX = " - lettré.txt"
LETTERING_SHEET = "Lettrage"


def lettered_copy_path(fec_path: str | Path) -> Path:
    p = Path(fec_path)
    return p.with_name(p.stem + LETTERED_SUFFIX)


@dataclass
class LedgerUpdate:
    lettering: SettlementLettering
    copy_path: Path | None
    copy_bytes: bytes | None
    journal_path: Path | None
    journal_bytes: bytes | None

    def files(self) -> list[tuple[Path, bytes]]:
        if self.copy_path is None or self.copy_bytes is None:
            return []
        out = [(self.copy_path, self.copy_bytes)]
        if self.journal_path is not None and self.journal_bytes is not None:
            out.append((self.journal_path, self.journal_bytes))
        return out


def _base(fec_path: Path | None, ledger: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    from addin.lettering import load_runs

    if fec_path is None:
        return ledger, []
    copy = lettered_copy_path(fec_path)
    try:
        fresh = copy.is_file() and (not fec_path.is_file() or copy.stat().st_mtime >= fec_path.stat().st_mtime)
    except OSError:
        fresh = False
    if fresh:
        from core.fec import FecError, read_fec

        try:
            frame = read_fec(copy.read_bytes(), copy.name).frame
        except (FecError, OSError):  # an unreadable copy is rebuilt from the dossier FEC
            return ledger, []
        return frame, load_runs(copy)  # an unreadable journal: UserError (undo would be lost)
    return ledger, []


def prepare_ledger_update(
    fec_path: str | Path | None,
    ledger: pd.DataFrame,
    entries: pd.DataFrame,
    settlements_for: Callable[[pd.DataFrame], list[Settlement]],
    *,
    now: datetime,
) -> LedgerUpdate:
    """Letter the settlements on the copy of the ledger; the bytes to write (nothing written)."""
    from addin.lettering import journal_path, new_run_id

    fec = Path(fec_path) if fec_path else None
    base, runs = _base(fec, ledger)
    run_id = new_run_id(runs, now)
    res = letter_settlements(base, entries, settlements_for(base), run_id=run_id, created_at=now.isoformat(timespec="seconds"))
    if fec is None:
        return LedgerUpdate(res, None, None, None, None)
    copy = lettered_copy_path(fec)
    all_runs = runs + ([res.run] if res.run.groups else [])
    body = {"fec": copy.name, "runs": [r.to_json() for r in all_runs if r.groups]}
    journal = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    # the due dates travel with the copy (column DateEcheance after the 18 regulatory ones)
    due = "DateEcheance" if res.ledger["due_date"].notna().any() else None
    return LedgerUpdate(res, copy, write_fec(res.ledger, due_date_field=due), journal_path(copy), journal)


LETTERING_COLUMNS = [
    Column("Compte", None, 10), Column("Auxiliaire", None, 11), Column("Pièce", None, 16), Column("Date", DATE_FORMAT, 12),
    Column("Débit", EURO_FORMAT, 14), Column("Crédit", EURO_FORMAT, 14), Column("Lettrage", None, 9), Column("Ligne FEC", "0", 9),
    Column("Origine", None, 22), Column("Type", None, 9),
]


def write_lettering_sheet(book: Workbook, update: LedgerUpdate) -> int:
    """« Lettrage »: every line lettered (invoices of the dossier and the new lines)."""
    name = update.copy_path.name if update.copy_path else "le grand livre"
    rows = [[l.ledger_account, l.subledger_account or None, l.document_ref, l.entry_date, l.debit or None, l.credit or None, l.code,
             l.fec_line, "Écriture générée" if l.generated else "Grand livre du dossier", "Partiel" if l.partial else "Total"]
            for l in update.lettering.lines]
    book.write_sheet(LETTERING_SHEET, LETTERING_COLUMNS, rows, title=f"Lignes lettrées (numéros de ligne de {name})")
    return len(rows)
