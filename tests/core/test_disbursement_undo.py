"""Undo (Ctrl-Z) of the disbursement wizard, row by row of the seed's undo table.

Each row: a starting state, the action, and what the seed says Ctrl-Z does. Every row
also checks that undo gives back the snapshot before the action exactly, and that a
second Ctrl-Z does nothing (undo is not undoable).
"""
from __future__ import annotations

import pytest

from reglo.core.disbursement import actions as A
from reglo.core.disbursement.state import group_members

from .disbursement_fixtures import AUTO_SAME_SUPPLIER_30, codes, ok, run


def _prepared(keys=("E1", "E2", "E3", "E5"), rules=()):
    s = run(rules=rules)
    return ok(s, A.Prepare(keys=keys, auto_group=False))


def _grouped():
    """E1, E2, E3 prepared and manually grouped (G…), E5 prepared alone."""
    s = _prepared()
    return ok(s, A.Group(units=("E1", "E2", "E3")))


def _gid(s):
    return s.groups[-1].group_id


def _two_groups():
    s = _prepared(keys=("E1", "E2", "E3", "E5"))
    s = ok(s, A.Group(units=("E1", "E2")))
    return ok(s, A.Group(units=("E3", "E5")))


def _mode(s, key):
    return next(p.mode for p in s.prepared if p.key == key)


def _group_of(s, key):
    return next(p.group_id for p in s.prepared if p.key == key)


# --- what the seed says Ctrl-Z does, per row ---------------------------------------------


def expect_back_to_pay(before, after_undo, action):
    assert set(action.keys) <= set(after_undo.to_pay)
    assert not {p.key for p in after_undo.prepared} & set(action.keys)


def expect_initial_mode(before, after_undo, action):
    for k in action.keys:
        assert _mode(after_undo, k) == _mode(before, k)


def expect_back_in_its_mode(before, after_undo, action):
    for k in action.keys:
        assert _mode(after_undo, k) == _mode(before, k) and k not in after_undo.to_pay


def expect_like_dissociation(before, after_undo, action):
    # a manual grouping of plain prepared payments: undo = « Dissocier les effets regroupés »
    applied = A.apply(before, action)[0]
    dissociated = ok(applied, A.Dissociate(group_id=_gid(applied)))
    assert after_undo.prepared == dissociated.prepared and not after_undo.groups


def expect_initial_groups(before, after_undo, action):
    # a group of groups: undo rebuilds the groups as they were (dissociation would not)
    assert sorted(map(sorted, group_members(after_undo).values())) == [["E1", "E2"], ["E3", "E5"]]
    applied = A.apply(before, action)[0]
    dissociated = ok(applied, A.Dissociate(group_id=_gid(applied)))
    assert not dissociated.groups  # the dissociation gives normal payments, not the groups


def expect_like_delete_added(before, after_undo, action):
    # automatic grouping: undo = SUPPR on every line that was added to the group
    applied = A.apply(before, action)[0]
    deleted = ok(applied, A.Unprepare(keys=action.keys))
    assert after_undo.prepared == deleted.prepared and after_undo.to_pay == deleted.to_pay


def expect_group_rebuilt_with_payments(before, after_undo, action):
    members = group_members(before)[action.group_id]
    assert group_members(after_undo)[action.group_id] == members
    assert not set(members) & set(after_undo.to_pay)


def expect_group_rebuilt(before, after_undo, action):
    assert group_members(after_undo)[action.group_id] == group_members(before)[action.group_id]


def expect_reinserted(before, after_undo, action):
    for k in action.keys:
        assert _group_of(after_undo, k) == _group_of(before, k) != ""
        assert _mode(after_undo, k) == _mode(before, k)
        assert k not in after_undo.to_pay


def _auto_before():
    s = run(rules=(AUTO_SAME_SUPPLIER_30,))
    return ok(s, A.Prepare(keys=("E1",)))


UNDO_ROWS = [
    # (seed row, starting state, action, expectation)
    ("preparation", lambda: run(), lambda s: A.Prepare(keys=("E1", "E4"), auto_group=False), expect_back_to_pay),
    ("move_inside_prepared", _prepared, lambda s: A.Move(keys=("E5",), mode="CHQ"), expect_initial_mode),
    ("delete_prepared", _prepared, lambda s: A.Unprepare(keys=("E5",)), expect_back_in_its_mode),
    ("manual_grouping", _prepared, lambda s: A.Group(units=("E1", "E2")), expect_like_dissociation),
    ("manual_grouping_of_groups", _two_groups, lambda s: A.Group(units=tuple(g.group_id for g in s.groups)), expect_initial_groups),
    ("automatic_grouping", _auto_before, lambda s: A.Prepare(keys=("E2",)), expect_like_delete_added),
    ("total_dissociation_by_delete_on_header", _grouped, lambda s: A.DeleteGroup(group_id=_gid(s)), expect_group_rebuilt_with_payments),
    ("total_dissociation_by_dissociate", _grouped, lambda s: A.Dissociate(group_id=_gid(s)), expect_group_rebuilt),
    ("partial_dissociation_by_delete", _grouped, lambda s: A.Unprepare(keys=("E2",)), expect_reinserted),
    ("partial_dissociation_by_drag_to_top", _grouped, lambda s: A.Unprepare(keys=("E3",)), expect_reinserted),
    ("partial_dissociation_by_drag_inside_same_mode", _grouped, lambda s: A.Move(keys=("E1",), mode="VIR"), expect_reinserted),
    ("partial_dissociation_by_drag_inside_other_mode", _grouped, lambda s: A.Move(keys=("E1",), mode="CHQ"), expect_reinserted),
]


@pytest.mark.parametrize("row, start, make_action, expect", UNDO_ROWS, ids=[r[0] for r in UNDO_ROWS])
def test_undo_row(row, start, make_action, expect):
    before = start()
    action = make_action(before)
    after = ok(before, action)
    assert after != before  # the action did something
    undone, alerts = A.apply(after, A.Undo())
    assert not alerts
    expect(before, undone, action)
    # the exact snapshot comes back (only the undo slot is empty)
    assert undone == before.model_copy(update={"previous": None})
    # undo is not undoable
    again, alerts = A.apply(undone, A.Undo())
    assert again == undone and codes(alerts) == {"DSB_UNDO_EMPTY"}


def test_only_the_last_action_is_undone():
    s = run()
    s1 = ok(s, A.Prepare(keys=("E1",)))
    s2 = ok(s1, A.Prepare(keys=("E2",)))
    undone = A.apply(s2, A.Undo())[0]
    assert "E1" not in undone.to_pay and "E2" in undone.to_pay
    assert A.apply(undone, A.Undo())[1][0].code.value == "DSB_UNDO_EMPTY"


def test_group_left_with_one_item_dissolves_and_undo_restores_it():
    s = _prepared()
    s = ok(s, A.Group(units=("E1", "E2")))
    gid = _gid(s)
    after, alerts = A.apply(s, A.Unprepare(keys=("E1",)))
    assert "DSB_GROUP_DISSOLVED" in codes(alerts)
    assert not after.groups and _group_of(after, "E2") == ""
    undone = A.apply(after, A.Undo())[0]
    assert group_members(undone)[gid] == ["E1", "E2"]


def test_validation_and_navigation_clear_the_undo_level():
    s = _prepared()
    s = ok(s, A.Next(confirmed=True))
    assert s.previous is None
    assert codes(A.apply(s, A.Undo())[1]) == {"DSB_UNDO_EMPTY"}
