"""Property tests: whatever the user selects, a selection that passes the rules gives only
positive transfers whose total is the selected total, each line paid once (hypothesis)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.transfers import Edit, apply_edits, check_selection, import_lines, plan_transfers
from tests.core.transfer_fixtures import PARTIES, debit, invoice, ledger, params

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["F001", "F002"]), amounts, st.booleans()), min_size=1, max_size=8),
    st.lists(st.tuples(st.booleans(), st.sampled_from(["", "1", "2"])), min_size=8, max_size=8),
)
def test_rules_guarantee_positive_transfers_and_exact_totals(items, choices):
    groups = []
    for i, (who, amount, is_debit) in enumerate(items):
        if is_debit:
            groups.append(debit(str(i), who, f"AC{i}", str(amount)))
        else:
            groups.append(invoice(str(i), who, f"FA{i}", str(amount), "2023-03-15"))
    lines = import_lines(ledger(*groups), params()).lines
    edits = [Edit(l.line_no + 1, l.key, "Oui" if choices[k][0] else "Non", float(l.amount), choices[k][1]) for k, l in enumerate(lines)]  # float: as Excel gives it
    edited, _ = apply_edits(lines, edits)
    if [a for a in check_selection(edited) if a.is_blocking]:
        return
    plan = plan_transfers(edited, PARTIES, params(), message_id="VIR20230331100000", today=date(2023, 3, 31))
    assert all(t.amount > 0 for t in plan.transfers)
    assert sum((t.amount for t in plan.transfers), Decimal("0")) == sum((l.amount for l in edited if l.selected), Decimal("0"))
    paid = [l.key for t in plan.transfers for l in t.lines]
    assert sorted(paid) == sorted(l.key for l in edited if l.selected) and len(paid) == len(set(paid))
    if plan.batch is not None:
        assert plan.batch.control_sum == plan.total and plan.batch.transaction_count == len(plan.transfers)
