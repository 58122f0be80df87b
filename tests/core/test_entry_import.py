"""Entry import: the two worked examples of the product help page, the rules, every alert code."""
from __future__ import annotations

from decimal import Decimal

import pytest

from reglo.core.catalogue.entry_import import MESSAGES
from reglo.core.entry_import import (
    AccountLayout,
    AccountRange,
    AccountTypeMode,
    AmountMode,
    CounterMode,
    ImportDefinition,
    RawRows,
    check_definition,
    import_entries,
)
from reglo.core.entry_import.layout import PRESETS, render_rows
from reglo.core.fec import read_fec, write_fec, write_fec_table
from tests.core.fec_reference import reference_fec


def table(text: str) -> tuple[list[str], list[list[str]]]:
    """A pipe table as the accountant writes it → headers, rows."""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    cells = [[c.strip() for c in l.strip("|").split("|")] for l in lines]
    return cells[0], cells[1:]


def run(d: ImportDefinition, text: str):
    headers, rows = table(text)
    return import_entries(RawRows.from_records(headers, rows, sheet="import.csv"), d)


def lines(result, company=None):
    f = result.frame(company)
    return [(r.ledger_account, r.subledger_account, Decimal(r.debit) / 100, Decimal(r.credit) / 100) for r in f.itertuples()]


def codes(result):
    return {(a.row, a.code.value) for a in result.alerts}


def D(v: str) -> Decimal:
    return Decimal(v)


# Seed numbering: customers 10000-19999, general accounts below; VAT on 44571.
SEED = ImportDefinition(
    journal_column="Journal",
    date_column="Date",
    account_column="Compte",
    account_label_column="Libellé",
    account_type_mode=AccountTypeMode.RANGES,
    general_ranges=(AccountRange(start=100, end=9999), AccountRange(start=100000, end=999999)),
    customer_ranges=(AccountRange(start=10000, end=19999),),
    supplier_ranges=(AccountRange(start=20000, end=29999),),
    amount_mode=AmountMode.DEBIT_CREDIT,
    debit_column="Montant débit",
    credit_column="Montant crédit",
    vat_on_line=True,
    vat_column="Montant TVA",
    vat_account="44571",
    thousands_separator=".",
)


# ---------------------------------------------------------------------------
# the two worked examples
# ---------------------------------------------------------------------------

def test_worked_example_two_lines_vat_on_the_same_line():
    r = run(SEED, """
        | Journal | Date       | Compte | Libellé | Montant débit | Montant crédit | Montant TVA |
        | VT      | 31/01/2025 | 10032  | Client  | 1.210,00      |                |             |
        | VT      | 31/01/2025 | 706000 | CA      |               | 1000,00        | 210,00      |
    """)
    assert r.summary.lines_read == 2 and r.summary.lines_accepted == 2 and r.summary.lines_rejected == 0
    assert lines(r) == [
        ("411000", "10032", D("1210.00"), D("0")),
        ("706000", "", D("0"), D("1000.00")),
        ("44571", "", D("0"), D("210.00")),
    ]
    assert not [a for a in r.alerts if a.is_blocking]
    (entry,) = r.entries()
    assert entry.is_balanced and entry.total_debit == D("1210.00")
    assert [l.source_row for l in entry.lines] == [2, 3, 3]


def test_worked_example_two_lines_with_the_seed_account_numbers():
    r = run(SEED, """
        | Journal | Date       | Compte | Libellé | Montant débit | Montant crédit | Montant TVA |
        | VT      | 31/01/2025 | 10032  | Client  | 1.210,00      |                |             |
        | VT      | 31/01/2025 | 8000   | CA      |               | 1000,00        | 210,00      |
    """)
    assert lines(r) == [("411000", "10032", D("1210.00"), D("0")), ("8000", "", D("0"), D("1000.00")), ("44571", "", D("0"), D("210.00"))]


ONE_LINE = SEED.model_copy(update=dict(amount_mode=AmountMode.SIGNED, amount_column="Montant", counter_mode=CounterMode.COLUMN, counter_account_column="Compte de contrepartie"))


