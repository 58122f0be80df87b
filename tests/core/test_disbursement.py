"""The disbursement wizard engine, step by step (seed 004): circuit, selection, grouping
rules, differences, issue to banks, slips, posting, persistence."""
from __future__ import annotations

import json
from datetime import date

import pytest

from reglo.core.disbursement import actions as A
from reglo.core.disbursement.circuit import STANDARD
from reglo.core.disbursement.differences import prorata, scope_of
from reglo.core.disbursement.issue import balances, totals
from reglo.core.disbursement.models import (
    Circuit,
    DifferenceKind,
    FieldFilter,
    GroupingRule,
    PartyMatch,
    PaymentStage,
    RunState,
    SelectionParams,
    Split,
)
from reglo.core.disbursement.posting import dry_run_entries, entries_for, pending, pending_entries
from reglo.core.disbursement.state import differenced_keys, group_members, item_states

from .disbursement_fixtures import (
    AUTO_SAME_SUPPLIER_30,
    BANKS,
    IBAN_OTHER,
    IBAN_SUN,
    ITEMS,
    MANUAL_HEAD_OFFICE,
    RUN_DATE,
    D,
    codes,
    item,
    ok,
    run,
)

# ---------------------------------------------------------------------------
# circuit and step 1
# ---------------------------------------------------------------------------


def test_c10_items_reach_step_2_with_the_standard_circuit():
    s = run()
    assert {"C1", "C2"} <= set(s.to_pay)


def test_c10_items_do_not_appear_when_the_circuit_has_no_rule_for_c10():
    no_c10 = Circuit(code="SANSCHQ", transitions=tuple(t for t in STANDARD.transitions if t.entry_state != "C10"))
    s, _ = A.start_run(run_id="R", user="u", run_date=RUN_DATE, items=ITEMS, circuits={"SANSCHQ": no_c10}, params=SelectionParams(circuit="SANSCHQ"))
    s, alerts = A.apply(s, A.Next())
    assert not {"C1", "C2"} & set(s.to_pay)
    assert "DSB_NOT_IN_CIRCUIT" in codes(alerts)


def test_item_in_a_state_of_no_rule_is_left_out_with_a_warning():
    s, _ = A.start_run(run_id="R", user="u", run_date=RUN_DATE, items=ITEMS)
    s, alerts = A.apply(s, A.Next())
    assert "Z1" not in s.to_pay and "DSB_NOT_IN_CIRCUIT" in codes(alerts)


def test_excluded_payment_type_cheque_waiting():
    s = run(params=SelectionParams(excluded_states=("C10",)))
    assert not {"C1", "C2"} & set(s.to_pay)


def test_state_change_edited_at_step_1_disables_a_type():
    s = run(step2=False)
    s = ok(s, A.EditTransition(entry_state="C10", enabled=False))
    s = ok(s, A.Next())
    assert not {"C1", "C2"} & set(s.to_pay)


def test_state_change_edited_changes_the_payment_mode():
    s = run(step2=False)
    s = ok(s, A.EditTransition(entry_state="C10", payment_mode="VIR"))
    s = ok(s, A.Next())
    s = ok(s, A.Prepare(keys=("C1",)))
    assert s.prepared[0].mode == "VIR"


@pytest.mark.parametrize(
    "params, expected",
    [
        (SelectionParams(supplier_from="F002", supplier_to="F003"), {"E3", "E4", "C1", "C2"}),
        (SelectionParams(due_to=date(2026, 3, 15)), {"E4", "C1", "C2"}),
        (SelectionParams(due_from=date(2026, 3, 31), due_to=date(2026, 3, 31)), {"E1"}),
        (SelectionParams(amount_max=D("250.00")), {"E4", "E5", "C1", "C2"}),
        (SelectionParams(amount_min=D("500.00")), {"E1", "E2", "X1"}),
        (SelectionParams(issue_from=date(2026, 2, 2)), set()),
        (SelectionParams(filters=(FieldFilter(field="currency", op="=", value="USD"),)), {"X1"}),
        (SelectionParams(filters=(FieldFilter(field="label", op="contient", value="facture e"),)), {"E1", "E2", "E3", "E4", "E5"}),
        (SelectionParams(filters=(FieldFilter(field="priority", op="<=", value="10"),)), {"E1", "E2", "E3", "E5"}),
    ],
    ids=["supplier_range", "due_to", "due_on_31_03", "amount_max", "amount_min", "issue_from", "field_currency", "field_contains", "priority"],
)
def test_selection_filters(params, expected):
    assert set(run(params=params).to_pay) == expected


def test_invalid_filter_is_blocking():
    s = run(step2=False, params=SelectionParams(filters=(FieldFilter(field="nope", value="1"),)))
    s2, alerts = A.apply(s, A.Next())
    assert s2 is s and codes(alerts) == {"DSB_FILTER_INVALID"}


def test_sort_order():
    s = run(params=SelectionParams(sort=("-amount",)))
    assert s.to_pay[:3] == ("E1", "X1", "E2")
    s = run(params=SelectionParams(sort=("priority", "due_date")))
    assert s.to_pay[0] == "E3"  # F002 has priority 0


@pytest.mark.parametrize(
    "show_disputed, show_unsigned, expected",
    [(True, True, {"E1", "E2", "E3"}), (False, True, {"E1", "E3"}), (True, False, {"E1", "E2"}), (False, False, {"E1"})],
)
def test_disputed_and_unsigned_shown_or_hidden_when_payment_approval_is_on(show_disputed, show_unsigned, expected):
    items = (item("E1"), item("E2", disputed=True, dispute_reason="quantité"), item("E3", signed=False))
    p = SelectionParams(payment_approval=True, show_disputed=show_disputed, show_unsigned=show_unsigned)
    assert set(run(items=items, params=p).to_pay) == expected


