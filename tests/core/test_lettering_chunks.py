"""The per-account search runs over chunks of consecutive accounts, and each chunk finishes its
own accounts' groups (codes, totals, write-offs: ``engine._finish_part``), wherever it runs. The
proposal must not depend on how the accounts are cut: one account per chunk, or all in one."""
from __future__ import annotations

import numpy as np
import pytest

from reglo.core.lettering import LetteringOptions, matching, propose_lettering
from tests.lettering_bench.generator import REPORT_SEEDS, generate


@pytest.fixture(scope="module")
def frame():
    """A ledger whose first accounts keep the accountant's letters (complete codes, lower-case
    partial ones: the new codes continue after them, a completed partial keeps its letters) and
    whose other accounts are stripped."""
    f = generate(REPORT_SEEDS[1], 80).frame.copy()
    key = np.where(f["subledger_account"] != "", f["subledger_account"], f["ledger_account"])
    keep = np.isin(key, sorted(set(key))[:30])
    f.loc[~keep, "lettering_code"] = ""
    f.loc[~keep, "lettered_on"] = None
    # settlements short by a few cents (a tolerance lettering, with its write-off entry)
    short = np.flatnonzero(~keep & (f["credit"].to_numpy() > 1000) & f["ledger_account"].str.startswith("411").to_numpy())[::9][:30]
    f.loc[f.index[short], "credit"] -= 37
    codes = f["lettering_code"]
    assert codes.str.fullmatch("[a-z]+").sum() >= 5 and codes.str.fullmatch("[A-Z]+").sum() > 100
    return f


def _everything(p):
    return [tuple(g) for g in p.groups], [str(a) for a in p.alerts], p.work, p.budget_exceeded, p.open_lines, p.accounts


@pytest.mark.parametrize("options", [LetteringOptions(tolerance="1.00"), LetteringOptions(reletter=True)], ids=["tolerance", "reletter"])
def test_the_proposal_does_not_depend_on_the_chunks(frame, monkeypatch, options):
    monkeypatch.setattr(matching, "CHUNK_ACCOUNTS", 10**6)
    whole = propose_lettering(frame, options)
    monkeypatch.setattr(matching, "CHUNK_ACCOUNTS", 1)
    cut = propose_lettering(frame, options)
    assert len(whole.groups) > 300
    assert _everything(cut) == _everything(whole)
    groups = whole.groups
    assert [g.group_id for g in groups] == list(range(1, len(groups) + 1))
    if options.tolerance_cents:
        assert any(g.write_off is not None for g in groups)
    else:  # letters found in the file are continued, partial ones completed in upper case
        assert any(g.code.isupper() and g.code != "AA" for g in groups)


def test_the_fast_path_groups_are_made_per_chunk(frame):
    """``matching.Found.groups`` over consecutive ranges of accounts makes, end to end, the groups
    of the whole range."""
    seen = {}
    original = matching.fast_path

    def spy(state, *args):
        learnt = original(state, *args)
        seen["found"], seen["piece"], seen["accounts"] = state.found, args[2], int(np.count_nonzero(state.units.account[1:] != state.units.account[:-1])) + 1
        return learnt

    try:
        matching.fast_path = spy
        propose_lettering(frame, LetteringOptions())
    finally:
        matching.fast_path = original
    found, piece, n = seen["found"], seen["piece"], seen["accounts"]
    whole = found.groups(0, n, piece)
    assert len(whole) > 200 and {g.rule for g in whole} >= {matching.Rule.REFERENCE, matching.Rule.EXACT}
    parts = [g for a in range(0, n, 7) for g in found.groups(a, min(n, a + 7), piece)]
    key = lambda g: g.units  # noqa: E731
    assert sorted(parts, key=key) == sorted(whole, key=key)


def test_instalment_markers_read_per_chunk_are_those_of_the_whole(frame, monkeypatch):
    """Each chunk reads the « ÉCHÉANCE i/m » markers of its own units: put together, the markers
    of the whole scope."""
    seen = {}
    original = matching.run

    def spy(state, *args, **kwargs):
        seen["units"] = state.units
        return original(state, *args, **kwargs)

    monkeypatch.setattr(matching, "run", spy)
    propose_lettering(frame, LetteringOptions())
    u = seen["units"]
    text, line_unit = u.line_text, np.asarray(u.line_unit, dtype=np.int64)
    whole = matching.instalment_markers(text, line_unit)
    assert len(whole) >= 10 and all(1 <= i <= m for i, m in whole.values())
    acc = u.account
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]]).tolist() + [len(acc)]
    parts: dict = {}
    for a in range(0, len(starts) - 1, 5):
        parts.update(matching.instalment_markers(text, line_unit, starts[a], starts[min(a + 5, len(starts) - 1)]))
    assert parts == whole
