"""The invoice number of each piece reference (``refs.own_digit_keys``: its last run of at
least 3 digits, leading zeros dropped) is also read from the runs of digits ``refs.scope_keys``
cuts anyway (speed work of issue 13): both must give the same key for every line, whatever
the words, separators, zeros and spaces."""
from __future__ import annotations

import os

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.lettering.refs import own_digit_keys
from reglo.core.lettering.refs import scope_keys

EXAMPLES = 1000 if os.environ.get("REGLO_FULL") else 100
pieces = st.sampled_from(["F", "FA", "a", "-", "/", "0", "00", "1", "12", "123", "4567", "é", "°", " ", "  ", "\t", "N°", "x"])
texts = st.lists(pieces, max_size=8).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(rows=st.lists(st.tuples(texts, texts), min_size=1, max_size=25))
def test_scope_keys_gives_the_own_digit_key_of_every_reference(rows):
    labels = pa.array([f"{text} {ref}" for text, ref in rows])
    refs = pa.array([ref for _, ref in rows])
    found = scope_keys(labels, refs)
    assert found.own_digit.to_pylist() == own_digit_keys(refs).to_pylist()


def test_references_of_one_word_several_words_and_none():
    refs = ["FA2025-00123", "4512/25", "F 000987 bis", "", "  ", "A007", "12-34", "X12345Y67"]
    labels = [f"VIR {r}" if r else "VIR" for r in refs]
    found = scope_keys(pa.array([f"{label} {r}" for label, r in zip(labels, refs)]), pa.array(refs))
    assert found.own_digit.to_pylist() == ["123", "4512", "987", "", "", "7", "", "12345"]
