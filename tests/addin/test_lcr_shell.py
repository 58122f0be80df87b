"""LCR through the commit shell on a dossier folder: « Transfert », « Continuer » (CFONB file
read back, FEC accepted by the DGFiP checker, register), never twice, slips (+ PDF), the
un-validations and the bank reject, VAT on receipts reconciled with the entries."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reglo.addin.backends.sheets import FileWorkbook, read_table
from reglo.addin.shell import debits as sd
from reglo.addin.shell import lcr as sl
from reglo.addin.shell import vat as sv
from reglo.addin.shell.commit import open_register
from reglo.addin.shell.dossier import write_dossier
from reglo.core.fec import read_fec
from reglo.core.models import PaymentMethod
from reglo.core.writers.cfonb160_parse import parse_lcr
from tests.addin.test_debits_shell import strict
from tests.core.debit_fixtures import NOW, customer, dossier, ledger, sale

D = Decimal
DGFIP = Path("/work/dgfip/run_check.sh")


def lcr_dossier():
    return dossier(
        customer("L001", "Martin & Fils", "FR7630006000011234567890189", method=PaymentMethod.LCR, row=2),
        customer("L002", "Boulangerie l'Olivier", "FR1420041010050500013M02606", method=PaymentMethod.LCR, row=3),
        customer("C003", "Martin SARL", "FR7630004008190001234567879", method=PaymentMethod.CHEQUE, row=4),
    )


def lcr_ledger():
    return ledger(
        sale("1", "L001", "FA201", "1200.00", "2023-07-05", name="Martin & Fils"),
        sale("2", "L001", "FA202", "300.50", "2023-07-10", name="Martin & Fils"),
        sale("3", "L002", "FA203", "845.20", "2023-07-12", name="Boulangerie"),
        sale("4", "C003", "FA204", "300.00", "2023-07-20", name="Martin SARL"),
    )


@pytest.fixture
def folder(tmp_path, monkeypatch):
    write_dossier(tmp_path / "dossier", strict(lcr_dossier()), lcr_ledger())
    monkeypatch.setattr(sd, "now", lambda: NOW)
    return tmp_path / "dossier"


def workbook(folder: Path) -> FileWorkbook:
    book = FileWorkbook(folder / "Prélèvements clients.xlsx", create=True)
    sd.ensure_workbook(book, {"Dossier": str(folder), "Affectation des prélèvements": "Oui", "Banque dossier": "BQ1"})
    sl.ensure_params(book, {"Date de remise": date(2023, 8, 10), "Libellé de contrepartie": "LCR {PIECE}"})
    return book


def snapshot(folder: Path):
    store = open_register(folder)
    try:
        return store.snapshot()
    finally:
        store.close()


def management(book):
    return read_table(book, "Gestion des LCR", required=["Compte"])


def test_transfer_then_continue_writes_file_entries_register_and_sheets(folder):
    book = workbook(folder)
    res = sl.transfer_lcr(book)
    assert res.exit_code == 0, res.alerts
    table = management(book)
    assert [r.get("Compte") for r in table.rows] == ["L001", "L002"]
    assert [r.get("Accept.") for r in table.rows] == ["1 - Acceptée"] * 2
    book.write_cells("Gestion des LCR", {(table.rows[1].excel_row, table.column_index("Accept.")): "2 - Billet à ordre",
                                          (table.rows[0].excel_row, table.column_index("Réf. Tireur")): "452"})
    res = sl.continue_lcr(book)
    assert res.exit_code == 0, res.alerts
    paths = [Path(p) for p in res.outputs]
    cfonb = next(p for p in paths if p.name.startswith("LCR"))
    fec = next(p for p in paths if "FEC" in p.name)
    assert fec.name.startswith("732829320FEC20231231-LCR")
    remittance, alerts = parse_lcr(cfonb.read_bytes())
    assert alerts == [] and remittance.total_cents == 234570
    assert [b.acceptance_code.value for b in remittance.bills] == ["1", "2"]
    assert [b.drawer_ref for b in remittance.bills][0].endswith("452")
    ledger_read = read_fec(fec.read_bytes(), filename=fec.name)
    frame = ledger_read.frame
    assert frame["debit"].sum() == frame["credit"].sum() == 234570
    (batch,) = [b for b in snapshot(folder).batches if b.kind == "lcr"]
    assert batch.status == "committed" and sum(l.amount_cents for l in batch.lines) == 234570 and len(batch.lines) == 3
    readback = read_table(book, "Fichier LCR", required=["N° enr."])
    assert len(readback.rows) == 4
    assert "Bordereau LCR" in book.sheet_names() and "Écritures LCR (provisoire)" in book.sheet_names()
    ws = book.wb["Bordereau LCR"]
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.skipif(not DGFIP.exists(), reason="DGFiP checker not installed")
def test_entries_pass_the_dgfip_checker(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    res = sl.continue_lcr(book)
    fec = next(Path(p) for p in res.outputs if "FEC" in Path(p).name)
    done = subprocess.run([str(DGFIP), str(fec)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_an_invoice_is_never_collected_twice(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    first = sl.continue_lcr(book)
    assert first.exit_code == 0
    again = sl.continue_lcr(book)  # the same sheet, once more
    codes = [a.code.value for a in again.alerts]
    assert "LCR_ROW_NOTHING_TO_COLLECT" in codes and "LCR_NO_BILLS" in codes and again.outputs == []
    assert len([b for b in snapshot(folder).batches if b.kind == "lcr"]) == 1
    sl.transfer_lcr(book)
    assert management(book).rows == []


def test_unvalidate_line_customer_and_all_then_collect_again(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    sl.continue_lcr(book)
    batch = next(b for b in snapshot(folder).batches if b.kind == "lcr")
    one = batch.lines[0]
    res = sl.unvalidate(book, "ligne", key=one.item_key)
    assert res.exit_code == 0 and len(res.outputs) == 1, res.alerts
    rows = list(csv.DictReader(io.StringIO(Path(res.outputs[0]).read_text("utf-8")), delimiter=";"))
    assert [r["Type"] for r in rows] and all(D(r["Montant encaissé"]) < 0 for r in rows)
    again = sl.unvalidate(book, "ligne", key=one.item_key)
    assert "UNVALIDATE_NOTHING" in [a.code.value for a in again.alerts]
    refused = sl.unvalidate(book, "tous", confirmations=1)
    assert "UNVALIDATE_CONFIRMATION_REQUIRED" in [a.code.value for a in refused.alerts] and refused.outputs == []
    sl.unvalidate(book, "tous", confirmations=2)
    sl.transfer_lcr(book)
    table = management(book)
    assert [r.get("Compte") for r in table.rows] == ["L001", "L002"]
    res = sl.continue_lcr(book)
    assert res.exit_code == 0, res.alerts
    live = [b for b in snapshot(folder).batches if b.kind == "lcr"]
    assert len(live) == 2 and all(b.status == "committed" for b in live)


def test_bank_reject_cancels_the_remittance_and_writes_the_reversal(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    sl.continue_lcr(book)
    batch = next(b for b in snapshot(folder).batches if b.kind == "lcr")
    res = sl.reject(book, reference=batch.reference, reason="rejet banque")
    assert res.exit_code == 0, res.alerts
    states = {b.kind: b.status for b in snapshot(folder).batches}
    assert states["lcr"] == "cancelled" and states["lcr_rejet"] == "committed"
    fec = next(Path(p) for p in res.outputs if "FEC" in Path(p).name)
    frame = read_fec(fec.read_bytes(), filename=fec.name).frame
    assert frame["debit"].sum() == 234570
    twice = sl.reject(book, reference=batch.reference)
    assert "LCR_REJECT_NOT_LIVE" in [a.code.value for a in twice.alerts]
    sl.transfer_lcr(book)
    assert len(management(book).rows) == 2  # remittable again


def test_slip_sheet_and_pdf(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    sl.continue_lcr(book)
    res = sl.slip(book, kind="lcr", pdf=shutil.which("soffice") is not None)
    assert res.exit_code == 0, res.alerts
    ws = book.wb["Bordereau LCR"]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Total général" in values and D("2345.70") in values
    if shutil.which("soffice"):
        (pdf,) = res.outputs
        assert Path(pdf).read_bytes().startswith(b"%PDF")
        assert any(b.kind == "bordereau" for b in snapshot(folder).batches)


def test_slip_pdf_without_libreoffice_is_a_french_warning(folder, monkeypatch):
    book = workbook(folder)
    sl.transfer_lcr(book)
    sl.continue_lcr(book)
    monkeypatch.setattr(sl.shutil, "which", lambda name: None)
    res = sl.slip(book, kind="lcr", pdf=True)
    (a,) = [a for a in res.alerts if a.code.value == "SLIP_PDF_UNAVAILABLE"]
    assert "LibreOffice" in a.message and res.outputs == []


def test_slip_of_unknown_remittance_is_blocking(folder):
    book = workbook(folder)
    res = sl.slip(book, kind="prelevement")
    assert [a.code.value for a in res.alerts] == ["SLIP_NOT_FOUND"]


def test_vat_receipts_reconcile_with_the_treasury_entries(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    res = sl.continue_lcr(book)
    fec = next(Path(p) for p in res.outputs if "FEC" in Path(p).name)
    credit_411 = read_fec(fec.read_bytes(), filename=fec.name).frame.query("ledger_account.str.startswith('411')", engine="python")["credit"].sum()
    vbook = FileWorkbook(folder / "TVA.xlsx", create=True)
    sv.ensure_workbook(vbook, {sv.DOSSIER: str(folder), **sv.period_values(date(2023, 7, 1), date(2023, 12, 31))})
    out = sv.vat_receipts(vbook)
    assert out.exit_code == 0, out.alerts
    (csv_path,) = out.outputs
    rows = list(csv.DictReader(io.StringIO(Path(csv_path).read_text("utf-8")), delimiter=";"))
    per_receipt = {r["Réf. encaissement"]: D(r["Montant encaissé"]) for r in rows}
    assert int(sum(per_receipt.values()) * 100) == credit_411 == 234570
    assert "CA3 - TVA sur encaissements" in vbook.sheet_names() and "Données d'encaissement" in vbook.sheet_names()


@pytest.mark.parametrize("group", ["Oui", "Non"])
def test_lettering_letters_the_invoices_on_the_lettered_copy(folder, group):
    book = workbook(folder)
    sl.ensure_params(book, {"Lettrage": "Oui", "Regrouper les LCR dans l'écriture comptable": group})
    sl.transfer_lcr(book)
    res = sl.continue_lcr(book)
    assert res.exit_code == 0, res.alerts
    copy = next(Path(p) for p in res.outputs if "lettré" in Path(p).name)
    frame = read_fec(copy.read_bytes(), filename=copy.name).frame
    customers = frame[frame["subledger_account"].isin(["L001", "L002"])]
    assert (customers["lettering_code"] != "").all()  # the invoices and the LCR entry's customer lines
    assert {"FA201", "FA202", "FA203"} <= set(customers["document_ref"])
    fec = next(Path(p) for p in res.outputs if "FEC" in Path(p).name and "lettré" not in Path(p).name)
    entries = read_fec(fec.read_bytes(), filename=fec.name).frame
    assert (entries.loc[entries["subledger_account"] != "", "lettering_code"] != "").all()


def test_unvalidate_all_from_the_ribbon_needs_two_oui_in_the_parameters(folder):
    book = workbook(folder)
    sl.transfer_lcr(book)
    sl.continue_lcr(book)
    assert sl.ask_confirmations(book) == 0
    sl.ensure_params(book, {sl.CONFIRM_KEYS[0]: "Oui"})
    assert sl.ask_confirmations(book) == 1
    sl.ensure_params(book, {sl.CONFIRM_KEYS[0]: "Oui", sl.CONFIRM_KEYS[1]: "Oui"})
    assert sl.ask_confirmations(book) == 2 and sl.ask_confirmations(book) == 0  # cleared once read
