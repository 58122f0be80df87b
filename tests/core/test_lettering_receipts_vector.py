"""The vectorised ``lettering_receipts`` against the loop it replaced, kept here as the
reference: the same receipts, in the same order, with the same values of the same types, on
random ledgers and groups (several payments and invoices per group, equal and missing dates,
blank references, overpayments, lower-case codes, groups off customer accounts, lines absent
from the frame or in two groups, rows not numbered 2, 3, 4…, text columns of objects, no
PieceDate column, sums beyond 64-bit integers); an odd input fails with the same error."""
from __future__ import annotations

import os

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reglo.core.lettering.models import AppliedGroup
from reglo.core.lettering.receipts import (
    BANK_ROOTS,
    CUSTOMER_ROOTS,
    LetteringReceipt,
    lettering_receipts,
    new_lines,
    receipt_lines,
)
from reglo.core.register_state import RegisterSnapshot

from tests.core.lettering_receipts_fixtures import frame, invoice, line, payment

EXAMPLES = 2000 if os.environ.get("REGLO_FULL") else 200  # the full count by hand (REGLO_FULL=1), a quick one in CI


def _reference_starts(values: pd.Series, roots) -> np.ndarray:
    out = np.zeros(len(values), dtype=bool)
    for r in roots:
        out |= values.str.startswith(r).fillna(False).to_numpy(dtype=bool)
    return out


def reference_receipts(frame: pd.DataFrame, groups, *, customer_roots=CUSTOMER_ROOTS, bank_roots=BANK_ROOTS) -> list[LetteringReceipt]:
    """The former implementation: a Python loop over the groups, first in, first out."""
    if not groups or frame.empty:
        return []
    rows_all = frame["source_row"].to_numpy(dtype="int64")
    index = pd.Index(rows_all)
    sizes = np.fromiter((len(g.rows) for g in groups), dtype="int64", count=len(groups))
    flat = np.fromiter((r for g in groups for r in g.rows), dtype="int64", count=int(sizes.sum()))
    pos = index.get_indexer(flat)
    ok = pos >= 0
    safe = np.where(ok, pos, 0)
    accounts = frame["ledger_account"]
    customer_line = ok & _reference_starts(accounts, customer_roots)[safe]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_customer_group = np.logical_and.reduceat(customer_line, starts) if len(flat) else np.zeros(0, dtype=bool)
    credit = frame["credit"].to_numpy(dtype="int64")
    debit = frame["debit"].to_numpy(dtype="int64")
    has_credit = np.logical_or.reduceat(ok & (credit[safe] > 0), starts) if len(flat) else np.zeros(0, dtype=bool)
    keep = is_customer_group & has_credit
    wanted = np.flatnonzero(keep)
    if not len(wanted):
        return []
    sel = np.flatnonzero(np.repeat(keep, sizes))
    p_sel = pos[sel]
    entry = frame.groupby(["journal_code", "entry_number"], sort=False, observed=True, dropna=False).ngroup().to_numpy()
    in_bank = np.isin(entry[p_sel], np.unique(entry[_reference_starts(accounts, bank_roots)]))

    def column(name: str, dtype: Any = object) -> list:
        return frame[name].iloc[p_sel].to_numpy(dtype=dtype).tolist()

    cr, db, bk, rows = credit[p_sel].tolist(), debit[p_sel].tolist(), in_bank.tolist(), rows_all[p_sel].tolist()
    days = column("entry_date", "datetime64[D]")
    docs = column("document_date", "datetime64[D]") if "document_date" in frame else days
    refs, nums, jrs = column("document_ref"), column("entry_number"), column("journal_code")
    out = []
    i = 0
    for gi in wanted.tolist():
        g = groups[gi]
        span = range(i, i + len(g.rows))
        i += len(g.rows)
        payments = [k for k in span if cr[k] > 0 and bk[k]]
        invoices = [k for k in span if db[k] > 0]
        if not payments or not invoices:
            continue
        payments.sort(key=lambda k: (days[k] or date.min, rows[k]))
        invoices.sort(key=lambda k: (days[k] or date.min, rows[k]))
        left = [db[k] for k in invoices]
        group_partial = g.code.islower()
        n = 0
        last = len(invoices) - 1
        for k in payments:
            rest = cr[k]
            on = days[k] or date.min
            key = f"{g.account}/{jrs[k]}/{nums[k]}/{on:%Y%m%d}/{rest}"
            while rest > 0:
                while n < last and left[n] == 0:
                    n += 1
                take = rest if n == last else min(rest, left[n])
                inv = invoices[n]
                out.append(LetteringReceipt(g.account, g.code, str(refs[inv]).strip() or str(nums[inv]).strip(), docs[inv] or days[inv], on, take,
                                            group_partial or take < db[inv], rows[k], rows[inv], key))
                left[n] = max(left[n] - take, 0)
                rest -= take
    return out


