"""Checks of a hand-typed « Écritures » sheet: each code with a row that triggers it and one that does not."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from reglo.core.entry_sheet_rules import check_entry_sheet, map_headers, parse_sheet_date

FEC = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib",
       "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise"]
FR = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]


def fr_rows(*lines):
    return [(i, list(line)) for i, line in enumerate(lines, start=2)]


GOOD = (
    ["VE", datetime(2025, 1, 31), "1", "411000", "Facture 14", 1200.0, None],
    ["VE", datetime(2025, 1, 31), "1", "706000", "Facture 14", None, 1000.0],
    ["VE", datetime(2025, 1, 31), "1", "445710", "Facture 14", None, 200.0],
)


def codes(alerts, row=None):
    return sorted(a.code.value for a in alerts if row is None or a.row == row)


def test_clean_sheet_has_no_alert():
    assert check_entry_sheet(FR, fr_rows(*GOOD)) == []


def test_fec_headers_are_accepted():
    line = ["VE", "Ventes", "1", datetime(2025, 1, 31), "411000", "Clients", "", "", "F14", datetime(2025, 1, 31), "Facture", 100.0, None, "", None, None, None, ""]
    line2 = list(line)
    line2[4], line2[11], line2[12] = "706000", None, 100.0
    assert check_entry_sheet(FEC, [(2, line), (3, line2)]) == []


def test_header_aliases():
    pos = map_headers(["journal", "DATE", "N° d'écriture", "Compte général", "Libellé", "Debit", "CREDIT"])
    assert set(pos) == {"JournalCode", "EcritureDate", "EcritureNum", "CompteNum", "EcritureLib", "Debit", "Credit"}


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime(2025, 1, 31, 0, 0), date(2025, 1, 31)),
        (date(2025, 1, 31), date(2025, 1, 31)),
        (45688, date(2025, 1, 31)),  # Excel serial
        (45688.5, date(2025, 1, 31)),
        ("31/01/2025", date(2025, 1, 31)),
        ("31/01/25", date(2025, 1, 31)),
        ("31.01.2025", date(2025, 1, 31)),
        ("2025-01-31", date(2025, 1, 31)),
        ("20250131", date(2025, 1, 31)),
        (None, None),
        ("  ", None),
    ],
)
def test_parse_sheet_date(value, expected):
    assert parse_sheet_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2025", "lundi", "2025-13-01", "00/01/2025", -5, 10 ** 7, "31/12/1850", True])
def test_parse_sheet_date_rejects(value):
    with pytest.raises(ValueError):
        parse_sheet_date(value)


def test_date_invalid_and_missing():
    rows = fr_rows(
        ["VE", "31/02/2025", "1", "411000", "F", 100.0, None],
        ["VE", None, "1", "706000", "F", None, 100.0],
        ["VE", "31/01/2025", "2", "411000", "F", 50.0, None],  # text date: accepted
        ["VE", 45688, "2", "706000", "F", None, 50.0],  # Excel serial: accepted
    )
    alerts = check_entry_sheet(FR, rows)
    assert codes(alerts, 2) == ["DATE_INVALID"]
    assert codes(alerts, 3) == ["DATE_MISSING"]
    assert codes(alerts, 4) == [] and codes(alerts, 5) == []
    bad = [a for a in alerts if a.code.value == "DATE_INVALID"][0]
    assert bad.column == "Date" and bad.is_blocking


def test_amount_text_invalid_rounded_negative():
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", "abc", None],  # AMOUNT_INVALID
        ["VE", datetime(2025, 1, 31), "1", "706000", "F", None, "1 200,50"],  # AMOUNT_AS_TEXT (warning)
        ["OD", datetime(2025, 1, 31), "2", "471000", "F", 10.005, None],  # AMOUNT_ROUNDED
        ["OD", datetime(2025, 1, 31), "2", "472000", "F", -10.01, None],  # negative debit → credit
    )
    alerts = check_entry_sheet(FR, rows)
    assert codes(alerts, 2) == ["AMOUNT_INVALID"]
    assert codes(alerts, 3) == ["AMOUNT_AS_TEXT"]
    assert codes(alerts, 4) == ["AMOUNT_ROUNDED"]
    assert codes(alerts, 5) == ["ENTRY_NEGATIVE_AMOUNT"]
    # entry 2: 10,01 debit vs 10,01 credit (negative debit) → balanced; entry 1 unreadable → not judged
    assert "ENTRY_UNBALANCED" not in codes(alerts)
    assert [a.column for a in alerts if a.row == 2] == ["Débit"]
    assert not [a for a in alerts if a.code.value == "AMOUNT_AS_TEXT"][0].is_blocking


def test_debit_and_credit_and_no_amount():
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", 100.0, 100.0],
        ["VE", datetime(2025, 1, 31), "1", "706000", "F", None, None],
    )
    alerts = check_entry_sheet(FR, rows)
    assert "ENTRY_DEBIT_AND_CREDIT" in codes(alerts, 2)
    assert "ENTRY_NO_AMOUNT" in codes(alerts, 3)
    assert "ENTRY_DEBIT_AND_CREDIT" not in codes(alerts, 3)
    assert "ENTRY_NO_AMOUNT" not in codes(alerts, 2)


def test_accounts():
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "41A000", "F", 100.0, None],
        ["VE", datetime(2025, 1, 31), "1", None, "F", None, 100.0],
        ["VE", datetime(2025, 1, 31), "2", 411000.0, "F", 10.0, None],  # number typed: fine
        ["VE", datetime(2025, 1, 31), "2", "411DUPONT", "F", None, 10.0],  # detailed account: fine
    )
    alerts = check_entry_sheet(FR, rows)
    assert codes(alerts, 2) == ["ACCOUNT_INVALID"]
    assert codes(alerts, 3) == ["ACCOUNT_MISSING"]
    assert codes(alerts, 4) == [] and codes(alerts, 5) == []


def test_unbalanced_entry_flags_all_its_rows_only():
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", 1200.0, None],
        ["VE", datetime(2025, 1, 31), "1", "706000", "F", None, 1000.0],
        ["BQ", datetime(2025, 2, 5), "1", "512000", "R", 50.0, None],  # same number, other journal
        ["BQ", datetime(2025, 2, 5), "1", "411000", "R", None, 50.0],
    )
    alerts = check_entry_sheet(FR, rows)
    unbalanced = [a for a in alerts if a.code.value == "ENTRY_UNBALANCED"]
    assert sorted(a.row for a in unbalanced) == [2, 3]
    assert all(a.column is None and a.is_blocking for a in unbalanced)
    assert "200,00" in unbalanced[0].message


def test_entry_dates_differ():
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", 100.0, None],
        ["VE", datetime(2025, 2, 1), "1", "706000", "F", None, 100.0],
        ["VE", datetime(2025, 2, 1), "2", "411000", "F", 100.0, None],
        ["VE", datetime(2025, 2, 1), "2", "706000", "F", None, 100.0],
    )
    alerts = check_entry_sheet(FR, rows)
    assert codes(alerts, 2) == ["ENTRY_DATES_DIFFER"] and codes(alerts, 3) == ["ENTRY_DATES_DIFFER"]
    assert codes(alerts, 4) == [] and codes(alerts, 5) == []


def test_journal_number_label_missing():
    rows = fr_rows(
        [None, datetime(2025, 1, 31), None, "411000", None, 100.0, None],
        ["VE", datetime(2025, 1, 31), "1", "706000", "F", None, 100.0],
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", 100.0, None],
    )
    alerts = check_entry_sheet(FR, rows)
    assert codes(alerts, 2) == ["ENTRY_JOURNAL_MISSING", "ENTRY_LABEL_MISSING", "ENTRY_NUMBER_MISSING"]
    assert codes(alerts, 3) == [] and codes(alerts, 4) == []


def test_missing_columns_are_named():
    alerts = check_entry_sheet(["Journal", "Date", "Libellé", "Débit"], fr_rows(["VE", datetime(2025, 1, 31), "F", 10.0]))
    missing = [a for a in alerts if a.code.value == "COLUMN_MISSING"]
    names = " ".join(a.message for a in missing)
    assert "« EcritureNum (N° écriture) »" in names and "« CompteNum (Compte) »" in names and "« Credit (Crédit) »" in names
    assert "« Debit (Débit) »" not in names and "« JournalCode (Journal) »" not in names  # present
    assert all(a.is_blocking and a.row is None for a in missing)
    assert "JournalCode" in missing[0].message  # the expected list is given
    assert check_entry_sheet(FR, fr_rows(*GOOD)) == []


def test_montant_sens_variant():
    headers = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Montant", "Sens"]
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", 100.0, "D"],
        ["VE", datetime(2025, 1, 31), "1", "706000", "F", 100.0, "C"],
        ["VE", datetime(2025, 1, 31), "2", "411000", "F", 100.0, "X"],
    )
    alerts = check_entry_sheet(headers, rows)
    assert codes(alerts, 2) == [] and codes(alerts, 3) == []
    assert codes(alerts, 4) == ["ENTRY_SENS_INVALID"]
    assert "COLUMN_MISSING" not in codes(alerts)


def test_currency_pair():
    headers = FR + ["Montant devise", "Devise"]
    rows = fr_rows(
        ["VE", datetime(2025, 1, 31), "1", "411000", "F", 100.0, None, 110.0, None],
        ["VE", datetime(2025, 1, 31), "1", "706000", "F", None, 100.0, 110.0, "USD"],
    )
    alerts = check_entry_sheet(headers, rows)
    assert codes(alerts, 2) == ["FEC_CURRENCY_INCOMPLETE"] and codes(alerts, 3) == []


def test_empty_sheet():
    assert codes(check_entry_sheet(FR, [])) == ["SHEET_EMPTY"]
    assert "SHEET_EMPTY" not in codes(check_entry_sheet(FR, fr_rows(*GOOD)))


def test_amounts_are_exact_cents():
    # 0.1 + 0.2 in floats is not 0.3: the check works in cents
    rows = fr_rows(
        ["OD", datetime(2025, 1, 31), "1", "471000", "F", 0.1, None],
        ["OD", datetime(2025, 1, 31), "1", "471000", "F", 0.2, None],
        ["OD", datetime(2025, 1, 31), "1", "472000", "F", None, 0.3],
    )
    assert check_entry_sheet(FR, rows) == []
