"""A dossier whose FEC has customer invoices with VAT, bank payments (full, grouped, partial)
and a supplier payment, for the receipts of the lettering of bank lines."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from reglo.core.ledger import from_lines
from reglo.core.models import LedgerLine, PaymentMethod
from tests.addin.test_debits_shell import strict
from tests.core.debit_fixtures import customer, dossier

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


def base_groups() -> list[list[LedgerLine]]:
    return [
        invoice("VT1", "C001", "FA101", "1000.00", "200.00", "2023-07-05"),
        invoice("VT2", "C002", "FA102", "500.00", "100.00", "2023-07-10"),
        invoice("VT3", "C002", "FA103", "200.00", "40.00", "2023-07-12"),
        # supplier invoice and its transfer: lettered, never a receipt
        [line("AC", "AC1", "2023-07-06", "401000", aux="F001", ref="A-77", credit="480.00"),
         line("AC", "AC1", "2023-07-06", "607000", ref="A-77", debit="480.00")],
        [line("BQ1", "BQ9", "2023-08-01", "401000", aux="F001", ref="A-77", label="VIR SEPA A-77", debit="480.00"),
         line("BQ1", "BQ9", "2023-08-01", "512100", ref="A-77", label="VIR SEPA A-77", credit="480.00")],
        invoice("VT4", "C003", "FA104", "1000.00", "200.00", "2023-07-15"),
        payment("BQ10", "C001", "RLV0802", "1200.00", "2023-08-02", label="VIR DUPONT FA101"),
        payment("BQ11", "C002", "RLV0803", "840.00", "2023-08-03", label="VIR MULLER FA102 FA103"),
        payment("BQ12", "C003", "RLV0804", "500.00", "2023-08-04", label="VIR MARTIN ACOMPTE FA104"),
    ]


def parties():
    return (customer("C001", "Dupont Immobilier", None, method=PaymentMethod.CREDIT_TRANSFER, row=2),
            customer("C002", "Muller Bau", None, method=PaymentMethod.CREDIT_TRANSFER, row=3),
            customer("C003", "Martin SARL", None, method=PaymentMethod.CREDIT_TRANSFER, row=4))


def the_dossier():
    return strict(dossier(*parties()))
