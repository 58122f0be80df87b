"""Nothing is paid twice: the open amount of an invoice is capped by what the ledger shows."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from reglo.core.entries import entries_to_frame
from reglo.core.fec import read_fec, write_fec
from reglo.core.models import Entry, EntryLine
from reglo.core.payments import PriorImport, RowStatus, check_rows, payments_from_ledger
from reglo.core.payments.ledger_open import ledger_open_amounts
from reglo.core.payments.model import OpenInvoice
from tests.core.test_payments import TODAY, reference, row


def _sale(n, inv, customer, amount, day=date(2025, 2, 10), letter=""):
    return Entry(journal_code="VT", entry_number=str(n), entry_date=day, document_ref=inv, lines=(
        EntryLine(ledger_account="411000", subledger_account=customer, debit=D(amount), lettering_code=letter,
                  lettered_on=date(2025, 3, 1) if letter else None),
        EntryLine(ledger_account="706000", credit=D(amount))))


def _receipt(n, customer, amount, ref, day=date(2025, 3, 1), letter=""):
    return Entry(journal_code="BQ2", entry_number=str(n), entry_date=day, document_ref=ref, lines=(
        EntryLine(ledger_account="512200", debit=D(amount)),
        EntryLine(ledger_account="411000", subledger_account=customer, credit=D(amount), lettering_code=letter,
                  lettered_on=date(2025, 3, 1) if letter else None)))


def _frame(entries):
    return read_fec(write_fec(entries_to_frame(entries))).frame


def _with_ledger(ref, frame):
    lo = ledger_open_amounts(frame, ref.invoices)
    inv = {n: OpenInvoice(**{**{f: getattr(i, f) for f in i.__slots__},
                             **({"ledger_open": lo[n].open_amount, "settled_code": lo[n].settled_code, "settled_on": lo[n].settled_on} if n in lo else {})})
           for n, i in ref.invoices.items()}
    return reference(invoices=inv)


def test_ledger_open_amounts_lettered_partial_unlettered():
    frame = _frame([
        _sale(1, "F001", "C001", "1200.00", letter="AA"), _receipt(2, "C001", "1200.00", "CHQ 4288202", letter="AA"),  # settled
        _sale(3, "F002", "C001", "500.00", letter="AB"), _receipt(4, "C001", "200.00", "VIR 1", letter="AB"),  # partial lettering
        _sale(5, "F004", "C002", "1000.00"), _receipt(6, "C002", "300.00", "F004"),  # unlettered payment on the invoice ref
    ])
    lo = ledger_open_amounts(frame, ["F001", "F002", "F003", "F004"])
    assert (lo["F001"].open_amount, lo["F001"].settled_code, lo["F001"].settled_on) == (D("0.00"), "AA", date(2025, 3, 1))
    assert lo["F002"].open_amount == D("300.00") and lo["F002"].settled_code == ""
    assert lo["F004"].open_amount == D("700.00")
    assert "F003" not in lo  # not in the ledger: only the register counts


def test_settled_invoice_in_ledger_is_blocking_open_one_is_not():
    frame = _frame([_sale(1, "F001", "C001", "1200.00", letter="AA"), _receipt(2, "C001", "1200.00", "CHQ 4288202", letter="AA"),
                    _sale(3, "F002", "C001", "500.00")])
    ref = _with_ledger(reference(), frame)
    res = check_rows([(2, row()), (3, row(invoice="F002", amount=500.0, site="CH02"))], ref, today=TODAY)
    settled = [a for a in res.alerts if a.code == "PAY_INVOICE_SETTLED_IN_LEDGER"]
    assert [(a.row, a.severity.value) for a in settled] == [(2, "BLOQUANT")]
    assert "AA" in settled[0].message and "01/03/2025" in settled[0].message
    assert res.status == {2: RowStatus.BLOCKING, 3: RowStatus.OK}
    assert [p.invoice_number for p in res.payments] == ["F002"]


def test_payment_above_ledger_open_is_an_overpayment():
    frame = _frame([_sale(3, "F002", "C001", "500.00", letter="AB"), _receipt(4, "C001", "200.00", "VIR 1", letter="AB")])
    ref = _with_ledger(reference(), frame)
    res = check_rows([(2, row(invoice="F002", amount=500.0, site="CH02"))], ref, today=TODAY)
    over = [a for a in res.alerts if a.code == "PAY_OVERPAYMENT"]
    assert len(over) == 1 and res.allocations[0].applied == D("300.00") and res.allocations[0].excess == D("200.00")
    res = check_rows([(2, row(invoice="F002", amount=300.0, site="CH02"))], ref, today=TODAY)
    assert "PAY_OVERPAYMENT" not in {a.code.value for a in res.alerts} and res.allocations[0].settles_invoice


def test_ledger_payment_matches_the_template_payment_with_another_date():
    """Typed on 15/03 in the template, booked by the bank on 18/03: one payment, not two."""
    entry = _receipt(1, "C001", "1200.00", "F001", day=date(2025, 3, 18))
    frame = _frame([entry.model_copy(update={"journal_code": "BQ1"})])
    ref = reference(known_amounts={"C001|F001|120000": [PriorImport(batch=4, imported_on="16/03/2025")]})
    res = payments_from_ledger(frame, ref)
    assert [a.code.value for a in res.alerts] == ["PAY_FEC_ALREADY_IMPORTED"] and res.payments == []
    res = payments_from_ledger(frame, reference())  # not typed before: imported
    assert len(res.payments) == 1