def test_automatic_discounts_one_per_item_from_the_matrix_and_run_date():
    s = run(params=SelectionParams(auto_discounts=True))
    by_key = {i.key: i for i in s.items}
    # E1 due 31/03, run 02/03: 29 days → 2 % tier (10 days); E5 due 30/06: 120 days → 3 %
    assert by_key["E1"].auto_discount.amount == D("20.00") and by_key["E1"].auto_discount.rate == D("2")
    assert by_key["E5"].auto_discount.amount == D("6.00")
    assert by_key["E5"].auto_discount.limit_date == date(2026, 5, 31)
    assert by_key["E3"].auto_discount is None  # F002 has no matrix


def test_parameters_saved_and_restored_per_user():
    from reglo.core.disbursement.params import restore_params, save_params

    store = save_params({}, "marie", SelectionParams(amount_max=D("5000.00")))
    store = save_params(store, "paul", SelectionParams(circuit="AUTRE"))
    assert restore_params(store, "marie").amount_max == D("5000.00")
    assert restore_params(store, "jean") == SelectionParams()
    assert json.loads(json.dumps(store)) == store  # a plain JSON value for the workbook


@pytest.mark.parametrize("start, expected_stage", [(3, PaymentStage.PREPARED), (4, PaymentStage.ASSIGNED), (5, PaymentStage.SLIPPED)])
def test_start_at_step_shows_payments_of_an_earlier_run(start, expected_stage):
    earlier = {
        3: item("P1", state="A20", payment_ref="R9"),
        4: item("P1", state="A30", payment_ref="R9", bank="BNP"),
        5: item("P1", state="A30", payment_ref="R9", bank="BNP", slip_ref="B7"),
    }[start]
    s = run(items=ITEMS + (earlier,), params=SelectionParams(start_step=start))
    assert s.step == start
    pay = next(p for p in s.payments if p.payment_id == "R9")
    assert pay.stage is expected_stage and pay.keys == ("P1",)


# ---------------------------------------------------------------------------
# step 2: anomalies, item detail
# ---------------------------------------------------------------------------


def test_anomalies_block_next_and_preparation_until_resolved():
    items = (item("E1"), item("E2", disputed=True, dispute_reason="prix"), item("E3", signed=False))
    s = run(items=items, params=SelectionParams(payment_approval=True))
    s2, alerts = A.apply(s, A.Prepare(keys=("E2",)))
    assert "DSB_ANOMALY_DISPUTED" in codes(alerts) and "E2" in s2.to_pay
    s2, alerts = A.apply(s, A.Next(confirmed=True))
    assert s2 is s and {"DSB_ANOMALIES_BLOCK", "DSB_ANOMALY_DISPUTED", "DSB_ANOMALY_UNSIGNED"} <= codes(alerts)
    assert "prix" in next(a.message for a in alerts if a.code.value == "DSB_ANOMALY_DISPUTED")
    s = ok(s, A.ResolveDispute(keys=("E2",)))
    s = ok(s, A.Sign(keys=("E3",)))
    s = ok(s, A.Dispute(keys=("E1",), reason="litige"))
    assert codes(A.apply(s, A.Next(confirmed=True))[1]) >= {"DSB_ANOMALIES_BLOCK"}
    s = ok(s, A.ResolveDispute(keys=("E1",)))
    assert ok(s, A.Next()).step == 3


def test_next_asks_confirmation_before_validating():
    s = ok(run(), A.Prepare(keys=("E1",)))
    s2, alerts = A.apply(s, A.Next())
    assert s2 is s and codes(alerts) == {"DSB_CONFIRM_REQUIRED"}
    assert ok(s, A.Next(confirmed=True)).step == 3


def test_item_detail_edit_and_invalid_iban():
    s = run()
    s = ok(s, A.EditItem(key="E1", changes={"iban": "FR76 3000 6000 0112 3456 7890 189", "due_date": "15/04/2026", "label": "Facture avril", "cheque_number": "42"}))
    e1 = next(i for i in s.items if i.key == "E1")
    assert e1.iban == IBAN_SUN and e1.due_date == date(2026, 4, 15) and e1.cheque_number == "42"
    s2, alerts = A.apply(s, A.EditItem(key="E1", changes={"iban": "FR7630006000011234567890188"}))
    assert s2 is s and codes(alerts) == {"DSB_FIELD_INVALID"}
    assert codes(A.apply(s, A.EditItem(key="E1", changes={"amount": "1"}))[1]) == {"DSB_FIELD_NOT_EDITABLE"}


def test_edit_automatic_discount_rate_on_all_selected_and_amount_on_one():
    s = run(params=SelectionParams(auto_discounts=True))
    s = ok(s, A.EditAutoDiscount(keys=("E1", "E3"), rate=D("1")))
    by_key = {i.key: i for i in s.items}
    assert by_key["E1"].auto_discount.amount == D("10.00") and by_key["E3"].auto_discount.amount == D("3.00")
    assert codes(A.apply(s, A.EditAutoDiscount(keys=("E1", "E3"), amount=D("5")))[1]) == {"DSB_DISCOUNT_AMOUNT_MULTI"}
    s = ok(s, A.EditAutoDiscount(keys=("E1",), amount=D("15.00")))
    assert next(i for i in s.items if i.key == "E1").auto_discount.amount == D("15.00")


