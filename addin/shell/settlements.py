"""Lettering the invoices paid by generated bank entries (payments import, supplier
transfers): the updated copy of the dossier ledger ``<FEC> - lettré.txt``, its lettering
journal (``reglo letter <copy> --undo-last`` undoes the last run) and the « Lettrage » sheet.

The dossier's own FEC is never written. The copy's journal records the sha256 of the
dossier FEC the copy was built from (``source_sha256``). While the dossier FEC is unchanged,
each run continues from the previous copy (successive runs accumulate, with their journal).
When the dossier FEC changed (a new export, ``reglo letter FEC --apply`` …), the copy is
rebuilt from it **and** the Reglo entries of the previous copy (payments ``RC…``, transfers
``VIR…``) that the new dossier FEC does not hold yet are carried over with their lettering
(matched on journal + entry number, or journal + piece ref + amount once the accounting
software renumbered them); a warning lists what was carried over or dropped. An unreadable
copy is a blocking alert: nothing is written until it is repaired or removed.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, Workbook
from reglo.core.alerts import Alert, alert
from reglo.core.money import cents_to_money, format_fr
from reglo.core.entries import Settlement
from reglo.core.settlement_lettering import SettlementLettering, letter_settlements
from reglo.core.fec import write_fec

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
    alerts: list[Alert] = field(default_factory=list)  # copy rebuilt / unreadable / next fiscal year
    next_year: int = 0  # settlements paid after the fiscal-year end: lettered on the next year's ledger

    def files(self) -> list[tuple[Path, bytes]]:
        if self.copy_path is None or self.copy_bytes is None:
            return []
        out = [(self.copy_path, self.copy_bytes)]
        if self.journal_path is not None and self.journal_bytes is not None:
            out.append((self.journal_path, self.journal_bytes))
        return out


REGLO_ENTRY = re.compile(r"^(RC\d{6}-\d+|VIR\d{14}(-\d+)?-\d+)$")
"""Entry numbers of the entries Reglo generates (payments ``RCaammjj-n``, transfers
``<message id>-n``): the lines of a lettered copy that are not in the dossier FEC."""


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _recorded_sha(copy: Path) -> str | None:
    from reglo.addin.shell.lettering import journal_path

    try:
        data = json.loads(journal_path(copy).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("source_sha256") if isinstance(data, dict) else None


def _signature(sub: pd.DataFrame) -> tuple[str, str, int]:
    return str(sub["journal_code"].iloc[0]), str(sub["document_ref"].iloc[0]).strip(), int(sub["debit"].sum())


def _account(frame: pd.DataFrame) -> pd.Series:
    return frame["subledger_account"].where(frame["subledger_account"] != "", frame["ledger_account"])


def _line_key(frame: pd.DataFrame) -> pd.Series:
    return (frame["journal_code"] + "|" + frame["entry_number"] + "|" + _account(frame) + "|" + frame["document_ref"].str.strip() + "|"
            + frame["debit"].astype(str) + "|" + frame["credit"].astype(str))


def carry_over(previous: pd.DataFrame, ledger: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The dossier ledger plus the Reglo entries of ``previous`` (the old copy) it lacks,
    with their lettering restored on the dossier lines they settled when those are still
    unlettered. Returns (frame, carried entries, lettering codes not restored)."""
    is_reglo = previous["entry_number"].str.match(REGLO_ENTRY.pattern)
    if not is_reglo.any():
        return ledger, [], []
    ids = set(zip(ledger["journal_code"], ledger["entry_number"]))
    sigs: dict[tuple[str, str, int], int] = {}
    for _, sub in ledger.groupby(["journal_code", "entry_number"], sort=False):
        k = _signature(sub)
        sigs[k] = sigs.get(k, 0) + 1
    keep: list[pd.DataFrame] = []
    carried: list[str] = []
    for (j, n), sub in previous[is_reglo].groupby(["journal_code", "entry_number"], sort=False):
        if (j, n) in ids:
            continue  # booked in the dossier FEC under the same number
        k = _signature(sub)
        if sigs.get(k, 0) > 0:  # booked, renumbered by the accounting software
            sigs[k] -= 1
            continue
        keep.append(sub)
        carried.append(f"{j} {n} ({k[1] or 'sans pièce'}, {format_fr(cents_to_money(k[2]))} €)")
    if not keep:
        return ledger, [], []
    extra = pd.concat(keep, ignore_index=True)
    base = ledger.copy()
    dropped: list[str] = []
    prev_key, base_key = _line_key(previous), _line_key(base)
    prev_acct, base_acct, extra_acct = _account(previous), _account(base), _account(extra)
    lettered = extra["lettering_code"] != ""
    for (a, c), pos in extra[lettered].groupby([extra_acct[lettered], extra["lettering_code"][lettered]]).groups.items():
        partners = previous[(prev_acct == a) & (previous["lettering_code"] == c) & ~is_reglo]
        where: list | None = []
        for k in prev_key[partners.index]:
            hit = base.index[(base_key == k) & (base["lettering_code"] == "")]
            if len(hit) == 0:
                where = None
                break
            where.append(hit[0])
        in_use = set(base.loc[base_acct == a, "lettering_code"].str.upper())
        if where is None or c.upper() in in_use:
            extra.loc[pos, "lettering_code"] = ""
            extra.loc[pos, "lettered_on"] = pd.NaT
            dropped.append(f"{a} {c}")
            continue
        base.loc[where, "lettering_code"] = c
        base.loc[where, "lettered_on"] = extra.loc[pos, "lettered_on"].max()
    out = pd.concat([base, extra[base.columns]], ignore_index=True)
    for col in base.columns:
        if out[col].dtype != base[col].dtype:
            out[col] = out[col].astype(base[col].dtype)
    out["source_row"] = range(2, 2 + len(out))
    return out, carried, dropped


