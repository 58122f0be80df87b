"""Un-validation (line / customer / all with two confirmations), lettered lines of other years
left alone, bank reject of a whole file: batch to cancel, cancellation receipts, reversal."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from reglo.core.cashed_status.records import RecordType, cashed_records
from reglo.core.lcr.outcome import lcr_outcome
from reglo.core.lcr.plan import plan_lcr
from reglo.core.lcr.unvalidate import Scope, batch_receipts, plan_reject, plan_unvalidation, reopened_items
from reglo.core.register_state import BatchState, FileRecord, LineState, RegisterSnapshot
from reglo.core.vat_receipts.allocation import allocate_receipts
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_PARAMS, SPEC_ROWS, TODAY

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
ON = date(2026, 3, 20)


def codes(alerts):
    return [a.code.value for a in alerts]


def _snapshot(status="committed"):
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    out = lcr_outcome(plan, SPEC_ROWS)
    b = out.batch
    batch = BatchState(
        id=7, kind=b.kind, reference=b.reference, status=status, created_at=datetime(2026, 3, 2, 9, 30),
        files=tuple(FileRecord(folder=f.folder, name=f.name, sha256=f.sha256, role=f.role) for f in out.files),
        lines=tuple(LineState(**l.model_dump()) for l in b.lines), meta=b.meta,
    )
    other = BatchState(id=3, kind="virement", reference="VIR1", status="committed", created_at=datetime(2026, 2, 1))
    return RegisterSnapshot(batches=(other, batch)), plan


def test_batch_receipts_are_the_plan_receipts():
    snapshot, plan = _snapshot()
    got = batch_receipts(snapshot.batches[1])
    assert [(r.receipt_id, r.amount, r.receipt_date, r.invoice_number) for r in got] == [(r.receipt_id, r.amount, r.receipt_date, r.invoice_number) for r in plan.receipts]


def test_unvalidate_one_line_and_one_customer():
    snapshot, _ = _snapshot()
    one = plan_unvalidation(snapshot, Scope.LINE, on=ON, fiscal_year=YEAR, item_key="C0452:F2026012")
    assert reopened_items(one) == ["C0452:F2026012"] and one.alerts == ()
    assert [(c.cancels, c.amount, c.receipt_date) for c in one.cancellations] == [("LCR2603001-0002", Decimal("42.00"), ON)]
    party = plan_unvalidation(snapshot, Scope.PARTY, on=ON, fiscal_year=YEAR, party_code="C0451")
    assert reopened_items(party) == ["C0451:F2026011"]


def test_unvalidate_all_needs_two_confirmations():
    snapshot, _ = _snapshot()
    assert codes(plan_unvalidation(snapshot, Scope.ALL, on=ON, fiscal_year=YEAR, confirmations=1).alerts) == ["UNVALIDATE_CONFIRMATION_REQUIRED"]
    done = plan_unvalidation(snapshot, Scope.ALL, on=ON, fiscal_year=YEAR, confirmations=2)
    assert len(done.lines) == 2 and not done.is_blocked


def test_lines_lettered_in_another_year_are_never_touched():
    snapshot, _ = _snapshot()
    plan = plan_unvalidation(snapshot, Scope.ALL, on=ON, fiscal_year=YEAR, confirmations=2, lettered_on={"C0451:F2026011": date(2025, 12, 31), "C0452:F2026012": date(2026, 3, 2)})
    assert reopened_items(plan) == ["C0452:F2026012"] and codes(plan.alerts) == ["UNVALIDATE_OTHER_YEAR"]


def test_nothing_to_unvalidate_warns():
    snapshot, _ = _snapshot()
    assert codes(plan_unvalidation(snapshot, Scope.PARTY, on=ON, fiscal_year=YEAR, party_code="X").alerts) == ["UNVALIDATE_NOTHING"]


def test_bank_reject_of_a_whole_file():
    snapshot, plan = _snapshot()
    reject = plan_reject(snapshot, on=ON, reason="Rejet banque", file_name="LCR260302093000BQ1.txt")
    assert reject.batch_id == 7 and reject.alerts == ()
    assert reject.reversal.is_balanced and reject.reversal.total_debit == Decimal("154.00")
    assert [(l.ledger_account, l.subledger_account, l.debit, l.credit) for l in reject.reversal.lines][-1] == ("511300", "", Decimal("0.00"), Decimal("154.00"))
    # the payment data: each receipt and its cancellation, netting to zero
    receipts = list(plan.receipts) + list(reject.cancellations)
    records, _ = cashed_records(receipts, [], allocate_receipts(receipts, []).lines, seller_siren="123456782")
    assert [c.record_type for c in records].count(RecordType.CANCELLATION) == 2 and sum(c.amount for c in records) == 0


def test_reject_refusals():
    snapshot, _ = _snapshot()
    assert codes(plan_reject(snapshot, on=ON, reason="", reference="NOPE").alerts) == ["LCR_REJECT_NOT_FOUND"]
    assert codes(plan_reject(snapshot, on=ON, reason="", reference="VIR1").alerts) == ["LCR_REJECT_NOT_LCR"]
    cancelled, _ = _snapshot(status="cancelled")
    assert codes(plan_reject(cancelled, on=ON, reason="", reference="LCR2603001").alerts) == ["LCR_REJECT_NOT_LIVE"]
