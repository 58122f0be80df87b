"""Customer payment import: every alert code with a row that triggers it and one that does not."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from reglo.core.alerts import Severity
from reglo.core.catalogue.payments import MESSAGES
from reglo.core.payments import (
    BankJournal,
    Customer,
    JobSite,
    OpenInvoice,
    PaymentReference,
    PriorImport,
    RowStatus,
    check_rows,
    payment_key,
)
from reglo.core.payments import ingest as t

TODAY = date(2025, 6, 30)


def reference(**over) -> PaymentReference:
    invoices = {
        "F001": OpenInvoice(invoice_number="F001", customer_code="C001", invoice_date=date(2025, 2, 10), amount=Decimal("1200.00"), job_site_code="CH01"),
        "F002": OpenInvoice(invoice_number="F002", customer_code="C001", invoice_date=date(2025, 3, 1), amount=Decimal("500.00"), job_site_code="CH02"),
        "F003": OpenInvoice(invoice_number="F003", customer_code="C002", invoice_date=date(2025, 3, 5), amount=Decimal("3000.00"), received=Decimal("1000.00"), job_site_code="CH03"),
        "F004": OpenInvoice(invoice_number="F004", customer_code="C002", invoice_date=date(2025, 3, 5), amount=Decimal("1000.00")),
    }
    base = dict(
        invoices=invoices,
        customers={"C001": Customer(code="C001", legal_name="DUPONT BTP", default_bank_journal="BQ1"), "C002": Customer(code="C002", legal_name="MAIRIE DE LYON")},
        banks={"BQ1": BankJournal(journal_code="BQ1", ledger_account="512100", label="CIC"), "BQ2": BankJournal(journal_code="BQ2", ledger_account="512200", label="Crédit Agricole")},
        job_sites={"CH01": JobSite(code="CH01", label="École Jaurès", customer_code="C001")},
        fiscal_year_start=date(2025, 1, 1),
        fiscal_year_end=date(2025, 12, 31),
    )
    base.update(over)
    return PaymentReference(**base)


GOOD = {t.DATE: datetime(2025, 3, 15), t.INVOICE: "F001", t.CUSTOMER: "C001", t.AMOUNT: 1200.0, t.MODE: "Virement", t.REFERENCE: "VIR 123", t.BANK: "BQ1", t.JOB_SITE: "CH01", t.COMMENT: ""}


def row(**over) -> dict:
    values = dict(GOOD)
    for k, v in over.items():
        values[{"date": t.DATE, "invoice": t.INVOICE, "customer": t.CUSTOMER, "amount": t.AMOUNT, "mode": t.MODE, "bank": t.BANK, "site": t.JOB_SITE}[k]] = v
    return values


def codes(result) -> set[tuple[int, str, str]]:
    return {(a.row, a.column, a.code.value) for a in result.alerts}


# code -> (rows, reference overrides, expected (row, column))
ALERT_EXAMPLES = {
    "PAY_DATE_MISSING": ([row(date=None)], {}, (2, t.DATE)),
    "PAY_DATE_INVALID": ([row(date="31/02/2025")], {}, (2, t.DATE)),
    "PAY_INVOICE_MISSING": ([row(invoice="")], {}, (2, t.INVOICE)),
    "PAY_INVOICE_UNKNOWN": ([row(invoice="F999")], {}, (2, t.INVOICE)),
    "PAY_INVOICE_OTHER_CUSTOMER": ([row(customer="C002")], {}, (2, t.CUSTOMER)),
    "PAY_AMOUNT_MISSING": ([row(amount="")], {}, (2, t.AMOUNT)),
    "PAY_AMOUNT_INVALID": ([row(amount="douze cents")], {}, (2, t.AMOUNT)),
    "PAY_AMOUNT_NOT_POSITIVE": ([row(amount=-5.0)], {}, (2, t.AMOUNT)),
    "PAY_MODE_UNKNOWN": ([row(mode="Bitcoin")], {}, (2, t.MODE)),
    "PAY_BANK_UNKNOWN": ([row(bank="BQ9")], {}, (2, t.BANK)),
    "PAY_DUPLICATE_IN_SHEET": ([row(amount=600.0), row(amount="600,00")], {}, (3, t.AMOUNT)),
    "PAY_ALREADY_IMPORTED": ([row()], {"known_keys": {payment_key("C001", "F001", date(2025, 3, 15), Decimal("1200.00")): PriorImport(batch=7, imported_on="02/04/2025")}}, (2, t.INVOICE)),
    "PAY_PARTIAL": ([row(amount=200.0)], {}, (2, t.AMOUNT)),
    "PAY_OVERPAYMENT": ([row(amount=1500.0)], {}, (2, t.AMOUNT)),
    "PAY_DATE_BEFORE_INVOICE": ([row(date="01/02/2025")], {}, (2, t.DATE)),
    "PAY_DATE_FUTURE": ([row(date="15/07/2025")], {}, (2, t.DATE)),
    "PAY_DATE_OUTSIDE_FISCAL_YEAR": ([row()], {"fiscal_year_start": date(2025, 4, 1), "fiscal_year_end": date(2026, 3, 31)}, (2, t.DATE)),
    "PAY_JOB_SITE_MISMATCH": ([row(site="CH02")], {}, (2, t.JOB_SITE)),
    "PAY_AMOUNT_ROUNDED": ([row(amount=1199.996)], {}, (2, t.AMOUNT)),
    "PAY_BANK_DEFAULTED": ([row(bank="")], {}, (2, t.BANK)),
    "PAY_INVOICE_SETTLED_IN_LEDGER": ([row()], {"invoices": {"F001": OpenInvoice(
        invoice_number="F001", customer_code="C001", invoice_date=date(2025, 2, 10), amount=Decimal("1200.00"), job_site_code="CH01",
        ledger_open=Decimal("0.00"), settled_code="AA", settled_on=date(2025, 3, 1))}}, (2, t.INVOICE)),
}
FEC_CODES = {c for c in MESSAGES if c.startswith("PAY_FEC_")}


def test_every_template_code_has_an_example():
    assert set(ALERT_EXAMPLES) == set(MESSAGES) - FEC_CODES


@pytest.mark.parametrize("code", sorted(ALERT_EXAMPLES))
def test_alert_triggers(code):
    rows, over, (r, col) = ALERT_EXAMPLES[code]
    result = check_rows(list(enumerate(rows, start=2)), reference(**over), today=TODAY)
    assert (r, col, code) in codes(result)
    severity = MESSAGES[code][0]
    assert result.status[r] is {"BLOQUANT": RowStatus.BLOCKING, "AVERTISSEMENT": RowStatus.WARNING, "INFORMATION": RowStatus.IMPORTED}[severity]


@pytest.mark.parametrize("code", sorted(ALERT_EXAMPLES))
def test_good_row_does_not_trigger(code):
    result = check_rows([(2, GOOD)], reference(), today=TODAY)
    assert code not in {a.code.value for a in result.alerts}
    assert result.status == {2: RowStatus.OK}


NEAR_MISSES = [
    ("PAY_DATE_INVALID", row(date="29/02/2024"), {"fiscal_year_start": None, "fiscal_year_end": None}),  # leap day is real
    ("PAY_DATE_INVALID", row(date="15/03/25"), {}),
    ("PAY_DATE_INVALID", row(date=45731), {}),  # Excel serial 45731 = 15/03/2025
    ("PAY_INVOICE_UNKNOWN", row(invoice=" f001 "), {}),
    ("PAY_INVOICE_OTHER_CUSTOMER", row(customer=""), {}),  # customer taken from the invoice
    ("PAY_AMOUNT_INVALID", row(amount="1 200,00 €"), {}),
    ("PAY_AMOUNT_NOT_POSITIVE", row(amount="0,01", invoice="F002"), {}),
    ("PAY_MODE_UNKNOWN", row(mode="cheque"), {}),
    ("PAY_BANK_UNKNOWN", row(bank="cic"), {}),  # bank typed as its label
    ("PAY_BANK_UNKNOWN", row(bank="512100"), {}),
    ("PAY_PARTIAL", row(amount=2000.0, invoice="F003", customer="C002", site="CH03"), {}),  # exactly the open amount
    ("PAY_OVERPAYMENT", row(amount=2000.0, invoice="F003", customer="C002", site="CH03"), {}),
    ("PAY_JOB_SITE_MISMATCH", row(site=""), {}),
    ("PAY_AMOUNT_ROUNDED", row(amount=1200.00), {}),
    ("PAY_DATE_FUTURE", row(date=TODAY), {}),
    ("PAY_DATE_BEFORE_INVOICE", row(date="10/02/2025"), {}),
]


@pytest.mark.parametrize("code,values,over", NEAR_MISSES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(NEAR_MISSES)])
def test_near_miss_does_not_trigger(code, values, over):
    result = check_rows([(2, values)], reference(**over), today=TODAY)
    assert code not in {a.code.value for a in result.alerts}


def test_zero_amount_is_blocking_and_bank_without_default_is_unknown():
    result = check_rows([(2, row(amount=0)), (3, row(bank="", invoice="F004", customer="C002", site=""))], reference(), today=TODAY)
    assert (2, t.AMOUNT, "PAY_AMOUNT_NOT_POSITIVE") in codes(result)
    assert (3, t.BANK, "PAY_BANK_UNKNOWN") in codes(result)


def test_all_problems_of_a_row_are_reported_at_once():
    bad = {t.DATE: "32/13/2025", t.INVOICE: "", t.AMOUNT: "abc", t.MODE: "", t.BANK: "ZZ"}
    result = check_rows([(5, bad)], reference(), today=TODAY)
    assert {c for _, _, c in codes(result)} >= {"PAY_DATE_INVALID", "PAY_INVOICE_MISSING", "PAY_AMOUNT_INVALID", "PAY_MODE_UNKNOWN", "PAY_BANK_UNKNOWN"}
    assert result.payments == [] and result.status == {5: RowStatus.BLOCKING}


def test_two_partial_payments_in_one_sheet_settle_the_invoice():
    rows = [(2, row(amount=700.0, date="20/03/2025")), (3, row(amount=500.0, date="10/03/2025"))]
    result = check_rows(rows, reference(), today=TODAY)
    by_row = {a.payment.source_row: a for a in result.allocations}
    assert by_row[3].open_before == Decimal("1200.00") and by_row[3].is_partial  # earlier date first
    assert by_row[2].open_after == Decimal("0.00") and by_row[2].settles_invoice
    assert {(r, c) for r, _, c in codes(result)} == {(3, "PAY_PARTIAL")}


def test_overpayment_is_kept_as_credit():
    result = check_rows([(2, row(amount=1250.0))], reference(), today=TODAY)
    (a,) = result.allocations
    assert (a.applied, a.excess) == (Decimal("1200.00"), Decimal("50.00"))
    assert result.totals["excess_amount"] == Decimal("50.00")


def test_summary_totals():
    rows = [(2, row()), (3, row(invoice="F002", amount=100.0, site="CH02")), (4, row(invoice="F999"))]
    result = check_rows(rows, reference(), today=TODAY)
    assert (result.totals["ok"], result.totals["warning"], result.totals["blocking"]) == (1, 1, 1)
    assert result.totals["accepted_amount"] == Decimal("1300.00")
    assert result.totals["blocked_amount"] == Decimal("1200.00")
    assert all(a.severity in (Severity.BLOCKING, Severity.WARNING) for a in result.alerts)


def test_header_aliases():
    m = t.header_map(["date de règlement", "N° Facture", "Client", "Montant", "Mode de règlement", "Banque", "Code chantier"])
    assert set(m.values()) == {t.DATE, t.INVOICE, t.CUSTOMER, t.AMOUNT, t.MODE, t.BANK, t.JOB_SITE}


def test_payment_key_is_stable_and_ignores_mode_and_bank():
    k1 = check_rows([(2, row())], reference(), today=TODAY).payments[0].payment_key
    k2 = check_rows([(9, row(mode="Chèque", bank="BQ2"))], reference(), today=TODAY).payments[0].payment_key
    assert k1 == k2 == payment_key("C001", "F001", date(2025, 3, 15), Decimal("1200.00"))
