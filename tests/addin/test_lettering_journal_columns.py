"""The lettering journal written column by column (``_group_pieces``) and the record of the
fields a run rewrites written with its dict (``_previous``): the same bytes as the former
writer (``group_text`` for every group, the encoder for the raw records), for usual groups and
for groups of unexpected values (which go back to ``group_text``)."""
from __future__ import annotations

import os

import enum
import json
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reglo.addin.shell.lettering import (
    _ENC,
    _group_pieces,
    _int_lists,
    _previous,
    group_text,
    journal_bytes,
    plan_apply,
    read_fec_once,
)
from reglo.core.fec import write_fec
from reglo.core.lettering import LetteringOptions, apply_lettering, propose_lettering
from reglo.core.lettering.models import AppliedGroup, LetteringRun, Rule

from tests.addin.lettering_journal_oracle import journal_by_group_text
from tests.core.lettering_fixtures import ledger

EXAMPLES = 3000 if os.environ.get("REGLO_FULL") else 300  # the full count by hand (REGLO_FULL=1), a quick one in CI


class Text(str):
    pass


class Number(enum.IntEnum):
    FIVE = 5


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the same error is expected from both
        return type(exc).__name__


texts = st.sampled_from(["C001", "AA", "ab", "é", "x\"y\\z", "\t", "", "1\u202f276,17 €", "\ud800"]) | st.text(max_size=8)
odd = st.sampled_from([Text("C1"), 411, None, ("a",), True, 1.0, Number.FIVE, "5", np.int64(3), 2**70, -1, [1], datetime(2025, 1, 1), "2025-01-01",
                       "exact_amount", 95.0])


def usual_or(values, rate: int = 12):
    """``values``, or now and then an unexpected value."""
    return st.integers(0, rate).flatmap(lambda n: odd if n == 0 else values)


groups = st.builds(AppliedGroup, account=usual_or(texts), code=usual_or(texts),
                   rows=st.lists(usual_or(st.integers(0, 10**9)), max_size=5).map(tuple) | st.lists(st.integers(0, 9), max_size=2),
                   previous_codes=st.lists(usual_or(texts), max_size=5).map(tuple), previous_dates=st.lists(usual_or(st.none() | st.dates()), max_size=5).map(tuple),
                   rule=usual_or(st.none() | st.sampled_from(list(Rule))), added_rows=st.lists(usual_or(st.integers(0, 10**9)), max_size=2).map(tuple),
                   score=usual_or(st.none() | st.integers(0, 100)), reason=usual_or(texts | st.just("montant identique 1\u202f276,17 € ; délai 30 j")))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(groups, min_size=1, max_size=6), st.sampled_from([None, {}, {"r1": {"before": "x", "previous": {"1": ["", None]}}, "r9": {"a": 1}}]))
def test_the_journal_is_the_former_bytes(gs, raw):
    runs = [LetteringRun(run_id="r1", created_at="2026-01-01T00:00:00", lettered_on=date(2025, 12, 31), groups=tuple(gs)),
            LetteringRun(run_id="r0", groups=tuple(gs[:1]))]
    assert outcome(journal_bytes, "552100554FEC20251231.txt", runs, raw) == outcome(journal_by_group_text, "552100554FEC20251231.txt", runs, raw)
    pieces = outcome(_group_pieces, gs)
    if isinstance(pieces, list):
        assert "".join(pieces) == ",\n   ".join(map(group_text, gs))


def usual(n: int, **changes) -> AppliedGroup:
    g = AppliedGroup("C001", "AA", (n, n + 1), ("", "AB"), (None, date(2025, 3, 1)), Rule.EXACT, (), 95, "montant identique 1\u202f276,17 € ; délai 30 j")
    return g._replace(**changes)


@pytest.mark.parametrize("changes, by_columns", [
    ({}, True),
    ({"reason": ""}, True), ({"reason": None}, True), ({"score": None, "rule": None}, True), ({"rows": ()}, True), ({"account": Text("C1")}, True),
    ({"previous_dates": (datetime(2025, 1, 1, 8), None)}, True), ({"rows": (1, Number.FIVE)}, True),
    ({"rows": (1, True)}, False), ({"rows": (1.0, 2)}, False), ({"rows": (np.int64(3),)}, False), ({"rows": ((1, 2),)}, False), ({"rows": ("1",)}, False),
    ({"added_rows": (None,)}, False), ({"rule": "exact_amount"}, False), ({"score": 95.0}, False), ({"score": True}, False), ({"reason": 5}, False),
    ({"account": 411000}, False), ({"previous_codes": ["", "AB"]}, False), ({"previous_dates": ("2025-01-01", None)}, False),
])
def test_a_group_of_unexpected_values_is_written_by_group_text(changes, by_columns):
    """One odd group sends the whole run back to ``group_text`` (which hands an odd group to the
    encoder): the bytes, or the error, are the former ones."""
    gs = [usual(2), usual(10, **changes), usual(20)]
    assert (_group_pieces(gs) is not None) == by_columns
    run = LetteringRun(run_id="r1", created_at="2026-01-01T00:00:00", groups=tuple(gs))
    assert outcome(journal_bytes, "f.txt", [run]) == outcome(journal_by_group_text, "f.txt", [run])