def outcome(fn, *args, **kwargs) -> tuple:
    """What ``fn`` gives: its receipts with the type of every value, or the type of its error."""
    try:
        got = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the same error is expected from both
        return ("error", type(exc).__name__)
    assert all(type(r) is LetteringReceipt for r in got)
    return ("ok", [tuple(r) for r in got], [tuple(type(v) for v in r) for r in got])


ACCOUNTS = ["411000", "411000", "411100", "401000", "512000", "512000", "530000", "511300", "706000", "445710", "517000", None]


@st.composite
def ledgers(draw) -> tuple[pd.DataFrame, list[AppliedGroup], dict]:
    huge = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())
    amounts = st.sampled_from([0, 100, 250, 1000]) | st.integers(1, 2_000) | (st.integers(2**61, 2**62) if huge else st.just(300))
    recs = []
    for e in range(draw(st.integers(1, 10))):
        journal = draw(st.sampled_from(["BQ", "VT", "OD", None]))
        number = draw(st.sampled_from([f"E{e}", f"E{e}", "E0", " ", None]))
        day = draw(st.none() | st.dates(date(2025, 1, 1), date(2025, 1, 8)) | st.just(date(1, 1, 1)))
        for _ in range(draw(st.integers(1, 4))):
            amount = draw(amounts)
            side = draw(st.sampled_from(["debit", "credit", "credit", "both"]))
            recs.append({"journal_code": journal, "entry_number": number, "entry_date": day, "ledger_account": draw(st.sampled_from(ACCOUNTS)),
                         "document_ref": draw(st.sampled_from(["FA1", " FA2 ", "", "  ", None, "FA\u202f3"])),
                         "document_date": draw(st.none() | st.dates(date(2025, 1, 1), date(2025, 1, 8))),
                         "debit": amount if side != "credit" else 0,
                         "credit": amount if side == "credit" else (draw(st.integers(0, 50)) if side == "both" else 0)})
    if draw(st.booleans()):
        recs = draw(st.permutations(recs))  # the lines of an entry apart
    f = pd.DataFrame(recs)
    for c in ("entry_date", "document_date"):
        f[c] = pd.to_datetime(f[c]).astype("datetime64[s]")
    f["debit"], f["credit"] = f["debit"].astype("int64"), f["credit"].astype("int64")
    numbering = draw(st.sampled_from(["file", "file", "gaps", "shuffled", "repeated"]))
    rows = list(range(2, len(f) + 2))
    if numbering == "gaps":  # a sheet's rows
        rows = [2 + 3 * i for i in range(len(f))]
    elif numbering == "shuffled":
        rows = draw(st.permutations(rows))
    elif numbering == "repeated" and len(rows) > 1:
        rows[1] = rows[0]
    f["source_row"] = np.array(rows, dtype="int64")
    text = draw(st.sampled_from(["str", "object"]))
    for c in ("journal_code", "entry_number", "ledger_account", "document_ref"):
        f[c] = f[c].astype(text)
    if draw(st.integers(0, 9)) == 0:
        f = f.drop(columns=["document_date"])
    customers = [r for r, a in zip(rows, f["ledger_account"].tolist()) if isinstance(a, str) and a.startswith("41")]
    groups = []
    for _ in range(draw(st.integers(0, 6))):
        pool = customers if customers and draw(st.integers(0, 9)) else rows
        members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))
        if draw(st.integers(0, 14)) == 0:
            members.append(10**6)  # a line absent from the frame
        if groups and draw(st.integers(0, 14)) == 0:
            members.append(groups[0].rows[0])  # a line in two groups
        code = draw(st.sampled_from(["AA", "ab", "Ac", "A1", "aB"]))
        groups.append(AppliedGroup(draw(st.sampled_from(["C1", "C2", "F1"])), code, tuple(members), ("",) * len(members), (None,) * len(members)))
    if draw(st.integers(0, 19)) == 0:  # a group without lines (refused at the end of the list, as before)
        groups.insert(draw(st.integers(0, len(groups))), AppliedGroup("C1", "AZ", (), (), ()))
    options = draw(st.sampled_from([{}, {}, {}, {"customer_roots": ("41", "40")}, {"customer_roots": "41"}, {"bank_roots": ("51",)}, {"bank_roots": ()}]))
    return f, groups, options


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ledgers())
def test_the_receipts_are_those_of_the_former_loop(case):
    f, groups, options = case
    assert outcome(lettering_receipts, f, groups, **options) == outcome(reference_receipts, f, groups, **options)


