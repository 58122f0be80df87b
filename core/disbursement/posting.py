"""Step 5 — posting (comptabilisation des règlements), per sequence (one slip).

One entry per payment in the bank's journal, dated the slip date: the supplier's
control account is debited with what each item settles (its amount less what a partial
payment leaves open), the bank is credited with the payment, and discounts and
differences are booked on their accounts (PCG: 765 escompte obtenu, 658/758 charges et
produits divers de gestion courante, 666/766 pertes et gains de change; deposits on 4091
fournisseurs - avances et acomptes versés). Entries are balanced by construction.

Posting is two-phase so that an incident resumes (« Reprise après incident »): ``post``
reserves the entry numbers and marks the sequence pending; the shell writes the entries
through the commit protocol and then ``confirm_posting`` marks it posted. A pending
sequence found later is recomputed with the same numbers (``entries_for``). The test
mode computes the same entries and changes nothing.
"""
from __future__ import annotations

from decimal import Decimal

from reglo.core.alerts import Alert
from reglo.core.disbursement.circuit import mode_label
from reglo.core.disbursement.differences import BOOKED
from reglo.core.disbursement.models import DifferenceKind, Item, PaymentStage, PostingBatch, PostingStatus, RunState, Slip
from reglo.core.disbursement.state import banks_by_code, items_by_key, suppliers_by_code, warn
from reglo.core.models import Entry, EntryLine
from reglo.core.money import ZERO, quantize

Result = tuple[RunState, list[Alert]]

DISCOUNT_ACCOUNT = "765000"
DEPOSIT_ACCOUNT = "409100"
GAIN_ACCOUNT = {DifferenceKind.SETTLEMENT: "758000", DifferenceKind.EXCHANGE: "766000"}
LOSS_ACCOUNT = {DifferenceKind.SETTLEMENT: "658000", DifferenceKind.EXCHANGE: "666000"}


def _to_main(item: Item, value: Decimal) -> Decimal:
    if item.currency == "EUR" or item.main_amount is None or not item.amount:
        return value
    return quantize(value * item.main_amount / item.amount)


def _line(account: str, signed: Decimal, label: str, sub: str = "", sub_label: str = "") -> EntryLine | None:
    """A line debiting a positive ``signed`` amount, crediting a negative one."""
    if not signed:
        return None
    side = {"debit": signed} if signed > 0 else {"credit": -signed}
    return EntryLine(ledger_account=account, subledger_account=sub, subledger_label=sub_label, label=label, **side)


class _Indexes:
    """Look-ups built once per posting, not once per sequence."""

    def __init__(self, state: RunState):
        self.items, self.suppliers, self.banks = items_by_key(state), suppliers_by_code(state), banks_by_code(state)
        self.payments = {p.payment_id: p for p in state.payments}
        self.diffs: dict[str, list] = {}
        for d in state.differences:
            for k, v in d.allocations:
                self.diffs.setdefault(k, []).append((d, v))


def entries_for(state: RunState, slip: Slip, first_number: int, indexes: _Indexes | None = None) -> list[Entry]:
    """The entries of one sequence (slip), numbered from ``first_number``."""
    ix = indexes or _Indexes(state)
    items, suppliers, by_id, diffs = ix.items, ix.suppliers, ix.payments, ix.diffs
    bank = ix.banks.get(slip.bank)
    out = []
    for n, pid in enumerate(slip.payment_ids):
        pay = by_id[pid]
        sup = suppliers.get(pay.supplier)
        name = sup.name if sup and sup.name else pay.supplier
        label = f"Règlement {mode_label(pay.mode).lower()} {name}"[:99]
        lines: list[EntryLine | None] = []
        for k in pay.keys:
            item = items[k]
            isup = suppliers.get(item.supplier)
            carried = sum((v for d, v in diffs.get(k, ()) if d.kind is DifferenceKind.PARTIAL), ZERO)
            settled = _to_main(item, item.amount - carried)
            account = DEPOSIT_ACCOUNT if item.is_deposit else (isup.control_account if isup else "401")
            ilabel = f"{label} {item.document_ref}".strip()[:99]
            lines.append(_line(account, settled, ilabel, item.supplier, isup.name if isup else ""))
            if item.auto_discount:
                lines.append(_line(DISCOUNT_ACCOUNT, -_to_main(item, item.auto_discount.amount), f"Escompte {item.document_ref}".strip()))
            for d, v in diffs.get(k, ()):
                if d.kind not in BOOKED:
                    continue
                value = _to_main(item, v)
                if d.kind is DifferenceKind.DISCOUNT:
                    acc = d.account or DISCOUNT_ACCOUNT
                elif d.kind is DifferenceKind.MISC:
                    acc = d.account
                else:
                    acc = GAIN_ACCOUNT[d.kind] if value > 0 else LOSS_ACCOUNT[d.kind]
                lines.append(_line(acc, -value, f"{d.kind.value} {item.document_ref}".strip()[:99]))
        kept = [l for l in lines if l is not None]
        balance = sum((l.debit - l.credit for l in kept), ZERO)
        bank_line = _line(bank.ledger_account if bank else "512000", -balance, label)
        if bank_line is not None:
            kept.append(bank_line)
        out.append(
            Entry(
                journal_code=bank.journal_code if bank else "BQ",
                journal_label=bank.label if bank else "",
                entry_number=str(first_number + n),
                entry_date=slip.slip_date,
                document_ref=pay.cheque_number or pay.payment_id,
                document_date=slip.slip_date,
                label=label,
                lines=tuple(kept),
            )
        )
    return out