def _base(fec_path: Path | None, ledger: pd.DataFrame) -> tuple[pd.DataFrame | None, list, list[Alert]]:
    """The ledger to letter on, the journal runs to keep, alerts. ``None``: unusable copy."""
    from reglo.addin.shell.lettering import load_runs
    from reglo.core.fec import FecError, read_fec

    if fec_path is None:
        return ledger, [], []
    copy = lettered_copy_path(fec_path)
    if not copy.is_file():
        return ledger, [], []
    try:
        previous = read_fec(copy.read_bytes(), copy.name).frame
    except (FecError, OSError) as exc:
        detail = exc.alert.message if isinstance(exc, FecError) and getattr(exc, "alert", None) is not None else str(exc)
        return None, [], [alert("LETTERED_COPY_UNREADABLE", file=copy.name, detail=detail[:200])]
    recorded = _recorded_sha(copy)
    current = _sha(fec_path) if fec_path.is_file() else None
    if recorded is None:  # copy of an older Reglo, or journal rewritten by « reglo letter »: by date
        try:
            same = current is None or copy.stat().st_mtime >= fec_path.stat().st_mtime
        except OSError:
            same = False
    else:
        same = current is None or recorded == current
    if same:
        return previous, load_runs(copy), []
    frame, carried, dropped = carry_over(previous, ledger)
    alerts = [alert("LETTERED_COPY_REBUILT", file=copy.name, fec=fec_path.name, count=len(carried),
                    carried=(", ".join(carried[:20]) + (" …" if len(carried) > 20 else "")) or "aucune",
                    dropped=", ".join(dropped) or "aucun")]
    return frame, [], alerts


