"""Ledger frames for the receipts of the lettering of bank lines: entries as an accountant
books them (invoice: 411 debit, 706 and 445710 credits; payment: 411 credit against 512)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from reglo.core.ledger import from_lines
from reglo.core.models import LedgerLine

D = Decimal


def line(journal: str, entry: str, day: str, account: str, *, aux: str = "", ref: str = "", label: str = "", debit: str = "0", credit: str = "0") -> LedgerLine:
    return LedgerLine(journal_code=journal, entry_number=entry, entry_date=date.fromisoformat(day), ledger_account=account, subledger_account=aux,
                      subledger_label=f"Tiers {aux}" if aux else "", document_ref=ref, label=label or ref, debit=D(debit), credit=D(credit))


def invoice(entry: str, aux: str, ref: str, base: str, vat: str, day: str) -> list[LedgerLine]:
    total = str(D(base) + D(vat))
    return [line("VT", entry, day, "411000", aux=aux, ref=ref, label=f"Facture {ref}", debit=total),
            line("VT", entry, day, "706000", ref=ref, label=f"Facture {ref}", credit=base),
            line("VT", entry, day, "445710", ref=ref, label=f"TVA {ref}", credit=vat)]


def payment(entry: str, aux: str, ref: str, amount: str, day: str, *, label: str = "", bank: str = "512100", journal: str = "BQ1") -> list[LedgerLine]:
    """A bank entry: the customer credited, the bank debited."""
    return [line(journal, entry, day, "411000", aux=aux, ref=ref, label=label or f"VIR {ref}", credit=amount),
            line(journal, entry, day, bank, ref=ref, label=label or f"VIR {ref}", debit=amount)]


def frame(*groups: list[LedgerLine]) -> pd.DataFrame:
    lines = [l for g in groups for l in g]
    return from_lines([l.model_copy(update={"source_row": i + 2}) for i, l in enumerate(lines)])
