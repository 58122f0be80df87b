"""Payment data of e-invoicing (status 212 « Encaissée »): records per receipt with the amount
per VAT rate, partial / full, cancellations, not-yet-lettered flag and aggregate, CSV bytes."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.cashed_status.export import HEADERS, sheet_rows, write_cashed_csv
from reglo.core.cashed_status.records import Completeness, RecordType, cancellation_receipts, cashed_records, unlettered_totals
from reglo.core.lcr.plan import plan_lcr
from reglo.core.vat_receipts.allocation import allocate_receipts
from reglo.core.vat_receipts.models import Invoice, Receipt, ReceiptSource, VatLine
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_PARAMS, SPEC_ROWS, TODAY

D = Decimal
SIREN = "123456782"
INVOICE = Invoice(
    invoice_number="F1", party_code="C1", invoice_date=date(2026, 2, 1),
    lines=(VatLine(vat_code="TN", base=D("1000.00"), vat=D("200.00")), VatLine(vat_code="TI", base=D("100.00"), vat=D("10.00"))),
)


def codes(alerts):
    return [a.code.value for a in alerts]


def receipt(rid, amount, invoice="F1", on=date(2026, 3, 10), lettered=True, source=ReceiptSource.DIRECT_DEBIT):
    return Receipt(receipt_id=rid, source=source, party_code="C1", receipt_date=on, amount=D(amount), invoice_number=invoice, is_lettered=lettered)


def _records(receipts, invoices=(INVOICE,), **kw):
    allocation = allocate_receipts(receipts, list(invoices))
    return cashed_records(receipts, list(invoices), allocation.lines, seller_siren=SIREN, **kw)


def test_partial_receipt_record_with_amount_per_rate():
    records, alerts = _records([receipt("R1", "655.00")])
    assert alerts == []
    (c,) = records
    assert (c.record_type, c.status_code, c.seller_siren, c.invoice_number, c.invoice_date, c.receipt_date, c.amount, c.completeness) == (
        RecordType.RECEIPT, "212", SIREN, "F1", date(2026, 2, 1), date(2026, 3, 10), D("655.00"), Completeness.PARTIAL,
    )
    assert [(p.rate, p.amount, p.base, p.vat) for p in c.per_rate] == [(D("20"), D("600.00"), D("500.00"), D("100.00")), (D("10"), D("55.00"), D("50.00"), D("5.00"))]
    assert sum(p.amount for p in c.per_rate) == c.amount


def test_full_receipt_is_total():
    (c,), _ = _records([receipt("R1", "1310.00")])
    assert c.completeness is Completeness.FULL


def test_bank_reject_writes_a_cancellation_record():
    original = receipt("R1", "1310.00")
    rejects = cancellation_receipts([original], on=date(2026, 3, 12))
    records, _ = _records([original, *rejects])
    assert [(c.record_type, c.amount, c.cancels) for c in records] == [(RecordType.RECEIPT, D("1310.00"), ""), (RecordType.CANCELLATION, D("-1310.00"), "R1")]
    assert sum(p.amount for p in records[1].per_rate) == D("-1310.00")  # per rate signed like the amount
    rows = sheet_rows(records)
    assert [(r[9], r[10], r[11]) for r in rows if r[0] == "Annulation"] == [(D("-1200.00"), D("-1000.00"), D("-200.00")), (D("-110.00"), D("-100.00"), D("-10.00"))]


def test_unlettered_receipts_are_flagged_and_aggregated():
    rs = [receipt("R1", "655.00", lettered=False), receipt("R2", "80.00", invoice="", lettered=False), receipt("R3", "655.00", on=date(2026, 3, 11))]
    records, alerts = _records(rs)
    assert codes(alerts) == ["CASHED_NOT_LETTERED"] and "2 encaissement(s)" in alerts[0].message
    assert [c.is_lettered for c in records] == [False, False, True]
    assert unlettered_totals(records) == [("10 %", D("55.00")), ("20 %", D("600.00")), ("Taux non déterminé", D("80.00"))]


def test_invalid_seller_siren_blocks():
    records, alerts = cashed_records([receipt("R1", "1.00")], [INVOICE], [], seller_siren="123456789")
    assert records == [] and codes(alerts) == ["CASHED_SELLER_SIREN"] and alerts[0].is_blocking


def test_period_and_unknown_invoice():
    rs = [receipt("R1", "10.00", invoice="F404", on=date(2026, 2, 28)), receipt("R2", "10.00", invoice="F404", on=date(2026, 3, 1))]
    records, _ = _records(rs, period=(date(2026, 3, 1), date(2026, 3, 31)))
    assert [(c.receipt_id, c.completeness, c.invoice_date, c.per_rate) for c in records] == [("R2", Completeness.UNKNOWN, None, ())]


def test_missing_invoice_date_warns_once():
    inv = INVOICE.model_copy(update={"invoice_date": None})
    _records_, alerts = _records([receipt("R1", "1.00"), receipt("R2", "1.00")], invoices=(inv,))
    assert codes(alerts) == ["CASHED_NO_INVOICE_DATE"]


def test_csv_bytes():
    records, _ = _records([receipt("R1", "655.00"), receipt("R2", "5.00", invoice="")])
    data = write_cashed_csv(records)
    assert isinstance(data, bytes) and data.startswith("Type;Statut;SIREN vendeur;N° facture".encode("utf-8"))
    assert data.count(b"\r\n") == 4  # header + 2 rates of R1 + R2 without allocation
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert rows[0] == list(HEADERS)
    assert rows[1][:10] == ["Encaissement", "212", SIREN, "F1", "2026-02-01", "2026-03-10", "655.00", "EUR", "20", "600.00"]
    assert rows[3][8:12] == ["", "", "", ""] and rows[3][12] == ""
    french = write_cashed_csv(records, decimal_comma=True).decode("utf-8").splitlines()[1].split(";")
    assert french[6] == "655,00" and french[8] == "20"


def test_lcr_receipts_give_records_at_the_due_date_that_reconcile_with_the_treasury_entry():
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    invoices = [Invoice(invoice_number=i.document_ref, party_code=r.party_code, invoice_date=i.document_date, lines=(VatLine(vat_code="TN", base=(i.amount / D("1.2")).quantize(D("0.01")), vat=i.amount - (i.amount / D("1.2")).quantize(D("0.01"))),)) for r in SPEC_ROWS for i in r.invoices]
    allocation = allocate_receipts(plan.receipts, invoices)
    records, _ = cashed_records(plan.receipts, invoices, allocation.lines, seller_siren=SPEC_DRAWER.siren)
    assert {c.receipt_date for c in records} == {date(2026, 3, 31)}
    assert sum(c.amount for c in records) == plan.entries[0].total_debit == D("154.00")
    assert all(c.completeness is Completeness.FULL for c in records)


@settings(max_examples=40)
@given(st.lists(st.integers(1, 131000), min_size=1, max_size=5))
def test_property_records_per_rate_add_up_to_the_amount_received(cents):
    total, rs = 0, []
    for k, c in enumerate(cents):
        if total + c > 131000:
            break
        total += c
        rs.append(receipt(f"R{k}", str(D(c) / 100), on=date(2026, 3, 1 + k)))
    records, _ = _records(rs)
    for c in records:
        assert sum(p.amount for p in c.per_rate) == c.amount
        assert all(p.amount == p.base + p.vat for p in c.per_rate)
