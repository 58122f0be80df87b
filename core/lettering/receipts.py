"""Receipts found by lettering bank lines (issue 15 item 5): the payment data of status 212
« Encaissée » for a customer payment that the user letters with its invoice(s) through
« Appliquer le lettrage » / ``reglo letter --apply``.

Pure (no I/O, no clock). What counts as a receipt, per applied group of the run:

* the group is on a **customer account**: its lines' general account starts with one of
  ``CUSTOMER_ROOTS`` (class 41: « clients et comptes rattachés »); supplier groups (40…) give
  nothing;
* a **receipt line** is a *credit* on that account whose entry (same ``JournalCode`` and
  ``EcritureNum``) has a line on a bank or cash account (``BANK_ROOTS``: 512 banks, 514
  chèques postaux, 515 Trésor, 517 other financial bodies, 53 cash). A credit posted against
  511 (cheques or bills « à l'encaissement »), a credit note or an OD is not money received;
* an **invoice line** is a *debit* of the group; its number is its ``PieceRef`` (its
  ``EcritureNum`` when empty) — the number under which ``reglo.core.vat_receipts.ledger``
  finds its VAT breakdown — and its date its ``PieceDate`` (else ``EcritureDate``).

The receipt date is the bank line's date (``EcritureDate`` of the receipt line). Payments and
invoices are matched first in, first out, both in date order (then FEC line order): one record
per (payment, invoice) pair, in exact cents, summing to each payment (money beyond the
invoices of the group — an overpayment booked as a write-off — goes to the last invoice). A
receipt is *partial* when its group is partial (lower-case code) or when it is less than its
invoice.

Recorded as the register lines of the lettering batch (``receipt_lines``): a line per receipt,
``item_key`` the bank line's FEC identity and the invoice, so that a later run that letters the
same payment again (a partial group completed, ``--reletter``) records only what is new
(``new_lines``). A délettrage writes one negative line per receipt of the undone groups
(``cancellation_lines``); ``register_lettering_receipts`` reads both back as ``Receipt``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import partial
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from reglo.core.fastmodel import constructor
from reglo.core.lettering.engine import _positions  # source rows → positions: by arithmetic when numbered 2, 3, 4…
from reglo.core.lettering.models import AppliedGroup
from reglo.core.money import cents_to_money
from reglo.core.outcome import RegisterLineDraft
from reglo.core.register_state import BatchState, RegisterSnapshot
from reglo.core.vat_receipts.models import Receipt, ReceiptSource

KIND = "lettrage"
UNDO_KIND = "délettrage"
CUSTOMER_ROOTS = ("41",)
BANK_ROOTS = ("512", "514", "515", "517", "53")


class LetteringReceipt(NamedTuple):
    """One amount received from a customer for one invoice, found in an applied group."""

    party: str  # the lettered account (auxiliary, else general)
    code: str  # the group's letter code
    invoice_number: str
    invoice_date: date | None
    receipt_date: date
    amount_cents: int
    partial: bool
    bank_row: int  # source row of the receipt line (411 credit)
    invoice_row: int  # source row of the invoice line (411 debit)
    bank_key: str  # FEC identity of the receipt line: account/journal/entry/date/credit cents

    @property
    def item_key(self) -> str:
        return f"{self.bank_key}>{self.invoice_number}"


def _starts(values: pd.Series, *root_sets: Iterable[str]) -> list[np.ndarray]:
    """For each of ``root_sets``, the lines whose account starts with one of its roots (a
    missing account: none). A ledger has few distinct accounts: each is tested once, then its
    answer spread over its lines (one factorisation for every set, instead of a string test of
    every line per root)."""
    values.str  # noqa: B018 - the accessor's check: a column that is not text is refused, as before
    codes, uniques = pd.factorize(values)  # a missing account: code -1, the last answer (False)
    accounts = uniques.tolist()
    return [np.array([isinstance(a, str) and a.startswith(tuple(roots)) for a in accounts] + [False], dtype=bool)[codes] for roots in root_sets]


def _bank_entries(frame: pd.DataFrame, lines: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """For each of ``lines`` (positions in ``frame``), whether its entry (same ``JournalCode``
    and ``EcritureNum``, a missing value equal to itself) has one of the ``bank`` lines. Only
    those lines are factorised, not the whole ledger."""
    both = np.concatenate([lines, bank])
    journals, _ = pd.factorize(frame["journal_code"].iloc[both], use_na_sentinel=False)
    numbers, seen = pd.factorize(frame["entry_number"].iloc[both], use_na_sentinel=False)
    key = journals.astype("int64") * max(len(seen), 1) + numbers
    return np.isin(key[:len(lines)], key[len(lines):])


def _blocks(gid: np.ndarray) -> np.ndarray:
    """Index of the first element of each run of equal values of ``gid`` (sorted)."""
    return np.flatnonzero(np.concatenate([[True], gid[1:] != gid[:-1]]))


def lettering_receipts(frame: pd.DataFrame, groups: Sequence[AppliedGroup], *, customer_roots: Sequence[str] = CUSTOMER_ROOTS,
                       bank_roots: Sequence[str] = BANK_ROOTS) -> list[LetteringReceipt]:
    """The receipts of the applied ``groups`` (``ApplyResult.run.groups``) read in ``frame``
    (the ledger frame, before or after the run: only the lettering fields differ).

    Vectorised (a big run letters 70,000 customer groups): the payments and invoices of every
    group are laid end to end on one axis of cents, the payments in their order; each piece
    between two consecutive bounds (a payment's start or end, an invoice's start) is one
    receipt, of one payment for one invoice: the first-in, first-out split of the module's
    docstring, whose last invoice takes what is left. Only the receipts become Python objects."""
    if not groups or frame.empty:
        return []
    rows_all = frame["source_row"].to_numpy(dtype="int64")
    # only the groups on customer accounts: their lines, in one vectorised pass
    rows_of = [g.rows for g in groups]
    sizes = np.fromiter(map(len, rows_of), dtype="int64", count=len(groups))
    flat = np.fromiter(chain.from_iterable(rows_of), dtype="int64", count=int(sizes.sum()))
    pos = _positions(rows_all, flat)
    ok = pos >= 0
    safe = np.where(ok, pos, 0)
    accounts = frame["ledger_account"]
    customer, bank = _starts(accounts, customer_roots, bank_roots)
    customer_line = ok & customer[safe]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_customer_group = np.logical_and.reduceat(customer_line, starts) if len(flat) else np.zeros(0, dtype=bool)
    credit = frame["credit"].to_numpy(dtype="int64")
    debit = frame["debit"].to_numpy(dtype="int64")
    has_credit = np.logical_or.reduceat(ok & (credit[safe] > 0), starts) if len(flat) else np.zeros(0, dtype=bool)
    keep = is_customer_group & has_credit
    wanted = np.flatnonzero(keep)
    if not len(wanted):
        return []
    # the lines of those groups; gid: the rank of a line's group among them
    p_sel = pos[np.flatnonzero(np.repeat(keep, sizes))]
    gid = np.repeat(np.arange(len(wanted)), sizes[wanted])
    cr, db = credit[p_sel], debit[p_sel]
    # a credit is money received when its entry (journal, number) has a bank or cash line
    is_pay = cr > 0
    is_pay[is_pay] = _bank_entries(frame, p_sel[is_pay], np.flatnonzero(bank))
    is_inv = db > 0
    # groups with no payment or no invoice give nothing
    both = (np.bincount(gid[is_pay], minlength=len(wanted)) > 0) & (np.bincount(gid[is_inv], minlength=len(wanted)) > 0)
    if not both.any():
        return []
    is_pay &= both[gid]
    is_inv &= both[gid]
    # payments and invoices of each group in date order (a missing date first, as date.min), then FEC line order
    days = frame["entry_date"].iloc[p_sel].to_numpy(dtype="datetime64[D]")
    day_key = np.where(np.isnat(days), np.datetime64(date.min, "D"), days)
    rows = rows_all[p_sel]
    pay = _in_order(np.flatnonzero(is_pay), gid, day_key, rows)
    inv = _in_order(np.flatnonzero(is_inv), gid, day_key, rows)
    paid, owed = cr[pay], db[inv]
    if int(paid.max()) * len(paid) + int(owed.max()) * len(owed) >= 2 ** 62:  # sums that could pass int64 (bounded in Python integers): Python integers
        paid, owed = paid.astype(object), owed.astype(object)
    # the axis: each group spans the sum of its payments, right after the previous group
    pay_end = np.cumsum(paid)
    pay_start = pay_end - paid
    first_pay = _blocks(gid[pay])
    group_start = pay_start[first_pay]
    group_end = pay_end[np.concatenate([first_pay[1:], [len(pay)]]) - 1]
    # an invoice starts after the invoices before it in its group; one never reached (beyond
    # the group's payments) starts at the group's end, so that the starts stay in order
    first_inv = _blocks(gid[inv])
    inv_rank = np.repeat(np.arange(len(first_inv)), np.diff(np.concatenate([first_inv, [len(inv)]])))
    owed_before = np.cumsum(owed) - owed
    inv_start = np.minimum(group_start[inv_rank] + (owed_before - owed_before[first_inv][inv_rank]), group_end[inv_rank])
    # the bounds, in order: two sorted runs merged (a stable sort finds the runs), repeats dropped
    bounds = np.concatenate([pay_start, pay_end[-1:], inv_start])
    bounds.sort(kind="stable")
    bounds = bounds[np.concatenate([[True], bounds[1:] != bounds[:-1]])]
    at = bounds[:-1]
    k = np.searchsorted(pay_start, at, side="right") - 1  # the payment of each receipt (index in pay)
    j = np.searchsorted(inv_start, at, side="right") - 1  # its invoice (index in inv)
    take = bounds[1:] - at
    # the receipts as Python values (ints, bools, dates, str)
    kept = [groups[i] for i in wanted[np.flatnonzero(both)].tolist()]  # the groups with receipts, in order
    pay_group = (np.cumsum(both) - 1)[gid[pay]]  # index in kept of each payment's group
    lower = np.array([g.code.islower() for g in kept], dtype=bool)
    partial_flags = lower[pay_group[k]] | (take < owed[j])
    pay_lines, inv_lines = p_sel[pay], p_sel[inv]
    on = np.where(np.isnat(days[pay]), np.datetime64(date.min, "D"), days[pay])
    on_days = on.tolist()
    docs = frame["document_date"].iloc[inv_lines].to_numpy(dtype="datetime64[D]") if "document_date" in frame else days[inv]
    compact = {d: f"{d:%Y%m%d}" for d in set(on_days)}  # AAAAMMJJ of each receipt date, formatted once

    def column(name: str, lines: np.ndarray) -> list:
        return frame[name].iloc[lines].to_numpy(dtype=object).tolist()

    # an invoice's number: its PieceRef, its EcritureNum when that is blank (read only for those)
    numbers = [str(r).strip() for r in column("document_ref", inv_lines)]
    blank = [i for i, n in enumerate(numbers) if not n]
    for i, n in zip(blank, column("entry_number", inv_lines[blank])):
        numbers[i] = str(n).strip()
    party = [g.account for g in kept]
    keys = [f"{party[g]}/{jr}/{num}/{compact[d]}/{c}" for g, jr, num, d, c in
            zip(pay_group.tolist(), column("journal_code", pay_lines), column("entry_number", pay_lines), on_days, cr[pay].tolist())]
    rec_group = pay_group[k]
    inv_days = np.where(np.isnat(docs), days[inv], docs).tolist()  # PieceDate, else EcritureDate
    # positional: party, code, invoice_number, invoice_date, receipt_date, amount_cents, partial, bank_row, invoice_row, bank_key
    return list(map(_RECEIPT, zip(_objects(party)[rec_group].tolist(), _objects([g.code for g in kept])[rec_group].tolist(), _objects(numbers)[j].tolist(),
                                  _objects(inv_days)[j].tolist(), _objects(on_days)[k].tolist(), take.tolist(), partial_flags.tolist(),
                                  rows[pay][k].tolist(), rows[inv][j].tolist(), _objects(keys)[k].tolist())))


def _in_order(lines: np.ndarray, gid: np.ndarray, day_key: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``lines`` (in group order) sorted by date then FEC line within each group: only the
    groups of more than one line are sorted (stable, like ``list.sort``)."""
    g = gid[lines]
    same = g[1:] == g[:-1]
    multi = np.flatnonzero(np.concatenate([same, [False]]) | np.concatenate([[False], same]))
    if len(multi):
        sub = lines[multi]
        lines[multi] = sub[np.lexsort((rows[sub], day_key[sub], gid[sub]))]
    return lines