def test_wrong_step_and_unknown_item():
    s = run()
    assert codes(A.apply(s, A.Assign(payment_ids=("R1",)))[1]) == {"DSB_WRONG_STEP"}
    assert codes(A.apply(s, A.Prepare(keys=("NOPE",)))[1]) == {"DSB_ITEM_UNKNOWN"}
    s = ok(s, A.Prepare(keys=("E1",)))
    assert codes(A.apply(s, A.Prepare(keys=("E1",)))[1]) == {"DSB_ITEM_NOT_HERE"}


# ---------------------------------------------------------------------------
# step 2: grouping rules
# ---------------------------------------------------------------------------


def _grouped_after_prepare(items, rule, keys=None):
    s = run(items=items, rules=(rule,))
    s = ok(s, A.Prepare(keys=tuple(keys or s.to_pay)))
    return sorted(sorted(m) for m in group_members(s).values())


AUTO = dict(automatic=True, same_bank=False, same_bank_details=False)
GROUPING_RULES = [
    # (id, items, rule, expected groups)
    ("same_supplier_groups", (item("A", "F001"), item("B", "F001")), GroupingRule(**AUTO), [["A", "B"]]),
    ("same_supplier_refuses_other_supplier", (item("A", "F001"), item("B", "F002")), GroupingRule(**AUTO), []),
    ("same_head_office_groups_two_suppliers", (item("A", "F001"), item("B", "F002")), GroupingRule(**AUTO, party=PartyMatch.SAME_HEAD_OFFICE), [["A", "B"]]),
    ("same_head_office_refuses_other_head_office", (item("A", "F001"), item("B", "F003")), GroupingRule(**AUTO, party=PartyMatch.SAME_HEAD_OFFICE), []),
    ("indifferent_party_groups_anyone", (item("A", "F001"), item("B", "F003")), GroupingRule(**AUTO, party=PartyMatch.ANY), [["A", "B"]]),
    ("planned_bank_same_refuses", (item("A", planned_bank="BNP"), item("B", planned_bank="SG")), GroupingRule(automatic=True, same_bank=True, same_bank_details=False), []),
    ("planned_bank_different_allowed", (item("A", planned_bank="BNP"), item("B", planned_bank="SG")), GroupingRule(**AUTO), [["A", "B"]]),
    ("currency_same_refuses", (item("A"), item("B", currency="USD")), GroupingRule(**AUTO), []),
    ("currency_different_allowed", (item("A"), item("B", currency="USD")), GroupingRule(**AUTO, same_currency=False), [["A", "B"]]),
    ("bank_details_same_refuses", (item("A", iban=IBAN_SUN), item("B", iban=IBAN_OTHER)), GroupingRule(automatic=True, same_bank=False, same_bank_details=True), []),
    ("bank_details_different_allowed", (item("A", iban=IBAN_SUN), item("B", iban=IBAN_OTHER)), GroupingRule(**AUTO), [["A", "B"]]),
    ("due_dates_within_n_days", (item("A", due=date(2026, 3, 1)), item("B", due=date(2026, 3, 31))), GroupingRule(**AUTO, max_days_apart=30), [["A", "B"]]),
    ("due_dates_too_far_apart", (item("A", due=date(2026, 3, 1)), item("B", due=date(2026, 4, 1))), GroupingRule(**AUTO, max_days_apart=30), []),
    ("rule_inactive", (item("A"), item("B")), GroupingRule(**AUTO, active=False), []),
    ("rule_of_another_mode", (item("A"), item("B")), GroupingRule(**AUTO, payment_mode="CHQ"), []),
    ("deposits_never_auto_grouped", (item("A"),), GroupingRule(**AUTO), []),
]


@pytest.mark.parametrize("rid, items, rule, expected", GROUPING_RULES, ids=[r[0] for r in GROUPING_RULES])
def test_automatic_grouping_rule(rid, items, rule, expected):
    assert _grouped_after_prepare(items, rule) == expected


def test_per_supplier_rule_overrides_the_general_rule():
    items = (item("A", "F001"), item("B", "F001"), item("C", "F003"), item("D", "F003"))
    rules = (GroupingRule(**AUTO, active=False), GroupingRule(**AUTO, supplier="F003"))
    s = run(items=items, rules=rules)
    s = ok(s, A.Prepare(keys=s.to_pay))
    assert sorted(sorted(m) for m in group_members(s).values()) == [["C", "D"]]


def test_automatic_grouping_joins_an_existing_group_and_can_be_refused():
    items = (item("A"), item("B"), item("C"))
    s = run(items=items, rules=(AUTO_SAME_SUPPLIER_30,))
    s = ok(s, A.Prepare(keys=("A", "B")))
    gid = s.groups[0].group_id
    assert s.groups[0].automatic
    joined = ok(s, A.Prepare(keys=("C",)))
    assert group_members(joined)[gid] == ["A", "B", "C"]
    refused = ok(s, A.Prepare(keys=("C",), auto_group=False))  # Échap
    assert group_members(refused)[gid] == ["A", "B"] and refused.prepared[-1].group_id == ""