def test_worked_example_one_line_with_counter_account_and_vat():
    r = run(ONE_LINE, """
        | Journal | Date       | Compte | Libellé | Compte de contrepartie | Montant  | Montant TVA |
        | VT      | 31/01/2025 | 10032  | Client  | 706000                 | 1.210,00 | -210,00     |
    """)
    assert lines(r) == [
        ("411000", "10032", D("1210.00"), D("0")),
        ("706000", "", D("0"), D("1000.00")),
        ("44571", "", D("0"), D("210.00")),
    ]
    assert r.summary.lines_read == 1 and r.summary.lines_written == 3 and r.summary.entries_accepted == 1


def test_one_line_revenue_first_puts_the_customer_line_first():
    r = run(ONE_LINE, """
        | Journal | Date       | Compte | Libellé | Compte de contrepartie | Montant   | Montant TVA |
        | VT      | 31/01/2025 | 706000 | CA      | 10032                  | -1.000,00 | 210,00      |
    """)
    assert lines(r) == [("411000", "10032", D("1210.00"), D("0")), ("706000", "", D("0"), D("1000.00")), ("44571", "", D("0"), D("210.00"))]


def test_fixed_counter_account_balances_each_entry_opening_balance():
    d = SEED.model_copy(update=dict(vat_on_line=False, counter_mode=CounterMode.FIXED, counter_account="890000", entry_number_column="N°"))
    r = run(d, """
        | Journal | Date       | N° | Compte | Libellé | Montant débit | Montant crédit |
        | AN      | 01/01/2025 | 1  | 10032  | Client  | 1.210,00      |                |
        | AN      | 01/01/2025 | 1  | 512000 | Banque  | 500,00        |                |
        | AN      | 01/01/2025 | 1  | 20001  | Fourn.  |               | 300,00         |
    """)
    assert lines(r) == [
        ("411000", "10032", D("1210.00"), D("0")),
        ("512000", "", D("500.00"), D("0")),
        ("401000", "20001", D("0"), D("300.00")),
        ("890000", "", D("0"), D("1410.00")),
    ]


# ---------------------------------------------------------------------------
# layouts
# ---------------------------------------------------------------------------

def test_accounts_on_two_columns_with_type_column():
    d = ImportDefinition(journal_column="J", date_column="Date", account_layout=AccountLayout.TWO_COLUMNS, account_column="Général", third_party_column="Tiers", account_type_column="Type", debit_column="Débit", credit_column="Crédit")
    r = run(d, """
        | J  | Date       | Général | Tiers | Type | Débit  | Crédit |
        | AC | 05/02/2025 |         | F001  | C    |        | 120,00 |
        | AC | 05/02/2025 | 606100  |       |      | 100,00 |        |
        | AC | 05/02/2025 | 445660  |       |      | 20,00  |        |
    """)
    assert lines(r) == [("401000", "F001", D("0"), D("120.00")), ("606100", "", D("100.00"), D("0")), ("445660", "", D("20.00"), D("0"))]


def test_accounts_on_three_columns_and_sign_column_with_user_symbols():
    d = PRESETS["paie-banque"]().model_copy(update=dict(debit_symbol="+", credit_symbol="-"))
    r = run(d, """
        | Code journal | Date écriture | N° écriture | Pièce | Libellé | Compte général | Client | Fournisseur | Montant | Sens |
        | BQ1          | 2025-02-10    | 7           | R7    | Règlt   | 512000         |        |             | 1210.00 | +    |
        | BQ1          | 2025-02-10    | 7           | R7    | Règlt   | 411000         | C0042  |             | 1210.00 | -    |
    """)
    assert lines(r) == [("512000", "", D("1210.00"), D("0")), ("411000", "C0042", D("0"), D("1210.00"))]


@pytest.mark.parametrize("amount", ["-1210,00", "1210,00-", "-1 210,00"])
def test_signed_amount_minus_before_or_after(amount):
    d = ONE_LINE.model_copy(update=dict(vat_on_line=False, thousands_separator=" "))
    r = run(d, f"""
        | Journal | Date       | Compte | Libellé | Compte de contrepartie | Montant  |
        | BQ1     | 31/01/2025 | 10032  | Client  | 512000                 | {amount} |
    """)
    assert lines(r) == [("411000", "10032", D("0"), D("1210.00")), ("512000", "", D("1210.00"), D("0"))]


