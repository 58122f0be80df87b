"""Entry import: every label filled (CompteLib, CompAuxLib, JournalLib), entry numbers rebuilt
and continued, the VAT sign setting and its side check, the project field, the import order."""
from __future__ import annotations

import pytest

from reglo.core.entry_import import AccountRange, AccountTypeMode, AmountMode, ImportDefinition, RawRows, import_entries
from reglo.core.entry_import.context import ImportContext, next_numbers
from reglo.core.entry_import.definition import VatSign
from reglo.core.entry_import.layout import preset_one_line
from tests.core.test_entry_import import table

D = ImportDefinition(
    journal_column="Journal", date_column="Date", entry_number_column="Num", document_ref_column="Pièce", label_column="Libellé",
    account_column="Compte", account_label_column="Intitulé", account_type_mode=AccountTypeMode.RANGES,
    general_ranges=(AccountRange(start=100000, end=999999),), customer_ranges=(AccountRange(start=10000, end=19999),),
    supplier_ranges=(AccountRange(start=20000, end=29999),), amount_mode=AmountMode.DEBIT_CREDIT, debit_column="Débit", credit_column="Crédit",
    project_column="Projet",
)
HEAD = "| Journal | Date | Num | Pièce | Libellé | Compte | Intitulé | Débit | Crédit | Projet |"


def run(text: str, d: ImportDefinition = D, context: ImportContext | None = None):
    headers, rows = table(text)
    return import_entries(RawRows.from_records(headers, rows, sheet="import.csv"), d, context=context)


def codes(result) -> set[str]:
    return {a.code.value for a in result.alerts}


def test_labels_come_from_the_dossier_then_the_file_then_the_pcg():
    r = run(f"""{HEAD}
        | VT | 31/01/2025 | 12 | F1 | Vente | 10032 | Durand SA | 120,00 | | P1 |
        | VT | 31/01/2025 | 12 | F1 | Vente | 706100 | | | 100,00 | P1 |
        | VT | 31/01/2025 | 12 | F1 | Vente | 445710 | Ma TVA | | 20,00 | P1 |
    """, context=ImportContext(account_labels={"445710": "TVA collectée 20 %"}, journal_labels={}))
    f = r.frame()
    assert list(f["ledger_account_label"]) == ["Clients", "Prestations de services", "TVA collectée 20 %"]
    assert list(f["subledger_label"]) == ["Durand SA", "", ""]
    assert set(f["journal_label"]) == {"Ventes"}
    assert list(r.table["project"].to_pylist()) == ["P1"] * 3
    assert set(f["entry_number"]) == {"VT000001"} and set(f["document_ref"]) == {"F1"}
    assert set(f["label"]) == {"Vente (n° 12)"}  # the source number is kept


def test_party_name_from_tiers_else_the_code_with_a_warning():
    text = f"""{HEAD}
        | AC | 31/01/2025 | 1 | A1 | Achat | 20001 | | | 60,00 | |
        | AC | 31/01/2025 | 1 | A1 | Achat | 606400 | | 60,00 | | |
    """
    r = run(text)
    assert list(r.frame()["subledger_label"]) == ["20001", ""] and "IMPORT_PARTY_LABEL_MISSING" in codes(r)
    r = run(text, context=ImportContext(party_labels={"20001": "Papeterie Martin"}))
    assert list(r.frame()["subledger_label"]) == ["Papeterie Martin", ""] and "IMPORT_PARTY_LABEL_MISSING" not in codes(r)


def test_an_account_no_label_names_rejects_its_entry():
    r = run(f"""{HEAD}
        | OD | 31/01/2025 | 1 | P1 | Divers | 999999 | | 10,00 | | |
        | OD | 31/01/2025 | 1 | P1 | Divers | 512000 | Banque | | 10,00 | |
    """)
    assert r.summary.entries_rejected == 1 and r.reason_codes == ("IMPORT_ACCOUNT_LABEL_UNKNOWN",) * 2
    assert "999999" in r.reasons[0]