def _objects(values: list) -> np.ndarray:
    """``values`` as a NumPy array of objects (each kept as it is), to pick them by index in C."""
    return np.fromiter(values, dtype=object, count=len(values))


_RECEIPT = partial(tuple.__new__, LetteringReceipt)  # LetteringReceipt._make, without a Python call per receipt


# ---------------------------------------------------------------------------
# register lines
# ---------------------------------------------------------------------------

def receipt_lines(receipts: Sequence[LetteringReceipt]) -> tuple[RegisterLineDraft, ...]:
    """One register line per receipt (meta: receipt and invoice dates, partial, letter code and
    FEC line of the receipt, which a délettrage matches). Built without validation: every value
    comes typed from a ``LetteringReceipt`` (a big run records 100,000 of them)."""
    receipts = receipts if isinstance(receipts, (list, tuple)) else list(receipts)
    return _receipt_lines(receipts, _item_keys(receipts))


def _item_keys(receipts: Sequence[LetteringReceipt]) -> list[str]:
    """``r.item_key`` of each receipt: written once for all when they are plain
    ``LetteringReceipt`` (the property, a Python call each, otherwise)."""
    if set(map(type, receipts)) <= {LetteringReceipt}:
        return [f"{k}>{n}" for k, n in zip(map(_BANK_KEY, receipts), map(_INVOICE_NUMBER, receipts))]
    return [r.item_key for r in receipts]


