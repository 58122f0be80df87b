"""Customer payments on workbooks: check, import (twice), synthesis, entries, FEC, handlers."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reglo.addin.shell.payments import PaymentsDossier, check_file, check_payments, import_from_ledger, import_payments
from reglo.addin.shell.register import PaymentRegister
from reglo.addin.backends.sheets import GREEN, RED, YELLOW, FileWorkbook
from reglo.core.alerts import has_blocking
from reglo.core.dossier import Dossier, JobSite, SalesInvoice
from reglo.core.entries import entries_to_frame
from reglo.core.fec import read_fec, write_fec
from reglo.core.models import AccountKind, Company, CompanyBankAccount, Entry, EntryLine, Party
from reglo.core.payments import ingest as t
from reglo.workbook_templates.payments import build_template

D = Decimal
TODAY = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 10, 0, 0)


def make_dossier() -> Dossier:
    company = Company(
        legal_name="BATIR SUD SAS", siren="552100554", fiscal_year_start=date(2025, 1, 1), fiscal_year_end=date(2025, 12, 31),
        bank_accounts=(
            CompanyBankAccount(journal_code="BQ1", label="CIC Lyon", ledger_account="512100", iban="FR7630006000011234567890189"),
            CompanyBankAccount(journal_code="BQ2", label="Crédit Agricole", ledger_account="512200", iban="FR1420041010050500013M02606"),
        ),
    )
    parties = (
        Party(code="C001", kind=AccountKind.CUSTOMER, legal_name="DUPONT IMMOBILIER", control_account="411000", default_bank_journal="BQ1"),
        Party(code="C002", kind=AccountKind.CUSTOMER, legal_name="MAIRIE DE VILLEURBANNE", control_account="411000"),
    )
    sites = (JobSite(code="CH01", label="Résidence Les Tilleuls", customer_code="C001"), JobSite(code="CH02", label="École Jean Jaurès", customer_code="C002"))

    def inv(n, c, d, gross, site):
        gross = D(gross)
        net = (gross / D("1.2")).quantize(D("0.01"))
        return SalesInvoice(invoice_number=n, customer_code=c, invoice_date=d, net=net, vat=gross - net, gross=gross, job_site_code=site)

    invoices = (
        inv("F2025-001", "C001", date(2025, 2, 10), "12000.00", "CH01"),
        inv("F2025-002", "C001", date(2025, 3, 10), "6000.00", "CH01"),
        inv("F2025-003", "C002", date(2025, 3, 20), "24000.00", "CH02"),
        inv("F2025-004", "C002", date(2025, 4, 5), "1800.00", None),
    )
    return Dossier(company=company, parties=parties, job_sites=sites, invoices=invoices)


@pytest.fixture
def dossier(tmp_path) -> PaymentsDossier:
    folder = tmp_path / "dossier"
    folder.mkdir()
    return PaymentsDossier(make_dossier(), PaymentRegister.beside(folder), folder)


ROWS = [
    # Date, N° facture, Code client, Montant, Mode, Référence, Banque, Chantier, Commentaire
    [datetime(2025, 3, 15), "F2025-001", "C001", 12000.0, "Virement", "VIR 0315", "BQ1", "CH01", None],  # 2 OK, settles
    [datetime(2025, 4, 2), "F2025-003", "C002", 10000.0, "Chèque", "CHQ 881", "BQ2", "CH02", None],  # 3 partial (W)
    [datetime(2025, 4, 3), "F2025-099", "C002", 500.0, "Chèque", "CHQ 882", "BQ2", None, None],  # 4 unknown invoice (B)
    ["31/02/2025", "F2025-002", "C001", 100.0, "Virement", None, "BQ1", None, None],  # 5 impossible date (B)
    [datetime(2025, 4, 20), "F2025-004", "C002", 1900.0, "LCR", "LCR 12", "BQ2", None, None],  # 6 overpayment (W)
]


def template_file(path: Path, rows=ROWS) -> Path:
    wb = openpyxl.load_workbook(io.BytesIO(build_template(["BQ1", "BQ2"])))
    ws = wb[t.SHEET]
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r, start=1):
            ws.cell(i, j, v)
    wb.save(path)
    return path


def fill_of(ws, ref):
    f = ws[ref].fill
    return "#" + f.fgColor.rgb[2:] if f is not None and f.fill_type == "solid" else None


def test_check_paints_and_writes_control_sheet(tmp_path, dossier):
    path = template_file(tmp_path / "reglements.xlsx")
    book = FileWorkbook(path)
    run = check_payments(book, dossier, today=TODAY)
    book.save()
    assert run.check.totals["ok"] == 1 and run.check.totals["warning"] == 2 and run.check.totals["blocking"] == 2
    wb = openpyxl.load_workbook(path)
    ws = wb[t.SHEET]
    assert fill_of(ws, "B4") == RED and fill_of(ws, "A5") == RED  # unknown invoice, impossible date
    assert fill_of(ws, "D3") == YELLOW and fill_of(ws, "D6") == YELLOW  # partial, overpayment
    assert fill_of(ws, "D2") is None
    assert "PAY_INVOICE_UNKNOWN" in ws["B4"].comment.text
    ctrl = wb["Contrôle"]
    texts = [c.value for row in ctrl.iter_rows() for c in row if c.value is not None]
    assert "Lignes bloquées (non importées)" in texts and "PAY_DATE_INVALID" in texts


def test_fast_check_matches_openpyxl_painter(tmp_path, dossier):
    slow = template_file(tmp_path / "slow.xlsx")
    fast = template_file(tmp_path / "fast.xlsx")
    book = FileWorkbook(slow)
    check_payments(book, dossier, today=TODAY)
    book.save()
    run = check_file(fast, dossier, today=TODAY, engine="rapide")
    ws_s, ws_f = openpyxl.load_workbook(slow)[t.SHEET], openpyxl.load_workbook(fast)[t.SHEET]
    for r in range(2, 8):
        for c in range(1, 10):
            assert fill_of(ws_s, ws_s.cell(r, c).coordinate) == fill_of(ws_f, ws_f.cell(r, c).coordinate), (r, c)
            assert bool(ws_s.cell(r, c).comment) == bool(ws_f.cell(r, c).comment), (r, c)
    assert ws_f["D3"].number_format == ws_s["D3"].number_format  # styles kept under the fill
    assert ws_f["A1"].comment is not None  # the template's header help notes are kept
    ctrl = openpyxl.load_workbook(fast)["Contrôle"]
    assert any(c.value == "PAY_INVOICE_UNKNOWN" for row in ctrl.iter_rows() for c in row)
    assert run.paint.red == 2 and run.paint.yellow == 2
    amount = next(r for r in ctrl.iter_rows() if r[0].value == "Montant importable")[1]
    assert amount.value == 23900 and "€" in amount.number_format  # summary amounts in euros
    # re-run after fixing the sheet: the marks go away
    wb = openpyxl.load_workbook(fast)
    ws = wb[t.SHEET]
    ws.delete_rows(4, 2)
    ws["D3"] = 24000.0  # the partial payment becomes a full one
    wb.save(fast)
    run = check_file(fast, dossier, today=TODAY, engine="rapide")
    ws = openpyxl.load_workbook(fast)[t.SHEET]
    assert run.paint.red == 0 and run.paint.restored >= 1
    assert fill_of(ws, "D4") == YELLOW and fill_of(ws, "D3") is None and fill_of(ws, "B4") is None
    assert ws["D4"].comment is not None and ws["D3"].comment is None and ws["B4"].comment is None


def test_fast_check_falls_back_to_openpyxl_on_a_layout_it_does_not_patch(tmp_path, dossier):
    import zipfile

    path = template_file(tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:  # a form button in the sheet's legacy drawing (beside the header notes)
        parts = {n: z.read(n) for n in z.namelist()}
    vml = next(n for n in parts if n.endswith(".vml"))
    parts[vml] = parts[vml].replace(b"</xml>", b'<v:shape id="btn"><x:ClientData ObjectType="Button"/></v:shape></xml>')
    with zipfile.ZipFile(path, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    run = check_file(path, dossier, today=TODAY, engine="rapide")
    assert run.paint.red == 2
    ws = openpyxl.load_workbook(path)[t.SHEET]
    assert fill_of(ws, "B4") == RED and "PAY_INVOICE_UNKNOWN" in ws["B4"].comment.text


def test_import_twice_applies_nothing_the_second_time(tmp_path, dossier):
    path = template_file(tmp_path / "reglements.xlsx")
    book = FileWorkbook(path)
    run = import_payments(book, dossier, today=TODAY, now=NOW, file_name=path.name)
    book.save()
    assert run.batch_id is not None and len(run.applied) == 3
    assert dossier.register.paid_cents_by_item(kind="customer_payments") == {"invoice:F2025-001": 1200000, "invoice:F2025-003": 1000000, "invoice:F2025-004": 180000}
    # synthesis totals = sum of allocations
    assert run.synthesis.total.received == sum(a.applied for a in run.applied) == D("23800.00")
    assert run.synthesis.total.excess == D("100.00")
    # entries balance and pass the FEC reader
    fec = Path(run.outputs[0])
    ledger = read_fec(fec.read_bytes())
    assert not has_blocking(ledger.alerts), [str(a) for a in ledger.alerts]
    assert not [a for a in ledger.alerts if a.code == "FEC_MISSING_DATA"]  # CompteLib filled: Clients, the bank's label
    assert ledger.total_debit_cents() == ledger.total_credit_cents() == 2390000
    wb = openpyxl.load_workbook(path)
    assert {"Contrôle", "Synthèse chantiers", "Écritures", "Imputations"} <= set(wb.sheetnames)
    imput = [[c.value for c in r] for r in wb["Imputations"].iter_rows(min_row=4)]
    assert [(r[2], r[7], r[9]) for r in imput] == [("F2025-001", 12000, 0), ("F2025-003", 10000, 14000), ("F2025-004", 1800, 0)]
    assert len(wb["Synthèse chantiers"]._charts) == 1
    assert fill_of(wb[t.SHEET], "B4") == RED  # blocked rows stay marked

    book = FileWorkbook(path)
    run2 = import_payments(book, dossier, today=TODAY, now=datetime(2025, 7, 1, 9, 0), file_name=path.name)
    book.save()
    assert run2.batch_id is None and run2.applied == []
    assert sum(1 for a in run2.alerts if a.code == "PAY_ALREADY_IMPORTED") == 3
    assert "3 règlement(s) de la feuille ont déjà été importés" in run2.summary[0]
    # issue 12 finding 2: rows already imported are green « Importé le … (lot n) », not blocking,
    # and « Contrôle » counts them apart
    imported_rows = [a.row for a in run2.alerts if a.code == "PAY_ALREADY_IMPORTED"]
    assert all(not a.is_blocking for a in run2.alerts if a.code == "PAY_ALREADY_IMPORTED")
    wb = openpyxl.load_workbook(path)
    ws = wb[t.SHEET]
    for r in imported_rows:
        assert fill_of(ws, f"B{r}") == GREEN and ws[f"B{r}"].comment.text.count("Importé le ") == 1
    assert fill_of(ws, "B4") == RED  # the row really blocked is still red
    control = {r[0]: r[1] for r in wb["Contrôle"].iter_rows(values_only=True) if r and r[0]}
    assert control["Lignes déjà importées (rien à faire)"] == 3
    assert control["Lignes bloquées (non importées)"] == control["Alertes bloquantes"] > 0
    # « Contrôler » on the fast file backend paints them the same way
    check_file(path, dossier, today=TODAY, engine="rapide")
    ws = openpyxl.load_workbook(path)[t.SHEET]
    assert all(fill_of(ws, f"B{r}") == GREEN for r in imported_rows) and fill_of(ws, "B4") == RED
    assert len(dossier.register.batches(kind="customer_payments")) == 1
    assert dossier.register.paid_cents_by_item(kind="customer_payments")["invoice:F2025-003"] == 1000000


def test_import_on_the_fast_backend_writes_the_same_sheets_and_the_chart(tmp_path, dossier):
    from reglo.addin.backends.fastbook import FastFileWorkbook
    from tests.addin.painting_cases import check_package

    path = template_file(tmp_path / "reglements.xlsx")
    book = FastFileWorkbook(path)
    run = import_payments(book, dossier, today=TODAY, now=NOW, file_name=path.name)
    book.save()
    assert len(run.applied) == 3
    check_package(path)
    wb = openpyxl.load_workbook(path)
    assert {"Contrôle", "Synthèse chantiers", "Écritures", "Imputations"} <= set(wb.sheetnames)
    imput = [[c.value for c in r] for r in wb["Imputations"].iter_rows(min_row=4)]
    assert [(r[2], r[7], r[9]) for r in imput] == [("F2025-001", 12000, 0), ("F2025-003", 10000, 14000), ("F2025-004", 1800, 0)]
    syn = wb["Synthèse chantiers"]
    (chart,) = syn._charts
    n = len(run.synthesis.lines)
    assert [s.val.numRef.f for s in chart.series] == [f"'Synthèse chantiers'!$F$4:$F${3 + n}", f"'Synthèse chantiers'!$G$4:$G${3 + n}"]
    assert chart.series[0].cat.strRef.f == f"'Synthèse chantiers'!$A$4:$A${3 + n}" and chart.grouping == "stacked"
    assert fill_of(wb[t.SHEET], "B4") == RED  # blocked rows stay marked
    assert wb[t.SHEET]["A1"].comment is not None  # the template's header notes are kept


def test_second_import_of_a_new_partial_payment_sees_the_rest(tmp_path, dossier):
    path = template_file(tmp_path / "a.xlsx", [ROWS[1]])
    book = FileWorkbook(path)
    import_payments(book, dossier, today=TODAY, now=NOW)
    path2 = template_file(tmp_path / "b.xlsx", [[datetime(2025, 5, 2), "F2025-003", "C002", 14000.0, "Virement", "VIR", "BQ2", "CH02", None]])
    book2 = FileWorkbook(path2)
    run = import_payments(book2, dossier, today=TODAY, now=datetime(2025, 6, 30, 11, 0))
    (a,) = run.applied
    assert a.open_before == D("14000.00") and a.settles_invoice
    ch02 = next(l for l in run.synthesis.lines if l.job_site_code == "CH02")
    assert (ch02.received, ch02.due) == (D("24000.00"), D("0.00"))
    e = read_fec(Path(run.outputs[0]).read_bytes()).frame
    assert (e["lettering_code"] != "").sum() == 0  # no ledger in this dossier: no invoice line to letter with


def _bank_entry(n, customer, amount, ref, label, day=date(2025, 5, 5)):
    amount = D(amount)
    return Entry(journal_code="BQ1", journal_label="CIC", entry_number=str(n), entry_date=day, document_ref=ref, label=label, lines=(
        EntryLine(ledger_account="512100", debit=amount, label=label), EntryLine(ledger_account="411000", subledger_account=customer, credit=amount, label=label)))


def test_import_from_ledger(tmp_path, dossier):
    frame = read_fec(write_fec(entries_to_frame([
        _bank_entry(1, "C001", "6000.00", "F2025-002", "VIR DUPONT F2025-002"),
        _bank_entry(2, "C002", "9000.00", "REM12", "REMISE CHEQUES"),
    ]))).frame
    book = FileWorkbook(tmp_path / "compta.xlsx", create=True)
    run = import_from_ledger(book, dossier, frame, now=NOW)
    book.save()
    assert [a.payment.invoice_number for a in run.applied] == ["F2025-002"]
    assert [a.code.value for a in run.alerts] == ["PAY_FEC_NO_INVOICE_REF"]
    wb = openpyxl.load_workbook(tmp_path / "compta.xlsx")
    assert {"Import comptabilité", "Synthèse chantiers", "Contrôle"} <= set(wb.sheetnames)
    run2 = import_from_ledger(FileWorkbook(tmp_path / "compta.xlsx"), dossier, frame, now=datetime(2025, 7, 1))
    assert run2.applied == [] and "PAY_FEC_ALREADY_IMPORTED" in {a.code.value for a in run2.alerts}


def test_from_fec_alerts_name_their_fec_line_and_link_to_a_listing(tmp_path, dossier):
    """Issue 12, finding 5: every alert on a FEC line names its line number, journal, entry
    number and date; « Contrôle » has no « — » cell and links to « Lignes du FEC »."""
    import re

    frame = read_fec(write_fec(entries_to_frame([
        _bank_entry(1, "C001", "6000.00", "F2025-002", "VIR DUPONT F2025-002"),
        _bank_entry(2, "C002", "9000.00", "REM12", "REMISE CHEQUES"),
        _bank_entry(3, "C002", "700.00", "REM13", "VIR F2025-001 F2025-003"),
    ]))).frame
    path = tmp_path / "compta.xlsx"
    book = FileWorkbook(path, create=True)
    run = import_from_ledger(book, dossier, frame, now=NOW)
    book.save()
    on_lines = [a for a in run.alerts if a.code.value.startswith("PAY_FEC_")]
    assert len(on_lines) == 2
    wb = openpyxl.load_workbook(path)
    listing = [r for r in wb["Lignes du FEC"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(listing) if r and r[0] == "Ligne FEC")
    lines = {r[0]: r for r in listing[head + 1:] if r[0]}
    for a in on_lines:
        m = re.match(r"FEC ligne (\d+), journal (\w+), écriture (\S+) du (\d\d/\d\d/\d{4}) : ", a.message)
        assert m, a.message
        line = lines[int(m.group(1))]
        assert (line[1], str(line[2])) == (m.group(2), m.group(3)) and line[3].strftime("%d/%m/%Y") == m.group(4)
        assert a.sheet == "Lignes du FEC" and wb["Lignes du FEC"].cell(a.row, 1).value == int(m.group(1))
    control = [r for r in wb["Contrôle"].iter_rows(values_only=True)]
    alert_rows = [r for r in control if r and r[2] in ("BLOQUANT", "AVERTISSEMENT", "INFORMATION")]
    assert len(alert_rows) == 2 and all(r[0] == "Lignes du FEC" and str(r[1]).startswith('=HYPERLINK("#\'Lignes du FEC\'!') for r in alert_rows)
    assert not any(r[1] == "—" for r in control if r)
    link = next(r[1] for r in control if r and r[0] == "Lignes du FEC signalées")
    assert link.startswith('=HYPERLINK("#\'Lignes du FEC\'!A') and "2 ligne(s)" in link


def test_fast_marks_are_taken_back_by_the_painter(tmp_path, dossier):
    """A file checked with the fast painter, then fixed and checked through paint_alerts
    (the ribbon's path): the state sheet lets the painter take the old marks back."""
    path = template_file(tmp_path / "r.xlsx")
    check_file(path, dossier, today=TODAY, engine="rapide")
    wb = openpyxl.load_workbook(path)
    assert "_reglo" in wb.sheetnames and wb["_reglo"].sheet_state == "hidden"
    ws = wb[t.SHEET]
    ws["B4"] = "F2025-002"  # fix the two blocked rows
    ws["C4"], ws["D4"], ws["G4"] = "C001", 500.0, "BQ1"
    ws["A5"] = datetime(2025, 4, 10)
    wb.save(path)
    book = FileWorkbook(path)
    run = check_payments(book, dossier, today=TODAY)
    book.save()
    ws = openpyxl.load_workbook(path)[t.SHEET]
    assert run.check.totals["blocking"] == 0
    assert fill_of(ws, "B4") is None and fill_of(ws, "A5") is None  # old red marks taken back
    assert ws["A5"].comment is None and ws["B4"].comment is None
    assert fill_of(ws, "D3") == YELLOW and fill_of(ws, "D6") == YELLOW and fill_of(ws, "D4") == YELLOW  # partials, overpayment
