"""CSV injection guard of the CSV files people open in Excel (slips, payment data)."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, strategies as st

from reglo.core.csv_text import csv_cell


@pytest.mark.parametrize("value, shown", [
    ('=HYPERLINK("http://x";"Payer")', '\'=HYPERLINK("http://x";"Payer")'),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd", "'-2+3+cmd"),
    ("\t=1+1", "'\t=1+1"),
    ("-12,50", "-12,50"),
    ("+3", "+3"),
    ("-1 200,00", "-1 200,00"),
    ("Dupont SA", "Dupont SA"),
    ("", ""),
    (None, None),
    (12, 12),
])
def test_a_cell_excel_would_evaluate_gets_an_apostrophe(value, shown):
    assert csv_cell(value) == shown


@given(st.text())
def test_no_cell_ever_starts_with_a_formula_trigger_unless_a_number(text):
    out = csv_cell(text)
    assert out == text or out == "'" + text
    if out == text and text:
        assert text[0] not in "=@\t\r" and (text[0] not in "+-" or text[1:2].isdigit())


def test_a_disbursement_slip_never_carries_a_live_formula():
    from reglo.core.disbursement.outputs import _csv

    data = _csv(["Fournisseur", "Montant"], [['=HYPERLINK("http://x";"Payer")', "-120,00"]]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert rows[1] == ['\'=HYPERLINK("http://x";"Payer")', "-120,00"]
