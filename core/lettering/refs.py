"""Invoice references (numéros de pièce) as they appear in labels, normalised for matching.

A payment label names invoices in many spellings: « FACT FA25-0012 », « fa 25/0012 »,
« N°FA250012 », « Facture 000123 ». ``normalise_ref`` maps them to one key: upper case,
separators removed, a known prefix (FA, F, FACT, FACTURE, N°…) dropped when digits follow,
leading zeros dropped. Both the invoice's own reference and the payment's text go through
the same function, so the rule is symmetric.
"""
from __future__ import annotations

import re

import numpy as np

import pyarrow as pa
import pyarrow.compute as pc

_SEPARATORS = re.compile(r"[^0-9A-Z]")
# Longest first: « FACTURE » must win over « FACT » and « FA ».
_PREFIXES = ("FACTURES", "FACTURE", "FACT", "FACTNO", "FCT", "FAC", "FA", "F", "NUMERO", "NO", "N", "REF")
_PREFIX_ALT = "|".join(sorted(_PREFIXES, key=len, reverse=True))
_PREFIX = re.compile(r"^(?:" + _PREFIX_ALT + r")+(?=\d)")
MIN_LENGTH = 3  # shorter keys (« 12 ») would link unrelated lines
# Prefixes that say « invoice » (not a mere « n° » / « réf. », which also precede cheque or
# slip numbers): after one of them a short number is still an invoice number (« FA001 »,
# « FACT 9 »), as long as the prefix and the digits together reach MIN_LENGTH characters.
_INVOICE_PREFIXES = ("FACTURES", "FACTURE", "FACTNO", "FACT", "FCT", "FAC", "FA", "F")
_INVOICE_CONTEXT = re.compile(r"^(?:" + _PREFIX_ALT + r")*(?:" + "|".join(_INVOICE_PREFIXES) + r")(?:" + _PREFIX_ALT + r")*[0-9]")
SHORT_MARK = "#"  # short invoice numbers get their own key space: « FA001 » never meets a bare « 1 »


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
    compact = _SEPARATORS.sub("", _ascii_upper(text))
    m = _PREFIX.match(compact)
    prefix = m.group(0) if m else ""
    key = compact[len(prefix):]
    if key[:1].isdigit():
        key = key.lstrip("0")
    if not any(c.isdigit() for c in key):
        return ""
    if len(key) >= MIN_LENGTH:
        return key
    # a short number is an invoice number only right after an invoice prefix (« FA001 », « FACT 9 »),
    # the minimum length applying to the prefix and the digits as written (« F1 » names nothing)
    if key[:1].isdigit() and prefix and _INVOICE_CONTEXT.match(compact) and len(compact) >= MIN_LENGTH:
        return SHORT_MARK + key
    return ""


def ref_tokens(text: str) -> set[str]:
    """Every key a free text names (see ``text_tokens``).

    >>> sorted(ref_tokens("VIR FACT fa 25-0012 Facture 123"))
    ['123', '250012']
    """
    _, keys = text_tokens(pa.array([text]))
    return set(keys.to_pylist())


# --- vectorised (pyarrow): the same normalisation for a whole column ---------------------
_JOIN_WORDS = pa.array(sorted({"FACTURE", "FACTURES", "FACT", "FAC", "FA", "FCT", "NO", "NOS", "NUMERO", "REF", "N"}))


