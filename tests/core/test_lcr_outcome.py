"""The LCR plan as the trust layer's Outcome: file, batch, sheets; a blocked plan writes nothing."""
from __future__ import annotations

from decimal import Decimal

from reglo.core.lcr.outcome import JOURNAL_SHEET, lcr_outcome
from reglo.core.lcr.plan import READBACK_SHEET, plan_lcr
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_EXAMPLE_SHA256, SPEC_PARAMS, SPEC_ROWS, TODAY


def test_outcome_of_the_spec_example():
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    out = lcr_outcome(plan, SPEC_ROWS)
    assert not out.has_blocking and out.writes_anything
    (f,) = out.files
    assert (f.folder, f.name, f.role, f.sha256) == ("lcr", "LCR260302093000BQ1.txt", "bank", SPEC_EXAMPLE_SHA256)
    assert out.batch.kind == "lcr" and out.batch.reference == "LCR2603001" and out.batch.total_cents == 15400
    assert [l.payment_key for l in out.batch.lines] == ["LCR:C0451:F2026011", "LCR:C0452:F2026012"]
    assert [s.name for s in out.sheets] == [READBACK_SHEET, JOURNAL_SHEET]
    journal = out.sheets[1]
    assert sum(r[6] or 0 for r in journal.rows) == sum(r[7] or 0 for r in journal.rows) == Decimal("154.00")
    assert "2 LCR pour 154,00" in out.summary


def test_blocked_plan_gives_alerts_only():
    rows = (SPEC_ROWS[0].model_copy(update={"iban": "FR0630006000011234567890188"}),)
    out = lcr_outcome(plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW), rows)
    assert out.has_blocking and not out.writes_anything and out.sheets == ()


def test_transfer_outcome_shows_the_management_sheet():
    from datetime import date

    from reglo.core.lcr.models import LcrAllocation
    from reglo.core.lcr.outcome import transfer_outcome
    from tests.core.lcr_fixtures import inv

    allocations = [LcrAllocation(party_code="C1", party_name="MARTIN", iban="FR1420041010050500013M02606", invoice=inv("F1", "12.50", date(2026, 2, 1), date(2026, 3, 31)))]
    out = transfer_outcome(allocations, remittance_date=date(2026, 3, 2))
    (sheet,) = out.sheets
    assert sheet.name == "Gestion des LCR" and sheet.rows[0][5] == Decimal("12.50") and not out.writes_anything
    assert [c.code.value for c in transfer_outcome([], remittance_date=date(2026, 3, 2)).alerts] == ["LCR_NO_BILLS"]
