"""The latest entry date per company (FEC names) without pyarrow's query engine: the same as
``Table.group_by(...).aggregate(max)``, nulls and chunks included."""
from __future__ import annotations

import random
from datetime import datetime
from types import SimpleNamespace

import pyarrow as pa
import pytest

from reglo.addin.shell.entry_import import _latest_dates


def reference(table: pa.Table) -> dict:
    grouped = table.select(["company", "entry_date"]).group_by("company").aggregate([("entry_date", "max")])
    return dict(zip(grouped["company"].to_pylist(), grouped["entry_date_max"].to_pylist()))


@pytest.mark.parametrize("seed", range(8))
def test_same_as_group_by(seed: int) -> None:
    rnd = random.Random(seed)
    n = rnd.randint(1, 60)
    companies = [rnd.choice(["", "ALPHA", "BETA", "GAMMA"]) for _ in range(n)]
    dates = [None if rnd.random() < 0.1 else datetime(rnd.randint(1990, 2099), rnd.randint(1, 12), rnd.randint(1, 28)) for _ in range(n)]
    cut = rnd.randint(0, n)
    chunk = lambda lo, hi: pa.table({"company": pa.array(companies[lo:hi], pa.string()), "entry_date": pa.array(dates[lo:hi], pa.timestamp("s"))})
    table = pa.concat_tables([chunk(0, cut), chunk(cut, n)])  # two chunks
    assert _latest_dates(SimpleNamespace(table=table)) == reference(table)


def test_no_lines() -> None:
    empty = pa.table({"company": pa.array([], pa.string()), "entry_date": pa.array([], pa.timestamp("s"))})
    assert _latest_dates(SimpleNamespace(table=empty)) == {}


def test_a_company_without_any_date() -> None:
    table = pa.table({"company": ["A", "A", "B"], "entry_date": pa.array([None, None, datetime(2025, 3, 1)], pa.timestamp("s"))})
    assert _latest_dates(SimpleNamespace(table=table)) == {"A": None, "B": datetime(2025, 3, 1)}
