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
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from reglo.core.fastmodel import constructor
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


def _starts(values: pd.Series, roots: Iterable[str]) -> np.ndarray:
    """Lines whose account starts with one of ``roots`` (one vectorised test per root)."""
    out = np.zeros(len(values), dtype=bool)
    for r in roots:
        out |= values.str.startswith(r).fillna(False).to_numpy(dtype=bool)
    return out


def lettering_receipts(frame: pd.DataFrame, groups: Sequence[AppliedGroup], *, customer_roots: Sequence[str] = CUSTOMER_ROOTS,
                       bank_roots: Sequence[str] = BANK_ROOTS) -> list[LetteringReceipt]:
    """The receipts of the applied ``groups`` (``ApplyResult.run.groups``) read in ``frame``
    (the ledger frame, before or after the run: only the lettering fields differ)."""
    if not groups or frame.empty:
        return []
    rows_all = frame["source_row"].to_numpy(dtype="int64")
    index = pd.Index(rows_all)
    # only the groups on customer accounts: their lines, in one vectorised pass
    sizes = np.fromiter((len(g.rows) for g in groups), dtype="int64", count=len(groups))
    flat = np.fromiter((r for g in groups for r in g.rows), dtype="int64", count=int(sizes.sum()))
    pos = index.get_indexer(flat)
    ok = pos >= 0
    safe = np.where(ok, pos, 0)
    accounts = frame["ledger_account"]
    customer_line = ok & _starts(accounts, customer_roots)[safe]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_customer_group = np.logical_and.reduceat(customer_line, starts) if len(flat) else np.zeros(0, dtype=bool)
    credit = frame["credit"].to_numpy(dtype="int64")
    debit = frame["debit"].to_numpy(dtype="int64")
    has_credit = np.logical_or.reduceat(ok & (credit[safe] > 0), starts) if len(flat) else np.zeros(0, dtype=bool)
    keep = is_customer_group & has_credit
    wanted = np.flatnonzero(keep)
    if not len(wanted):
        return []
    # the lines of those groups, as Python lists (one conversion, no numpy scalar in the loop)
    sel = np.flatnonzero(np.repeat(keep, sizes))
    p_sel = pos[sel]
    # a credit is money received when its entry (journal, number) has a bank or cash line
    entry = frame.groupby(["journal_code", "entry_number"], sort=False, observed=True, dropna=False).ngroup().to_numpy()
    in_bank = np.isin(entry[p_sel], np.unique(entry[_starts(accounts, bank_roots)]))

    def column(name: str, dtype: Any = object) -> list:
        return frame[name].iloc[p_sel].to_numpy(dtype=dtype).tolist()

    cr, db, bk, rows = credit[p_sel].tolist(), debit[p_sel].tolist(), in_bank.tolist(), rows_all[p_sel].tolist()
    days = column("entry_date", "datetime64[D]")
    docs = column("document_date", "datetime64[D]") if "document_date" in frame else days
    refs, nums, jrs = column("document_ref"), column("entry_number"), column("journal_code")
    out: list[LetteringReceipt] = []
    compact: dict[date, str] = {}  # AAAAMMJJ of each receipt date, formatted once
    i = 0
    for gi in wanted.tolist():
        g = groups[gi]
        span = range(i, i + len(g.rows))
        i += len(g.rows)
        payments = [k for k in span if cr[k] > 0 and bk[k]]
        invoices = [k for k in span if db[k] > 0]
        if not payments or not invoices:
            continue
        if len(payments) > 1:
            payments.sort(key=lambda k: (days[k] or date.min, rows[k]))
        if len(invoices) > 1:
            invoices.sort(key=lambda k: (days[k] or date.min, rows[k]))
        left = [db[k] for k in invoices]
        group_partial = g.code.islower()
        n = 0
        last = len(invoices) - 1
        for k in payments:
            rest = cr[k]
            on = days[k] or date.min
            ymd = compact.get(on)
            if ymd is None:
                ymd = compact[on] = f"{on:%Y%m%d}"
            key = f"{g.account}/{jrs[k]}/{nums[k]}/{ymd}/{rest}"
            while rest > 0:
                while n < last and left[n] == 0:
                    n += 1
                take = rest if n == last else min(rest, left[n])
                inv = invoices[n]
                # positional (cheaper than keywords): party, code, invoice_number, invoice_date, receipt_date, amount_cents, partial,
                # bank_row, invoice_row, bank_key
                out.append(LetteringReceipt(g.account, g.code, str(refs[inv]).strip() or str(nums[inv]).strip(), docs[inv] or days[inv], on, take,
                                            group_partial or take < db[inv], rows[k], rows[inv], key))
                left[n] = max(left[n] - take, 0)
                rest -= take
    return out


# ---------------------------------------------------------------------------
# register lines
# ---------------------------------------------------------------------------

def receipt_lines(receipts: Sequence[LetteringReceipt]) -> tuple[RegisterLineDraft, ...]:
    """One register line per receipt (meta: receipt and invoice dates, partial, letter code and
    FEC line of the receipt, which a délettrage matches). Built without validation: every value
    comes typed from a ``LetteringReceipt`` (a big run records 100,000 of them)."""
    make = constructor(RegisterLineDraft)  # item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta
    iso: dict[date | None, str] = {None: ""}  # each date written once

    def text(day: date | None) -> str:
        t = iso.get(day)
        if t is None:
            t = iso[day] = day.isoformat() if day else ""
        return t

    return tuple(
        make(str(r.item_key), int(r.amount_cents), None, str(r.party), str(r.invoice_number), None,
             {"date": text(r.receipt_date), "invoice_date": text(r.invoice_date), "partial": r.partial, "code": r.code, "row": r.bank_row})
        for r in receipts
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
    fresh = []
    for r in receipts:
        if known.get(r.item_key, 0) > 0:
            known[r.item_key] -= 1
            continue
        fresh.append(r)
    return receipt_lines(fresh)


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
