"""Supplier transfers through the CLI (``reglo.addin.entrypoints.cli.main``) on files, and through the ribbon
handlers on xlwings' remote engine (``tests/conftest.py::make_book``)."""
from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

import reglo.addin.shell.transfers as at
from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.handlers import load_all
from reglo.addin.shell.register import PaymentRegister
from reglo.core.writers.pain001 import validate_pain001
from tests.addin.transfer_helpers import book_entries, make_dossier, replay, table
from tests.conftest import make_book
from tests.core.transfer_fixtures import debit

NOW = "2023-03-31T10:00:00"


def preview_rows(path: Path) -> list[dict]:
    wb = load_workbook(path)
    ws = wb[at.PREVIEW_SHEET]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if "Clé" in r)
    return [dict(zip(rows[h], r)) for r in rows[h + 1:] if r[rows[h].index("Clé")]]


def set_preview(path: Path, document: str, **values) -> None:
    wb = load_workbook(path)
    ws = wb[at.PREVIEW_SHEET]
    rows = list(ws.iter_rows())
    h = next(i for i, r in enumerate(rows) if any(c.value == "Clé" for c in r))
    names = [c.value for c in rows[h]]
    for r in rows[h + 1:]:
        if r[names.index("Pièce")].value == document:
            for k, v in values.items():
                r[names.index(k)].value = v
    wb.save(path)


@pytest.fixture
def dossier(tmp_path):
    return make_dossier(tmp_path / "dossier")


def _import(wb, dossier, *extra):
    return main(["transfers", "import", str(wb), "--dossier", str(dossier), "--period", "2023-03", "--debits", "--execution-date", "31/03/2023", "--now", NOW, *extra])


def test_cli_seed_example_end_to_end(dossier, tmp_path, capsys):
    """The product example on files: edit 1 200 → 1 000, generate on 31/03/2023, book the
    entries, re-import March 2023: the invoice 1 200 € and the payment −1 000 €."""
    wb = tmp_path / "virements.xlsx"
    assert _import(wb, dossier, "--version", "09") == 0
    out = capsys.readouterr().out
    rows = preview_rows(wb)
    assert [(r["Bénéficiaire"], r["Pièce"], r["Montant"], r["Sélection"]) for r in rows] == [("F001", "FA-2023-031", 1200, "Oui"), ("F002", "R-77", 70.1, "Oui")]
    assert "ligne(s) importée(s)" in out
    set_preview(wb, "FA-2023-031", Montant=1000)
    before = tmp_path / "copie-avant-generation.xlsx"
    before.write_bytes(wb.read_bytes())
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    xml = dossier / "virements" / "VIR20230331100000.xml"
    assert validate_pain001(xml.read_bytes(), "pain.001.001.09") == []
    assert b"<CtrlSum>1070.10</CtrlSum>" in xml.read_bytes()
    reg = PaymentRegister.beside(dossier)
    (batch,) = reg.batches(kind="virement")
    assert batch.file_name == xml.name and batch.reference == "VIR20230331100000" and len(batch.file_hash) == 64
    lines = {l.document_ref: l for l in reg.lines(batch.id)}
    assert (lines["FA-2023-031"].amount_cents, lines["FA-2023-031"].original_cents) == (100000, 120000)
    book = load_workbook(wb)
    assert {"Virements", "Écritures", "Prévisualisation virements", "Paramètres virements"} <= set(book.sheetnames)
    vir = [r for r in book["Virements"].iter_rows(values_only=True)]
    assert all(v >= 0 for r in vir for v in r if isinstance(v, (int, float)))  # never a negative transfer

    # generating twice from the same preview pays nothing the second time
    capsys.readouterr()
    assert main(["transfers", "generate", str(before), "--now", "2023-03-31T10:05:00"]) == 0
    out = capsys.readouterr().out
    assert "ALREADY_PAID" in out and "NOTHING_SELECTED" in out
    assert main(["transfers", "generate", str(wb), "--now", "2023-03-31T10:06:00"]) == 0  # the refreshed preview: paid lines unselected
    assert "NOTHING_SELECTED" in capsys.readouterr().out
    assert len(reg.batches(kind="virement")) == 1 and sorted(p.name for p in (dossier / "virements").glob("*.xml")) == [xml.name]

    book_entries(dossier, next((dossier / "virements").glob("*FEC*-VIR20230331100000.txt")).read_bytes())
    assert _import(wb, dossier) in (0, 1)
    again = preview_rows(wb)
    f001 = [(r["Type"], r["Montant"], r["Montant d'origine"]) for r in again if r["Bénéficiaire"] == "F001"]
    assert f001 == [("Facture", 1200, 1200), ("Débit", -1000, -1000)]
    assert not [r for r in again if r["Bénéficiaire"] == "F002"]  # paid in full


