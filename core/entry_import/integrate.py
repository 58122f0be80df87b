"""« Intégrer au FEC du dossier »: the entries of an import run appended to the dossier's FEC,
as a separate, explicit action (pure plan; the shell confirms, backs up and commits).

The dossier FEC is rewritten byte for byte (``reglo.core.fec_rewrite``): its lines are kept as
they are, the imported entries are appended in its own layout (separator, encoding, amount
form, extra columns). The FEC's ordering rules are kept:

* opening entries (à-nouveaux) first: an opening entry into a FEC that already has other
  entries is refused;
* numbering continuous and chronological per journal: each accepted entry gets the journal's
  next number; an entry dated before the journal's last entry is refused;
* never the same entry twice: an entry identical to one the dossier FEC already has (same
  journal, date, piece reference — and label when there is no piece — and the same lines:
  accounts, auxiliary accounts, debits and credits, in any order) is refused, unless the user
  forces it (``allow_duplicates``): integrating the same run twice, or a run re-imported from the
  same source file, would post every entry a second time.

Refused entries are reported with their reason; the others are integrated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from reglo.core.alerts import Alert, alert
from reglo.core.entry_import.context import next_numbers
from reglo.core.fec_rewrite import _day, layout_of, line_values, rewrite
from reglo.core.ledger import DUE_DATE_FIELDS, FEC_FIELDS


@dataclass
class IntegrationPlan:
    data: bytes | None  # the new dossier FEC (None: nothing to integrate)
    alerts: list[Alert] = field(default_factory=list)
    accepted: list[tuple[str, str, str]] = field(default_factory=list)  # (journal, number in the import, number in the FEC)
    appended: tuple[int, ...] = ()
    eol_added: bool = False
    lines: int = 0


def _entry_starts(frame: pd.DataFrame) -> np.ndarray:
    """Per line: does it start an entry (a new journal and number after the line before)."""
    key = (frame["journal_code"].astype(str) + "\x00" + frame["entry_number"].astype(str)).to_numpy()
    return np.r_[True, key[1:] != key[:-1]]


def _entries(frame: pd.DataFrame) -> list[pd.DataFrame]:
    if frame.empty:
        return []
    return [part for _, part in frame.groupby(np.cumsum(_entry_starts(frame)), sort=False)]


def entry_fingerprints(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per entry of ``_entries``, in order: its number and its fingerprint, what makes
    two entries the same posting whatever their numbers — journal, date, piece (label when there
    is no piece) and the multiset of its lines (account, auxiliary account, debit, credit), as an
    order-free sum of line hashes."""
    if frame.empty:
        return pd.DataFrame({"number": [], "fingerprint": []})
    lines = pd.DataFrame({"a": frame["ledger_account"].astype(str).str.strip(), "x": frame["subledger_account"].astype(str).str.strip(),
                          "d": frame["debit"].astype("int64"), "c": frame["credit"].astype("int64")})
    line_hash = pd.util.hash_pandas_object(lines, index=False).to_numpy()
    starts = _entry_starts(frame)
    gid = np.cumsum(starts) - 1
    total = np.zeros(int(gid[-1]) + 1, dtype="uint64")
    with np.errstate(over="ignore"):
        np.add.at(total, gid, line_hash)
    first = np.flatnonzero(starts)
    head = frame.iloc[first]
    piece = head["document_ref"].astype(str).str.strip().to_numpy()
    label = head["label"].astype(str).str.strip().to_numpy()
    fingerprint = (head["journal_code"].astype(str).str.strip().str.upper().to_numpy() + "\x00"
                   + pd.to_datetime(head["entry_date"]).dt.strftime("%Y%m%d").fillna("").to_numpy() + "\x00"
                   + np.where(piece != "", piece, "\x01" + label).astype(object) + "\x00"
                   + total.astype(str).astype(object) + "\x00" + np.bincount(gid).astype(str).astype(object))
    return pd.DataFrame({"number": head["entry_number"].astype(str).to_numpy(), "fingerprint": fingerprint})


