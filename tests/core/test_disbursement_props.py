"""Random action sequences never break the disbursement engine (hypothesis).

Invariants after every action: every item of the run is in exactly one place (items to
pay, prepared payments, a validated payment, or out of the run); totals are conserved
(each payment pays the net of its items, each difference allocates exactly its amount);
groups are well formed; a blocking alert leaves the state unchanged; and undo restores
the snapshot before the last undoable action exactly.

Quick count by default; ``REGLO_FULL=1`` runs the full count.
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.core.alerts import has_blocking
from reglo.core.disbursement import actions as A
from reglo.core.disbursement.models import DifferenceKind, GroupingRule, Item, PartyMatch, PaymentStage, RunState
from reglo.core.disbursement.state import difference_allocations, group_members, items_by_key, net_amount
from reglo.core.money import ZERO

from .disbursement_fixtures import BANKS, RUN_DATE, SUPPLIERS

FULL = os.environ.get("REGLO_FULL") == "1"
EXAMPLES = 1500 if FULL else 60
STEPS = 40 if FULL else 25

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def items_strategy(draw):
    n = draw(st.integers(min_value=2, max_value=10))
    out = []
    for k in range(n):
        out.append(
            Item(
                key=f"K{k}",
                supplier=draw(st.sampled_from([s.code for s in SUPPLIERS])),
                due_date=RUN_DATE + timedelta(days=draw(st.integers(min_value=-10, max_value=90))),
                amount=draw(amounts),
                state=draw(st.sampled_from(["A10", "A10", "C10", "L10"])),
                planned_bank=draw(st.sampled_from(["", "", "BNP", "SG"])),
            )
        )
    return tuple(out)


rules_strategy = st.lists(
    st.builds(
        GroupingRule,
        automatic=st.booleans(),
        party=st.sampled_from(list(PartyMatch)),
        same_bank=st.booleans(),
        same_currency=st.booleans(),
        same_bank_details=st.booleans(),
        max_days_apart=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
        supplier=st.sampled_from(["", "", "F001"]),
    ),
    max_size=3,
)


def check_invariants(s: RunState) -> None:
    items = items_by_key(s)
    places = Counter(s.to_pay) + Counter(p.key for p in s.prepared) + Counter(k for p in s.payments for k in p.keys) + Counter(s.closed)
    # no item in two places, and every item of the run somewhere
    assert all(n == 1 for n in places.values()), places
    assert set(places) == set(items)
    # groups: known ids, at least two members, one mode
    members = group_members(s)
    gids = {g.group_id for g in s.groups}
    assert set(members) == gids
    for g in s.groups:
        assert len(members[g.group_id]) >= 2
        assert {p.mode for p in s.prepared if p.group_id == g.group_id} == {g.mode}
    # totals: differences allocate their amounts exactly, over prepared or paid items
    for d in s.differences:
        assert set(k for k, _ in d.allocations) == set(d.scope)
        total = sum((v for _, v in d.allocations), ZERO)
        if d.kind is DifferenceKind.PARTIAL:
            base = total + d.amount
            assert base > d.amount > 0
        elif d.kind is DifferenceKind.RESCHEDULE:
            assert total == d.amount == sum((sp.amount for sp in d.splits), ZERO)
        else:
            assert total == d.amount
        assert not any(items[k].is_deposit for k in d.scope)
    # each payment pays the net of its items; its items are not rescheduled
    alloc = difference_allocations(s)
    for p in s.payments:
        if p.from_earlier_run:
            continue
        assert p.amount == sum((net_amount(items[k], alloc.get(k, ZERO)) for k in p.keys), ZERO)
        assert p.amount > 0
    # bank assignment is consistent with the stage
    for p in s.payments:
        assert (p.bank is None) == (p.stage is PaymentStage.PREPARED)
    # slips: each payment on at most one slip, the slip agrees with the payment; entries balance
    on_slips = Counter(pid for sl in s.slips for pid in sl.payment_ids)
    assert all(n == 1 for n in on_slips.values())
    by_id = {p.payment_id: p for p in s.payments}
    for sl in s.slips:
        assert sl.payment_ids
        for pid in sl.payment_ids:
            assert by_id[pid].slip_id == sl.slip_id and by_id[pid].bank == sl.bank
    numbers = [b.first_entry_number for b in s.postings]
    assert len(set(b.slip_id for b in s.postings)) == len(s.postings) and numbers == sorted(numbers)
    if s.postings:
        from reglo.core.disbursement.posting import pending_entries

        assert all(e.is_balanced for e in pending_entries(s))
    # the undo level never has an undo level itself
    assert s.previous is None or s.previous.previous is None


def draw_action(data, s: RunState):
    pick = lambda seq, name: data.draw(st.lists(st.sampled_from(list(seq)), min_size=1, max_size=4, unique=True), label=name) if seq else []  # noqa: E731
    prepared = [p.key for p in s.prepared]
    groups = [g.group_id for g in s.groups]
    payments = [p.payment_id for p in s.payments]
    step = s.step
    choices = ["undo", "next", "previous"]
    if step == 2:
        choices += ["prepare"] * 4 + ["unprepare", "move", "group", "group", "add_to_group", "dissociate", "delete_group", "target", "deposit", "difference", "difference", "cancel_difference", "validate", "dispute", "resolve"]
    if step == 3:
        choices += ["assign", "assign", "assign_to", "assign_to", "unassign", "preselect", "cancel_transaction", "next", "next"]
    if step == 4:
        choices += ["first_cheque", "first_cheque", "print", "print", "slip_date", "cancel_transaction", "next"]
    if step == 5:
        choices += ["post", "post", "confirm", "confirm", "finish"]
    kind = data.draw(st.sampled_from(choices), label="action")
    mode = lambda: data.draw(st.sampled_from(["VIR", "CHQ", "LCR"]), label="mode")  # noqa: E731
    if kind == "undo":
        return A.Undo()
    if kind == "next":
        return A.Next(confirmed=data.draw(st.booleans(), label="confirmed"))
    if kind == "previous":
        return A.Previous()
    if kind == "prepare":
        return A.Prepare(keys=tuple(pick(s.to_pay, "keys")) or ("?",), auto_group=data.draw(st.booleans(), label="auto"), mode=data.draw(st.sampled_from(["", "", "VIR", "CHQ"]), label="mode"))
    if kind == "unprepare":
        return A.Unprepare(keys=tuple(pick(prepared, "keys")) or ("?",))
    if kind == "move":
        return A.Move(keys=tuple(pick(prepared + groups, "keys")) or ("?",), mode=mode())
    if kind == "group":
        return A.Group(units=tuple(pick(prepared + groups, "units")) or ("?",))
    if kind == "add_to_group":
        return A.AddToGroup(keys=tuple(pick(prepared, "keys")) or ("?",), group_id=data.draw(st.sampled_from(groups or ["G0"]), label="group"))
    if kind in ("dissociate", "delete_group"):
        gid = data.draw(st.sampled_from(groups or ["G0"]), label="group")
        return A.Dissociate(group_id=gid) if kind == "dissociate" else A.DeleteGroup(group_id=gid)
    if kind == "target":
        return A.TargetAmount(amount=data.draw(amounts, label="target"), order=data.draw(st.sampled_from(["priorite_echeance", "tri_actuel", "echeance_priorite"]), label="order"))
    if kind == "deposit":
        return A.Deposit(supplier=data.draw(st.sampled_from(["F001", "F003"]), label="supplier"), amount=data.draw(amounts, label="amount"))
    if kind == "difference":
        dk = data.draw(st.sampled_from(list(DifferenceKind)), label="kind")
        current = data.draw(st.sampled_from(prepared + groups or ["?"]), label="current")
        sel = tuple(pick(prepared, "selection"))
        amount = data.draw(st.decimals(min_value=Decimal("-50"), max_value=Decimal("3000"), places=2, allow_nan=False, allow_infinity=False), label="amount")
        extra = {}
        if dk is DifferenceKind.RESCHEDULE:
            extra["due_date"] = RUN_DATE + timedelta(days=data.draw(st.integers(1, 120), label="days"))
        elif dk is DifferenceKind.DISCOUNT and data.draw(st.booleans(), label="by_rate"):
            extra["rate"] = data.draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("20"), places=1), label="rate")
        else:
            extra["amount"] = amount
        if dk is DifferenceKind.MISC:
            extra["account"] = "471000"
        return A.AddDifference(difference=dk, current=current, selection=sel, **extra)
    if kind == "cancel_difference":
        return A.CancelDifference(diff_id=data.draw(st.sampled_from([d.diff_id for d in s.differences] or ["D0"]), label="diff"))
    if kind == "validate":
        return A.Validate(units=tuple(pick(prepared + groups, "units")) or ("?",))
    if kind == "dispute":
        return A.Dispute(keys=tuple(pick(s.to_pay, "keys")) or ("?",), reason="test")
    if kind == "resolve":
        return A.ResolveDispute(keys=tuple(pick(s.to_pay, "keys")) or ("?",))
    slip_ids = [sl.slip_id for sl in s.slips]
    if kind == "first_cheque":
        return A.SetFirstCheque(slip_id=data.draw(st.sampled_from(slip_ids or ["B0"]), label="slip"), number=data.draw(st.integers(1, 999999), label="number"))
    if kind == "print":
        return A.PrintSlips(slip_ids=tuple(pick(slip_ids, "slips")) or None)
    if kind == "slip_date":
        return A.SetSlipDate(slip_ids=tuple(pick(slip_ids, "slips")) or None, slip_date=RUN_DATE + timedelta(days=data.draw(st.integers(0, 10), label="days")))
    if kind == "post":
        return A.Post(slip_ids=tuple(pick(slip_ids, "slips")) or None)
    if kind == "confirm":
        return A.ConfirmPosting()
    if kind == "finish":
        return A.Finish()
    top = [p.payment_id for p in s.payments if p.stage is PaymentStage.PREPARED]
    if kind == "cancel_transaction" and step == 4:
        top = [p.payment_id for p in s.payments if p.stage is PaymentStage.SLIPPED]
    if kind == "assign":
        return A.Assign(payment_ids=tuple(pick(top, "payments")) or ("?",))
    if kind == "assign_to":
        return A.AssignTo(payment_ids=tuple(pick(payments, "payments")) or ("?",), bank=data.draw(st.sampled_from(["BNP", "SG"]), label="bank"))
    if kind == "unassign":
        return A.Unassign(payment_ids=tuple(pick(payments, "payments")) or ("?",))
    if kind == "preselect":
        return A.Preselect(amount=data.draw(amounts, label="amount"))
    return A.CancelTransaction(payment_ids=tuple(pick(top, "payments")) or ("?",))


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(items=items_strategy(), rules=rules_strategy, payment_approval=st.booleans(), data=st.data())
def test_random_action_sequences_keep_the_invariants(items, rules, payment_approval, data):
    from reglo.core.disbursement.models import SelectionParams

    state, _ = A.start_run(run_id="P", user="u", run_date=RUN_DATE, items=items, suppliers=SUPPLIERS, banks=BANKS, rules=tuple(rules), params=SelectionParams(payment_approval=payment_approval))
    state, _ = A.apply(state, A.Next())
    check_invariants(state)
    total = sum((i.amount for i in state.items if not i.is_deposit), ZERO)
    for _ in range(data.draw(st.integers(min_value=1, max_value=STEPS), label="length")):
        action = draw_action(data, state)
        new, alerts = A.apply(state, action)
        if has_blocking(alerts) and not A._partial_ok(action):
            assert new is state
        check_invariants(new)
        # no item created or lost: the selected items keep their total
        assert sum((i.amount for i in new.items if not i.is_deposit), ZERO) == total
        if new is not state and type(action) in A.UNDOABLE:
            undone, undo_alerts = A.apply(new, A.Undo())
            assert not undo_alerts
            assert undone == state.model_copy(update={"previous": None})
        state = new
    assert RunState.model_validate_json(state.model_dump_json()) == state
