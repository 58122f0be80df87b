"""One example per FEC alert code (house style §9): each code is raised by its example and
by none of the clean files, so that a new code cannot ship without a test."""
from __future__ import annotations

import pandas as pd
import pytest

from reglo.core.catalogue.foundation import MESSAGES
from reglo.core.fec import FecError, read_fec, text_issues
from tests.core.fec_samples import HEADER, clean, entry, fec, row


def _rows(**changes: dict[str, str]) -> list[dict[str, str]]:
    """Two entries; ``changes`` maps 'i' (row index as text) -> fields to override."""
    rows = entry("VT1") + entry("VT2")
    for i, fields in changes.items():
        rows[int(i)].update(fields)
    return rows


def _header(**renames: str) -> list[str]:
    return [renames.get(n, n) for n in HEADER]


def _more_alerts() -> bytes:
    return fec([row(EcritureNum=f"E{i}", PieceDate="2025", Debit="1,00", Credit="0,00") for i in range(1001)] + [row(EcritureNum="Z", Debit="0,00", Credit="1001,00")])


EXAMPLES: dict[str, tuple[bytes, str | None]] = {
    "FILE_EMPTY": (b"", None),
    "FILE_ENCODING": (b"\xff\xfeJ\x00o\x00u", None),
    "FEC_NOT_TEXT": (b"%PDF-1.7\n", None),
    "FEC_ENCODING_NONSTANDARD": (clean().decode().encode("utf-16"), None),
    "FEC_ENCODING_MIXED": (clean() + "VT\tVentes\tVT3\t20250131\t411000\tClients\t\t\tF\t20250131\tRéglé\t1,00\t0,00\t\t\t20250131\t\t\r\n".encode("cp1252") + "VT\tVentes\tVT3\t20250131\t706000\tVentes\t\t\tF\t20250131\tx\t0,00\t1,00\t\t\t20250131\t\t\r\n".encode(), None),
    "FEC_SEPARATOR": (fec(entry("VT1"), sep=";"), None),
    "FEC_QUOTED_FIELDS": (("\t".join(f'"{n}"' for n in HEADER) + "\r\n" + "\t".join(f'"{v}"' for v in entry("VT1")[0].values()) + "\r\n").encode(), None),
    "FEC_HEADER_MISSING_FIELD": (fec(entry("VT1"), header=HEADER[:17]), None),
    "FEC_HEADER_DUPLICATE": (fec(entry("VT1"), header=HEADER + ["EcritureLib"]), None),
    "FEC_HEADER_VARIANT": (fec(entry("VT1"), header=_header(Idevise="IdDevise")), None),
    "FEC_HEADER_ORDER": (fec(entry("VT1"), header=HEADER[1:2] + HEADER[:1] + HEADER[2:]), None),
    "FEC_EXTRA_FIELD": (fec(entry("VT1"), header=HEADER + ["Analytique"]), None),
    "FEC_FIELD_COUNT": (fec(_rows(**{"1": {"EcritureLib": "a\tb"}})), None),
    "FEC_BLANK_LINE": (fec(entry("VT1") + [""] + entry("VT2")), None),
    "FEC_TRAILING_BLANK_LINES": (clean() + b"\r\n", None),
    "FEC_TRAILING_SEPARATOR": (fec([r + "\t" for r in clean().decode().split("\r\n")[1:-1]]), None),
    "FEC_NO_ENTRIES": (fec([]), None),
    "FEC_MORE_ALERTS": (_more_alerts(), None),
    "FEC_DATE_INVALID": (fec(_rows(**{"0": {"PieceDate": "20250231"}})), None),
    "FEC_DATE_FORMAT": (fec(_rows(**{"0": {"PieceDate": "31/01/2025"}})), None),
    "FEC_DATE_MISSING": (fec(_rows(**{"0": {"EcritureDate": ""}})), None),
    "FEC_DATE_AFTER_CLOSING": (fec(_rows(**{"0": {"EcritureDate": "20260101"}})), "552100554FEC20251231.txt"),
    "FEC_AMOUNT_INVALID": (fec(_rows(**{"0": {"Debit": "1 200,00"}})), None),
    "FEC_AMOUNT_TOO_LARGE": (fec(_rows(**{"0": {"Debit": "12345678901234567890123,00"}})), None),
    "FEC_DECIMAL_POINT": (fec(_rows(**{"0": {"Debit": "1200.00"}})), None),
    "AMOUNT_ROUNDED": (fec(_rows(**{"0": {"Debit": "1200,001"}})), None),
    "FEC_NEGATIVE_AMOUNT": (fec(_rows(**{"0": {"Debit": "-5,00", "Credit": "0,00"}, "1": {"Credit": "-5,00"}})), None),
    "FEC_SENS_INVALID": (fec([row(Montant="1,00", Sens="X"), row(Montant="1,00", Sens="C")], header=_header(Debit="Montant", Credit="Sens")), None),
    "FEC_ACCOUNT_MISSING": (fec(_rows(**{"0": {"CompteNum": ""}})), None),
    "FEC_ACCOUNT_FORMAT": (fec(_rows(**{"0": {"CompteNum": "CLIENTS"}})), None),
    "FEC_DEBIT_AND_CREDIT": (fec(_rows(**{"0": {"Credit": "1,00"}, "1": {"Credit": "1201,00"}})), None),
    "FEC_MISSING_DATA": (fec(_rows(**{"0": {"JournalLib": ""}})), None),
    "FEC_LETTERING_DATE_MISSING": (fec(_rows(**{"0": {"EcritureLet": "AA"}})), None),
    "FEC_LETTERING_CODE_MISSING": (fec(_rows(**{"0": {"DateLet": "20250131"}})), None),
    "FEC_ENTRY_UNBALANCED": (fec(_rows(**{"0": {"Debit": "1000,00"}, "2": {"Debit": "1400,00"}})), None),
    "FEC_ENTRY_DATES": (fec(_rows(**{"1": {"EcritureDate": "20250201"}})), None),
    "FEC_TOTAL_UNBALANCED": (fec(_rows(**{"0": {"Debit": "1000,00"}})), None),
    "FEC_FILENAME": (clean(), "FEC_2025.txt"),
    "FEC_CURRENCY_INCOMPLETE": (fec(_rows(**{"0": {"Montantdevise": "10,00"}})), None),
}
TEXT_ISSUE_CODES = {"FEC_TEXT_CHANGED"}  # raised by text_issues (writer side), tested in test_fec_write
TEXT_ISSUE_CODES |= {"FEC_REWRITE_UNREADABLE", "FEC_REWRITE_IMPOSSIBLE"}  # raised by the lettering rewrite, tested in tests/addin
FEC_CODES = {c for c in MESSAGES if c.startswith("FEC_")} | {"FILE_EMPTY", "FILE_ENCODING", "AMOUNT_ROUNDED"}


def _codes(data: bytes, filename: str | None) -> set[str]:
    try:
        ledger = read_fec(data, filename=filename)
    except FecError as exc:
        return {exc.alert.code.value}
    return {a.code.value for a in ledger.alerts}


def test_every_fec_code_has_an_example():
    assert set(EXAMPLES) | TEXT_ISSUE_CODES == FEC_CODES


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_raises_its_code(code):
    data, filename = EXAMPLES[code]
    assert code in _codes(data, filename)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_clean_files_raise_none(code):
    assert code not in _codes(clean(), "552100554FEC20251231.txt")
    assert code not in _codes(fec(entry("A1"), sep="|", bom=True, eol="\n"), None)


def test_text_changed_example():
    frame = read_fec(fec(_rows(**{"0": {"EcritureLib": "a | b"}}), sep="\t")).frame
    assert {a.code.value for a in text_issues(frame, separator="|")} == {"FEC_TEXT_CHANGED"}
    assert text_issues(frame, separator="\t") == []
    assert isinstance(frame, pd.DataFrame)
