"""Accounting entries for imported customer payments (bank journal, 512 / 411).

One entry per payment, in the journal of the bank that received it:

* debit of the bank account (512xxx) for the amount received;
* credit of the customer's control account (411xxx, auxiliary = customer code) for the
  part allocated to the invoice, carrying a lettering code (EcritureLet) when the
  payment settles the invoice — the same code is to be put on the invoice's 411 line
  (listed in ``PaymentEntries.letterings``);
* a second 411 credit line, unlettered, for an overpayment left as a credit.

Lettering codes are handed out deterministically (AA, AB, … ZZ, AAA…) skipping the codes
already used in the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count, product
from string import ascii_uppercase
from typing import Iterable, Iterator, Sequence

from reglo.core.alerts import Alert
from reglo.core.entries import check_entry, number_entries
from reglo.core.models import Entry, EntryLine
from reglo.core.money import ZERO
from reglo.core.payments.model import Allocation, PaymentReference


def lettering_codes(used: Iterable[str] = ()) -> Iterator[str]:
    """AA, AB, … ZZ, AAA, … skipping ``used`` (case-insensitive)."""
    taken = {u.upper() for u in used if u}
    for size in count(2):
        for letters in product(ascii_uppercase, repeat=size):
            c = "".join(letters)
            if c not in taken:
                yield c


@dataclass
class PaymentEntries:
    entries: list[Entry]
    letterings: list[tuple[str, str]] = field(default_factory=list)  # (invoice number, code)
    alerts: list[Alert] = field(default_factory=list)


def build_entries(
    allocations: Sequence[Allocation],
    ref: PaymentReference,
    *,
    used_lettering_codes: Iterable[str] = (),
    entry_prefix: str = "RC",
    sheet: str | None = None,
) -> PaymentEntries:
    """Entries (numbered ``<prefix>1``, ``<prefix>2``…) for the given allocations."""
    codes = lettering_codes(used_lettering_codes)
    entries: list[Entry] = []
    letterings: list[tuple[str, str]] = []
    for a in allocations:
        p = a.payment
        bank = ref.banks.get(p.bank_journal)
        customer = ref.customers.get(p.customer_code)
        control = customer.control_account if customer else "411000"
        name = customer.legal_name if customer and customer.legal_name else p.customer_code
        method = p.method.value if p.method else "Règlement"
        label = f"{method} {name} fact. {p.invoice_number}"[:100]
        letter = next(codes) if a.settles_invoice else ""
        if letter:
            letterings.append((p.invoice_number, letter))
        lines = [EntryLine(ledger_account=bank.ledger_account if bank else "512000", ledger_account_label=bank.label if bank else "", label=label, debit=p.amount, source_row=p.source_row)]
        if a.applied > ZERO:
            lines.append(EntryLine(ledger_account=control, subledger_account=p.customer_code, subledger_label=name, label=label, credit=a.applied, lettering_code=letter, lettered_on=p.payment_date if letter else None, source_row=p.source_row))
        if a.excess > ZERO:
            lines.append(EntryLine(ledger_account=control, subledger_account=p.customer_code, subledger_label=name, label=f"Trop-perçu {name} fact. {p.invoice_number}"[:100], credit=a.excess, source_row=p.source_row))
        entries.append(Entry(
            journal_code=p.bank_journal or (bank.journal_code if bank else "BQ"),
            journal_label=bank.label if bank else "Banque",
            entry_date=p.payment_date,
            document_ref=(p.reference or p.invoice_number)[:40],
            document_date=p.payment_date,
            label=label,
            lines=tuple(lines),
            source_row=p.source_row,
        ))
    entries = number_entries(entries, prefix=entry_prefix)
    alerts = [a for e in entries for a in check_entry(e, sheet=sheet)]
    return PaymentEntries(entries=entries, letterings=letterings, alerts=alerts)