def test_manual_grouping_without_any_rule_is_free():
    s = ok(run(), A.Prepare(keys=("E1", "E4"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E4")))
    assert not s.groups[0].automatic and sorted(group_members(s)[s.groups[0].group_id]) == ["E1", "E4"]


@pytest.mark.parametrize(
    "units, refused",
    [(("E1", "E3"), False), (("E1", "E4"), True)],
    ids=["same_head_office_accepted", "other_head_office_refused"],
)
def test_manual_grouping_rule(units, refused):
    s = ok(run(rules=(MANUAL_HEAD_OFFICE,)), A.Prepare(keys=units, auto_group=False))
    s2, alerts = A.apply(s, A.Group(units=units))
    assert ("DSB_GROUP_REFUSED" in codes(alerts)) is refused
    assert bool(s2.groups) is not refused


def test_manual_group_needs_two_payments_of_one_mode():
    s = ok(run(), A.Prepare(keys=("E1", "C1"), auto_group=False))
    assert codes(A.apply(s, A.Group(units=("E1",)))[1]) == {"DSB_GROUP_TOO_SMALL"}
    assert codes(A.apply(s, A.Group(units=("E1", "C1")))[1]) == {"DSB_GROUP_MODES_DIFFER"}


def test_group_of_groups_comes_out_flat():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E3", "E5"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2")))
    s = ok(s, A.Group(units=("E3", "E5")))
    s = ok(s, A.Group(units=tuple(g.group_id for g in s.groups)))
    assert len(s.groups) == 1 and sorted(group_members(s)[s.groups[0].group_id]) == ["E1", "E2", "E3", "E5"]


def test_dissociating_a_group_of_groups_gives_normal_payments():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E3", "E5"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2")))
    s = ok(s, A.Group(units=("E3", "E5")))
    s = ok(s, A.Group(units=tuple(g.group_id for g in s.groups)))
    s = ok(s, A.Dissociate(group_id=s.groups[0].group_id))
    assert not s.groups and all(p.group_id == "" for p in s.prepared)


def test_delete_group_header_deletes_its_prepared_payments():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E5"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2")))
    s = ok(s, A.DeleteGroup(group_id=s.groups[0].group_id))
    assert {"E1", "E2"} <= set(s.to_pay) and [p.key for p in s.prepared] == ["E5"] and not s.groups


def test_partial_dissociation_by_drag_inside_prepared_changes_mode():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E5"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2", "E5")))
    s = ok(s, A.Move(keys=("E1",), mode="CHQ"))
    e1 = next(p for p in s.prepared if p.key == "E1")
    assert e1.mode == "CHQ" and e1.group_id == "" and len(group_members(s)[s.groups[0].group_id]) == 2