_BANK_KEY, _INVOICE_NUMBER = attrgetter("bank_key"), attrgetter("invoice_number")


def _receipt_lines(receipts: Sequence[LetteringReceipt], item_keys: Sequence[str]) -> tuple[RegisterLineDraft, ...]:
    """``receipt_lines`` given the receipts' ``item_key`` (``new_lines`` has them already)."""
    make = constructor(RegisterLineDraft)  # item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta
    iso: dict[date | None, str] = {None: ""}  # each date written once

    def text(day: date | None) -> str:
        t = iso.get(day)
        if t is None:
            t = iso[day] = day.isoformat() if day else ""
        return t

    return tuple(
        make(str(key), int(r.amount_cents), None, str(r.party), str(r.invoice_number), None,
             {"date": text(r.receipt_date), "invoice_date": text(r.invoice_date), "partial": r.partial, "code": r.code, "row": r.bank_row})
        for r, key in zip(receipts, item_keys)
    )


def _lettering_batches(snapshot: RegisterSnapshot, file_name: str | None = None) -> list[BatchState]:
    return [b for b in snapshot.batches if b.kind == KIND and b.status == "committed" and not b.is_test
            and (file_name is None or b.meta.get("fichier") == file_name)]


def _cancelled_ids(snapshot: RegisterSnapshot) -> set[str]:
    return {str(l.meta.get("cancels")) for b in snapshot.batches if b.kind == UNDO_KIND and b.status == "committed"
            for l in b.lines if l.meta.get("cancels")}


