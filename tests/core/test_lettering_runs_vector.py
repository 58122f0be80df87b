"""``matching._run_end`` (numpy) finds the run the loop of ``matching._runs`` finds."""
from __future__ import annotations

import bisect

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.lettering.matching import MAX_RUN, SETTLE_GRACE, _run_end


def _loop(amounts: list[int], days: list[int], target: int, s_day: int) -> int:
    pref = [0]
    for a in amounts:
        pref.append(pref[-1] + a)
    at = {v: i for i, v in enumerate(pref)}
    for j in range(bisect.bisect_right(days, s_day + SETTLE_GRACE), 0, -1):
        if s_day - days[j - 1] > 100:
            break
        i = at.get(pref[j] - target)
        if i is not None and 2 <= j - i <= MAX_RUN and s_day - days[i] <= 130:
            return j
    return 0


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 100, 250, 1200, 12000, 12007]), st.integers(0, 4)), min_size=2, max_size=120),
       st.integers(0, 30), st.integers(1, 8), st.integers(0, 60))
def test_same_run_as_the_loop(items, start, n, when):
    amounts = [a for a, _ in items]
    days = list(np.cumsum([d for _, d in items]))
    s_day = int(days[min(len(days) - 1, when)]) + 5
    pick = amounts[start % len(amounts):start % len(amounts) + n]
    target = sum(pick) if len(pick) >= 2 else 1200 * 3
    pref = np.concatenate([[0], np.cumsum(amounts)]).astype("int64")
    j_top = bisect.bisect_right(days, s_day + SETTLE_GRACE)
    j_low = max(1, bisect.bisect_left(days, s_day - 100) + 1)
    want = _loop(amounts, days, target, s_day)
    got = _run_end(pref, np.array(days, dtype="int64"), j_low, j_top, target, s_day) if j_top >= j_low else 0
    assert got == want


def test_an_account_of_many_invoices_gets_the_same_proposal_either_way(monkeypatch):
    """Statements paid by runs of consecutive invoices, on an account with hundreds of invoices
    in 100 days: the numpy path and the loop give the same proposal."""
    import pandas as pd

    from reglo.core.ledger import empty_frame
    from reglo.core.lettering import LetteringOptions, matching, propose_lettering

    rng = np.random.default_rng(5)
    n = 400
    inv = (rng.integers(1, 40, size=n) * 2500).tolist()
    day0 = pd.Timestamp("2025-01-01")
    inv_days = sorted(rng.integers(0, 200, size=n).tolist())
    rows, k = [], 0
    for a, d in zip(inv, inv_days):
        rows.append((a, 0, d))
    i = 0
    while i < n - 6:
        m = int(rng.integers(2, 6))
        rows.append((0, sum(inv[i:i + m]), inv_days[i + m - 1] + 20))
        i += m + int(rng.integers(0, 3))
    m = len(rows)
    frame = pd.DataFrame({
        "journal_code": "VT", "journal_label": "Ventes", "entry_number": [f"E{j}" for j in range(m)],
        "entry_date": [day0 + pd.Timedelta(days=int(r[2])) for r in rows], "ledger_account": "411000", "ledger_account_label": "Clients",
        "subledger_account": "C1", "subledger_label": "CLIENT", "document_ref": "", "document_date": [day0 + pd.Timedelta(days=int(r[2])) for r in rows],
        "label": "ligne", "debit": [r[0] for r in rows], "credit": [r[1] for r in rows], "lettering_code": "",
        "lettered_on": pd.Series([pd.NaT] * m, dtype="datetime64[s]"), "validated_on": pd.Series([pd.NaT] * m, dtype="datetime64[s]"),
        "foreign_amount": pd.array([None] * m, dtype="Int64"), "currency": "", "due_date": pd.Series([pd.NaT] * m, dtype="datetime64[s]"),
        "source_row": np.arange(2, m + 2),
    })
    frame["entry_date"] = frame["entry_date"].astype("datetime64[s]")
    frame["document_date"] = frame["document_date"].astype("datetime64[s]")
    frame = frame[list(empty_frame().columns)]
    vector = propose_lettering(frame, LetteringOptions())
    monkeypatch.setattr(matching, "_RUNS_VECTOR", 10**9)
    loop = propose_lettering(frame, LetteringOptions())
    sig = lambda p: [(g.rows, g.rule, g.reason, g.z, g.margin, g.ambiguous) for g in p.groups]  # noqa: E731
    assert sig(vector) == sig(loop)
    assert any("factures consécutives" in g.reason for g in vector.groups)
