"""Invoice references (numéros de pièce) as they appear in labels, normalised for matching.

A payment label names invoices in many spellings: « FACT FA25-0012 », « fa 25/0012 »,
« N°FA250012 », « Facture 000123 ». ``normalise_ref`` maps them to one key: upper case,
separators removed, a known prefix (FA, F, FACT, FACTURE, N°…) dropped when digits follow,
leading zeros dropped. Both the invoice's own reference and the payment's text go through
the same function, so the rule is symmetric.
"""
from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_SEPARATORS = re.compile(r"[^0-9A-Z]")
# Longest first: « FACTURE » must win over « FACT » and « FA ».
_PREFIXES = ("FACTURES", "FACTURE", "FACT", "FACTNO", "FCT", "FAC", "FA", "F", "NUMERO", "NO", "N", "REF")
_PREFIX_ALT = "|".join(sorted(_PREFIXES, key=len, reverse=True))
_PREFIX = re.compile(r"^(?:" + _PREFIX_ALT + r")+(?=\d)")
MIN_LENGTH = 3  # shorter keys (« 12 ») would link unrelated lines


def _ascii_upper(text: str) -> str:
    # Same steps as the vectorised ``normalise_refs`` (accented letters are dropped, not folded).
    return text.upper().replace("°", "O").replace("º", "O")


def normalise_ref(text: str) -> str:
    """One matching key for an invoice reference, "" when it cannot name an invoice.

    >>> normalise_ref("FA25-0012"), normalise_ref("fact 25 0012"), normalise_ref("N°FA250012")
    ('250012', '250012', '250012')
    >>> normalise_ref("ARN/25/6429"), normalise_ref("000123"), normalise_ref("Vertou")
    ('ARN256429', '123', '')
    """
    key = _SEPARATORS.sub("", _ascii_upper(text))
    key = _PREFIX.sub("", key)
    if key[:1].isdigit():
        key = key.lstrip("0")
    if len(key) < MIN_LENGTH or not any(c.isdigit() for c in key):
        return ""
    return key


def ref_tokens(text: str) -> set[str]:
    """Every key a free text names (see ``text_tokens``).

    >>> sorted(ref_tokens("VIR FACT fa 25-0012 Facture 123"))
    ['123', '250012']
    """
    _, keys = text_tokens(pa.array([text]))
    return set(keys.to_pylist())


# --- vectorised (pyarrow, RE2): the same normalisation for a whole column -------------------
_JOIN_PREFIX = r"(?i)\b(factures?|fact|fac|fa|fct|n°|nº|no|ref)[.:]?\s+(\d)"


def normalise_refs(values: pa.Array) -> pa.Array:
    """``normalise_ref`` over an Arrow string array ("" where no key)."""
    up = pc.utf8_upper(values)
    up = pc.replace_substring_regex(up, "[°º]", "O")
    key = pc.replace_substring_regex(up, "[^0-9A-Z]", "")
    key = pc.replace_substring_regex(key, r"^(?:" + _PREFIX_ALT + r")+(\d)", r"\1")
    key = pc.replace_substring_regex(key, "^0+", "")
    ok = pc.and_(pc.greater_equal(pc.utf8_length(key), MIN_LENGTH), pc.match_substring_regex(key, r"\d"))
    return pc.if_else(ok, key, "")


def text_tokens(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Keys named by each text: (index of the text, key) for every word holding a digit."""
    joined = pc.replace_substring_regex(values, _JOIN_PREFIX, r"\1\2")
    words = pc.split_pattern_regex(joined, r"\s+")
    parents = pc.list_parent_indices(words)
    flat = pc.list_flatten(words)
    has_digit = pc.match_substring_regex(flat, r"\d")
    parents, flat = pc.filter(parents, has_digit), pc.filter(flat, has_digit)
    keys = normalise_refs(flat)
    ok = pc.not_equal(keys, "")
    return pc.filter(parents, ok), pc.filter(keys, ok)
