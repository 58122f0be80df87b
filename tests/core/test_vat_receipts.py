"""TVA sur encaissements: automatic allocation from the invoice breakdown, manual
allocation, receipts without allocation, cancellations, CA3 lines; property test on random
invoices with several rates and partial receipts (``REGLO_FULL=1`` for a longer run)."""
from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.models import LedgerLine
from reglo.core.money import ZERO
from reglo.core.vat_receipts.allocation import allocate_receipts, base_from_gross, ca3_sheet, split_cents, unallocated_sheet, allocation_sheet
from reglo.core.vat_receipts.ledger import invoices_from_ledger
from reglo.core.vat_receipts.models import DEFAULT_VAT_CODES, Invoice, ManualAllocation, ManualAllocationLine, Receipt, ReceiptSource, VatLine

D = Decimal
FULL = os.environ.get("REGLO_FULL") == "1"


def codes(alerts):
    return [a.code.value for a in alerts]


def receipt(rid, amount, invoice="", on=date(2026, 3, 10), party="C1", cancels=None, row=None):
    return Receipt(receipt_id=rid, source=ReceiptSource.PAYMENT_IMPORT, party_code=party, receipt_date=on, amount=D(amount), invoice_number=invoice, cancels=cancels, source_row=row)


INVOICE = Invoice(
    invoice_number="F1", party_code="C1", invoice_date=date(2026, 2, 1),
    lines=(VatLine(vat_code="TN", base=D("1000.00"), vat=D("200.00")), VatLine(vat_code="TI", base=D("100.00"), vat=D("10.00"))),
)  # TTC 1 310,00


def test_full_receipt_gives_the_invoice_breakdown():
    result = allocate_receipts([receipt("R1", "1310.00", "F1")], [INVOICE])
    assert [(l.vat_code, l.amount, l.base, l.vat) for l in result.lines] == [("TN", D("1200.00"), D("1000.00"), D("200.00")), ("TI", D("110.00"), D("100.00"), D("10.00"))]
    assert [(l.line, l.base, l.vat) for l in result.ca3] == [("A1", D("1100.00"), None), ("08", D("1000.00"), D("200.00")), ("9B", D("100.00"), D("10.00"))]
    assert result.alerts == ()


def test_partial_receipts_split_pro_rata_and_add_up_to_the_invoice():
    rs = [receipt("R1", "500.00", "F1", date(2026, 3, 1)), receipt("R2", "333.33", "F1", date(2026, 3, 15)), receipt("R3", "476.67", "F1", date(2026, 4, 2))]
    result = allocate_receipts(rs, [INVOICE])
    by_receipt = defaultdict(lambda: ZERO)
    for l in result.lines:
        by_receipt[l.receipt_id] += l.amount
    assert dict(by_receipt) == {"R1": D("500.00"), "R2": D("333.33"), "R3": D("476.67")}
    r1 = [(l.vat_code, l.amount, l.base, l.vat) for l in result.lines if l.receipt_id == "R1"]
    assert r1 == [("TN", D("458.02"), D("381.68"), D("76.34")), ("TI", D("41.98"), D("38.16"), D("3.82"))]
    totals = defaultdict(lambda: [ZERO, ZERO])
    for l in result.lines:
        totals[l.vat_code][0] += l.base
        totals[l.vat_code][1] += l.vat
    assert dict(totals) == {"TN": [D("1000.00"), D("200.00")], "TI": [D("100.00"), D("10.00")]}


def test_period_keeps_only_its_receipts_but_allocates_earlier_ones_first():
    rs = [receipt("R1", "1000.00", "F1", date(2026, 2, 20)), receipt("R2", "310.00", "F1", date(2026, 3, 5))]
    march = allocate_receipts(rs, [INVOICE], period=(date(2026, 3, 1), date(2026, 3, 31)))
    assert {l.receipt_id for l in march.lines} == {"R2"}
    assert sum(l.amount for l in march.lines) == D("310.00")


def test_manual_allocation_until_the_remainder_is_zero():
    r = receipt("R9", "1155.00", row=8)
    manual = ManualAllocation(receipt_id="R9", lines=(ManualAllocationLine(operation_code="A1", vat_code="TN", amount=D("1050.00")), ManualAllocationLine(operation_code="A1", vat_code="TR", amount=D("105.00"))))
    result = allocate_receipts([r], [], manual=[manual])
    assert [(l.vat_code, l.base, l.vat, l.is_manual) for l in result.lines] == [("TN", D("875.00"), D("175.00"), True), ("TR", D("99.53"), D("5.47"), True)]
    incomplete = ManualAllocation(receipt_id="R9", lines=manual.lines[:1])
    result = allocate_receipts([r], [], manual=[incomplete])
    assert codes(result.alerts) == ["VAT_ALLOCATION_REMAINDER"] and result.alerts[0].is_blocking and result.lines == () and result.unallocated == ()


