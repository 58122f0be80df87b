"""Invoice references (numéros de pièce) as they appear in labels, normalised for matching.

A payment label names invoices in many spellings: « FACT FA25-0012 », « fa 25/0012 »,
« N°FA250012 », « Facture 000123 ». ``normalise_ref`` maps them to one key: upper case,
separators removed, a known prefix (FA, F, FACT, FACTURE, N°…) dropped when digits follow,
leading zeros dropped. Both the invoice's own reference and the payment's text go through
the same function, so the rule is symmetric.
"""
from __future__ import annotations

import re
from typing import NamedTuple

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
# a word that is a date (« 01/2025 », « 15/03/2025 », « 15.03.2025 »): its digits name no invoice
# (a statement « VIR CLIENT RELEVE 01/2025 » does not name invoice n° 2025)
DATE_WORD = r"^(?:[0-9]{1,2}[/.]){1,2}(?:19|20)[0-9]{2}$"
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


def split_words(values: pa.Array) -> pa.ListArray:
    """``pc.utf8_split_whitespace``, safe from a pyarrow bug: when the last text of the array ends
    with whitespace, ``list_flatten`` of the split may (at random) glue that whitespace to the last
    word (« 662 » read as « 662␠ »). The split runs with a sentinel text after the last one."""
    words = pc.utf8_split_whitespace(pa.concat_arrays([values.cast(pa.string()), pa.array(["x"], pa.string())]))
    if isinstance(words, pa.ChunkedArray):
        words = words.combine_chunks()
    return words.slice(0, len(values))


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