def plan_integration(dossier_raw: bytes, dossier: pd.DataFrame, imported: pd.DataFrame, *, opening_journals: Iterable[str] = ("AN", "RAN"),
                     source: str = "", allow_duplicates: bool = False) -> IntegrationPlan:
    """The dossier FEC with the imported entries appended (see the module docstring)."""
    opening = {j.strip().upper() for j in opening_journals}
    existing: dict[str, str] = {}
    if not allow_duplicates and len(dossier):
        fp = entry_fingerprints(dossier)
        existing = dict(zip(fp["fingerprint"].tolist()[::-1], fp["number"].tolist()[::-1]))  # the first entry of each fingerprint
    imported_fp = entry_fingerprints(imported)["fingerprint"].tolist() if not allow_duplicates else []
    last_date: dict[str, np.datetime64] = {}
    last_number: dict[str, str] = {}
    if len(dossier):
        for j, part in dossier.groupby("journal_code", sort=False):
            last_date[str(j)] = part["entry_date"].max()
            last_number[str(j)] = str(part["entry_number"].iloc[-1])
    others = bool(len(dossier)) and bool((~dossier["journal_code"].astype(str).str.upper().isin(opening)).any())
    plan = IntegrationPlan(data=None)
    layout = layout_of(dossier_raw)
    due_name = next((n for n in layout.names if n.strip().lower() in {d.lower() for d in DUE_DATE_FIELDS}), None)
    append: list[dict[str, str]] = []
    for n_entry, e in enumerate(_entries(imported)):
        first = e.iloc[0]
        journal, number, day = str(first["journal_code"]), str(first["entry_number"]), first["entry_date"]
        row = int(first["source_row"])
        shown = pd.Timestamp(day).strftime("%d/%m/%Y") if not pd.isna(day) else "?"
        if imported_fp:
            twin = existing.get(imported_fp[n_entry])
            if twin is not None:
                plan.alerts.append(alert("INTEGRATE_DUPLICATE_REFUSED", sheet=source or None, row=row, journal=journal, entry=number, date=shown,
                                         piece=str(first["document_ref"]).strip() or "sans pièce", existing=twin))
                continue
        if journal.upper() in opening:
            if others:
                plan.alerts.append(alert("INTEGRATE_OPENING_REFUSED", sheet=source or None, row=row, journal=journal, entry=number))
                continue
        else:
            previous = last_date.get(journal)
            if previous is not None and not pd.isna(previous) and not pd.isna(day) and day < previous:
                plan.alerts.append(alert("INTEGRATE_DATE_REFUSED", sheet=source or None, row=row, journal=journal, entry=number, date=shown,
                                         last=pd.Timestamp(previous).strftime("%d/%m/%Y")))
                continue
            others = True
        new_number = next_numbers(last_number.get(journal), 1)[0]
        last_number[journal] = new_number
        if not pd.isna(day):
            last_date[journal] = max(day, last_date.get(journal, day)) if not pd.isna(last_date.get(journal, day)) else day
        plan.accepted.append((journal, number, new_number))
        for rec in e.to_dict("records"):
            values: dict[str, str] = {}
            for name, col in FEC_FIELDS:
                if col in ("debit", "credit", "foreign_amount"):
                    continue
                v = rec[col]
                values[name] = _day(v) if col in ("entry_date", "document_date", "lettered_on", "validated_on") else ("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
            values["EcritureNum"] = new_number
            if due_name:
                values[due_name] = _day(rec.get("due_date"))
            append.append(line_values(layout, values, debit_cents=int(rec["debit"]), credit_cents=int(rec["credit"])))
    if append:
        rw = rewrite(dossier_raw, {}, append=append)
        plan.data, plan.appended, plan.eol_added, plan.lines = rw.data, rw.appended, rw.eol_added, len(append)
    return plan


def plan_undo(current_raw: bytes, appended: Iterable[int], eol_added: bool) -> bytes:
    """The dossier FEC without the lines an integration appended (its bytes before it)."""
    return rewrite(current_raw, {}, remove=list(appended), strip_final_eol=eol_added).data
