"""Reading the dossier's sheets leniently (reglo.core.dossier.ingest_dossier): one test per alert code,
with a row that triggers it and the clean base that does not."""
from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal

import pytest

from reglo.core.alerts import Severity
from reglo.core.dossier import (
    BANKS_SHEET,
    COMPANY_SHEET,
    INVOICES_SHEET,
    MANDATES_SHEET,
    PARTIES_SHEET,
    SHEETS,
    SITES_SHEET,
    SalesInvoice,
    SheetData,
    cell_date,
    cell_text,
    ingest_dossier,
)
from reglo.core.models import AccountKind, PaymentMethod, SequenceType

IBAN_OK = "FR76 3000 4000 0112 3456 7890 173"  # BNP Paribas, RIB key 73
_BAD_BBAN = "30004000011234567890174"  # RIB key 74 instead of 73, IBAN check digits recomputed
IBAN_BAD_KEY = f"FR{98 - int(''.join(str(int(c, 36)) for c in _BAD_BBAN + 'FR00')) % 97:02d}{_BAD_BBAN}"


def _sheet(name: str, rows: list[list]) -> SheetData:
    headers = SHEETS[name]
    return SheetData(name=name, headers=list(headers), rows=[(i, dict(zip(headers, r))) for i, r in enumerate(rows, start=2)])


def base_rows() -> dict[str, list[list]]:
    return {
        COMPANY_SHEET: [["Raison sociale", "Batiroc Construction SAS"], ["SIREN", "732829320"], ["Rue", "12 rue des Artisans"], ["Code postal", "44120"],
                        ["Ville", "Vertou"], ["Pays", "FR"], ["Début d'exercice", datetime(2025, 1, 1)], ["Fin d'exercice", "31/12/2025"]],
        PARTIES_SHEET: [
            ["C001", "Client", "Atlantique Habitat", "411000", "1 rue A", "44000", "Nantes", "FR", IBAN_OK, "BNPAFRPPXXX", "BQ1", "Virement", 50, None, "732829320", "a@b.fr"],
            ["C002", "Client", "Atlantique Habitat Nord", "411000", "2 rue B", 44300.0, "Nantes", "FR", None, None, "BQ1", "Prélèvement", 10, "C001", None, None],
            ["F001", "Fournisseur", "Béton Prêt", "401000", "3 rue C", "85000", "La Roche-sur-Yon", "FR", IBAN_OK, None, "BQ1", "VIR", "5", None, None, None],
        ],
        BANKS_SHEET: [["BQ1", "CIC", "512100", IBAN_OK, "BNPAFRPPXXX", "FR72ZZZ123456", 250000]],
        MANDATES_SHEET: [["C002", "BATIROC-C002-2023", datetime(2023, 5, 4), "RCUR", "CORE", IBAN_OK]],
        SITES_SHEET: [["CH25-001", "Résidence", "C001", "Rezé"]],
        INVOICES_SHEET: [
            ["FA25-0001", "C001", datetime(2025, 1, 31), datetime(2025, 3, 15), 1000, 200, 1200, "CH25-001"],
            ["AV25-0001", "C001", "15/02/2025", None, "-100,00", "-20,00", "-120,00", None],
        ],
    }


def ingest(rows: dict[str, list[list] | None]):
    return ingest_dossier({name: (_sheet(name, r) if r is not None else None) for name, r in rows.items()})


def test_clean_base_has_no_alert_and_builds_the_models():
    result = ingest(base_rows())
    assert result.alerts == []
    d = result.dossier
    assert d.company.siren == "732829320" and d.company.fiscal_year_end == date(2025, 12, 31)
    assert d.company.bank_accounts[0].creditor_id == "FR72ZZZ123456" and d.company.bank_accounts[0].daily_limit == Decimal("250000.00")
    c2 = d.party("C002")
    assert c2.kind == AccountKind.CUSTOMER and c2.head_office_code == "C001" and c2.address.postcode == "44300"
    assert c2.payment_method == PaymentMethod.DIRECT_DEBIT and c2.mandates[0].sequence_type == SequenceType.RECURRING
    assert c2.mandates[0].source_row == 2 and c2.source_row == 3
    assert d.party("F001").payment_method == PaymentMethod.CREDIT_TRANSFER and d.party("F001").priority == 5
    inv = d.invoice("AV25-0001")
    assert isinstance(inv, SalesInvoice) and inv.is_credit_note and inv.gross == Decimal("-120.00")
    assert d.invoice("FA25-0001").job_site_code == "CH25-001"


def _set(rows, sheet, row_index, header, value):
    rows[sheet][row_index][SHEETS[sheet].index(header)] = value


