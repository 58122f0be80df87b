"""``rewrite`` splices the changed fields into the original bytes (no split of every line): it
must give exactly what the line-by-line reference (``_rewrite_lines``) gives, on any bytes —
mixed line endings (CRLF, LF, CR, « \\r\\r\\n »), short lines, blank lines, no final line break,
changes out of range, verbatim values, removed lines, appended lines, ``insert_after`` and
``strip_final_eol``."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.core.fec_rewrite import _rewrite_lines, rewrite

EXAMPLES = 1500 if os.environ.get("REGLO_FULL") else 150

HEADERS = {
    "tab": b"JournalCode\tEcritureNum\tEcritureLet\tDateLet\tDebit",
    "pipe_swapped": b"JournalCode|DateLet|EcritureLet|Debit",
    "semicolon_first": "EcritureLet;DateLet;EcritureLib;Montant".encode("utf-8"),
    "quoted": b'"JournalCode"\t"EcritureLet"\t"DateLet"',
}

field_bytes = st.sampled_from([b"", b"AA", b"VT", b"x y", b'"q"', "é".encode("utf-8"), b"20250101", b"12,50"])
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
       strip=st.booleans(), verbatim=st.booleans())
def test_the_splice_gives_the_line_by_line_bytes(raw, picks, remove, tail, insert_after, strip, verbatim):
    append = [{"JournalCode": "OD", "EcritureLet": f"W{i}", "Debit": "1,00"} for i in range(tail)]
    kw = dict(append=append, remove=remove, strip_final_eol=strip, verbatim=verbatim, insert_after=insert_after)
    expected = _rewrite_lines(raw, picks, **kw)
    got = rewrite(raw, picks, **kw)
    assert got == expected
    assert list(got.previous.items()) == list(expected.previous.items())  # same order (the journal keeps it)