def prepare_ledger_update(
    fec_path: str | Path | None,
    ledger: pd.DataFrame,
    entries: pd.DataFrame,
    settlements_for: Callable[[pd.DataFrame], list[Settlement]],
    *,
    now: datetime,
    fiscal_year_end: date | None = None,
) -> LedgerUpdate:
    """Letter the settlements on the copy of the ledger; the bytes to write (nothing written).

    Entries dated after ``fiscal_year_end`` belong to the next fiscal year: they stay in the
    entries (file and sheet) but are kept out of this year's lettered copy, unlettered, with
    a warning (``ENTRIES_NEXT_FISCAL_YEAR``)."""
    from reglo.addin.shell.lettering import journal_path, new_run_id

    fec = Path(fec_path) if fec_path else None
    base, runs, alerts = _base(fec, ledger)
    if base is None:  # unreadable copy: letter nothing, write nothing
        res = letter_settlements(ledger, entries, [], run_id=new_run_id([], now), created_at=now.isoformat(timespec="seconds"))
        return LedgerUpdate(res, None, None, None, None, alerts)
    run_id = new_run_id(runs, now)
    late = np.zeros(len(entries), dtype=bool)
    if fiscal_year_end is not None and not entries.empty:
        late = (entries["entry_date"] > pd.Timestamp(fiscal_year_end)).to_numpy()
    if late.any():
        res, next_year = _letter_in_year(base, entries, settlements_for(base), late, run_id=run_id, created_at=now.isoformat(timespec="seconds"))
        later = entries[late].drop_duplicates(["journal_code", "entry_number"])
        alerts = alerts + [alert("ENTRIES_NEXT_FISCAL_YEAR", count=len(later), end=f"{fiscal_year_end:%d/%m/%Y}",
                                 file=lettered_copy_path(fec).name if fec else "grand livre lettré",
                                 entries=", ".join(f"{j} {n} du {pd.Timestamp(d):%d/%m/%Y}" for j, n, d in zip(later["journal_code"], later["entry_number"], later["entry_date"]))[:600])]
    else:
        next_year = 0
        res = letter_settlements(base, entries, settlements_for(base), run_id=run_id, created_at=now.isoformat(timespec="seconds"))
    if fec is None:
        return LedgerUpdate(res, None, None, None, None, alerts, next_year)
    copy = lettered_copy_path(fec)
    all_runs = runs + ([res.run] if res.run.groups else [])
    body = {"fec": copy.name, "source_fec": fec.name, "source_sha256": _sha(fec) if fec.is_file() else None,
            "runs": [r.to_json() for r in all_runs if r.groups]}
    journal = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    # the due dates travel with the copy (column DateEcheance after the 18 regulatory ones)
    due = "DateEcheance" if res.ledger["due_date"].notna().any() else None
    return LedgerUpdate(res, copy, write_fec(res.ledger, due_date_field=due), journal_path(copy), journal, alerts, next_year)


def _letter_in_year(base: pd.DataFrame, entries: pd.DataFrame, settlements: list[Settlement], late: np.ndarray, *, run_id: str,
                    created_at: str) -> tuple[SettlementLettering, int]:
    """``letter_settlements`` on the in-year entries only; the result keeps every entry (the
    late ones unlettered) and one code per settlement (\"\" for those paid after year end)."""
    keep = np.flatnonzero(~late).tolist()
    new_pos = {old: new for new, old in enumerate(keep)}
    in_year = entries.iloc[keep].reset_index(drop=True)
    kept, index = [], []
    for i, st in enumerate(settlements):
        if st.entry_rows and all(p in new_pos for p in st.entry_rows):
            kept.append(st.model_copy(update={"entry_rows": tuple(new_pos[p] for p in st.entry_rows)}))
            index.append(i)
    res = letter_settlements(base, in_year, kept, run_id=run_id, created_at=created_at)
    codes = [""] * len(settlements)
    for j, i in enumerate(index):
        codes[i] = res.codes[j]
    full = entries.copy()
    if keep:
        full.loc[full.index[keep], "lettering_code"] = res.entries["lettering_code"].to_numpy()
        full.loc[full.index[keep], "lettered_on"] = res.entries["lettered_on"].to_numpy()
    return SettlementLettering(res.ledger, full, res.run, res.lines, codes, res.alerts), len(settlements) - len(kept)


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