def test_cli_cancel_makes_invoices_payable_again(dossier, tmp_path, capsys):
    wb = tmp_path / "v.xlsx"
    _import(wb, dossier)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    _import(wb, dossier)
    assert preview_rows(wb) == []
    assert main(["transfers", "cancel", "VIR20230331100000.xml", "--dossier", str(dossier), "--reason", "rejet banque"]) == 0
    assert "TRANSFER_FILE_CANCELLED" in capsys.readouterr().out
    _import(wb, dossier)
    assert [r["Pièce"] for r in preview_rows(wb)] == ["FA-2023-031", "R-77"]
    assert main(["transfers", "cancel", "VIR-NOPE", "--dossier", str(dossier)]) == 1
    assert "TRANSFER_FILE_UNKNOWN" in capsys.readouterr().out


def test_cli_version_03_unitaire_and_bad_input(dossier, tmp_path, capsys):
    wb = tmp_path / "v.xlsx"
    _import(wb, dossier, "--version", "03", "--booking", "unitaire")
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    xml = (dossier / "virements" / "VIR20230331100000.xml").read_bytes()
    assert validate_pain001(xml, "pain.001.001.03") == [] and b"<BtchBookg>false</BtchBookg>" in xml
    book = load_workbook(wb)
    ecr = [r for r in book["Écritures"].iter_rows(values_only=True)][1:]
    assert len({r[2] for r in ecr}) == 2  # one entry per transfer (remise unitaire)
    assert main(["transfers", "show", str(tmp_path / "absent.xlsx")]) == 2
    assert main(["transfers", "import", str(wb), "--period", "mars"]) == 2
    assert main(["transfers", "import", str(wb), "--dossier", str(tmp_path / "nowhere"), "--period", "2023-03"]) == 2


def test_cli_blocking_rules_stop_the_file(dossier, tmp_path, capsys):
    make_dossier(dossier, debit("20", "F001", "AC-1", "1500.00", day="2023-02-01"))
    wb = tmp_path / "v.xlsx"
    _import(wb, dossier)
    rows = preview_rows(wb)
    assert [(r["Pièce"], r["Sélection"]) for r in rows if r["Bénéficiaire"] == "F001"] == [("FA-2023-031", "Non"), ("AC-1", "Non")]
    set_preview(wb, "FA-2023-031", Sélection="Oui")
    set_preview(wb, "AC-1", Sélection="Oui")
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 1
    out = capsys.readouterr().out
    assert "BENEFICIARY_TOTAL_NOT_POSITIVE" in out and not (dossier / "virements").exists()
    book = load_workbook(wb)
    assert "Contrôle" in book.sheetnames


def test_cli_execution_date_in_the_past_is_blocking(dossier, tmp_path, capsys):
    wb = tmp_path / "v.xlsx"
    _import(wb, dossier)
    assert main(["transfers", "generate", str(wb), "--execution-date", "30/03/2023", "--now", NOW]) == 1
    assert "EXECUTION_DATE_PAST" in capsys.readouterr().out


# --- ribbon handlers on xlwings' remote engine ------------------------------------------

def _params_sheet(dossier: Path, **extra) -> list[list]:
    rows = [["Paramètre", "Valeur"], ["Dossier", str(dossier)], ["Période du", "2023-03-01T00:00:00.000Z"], ["Période au", "2023-03-31T00:00:00.000Z"],
            ["Importer les débits non lettrés", "Oui"], ["Date d'exécution demandée", "31/03/2023"], ["Version", "pain.001.001.09"]]
    rows += [[k, v] for k, v in extra.items()]
    return rows


def test_handlers_registered_in_their_ribbon_group():
    handlers = load_all()
    mine = {t: h for t, h in handlers.items() if h.group == "Virements fournisseurs"}
    assert {h.label for h in mine.values()} == {"Importer", "Afficher", "Générer le fichier", "Annuler un fichier"}


