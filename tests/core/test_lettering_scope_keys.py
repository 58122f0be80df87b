"""``refs.scope_keys`` (one split of the labels for every key of the scope) gives the same keys as
the text-by-text functions it replaces: ``normalise_refs`` of the piece references,
``text_tokens`` of the labels and the digit runs of the texts (``matching._digit_keys``), dates
left out of the runs."""
from __future__ import annotations

import os
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.lettering.matching import _digit_keys
from reglo.core.lettering.refs import normalise_refs, scope_keys, split_words, text_tokens

CASES = [
    ("VIR CLIENT 0268 N° 4372 fa2025-04373 fact 4374", "FA2025-04373"),
    ("Facture n° 42", ""),
    ("", "FA25-0012"),
    ("  règlement facture 123  ", " FA 25 0012 "),
    ("CHQ 0004512", "CHQ 0004512"),
    ("ACOMPTE FACT FA25-0300", "VIR"),
    ("x\u00a0FA001", "FA001 bis 12"),
    ("FACT", "9"),
    ("N° FA250012 NO 7 REF 000123", "ARN/25/6429"),
    ("VIR CLIENT 00142 RELEVE 01/2025", "RLV2502"),  # a date names no invoice 2025
    ("REMISE 15/03/2025 15.03.2025 1/2025 N° 2025", "2025/01"),  # … nor « N° 2025 » beside it
    ("FA 25/0012 4512/25", "12/2025"),  # not dates: they keep their keys
]


def _check(texts: list[str], refs: list[str]) -> None:
    text, ref = pa.array(texts, pa.string()), pa.array(refs, pa.string())
    label = pc.binary_join_element_wise(text, ref, " ")
    found = scope_keys(label, ref)
    keys = found.keys.to_pylist()
    assert [keys[i] for i in found.own] == normalise_refs(ref).to_pylist()
    parents, named = text_tokens(label)
    assert Counter(zip(found.named_line.tolist(), (keys[i] for i in found.named))) == Counter(zip(parents.to_pylist(), named.to_pylist()))
    runs = found.runs.to_pylist()
    p2, nd = _digit_keys(text)
    assert Counter(zip(found.digit_line.tolist(), (runs[i] for i in found.digit_run))) == Counter(zip(p2.tolist(), nd.to_pylist()))


def test_scope_keys_table():
    _check([t for t, _ in CASES], [r for _, r in CASES])


def test_scope_keys_null_means_text_by_text():
    assert scope_keys(pa.array(["a", None]), pa.array(["x", "y"])) is None


_WORDS = st.sampled_from(["FA", "fa", "FACT", "Facture", "N°", "n°", "no", "REF", "VIR", "CHQ", "ACOMPTE", "", " ", "  ", "\t", "-", "/"])
_PIECES = st.one_of(_WORDS, st.from_regex(r"[A-Za-z]{0,3}[-/ °]?0{0,3}[0-9]{1,7}([-/][0-9]{1,5})?", fullmatch=True),
                    st.from_regex(r"[0-9]{1,3}[/.]([0-9]{1,2}[/.])?(19|20|30)[0-9]{2}", fullmatch=True))
_TEXT = st.lists(_PIECES, max_size=6).map(" ".join) | st.lists(_PIECES, max_size=4).map("".join)


@settings(max_examples=1000 if os.environ.get("REGLO_FULL") else 60, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=8))
def test_scope_keys_same_as_text_by_text(lines):
    _check([t for t, _ in lines], [r for _, r in lines])


def test_split_words_never_glues_trailing_whitespace():
    """pyarrow's utf8_split_whitespace + list_flatten may glue the trailing whitespace of the
    array's last text to its last word, at random; ``split_words`` (and so every key) does not."""
    texts = pa.array(["70A354/4a500f", " /°\t9000247°", "328364", "0a9ff\tffB5-B662a/\t "])
    for _ in range(50):
        _, runs = _digit_keys(texts)
        assert runs.to_pylist() == ["354", "500", "9000247", "328364", "662"]
        assert pc.list_flatten(split_words(texts)).to_pylist()[-3:] == ["ffB5-B662a/", "", ""]


def test_a_date_in_a_label_names_no_invoice_but_a_number_does():
    p2, nd = _digit_keys(pa.array(["VIR CLIENT 00142 RELEVE 01/2025", "VIR CLIENT 00142 N° 2025", "FACTURE DU 15/03/2025 FA 2025-00311"]))
    assert sorted(zip(p2.tolist(), nd.to_pylist())) == [(0, "142"), (1, "142"), (1, "2025"), (2, "2025"), (2, "311")]
