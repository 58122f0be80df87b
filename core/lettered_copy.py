"""The lettered copy of the dossier ledger (``<FEC> - lettré.txt``) and its lettering journal,
as bytes: pure (no I/O, no clock). Used by the payments import and the supplier transfers plans.

The shell reads the copy's state (:class:`CopyState`: the dossier FEC's name and sha256, the
copy's and journal's bytes) inside the dossier lock; :func:`ledger_update` letters the run's
settlements on it and returns the new bytes of both, which the commit protocol writes as the
one in-place replacement of the run (``Outcome.ledger``, with the journal as its undo record).

The dossier's own FEC is never written. The copy's journal records the sha256 of the dossier
FEC the copy was built from (``source_sha256``). While the dossier FEC is unchanged, each run
continues from the previous copy (successive runs accumulate, with their journal). When the
dossier FEC changed (a new export, ``reglo letter FEC --apply`` …), the copy is rebuilt from it
**and** the Reglo entries of the previous copy (payments ``RC…``, transfers ``VIR…``) that the
new dossier FEC does not hold yet are carried over with their lettering; a warning lists what
was carried over or dropped. An unreadable copy is a blocking alert: nothing is written.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from reglo.core.alerts import Alert, alert
from reglo.core.entries import Settlement
from reglo.core.settlement_lettering import SettlementLettering, letter_settlements
from reglo.core.fec import FecError, read_fec, write_fec
from reglo.core.lettering import LetteringRun
from reglo.core.money import cents_to_money, format_fr
from reglo.core.outcome import LedgerRewrite, OutputFile

LETTERED_SUFFIX = " - lettré.txt"
JOURNAL_SUFFIX = ".lettrage.json"


def lettered_copy_name(fec_name: str) -> str:
    stem = fec_name.rsplit(".", 1)[0] if "." in fec_name else fec_name
    return stem + LETTERED_SUFFIX


def journal_name(file_name: str) -> str:
    return file_name + JOURNAL_SUFFIX


def new_run_id(runs: Iterable[LetteringRun], now: datetime) -> str:
    base = now.strftime("%Y%m%d-%H%M%S")
    ids = {r.run_id for r in runs}
    run_id, n = base, 1
    while run_id in ids:
        n += 1
        run_id = f"{base}-{n}"
    return run_id


@dataclass(frozen=True)
class CopyState:
    """What the shell read of the lettered copy (inside the lock). ``folder``: the copy's folder
    relative to the dossier (``""``: beside the dossier FEC in the dossier folder)."""

    fec_name: str
    fec_sha256: str | None  # None: the dossier FEC could not be read
    copy_bytes: bytes | None = None  # None: no copy yet
    journal_bytes: bytes | None = None
    copy_newer_than_fec: bool = True  # copies of an older Reglo (journal without source_sha256): by date
    folder: str = ""

    @property
    def copy_name(self) -> str:
        return lettered_copy_name(self.fec_name)

    @property
    def journal_name(self) -> str:
        return journal_name(self.copy_name)


@dataclass
class LedgerUpdate:
    lettering: SettlementLettering
    copy_name: str | None
    copy_bytes: bytes | None
    journal_name: str | None
    journal_bytes: bytes | None
    alerts: list[Alert] = field(default_factory=list)  # copy rebuilt / unreadable / next fiscal year
    next_year: int = 0  # settlements paid after the fiscal-year end: lettered on the next year's ledger
    original_sha256: str = ""  # sha256 of the copy this update was computed from ("" = no copy)
    folder: str = ""

    @property
    def blocking(self) -> bool:
        return any(a.is_blocking for a in self.alerts)

    def rewrite(self) -> LedgerRewrite | None:
        """The in-place replacement of the copy (its journal as undo record), for ``Outcome.ledger``."""
        if self.copy_name is None or self.copy_bytes is None:
            return None
        target = f"{self.folder}/{self.copy_name}" if self.folder else self.copy_name
        undo = OutputFile(folder=self.folder, name=self.journal_name, data=self.journal_bytes, role="journal") if self.journal_name and self.journal_bytes is not None else None
        return LedgerRewrite(target=target, original_sha256=self.original_sha256, data=self.copy_bytes, undo=undo)


REGLO_ENTRY = re.compile(r"^(RC\d{6}-\d+|VIR\d{14}(-\d+)?-\d+)$")
"""Entry numbers of the entries Reglo generates (payments ``RCaammjj-n``, transfers
``<message id>-n``): the lines of a lettered copy that are not in the dossier FEC."""


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


def _base(state: CopyState | None, ledger: pd.DataFrame) -> tuple[pd.DataFrame | None, list, list[Alert]]:
    """The ledger to letter on, the journal runs to keep, alerts. ``None``: unusable copy."""
    if state is None or state.copy_bytes is None:
        return ledger, [], []
    try:
        previous = read_fec(state.copy_bytes, state.copy_name).frame
    except FecError as exc:
        detail = exc.alert.message if getattr(exc, "alert", None) is not None else str(exc)
        return None, [], [alert("LETTERED_COPY_UNREADABLE", file=state.copy_name, detail=detail[:200])]
    recorded, runs = None, []
    if state.journal_bytes is not None:
        try:
            data = json.loads(state.journal_bytes.decode("utf-8"))
            if isinstance(data, dict):
                recorded = data.get("source_sha256")
                runs = [LetteringRun.from_json(r) for r in data.get("runs", [])]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            recorded, runs = None, []
    current = state.fec_sha256
    if recorded is None:  # copy of an older Reglo, or journal rewritten by « reglo letter »: by date
        same = current is None or state.copy_newer_than_fec
    else:
        same = current is None or recorded == current
    if same:
        return previous, runs, []
    frame, carried, dropped = carry_over(previous, ledger)
    alerts = [alert("LETTERED_COPY_REBUILT", file=state.copy_name, fec=state.fec_name, count=len(carried),
                    carried=(", ".join(carried[:20]) + (" …" if len(carried) > 20 else "")) or "aucune",
                    dropped=", ".join(dropped) or "aucun")]
    return frame, [], alerts


def ledger_update(
    state: CopyState | None,
    ledger: pd.DataFrame,
    entries: pd.DataFrame,
    settlements_for: Callable[[pd.DataFrame], list[Settlement]],
    *,
    now: datetime,
    fiscal_year_end: date | None = None,
) -> LedgerUpdate:
    """Letter the settlements on the copy of the ledger; the bytes to write (nothing written).

    ``state`` None: the dossier has no FEC (lettering computed, no copy). Entries dated after
    ``fiscal_year_end`` belong to the next fiscal year: they stay in the entries (file and
    sheet) but are kept out of this year's lettered copy, unlettered, with a warning
    (``ENTRIES_NEXT_FISCAL_YEAR``)."""
    base, runs, alerts = _base(state, ledger)
    original = hashlib.sha256(state.copy_bytes).hexdigest() if state is not None and state.copy_bytes is not None else ""
    folder = state.folder if state is not None else ""
    if base is None:  # unreadable copy: letter nothing, write nothing
        res = letter_settlements(ledger, entries, [], run_id=new_run_id([], now), created_at=now.isoformat(timespec="seconds"))
        return LedgerUpdate(res, None, None, None, None, alerts, original_sha256=original, folder=folder)
    run_id = new_run_id(runs, now)
    late = np.zeros(len(entries), dtype=bool)
    if fiscal_year_end is not None and not entries.empty:
        late = (entries["entry_date"] > pd.Timestamp(fiscal_year_end)).to_numpy()
    if late.any():
        res, next_year = _letter_in_year(base, entries, settlements_for(base), late, run_id=run_id, created_at=now.isoformat(timespec="seconds"))
        later = entries[late].drop_duplicates(["journal_code", "entry_number"])
        alerts = alerts + [alert("ENTRIES_NEXT_FISCAL_YEAR", count=len(later), end=f"{fiscal_year_end:%d/%m/%Y}",
                                 file=state.copy_name if state is not None else "grand livre lettré",
                                 entries=", ".join(f"{j} {n} du {pd.Timestamp(d):%d/%m/%Y}" for j, n, d in zip(later["journal_code"], later["entry_number"], later["entry_date"]))[:600])]
    else:
        next_year = 0
        res = letter_settlements(base, entries, settlements_for(base), run_id=run_id, created_at=now.isoformat(timespec="seconds"))
    if state is None:
        return LedgerUpdate(res, None, None, None, None, alerts, next_year)
    all_runs = runs + ([res.run] if res.run.groups else [])
    body = {"fec": state.copy_name, "source_fec": state.fec_name, "source_sha256": state.fec_sha256,
            "runs": [r.to_json() for r in all_runs if r.groups]}
    journal = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    # the due dates travel with the copy (column DateEcheance after the 18 regulatory ones)
    due = "DateEcheance" if res.ledger["due_date"].notna().any() else None
    return LedgerUpdate(res, state.copy_name, write_fec(res.ledger, due_date_field=due), state.journal_name, journal, alerts, next_year,
                        original_sha256=original, folder=folder)


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