def test_integer_lists_are_split_from_one_encoding():
    assert _int_lists([(1, 2), (), [3], (-4, 10**20)]) == ["1, 2", "", "3", "-4, 100000000000000000000"]
    assert _int_lists([]) == [] and _int_lists([()]) == [""]
    for odd_lists in ([(1, True)], [(1.5,)], [("1",)], [((1,),)], [(None,)], [{1: 2}], [(np.int64(1),)], ["12"], [(float("nan"),)]):
        assert _int_lists(odd_lists) is None


@pytest.mark.parametrize("previous, written", [
    ({2: ("", ""), 5: ("", "")}, True), ({2: ("", ""), 5: ("AA", "20250101"), 9: ('"q"', "\u202f\ud800")}, True), ({-1: ("", ""), 10**20: ("x", "y")}, True),
    ({2: (Text("a"), "b")}, False), ({}, False), ({True: ("", "")}, False), ({np.int64(3): ("", "")}, False), ({"7": ("", "")}, False),
    ({Number.FIVE: ("", "")}, False), ({2: ("", None)}, False), ({2: ("", ""), 3: ("", 1.0)}, False), ({2: ["", ""]}, False), ({2: "ab"}, False),
])
def test_the_record_of_the_previous_fields_and_its_text(previous, written):
    got, text = _previous(previous)
    expected = {str(k): list(v) for k, v in previous.items()}
    assert got == expected and list(got) == list(expected) and all(type(a) is type(b) for a, b in zip(got.values(), expected.values()))
    assert (text is not None) == written
    if written:
        assert text == _ENC(expected) and json.loads(text) == expected


def test_a_run_applied_to_a_fec_writes_its_record_as_the_encoder_does(tmp_path):
    table = """| row | account | aux | date | ref | label | debit | credit | let |
| 2 | 411000 | C001 | 2025-01-10 | FA1 | Facture FA1 | 1200,00 | | |
| 3 | 706000 | | 2025-01-10 | FA1 | Facture FA1 | | 1200,00 | |
| 4 | 411000 | C001 | 2025-02-15 | RLV | VIR FA1 | | 1200,00 | |
| 5 | 512000 | | 2025-02-15 | RLV | VIR FA1 | 1200,00 | | |
| 6 | 411000 | C002 | 2025-03-01 | FA2 | Facture FA2 | 150,00 | | ZZ |
| 7 | 706000 | | 2025-03-01 | FA2 | Facture FA2 | | 150,00 | |
| 8 | 411000 | C002 | 2025-03-31 | CHQ | Chèque FA2 | | 150,00 | ZZ |
| 9 | 512000 | | 2025-03-31 | CHQ | Chèque FA2 | 150,00 | | |
"""
    path = tmp_path / "552100554FEC20251231.txt"
    path.write_bytes(write_fec(ledger(table)))
    raw, parsed = read_fec_once(path)
    options = LetteringOptions(reletter=True)
    res = apply_lettering(parsed.frame, propose_lettering(parsed.frame, options), run_id="r1", created_at="2026-01-01T00:00:00")
    assert res.run.groups
    plan = plan_apply(raw, parsed, res.frame, res.run, [], {}, path, path)
    info = plan.run_info
    assert list(info) == ["before", "after", "previous", "appended", "eol_added", "source"]
    assert all(type(v) is list for v in info["previous"].values())
    assert {tuple(v) for v in info["previous"].values()} == {("", ""), ("ZZ", "20250331")}  # C002's lines lettered again: their former code
    assert plan.journal == journal_bytes(path, [res.run], {"r1": info}) == journal_by_group_text(path, [res.run], {"r1": info})
    assert journal_bytes(path, [res.run], {"r1": info}, encoded={"r1": '{"given": true}'}).endswith(b'"r1": {"given": true}\n }\n}\n')
