"""From the « Prélèvements clients » allocation (``reglo.core.debits``) to the LCR allocations:
the detail lines in mode LCR, not yet validated, with an amount to collect, grouped per
company bank (one CFONB remittance per drawer account, F1).

The customer's IBAN is the one of the assignment, else the first bank account of the
customer's record; the bank name (domiciliation) is that account's label; the SIREN and
legal name come from the customer's record.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Sequence

from reglo.core.debits.models import DetailRow, Mode
from reglo.core.lcr.models import LcrAllocation, LcrInvoice
from reglo.core.models import Party


def lcr_allocations(details: Sequence[DetailRow], parties: Mapping[str, Party], *, default_bank: str = "") -> dict[str, list[LcrAllocation]]:
    """``{company bank journal: allocations}`` for the lines to collect by LCR."""
    out: dict[str, list[LcrAllocation]] = defaultdict(list)
    for d in details:
        a = d.assignment
        if a.mode is not Mode.LCR or a.validated or d.amount_due <= 0:
            continue
        inv = d.invoice
        party = parties.get(inv.customer_code)
        account = party.main_bank_account if party else None
        iban = a.customer_iban or (str(account.iban) if account else "")
        out[a.company_bank or default_bank].append(
            LcrAllocation(
                party_code=inv.customer_code,
                party_name=(party.legal_name if party else "") or inv.customer_label or inv.customer_code,
                control_account=inv.ledger_account,
                account_label=inv.customer_label,
                iban=iban,
                bank_name=account.label if account else "",
                siren=(party.siren or "") if party else "",
                invoice=LcrInvoice(document_ref=inv.document_ref or inv.entry_number, document_date=inv.entry_date, due_date=inv.due_date, amount=d.amount_due, label=inv.label, source_row=inv.source_row, key=inv.key),
                source_row=a.source_row or inv.source_row,
            )
        )
    return dict(out)