def test_manual_allocation_with_unknown_codes_is_blocking():
    manual = ManualAllocation(receipt_id="R9", lines=(ManualAllocationLine(operation_code="ZZ", vat_code="T99", amount=D("10.00"), source_row=3),))
    result = allocate_receipts([receipt("R9", "10.00")], [], manual=[manual])
    assert sorted(codes(result.alerts)) == ["VAT_CODE_UNKNOWN", "VAT_OPERATION_CODE_UNKNOWN"]


def test_receipts_without_allocation_are_listed_with_a_warning():
    result = allocate_receipts([receipt("R1", "50.00", "F404", row=4), receipt("R2", "1310.00", "F1")], [INVOICE])
    assert [r.receipt_id for r in result.unallocated] == ["R1"]
    assert codes(result.alerts) == ["VAT_RECEIPT_NO_ALLOCATION"] and result.alerts[0].row == 4
    headers, rows = unallocated_sheet(result)
    assert headers[0] == "Encaissement" and rows[0][5] == D("50.00")


def test_only_customers_flagged_vat_on_receipts_count():
    result = allocate_receipts([receipt("R1", "1310.00", "F1", party="C1")], [INVOICE], parties={"C2"})
    assert result.lines == () and result.unallocated == () and result.ca3 == ()


def test_receipts_beyond_the_invoice_total_warn_and_allocate_only_the_invoice():
    result = allocate_receipts([receipt("R1", "1000.00", "F1"), receipt("R2", "400.00", "F1", date(2026, 3, 11))], [INVOICE])
    assert codes(result.alerts) == ["VAT_RECEIPTS_EXCEED_INVOICE"]
    assert sum(l.amount for l in result.lines) == D("1310.00")


def test_cancellation_reverses_the_allocation():
    rs = [receipt("R1", "655.00", "F1"), receipt("R1-ANN", "655.00", "F1", date(2026, 3, 20), cancels="R1")]
    result = allocate_receipts(rs, [INVOICE])
    assert sum(l.amount for l in result.lines) == ZERO
    assert [l.base for l in result.ca3] == [ZERO, ZERO, ZERO]


def test_ca3_sheet_has_cadre_a_then_b_and_a_total():
    result = allocate_receipts([receipt("R1", "1310.00", "F1")], [INVOICE])
    headers, rows = ca3_sheet(result)
    assert headers == ("Cadre", "Ligne", "Libellé", "Base hors taxe", "TVA due")
    assert rows[0][:2] == ("A", "A1") and rows[1][:2] == ("B", "08") and rows[-1][-1] == D("210.00")
    assert allocation_sheet(result)[1][0][-1] == "Automatique"


def test_helpers():
    assert split_cents(1, [0, 0]) == [0, 0]
    assert split_cents(7, [3, 3, 1]) == [3, 3, 1]
    assert base_from_gross(D("110.00"), D("10")) == D("100.00")


def test_invoices_from_ledger():
    def line(account, debit="0", credit="0", sub="", ref="F7"):
        return LedgerLine(journal_code="VT", entry_number="1", entry_date=date(2026, 2, 1), ledger_account=account, subledger_account=sub, document_ref=ref, debit=D(debit), credit=D(credit))

    ledger = [
        line("411000", debit="1310.00", sub="C1"), line("706000", credit="1000.00"), line("706100", credit="100.00"),
        line("445711", credit="200.00"), line("445712", credit="10.00"),
        line("411000", debit="50.00", sub="C2", ref="F8"), line("706000", credit="50.00", ref="F8"),
        line("411000", credit="120.00", sub="C1", ref="AV1"), line("706000", debit="100.00", ref="AV1"), line("445711", debit="20.00", ref="AV1"),
    ]
    invoices = invoices_from_ledger(ledger, vat_accounts={"445711": "TN", "445712": "TI"})
    assert [i.invoice_number for i in invoices] == ["F7", "F8"]  # credit note AV1 left out
    f7 = invoices[0]
    assert [(l.vat_code, l.base, l.vat) for l in f7.lines] == [("TN", D("1000.00"), D("200.00")), ("TI", D("100.00"), D("10.00"))]
    assert f7.party_code == "C1" and f7.total == D("1310.00")
    assert invoices[1].lines == ()  # no VAT line: allocated by hand
    fixed = invoices_from_ledger(ledger, vat_accounts={"445711": "TN", "445712": "TI"}, base_accounts={"706100": "TI"})
    assert [(l.vat_code, l.base) for l in fixed[0].lines] == [("TN", D("1000.00")), ("TI", D("100.00"))]


