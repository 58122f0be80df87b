"""Detail lines of the direct-debit allocation in mode LCR → LCR allocations per company bank."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reglo.core.debits.models import Assignment, DetailRow, Mode, OpenInvoice
from reglo.core.lcr.from_debits import lcr_allocations
from reglo.core.lcr.management import management_rows
from reglo.core.models import AccountKind, BankAccount, Party

D = Decimal
PARTIES = {
    "C1": Party(code="C1", kind=AccountKind.CUSTOMER, legal_name="MARTIN ET FILS SA", control_account="411000", siren="987654324",
                bank_accounts=(BankAccount(iban="FR1420041010050500013M02606", label="LA BANQUE POSTALE"),)),
}


def detail(key, customer, amount, mode=Mode.LCR, bank="BQ1", validated=False, iban=None):
    inv = OpenInvoice(key=key, customer_code=customer, ledger_account="411000", customer_label=f"Client {customer}", document_ref=f"F{key}",
                      entry_date=date(2026, 2, 15), due_date=date(2026, 3, 31), amount=D(amount))
    return DetailRow(invoice=inv, assignment=Assignment(key=key, mode=mode, company_bank=bank, customer_iban=iban, validated=validated), amount_due=D(amount))


def test_only_lcr_lines_to_collect_grouped_per_company_bank():
    details = [
        detail("1", "C1", "112.00"),
        detail("2", "C2", "42.00", bank="BQ2", iban="FR7630004008190001234567879"),
        detail("3", "C1", "10.00", mode=Mode.DIRECT_DEBIT),
        detail("4", "C1", "10.00", validated=True),
        detail("5", "C1", "0.00"),
    ]
    got = lcr_allocations(details, PARTIES)
    assert sorted(got) == ["BQ1", "BQ2"]
    (c1,) = got["BQ1"]
    assert (c1.party_name, c1.iban, c1.bank_name, c1.siren, c1.invoice.document_ref, c1.invoice.amount) == (
        "MARTIN ET FILS SA", "FR1420041010050500013M02606", "LA BANQUE POSTALE", "987654324", "F1", D("112.00"))
    (c2,) = got["BQ2"]
    assert (c2.party_name, c2.iban, c2.bank_name) == ("Client C2", "FR7630004008190001234567879", "")
    rows = management_rows(got["BQ1"], remittance_date=date(2026, 3, 2))
    assert rows[0].amount == D("112.00") and rows[0].due_date == date(2026, 3, 31) and rows[0].drawee_ref == "F1"