CASES = [
    # (code, severity, sheet, excel row, column, mutation)
    ("DOSSIER_COMPANY_VALUE", "BLOQUANT", COMPANY_SHEET, 2, "Valeur", lambda r: r[COMPANY_SHEET][0].__setitem__(1, "")),
    ("DOSSIER_FISCAL_YEAR", "BLOQUANT", COMPANY_SHEET, 8, "Valeur", lambda r: r[COMPANY_SHEET][6].__setitem__(1, "01/01/2026")),
    ("SIREN_INVALID", "BLOQUANT", COMPANY_SHEET, 3, "Valeur", lambda r: r[COMPANY_SHEET][1].__setitem__(1, "732829321")),
    ("DOSSIER_CODE_MISSING", "BLOQUANT", PARTIES_SHEET, 3, "Code tiers", lambda r: _set(r, PARTIES_SHEET, 1, "Code tiers", None)),
    ("DOSSIER_CODE_DUPLICATE", "BLOQUANT", PARTIES_SHEET, 4, "Code tiers", lambda r: _set(r, PARTIES_SHEET, 2, "Code tiers", "C001")),
    ("DOSSIER_PARTY_TYPE", "BLOQUANT", PARTIES_SHEET, 4, "Type", lambda r: _set(r, PARTIES_SHEET, 2, "Type", "Prestataire")),
    ("DOSSIER_CONTROL_ACCOUNT", "BLOQUANT", PARTIES_SHEET, 4, "Compte collectif", lambda r: _set(r, PARTIES_SHEET, 2, "Compte collectif", "411000")),
    ("DOSSIER_NAME_MISSING", "BLOQUANT", PARTIES_SHEET, 4, "Raison sociale", lambda r: _set(r, PARTIES_SHEET, 2, "Raison sociale", "  ")),
    ("DOSSIER_PAYMENT_METHOD", "AVERTISSEMENT", PARTIES_SHEET, 4, "Mode de règlement", lambda r: _set(r, PARTIES_SHEET, 2, "Mode de règlement", "Troc")),
    ("DOSSIER_PRIORITY", "AVERTISSEMENT", PARTIES_SHEET, 4, "Priorité", lambda r: _set(r, PARTIES_SHEET, 2, "Priorité", 120)),
    ("DOSSIER_HEAD_OFFICE_UNKNOWN", "AVERTISSEMENT", PARTIES_SHEET, 3, "Centrale", lambda r: _set(r, PARTIES_SHEET, 1, "Centrale", "C999")),
    ("DOSSIER_BANK_UNKNOWN", "AVERTISSEMENT", PARTIES_SHEET, 4, "Banque par défaut", lambda r: _set(r, PARTIES_SHEET, 2, "Banque par défaut", "BQ9")),
    ("DOSSIER_POSTCODE_PADDED", "AVERTISSEMENT", PARTIES_SHEET, 4, "Code postal", lambda r: _set(r, PARTIES_SHEET, 2, "Code postal", 1000.0)),
    ("RIB_KEY", "BLOQUANT", PARTIES_SHEET, 2, "IBAN", lambda r: _set(r, PARTIES_SHEET, 0, "IBAN", IBAN_BAD_KEY)),
    ("IBAN_INVALID", "BLOQUANT", PARTIES_SHEET, 2, "IBAN", lambda r: _set(r, PARTIES_SHEET, 0, "IBAN", "FR76 3000 4000")),
    ("BIC_IBAN_MISMATCH", "BLOQUANT", PARTIES_SHEET, 2, "BIC", lambda r: _set(r, PARTIES_SHEET, 0, "BIC", "SOGEFRPPXXX")),
    ("SIREN_INVALID", "AVERTISSEMENT", PARTIES_SHEET, 2, "SIREN", lambda r: _set(r, PARTIES_SHEET, 0, "SIREN", "123456789")),
    ("IBAN_MISSING", "BLOQUANT", BANKS_SHEET, 2, "IBAN", lambda r: _set(r, BANKS_SHEET, 0, "IBAN", "")),
    ("CREDITOR_ID_INVALID", "BLOQUANT", BANKS_SHEET, 2, "ICS", lambda r: _set(r, BANKS_SHEET, 0, "ICS", "FR00ZZZ123456")),
    ("ACCOUNT_INVALID", "BLOQUANT", BANKS_SHEET, 2, "Compte", lambda r: _set(r, BANKS_SHEET, 0, "Compte", "BANQUE")),
    ("AMOUNT_INVALID", "BLOQUANT", BANKS_SHEET, 2, "Plafond", lambda r: _set(r, BANKS_SHEET, 0, "Plafond", "beaucoup")),
    ("DOSSIER_UNKNOWN_PARTY", "BLOQUANT", MANDATES_SHEET, 2, "Code tiers", lambda r: _set(r, MANDATES_SHEET, 0, "Code tiers", "C404")),
    ("DOSSIER_MANDATE_ID", "BLOQUANT", MANDATES_SHEET, 2, "RUM", lambda r: _set(r, MANDATES_SHEET, 0, "RUM", "RUM#1*")),
    ("DATE_MISSING", "BLOQUANT", MANDATES_SHEET, 2, "Date de signature", lambda r: _set(r, MANDATES_SHEET, 0, "Date de signature", None)),
    ("DATE_INVALID", "BLOQUANT", MANDATES_SHEET, 2, "Date de signature", lambda r: _set(r, MANDATES_SHEET, 0, "Date de signature", "31/02/2023")),
    ("DOSSIER_SEQUENCE", "AVERTISSEMENT", MANDATES_SHEET, 2, "Séquence", lambda r: _set(r, MANDATES_SHEET, 0, "Séquence", "SECOND")),
    ("DOSSIER_SCHEME", "AVERTISSEMENT", MANDATES_SHEET, 2, "Schéma", lambda r: _set(r, MANDATES_SHEET, 0, "Schéma", "COR1")),
    ("DOSSIER_UNKNOWN_CUSTOMER", "AVERTISSEMENT", SITES_SHEET, 2, "Code client", lambda r: _set(r, SITES_SHEET, 0, "Code client", "F001")),
    ("DOSSIER_CODE_DUPLICATE", "BLOQUANT", INVOICES_SHEET, 3, "N° facture", lambda r: _set(r, INVOICES_SHEET, 1, "N° facture", "FA25-0001")),
    ("DOSSIER_INVOICE_TOTAL", "BLOQUANT", INVOICES_SHEET, 2, "Montant TTC", lambda r: _set(r, INVOICES_SHEET, 0, "Montant TTC", 1201)),
    ("DOSSIER_UNKNOWN_JOB_SITE", "AVERTISSEMENT", INVOICES_SHEET, 2, "Code chantier", lambda r: _set(r, INVOICES_SHEET, 0, "Code chantier", "CH99")),
    ("AMOUNT_MISSING", "BLOQUANT", INVOICES_SHEET, 2, "Montant TTC", lambda r: _set(r, INVOICES_SHEET, 0, "Montant TTC", None)),
    ("AMOUNT_ROUNDED", "AVERTISSEMENT", INVOICES_SHEET, 2, "Montant HT", lambda r: (_set(r, INVOICES_SHEET, 0, "Montant HT", 1000.004))),
    ("DATE_INVALID", "BLOQUANT", INVOICES_SHEET, 2, "Échéance", lambda r: _set(r, INVOICES_SHEET, 0, "Échéance", "bientôt")),
]


