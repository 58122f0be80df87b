"""Lettering of settlements: payment / transfer / debit entries appended to the ledger and
lettered with the invoices they settle (used by every payment workflow's plan).

Kept apart from ``reglo.core.entries`` so that building entries never imports the lettering
engine (which itself builds entry frames): no import cycle.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from reglo.core.alerts import Alert
from reglo.core.entries import LetteredLine, Settlement
from reglo.core.lettering import LetteringGroup, LetteringProposal, Rule, apply_lettering, next_codes
from reglo.core.lettering.engine import account_keys

@dataclass
class SettlementLettering:
    """``letter_settlements``' result."""

    ledger: pd.DataFrame  # ledger + entries appended, renumbered (source_row = line of the written FEC), lettered
    entries: pd.DataFrame  # the entries frame with the codes set
    run: Any  # reglo.core.lettering.LetteringRun (for ``reglo letter --undo-last``)
    lines: list[LetteredLine]
    codes: list[str]  # code per settlement, aligned with the input ("" when not lettered)
    alerts: list[Alert]


def letter_settlements(
    ledger: pd.DataFrame,
    entries: pd.DataFrame,
    settlements: list[Settlement],
    *,
    run_id: str,
    created_at: str = "",
    first_line: int = 2,
    partial: bool = False,
) -> SettlementLettering:
    """Append ``entries`` to ``ledger`` and letter each settlement on both sides.

    Lines are renumbered ``first_line``… (the FEC header is line 1) so that the lettering run
    names the lines of the written copy. Each settlement's group is its invoice lines, the
    ledger lines already partially lettered with them (lower-case code), and its paying
    lines. A group that balances gets the next free upper-case code of its account (after the
    highest code in use, ``reglo.core.lettering.next_codes``). A group where the invoices keep an
    open balance (a part payment) is not lettered — or, with ``partial=True``, gets a
    lower-case code (the partial lettering convention of ``reglo.core.lettering``); a group that
    would leave more paid than due, or whose invoice line is already lettered in full, is not
    lettered. The codes are applied through
    ``reglo.core.lettering.apply_lettering``, whose run is returned for undo.
    """

    n0 = len(ledger)
    combined = pd.concat([ledger, entries[ledger.columns] if not entries.empty else entries], ignore_index=True) if not ledger.empty else entries.reset_index(drop=True).copy()
    if not ledger.empty and not entries.empty:
        for col in ledger.columns:
            if combined[col].dtype != ledger[col].dtype:
                combined[col] = combined[col].astype(ledger[col].dtype)
    old_rows = ledger["source_row"].to_numpy() if n0 else np.array([], dtype="int64")
    new_rows = np.arange(first_line, first_line + len(combined), dtype="int64")
    combined["source_row"] = new_rows
    row_of = dict(zip(old_rows.tolist(), new_rows[:n0].tolist()))
    key = account_keys(combined)
    codes = combined["lettering_code"].to_numpy(dtype=object)
    signed = (combined["debit"] - combined["credit"]).to_numpy()
    in_use: dict[str, set[str]] = {}
    for acc, c in zip(key[codes != ""].tolist(), codes[codes != ""].tolist()):
        in_use.setdefault(acc, set()).add(c.upper())
    groups: list[LetteringGroup] = []
    setl_codes = [""] * len(settlements)
    taken_rows: set[int] = set()
    for i, s in enumerate(settlements):
        inv_pos = [row_of[r] - first_line for r in s.ledger_rows if r in row_of]
        pay_pos = [n0 + p for p in s.entry_rows if 0 <= p < len(entries)]
        if not inv_pos or not pay_pos or len(inv_pos) != len(s.ledger_rows) or any(key[p] != s.account for p in inv_pos + pay_pos):
            continue
        inv_codes = {codes[p] for p in inv_pos}
        if any(c and not c.islower() for c in inv_codes):  # already lettered in full
            continue
        partner = [int(p) for p in np.flatnonzero((key == s.account) & np.isin(codes, [c for c in inv_codes if c]))] if any(inv_codes) else []
        pos = sorted(set(inv_pos) | set(partner) | set(pay_pos))
        if taken_rows & set(pos):
            continue
        total = int(signed[pos].sum())
        invoice_side = int(np.sign(signed[inv_pos].sum()))
        if total != 0 and (int(np.sign(total)) != invoice_side or not partial):  # part payment, or paid more than due
            continue
        used = in_use.setdefault(s.account, set())
        code = next(next_codes(used))
        used.add(code)
        is_partial = total != 0
        if is_partial:
            code = code.lower()
        taken_rows |= set(pos)
        setl_codes[i] = code
        debit = int(combined["debit"].to_numpy()[pos].sum())
        credit = int(combined["credit"].to_numpy()[pos].sum())
        groups.append(LetteringGroup(
            group_id=len(groups), account=s.account, ledger_account=str(combined["ledger_account"].iat[inv_pos[0]]), code=code,
            rows=tuple(int(new_rows[p]) for p in pos), rule=Rule.PARTIAL if is_partial else Rule.REFERENCE,
            reason=s.reason or "Règlement généré par Reglo", confidence=100, partial=is_partial,
            open_amount=Decimal(total) / 100, total_debit=Decimal(debit) / 100, total_credit=Decimal(credit) / 100,
        ))
    proposal = LetteringProposal(groups=tuple(groups))
    res = apply_lettering(combined, proposal, run_id=run_id, created_at=created_at)
    applied = {g.group_id: g.code for g in res.applied}
    by_group = iter(range(len(groups)))
    for i, c in enumerate(setl_codes):
        if c:
            setl_codes[i] = applied.get(next(by_group), "")
    out = res.frame
    lines: list[LetteredLine] = []
    lettered_rows = {r: g.code for g in res.run.groups for r in g.rows}
    for p in np.flatnonzero(out["source_row"].isin(list(lettered_rows)).to_numpy()).tolist():
        r = out.iloc[p]
        lines.append(LetteredLine(
            account=str(key[p]), subledger_account=str(r["subledger_account"]), ledger_account=str(r["ledger_account"]),
            document_ref=str(r["document_ref"]), entry_date=None if pd.isna(r["entry_date"]) else pd.Timestamp(r["entry_date"]).date(),
            debit=Decimal(int(r["debit"])) / 100, credit=Decimal(int(r["credit"])) / 100, code=lettered_rows[int(r["source_row"])],
            fec_line=int(r["source_row"]), generated=p >= n0, partial=lettered_rows[int(r["source_row"])].islower(),
        ))
    new_entries = entries.copy()
    if not entries.empty:
        tail = out.iloc[n0:]
        new_entries["lettering_code"] = tail["lettering_code"].to_numpy()
        new_entries["lettered_on"] = tail["lettered_on"].to_numpy()
    return SettlementLettering(out, new_entries, res.run, lines, setl_codes, list(res.alerts))
