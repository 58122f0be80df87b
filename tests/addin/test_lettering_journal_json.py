"""The lettering journal is written by ``json_indent1`` (speed work of issue 13): the very text
``json.dumps(obj, ensure_ascii=False, indent=1)`` gives, for any JSON value (nested dicts and
lists, tuples, strings with quotes / control characters / non-ASCII / lone surrogates, ints,
floats including NaN and infinities, booleans, None, non-string keys)."""
from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.addin.shell.lettering import json_indent1

EXAMPLES = 2000 if os.environ.get("REGLO_FULL") else 200

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(), st.sampled_from(["", "é\\u202f€", '"\\\\\n\t', "\ud800"]))
keys = st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.lists(inner, max_size=3).map(tuple),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=40)


@settings(max_examples=EXAMPLES, deadline=None)
@given(obj=values)
def test_json_indent1_is_json_dumps_indent_1(obj):
    assert json_indent1(obj) == json.dumps(obj, ensure_ascii=False, indent=1)


def test_a_journal_like_body():
    body = {"fec": "F.txt", "runs": [{"run_id": "1", "groups": [{"account": "C1", "rows": [2, 3], "previous_codes": ["", ""],
                                                                 "previous_dates": [None, None], "added_rows": [], "score": 97, "reason": "référence FA1"}]}],
            "raw": {"1": {"before": "ab", "previous": {"2": ["", ""], "3": ["", ""]}, "appended": [], "eol_added": False, "x": math.pi}}}
    assert json_indent1(body) == json.dumps(body, ensure_ascii=False, indent=1)


def test_what_json_refuses_is_refused():
    with pytest.raises(TypeError):
        json_indent1({"a": {1, 2}})
    with pytest.raises(TypeError):
        json_indent1({(1, 2): 3})
