"""``rewrite`` splices the changed fields into the original bytes (no split of every line): it
must give exactly what the line-by-line reference (``_rewrite_lines``) gives, on any bytes —
mixed line endings (CRLF, LF, CR, « \\r\\r\\n »), short lines, blank lines, no final line break,
changes out of range, verbatim values, removed lines, appended lines, ``insert_after`` and
``strip_final_eol`` — whatever the size of the chunks the file is scanned by (a line ending,
a separator or a UTF-8 character cut between two chunks), and whether the new texts come as
lists or by index into their distinct values (what ``frame_rewrite`` gives)."""
from __future__ import annotations

import contextlib
import os
import re

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.core import fec_rewrite
from reglo.core.fec import read_fec
from reglo.core.fec_rewrite import _Coded, _rewrite_lines, _splice, frame_rewrite, layout_of, rewrite
from tests.core.fec_samples import HEADER, entry, fec

EXAMPLES = 1500 if os.environ.get("REGLO_FULL") else 150

HEADERS = {
    "tab": b"JournalCode\tEcritureNum\tEcritureLet\tDateLet\tDebit",
    "pipe_swapped": b"JournalCode|DateLet|EcritureLet|Debit",
    "semicolon_first": "EcritureLet;DateLet;EcritureLib;Montant".encode("utf-8"),
    "quoted": b'"JournalCode"\t"EcritureLet"\t"DateLet"',
}

field_bytes = st.sampled_from([b"", b"AA", b"VT", b"x y", b'"q"', "é".encode("utf-8"), "€".encode(), b"20250101", b"12,50"])
chunks = st.sampled_from([1, 2, 3, 5, 8, 1 << 18])  # the scan's chunk size (1 << 18: the real one)


@contextlib.contextmanager
def chunked(size: int):
    """``fec_rewrite`` scanning files ``size`` bytes at a time."""
    saved = fec_rewrite._CHUNK
    fec_rewrite._CHUNK = size
    try:
        yield
    finally:
        fec_rewrite._CHUNK = saved
eols = st.sampled_from([b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\r", b""])


@st.composite
def files(draw):
    name = draw(st.sampled_from(sorted(HEADERS)))
    header = HEADERS[name]
    sep = {"tab": b"\t", "pipe_swapped": b"|", "semicolon_first": b";", "quoted": b"\t"}[name]
    width = header.count(sep) + 1
    out = [header, draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))]
    for _ in range(draw(st.integers(0, 8))):
        n = draw(st.integers(0, width + 1))
        out.append(sep.join(draw(st.lists(field_bytes, min_size=n, max_size=n))))
        out.append(draw(eols))
    return b"".join(out)


values = st.one_of(st.none(), st.sampled_from(["", "AB", "zz", "20250301", "a\tb", "x|y;z", "l\nm", '"AA"']))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=files(), picks=st.dictionaries(st.integers(-1, 12), st.tuples(values, values), max_size=8),
       remove=st.lists(st.integers(0, 12), max_size=3), tail=st.integers(0, 2), insert_after=st.one_of(st.none(), st.integers(-1, 12)),
       strip=st.booleans(), verbatim=st.booleans(), chunk=chunks)
def test_the_splice_gives_the_line_by_line_bytes(raw, picks, remove, tail, insert_after, strip, verbatim, chunk):
    append = [{"JournalCode": "OD", "EcritureLet": f"W{i}", "Debit": "1,00"} for i in range(tail)]
    kw = dict(append=append, remove=remove, strip_final_eol=strip, verbatim=verbatim, insert_after=insert_after)
    expected = _rewrite_lines(raw, picks, **kw)
    with chunked(chunk):
        got = rewrite(raw, picks, **kw)
    assert got == expected
    assert list(got.previous.items()) == list(expected.previous.items())  # same order (the journal keeps it)
    assert type(got.data) is bytes


def _coded(texts: list) -> _Coded:
    distinct: dict = {}
    return _Coded(np.array([distinct.setdefault(t, len(distinct)) for t in texts], dtype=np.intp), list(distinct))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=files(), picks=st.dictionaries(st.integers(-1, 12), st.tuples(values, values), max_size=8),
       remove=st.lists(st.integers(0, 12), max_size=3), tail=st.integers(0, 2), strip=st.booleans(), chunk=chunks)