def test_add_to_group_checks_the_manual_rule():
    s = ok(run(rules=(MANUAL_HEAD_OFFICE,)), A.Prepare(keys=("E1", "E2", "E3", "E4"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2")))
    gid = s.groups[0].group_id
    s = ok(s, A.AddToGroup(keys=("E3",), group_id=gid))
    assert sorted(group_members(s)[gid]) == ["E1", "E2", "E3"]
    assert codes(A.apply(s, A.AddToGroup(keys=("E4",), group_id=gid))[1]) == {"DSB_GROUP_REFUSED"}


# ---------------------------------------------------------------------------
# step 2: amount to reach, deposit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "order, expected",
    [
        # F002 (priority 0): E3 300; F001 (10) by due date: E1 1000 passes 1250 → skipped, E2 500, E5 200;
        # F003 (50) by due date: C1 120, C2 80, E4 250 would pass
        ("priorite_echeance", {"E3", "E2", "E5", "C1", "C2"}),
        # due dates: C1 120, C2 80, E4 250, E3 300, X1 900 skipped, E1 skipped, E2 500 → 1250
        ("echeance_priorite", {"C1", "C2", "E4", "E3", "E2"}),
        # current sort (amount descending): E1 1000, then only E4 250 still fits
        ("tri_actuel", {"E1", "E4"}),
    ],
)
def test_amount_to_reach_orders(order, expected):
    s = run(items=tuple(i for i in ITEMS if i.key != "Z1"), params=SelectionParams(sort=("-amount",)))
    s, alerts = A.apply(s, A.TargetAmount(amount=D("1250.00"), order=order, auto_group=False))
    assert {p.key for p in s.prepared} == expected
    reached = sum(i.amount for i in s.items if i.key in expected)
    assert (codes(alerts) == {"DSB_TARGET_NOT_REACHED"}) is (reached < D("1250.00"))


def test_amount_to_reach_warns_when_not_reached():
    s, alerts = A.apply(run(), A.TargetAmount(amount=D("100.00")))
    assert "DSB_TARGET_NOT_REACHED" in codes(alerts)


def test_deposit_behaves_like_a_prepared_payment_without_differences():
    s = ok(run(), A.Deposit(supplier="F001", amount=D("400.00"), vat_code="TVA20"))
    dep = s.items[-1]
    assert dep.is_deposit and dep.vat_code == "TVA20" and s.prepared[-1].key == dep.key
    assert codes(A.apply(s, A.AddDifference(difference=DifferenceKind.SETTLEMENT, current=dep.key, amount=D("1")))[1]) == {"DSB_DIFFERENCE_ON_DEPOSIT"}
    # in a group, a difference entered on the group ignores the deposit
    s = ok(s, A.Prepare(keys=("E1",), auto_group=False))
    s = ok(s, A.Group(units=(dep.key, "E1")))
    s = ok(s, A.AddDifference(difference=DifferenceKind.DISCOUNT, current=s.groups[0].group_id, rate=D("10")))
    assert s.differences[0].scope == ("E1",) and s.differences[0].amount == D("100.00")
    # deleted deposit disappears
    s2 = ok(s, A.Unprepare(keys=(dep.key,)))
    assert dep.key not in {i.key for i in s2.items} and dep.key not in s2.to_pay


@pytest.mark.parametrize("supplier, amount", [("NOPE", "10"), ("F001", "0"), ("F001", "-5")])
def test_deposit_refused(supplier, amount):
    assert codes(A.apply(run(), A.Deposit(supplier=supplier, amount=D(amount)))[1]) == {"DSB_DEPOSIT_INVALID"}


# ---------------------------------------------------------------------------
# step 2: differences
# ---------------------------------------------------------------------------


def _three_in_group():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E3", "E5"), auto_group=False))
    return ok(s, A.Group(units=("E1", "E2", "E3")))


@pytest.mark.parametrize(
    "current, selection, expected",
    [
        ("G", (), ["E1", "E2", "E3"]),  # group header → whole group
        ("E1", ("E1", "E2", "E3"), ["E1", "E2", "E3"]),  # all items of the group selected → whole group
        ("E1", ("E1", "E2"), ["E1", "E2"]),  # some items of a group → that selection
        ("E2", ("E2",), ["E2"]),  # one grouped item → the current item
        ("E5", (), ["E5"]),  # not grouped → the current item
        ("E5", ("E5", "E1"), ["E5"]),  # selection across groups → the current item
    ],
    ids=["header", "all_members", "some_members", "one_member", "single", "mixed_selection"],
)
def test_difference_scope_rule(current, selection, expected):
    s = _three_in_group()
    gid = s.groups[0].group_id
    current = gid if current == "G" else current
    assert scope_of(s, current, selection) == expected


def test_manual_discount_rate_on_group_spread_pro_rata_with_d_marker():
    s = _three_in_group()
    s = ok(s, A.AddDifference(difference=DifferenceKind.DISCOUNT, current=s.groups[0].group_id, rate=D("3"), account="765100"))
    d = s.differences[0]
    assert d.amount == D("54.00")  # 3 % of 1800
    assert dict(d.allocations) == {"E1": D("30.00"), "E2": D("15.00"), "E3": D("9.00")}
    assert differenced_keys(s) == {"E1", "E2", "E3"}


def test_pro_rata_is_exact_to_the_cent():
    parts = prorata(D("100.00"), [("a", D("1")), ("b", D("1")), ("c", D("1"))])
    assert sum(v for _, v in parts) == D("100.00") and [v for _, v in parts] == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(v for _, v in prorata(D("-0.05"), [("a", D("3")), ("b", D("7"))])) == D("-0.05")


@pytest.mark.parametrize(
    "kind, kwargs, paid, booked",
    [
        (DifferenceKind.DISCOUNT, dict(amount=D("10.00")), D("990.00"), [("765000", D("0"), D("10.00"))]),
        (DifferenceKind.SETTLEMENT, dict(amount=D("2.50")), D("997.50"), [("758000", D("0"), D("2.50"))]),
        (DifferenceKind.SETTLEMENT, dict(amount=D("-1.20")), D("1001.20"), [("658000", D("1.20"), D("0"))]),
        (DifferenceKind.EXCHANGE, dict(amount=D("3.00")), D("997.00"), [("766000", D("0"), D("3.00"))]),
        (DifferenceKind.EXCHANGE, dict(amount=D("-3.00")), D("1003.00"), [("666000", D("3.00"), D("0"))]),
        (DifferenceKind.MISC, dict(amount=D("5.00"), account="471000"), D("995.00"), [("471000", D("0"), D("5.00"))]),
        (DifferenceKind.PARTIAL, dict(amount=D("600.00")), D("600.00"), []),
    ],
    ids=["discount", "settlement_gain", "settlement_loss", "exchange_gain", "exchange_loss", "misc", "partial"],
)
def test_difference_kinds_from_preparation_to_entry(kind, kwargs, paid, booked):
    s = ok(run(), A.Prepare(keys=("E1",)))
    s = ok(s, A.AddDifference(difference=kind, current="E1", **kwargs))
    s = ok(s, A.Next(confirmed=True))
    pay = s.payments[0]
    assert pay.amount == paid
    s = ok(s, A.AssignTo(payment_ids=(pay.payment_id,), bank="SG"))
    s = ok(s, A.Next())
    entry = entries_for(s, s.slips[0], 1)[0]
    assert entry.is_balanced
    other = [(l.ledger_account, l.debit, l.credit) for l in entry.lines if l.ledger_account not in ("401", "512200")]
    assert other == booked
    settled = sum(l.debit - l.credit for l in entry.lines if l.ledger_account == "401")
    assert settled == (D("600.00") if kind is DifferenceKind.PARTIAL else D("1000.00"))
    if kind is DifferenceKind.PARTIAL:
        assert [(g.key, g.amount) for g in s.generated] == [("E1-D1", D("400.00"))]


def test_rescheduling_shift_moves_the_item_to_a_new_due_date():
    s = ok(run(), A.Prepare(keys=("E1", "E2"), auto_group=False))
    s = ok(s, A.AddDifference(difference=DifferenceKind.RESCHEDULE, current="E1", due_date=date(2026, 5, 31)))
    s = ok(s, A.Next(confirmed=True))
    assert "E1" in s.closed and all("E1" not in p.keys for p in s.payments)
    assert [(g.key, g.due_date, g.amount, g.state) for g in s.generated] == [("E1-D1-1", date(2026, 5, 31), D("1000.00"), "A10")]


def test_rescheduling_split_into_items_with_other_due_dates_and_states():
    s = ok(run(), A.Prepare(keys=("E1",)))
    splits = (Split(due_date=date(2026, 4, 30), amount=D("600.00")), Split(due_date=date(2026, 5, 31), amount=D("400.00"), state="L10"))
    s = ok(s, A.AddDifference(difference=DifferenceKind.RESCHEDULE, current="E1", splits=splits))
    s = ok(s, A.Next(confirmed=True))
    assert [(g.due_date, g.amount, g.state) for g in s.generated] == [(date(2026, 4, 30), D("600.00"), "A10"), (date(2026, 5, 31), D("400.00"), "L10")]


@pytest.mark.parametrize(
    "kind, kwargs",
    [
        (DifferenceKind.DISCOUNT, dict(rate=D("150"))),
        (DifferenceKind.DISCOUNT, dict(amount=D("0"))),
        (DifferenceKind.SETTLEMENT, dict(amount=D("2000"))),
        (DifferenceKind.MISC, dict(amount=D("5"))),  # account missing
        (DifferenceKind.PARTIAL, dict(amount=D("1000"))),
        (DifferenceKind.RESCHEDULE, dict()),
        (DifferenceKind.RESCHEDULE, dict(splits=(Split(due_date=date(2026, 4, 30), amount=D("10")),))),
    ],
    ids=["rate_over_100", "zero_discount", "settlement_over_base", "misc_without_account", "partial_not_partial", "reschedule_no_date", "split_wrong_total"],
)
def test_difference_refused(kind, kwargs):
    s = ok(run(), A.Prepare(keys=("E1",)))
    s2, alerts = A.apply(s, A.AddDifference(difference=kind, current="E1", **kwargs))
    assert s2 is s and codes(alerts) == {"DSB_DIFFERENCE_INVALID"}


def test_difference_cancelled_from_the_generated_list():
    s = ok(run(), A.Prepare(keys=("E1",)))
    s = ok(s, A.AddDifference(difference=DifferenceKind.DISCOUNT, current="E1", amount=D("10")))
    s = ok(s, A.CancelDifference(diff_id=s.differences[0].diff_id))
    assert not s.differences and not differenced_keys(s)
    assert codes(A.apply(s, A.CancelDifference(diff_id="D99"))[1]) == {"DSB_DIFFERENCE_UNKNOWN"}


def test_difference_validated_with_its_payment_is_final():
    s = ok(run(), A.Prepare(keys=("E1", "E2")))
    s = ok(s, A.AddDifference(difference=DifferenceKind.SETTLEMENT, current="E1", amount=D("1.00")))
    s = ok(s, A.Validate(units=("E1",)))
    assert codes(A.apply(s, A.CancelDifference(diff_id=s.differences[0].diff_id))[1]) == {"DSB_DIFFERENCE_VALIDATED"}


def test_difference_dropped_when_its_item_leaves_the_prepared_payments():
    s = ok(run(), A.Prepare(keys=("E1",)))
    s = ok(s, A.AddDifference(difference=DifferenceKind.DISCOUNT, current="E1", amount=D("10")))
    s, alerts = A.apply(s, A.Unprepare(keys=("E1",)))
    assert not s.differences and "DSB_DIFFERENCE_DROPPED" in codes(alerts)


# ---------------------------------------------------------------------------
# validation, « Terminer »
# ---------------------------------------------------------------------------


def test_partial_validation_of_a_selection():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E4"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2")))
    s = ok(s, A.Validate(units=("E1",)))  # a member selects its group
    assert s.step == 2 and [p.key for p in s.prepared] == ["E4"]
    assert s.payments[0].keys == ("E1", "E2") and s.payments[0].amount == D("1500.00")
    assert item_states(s)["E1"] == "A20" and item_states(s)["E4"] == "A10"


