"""The register decodes the meta of many lines in one JSON call, with the same result (and the
same error) as line by line."""
from __future__ import annotations

import json

import pytest

from reglo.addin.shell.registry._sql import _loads, _loads_many


def test_same_as_line_by_line():
    texts = [None, "", "{}", '{"a": 1, "b": "é, }{"}', '{"row": 12, "partial": false}'] * 40
    assert _loads_many(texts) == [_loads(t) for t in texts]
    assert _loads_many(texts[:3]) == [{}, {}, {}]


@pytest.mark.parametrize("bad", ['{"a": 1', '{}, {"b": 2}'])
def test_a_broken_text_fails_as_alone(bad):
    texts = ['{"a": 1}'] * 100 + [bad]
    with pytest.raises(ValueError) as many:
        _loads_many(texts)
    with pytest.raises(ValueError) as alone:
        _loads(bad)
    assert type(many.value) is type(alone.value) is json.JSONDecodeError
