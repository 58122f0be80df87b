"""The column-wise helpers of ``apply_lettering`` and of the groups' totals: the positions of a
proposal's rows in the ledger (``engine._positions``) and the accounts of lines
(``engine.account_keys`` at some positions) are those of the plain pandas forms, whatever the rows and the columns'
storage; the totals made in one pass (``engine._moneys``) are ``engine._money``'s."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.lettering.engine import _money, _moneys, _positions, account_keys


@settings(max_examples=300, deadline=None)
@given(st.integers(-3, 50), st.integers(0, 40), st.booleans(), st.lists(st.integers(-10, 100), max_size=60), st.randoms(use_true_random=False))
def test_positions_are_the_index_lookup(first, n, consecutive, wanted, rnd):
    rows = list(range(first, first + n))
    if not consecutive and n > 1:  # gaps, or the rows out of order (a ledger sorted by hand)
        rows = sorted(rnd.sample(range(first, first + 3 * n), n)) if rnd.random() < 0.5 else rnd.sample(rows, n)
    rows_a, wanted_a = np.array(rows, dtype="int64"), np.array(wanted, dtype="int64")
    assert _positions(rows_a, wanted_a).tolist() == pd.Index(rows_a).get_indexer(wanted_a).tolist()


def test_positions_of_repeated_rows_are_refused_as_pandas_refuses_them():
    with pytest.raises(pd.errors.InvalidIndexError):
        _positions(np.array([2, 3, 3, 5], dtype="int64"), np.array([3], dtype="int64"))


@pytest.mark.parametrize("storage", ["arrow", "object", "arrow-nulls"])
def test_keys_at_are_the_auxiliary_account_else_the_general_one(storage):
    gen = ["411000", "411000", "401000", "512000", "411000", "401000"]
    aux = ["C001", "", "F002", "", "C001", ""]
    dtype = pd.StringDtype("pyarrow", na_value=np.nan) if storage != "object" else object  # the ledger's own text columns
    frame = pd.DataFrame({"ledger_account": pd.Series(gen, dtype=dtype), "subledger_account": pd.Series(aux, dtype=dtype)})
    if storage == "arrow-nulls":  # a missing value: read value by value, as before
        frame.loc[3, "subledger_account"] = None
    pos = np.array([5, 0, 0, 2, 1, 3, 4], dtype="int64")
    got = account_keys(frame, pos)
    aux_o = frame["subledger_account"].take(pos).to_numpy(dtype=object)
    expected = np.where(aux_o != "", aux_o, frame["ledger_account"].take(pos).to_numpy(dtype=object))
    assert got.dtype == object and [type(v) for v in got] == [type(v) for v in expected]
    assert got.tolist() == expected.tolist()
    assert account_keys(frame, np.zeros(0, dtype="int64")).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**12, 10**12), st.sampled_from([0, 1, -1, 99, -99, 100, -100, 10**17])), max_size=50))
def test_moneys_are_money_of_each(cents):
    got, expected = _moneys(cents), [_money.__wrapped__(c) for c in cents]
    assert [(str(d), d.as_tuple()) for d in got] == [(str(d), d.as_tuple()) for d in expected]