def _live_receipts(snapshot: RegisterSnapshot, file_name: str) -> list[tuple[str, BatchState, Any]]:
    """(receipt id, batch, line) of the lettering receipts of ``file_name`` not cancelled."""
    gone = _cancelled_ids(snapshot)
    out = []
    for b in _lettering_batches(snapshot, file_name):
        for n, line in enumerate(b.lines, start=1):
            rid = f"{b.reference}-{n:04d}"
            if line.amount_cents > 0 and rid not in gone:
                out.append((rid, b, line))
    return out


def new_lines(snapshot: RegisterSnapshot, file_name: str, receipts: Sequence[LetteringReceipt]) -> tuple[RegisterLineDraft, ...]:
    """The register lines of ``receipts`` that no live lettering receipt of the same FEC already
    records (same bank line, same invoice): lettering a payment again never counts it twice."""
    known: dict[str, int] = {}
    for _, _, line in _live_receipts(snapshot, file_name):
        known[line.item_key] = known.get(line.item_key, 0) + 1
    receipts = receipts if isinstance(receipts, (list, tuple)) else list(receipts)
    keys = _item_keys(receipts)
    if not known:  # the first lettering of this FEC: every receipt is new
        return _receipt_lines(receipts, keys)
    fresh, fresh_keys = [], []
    for r, key in zip(receipts, keys):
        if known.get(key, 0) > 0:
            known[key] -= 1
            continue
        fresh.append(r)
        fresh_keys.append(key)
    return _receipt_lines(fresh, fresh_keys)