def test_texts_by_index_give_the_bytes_of_texts_by_line(raw, picks, remove, tail, strip, chunk):
    append = [{"JournalCode": "OD", "EcritureLet": f"W{i}", "Debit": "1,00"} for i in range(tail)]
    kw = {"append": append, "remove": remove, "strip_final_eol": strip}
    expected = _rewrite_lines(raw, picks, **kw)
    numbers = np.array(sorted(picks), dtype="int64")
    with chunked(chunk):
        got = _splice(raw, layout_of(raw), numbers, _coded([picks[n][0] for n in numbers.tolist()]),
                      _coded([picks[n][1] for n in numbers.tolist()]), **kw)
    assert got == expected
    assert list(got.previous.items()) == list(expected.previous.items())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.sampled_from([b"a", b"\t", b"\r\n", "é".encode(), "€".encode(), b"\xe9", b"\x80", b"\x9f", b"\xa4", b"\xc3", b"\xe2\x82"]),
                     max_size=12), bom=st.booleans(), chunk=chunks)
def test_the_encoding_is_read_from_the_whole_body_whatever_the_chunks(body, bom, chunk):
    raw = (b"\xef\xbb\xbf" if bom else b"") + b"JournalCode\tEcritureLet\tDateLet\r\n" + b"".join(body)
    text = raw[3:] if bom else raw
    try:
        text.decode("utf-8")
        expected = "utf-8"
    except UnicodeDecodeError:
        expected = "cp1252" if re.search(rb"[\x80-\x9f]", text) else "iso-8859-15"
    with chunked(chunk):
        assert layout_of(raw).encoding == expected


def _ledger_fec(order: str, eol: str, encoding: str, final_eol: bool) -> bytes:
    header = list(HEADER)
    rows = []
    for i in range(4):
        rows += entry(f"VT{i}", f"{100 + i},5{i}", PieceRef=f"F{i}", CompAuxLib="Léman", EcritureLet="AA" if i == 3 else "",
                      DateLet="20250105" if i == 3 else "")
    if order == "swapped":  # DateLet before EcritureLet
        i, j = header.index("EcritureLet"), header.index("DateLet")
        header[i], header[j] = header[j], header[i]
    elif order == "apart":  # a column between them
        header.insert(header.index("DateLet"), "Analytique")
    return fec(rows, header=header, eol=eol, encoding=encoding, final_eol=final_eol)


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.sampled_from(["side by side", "swapped", "apart"]), eol=st.sampled_from(["\r\n", "\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "iso-8859-15"]), final_eol=st.booleans(),
       letters=st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["AB", "é", "", "a\tb"]), st.booleans()), max_size=8),
       chunk=chunks)
def test_frame_rewrite_gives_the_rewrite_of_the_changed_lines_and_its_undo_the_bytes(order, eol, encoding, final_eol, letters, chunk):
    raw = _ledger_fec(order, eol, encoding, final_eol)
    before = read_fec(raw).frame
    after = before.copy()
    for row, code, dated in letters:
        after.loc[row, "lettering_code"] = code
        after.loc[row, "lettered_on"] = pd.Timestamp("2025-12-31") if dated else pd.NaT
    changes = {}
    for b, a in zip(before.itertuples(), after.itertuples()):
        same_on = (pd.isna(b.lettered_on) and pd.isna(a.lettered_on)) or b.lettered_on == a.lettered_on
        if str(b.lettering_code) != str(a.lettering_code) or not same_on:
            changes[int(b.source_row)] = (str(a.lettering_code), "" if pd.isna(a.lettered_on) else a.lettered_on.strftime("%Y%m%d"))
    with chunked(chunk):
        got = frame_rewrite(raw, before, after)
        undo = frame_rewrite(got.data, read_fec(got.data).frame, before, verbatim=got.previous)
    expected = _rewrite_lines(raw, changes)
    assert got == expected and list(got.previous.items()) == list(expected.previous.items())
    assert undo.data == raw
