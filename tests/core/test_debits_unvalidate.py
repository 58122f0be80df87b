"""Un-validation of direct-debit lines (issue 15 §3), pure: the LCR selection generalised to
``kind="prelevement"``: line / customer / all (two confirmations), receipts at the collection
date, lines lettered in another fiscal year never touched, test batches never re-opened."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from reglo.core.lcr.unvalidate import Scope, batch_receipts, plan_unvalidation, reopened_items
from reglo.core.lcr.usecases import collected_cents, plan_unvalidate, register_receipts
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
ON = date(2026, 3, 20)


def _batch(id_=5, ref="PRE20260302", test=False):
    lines = (LineState(item_key="C1:F1", amount_cents=10000, party_code="C1", document_ref="F1", payment_key=f"prelevement|C1:F1|0{ref}"),
             LineState(item_key="C1:F2", amount_cents=2550, party_code="C1", document_ref="F2", payment_key=f"prelevement|C1:F2|0{ref}"),
             LineState(item_key="C2:F3", amount_cents=4200, party_code="C2", document_ref="F3", payment_key=f"prelevement|C2:F3|0{ref}"))
    return BatchState(id=id_, kind="prelevement", reference=ref, status="committed", is_test=test, created_at=datetime(2026, 3, 2, 9),
                      lines=lines, meta={"collection_date": "2026-03-05"})


def codes(alerts):
    return [a.code.value for a in alerts]


def test_receipts_of_a_direct_debit_batch_are_dated_at_the_collection_date():
    got = batch_receipts(_batch())
    assert (got[0].receipt_id, got[0].amount, got[0].receipt_date) == ("PRE20260302-0001", Decimal("100.00"), date(2026, 3, 5))
    assert [r.invoice_number for r in got] == ["F1", "F2", "F3"]


def test_line_customer_all_and_two_confirmations():
    snap = RegisterSnapshot(batches=(_batch(),))
    kw = dict(on=ON, fiscal_year=YEAR, kind="prelevement")
    assert reopened_items(plan_unvalidation(snap, Scope.LINE, item_key="C1:F2", **kw)) == ["C1:F2"]
    assert reopened_items(plan_unvalidation(snap, Scope.PARTY, party_code="C1", **kw)) == ["C1:F1", "C1:F2"]
    assert codes(plan_unvalidation(snap, Scope.ALL, confirmations=1, **kw).alerts) == ["UNVALIDATE_CONFIRMATION_REQUIRED"]
    assert len(plan_unvalidation(snap, Scope.ALL, confirmations=2, **kw).lines) == 3
    # LCR un-validation does not see direct-debit lines
    assert codes(plan_unvalidation(snap, Scope.ALL, on=ON, fiscal_year=YEAR, confirmations=2).alerts) == ["UNVALIDATE_NOTHING"]


def test_lines_lettered_in_another_year_are_never_touched():
    snap = RegisterSnapshot(batches=(_batch(),))
    p = plan_unvalidation(snap, Scope.PARTY, party_code="C1", on=ON, fiscal_year=YEAR, kind="prelevement",
                          lettered_on={"C1:F1": date(2025, 12, 20), "C1:F2": date(2026, 3, 5)})
    assert reopened_items(p) == ["C1:F2"] and codes(p.alerts) == ["UNVALIDATE_OTHER_YEAR"]


def test_test_batches_are_never_reopened():
    snap = RegisterSnapshot(batches=(_batch(test=True),))
    p = plan_unvalidation(snap, Scope.ALL, confirmations=2, on=ON, fiscal_year=YEAR, kind="prelevement")
    assert p.lines == () and codes(p.alerts) == ["UNVALIDATE_NOTHING"]


def test_outcome_reopens_the_register_and_cancels_the_receipts():
    snap = RegisterSnapshot(batches=(_batch(),))
    out = plan_unvalidate(snap, Scope.LINE, now=datetime(2026, 3, 20, 10), fiscal_year=YEAR, seller_siren="732829320", item_key="C1:F2", kind="prelevement")
    assert out.batch.kind == "prelevement_devalidation" and out.batch.reference.startswith("DEV-PRE-")
    assert [(l.item_key, l.amount_cents, l.meta["cancels"]) for l in out.batch.lines] == [("C1:F2", -2550, "PRE20260302-0002")]
    assert out.files[0].name.startswith("Devalidation_Prelevements_") and out.data["items"] == ["C1:F2"]
    reopened = BatchState(id=6, kind=out.batch.kind, reference=out.batch.reference, status="committed", created_at=datetime(2026, 3, 20, 10),
                          lines=tuple(LineState(**l.model_dump()) for l in out.batch.lines), meta=out.batch.meta)
    after = RegisterSnapshot(batches=(_batch(), reopened))
    assert collected_cents(after) == {"C1:F1": 10000, "C1:F2": 0, "C2:F3": 4200}
    cancels = [r for r in register_receipts(after) if r.cancels]
    assert [(r.cancels, r.receipt_date) for r in cancels] == [("PRE20260302-0002", date(2026, 3, 20))]


def test_a_reopened_line_is_no_use_of_its_mandate():
    from reglo.core.debits.sequence import mandate_history

    b = _batch()
    b = b.model_copy(update={"meta": {**b.meta, "ics": "FR72ZZZ123456"},
                             "lines": tuple(l.model_copy(update={"meta": {"rum": f"RUM-{l.party_code}", "seq": "FRST", "e2e": f"E{n}"}})
                                            for n, l in enumerate(b.lines))})
    assert set(mandate_history(RegisterSnapshot(batches=(b,)), "FR72ZZZ123456")) == {"rum-c1", "rum-c2"}
    out = plan_unvalidate(RegisterSnapshot(batches=(b,)), Scope.PARTY, now=datetime(2026, 3, 20, 10), fiscal_year=YEAR, seller_siren="732829320",
                          party_code="C1", kind="prelevement")
    reopened = BatchState(id=6, kind=out.batch.kind, reference=out.batch.reference, status="committed", created_at=datetime(2026, 3, 20, 10),
                          lines=tuple(LineState(**l.model_dump()) for l in out.batch.lines), meta=out.batch.meta)
    assert set(mandate_history(RegisterSnapshot(batches=(b, reopened)), "FR72ZZZ123456")) == {"rum-c2"}