def test_negative_payment_refused_at_validation():
    items = (item("A", amount="100.00"), item("AV", amount="-300.00"))
    s = ok(run(items=items), A.Prepare(keys=("A", "AV"), auto_group=False))
    s = ok(s, A.Group(units=("A", "AV")))
    s2, alerts = A.apply(s, A.Next(confirmed=True))
    assert s2 is s and codes(alerts) == {"DSB_PAYMENT_NOT_POSITIVE"}


def test_finish_at_step_2_cancels_what_is_in_progress():
    s = ok(run(), A.Prepare(keys=("E1", "E2")))
    s = ok(s, A.Deposit(supplier="F001", amount=D("10")))
    s = ok(s, A.Finish())
    assert s.finished and not s.prepared and {"E1", "E2"} <= set(s.to_pay)
    assert not any(i.is_deposit for i in s.items)
    assert codes(A.apply(s, A.Prepare(keys=("E1",)))[1]) == {"DSB_RUN_FINISHED"}


def test_previous_is_refused_once_an_item_was_rescheduled():
    s = ok(run(), A.Prepare(keys=("E1",)))
    s = ok(s, A.AddDifference(difference=DifferenceKind.RESCHEDULE, current="E1", due_date=date(2026, 5, 31)))
    s = ok(s, A.Validate(units=("E1",)))
    assert not s.payments and s.closed == ("E1",)
    assert codes(A.apply(s, A.Previous())[1]) == {"DSB_PREVIOUS_IMPOSSIBLE"}


