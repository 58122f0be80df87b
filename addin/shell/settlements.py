"""Lettering the invoices paid by generated bank entries (payments import, supplier
transfers), shell side: reading the state of the lettered copy of the dossier ledger
(``<FEC> - lettré.txt`` and its journal) inside the dossier lock (the « Lettrage » sheet is the
plans' own: ``reglo.core.output_sheets.lettering_sheet``).

The lettering itself and the new bytes of the copy are pure (``reglo.core.lettered_copy``);
the commit protocol (``reglo.addin.shell.commit``) replaces the copy and its journal.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import pandas as pd

from reglo.core.entries import Settlement
from reglo.core.lettered_copy import (  # noqa: F401 - re-exported for the workflow shells
    JOURNAL_SUFFIX,
    LETTERED_SUFFIX,
    REGLO_ENTRY,
    CopyState,
    LedgerUpdate,
    carry_over,
    journal_name,
    ledger_update,
    lettered_copy_name,
)

def lettered_copy_path(fec_path: str | Path) -> Path:
    p = Path(fec_path)
    return p.with_name(lettered_copy_name(p.name))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def read_copy_state(fec_path: str | Path | None, dossier_folder: str | Path | None = None) -> CopyState | None:
    """What ``ledger_update`` needs of the lettered copy beside ``fec_path`` (read now: call it
    inside the dossier lock). None when the dossier has no FEC."""
    if fec_path is None:
        return None
    fec = Path(fec_path)
    copy = lettered_copy_path(fec)
    try:
        fec_bytes = fec.read_bytes()
        fec_sha = hashlib.sha256(fec_bytes).hexdigest()
    except OSError:
        fec_sha = None
    copy_bytes = _read(copy)
    newer = True
    if copy_bytes is not None:
        try:
            newer = fec_sha is None or copy.stat().st_mtime >= fec.stat().st_mtime
        except OSError:
            newer = False
    folder = ""
    if dossier_folder is not None:
        base = Path(dossier_folder).resolve()
        parent = fec.parent.resolve()
        folder = "" if parent == base else (parent.relative_to(base).as_posix() if base in parent.parents else str(parent))
    return CopyState(fec_name=fec.name, fec_sha256=fec_sha, copy_bytes=copy_bytes, journal_bytes=_read(copy.with_name(journal_name(copy.name))),
                     copy_newer_than_fec=newer, folder=folder)


def prepare_ledger_update(
    fec_path: str | Path | None,
    ledger: pd.DataFrame,
    entries: pd.DataFrame,
    settlements_for: Callable[[pd.DataFrame], list[Settlement]],
    *,
    now: datetime,
    fiscal_year_end: date | None = None,
    dossier_folder: str | Path | None = None,
) -> LedgerUpdate:
    """Read the copy's state and letter the settlements on it (nothing written)."""
    return ledger_update(read_copy_state(fec_path, dossier_folder), ledger, entries, settlements_for, now=now, fiscal_year_end=fiscal_year_end)


def lettering_summary(update: LedgerUpdate, what: str = "facture(s)") -> str:
    res = update.lettering
    full = sum(1 for c in res.codes if c and not c.islower())
    part = sum(1 for c in res.codes if c and c.islower())
    later = getattr(update, "next_year", 0)
    left = sum(1 for c in res.codes if not c) - later
    where = f" ; grand livre lettré : {update.copy_name} (annulable : reglo letter « {update.copy_name} » --undo-last)" if update.copy_name else ""
    return (f"Lettrage : {full} {what} lettré(e)s" + (f", {part} partiellement (code en minuscules)" if part else "")
            + f", {left} non lettré(e)s (paiement partiel, pièce absente du grand livre ou déjà lettrée)"
            + (f", {later} payé(e)s après la clôture de l'exercice (écritures de l'exercice suivant, hors de la copie lettrée)" if later else "")
            + f" — détail dans « Lettrage »{where}.")
