"""A plain rule-based letterer, written as one would in a day: the reference every lettering
figure is reported beside (issue 13).

Rules, per account (auxiliary account, else general account), over the unlettered lines of
the 411/401 roots, in this order:

1. references: a payment whose label (compacted: upper case, letters and digits only) contains
   the compacted piece reference of open invoices of the account, when those invoices and the
   payment cancel out;
2. exact 1↔1: each invoice (by date) with the payment of the same amount at the nearest later
   date (or the same day); skipped when two payments tie at that date;
3. 1↔2–3: a payment equal to the sum of 2 or 3 open invoices dated within the 120 days before
   it, when exactly one such combination exists;
4. the account remainder: when the open lines left sum to zero, one group.

Pure Python over lists; returns the groups (tuples of source rows).
"""
from __future__ import annotations

import re
from itertools import combinations

import pandas as pd

_COMPACT = re.compile(r"[^0-9A-Z]")


def _compact(text: str) -> str:
    return _COMPACT.sub("", str(text).upper())


def baseline_letter(frame: pd.DataFrame, roots: tuple[str, ...] = ("411", "401")) -> list[tuple[int, ...]]:
    acc = frame["ledger_account"].tolist()
    aux = frame["subledger_account"].tolist()
    deb = frame["debit"].tolist()
    cred = frame["credit"].tolist()
    let = frame["lettering_code"].tolist()
    days = (frame["entry_date"].to_numpy(dtype="datetime64[D]").astype("int64")).tolist()
    refs = frame["document_ref"].tolist()
    labels = frame["label"].tolist()
    rows = frame["source_row"].tolist()
    accounts: dict[str, list[int]] = {}
    for i in range(len(rows)):
        if let[i] or not acc[i].startswith(roots) or (deb[i] - cred[i]) == 0:
            continue
        accounts.setdefault(aux[i] or acc[i], []).append(i)
    out: list[tuple[int, ...]] = []
    for key, idx in accounts.items():
        invoice_debit = acc[idx[0]].startswith("411") or not acc[idx[0]].startswith("401")
        out.extend(_account(idx, invoice_debit, deb, cred, days, refs, labels, rows))
    return out


def _account(idx, invoice_debit, deb, cred, days, refs, labels, rows):
    amount = {i: (deb[i] - cred[i]) if invoice_debit else (cred[i] - deb[i]) for i in idx}  # invoices > 0, payments < 0
    open_ = set(idx)
    groups = []
    invoices = sorted((i for i in idx if amount[i] > 0), key=lambda i: (days[i], rows[i]))
    payments = sorted((i for i in idx if amount[i] < 0), key=lambda i: (days[i], rows[i]))
    # 1. references
    by_ref: dict[str, list[int]] = {}
    for i in invoices:
        c = _compact(refs[i])
        if len(c) >= 4:
            by_ref.setdefault(c, []).append(i)
    for p in payments:
        text = _compact(labels[p])
        named = [i for c, ii in by_ref.items() if c in text for i in ii if i in open_]
        if named and sum(amount[i] for i in named) + amount[p] == 0:
            groups.append(tuple(sorted(rows[i] for i in named + [p])))
            open_.difference_update(named + [p])
    # 2. exact 1-1, nearest later payment, ties skipped
    for i in invoices:
        if i not in open_:
            continue
        cands = [p for p in payments if p in open_ and amount[p] == -amount[i] and days[p] >= days[i]]
        if not cands:
            continue
        best = min(days[p] for p in cands)
        at = [p for p in cands if days[p] == best]
        if len(at) != 1:
            continue
        groups.append(tuple(sorted((rows[i], rows[at[0]]))))
        open_.difference_update((i, at[0]))
    # 3. 1 payment = 2 or 3 invoices within 120 days before it
    for p in payments:
        if p not in open_:
            continue
        cand = [i for i in invoices if i in open_ and 0 <= days[p] - days[i] <= 120 and amount[i] < -amount[p]]
        found = []
        for size in (2, 3):
            for combo in combinations(cand, size):
                if sum(amount[i] for i in combo) == -amount[p]:
                    found.append(combo)
                    if len(found) > 1:
                        break
            if found:
                break
        if len(found) == 1:
            groups.append(tuple(sorted(rows[i] for i in found[0] + (p,))))
            open_.difference_update(found[0] + (p,))
    # 4. remainder
    if len(open_) >= 2 and sum(amount[i] for i in open_) == 0:
        groups.append(tuple(sorted(rows[i] for i in open_)))
    return groups
