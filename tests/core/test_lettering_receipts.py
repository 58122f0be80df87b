"""Receipts found by the lettering of bank lines (issue 15 item 5): which lettered lines are
customer receipts, the split of a grouped payment over its invoices (exact cents, date
order), partial receipts, the register lines of the lettering batch, their cancellation by a
délettrage, and one count only for a payment another workflow recorded too."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reglo.core.lcr.usecases import register_receipts
from reglo.core.lettering import LetteringOptions, letter
from reglo.core.lettering.models import AppliedGroup
from reglo.core.lettering.receipts import (
    cancellation_lines,
    lettering_receipts,
    new_lines,
    receipt_lines,
    register_lettering_receipts,
)
from reglo.core.outcome import BatchDraft, RegisterLineDraft
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot
from reglo.core.vat_receipts.models import ReceiptSource

from tests.core.lettering_receipts_fixtures import frame, invoice, line, payment

D = Decimal
FEC = "732829320FEC20231231.txt"


def group(account: str, code: str, *rows: int) -> AppliedGroup:
    return AppliedGroup(account, code, tuple(rows), ("",) * len(rows), (None,) * len(rows))


def snapshot(*batches: tuple[BatchDraft, datetime]) -> RegisterSnapshot:
    return RegisterSnapshot(batches=tuple(
        BatchState(id=n, kind=d.kind, reference=d.reference, status="committed", created_at=at, meta=d.meta,
                   lines=tuple(LineState(**l.model_dump()) for l in d.lines))
        for n, (d, at) in enumerate(batches, start=1)))


def lettering_batch(ref: str, lines, file: str = FEC) -> BatchDraft:
    return BatchDraft(kind="lettrage", reference=ref, lines=tuple(lines), meta={"fichier": file})


def test_a_bank_payment_lettered_with_its_invoice_is_one_full_receipt_at_the_bank_date():
    f = frame(invoice("VT1", "C001", "FA101", "1000.00", "200.00", "2023-07-05"),  # rows 2-4
              payment("BQ10", "C001", "RLV0802", "1200.00", "2023-08-02"))  # rows 5-6
    (r,) = lettering_receipts(f, [group("C001", "AA", 2, 5)])
    assert (r.party, r.invoice_number, r.invoice_date, r.receipt_date, r.amount_cents, r.partial, r.code, r.bank_row, r.invoice_row) == \
        ("C001", "FA101", date(2023, 7, 5), date(2023, 8, 2), 120000, False, "AA", 5, 2)


def test_a_grouped_payment_is_split_over_its_invoices_in_date_order_to_the_cent():
    f = frame(invoice("VT3", "C002", "FA103", "200.00", "40.01", "2023-07-12"),  # rows 2-4, later invoice first in the file
              invoice("VT2", "C002", "FA102", "500.00", "100.00", "2023-07-10"),  # rows 5-7
              payment("BQ11", "C002", "RLV0803", "840.01", "2023-08-03"))  # rows 8-9
    got = lettering_receipts(f, [group("C002", "AB", 2, 5, 8)])
    assert [(r.invoice_number, r.amount_cents, r.partial) for r in got] == [("FA102", 60000, False), ("FA103", 24001, False)]
    assert sum(r.amount_cents for r in got) == 84001


def test_a_partial_lettering_gives_a_partial_receipt():
    f = frame(invoice("VT4", "C003", "FA104", "1000.00", "200.00", "2023-07-15"),
              payment("BQ12", "C003", "RLV0804", "500.00", "2023-08-04"))
    (r,) = lettering_receipts(f, [group("C003", "aa", 2, 5)])
    assert (r.amount_cents, r.partial) == (50000, True)


def test_two_instalments_of_one_invoice_are_two_receipts():
    f = frame(invoice("VT4", "C003", "FA104", "1000.00", "200.00", "2023-07-15"),
              payment("BQ13", "C003", "R2", "700.00", "2023-08-20"),  # rows 5-6
              payment("BQ12", "C003", "R1", "500.00", "2023-08-04"))  # rows 7-8
    got = lettering_receipts(f, [group("C003", "AA", 2, 5, 7)])
    assert [(r.receipt_date, r.amount_cents, r.partial) for r in got] == [(date(2023, 8, 4), 50000, True), (date(2023, 8, 20), 70000, True)]


@pytest.mark.parametrize("case, groups", [
    ("supplier", [[line("AC", "AC1", "2023-07-06", "401000", aux="F001", ref="A-77", credit="480.00"),
                   line("AC", "AC1", "2023-07-06", "607000", ref="A-77", debit="480.00")],
                  [line("BQ1", "BQ9", "2023-08-01", "401000", aux="F001", ref="A-77", debit="480.00"),
                   line("BQ1", "BQ9", "2023-08-01", "512100", ref="A-77", credit="480.00")]]),
    ("credit note", [invoice("VT1", "C001", "FA1", "100.00", "20.00", "2023-07-05")[:1] + invoice("VT1", "C001", "FA1", "100.00", "20.00", "2023-07-05")[1:],
                     [line("VT", "AV1", "2023-07-09", "411000", aux="C001", ref="AV1", credit="120.00"),
                      line("VT", "AV1", "2023-07-09", "706000", ref="AV1", debit="120.00")]]),
    ("bill at collection (511)", [invoice("VT1", "C001", "FA1", "100.00", "20.00", "2023-07-05"),
                                  payment("LCR1", "C001", "LCR", "120.00", "2023-08-01", bank="511300")]),
])
def test_lettered_lines_that_are_not_money_received_give_no_receipt(case, groups):
    f = frame(*groups)
    rows = [int(r) for r, a in zip(f["source_row"], f["ledger_account"]) if a.startswith(("40", "41"))]
    account = f.loc[f["source_row"] == rows[0], "subledger_account"].iloc[0]
    assert lettering_receipts(f, [group(account, "AA", *rows)]) == []


def test_cash_receipts_count():
    f = frame(invoice("VT1", "C001", "FA1", "100.00", "20.00", "2023-07-05"), payment("CA1", "C001", "ESP", "120.00", "2023-07-06", bank="530000", journal="CA"))
    assert [r.amount_cents for r in lettering_receipts(f, [group("C001", "AA", 2, 5)])] == [12000]


@settings(max_examples=60, deadline=None)
@given(invoices=st.lists(st.integers(1, 10_000_00), min_size=1, max_size=5), cuts=st.lists(st.integers(1, 99), max_size=4), partial=st.booleans())
def test_split_is_exact_per_payment_and_per_invoice(invoices, cuts, partial):
    """Every payment is split to the cent over the invoices (first in, first out); each
    invoice receives at most its amount; the receipts add up to the money received."""
    total = sum(invoices)
    paid = total // 2 if partial and total > 1 else total
    bounds = sorted({paid * c // 100 for c in cuts} - {0, paid})
    amounts = [b - a for a, b in zip([0, *bounds], [*bounds, paid])]
    groups = [invoice(f"VT{i}", "C001", f"FA{i}", f"{D(a) / 100:.2f}", "0.00", f"2023-07-{i + 1:02d}")[:1] +
              [line("VT", f"VT{i}", f"2023-07-{i + 1:02d}", "706000", ref=f"FA{i}", credit=f"{D(a) / 100:.2f}")] for i, a in enumerate(invoices)]
    groups += [payment(f"BQ{j}", "C001", f"R{j}", f"{D(a) / 100:.2f}", f"2023-08-{j + 1:02d}") for j, a in enumerate(amounts)]
    f = frame(*groups)
    rows = [int(r) for r, a in zip(f["source_row"], f["ledger_account"]) if a == "411000"]
    got = lettering_receipts(f, [group("C001", "aa" if paid < total else "AA", *rows)])
    assert sum(r.amount_cents for r in got) == paid and all(r.amount_cents > 0 for r in got)
    per_payment: dict[int, int] = {}
    per_invoice: dict[str, int] = {}
    for r in got:
        per_payment[r.bank_row] = per_payment.get(r.bank_row, 0) + r.amount_cents
        per_invoice[r.invoice_number] = per_invoice.get(r.invoice_number, 0) + r.amount_cents
    assert sorted(per_payment.values()) == sorted(amounts)
    assert all(per_invoice.get(f"FA{i}", 0) <= a for i, a in enumerate(invoices))
    # first in, first out: an invoice receives money only once the earlier ones are settled
    filled = [per_invoice.get(f"FA{i}", 0) for i in range(len(invoices))]
    for i in range(1, len(invoices)):
        assert filled[i] == 0 or filled[i - 1] == invoices[i - 1]
    # partial: the group is (lower-case code), or the receipt is less than its invoice
    assert all(r.partial == (paid < total or r.amount_cents < invoices[int(r.invoice_number[2:])]) for r in got)


def test_receipts_of_a_real_engine_run():
    f = frame(invoice("VT1", "C001", "FA101", "1000.00", "200.00", "2023-07-05"),
              payment("BQ10", "C001", "RLV0802", "1200.00", "2023-08-02", label="VIR DUPONT FA101"),
              [line("AC", "AC1", "2023-07-06", "401000", aux="F001", ref="A-77", credit="480.00"),
               line("AC", "AC1", "2023-07-06", "607000", ref="A-77", debit="480.00")],
              [line("BQ1", "BQ9", "2023-08-01", "401000", aux="F001", ref="A-77", debit="480.00"),
               line("BQ1", "BQ9", "2023-08-01", "512100", ref="A-77", credit="480.00")])
    res = letter(f, LetteringOptions())
    assert len(res.run.groups) == 2  # the customer and the supplier
    assert [(r.party, r.invoice_number, r.amount_cents) for r in lettering_receipts(res.frame, res.run.groups)] == [("C001", "FA101", 120000)]


# ---------------------------------------------------------------------------
# register lines: recorded once, cancelled by a délettrage, read back
# ---------------------------------------------------------------------------

def _receipts():
    f = frame(invoice("VT2", "C002", "FA102", "500.00", "100.00", "2023-07-10"),  # rows 2-4
              invoice("VT3", "C002", "FA103", "200.00", "40.00", "2023-07-12"),  # rows 5-7
              payment("BQ11", "C002", "RLV0803", "840.00", "2023-08-03"))  # rows 8-9
    return lettering_receipts(f, [group("C002", "AB", 2, 5, 8)])


def test_lettering_the_same_payment_again_records_nothing_new():
    first = lettering_batch("lettrage A", receipt_lines(_receipts()))
    snap = snapshot((first, datetime(2023, 8, 5)))
    assert new_lines(snap, FEC, _receipts()) == ()
    assert len(new_lines(snap, "autre.txt", _receipts())) == 2  # another FEC: its own receipts


def test_a_délettrage_cancels_the_receipts_of_the_groups_it_undid_and_they_can_be_lettered_again():
    first = lettering_batch("lettrage A", receipt_lines(_receipts()))
    snap = snapshot((first, datetime(2023, 8, 5)))
    assert cancellation_lines(snap, FEC, [group("C002", "AC", 2, 5, 8)]) == ()  # another code: not these
    undo = cancellation_lines(snap, FEC, [group("C002", "AB", 2, 5, 8)])
    assert [(l.amount_cents, l.meta["cancels"]) for l in undo] == [(-60000, "lettrage A-0001"), (-24000, "lettrage A-0002")]
    snap = snapshot((first, datetime(2023, 8, 5)), (BatchDraft(kind="délettrage", reference="d1", lines=undo, meta={"fichier": FEC}), datetime(2023, 9, 1)))
    receipts, cancels = register_lettering_receipts(snap, names={"C002": "Muller Bau"})
    assert [(r.receipt_id, r.source, r.amount, r.is_lettered, r.party_name, r.invoice_date, r.partial) for r in receipts] == [
        ("lettrage A-0001", ReceiptSource.LETTERING, D("600.00"), True, "Muller Bau", date(2023, 7, 10), False),
        ("lettrage A-0002", ReceiptSource.LETTERING, D("240.00"), True, "Muller Bau", date(2023, 7, 12), False)]
    assert [(c.receipt_id, c.cancels, c.receipt_date) for c in cancels] == [
        ("lettrage A-0001-ANN", "lettrage A-0001", date(2023, 9, 1)), ("lettrage A-0002-ANN", "lettrage A-0002", date(2023, 9, 1))]
    assert cancellation_lines(snap, FEC, [group("C002", "AB", 2, 5, 8)]) == ()  # never cancelled twice
    assert len(new_lines(snap, FEC, _receipts())) == 2  # lettered again: recorded again


def _import(ref: str, party: str, invoice_number: str, cents: int, day: str) -> BatchDraft:
    return BatchDraft(kind="customer_payments", reference=ref, lines=(RegisterLineDraft(
        item_key=f"invoice:{invoice_number}", amount_cents=cents, payment_key=f"{ref}:{invoice_number}", party_code=party, document_ref=invoice_number,
        meta={"date": day}),))


def test_a_payment_imported_then_lettered_counts_once_and_becomes_lettered():
    imported = _import("RC-1", "C002", "FA102", 60000, "2023-08-03")
    lettered = lettering_batch("lettrage A", receipt_lines(_receipts()))
    got = register_receipts(snapshot((imported, datetime(2023, 8, 4)), (lettered, datetime(2023, 8, 5))))
    assert [(r.receipt_id, r.source, r.invoice_number, r.amount, r.is_lettered) for r in got] == [
        ("RC-1-0001", ReceiptSource.PAYMENT_IMPORT, "FA102", D("600.00"), True),  # the import's receipt, now lettered
        ("lettrage A-0002", ReceiptSource.LETTERING, "FA103", D("240.00"), True),  # FA103 was not imported
    ]


def test_a_délettré_payment_of_an_import_shows_neither_the_lettering_nor_its_cancellation():
    imported = _import("RC-1", "C002", "FA102", 60000, "2023-08-03")
    lettered = lettering_batch("lettrage A", receipt_lines(_receipts()))
    snap = snapshot((imported, datetime(2023, 8, 4)), (lettered, datetime(2023, 8, 5)))
    undo = BatchDraft(kind="délettrage", reference="d1", lines=cancellation_lines(snap, FEC, [group("C002", "AB", 2, 5, 8)]))
    got = register_receipts(snapshot((imported, datetime(2023, 8, 4)), (lettered, datetime(2023, 8, 5)), (undo, datetime(2023, 9, 1))))
    assert [(r.receipt_id, r.amount, r.is_lettered, r.cancels) for r in got] == [
        ("RC-1-0001", D("600.00"), False, None),
        ("lettrage A-0002", D("240.00"), True, None),
        ("lettrage A-0002-ANN", D("240.00"), True, "lettrage A-0002"),
    ]


def test_an_invoice_is_found_even_when_its_payment_carries_its_number_as_piece_ref():
    """The bank line lettered by reference often carries the invoice number as PieceRef: the
    VAT breakdown of the invoice is still read (the payment entry is not part of it)."""
    from reglo.core.ledger import to_lines
    from reglo.core.vat_receipts.ledger import invoices_from_ledger

    f = frame(invoice("VT1", "C001", "FA101", "1000.00", "200.00", "2023-07-05"), payment("BQ10", "C001", "FA101", "1200.00", "2023-08-02"))
    (inv,) = invoices_from_ledger(to_lines(f), vat_accounts={"445710": "TN"})
    assert (inv.invoice_number, inv.total, [(v.vat_code, v.base, v.vat) for v in inv.lines]) == ("FA101", D("1200.00"), [("TN", D("1000.00"), D("200.00"))])