def cancellation_lines(snapshot: RegisterSnapshot, file_name: str, undone: Iterable[AppliedGroup]) -> tuple[RegisterLineDraft, ...]:
    """The lines of a délettrage batch: one negative line per live lettering receipt of
    ``file_name`` whose group (account, code, receipt line) the délettrage undid."""
    wanted: dict[tuple[str, str], set[int]] = {}
    for g in undone:
        wanted.setdefault((str(g.account), str(g.code)), set()).update(int(r) for r in g.rows)
    if not wanted:
        return ()
    out = []
    for rid, b, line in _live_receipts(snapshot, file_name):
        rows = wanted.get((line.party_code, str(line.meta.get("code", ""))))
        if rows is not None and int(line.meta.get("row", -1)) in rows:
            out.append(RegisterLineDraft(item_key=line.item_key, amount_cents=-line.amount_cents, party_code=line.party_code,
                                         document_ref=line.document_ref, meta={"batch": b.reference, "cancels": rid}))
    return tuple(out)


# ---------------------------------------------------------------------------
# read back as receipts
# ---------------------------------------------------------------------------

def register_lettering_receipts(snapshot: RegisterSnapshot, *, names: Mapping[str, str] | None = None) -> tuple[list[Receipt], list[Receipt]]:
    """(receipts, cancellations) recorded by the lettering and délettrage batches. A receipt is
    lettered by definition; its cancellation is dated the day of the délettrage."""
    names = names or {}
    receipts: list[Receipt] = []
    by_id: dict[str, Receipt] = {}
    for b in _lettering_batches(snapshot):
        for n, line in enumerate(b.lines, start=1):
            if line.amount_cents <= 0:
                continue
            meta = line.meta
            inv_day = str(meta.get("invoice_date") or "")
            r = Receipt(receipt_id=f"{b.reference}-{n:04d}", source=ReceiptSource.LETTERING, party_code=line.party_code,
                        party_name=names.get(line.party_code, ""), receipt_date=date.fromisoformat(str(meta.get("date") or b.created_at.date().isoformat())),
                        amount=cents_to_money(line.amount_cents), invoice_number=line.document_ref, is_lettered=True,
                        invoice_date=date.fromisoformat(inv_day) if inv_day else None, partial=bool(meta.get("partial")))
            receipts.append(r)
            by_id[r.receipt_id] = r
    cancels: list[Receipt] = []
    for b in snapshot.batches:
        if b.kind != UNDO_KIND or b.status != "committed":
            continue
        on = b.created_at.date() if isinstance(b.created_at, datetime) else b.created_at
        for line in b.lines:
            original = by_id.get(str(line.meta.get("cancels", "")))
            if original is not None:
                cancels.append(original.model_copy(update={"receipt_id": f"{original.receipt_id}-ANN", "receipt_date": on, "cancels": original.receipt_id}))
    return receipts, cancels


__all__ = ["BANK_ROOTS", "CUSTOMER_ROOTS", "KIND", "UNDO_KIND", "LetteringReceipt", "cancellation_lines", "lettering_receipts", "new_lines",
           "receipt_lines", "register_lettering_receipts"]