def test_entry_boundaries_on_document_number_and_company():
    d = SEED.model_copy(update=dict(vat_on_line=False, document_ref_column="Pièce", company_column="Société", current_company="ALPHA"))
    r = run(d, """
        | Société | Journal | Date       | Pièce | Compte | Libellé | Montant débit | Montant crédit |
        |         | OD      | 31/01/2025 | A1    | 512000 | x       | 10,00         |                |
        |         | OD      | 31/01/2025 | A1    | 580000 | x       |               | 10,00          |
        | BETA    | OD      | 31/01/2025 | A1    | 512000 | x       | 10,00         |                |
        | BETA    | OD      | 31/01/2025 | A1    | 580000 | x       |               | 10,00          |
        | BETA    | OD      | 31/01/2025 | A2    | 512000 | x       | 5,00          |                |
        | BETA    | OD      | 31/01/2025 | A2    | 580000 | x       |               | 5,00           |
    """)
    assert r.companies() == ["ALPHA", "BETA"]
    assert r.summary.entries_accepted == 3
    assert [e.entry_number for e in r.entries("BETA")] == ["OD000001", "OD000002"]  # one number per rebuilt entry, the journal code first
    assert [(j.company, j.journal, j.lines_read, j.entries_accepted) for j in r.summary.by_journal] == [("ALPHA", "OD", 2, 1), ("BETA", "OD", 4, 2)]


# ---------------------------------------------------------------------------
# rules and alerts (one row that triggers, one that does not)
# ---------------------------------------------------------------------------

def test_unbalanced_entry_is_rejected_whole_and_the_next_one_accepted():
    r = run(SEED.model_copy(update=dict(vat_on_line=False, document_ref_column="Pièce")), """
        | Journal | Date       | Pièce | Compte | Libellé | Montant débit | Montant crédit |
        | OD      | 31/01/2025 | 1     | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 1     | 580000 | x       |               | 9,99           |
        | OD      | 31/01/2025 | 2     | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 2     | 580000 | x       |               | 10,00          |
    """)
    assert ("IMPORT_ENTRY_UNBALANCED" in r.reason_codes) and list(r.rejected) == [0, 1]
    assert (2, "IMPORT_ENTRY_UNBALANCED") in codes(r) and (4, "IMPORT_ENTRY_UNBALANCED") not in codes(r)
    assert r.summary.lines_accepted == 2 and r.summary.lines_rejected == 2


def test_a_bad_line_rejects_its_whole_entry_with_reasons_per_line():
    r = run(SEED.model_copy(update=dict(vat_on_line=False)), """
        | Journal | Date       | Compte | Libellé | Montant débit | Montant crédit |
        | OD      | 31/01/2025 | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 580000 | x       |               | dix            |
        | OD      | 01/02/2025 | 512000 | x       | 10,00         |                |
        | OD      | 01/02/2025 | 580000 | x       |               | 10,00          |
    """)
    assert list(r.rejected) == [0, 1]
    assert r.reason_codes == ("IMPORT_ENTRY_LINE_REJECTED", "AMOUNT_INVALID")
    assert (3, "AMOUNT_INVALID") in codes(r) and (5, "AMOUNT_INVALID") not in codes(r)


def test_invoice_must_start_with_the_third_party():
    r = run(SEED.model_copy(update=dict(vat_on_line=False, document_ref_column="Pièce")), """
        | Journal | Date       | Pièce | Compte | Libellé | Montant débit | Montant crédit |
        | VT      | 31/01/2025 | F1    | 706000 | CA      |               | 1000,00        |
        | VT      | 31/01/2025 | F1    | 10032  | Client  | 1000,00       |                |
        | VT      | 31/01/2025 | F2    | 10032  | Client  | 1000,00       |                |
        | VT      | 31/01/2025 | F2    | 706000 | CA      |               | 1000,00        |
    """)
    assert (2, "IMPORT_INVOICE_FIRST_LINE") in codes(r) and (4, "IMPORT_INVOICE_FIRST_LINE") not in codes(r)
    assert list(r.rejected) == [0, 1]


