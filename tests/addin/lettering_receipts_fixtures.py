"""A dossier whose FEC has customer invoices with VAT, bank payments (full, grouped, partial)
and a supplier payment, for the receipts of the lettering of bank lines."""
from __future__ import annotations

from reglo.core.models import PaymentMethod

from tests.addin.test_debits_shell import strict
from tests.core.debit_fixtures import customer, dossier
from tests.core.lettering_receipts_fixtures import frame, invoice, line, payment  # noqa: F401


def base_groups() -> list[list]:
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