def _pick(state: RunState, slip_ids) -> tuple[list[Slip], list[Alert]]:
    posted = {b.slip_id for b in state.postings}
    by_id = {s.slip_id: s for s in state.slips}
    ids = list(by_id) if slip_ids is None else list(dict.fromkeys(slip_ids))
    ok, alerts = [], []
    for sid in ids:
        if sid not in by_id:
            alerts.append(warn(state, "DSB_SLIP_UNKNOWN", slip=sid, known=", ".join(by_id) or "aucun"))
        elif sid in posted:
            if slip_ids is not None:
                alerts.append(warn(state, "DSB_ALREADY_POSTED", slip=sid))
        else:
            ok.append(by_id[sid])
    return ok, alerts


def dry_run_entries(state: RunState, slip_ids=None) -> tuple[list[Entry], list[Alert]]:
    """« Comptabilisation en mode test »: the entries, numbered as they would be; nothing recorded."""
    slips, alerts = _pick(state, slip_ids)
    out, n = [], state.next_entry_number
    ix = _Indexes(state)
    for s in slips:
        es = entries_for(state, s, n, ix)
        out += es
        n += len(es)
    return out, alerts + [warn(state, "DSB_TEST_POSTING", count=len(out))]


def post(state: RunState, slip_ids=None) -> Result:
    """Start the posting of sequences: entry numbers reserved, sequences pending."""
    slips, alerts = _pick(state, slip_ids)
    batches, n = [], state.next_entry_number
    for s in slips:
        batches.append(PostingBatch(slip_id=s.slip_id, status=PostingStatus.PENDING, first_entry_number=n))
        n += len(s.payment_ids)
    return state.model_copy(update={"postings": state.postings + tuple(batches), "next_entry_number": n}), alerts


def pending(state: RunState) -> list[tuple[Slip, int]]:
    """Sequences whose posting started and was not confirmed (to resume), with their first number."""
    by_id = {s.slip_id: s for s in state.slips}
    return [(by_id[b.slip_id], b.first_entry_number) for b in state.postings if b.status is PostingStatus.PENDING]


def pending_entries(state: RunState) -> list[Entry]:
    out = []
    ix = _Indexes(state)
    for slip, first in pending(state):
        out += entries_for(state, slip, first, ix)
    return out


def confirm_posting(state: RunState, slip_ids=None) -> Result:
    """The entries of pending sequences are committed: sequences and payments are posted."""
    wanted = None if slip_ids is None else set(slip_ids)
    done = {b.slip_id for b in state.postings if b.status is PostingStatus.PENDING and (wanted is None or b.slip_id in wanted)}
    postings = tuple(b.model_copy(update={"status": PostingStatus.POSTED}) if b.slip_id in done else b for b in state.postings)
    payments = tuple(p.model_copy(update={"stage": PaymentStage.POSTED}) if p.slip_id in done else p for p in state.payments)
    return state.model_copy(update={"postings": postings, "payments": payments}), []


def resume_alerts(state: RunState) -> list[Alert]:
    return [warn(state, "DSB_POSTING_PENDING", slip=s.slip_id, first=first) for s, first in pending(state)]


def unposted(state: RunState) -> list[str]:
    posted = {b.slip_id for b in state.postings if b.status is PostingStatus.POSTED}
    return [s.slip_id for s in state.slips if s.slip_id not in posted]