def test_invoice_vat_after_revenue():
    r = run(SEED.model_copy(update=dict(vat_on_line=False, document_ref_column="Pièce")), """
        | Journal | Date       | Pièce | Compte | Libellé | Montant débit | Montant crédit |
        | VT      | 31/01/2025 | F1    | 10032  | Client  | 1210,00       |                |
        | VT      | 31/01/2025 | F1    | 445710 | TVA     |               | 210,00         |
        | VT      | 31/01/2025 | F1    | 706000 | CA      |               | 1000,00        |
        | VT      | 31/01/2025 | F2    | 10032  | Client  | 1210,00       |                |
        | VT      | 31/01/2025 | F2    | 706000 | CA      |               | 1000,00        |
        | VT      | 31/01/2025 | F2    | 445710 | TVA     |               | 210,00         |
    """)
    assert (4, "IMPORT_INVOICE_ORDER") in codes(r) and (7, "IMPORT_INVOICE_ORDER") not in codes(r)
    assert list(r.rejected) == [0, 1, 2]


def test_bank_before_invoices_of_the_same_month_warns_with_the_recommended_order():
    text = """
        | Journal | Date       | Compte | Libellé | Montant débit | Montant crédit | Montant TVA |
        | BQ1     | 15/01/2025 | 512000 | Règlt   | 1210,00       |                |             |
        | BQ1     | 15/01/2025 | 10032  | Règlt   |               | 1210,00        |             |
        | VT      | 10/01/2025 | 10032  | Client  | 1210,00       |                |             |
        | VT      | 10/01/2025 | 706000 | CA      |               | 1000,00        | 210,00      |
        | BQ1     | 15/02/2025 | 512000 | Règlt   | 100,00        |                |             |
        | BQ1     | 15/02/2025 | 10032  | Règlt   |               | 100,00         |             |
    """
    r = run(SEED, text)
    warn = [a for a in r.alerts if a.code == "IMPORT_ORDER_BANK_BEFORE_INVOICES"]
    assert [(a.row, a.is_blocking) for a in warn] == [(2, False)]
    assert "achats, ventes, banque" in warn[0].message
    assert r.summary.lines_rejected == 0
    headers, rows = table(text)
    good = RawRows.from_records(headers, rows[2:4] + rows[0:2] + rows[4:])
    assert not [a for a in import_entries(good, SEED).alerts if a.code == "IMPORT_ORDER_BANK_BEFORE_INVOICES"]


def test_entry_number_seen_again_is_a_warning():
    d = SEED.model_copy(update=dict(vat_on_line=False, entry_number_column="N°"))
    r = run(d, """
        | Journal | Date       | N° | Compte | Libellé | Montant débit | Montant crédit |
        | OD      | 31/01/2025 | 1  | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 1  | 580000 | x       |               | 10,00          |
        | OD      | 31/01/2025 | 2  | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 2  | 580000 | x       |               | 10,00          |
        | OD      | 31/01/2025 | 1  | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 1  | 580000 | x       |               | 10,00          |
    """)
    assert {(a.row, a.code.value) for a in r.alerts if a.code == "IMPORT_ENTRY_NOT_CONTIGUOUS"} == {(6, "IMPORT_ENTRY_NOT_CONTIGUOUS")}


