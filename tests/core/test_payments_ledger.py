"""Allocation, synthesis, entries (balanced, readable as a FEC) and import from the ledger."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.alerts import has_blocking
from reglo.core.catalogue.payments import MESSAGES
from reglo.core.entries import entries_to_frame
from reglo.core.fec import read_fec, write_fec
from reglo.core.models import Entry, EntryLine
from reglo.core.payments import (
    PriorImport,
    build_entries,
    check_rows,
    job_site_synthesis,
    lettering_codes,
    payment_key,
    payments_from_ledger,
)
from tests.core.test_payments import TODAY, reference, row

D = Decimal


def test_lettering_codes_skip_used():
    gen = lettering_codes({"AA", "ab"})
    assert [next(gen) for _ in range(2)] == ["AC", "AD"]
    codes = list(zip(range(680), lettering_codes()))
    assert codes[-1][1] == "AAD" and len({c for _, c in codes}) == 680


def _import(rows, ref=None):
    ref = ref or reference()
    result = check_rows(list(enumerate(rows, start=2)), ref, today=TODAY)
    return ref, result, build_entries(result.allocations, ref, used_lettering_codes={"AA"})


def test_entries_bank_debit_customer_credit_and_lettering():
    ref, result, pe = _import([row(), row(invoice="F002", amount=100.0, site="CH02"), row(invoice="F004", customer="C002", amount=1100.0, site="", bank="BQ2")])
    assert len(pe.entries) == 3 and not pe.alerts
    e1, e2, e3 = pe.entries
    assert [(l.ledger_account, l.debit, l.credit, l.subledger_account, l.lettering_code) for l in e1.lines] == [
        ("512100", D("1200.00"), D("0.00"), "", ""), ("411000", D("0.00"), D("1200.00"), "C001", "AB")]
    assert e2.lines[1].lettering_code == ""  # partial: not lettered
    assert [(l.credit, l.lettering_code) for l in e3.lines[1:]] == [(D("1000.00"), "AC"), (D("100.00"), "")]  # overpayment line
    assert e3.journal_code == "BQ2" and e3.lines[0].ledger_account == "512200"
    assert pe.letterings == [("F001", "AB"), ("F004", "AC")]
    assert all(e.is_balanced for e in pe.entries)


def test_entries_pass_the_fec_reader():
    _, _, pe = _import([row(), row(invoice="F003", customer="C002", amount=2500.0, site="CH03")])
    data = write_fec(entries_to_frame(pe.entries))
    ledger = read_fec(data)
    assert not has_blocking(ledger.alerts), [str(a) for a in ledger.alerts]
    assert ledger.total_debit_cents() == ledger.total_credit_cents() == 370000


def test_synthesis_totals_equal_allocations():
    ref, result, _ = _import([row(), row(invoice="F002", amount=100.0, site="CH02"), row(invoice="F004", customer="C002", amount=1100.0, site="", bank="BQ2")])
    syn = job_site_synthesis(ref.invoices.values(), result.allocations, job_sites=ref.job_sites)
    assert [l.job_site_code for l in syn.lines] == ["CH01", "CH02", "CH03", ""]
    assert syn.total.received == sum(a.applied for a in result.allocations) == D("2300.00")
    assert syn.total.invoiced == D("5700.00")
    ch01 = syn.lines[0]
    assert (ch01.label, ch01.received, ch01.due, ch01.received_ratio, ch01.last_payment_date) == ("École Jaurès", D("1200.00"), D("0.00"), D("1.0000"), date(2025, 3, 15))
    assert syn.lines[-1].excess == D("100.00") and syn.lines[-1].label == "(sans chantier)"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["F001", "F002", "F003", "F004"]), st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)), min_size=1, max_size=12))
def test_property_allocations_partition_amounts_and_entries_balance(payments):
    ref = reference()
    customers = {"F001": "C001", "F002": "C001", "F003": "C002", "F004": "C002"}
    rows = [row(invoice=inv, customer=customers[inv], amount=str(amt), site="", date=f"{1 + i:02d}/04/2025") for i, (inv, amt) in enumerate(payments)]
    result = check_rows(list(enumerate(rows, start=2)), ref, today=TODAY)
    assert len(result.allocations) == len(payments)
    for a in result.allocations:
        assert a.applied + a.excess == a.payment.amount and a.applied >= 0 and a.excess >= 0
    for inv, invoice in ref.invoices.items():
        applied = sum((a.applied for a in result.allocations if a.payment.invoice_number == inv), D("0"))
        assert applied <= invoice.open_amount
    pe = build_entries(result.allocations, ref)
    assert all(e.is_balanced for e in pe.entries)
    syn = job_site_synthesis(ref.invoices.values(), result.allocations)
    assert syn.total.received == sum((a.applied for a in result.allocations), D("0"))


# --- import from the accounting ledger -----------------------------------------

def _bank_entry(n, customer, amount, *, ref="", label="Règlement", debit_customer=False, day=date(2025, 4, 2), journal="BQ1"):
    amount = D(amount)
    bank = EntryLine(ledger_account="512100", label=label, **({"credit": amount} if debit_customer else {"debit": amount}))
    cust = EntryLine(ledger_account="411000", subledger_account=customer, label=label, **({"debit": amount} if debit_customer else {"credit": amount}))
    return Entry(journal_code=journal, journal_label="Banque", entry_number=str(n), entry_date=day, document_ref=ref, label=label, lines=(bank, cust))


def _ledger(entries):
    data = write_fec(entries_to_frame(entries))
    return read_fec(data).frame


FEC_EXAMPLES = {
    "PAY_FEC_NO_INVOICE_REF": _bank_entry(2, "C002", "300.00", ref="VIR0402", label="VIR MAIRIE DE LYON"),
    "PAY_FEC_MULTI_INVOICE": _bank_entry(3, "C001", "1700.00", label="Règlement F001 et F002"),
    "PAY_FEC_OTHER_CUSTOMER": _bank_entry(4, "C002", "200.00", ref="F001"),
    "PAY_FEC_NOT_RECEIPT": _bank_entry(5, "C001", "50.00", label="Rejet chèque", debit_customer=True),
}


def test_fec_codes_all_have_examples():
    assert {c for c in MESSAGES if c.startswith("PAY_FEC_")} == set(FEC_EXAMPLES) | {"PAY_FEC_NO_BANK_LINE", "PAY_FEC_ALREADY_IMPORTED", "PAY_FEC_SHORT_REF"}


def test_ledger_import_applies_conforming_lines_and_lists_the_others():
    good = _bank_entry(1, "C001", "1200.00", ref="F001", label="VIR DUPONT F001")
    good_label = _bank_entry(6, "C002", "500.00", label="Chq 1234 fact F003")
    frame = _ledger([good, *FEC_EXAMPLES.values(), good_label])
    res = payments_from_ledger(frame, reference())
    got = {(a.code.value, a.row) for a in res.alerts}
    # lines: header=1, entry1 -> 2,3; entry2 -> 4,5; entry3 -> 6,7; entry4 -> 8,9; entry5 -> 10,11; entry6 -> 12,13
    assert got == {("PAY_FEC_NO_INVOICE_REF", 5), ("PAY_FEC_MULTI_INVOICE", 7), ("PAY_FEC_OTHER_CUSTOMER", 9), ("PAY_FEC_NOT_RECEIPT", 11), ("PAY_PARTIAL", 13)}
    assert [(p.invoice_number, p.amount, p.source) for p in res.payments] == [("F001", D("1200.00"), "fec"), ("F003", D("500.00"), "fec")]
    assert sorted(res.rejected_rows) == [5, 7, 9, 11]
    assert "une ligne de règlement par facture" in next(a.message for a in res.alerts if a.code == "PAY_FEC_NO_INVOICE_REF")


@pytest.mark.parametrize("code", sorted(FEC_EXAMPLES))
def test_conforming_line_does_not_trigger(code):
    res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "1200.00", ref="F001")]), reference())
    assert code not in {a.code.value for a in res.alerts} and len(res.payments) == 1


def test_ledger_import_no_bank_line_and_already_imported():
    sale = Entry(journal_code="VT", entry_number="1", entry_date=date(2025, 3, 1), document_ref="F002", lines=(
        EntryLine(ledger_account="411000", subledger_account="C001", debit=D("500.00")), EntryLine(ledger_account="706000", credit=D("500.00"))))
    res = payments_from_ledger(_ledger([sale]), reference(banks={}))
    assert [a.code.value for a in res.alerts] == ["PAY_FEC_NO_BANK_LINE"]
    res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "1200.00", ref="F001")]), reference())
    assert "PAY_FEC_NO_BANK_LINE" not in {a.code.value for a in res.alerts}

    key = payment_key("C001", "F001", date(2025, 4, 2), D("1200.00"))
    ref = reference(known_keys={key: PriorImport(batch=3, imported_on="05/04/2025")})
    res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "1200.00", ref="F001")]), ref)
    assert [a.code.value for a in res.alerts] == ["PAY_FEC_ALREADY_IMPORTED"] and res.payments == []
    res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "1200.00", ref="F001")]), reference())
    assert "PAY_FEC_ALREADY_IMPORTED" not in {a.code.value for a in res.alerts}


def test_ledger_duplicate_line_is_a_warning_not_applied():
    e = _bank_entry(1, "C001", "600.00", ref="F001")
    res = payments_from_ledger(_ledger([e, e.model_copy(update={"entry_number": "2"})]), reference())
    assert [(a.code.value, a.severity.value) for a in res.alerts if a.code == "PAY_DUPLICATE_IN_SHEET"] == [("PAY_DUPLICATE_IN_SHEET", "AVERTISSEMENT")]
    assert len(res.payments) == 1


def test_template_key_equals_ledger_key():
    """A payment imported from Excel is recognised when later read from the ledger."""
    ref = reference()
    result = check_rows([(2, row(date="02/04/2025"))], ref, today=TODAY)
    known = {p.payment_key: PriorImport(batch=1, imported_on="02/04/2025") for p in result.payments}
    res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "1200.00", ref="F001")]), reference(known_keys=known))
    assert res.payments == [] and [a.code.value for a in res.alerts] == ["PAY_FEC_ALREADY_IMPORTED"]


def test_invoice_reference_without_punctuation_is_recognised():
    from reglo.core.payments.ledger_import import invoice_refs

    invoices = {"FA25-0039", "FA25-0040"}
    compacted = {"FA250039": "FA25-0039", "FA250040": "FA25-0040"}
    assert invoice_refs("RLV1-2505", "VIR SEPA BATI OUEST REF FA250039 ECH 1/2", invoices, compacted) == ["FA25-0039"]
    assert invoice_refs("RLV1-2505", "VIR SEPA BATI OUEST REF FA250039 ECH 1/2", invoices) == []
    assert invoice_refs("FA25-0040", "Règlement FA25-0040", invoices, compacted) == ["FA25-0040"]


def test_short_invoice_reference_of_the_customer():
    """« FACT 002 » names F002 when it is the only invoice of C001 ending so (warning)."""
    res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "500.00", ref="VIR0402", label="VIR DUPONT FACT 002")]), reference())
    assert [(a.code.value, a.row) for a in res.alerts] == [("PAY_FEC_SHORT_REF", 3)]
    assert [p.invoice_number for p in res.payments] == ["F002"]
    from reglo.core.payments.ledger_import import short_ref

    assert short_ref("VIR MME GARNIER FACT 1382", ["FA24-1382", "FA25-0040"]) == ("1382", "FA24-1382")
    assert short_ref("VIR MME GARNIER FACT 382", ["FA24-1382"]) is None  # not the whole number
    assert short_ref("FACTURE N° 1382", ["FA24-1382", "FA25-1382"]) is None  # ambiguous
    # not the customer's invoice (F003 is C002's), a year, or no « FACT » before: not matched
    for label in ("VIR DUPONT FACT 003", "VIR DUPONT 2025 002", "VIR DUPONT FACT 00", "VIR DUPONT FACT 1002"):
        res = payments_from_ledger(_ledger([_bank_entry(1, "C001", "500.00", ref="VIR0402", label=label)]), reference())
        assert "PAY_FEC_SHORT_REF" not in {a.code.value for a in res.alerts} and res.payments == []