# --- property: CA3 lines equal the receipts' bases and VAT -----------------------------------

RATE_CODES = [c.code for c in DEFAULT_VAT_CODES]
CENTS = st.integers(min_value=1, max_value=5_000_000)


@st.composite
def invoices_and_receipts(draw):
    invoices, receipts = [], []
    for n in range(draw(st.integers(1, 5))):
        codes_ = draw(st.lists(st.sampled_from(RATE_CODES), min_size=1, max_size=4, unique=True))
        lines = []
        for code in codes_:
            rate = next(c.rate for c in DEFAULT_VAT_CODES if c.code == code)
            base = D(draw(CENTS)) / 100
            lines.append(VatLine(vat_code=code, base=base, vat=(base * rate / 100).quantize(D("0.01"))))
        inv = Invoice(invoice_number=f"F{n}", party_code=f"C{n}", lines=tuple(lines))
        invoices.append(inv)
        total = int(inv.total * 100)
        # Partial receipts: cut points in the invoice total; sometimes fully paid, sometimes not.
        cuts = sorted(set(draw(st.lists(st.integers(1, max(1, total - 1)), max_size=4))))
        paid_to = total if draw(st.booleans()) else draw(st.integers(1, total))
        points = [c for c in cuts if c < paid_to] + [paid_to]
        prev = 0
        for k, p in enumerate(points):
            if p > prev:
                receipts.append(receipt(f"R{n}-{k}", str(D(p - prev) / 100), f"F{n}", date(2026, 1, 1) + timedelta(days=k), party=f"C{n}"))
            prev = p
    return invoices, receipts


@settings(max_examples=400 if FULL else 60)
@given(invoices_and_receipts())
def test_property_ca3_lines_equal_the_receipts_bases_and_vat(data):
    invoices, receipts = data
    result = allocate_receipts(receipts, invoices)
    assert result.alerts == ()
    # 1. each receipt is fully allocated, parts ≥ 0
    per_receipt = defaultdict(lambda: ZERO)
    for l in result.lines:
        assert l.amount >= 0 and l.base >= 0 and l.vat >= 0 and l.amount == l.base + l.vat
        per_receipt[l.receipt_id] += l.amount
    assert all(per_receipt[r.receipt_id] == r.amount for r in receipts)
    # 2. CA3 cadre B lines = the receipts' bases and VAT per rate line; cadre A = all bases
    expected_b = defaultdict(lambda: [ZERO, ZERO])
    line_of = {c.code: c.ca3_line for c in DEFAULT_VAT_CODES}
    for l in result.lines:
        expected_b[line_of[l.vat_code]][0] += l.base
        expected_b[line_of[l.vat_code]][1] += l.vat
    ca3 = {l.line: l for l in result.ca3}
    assert {k: [ca3[k].base, ca3[k].vat] for k in expected_b} == dict(expected_b)
    assert ca3["A1"].base == sum((l.base for l in result.lines), ZERO)
    # 3. a fully received invoice gives back exactly its bases and VAT per rate
    paid = defaultdict(lambda: ZERO)
    for r in receipts:
        paid[r.invoice_number] += r.amount
    for inv in invoices:
        if paid[inv.invoice_number] == inv.total:
            got = defaultdict(lambda: [ZERO, ZERO])
            for l in result.lines:
                if l.invoice_number == inv.invoice_number:
                    got[l.vat_code][0] += l.base
                    got[l.vat_code][1] += l.vat
            assert dict(got) == {v.vat_code: [v.base, v.vat] for v in inv.lines if v.total}


def test_invoice_with_a_negative_rate_total_is_allocated_by_hand():
    odd = Invoice(invoice_number="F9", party_code="C1", lines=(VatLine(vat_code="TN", base=D("100.00"), vat=D("20.00")), VatLine(vat_code="TI", base=D("-50.00"), vat=D("-5.00"))))
    result = allocate_receipts([receipt("R1", "65.00", "F9")], [odd])
    assert result.lines == () and sorted(codes(result.alerts)) == ["VAT_INVOICE_NO_BREAKDOWN", "VAT_RECEIPT_NO_ALLOCATION"]
