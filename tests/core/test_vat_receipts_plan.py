"""« TVA sur encaissements » plan as an Outcome: four sheets and the payment-data CSV."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reglo.core.vat_receipts.models import Invoice, Receipt, ReceiptSource, VatLine
from reglo.core.vat_receipts.plan import plan_vat_receipts

D = Decimal
INVOICE = Invoice(invoice_number="F1", party_code="C1", invoice_date=date(2026, 2, 1), lines=(VatLine(vat_code="TN", base=D("1000.00"), vat=D("200.00")),))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _receipt(rid, amount, invoice="F1", lettered=True):
    return Receipt(receipt_id=rid, source=ReceiptSource.LCR, party_code="C1", receipt_date=date(2026, 3, 31), amount=D(amount), invoice_number=invoice, is_lettered=lettered)


def test_plan_gives_ca3_allocation_unallocated_and_payment_data():
    out = plan_vat_receipts([_receipt("R1", "600.00"), _receipt("R2", "10.00", invoice="", lettered=False)], [INVOICE], seller_siren="123456782", period=MARCH)
    assert [s.name for s in out.sheets] == ["CA3 - TVA sur encaissements", "TVA sur encaissements", "Encaissements sans TVA affectée", "Données d'encaissement"]
    ca3 = out.sheets[0].rows
    assert ca3[0][:4] == ("A", "A1", "Ventes, prestations de services", D("500.00")) and ca3[1][1:5] == ("08", "Taux normal 20 %", D("500.00"), D("100.00"))
    (f,) = out.files
    assert (f.folder, f.name, f.role) == ("tva", "donnees_encaissement_20260301_20260331.csv", "data")
    assert f.data.count(b"\r\n") == 3
    assert sorted(a.code.value for a in out.alerts) == ["CASHED_NOT_LETTERED", "VAT_RECEIPT_NO_ALLOCATION"]
    assert out.batch is None and "TVA due 100,00" in out.summary


def test_blocking_alert_writes_no_file():
    out = plan_vat_receipts([_receipt("R1", "600.00")], [INVOICE], seller_siren="123456789", period=MARCH)
    assert out.has_blocking and out.files == ()
