"""The byte-preserving FEC rewrite (``reglo.core.fec_rewrite``): only EcritureLet / DateLet of
the named lines change; an undo with the returned previous values gives back the bytes.
Property tests over layouts: extra columns, both amount forms, UTF-8 with and without BOM,
ISO-8859-15, tab or pipe, quoted fields, CRLF / LF / CR, with or without a final line break."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.core.fec import read_fec
from reglo.core.fec_rewrite import RewriteError, layout_of, rewrite, split_lines
from tests.core.fec_samples import HEADER, entry, fec

EXAMPLES = 300 if os.environ.get("REGLO_FULL") else 40


def _layout_fec(*, extra: bool, montant_sens: bool, encoding: str, bom: bool, sep: str, eol: str, final_eol: bool, quoted: bool = False) -> bytes:
    header = list(HEADER)
    rows = []
    for i in range(3):
        rows += entry(f"VT{i}", f"{100 + i},5{i}", PieceRef=f"F{i}", CompAuxLib="Bâtiments du Léman €uro" if encoding != "ascii" else "B")
    if montant_sens:
        d = header.index("Debit")
        header[d:d + 2] = ["Montant", "Sens"]
        for r in rows:
            debit = r["Debit"] not in ("0,00", "")
            r["Montant"], r["Sens"] = (r["Debit"], "D") if debit else (r["Credit"], "C")
    if extra:
        header += ["DateEcheance", "Analytique"]
        for n, r in enumerate(rows):
            r["DateEcheance"] = "20250228" if n % 2 == 0 else ""
            r["Analytique"] = f"  axe {n} "
    if quoted:
        header = [f'"{h}"' for h in header]
        rows = [{f'"{k}"': f'"{v}"' for k, v in r.items()} for r in rows]
    enc = "iso-8859-15" if encoding == "iso-8859-15" else "utf-8"
    data = fec(rows, sep=sep, header=header, eol=eol, encoding=enc, bom=bom, final_eol=final_eol)
    return data


layouts = st.fixed_dictionaries({
    "extra": st.booleans(),
    "montant_sens": st.booleans(),
    "encoding": st.sampled_from(["utf-8", "iso-8859-15"]),
    "bom": st.booleans(),
    "sep": st.sampled_from(["\t", "|"]),
    "eol": st.sampled_from(["\r\n", "\n", "\r"]),
    "final_eol": st.booleans(),
    "quoted": st.booleans(),
}).filter(lambda k: not (k["bom"] and k["encoding"] != "utf-8"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts, picks=st.lists(st.tuples(st.integers(2, 7), st.sampled_from(["AA", "B", "zz", ""]), st.sampled_from(["20250301", ""])),
                                       max_size=6), tail=st.integers(0, 2))
def test_rewrite_changes_only_the_lettering_fields_and_undo_gives_back_the_bytes(layout, picks, tail):
    raw = _layout_fec(**layout)
    changes = {line: (code, on) for line, code, on in picks}
    append = [{"JournalCode": "OD", "EcritureNum": f"OD-LET-{i}", "Debit": "1,00", "Credit": "0,00"} for i in range(tail)]
    rw = rewrite(raw, changes, append=append)
    before, after = split_lines(raw), split_lines(rw.data)
    assert len(after) == len(before) + tail
    lay = layout_of(raw)
    sep = lay.separator
    keep = [i for i in range(len(lay.names)) if i not in (lay.position("EcritureLet"), lay.position("DateLet"))]
    for n, ((c0, e0), (c1, e1)) in enumerate(zip(before, after), start=1):
        assert e0 == e1 or (n == len(before) and not e0 and tail)
        f0, f1 = c0.split(sep), c1.split(sep)
        assert len(f0) == len(f1) and [f0[i] for i in keep] == [f1[i] for i in keep]
        if n not in changes:
            assert c0 == c1
    ledger = read_fec(rw.data)
    assert not [a for a in ledger.alerts if a.code.value in ("FEC_FIELD_COUNT", "FEC_AMOUNT_INVALID", "FEC_DATE_INVALID")]
    by_row = dict(zip(ledger.frame["source_row"], ledger.frame["lettering_code"]))
    for line, (code, _) in changes.items():
        assert by_row[line] == code
    undo = rewrite(rw.data, rw.previous, verbatim=True, remove=rw.appended, strip_final_eol=rw.eol_added)
    assert undo.data == raw


def test_utf16_is_refused():
    with pytest.raises(RewriteError, match="UTF-16"):
        layout_of("JournalCode\tEcritureLet\tDateLet\r\n".encode("utf-16"))


def test_appended_lines_go_before_trailing_blank_lines():
    raw = fec(entry("VT1")) + b"\r\n\r\n"
    rw = rewrite(raw, {}, append=[{"JournalCode": "OD"}], insert_after=3)
    assert rw.appended == (4,)
    assert rw.data.endswith(b"\r\n\r\n\r\n") and split_lines(rw.data)[3][0].startswith(b"OD\t")
    assert rewrite(rw.data, {}, remove=rw.appended).data == raw