def normalise_refs(values: pa.Array) -> pa.Array:
    """``normalise_ref`` over an Arrow string array ("" where no key). Repeated values (bank slip
    numbers, piece references shared by the lines of an entry) are normalised once."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return pc.take(_normalise_unique(encoded.dictionary), encoded.indices)


def _normalise_unique(values: pa.Array) -> pa.Array:
    up = pc.utf8_upper(values)
    up = pc.replace_substring(pc.replace_substring(up, "°", "O"), "º", "O")
    compact = pc.replace_substring_regex(up, "[^0-9A-Z]+", "")
    key = pc.replace_substring_regex(compact, r"^(?:" + _PREFIX_ALT + r")+([0-9])", r"\1")
    prefix_len = pc.subtract(pc.utf8_length(compact), pc.utf8_length(key))
    key = pc.utf8_ltrim(key, "0")
    has_digit = pc.match_substring_regex(key, "[0-9]")
    long_ok = pc.and_(pc.greater_equal(pc.utf8_length(key), MIN_LENGTH), has_digit)
    invoice_prefix = pc.and_(pc.greater(prefix_len, 0), pc.match_substring_regex(compact, _INVOICE_CONTEXT.pattern))
    short_ok = pc.and_(pc.and_(invoice_prefix, pc.utf8_is_digit(pc.utf8_slice_codeunits(key, 0, 1))),
                       pc.greater_equal(pc.utf8_length(compact), MIN_LENGTH))
    short = pc.binary_join_element_wise(pa.scalar(SHORT_MARK), key, "")
    return pc.if_else(long_ok, key, pc.if_else(short_ok, short, ""))


def text_tokens(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Keys named by each text: (index of the text, key) for every word holding a digit, and for a
    prefix word followed by a number (« Facture 123 », « FA 25-0012 », « n° 4512 »)."""
    parents, texts = token_texts(values)
    if not len(texts):
        return pa.array([], pa.int64()), pa.array([], pa.string())
    keys = normalise_refs(texts)
    ok = pc.not_equal(keys, "").to_numpy(zero_copy_only=False)
    return pa.array(parents[ok]), pc.filter(keys, pa.array(ok))


def token_texts(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The words of each text that may name a key, before normalisation: (index of the text,
    word or joined words); ``text_tokens`` keeps those whose ``normalise_refs`` is not blank."""
    words = pc.utf8_split_whitespace(values)
    parents = pc.list_parent_indices(words).to_numpy()
    flat = pc.list_flatten(words)
    n = len(flat)
    if not n:
        return np.zeros(0, dtype="int64"), pa.array([], pa.string())
    # the word tests run once per distinct word (« VIR », « CLIENT » … repeat on every line)
    encoded = pc.dictionary_encode(flat)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniq, at = encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False)
    has_digit = pc.match_substring_regex(uniq, "[0-9]").to_numpy(zero_copy_only=False)[at]
    # a prefix word followed, in the same text, by a word starting with a digit
    bare = pc.utf8_upper(pc.replace_substring_regex(uniq, "[.:°º]+$", ""))
    is_prefix = pc.is_in(bare, value_set=_JOIN_WORDS).to_numpy(zero_copy_only=False)[at]
    first_digit = pc.utf8_is_digit(pc.utf8_slice_codeunits(uniq, 0, 1)).to_numpy(zero_copy_only=False)[at]
    nxt = np.zeros(n, dtype=bool)
    nxt[:-1] = first_digit[1:] & (parents[1:] == parents[:-1])
    join_at = np.flatnonzero(is_prefix & nxt & ~has_digit)
    # two prefix words before the number (« Facture n° 42 »): the three words together
    join3 = join_at[join_at > 0]
    join3 = join3 - 1
    join3 = join3[is_prefix[join3] & ~has_digit[join3] & (parents[join3] == parents[join3 + 1])]
    single = np.flatnonzero(has_digit)
    idx = np.concatenate([single, join_at, join3])
    texts = pc.take(flat, pa.array(single))
    if len(join_at):
        joined = pc.binary_join_element_wise(pc.take(flat, pa.array(join_at)), pc.take(flat, pa.array(join_at + 1)), "")
        texts = pa.concat_arrays([texts, joined])
    if len(join3):
        joined3 = pc.binary_join_element_wise(pc.take(flat, pa.array(join3)), pc.take(flat, pa.array(join3 + 1)),
                                              pc.take(flat, pa.array(join3 + 2)), "")
        texts = pa.concat_arrays([texts, joined3])
    return parents[idx], texts