def test_entry_numbers_continue_the_target_journal():
    r = run(f"""{HEAD}
        | BQ | 31/01/2025 | | R1 | Loyer | 613200 | | 10,00 | | |
        | BQ | 31/01/2025 | | R1 | Loyer | 512000 | | | 10,00 | |
        | BQ | 28/02/2025 | | R2 | Loyer | 613200 | | 10,00 | | |
        | BQ | 28/02/2025 | | R2 | Loyer | 512000 | | | 10,00 | |
    """, context=ImportContext(last_numbers={"BQ": "BQ000041"}))
    assert list(r.frame()["entry_number"]) == ["BQ000042", "BQ000042", "BQ000043", "BQ000043"]


@pytest.mark.parametrize("last, expected", [(None, ["1", "2"]), ("", ["1", "2"]), ("VT0099", ["VT0100", "VT0101"]), ("2025-7", ["2025-8", "2025-9"]), ("ABC", ["ABC-1", "ABC-2"])])
def test_next_numbers(last, expected):
    assert next_numbers(last, 2) == expected


ONE = "| Journal | Date | Pièce | Libellé | Compte | Type | Montant | Montant TVA | Compte de contrepartie |"


def _one(**update) -> ImportDefinition:
    return preset_one_line().model_copy(update={"company_column": "", **update})


@pytest.mark.parametrize("setting, vat, ok", [
    (VatSign.SAME_SIDE, "-20,00", True), (VatSign.SAME_SIDE, "20,00", False),
    (VatSign.SIGNED, "20,00", True), (VatSign.SIGNED, "-20,00", False),
    (VatSign.ALWAYS_POSITIVE, "20,00", False), (VatSign.ALWAYS_POSITIVE, "-20,00", False),
])
def test_vat_sign_setting_and_side_check_on_a_purchase(setting, vat, ok):
    """The supplier line (credit 120): deductible VAT must be a debit."""
    r = run(f"""{ONE}
        | AC | 31/01/2025 | A1 | Achat | F001 | C | 120,00- | {vat} | 606400 |
    """, _one(vat_sign=setting))
    if ok:
        f = r.frame()
        assert r.summary.entries_rejected == 0, r.reasons
        assert list(f.loc[f["ledger_account"] == "445660", "debit"]) == [2000]
        assert list(f.loc[f["ledger_account"] == "606400", "debit"]) == [10000]
    else:
        assert r.reason_codes == ("IMPORT_VAT_SIDE",)


def test_a_purchase_credit_note_is_recognised():
    r = run(f"""{ONE}
        | AC | 31/01/2025 | AV1 | Avoir | F001 | C | 120,00 | 20,00- | 606400 |
    """, _one(vat_sign=VatSign.SIGNED))
    f = r.frame()
    assert r.summary.entries_rejected == 0, r.reasons
    assert list(f.loc[f["ledger_account"] == "445660", "credit"]) == [2000]


def test_sales_vat_on_the_debit_side_is_blocking():
    r = run(f"""{ONE}
        | VT | 31/01/2025 | F1 | Vente | C001 | D | 120,00 | 20,00 | 706000 |
    """, _one())
    assert r.reason_codes == ("IMPORT_VAT_SIDE",)


def test_import_order_follows_the_seed():
    r = run(f"""{HEAD}
        | OD | 31/01/2025 | 1 | P1 | Loyer | 613200 | | 10,00 | | |
        | OD | 31/01/2025 | 1 | P1 | Loyer | 512000 | | | 10,00 | |
        | VT | 31/01/2025 | 2 | F1 | Vente | 10032 | Durand | 10,00 | | |
        | VT | 31/01/2025 | 2 | F1 | Vente | 706000 | | | 10,00 | |
        | AN | 01/01/2025 | 3 | AN | Reprise | 512000 | | 10,00 | | |
        | AN | 01/01/2025 | 3 | AN | Reprise | 101300 | | | 10,00 | |
    """)
    order = [a for a in r.alerts if a.code.value == "IMPORT_ORDER_KIND"]
    assert len(order) == 2
    assert "à-nouveaux" in order[1].message and "balance d'ouverture" in order[1].message
    assert "ventes" in order[0].message and "autres" in order[0].message