def _token_positions(uniq: pa.Array, at: np.ndarray, parents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where the words that may name a key are, among the words of some texts (``uniq``: the
    distinct words, ``at``: each word's index in it, ``parents``: each word's text): (per
    distinct word, does it hold a digit; the words with a digit; the prefix words followed in
    the same text by a word starting with a digit, « N° 42 »; the first of two prefix words
    before such a word, « Facture n° 42 »)."""
    n = len(at)
    u_digit = pc.match_substring_regex(uniq, "[0-9]").to_numpy(zero_copy_only=False)
    has_digit = u_digit[at]
    bare = pc.utf8_upper(pc.replace_substring_regex(uniq, "[.:°º]+$", ""))
    is_prefix = pc.is_in(bare, value_set=_JOIN_WORDS).to_numpy(zero_copy_only=False)[at]
    first_digit = pc.utf8_is_digit(pc.utf8_slice_codeunits(uniq, 0, 1)).to_numpy(zero_copy_only=False)[at]
    nxt = np.zeros(n, dtype=bool)
    nxt[:-1] = first_digit[1:] & (parents[1:] == parents[:-1])
    join_at = np.flatnonzero(is_prefix & nxt & ~has_digit)
    join3 = join_at[join_at > 0] - 1
    join3 = join3[is_prefix[join3] & ~has_digit[join3] & (parents[join3] == parents[join3 + 1])]
    return u_digit, np.flatnonzero(has_digit), join_at, join3


def token_texts(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The words of each text that may name a key, before normalisation: (index of the text,
    word or joined words); ``text_tokens`` keeps those whose ``normalise_refs`` is not blank."""
    words = split_words(values)
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
    _, single, join_at, join3 = _token_positions(uniq, at, parents)
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


class ScopeKeys(NamedTuple):
    """The keys of the open lines of a scope as integer ids (see ``scope_keys``)."""

    own: np.ndarray  # per line: id of the key of its piece reference
    named_line: np.ndarray  # per key named by a label: its line
    named: np.ndarray  # … and its id (never blank)
    keys: pa.Array  # the key of each id ("" for a blank id)
    digit_line: np.ndarray  # per run of ≥ 3 digits of a line's text (label without the piece): its line
    digit_run: np.ndarray  # … and its index in ``runs``
    runs: pa.Array  # runs of digits, leading zeros dropped
    own_digit: pa.Array | None = None  # per line: the invoice number of its piece reference (``own_digit_keys``), "" if none


def scope_keys(labels: pa.Array, refs: pa.Array) -> ScopeKeys | None:
    """``normalise_refs(refs)``, ``text_tokens(labels)`` and the digit runs of the texts, where each
    label is its text, a space and its piece reference (``Units.line_label``), from one split of
    the labels into words: every distinct word is normalised once, a piece reference of one word
    is the last word of its label (its key is that word's), and the text's words are the label's
    words before the reference's. None when a value is null (the caller then works text by text)."""
    if labels.null_count or refs.null_count:
        return None
    words = split_words(labels)
    parents = pc.list_parent_indices(words).to_numpy()
    flat = pc.list_flatten(words)
    n_lines, n = len(labels), len(flat)
    encoded = pc.dictionary_encode(flat)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniq, at = encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False).astype("int64")
    # token texts, as ``token_texts``: digit words, and prefix words joined with the number after them
    u_digit, single, join_at, join3 = _token_positions(uniq, at, parents)
    joined = pa.array([], pa.string())
    if len(join_at):
        joined = pc.binary_join_element_wise(pc.take(flat, pa.array(join_at)), pc.take(flat, pa.array(join_at + 1)), "")
    if len(join3):
        joined = pa.concat_arrays([joined, pc.binary_join_element_wise(pc.take(flat, pa.array(join3)), pc.take(flat, pa.array(join3 + 1)),
                                                                       pc.take(flat, pa.array(join3 + 2)), "")])
    # the key of each distinct digit word (a word without a digit has no key)
    dw = np.flatnonzero(u_digit)
    digit_words = uniq.take(pa.array(dw, type=pa.int64()))
    word_keys = _normalise_unique(digit_words) if len(dw) else pa.array([], pa.string())
    joined_keys = normalise_refs(joined) if len(joined) else pa.array([], pa.string())
    # the words of each piece reference (empty strings are not words)
    ref_words = split_words(refs)
    ref_flat = pc.list_flatten(ref_words)
    ref_count = np.bincount(pc.list_parent_indices(ref_words).to_numpy()[pc.not_equal(ref_flat, "").to_numpy(zero_copy_only=False)],
                            minlength=n_lines)
    many = np.flatnonzero(ref_count > 1)
    many_keys = normalise_refs(refs.take(pa.array(many))) if len(many) else pa.array([], pa.string())
    key_enc = pc.dictionary_encode(pa.concat_arrays([word_keys.cast(pa.string()), joined_keys.cast(pa.string()), many_keys.cast(pa.string()),
                                                     pa.array([""], pa.string())]))
    key_id = key_enc.indices.to_numpy(zero_copy_only=False).astype("int64")
    blank = int(key_id[-1])
    word_id = np.full(len(uniq), blank, dtype="int64")
    word_id[dw] = key_id[:len(dw)]
    joined_id = key_id[len(dw):len(dw) + len(joined)]
    many_id = key_id[len(dw) + len(joined):-1]
    # own keys: a reference of one word is its label's last non-empty word
    nonempty = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
    ne_pos = np.flatnonzero(nonempty)
    ne_line = parents[ne_pos]
    ne_count = np.bincount(ne_line, minlength=n_lines)
    own = np.full(n_lines, blank, dtype="int64")
    one = np.flatnonzero((ref_count == 1) & (ne_count > 0))
    ends = np.cumsum(ne_count)
    own[one] = word_id[at[ne_pos[ends[one] - 1]]]
    own[many] = many_id
    # named keys (blank ones dropped)
    named_line = np.concatenate([parents[single], parents[join_at], parents[join3]])
    named = np.concatenate([word_id[at[single]], joined_id])
    ok = named != blank
    keys = key_enc.dictionary
    # digit runs of the texts: the digit words before the reference's words
    rank = np.arange(len(ne_pos)) - (ends - ne_count)[ne_line]
    in_text = np.zeros(n, dtype=bool)
    in_text[ne_pos] = rank < (ne_count - ref_count)[ne_line]
    runs_of = split_words(pc.replace_substring_regex(digit_words, r"[^0-9]+", " ")) if len(dw) else None
    if runs_of is None:
        return ScopeKeys(own, named_line[ok], named[ok], keys, np.zeros(0, "int64"), np.zeros(0, "int64"), pa.array([], pa.string()),
                         _own_digits(refs, many, one, None, None, None, None, None))
    run_parent = pc.list_parent_indices(runs_of).to_numpy()
    raw_runs = pc.list_flatten(runs_of)
    runs = pc.utf8_ltrim(raw_runs, "0")
    own_digit = _own_digits(refs, many, one, at[ne_pos[ends[one] - 1]], dw, run_parent, raw_runs, runs)
    long_run = pc.greater_equal(pc.utf8_length(runs), 3).to_numpy(zero_copy_only=False)
    run_parent, runs = run_parent[long_run], runs.filter(pa.array(long_run))
    n_runs = np.bincount(run_parent, minlength=len(dw))  # per digit word (run_parent is sorted)
    first_run = np.cumsum(n_runs) - n_runs
    dw_index = np.full(len(uniq), -1, dtype="int64")
    dw_index[dw] = np.arange(len(dw))
    occ = np.flatnonzero(in_text & u_digit[at])
    w = dw_index[at[occ]]
    # a date's digits name nothing (its own key as a piece reference, above, is kept)
    cnt = np.where(pc.match_substring_regex(digit_words, DATE_WORD).to_numpy(zero_copy_only=False), 0, n_runs)[w]
    total = int(cnt.sum())
    digit_line = np.repeat(parents[occ], cnt)
    digit_run = np.repeat(first_run[w] - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
    return ScopeKeys(own, named_line[ok], named[ok], keys, digit_line, digit_run, runs, own_digit)


def own_digit_keys(values: pa.Array) -> pa.Array:
    """The invoice number of a piece reference: its last run of at least 3 digits, leading zeros
    dropped (« FA2025-00123 » → « 123 », « 4512/25 » → « 4512 »); "" when none. Each distinct
    reference is read once."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    last = pc.extract_regex(encoded.dictionary, r"(?P<d>[0-9]{3,})(?:[^0-9]+[0-9]{0,2})*[^0-9]*$")
    d = pc.fill_null(pc.utf8_ltrim(pc.struct_field(last, "d"), "0"), "")
    return pc.take(d, encoded.indices)


def _own_digits(refs: pa.Array, many: np.ndarray, one: np.ndarray, one_word: np.ndarray | None, dw: np.ndarray | None,
                run_parent: np.ndarray | None, raw_runs: pa.Array | None, runs: pa.Array | None) -> pa.Array:
    """``own_digit_keys(refs)`` from the runs of digits already cut: a piece reference of
    one word (``one``: its lines, ``one_word``: that word, the last of the label) gets its word's
    last run of at least 3 digits, leading zeros dropped; the references of several words
    (``many``) are read by ``own_digit_keys``; the others have none."""
    n = len(refs)
    out = pa.array([""], pa.string())
    pick = np.zeros(n, dtype="int64")  # index into ``out``: 0 is ""
    if one_word is not None and len(one):
        # per distinct digit word: its last run written with at least 3 digits (before the zeros go)
        cand = np.flatnonzero(pc.greater_equal(pc.utf8_length(raw_runs), 3).to_numpy(zero_copy_only=False))
        cp = run_parent[cand]
        last = cand[np.r_[cp[1:] != cp[:-1], True]] if len(cand) else cand
        size = int(max(one_word.max(), dw.max() if len(dw) else 0)) + 1
        word_run = np.full(size, -1, dtype="int64")  # per distinct word of the labels
        word_run[dw[run_parent[last]]] = last
        r = word_run[one_word]
        has = r >= 0
        pick[one[has]] = 1 + r[has]
        out = pa.concat_arrays([out, runs.cast(pa.string())])
    if len(many):
        base = len(out)
        out = pa.concat_arrays([out, own_digit_keys(refs.take(pa.array(many))).cast(pa.string())])
        pick[many] = base + np.arange(len(many))
    return out.take(pa.array(pick))