def test_a_group_paid_by_several_payments_for_several_invoices_is_split_as_before():
    """Two payments for three invoices (one of them booked later in the file but dated
    earlier), an overpayment going to the last invoice, and a credit note that is no payment."""
    f = frame(invoice("VT3", "C1", "FA3", "100.00", "20.00", "2023-07-12"),  # rows 2-4
              invoice("VT1", "C1", "FA1", "50.00", "10.00", "2023-07-10"),  # rows 5-7
              invoice("VT2", "C1", "", "200.00", "40.00", "2023-07-10"),  # rows 8-10: no PieceRef, its EcritureNum
              payment("BQ2", "C1", "R2", "100.00", "2023-08-03"),  # rows 11-12
              payment("BQ1", "C1", "R1", "350.00", "2023-08-01"),  # rows 13-14
              [line("VT", "AV1", "2023-07-20", "411000", aux="C1", ref="AV1", credit="5.00"),  # row 15: a credit note
               line("VT", "AV1", "2023-07-20", "706000", ref="AV1", debit="5.00")])
    groups = [AppliedGroup("C1", "AA", (2, 5, 8, 11, 13, 15), ("",) * 6, (None,) * 6)]
    got = lettering_receipts(f, groups)
    assert outcome(lettering_receipts, f, groups) == outcome(reference_receipts, f, groups)
    assert [(r.receipt_date, r.invoice_number, r.amount_cents, r.partial) for r in got] == [
        (date(2023, 8, 1), "FA1", 6000, False), (date(2023, 8, 1), "VT2", 24000, False), (date(2023, 8, 1), "FA3", 5000, True),
        (date(2023, 8, 3), "FA3", 10000, True)]  # 4,50 € paid beyond the invoices: on the last one


def test_sums_beyond_64_bit_integers_are_split_in_python_integers():
    """The second payment is beyond the invoice: it goes to it too (an overpayment)."""
    big = 2**62 + 1
    f = frame(invoice("VT1", "C1", "FA1", "0.00", "0.00", "2023-07-10"), payment("BQ1", "C1", "R1", "0.00", "2023-08-01"),
              payment("BQ2", "C1", "R2", "0.00", "2023-08-02"))
    f.loc[f["source_row"] == 2, "debit"] = big
    f.loc[f["source_row"].isin([5, 7]), "credit"] = big
    groups = [AppliedGroup("C1", "AA", (2, 5, 7), ("",) * 3, (None,) * 3)]
    got = lettering_receipts(f, groups)
    assert [(r.amount_cents, r.partial) for r in got] == [(big, False), (big, False)] and all(type(r.amount_cents) is int for r in got)
    assert outcome(lettering_receipts, f, groups) == outcome(reference_receipts, f, groups)


@pytest.mark.parametrize("rows", [[2, 3, 4, 5, 6], [10, 11, 12, 13, 14], [6, 5, 4, 3, 2], [2, 4, 6, 8, 10], [2, 2, 3, 4, 5]])
def test_lines_found_by_their_source_row_however_numbered(rows):
    """A FEC numbers its lines 2, 3, 4…; a sheet's ledger has its own rows (gaps), a frame may
    be in another order or (refused, as before) have a row twice."""
    f = frame(invoice("VT1", "C1", "FA1", "100.00", "20.00", "2023-07-10")[:2], payment("BQ1", "C1", "R1", "120.00", "2023-08-01"),
              [line("OD", "X", "2023-08-01", "445710", credit="1.00")])
    f["source_row"] = np.array(rows, dtype="int64")
    groups = [AppliedGroup("C1", "AA", (rows[0], rows[2], 99), ("",) * 3, (None,) * 3), AppliedGroup("C1", "AB", (rows[0], rows[2]), ("",) * 2, (None,) * 2)]
    assert outcome(lettering_receipts, f, groups) == outcome(reference_receipts, f, groups)


def test_register_lines_and_new_lines_keep_their_values():
    """``new_lines`` writes each receipt's item key once for all; with receipts the register
    already holds, only the others (each key counted as many times as it is held)."""
    f = frame(invoice("VT1", "C1", "FA1", "100.00", "20.00", "2023-07-10"), invoice("VT2", "C1", "FA2", "50.00", "10.00", "2023-07-11"),
              payment("BQ1", "C1", "R1", "180.00", "2023-08-01"))
    receipts = lettering_receipts(f, [AppliedGroup("C1", "AA", (2, 5, 8), ("",) * 3, (None,) * 3)])
    lines = receipt_lines(receipts)
    assert [(l.item_key, l.amount_cents, l.party_code, l.document_ref, l.meta) for l in lines] == [
        (r.item_key, r.amount_cents, "C1", r.invoice_number, {"date": "2023-08-01", "invoice_date": d, "partial": False, "code": "AA", "row": 8})
        for r, d in zip(receipts, ["2023-07-10", "2023-07-11"])]
    assert receipt_lines(iter(receipts)) == lines == new_lines(RegisterSnapshot(), "x.txt", receipts) == new_lines(RegisterSnapshot(), "x.txt", iter(receipts))

    class Receipt(LetteringReceipt):  # not a plain LetteringReceipt: its own item_key
        @property
        def item_key(self) -> str:
            return "autre"

    assert [l.item_key for l in receipt_lines([Receipt(*receipts[0])])] == ["autre"]