@pytest.mark.parametrize("code,severity,sheet,row,column,mutate", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_each_alert_points_at_its_cell(code, severity, sheet, row, column, mutate):
    rows = copy.deepcopy(base_rows())
    mutate(rows)
    result = ingest(rows)
    hits = [a for a in result.alerts if a.code == code]
    assert hits, [a.code for a in result.alerts]
    a = hits[0]
    assert (a.sheet, a.row, a.column, a.severity) == (sheet, row, column, Severity(severity))


def test_rejected_rows_are_left_out_and_accepted_ones_kept():
    rows = copy.deepcopy(base_rows())
    _set(rows, PARTIES_SHEET, 2, "Type", "Prestataire")  # F001 rejected
    _set(rows, MANDATES_SHEET, 0, "RUM", "RUM#1*")  # mandate rejected
    _set(rows, INVOICES_SHEET, 0, "Montant TTC", 1201)  # invoice rejected
    _set(rows, SITES_SHEET, 0, "Code client", "C404")  # site kept with a warning
    d = ingest(rows).dossier
    assert d.party("F001") is None and d.party("C002").mandates == ()
    assert d.invoice("FA25-0001") is None and d.invoice("AV25-0001") is not None
    assert d.job_sites[0].customer_code == "C404"


def test_missing_sheets_and_columns():
    rows = base_rows()
    rows[MANDATES_SHEET] = None
    result = ingest(rows)
    assert [(a.code, a.sheet, a.severity) for a in result.alerts] == [("DOSSIER_SHEET_OPTIONAL_MISSING", MANDATES_SHEET, Severity.WARNING)]
    assert result.dossier is not None

    rows = base_rows()
    rows[PARTIES_SHEET] = None
    result = ingest(rows)
    assert result.dossier is None and [a.code for a in result.alerts] == ["SHEET_MISSING"]

    data = {name: _sheet(name, r) for name, r in base_rows().items()}
    data[INVOICES_SHEET] = SheetData(INVOICES_SHEET, ["N° facture", "Code client", "Date facture"], [])
    result = ingest_dossier(data)
    assert [(a.code, a.column, a.row) for a in result.alerts] == [("COLUMN_MISSING", "Montant TTC", 1)]
    assert result.dossier.invoices == ()


def test_headers_match_whatever_the_case_and_accents():
    data = {name: _sheet(name, r) for name, r in base_rows().items()}
    inv = data[INVOICES_SHEET]
    renamed = ["n° FACTURE", "code client", "DATE FACTURE", "echeance", "montant ht", "tva", "MONTANT  TTC", "code chantier"]
    data[INVOICES_SHEET] = SheetData(INVOICES_SHEET, renamed, [(row, dict(zip(renamed, values.values()))) for row, values in inv.rows])
    result = ingest_dossier(data)
    assert result.alerts == [] and len(result.dossier.invoices) == 2


def test_cell_helpers():
    assert cell_text(44120.0) == "44120" and cell_text(None) == "" and cell_text("  a  b ") == "a b"
    assert cell_date(45658) == date(2025, 1, 1) and cell_date("2025-03-01") == date(2025, 3, 1) and cell_date("") is None
    with pytest.raises(ValueError):
        cell_date("32/01/2025")