def test_previous_is_refused_once_something_is_prepared():
    s = ok(run(), A.Prepare(keys=("E1",)))
    assert codes(A.apply(s, A.Previous())[1]) == {"DSB_PREVIOUS_IMPOSSIBLE"}
    assert ok(run(), A.Previous()).step == 1


# ---------------------------------------------------------------------------
# step 3: issue to banks
# ---------------------------------------------------------------------------


def _step3(keys=("E1", "E2", "E3", "E4", "X1"), items=ITEMS, user="marie"):
    s = ok(run(items=items, user=user), A.Prepare(keys=keys, auto_group=False))
    return ok(s, A.Next(confirmed=True))


def _pid(s, key):
    return next(p.payment_id for p in s.payments if key in p.keys)


def _bank(s, key):
    return next(p.bank for p in s.payments if key in p.keys)


def test_f5_assigns_to_the_default_bank_and_updates_balances_and_totals():
    s = _step3()
    before = totals(s)
    s = ok(s, A.Assign(payment_ids=(_pid(s, "E3"),)))
    assert _bank(s, "E3") == "BNP" and balances(s)["BNP"] == D("19700.00")
    after = totals(s)
    assert after["to_issue"] == D("300.00") and after["prepared"] == before["prepared"] - D("300.00")


def test_no_default_bank_goes_to_not_assigned_and_blocks_next():
    s = _step3()
    s, alerts = A.apply(s, A.Assign(payment_ids=(_pid(s, "E4"),)))
    assert _bank(s, "E4") == "" and codes(alerts) == {"DSB_NOT_ASSIGNED"}
    assert codes(A.apply(s, A.Next())[1]) == {"DSB_UNASSIGNED_BLOCK"}
    s = ok(s, A.AssignTo(payment_ids=(_pid(s, "E4"),), bank="SG"))
    assert ok(s, A.Next()).step == 4


def test_disbursement_limit_sends_the_payment_to_the_substitution_account():
    big = item("BIG", "F001", "16000.00")
    s = _step3(keys=("E1", "BIG"), items=ITEMS + (big,))
    s = ok(s, A.Assign(payment_ids=(_pid(s, "E1"),)))  # BNP 20000 → 19000
    s, alerts = A.apply(s, A.Assign(payment_ids=(_pid(s, "BIG"),)))  # 19000 - 16000 = 3000 < 5000
    assert _bank(s, "BIG") == "SG" and "DSB_SUBSTITUTED" in codes(alerts)


def test_limit_without_substitute_goes_to_not_assigned():
    from reglo.core.disbursement.models import CompanyBank

    banks = (BANKS[0].model_copy(update={"substitute_account": ""}), BANKS[1])
    s, _ = A.start_run(run_id="R", user="u", run_date=RUN_DATE, items=(item("BIG", amount="16000.00"),), suppliers=run().suppliers, banks=banks)
    s = ok(s, A.Next())
    s = ok(ok(s, A.Prepare(keys=("BIG",))), A.Next(confirmed=True))
    s, alerts = A.apply(s, A.Assign(payment_ids=(s.payments[0].payment_id,)))
    assert s.payments[0].bank == "" and codes(alerts) == {"DSB_LIMIT_NO_SUBSTITUTE"}
    assert CompanyBank  # imported for the type of the banks


def test_manual_assignment_overrides_the_limit_with_a_warning():
    big = item("BIG", "F001", "18000.00")
    s = _step3(keys=("BIG",), items=ITEMS + (big,))
    s, alerts = A.apply(s, A.AssignTo(payment_ids=(_pid(s, "BIG"),), bank="BNP"))
    assert _bank(s, "BIG") == "BNP" and codes(alerts) == {"DSB_LIMIT_OVERRIDDEN"}
    assert next(p for p in s.payments if "BIG" in p.keys).forced


def test_automatic_preselection_by_amount_with_limit_rules():
    s = _step3(keys=("E1", "E2", "E3"))
    s, alerts = A.apply(s, A.Preselect(amount=D("850.00")))
    assigned = {k for p in s.payments if p.stage is PaymentStage.ASSIGNED for k in p.keys}
    assert assigned == {"E3", "E2"}  # priority: F002 (0) E3 300, then F001 E1 1000 too much, E2 500


def test_manager_filter_limits_preselection():
    earlier = item("P1", "F002", "100.00", state="A20", payment_ref="R90", handler_user="paul")
    s = _step3(keys=("E3",), items=ITEMS + (earlier,))
    s = ok(s, A.Preselect(amount=D("10000")))
    assert next(p for p in s.payments if p.payment_id == "R90").stage is PaymentStage.PREPARED
    s = ok(s, A.SetHandlerFilter(user=""))
    s = ok(s, A.Preselect(amount=D("10000")))
    assert next(p for p in s.payments if p.payment_id == "R90").stage is PaymentStage.ASSIGNED


def test_cancel_transaction_at_step_3_returns_items_to_their_previous_state():
    s = _step3()
    s = ok(s, A.CancelTransaction(payment_ids=(_pid(s, "E1"),)))
    assert "E1" in s.to_pay and item_states(s)["E1"] == "A10"
    assert all("E1" not in p.keys for p in s.payments)


def test_unassign_goes_back_to_the_top_table():
    s = _step3()
    s = ok(s, A.Assign(payment_ids=(_pid(s, "E3"),)))
    s = ok(s, A.Unassign(payment_ids=(_pid(s, "E3"),)))
    assert next(p for p in s.payments if "E3" in p.keys).stage is PaymentStage.PREPARED