ROW_CASES = [
    # (code, definition update, header line, bad row, good row)
    ("IMPORT_ACCOUNT_TYPE_INVALID", dict(account_type_mode=AccountTypeMode.TYPE_COLUMN, account_type_column="Type"),
     "| Journal | Date | Compte | Type | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 10032 | X | x | 10,00 | |", "| OD | 31/01/2025 | 10032 | D | x | 10,00 | |"),
    ("IMPORT_ACCOUNT_TYPE_UNKNOWN", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 50000 | x | 10,00 | |", "| OD | 31/01/2025 | 20000 | x | 10,00 | |"),
    ("IMPORT_SIGN_INVALID", dict(amount_mode=AmountMode.SIGN_COLUMN, amount_column="Montant", sign_column="Sens"),
     "| Journal | Date | Compte | Libellé | Montant | Sens |", "| OD | 31/01/2025 | 512000 | x | 10,00 | Z |", "| OD | 31/01/2025 | 512000 | x | 10,00 | D |"),
    ("IMPORT_JOURNAL_MISSING", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| | 31/01/2025 | 512000 | x | 10,00 | |", "| OD | 31/01/2025 | 512000 | x | 10,00 | |"),
    ("IMPORT_COMPANY_UNKNOWN", dict(company_column="Société", companies={"ALPHA": "552100554"}),
     "| Société | Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| GAMMA | OD | 31/01/2025 | 512000 | x | 10,00 | |", "| ALPHA | OD | 31/01/2025 | 512000 | x | 10,00 | |"),
    ("IMPORT_THIRD_PARTY_TWICE", dict(account_layout=AccountLayout.THREE_COLUMNS, customer_column="Client", supplier_column="Fournisseur"),
     "| Journal | Date | Compte | Client | Fournisseur | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | | C1 | F1 | x | 10,00 | |", "| OD | 31/01/2025 | | C1 | | x | 10,00 | |"),
    ("IMPORT_ZERO_AMOUNT", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | 0,00 | |", "| OD | 31/01/2025 | 512000 | x | 1,00 | |"),
    ("DATE_INVALID", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/02/2025 | 512000 | x | 10,00 | |", "| OD | 28/02/2025 | 512000 | x | 10,00 | |"),
    ("DATE_MISSING", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | | 512000 | x | 10,00 | |", "| OD | 28/02/2025 | 512000 | x | 10,00 | |"),
    ("AMOUNT_MISSING", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | | |", "| OD | 31/01/2025 | 512000 | x | 1,00 | |"),
    ("AMOUNT_ROUNDED", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | 1,005 | |", "| OD | 31/01/2025 | 512000 | x | 1,05 | |"),
    ("ENTRY_DEBIT_AND_CREDIT", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | 1,00 | 1,00 |", "| OD | 31/01/2025 | 512000 | x | 1,00 | 0,00 |"),
    ("ENTRY_NEGATIVE_AMOUNT", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | -1,00 | |", "| OD | 31/01/2025 | 512000 | x | 1,00 | |"),
    ("ACCOUNT_MISSING", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | | x | 1,00 | |", "| OD | 31/01/2025 | 512000 | x | 1,00 | |"),
    ("ACCOUNT_INVALID", dict(account_type_mode=AccountTypeMode.TYPE_COLUMN, account_type_column="Type"),
     "| Journal | Date | Compte | Type | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | ABC | G | x | 1,00 | |", "| OD | 31/01/2025 | 512000 | G | x | 1,00 | |"),
    ("AMOUNT_INVALID", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | 1.0.0 | |", "| OD | 31/01/2025 | 512000 | x | 1,00 | |"),
    ("IMPORT_AMOUNT_TOO_LARGE", {}, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit |",
     "| OD | 31/01/2025 | 512000 | x | 1.234.567.890.123.456,00 | |", "| OD | 31/01/2025 | 512000 | x | 999.999.999.999.999,99 | |"),
]


@pytest.mark.parametrize("code,update,header,bad,good", ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_row_alert_triggers_on_the_bad_row_only(code, update, header, bad, good):
    d = SEED.model_copy(update=dict(vat_on_line=False, **update))
    assert check_definition(d) == []
    r = run(d, "\n".join([header, bad, good]))
    assert (2, code) in codes(r)
    assert (3, code) not in codes(r)
    if MESSAGES.get(code, ("BLOQUANT",))[0] == "BLOQUANT" and code not in ("ENTRY_NEGATIVE_AMOUNT", "AMOUNT_ROUNDED", "IMPORT_ZERO_AMOUNT"):
        assert 0 in r.rejected


def test_overlapping_ranges_are_refused_with_a_clear_message():
    d = SEED.model_copy(update=dict(customer_ranges=(AccountRange(start=10000, end=25000),)))
    alerts = check_definition(d)
    assert [a.code for a in alerts] == ["IMPORT_RANGES_OVERLAP"]
    assert "10000-25000" in alerts[0].message and "20000-29999" in alerts[0].message
    assert check_definition(SEED) == []
    r = run(d, "| Journal | Date | Compte | Libellé | Montant débit | Montant crédit | Montant TVA |\n| OD | 31/01/2025 | 512000 | x | 1,00 | | |")
    assert not r.usable and r.summary.lines_read == 0


@pytest.mark.parametrize(
    "update",
    [
        dict(date_column=""),
        dict(amount_mode=AmountMode.SIGN_COLUMN, amount_column="Montant", sign_column=""),
        dict(vat_column=""),
        dict(counter_mode=CounterMode.FIXED, counter_account=""),
        dict(decimal_separator=";"),
        dict(thousands_separator=","  , decimal_separator=","),
        dict(date_format="mm/jj"),
        dict(account_type_mode=AccountTypeMode.TYPE_COLUMN, account_type_column=""),
    ],
)
def test_definition_problems(update):
    assert [a.code for a in check_definition(SEED.model_copy(update=update))] == ["IMPORT_DEFINITION_INVALID"]


def test_missing_column_makes_the_input_unusable():
    r = run(SEED, "| Journal | Date | Compte | Libellé | Montant débit |\n| OD | 31/01/2025 | 512000 | x | 1,00 |")
    assert not r.usable and {a.code for a in r.alerts} == {"IMPORT_COLUMNS_MISSING"}  # crédit and TVA, in one alert


def test_several_missing_columns_are_listed_in_one_alert():
    r = run(SEED, "| Journal | Date | Libellé | Montant débit |\n| OD | 31/01/2025 | x | 1,00 |")
    assert not r.usable and [a.code for a in r.alerts] == ["IMPORT_COLUMNS_MISSING"]
    message = r.alerts[0].message
    for name in ("Compte", "Montant crédit", "Montant TVA"):
        assert message.count(f"« {name} »") == 1
    one = run(SEED, "| Journal | Date | Compte | Libellé | Montant débit | Montant TVA |\n| OD | 31/01/2025 | 512000 | x | 1,00 | |")
    assert [a.code for a in one.alerts] == ["COLUMN_MISSING"]  # a single one keeps the foundation code


def test_every_code_of_the_catalogue_is_tested_here():
    tested = {c[0] for c in ROW_CASES} | {
        "IMPORT_COLUMNS_MISSING",  # test_several_missing_columns_are_listed_in_one_alert
        "IMPORT_NOT_TEXT",  # tests/addin/test_entry_import.py::test_bad_definition_and_bad_files_are_clear_french_errors
        "IMPORT_DEFINITION_INVALID", "IMPORT_RANGES_OVERLAP", "IMPORT_FIELD_COUNT", "IMPORT_ENTRY_UNBALANCED", "IMPORT_ENTRY_LINE_REJECTED",
        "IMPORT_INVOICE_FIRST_LINE", "IMPORT_INVOICE_ORDER", "IMPORT_ENTRY_NOT_CONTIGUOUS", "IMPORT_ORDER_BANK_BEFORE_INVOICES",
        # tests/core/test_entry_import_labels.py
        "IMPORT_ORDER_KIND", "IMPORT_VAT_SIDE", "IMPORT_ACCOUNT_LABEL_UNKNOWN", "IMPORT_PARTY_LABEL_MISSING",
        # tests/addin/test_ledger_fidelity.py::test_integrate_into_the_dossier_fec_is_explicit_ordered_and_undoable
        "INTEGRATE_OPENING_REFUSED", "INTEGRATE_DATE_REFUSED",
        # tests/addin/test_entry_integration_duplicates.py
        "INTEGRATE_DUPLICATE_REFUSED",
    }
    assert set(MESSAGES) <= tested


# ---------------------------------------------------------------------------
# FEC output
# ---------------------------------------------------------------------------

def test_fec_output_equals_the_reference_formatter_and_reads_back():
    d = PRESETS["ligne-unique"]()
    r = run(d, """
        | Société | Journal | Date       | Pièce | Libellé          | Compte | Type | Montant  | Montant TVA | Compte de contrepartie |
        | A       | VT      | 31/01/2025 | F1    | Facture "mars"   | C001   | D    | 1210,00  | -210,00     | 706000                 |
        | A       | AC      | 02/02/2025 | A7    | Achat	fournitures | F009   | C    | -600,00- | -100,00     | 606100                 |
        | B       | BQ1     | 03/02/2025 | R1    | Règlement        | C001   | D    | -1210,00 |             | 512000                 |
    """.replace("-600,00-", "600,00-"))
    assert r.summary.lines_rejected == 0, r.reasons
    for company in r.companies():
        for sep in ("\t", "|"):
            fast = write_fec_table(r.company_table(company), separator=sep)
            assert fast == write_fec(r.frame(company), separator=sep) == reference_fec(r.frame(company), separator=sep)
        ledger = read_fec(write_fec_table(r.company_table(company)))
        assert not [a for a in ledger.alerts if a.is_blocking]
        assert ledger.total_debit_cents() == ledger.total_credit_cents()


def test_render_rows_round_trip_on_the_presets():
    from reglo.core.models import Entry, EntryLine

    e = Entry(journal_code="VT", entry_number="", entry_date=__import__("datetime").date(2025, 3, 1), document_ref="F9", label="Vente", lines=(
        EntryLine(ledger_account="411000", subledger_account="10032", debit=D("1210.00"), label="Vente"),
        EntryLine(ledger_account="706000", credit=D("1000.00"), label="Vente"),
        EntryLine(ledger_account="445710", credit=D("210.00"), label="Vente"),
    ))
    d = PRESETS["ventes"]()
    headers, rows = render_rows([e], d)
    assert rows == [["VT", "01/03/2025", "F9", "Vente", "10032", "", "1.210,00", "", ""], ["VT", "01/03/2025", "F9", "Vente", "706000", "", "", "1.000,00", "210,00"]]
    r = import_entries(RawRows.from_records(headers, rows), d)
    assert [(l.ledger_account, l.debit, l.credit) for l in r.entries()[0].lines] == [(l.ledger_account, l.debit, l.credit) for l in e.lines]


def test_unsplittable_line_is_rejected_as_it_is_and_nothing_else_is_said_about_it():
    headers, rows = table("""
        | Journal | Date       | Compte | Libellé | Montant débit | Montant crédit |
        |         |            |        |         |               |                |
        | OD      | 31/01/2025 | 512000 | x       | 10,00         |                |
        | OD      | 31/01/2025 | 580000 | x       |               | 10,00          |
    """)
    raw = RawRows.from_records(headers, rows, sheet="import.csv")
    raw = RawRows(raw.headers, raw.columns, raw.source_rows, raw.sheet, broken={0: 9}, separator=";")
    r = import_entries(raw, SEED.model_copy(update=dict(vat_on_line=False)))
    assert {(a.row, a.code.value) for a in r.alerts if a.row == 2} == {(2, "IMPORT_FIELD_COUNT")}
    assert (3, "IMPORT_FIELD_COUNT") not in codes(r)
    assert list(r.rejected) == [0] and r.summary.lines_accepted == 2


def test_bulk_lines_equal_the_pydantic_entries_path():
    """The column-wise result, the entries as models and ``reglo.core.entries.entries_to_frame``
    give the same FEC."""
    from reglo.core.entries import entries_to_frame

    d = PRESETS["ligne-unique"]()
    r = run(d, """
        | Société | Journal | Date       | Pièce | Libellé | Compte | Type | Montant  | Montant TVA | Compte de contrepartie |
        | A       | VT      | 31/01/2025 | F1    | Vente   | C001   | D    | 1210,00  | -210,00     | 706000                 |
        | A       | AC      | 02/02/2025 | A7    | Achat   | F009   | C    | 600,00-  | -100,00     | 606100                 |
        | A       | BQ1     | 03/02/2025 | R1    | Règlt   | C001   | D    | -1210,00 |             | 512000                 |
    """)
    assert r.summary.lines_rejected == 0
    entries = r.entries("A")
    assert [len(e.lines) for e in entries] == [3, 3, 2] and all(e.is_balanced for e in entries)
    assert write_fec(entries_to_frame(entries)) == write_fec_table(r.company_table("A")) == reference_fec(r.frame("A"))


def test_headers_match_ignoring_case_spaces_and_accents():
    r = run(SEED, """
        | JOURNAL | date       | compte | Libelle | Montant  debit | MONTANT CRÉDIT | montant tva |
        | VT      | 31/01/2025 | 10032  | Client  | 1.210,00       |                |             |
        | VT      | 31/01/2025 | 706000 | CA      |                | 1000,00        | 210,00      |
    """)
    assert r.usable and r.summary.lines_accepted == 2