def test_handlers_import_show_generate_on_remote_engine(dossier, monkeypatch):
    monkeypatch.setattr(at, "now", lambda: datetime(2023, 3, 31, 10, 0, 0))
    handlers = load_all()
    base = {"Paramètres virements": _params_sheet(dossier)}
    book = make_book(base)
    res = handlers["transfers_import"].func(book)
    assert "2 ligne(s) importée(s)" in res.summary
    state = replay(book, base)
    preview = table(state, at.PREVIEW_SHEET)
    lines = [r for r in preview if r["Clé"]]
    assert [(r["Bénéficiaire"], r["Montant"]) for r in lines] == [("F001", 1200.0), ("F002", 70.1)]
    assert any(str(r["Bénéficiaire"]).startswith("Total") for r in preview)

    # the user edits the amount of F001 and deselects F002, then « Afficher »
    for r in state[at.PREVIEW_SHEET]:
        if "FA-2023-031" in r:
            r[13] = 1000.0
        if "R-77" in r:
            r[14] = "Non"
    (dossier / "virements").mkdir()
    for p in dossier.iterdir():  # the ledger changes: « Afficher » must not re-import
        if "FEC" in p.name:
            p.write_bytes(p.read_bytes().replace(b"R-77", b"R-78"))
    book2 = make_book(state)
    res = handlers["transfers_show"].func(book2)
    assert "sans réimport" in res.summary
    shown = [r for r in table(replay(book2, state), at.PREVIEW_SHEET) if r["Clé"]]
    assert [(r["Pièce"], r["Montant"], r["Sélection"]) for r in shown] == [("FA-2023-031", 1000.0, "Oui"), ("R-77", 70.1, "Non")]
    assert {r["Bénéficiaire"] for r in shown} == {"F001", "F002"}
    listed = [r for r in table(replay(book2, state), at.PREVIEW_SHEET) if not r["Clé"]]
    assert ("F003", "Aucune ligne à payer sur la période") in {(r["Bénéficiaire"], r["Statut"]) for r in listed}  # every beneficiary listed
    assert "AMOUNT_EDITED" in {a.code.value for a in res.alerts}

    res = handlers["transfers_generate"].func(make_book(state))
    assert not [a for a in res.alerts if a.is_blocking], res.alerts
    xml = dossier / "virements" / "VIR20230331100000.xml"
    assert xml.exists() and validate_pain001(xml.read_bytes(), "pain.001.001.09") == []
    assert b"<InstdAmt Ccy=\"EUR\">1000.00</InstdAmt>" in xml.read_bytes() and b"R-77" not in xml.read_bytes()

    # « Afficher » after generation: the paid line is marked, still listed
    book3 = make_book(state)
    handlers["transfers_show"].func(book3)
    shown = [r for r in table(replay(book3, state), at.PREVIEW_SHEET) if r["Clé"]]
    assert shown[0]["Statut"].startswith("Payé (VIR20230331100000.xml") and shown[0]["Sélection"] == "Non"

    # a second generation from the same preview pays nothing
    res = handlers["transfers_generate"].func(make_book(state))
    assert {"ALREADY_PAID", "NOTHING_SELECTED"} <= {a.code.value for a in res.alerts}
    assert len(PaymentRegister.beside(dossier).batches(kind="virement")) == 1

    # « Annuler un fichier » from the parameters sheet
    state[at.PARAMS_SHEET] += [["Fichier à annuler", "VIR20230331100000.xml", ""], ["Motif d'annulation", "rejet banque", ""]]
    res = handlers["transfers_cancel"].func(make_book(state))
    assert "annulé" in res.summary
    assert PaymentRegister.beside(dossier).batches(kind="virement")[0].status == "cancelled"


def test_handlers_show_and_generate_without_import(dossier):
    handlers = load_all()
    book = make_book({"Paramètres virements": _params_sheet(dossier)})
    for tag in ("transfers_show", "transfers_generate"):
        res = handlers[tag].func(book)
        assert {a.code.value for a in res.alerts} == {"PREVIEW_MISSING"}


def test_handler_import_creates_the_parameters_sheet():
    handlers = load_all()
    book = make_book({"Feuil1": [[""]]})
    res = handlers["transfers_import"].func(book)
    assert "TRANSFER_PARAM_MISSING" in {a.code.value for a in res.alerts}
    state = replay(book, {"Feuil1": [[""]]})
    labels = [r[0] for r in state[at.PARAMS_SHEET]]
    for label in ("Période du", "Période au", "Journaux", "Racines des comptes (autres que fournisseurs)", "Importer les débits non lettrés",
                  "Banque émettrice : IBAN", "Banque émettrice : BIC", "Banque émettrice : nom", "Date d'exécution demandée", "Remise", "Version"):
        assert label in labels