# ---------------------------------------------------------------------------
# steps 4 and 5
# ---------------------------------------------------------------------------


def _step4():
    s = ok(run(), A.Prepare(keys=("E1", "E3", "C1", "C2", "X1"), auto_group=False))
    s = ok(s, A.Next(confirmed=True))
    s = ok(s, A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments), bank="SG"))
    return ok(s, A.Next())


def test_slips_per_bank_mode_and_currency_with_cheque_numbers():
    s = _step4()
    assert sorted((sl.bank, sl.mode, sl.currency) for sl in s.slips) == [("SG", "CHQ", "EUR"), ("SG", "VIR", "EUR"), ("SG", "VIRINT", "USD")]
    chq = next(sl for sl in s.slips if sl.mode == "CHQ")
    s2, alerts = A.apply(s, A.PrintSlips(slip_ids=(chq.slip_id,)))
    assert codes(alerts) == {"DSB_CHEQUE_NUMBER_MISSING"}
    s = ok(s, A.SetFirstCheque(slip_id=chq.slip_id, number=5001))
    assert sorted(p.cheque_number for p in s.payments if p.slip_id == chq.slip_id) == ["5001", "5002"]
    assert item_states(s)["C1"] == "C30"


def test_slip_printing_is_mandatory_before_posting():
    s = _step4()
    assert codes(A.apply(s, A.Next())[1]) == {"DSB_SLIP_NOT_PRINTED"}


def test_slip_date_and_cancel_transaction_at_step_4():
    s = _step4()
    vir = next(sl for sl in s.slips if sl.mode == "VIR")
    s = ok(s, A.SetSlipDate(slip_ids=(vir.slip_id,), slip_date=date(2026, 3, 5)))
    assert next(sl for sl in s.slips if sl.slip_id == vir.slip_id).slip_date == date(2026, 3, 5)
    s = ok(s, A.CancelTransaction(payment_ids=(_pid(s, "E1"),)))
    pay = next(p for p in s.payments if "E1" in p.keys)
    assert pay.stage is PaymentStage.PREPARED and pay.slip_id == "" and pay.payment_id not in next(sl for sl in s.slips if sl.slip_id == vir.slip_id).payment_ids


def _step5():
    s = _step4()
    chq = next(sl for sl in s.slips if sl.mode == "CHQ")
    s = ok(s, A.SetFirstCheque(slip_id=chq.slip_id, number=5001))
    s = ok(s, A.PrintSlips())
    return ok(s, A.Next())


def test_posting_in_test_mode_records_nothing():
    s = _step5()
    entries, alerts = dry_run_entries(s)
    assert len(entries) == 5 and all(e.is_balanced for e in entries) and codes(alerts) == {"DSB_TEST_POSTING"}
    assert not s.postings  # the state is untouched


def test_posting_per_sequence_and_resume_after_incident():
    s = _step5()
    first = s.slips[0].slip_id
    s = ok(s, A.Post(slip_ids=(first,)))
    assert [sl.slip_id for sl, _ in pending(s)] == [first]
    # incident: the workbook is reopened with the pending sequence; same entries, same numbers
    reloaded = RunState.model_validate_json(s.model_dump_json())
    assert pending_entries(reloaded) == pending_entries(s)
    s = ok(reloaded, A.ConfirmPosting())
    assert not pending(s)
    assert codes(A.apply(s, A.Post(slip_ids=(first,)))[1]) == {"DSB_ALREADY_POSTED"}
    assert codes(A.apply(s, A.Finish())[1]) == {"DSB_POSTING_INCOMPLETE"}
    s = ok(ok(s, A.Post()), A.ConfirmPosting())
    nums = [int(b.first_entry_number) for b in s.postings]
    assert nums == sorted(set(nums))
    s = ok(s, A.Finish())
    assert s.finished and all(p.stage is PaymentStage.POSTED for p in s.payments)


def test_foreign_currency_entry_in_main_currency():
    s = _step5()
    usd = next(sl for sl in s.slips if sl.currency == "USD")
    entry = entries_for(s, usd, 1)[0]
    assert entry.total_debit == D("830.00") and entry.is_balanced


# ---------------------------------------------------------------------------
# persistence: JSON snapshot and action log
# ---------------------------------------------------------------------------


def test_state_round_trips_through_json_with_its_undo_level():
    s = _three_in_group()
    s = ok(s, A.AddDifference(difference=DifferenceKind.DISCOUNT, current=s.groups[0].group_id, rate=D("2")))
    back = RunState.model_validate_json(s.model_dump_json())
    assert back == s and back.previous == s.previous


def test_action_log_replays_to_the_same_state():
    start, _ = A.start_run(run_id="RUN1", user="marie", run_date=RUN_DATE, items=ITEMS, suppliers=run().suppliers, banks=BANKS, rules=(AUTO_SAME_SUPPLIER_30,))
    log = (
        A.Next(),
        A.Prepare(keys=("E1", "E2", "E3", "C1", "C2")),
        A.AddDifference(difference=DifferenceKind.PARTIAL, current="E3", amount=D("100.00")),
        A.Undo(),
        A.Deposit(supplier="F002", amount=D("50.00"), vat_code="TVA20"),
        A.Next(confirmed=True),
    )
    text = A.ACTION_LOG_ADAPTER.dump_json(log)
    again = A.ACTION_LOG_ADAPTER.validate_json(text)
    assert again == log
    s1, _ = A.replay(start, log)
    s2, _ = A.replay(start, again)
    assert s1 == s2 and s1.step == 3