def test_handler_bad_parameters(dossier):
    handlers = load_all()
    rows = _params_sheet(dossier) + [["Version", "pain.001.001.42"], ["Remise", "les deux"]]
    rows[2][1] = "31/02/2023"
    res = handlers["transfers_import"].func(make_book({"Paramètres virements": rows}))
    codes = [a.code.value for a in res.alerts]
    assert codes.count("TRANSFER_PARAM_INVALID") == 3 and "rien n'a été importé" in res.summary
    ok = handlers["transfers_import"].func(make_book({"Paramètres virements": _params_sheet(dossier)}))
    assert "TRANSFER_PARAM_INVALID" not in {a.code.value for a in ok.alerts}


def test_xsd_failure_writes_nothing_and_records_nothing(dossier, tmp_path, monkeypatch, capsys):
    wb = tmp_path / "v.xlsx"
    _import(wb, dossier)
    monkeypatch.setattr(at, "check_pain001", lambda data, version: ["ligne 1 : élément inattendu"])
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 1
    assert "XSD_INVALID" in capsys.readouterr().out
    assert not (dossier / "virements").exists() and PaymentRegister.beside(dossier).batches() == []


def _break_parties(dossier: Path) -> None:
    """F001: IBAN with a wrong key; F002: a BIC that contradicts its German IBAN."""
    path = dossier / "dossier.xlsx"
    wb = load_workbook(path)
    ws = wb["Tiers"]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        if r[0].value == "F001":
            r[head.index("IBAN")].value = "FR76 3000 6000 0112 3456 7890 180"
        if r[0].value == "F002":
            r[head.index("BIC")].value = "BNPAFRPPXXX"
    wb.save(path)


def test_party_problems_block_only_the_selected_beneficiaries(dossier, tmp_path, capsys):
    """A dossier problem of a deselected supplier is a warning; the file goes for the others."""
    _break_parties(dossier)
    wb = tmp_path / "v.xlsx"
    assert _import(wb, dossier) == 1  # both beneficiaries selected: both blocked
    out = capsys.readouterr().out
    assert "IBAN_INVALID" in out and "BIC_IBAN_MISMATCH" in out
    book = load_workbook(wb)
    control = [r for r in book["Contrôle"].iter_rows(values_only=True)]
    f002_row = next(i for i, r in enumerate(book[at.PREVIEW_SHEET].iter_rows(values_only=True), start=1) if r[7] == "R-77")
    assert any(r[0] == at.PREVIEW_SHEET and f'"B{f002_row}"' in str(r[1]) and r[3] == "BIC_IBAN_MISMATCH" and r[2] == "BLOQUANT" for r in control)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 1
    assert not (dossier / "virements").exists()
    set_preview(wb, "FA-2023-031", Sélection="Non")  # F001 (invalid IBAN) deselected
    capsys.readouterr()
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 1  # F002 still selected: its BIC blocks
    assert "BIC_IBAN_MISMATCH" in capsys.readouterr().out and not (dossier / "virements").exists()
    # F002 fixed in the dossier, F001 still broken but not selected: the file is generated
    path = dossier / "dossier.xlsx"
    book = load_workbook(path)
    ws = book["Tiers"]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        if r[0].value == "F002":
            r[head.index("BIC")].value = "COBADEFFXXX"
    book.save(path)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "IBAN_INVALID" in out  # reported, as a warning
    xml = (dossier / "virements" / "VIR20230331100000.xml").read_bytes()
    assert validate_pain001(xml, "pain.001.001.09") == [] and b"<CtrlSum>70.10</CtrlSum>" in xml
    control = [r for r in load_workbook(wb)["Contrôle"].iter_rows(values_only=True)]
    assert any("IBAN_INVALID" in map(str, r) and "AVERTISSEMENT" in map(str, r) for r in control)


def test_deselected_beneficiary_with_bic_mismatch_does_not_block_the_others(dossier, tmp_path, capsys):
    path = dossier / "dossier.xlsx"
    book = load_workbook(path)
    ws = book["Tiers"]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        if r[0].value == "F002":
            r[head.index("BIC")].value = "BNPAFRPPXXX"
    book.save(path)
    wb = tmp_path / "v.xlsx"
    _import(wb, dossier)
    set_preview(wb, "R-77", Sélection="Non")
    capsys.readouterr()
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    assert "BIC_IBAN_MISMATCH" in capsys.readouterr().out
    xml = (dossier / "virements" / "VIR20230331100000.xml").read_bytes()
    assert b"<CtrlSum>1200.00</CtrlSum>" in xml and b"Bauwerk" not in xml
