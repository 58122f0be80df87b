"""The « Règlements clients » ribbon handlers through xlwings' remote engine, and the CLI."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from reglo.addin.entrypoints.handlers import HANDLERS, load_all
from reglo.addin.entrypoints.handlers.payments import payments_check, payments_from_ledger, payments_import, payments_template
from reglo.addin.backends.sheets import RED, YELLOW
from reglo.core.payments import ingest as t
from tests.addin.test_payments_workbook import NOW, ROWS, TODAY, _bank_entry, dossier, template_file  # noqa: F401  (fixture)
from tests.conftest import make_book


def _iso(v):
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return "" if v is None else v


def remote_template(rows=ROWS):
    return make_book({t.SHEET: [list(t.HEADERS)] + [[_iso(v) for v in r] for r in rows]})


def colored(actions, color):
    return [a for a in actions if a["func"] == "setRangeColor" and a["args"][0] == color]


def test_handlers_are_registered_in_the_group():
    load_all()
    tags = {tag: h for tag, h in HANDLERS.items() if h.group == "Règlements clients"}
    assert set(tags) == {"payments_template", "payments_check", "payments_import", "payments_from_ledger"}
    assert [tags[k].label for k in sorted(tags, key=lambda k: tags[k].order)] == ["Modèle d'import", "Contrôler", "Importer", "Importer depuis la comptabilité"]


def test_check_on_remote_engine(dossier):
    book = remote_template()
    result = payments_check(book, dossier=dossier, today=TODAY)
    assert result.exit_code == 1 and "2 bloquée(s)" in result.summary
    actions = book.json()["actions"]
    red = colored(actions, RED)
    yellow = colored(actions, YELLOW)
    assert red and yellow
    notes = [a for a in actions if a["func"] == "addNote"]
    assert any("PAY_INVOICE_UNKNOWN" in a["args"][1] for a in notes if a["args"][0] == "$B$4")
    assert any(a["func"] == "addSheet" for a in actions)  # « Contrôle »


def test_import_on_remote_engine_twice(dossier):
    book = remote_template()
    result = payments_import(book, dossier=dossier, today=TODAY, now=NOW)
    assert "3 règlement(s) importé(s)" in result.summary and result.outputs
    book2 = remote_template()
    result2 = payments_import(book2, dossier=dossier, today=TODAY, now=datetime(2025, 7, 1, 8, 0))
    assert "Rien à importer" in result2.summary and not result2.outputs
    assert len(dossier.register.batches(kind="customer_payments")) == 1


def test_from_ledger_handler(tmp_path, dossier):
    from reglo.core.entries import entries_to_frame
    from reglo.core.fec import write_fec

    fec = tmp_path / "552100554FEC20251231.txt"
    fec.write_bytes(write_fec(entries_to_frame([_bank_entry(1, "C001", "6000.00", "F2025-002", "VIR F2025-002")])))
    book = make_book({"Feuil1": [[""]]})
    result = payments_from_ledger(book, dossier=dossier, fec=fec, now=NOW)
    assert "1 importée(s)" in result.summary


def test_template_handler_writes_a_fresh_copy(tmp_path, dossier):
    r1 = payments_template(None, dossier=dossier)
    r2 = payments_template(None, dossier=dossier)
    p1, p2 = Path(r1.outputs[0]), Path(r2.outputs[0])
    assert p1.name == "Import règlements clients.xlsx" and p2.name == "Import règlements clients (2).xlsx"
    wb = openpyxl.load_workbook(p1)
    ws = wb[t.SHEET]
    assert [c.value for c in ws[1]] == list(t.HEADERS)
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert '"Virement,Chèque,Prélèvement,LCR,Carte,Espèces"' in lists and '"BQ1,BQ2"' in lists
    assert ws["A2"].number_format == "dd/mm/yyyy" and "€" in ws["D2"].number_format and ws.freeze_panes == "A2"
    assert "Reglements" in ws.tables and "Instructions" in wb.sheetnames


def test_template_handler_without_dossier_never_writes_to_the_current_directory(tmp_path, monkeypatch):
    """Under Excel the current directory can be Excel's program folder: the template goes
    beside the calling workbook, else to the user's Documents, and the message says where."""
    from reglo.addin.backends.sheets import FileWorkbook

    cwd, home = tmp_path / "excel-program", tmp_path / "home"
    cwd.mkdir()
    (home / "Documents").mkdir(parents=True)
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("REGLO_DOSSIER", raising=False)
    calling = tmp_path / "classeurs" / "suivi.xlsx"
    calling.parent.mkdir()
    book = FileWorkbook(calling, create=True)
    book.save()
    r = payments_template(FileWorkbook(calling))
    out = Path(r.outputs[0])
    assert out.parent == calling.parent and str(calling.parent) in r.summary and "classeur actif" in r.summary
    r = payments_template(None)
    out = Path(r.outputs[0])
    assert out.parent == home / "Documents" and "Documents" in r.summary
    assert list(cwd.iterdir()) == []


# --- CLI ---------------------------------------------------------------------

@pytest.fixture
def cli_dossier(monkeypatch, dossier):
    from reglo.addin.shell import payments as ap

    monkeypatch.setattr(ap.PaymentsDossier, "load", classmethod(lambda cls, path: dossier))
    return dossier


def test_cli_check_and_import(tmp_path, cli_dossier, capsys):
    from reglo.addin.entrypoints.cli import main

    path = template_file(tmp_path / "r.xlsx")
    assert main(["payments", "check", str(path), "--dossier", str(tmp_path), "--today", "2025-06-30"]) == 1
    out = capsys.readouterr().out
    assert "PAY_INVOICE_UNKNOWN" in out
    assert openpyxl.load_workbook(path)[t.SHEET]["B4"].fill.fgColor.rgb == "FFFFC7CE"
    assert main(["payments", "import", str(path), "--dossier", str(tmp_path), "--today", "2025-06-30"]) == 1  # 2 rows stay blocked
    out = capsys.readouterr().out
    assert "3 règlement(s) importé(s)" in out
    assert main(["payments", "import", str(path), "--dossier", str(tmp_path), "--today", "2025-06-30"]) == 1
    out = capsys.readouterr().out
    assert "3 règlement(s) de la feuille ont déjà été importés" in out and "2 ligne(s) bloquée(s)" in out


def test_cli_unusable_input(tmp_path, cli_dossier, capsys):
    from reglo.addin.entrypoints.cli import main

    bad = tmp_path / "pas-un-classeur.xlsx"
    bad.write_bytes(b"ceci n'est pas un xlsx")
    assert main(["payments", "import", str(bad), "--dossier", str(tmp_path)]) == 2
    assert "Erreur" in capsys.readouterr().err
    assert main(["payments", "check", str(tmp_path / "absent.xlsx"), "--dossier", str(tmp_path)]) == 2
    assert main(["payments", "check", str(bad), "--dossier", str(tmp_path)]) == 2
    assert "Classeur illisible" in capsys.readouterr().err


def test_cli_from_fec(tmp_path, cli_dossier, capsys):
    from reglo.addin.entrypoints.cli import main
    from reglo.core.entries import entries_to_frame
    from reglo.core.fec import write_fec

    fec = tmp_path / "552100554FEC20251231.txt"
    fec.write_bytes(write_fec(entries_to_frame([_bank_entry(1, "C001", "6000.00", "F2025-002", "VIR F2025-002"),
                                                _bank_entry(2, "C002", "100.00", "", "VIR SANS REF")])))
    out = tmp_path / "compta.xlsx"
    assert main(["payments", "from-fec", str(out), "--dossier", str(tmp_path), "--fec", str(fec)]) == 0
    text = capsys.readouterr().out
    assert "1 importée(s)" in text and "PAY_FEC_NO_INVOICE_REF" in text
    assert "Synthèse chantiers" in openpyxl.load_workbook(out).sheetnames
    assert main(["payments", "from-fec", str(out), "--dossier", str(tmp_path), "--fec", str(tmp_path / "absent.txt")]) == 2


def test_registered_sheet_check_without_dossier(monkeypatch):
    from reglo.addin.shell.checks import checks_for
    from reglo.addin.entrypoints.handlers.payments import check_payment_sheet
    from reglo.addin.backends.sheets import as_workbook

    monkeypatch.delenv("REGLO_DOSSIER", raising=False)
    rows = [list(t.HEADERS), ["31/02/2025", "F1", "", "abc", "Bitcoin", "", "BQ1", "", ""]]
    book = make_book({t.SHEET: rows})
    assert [name for name, _ in checks_for(as_workbook(book))] == [t.SHEET]
    codes = {a.code.value for a in check_payment_sheet(book)}
    assert codes == {"PAY_DATE_INVALID", "PAY_AMOUNT_INVALID", "PAY_MODE_UNKNOWN"}


def test_import_of_an_empty_or_headerless_sheet_says_so(dossier):
    result = payments_import(make_book({t.SHEET: [list(t.HEADERS)]}), dossier=dossier, today=TODAY, now=NOW)
    assert "aucun règlement à importer" in result.summary and result.exit_code == 1
    result = payments_check(make_book({t.SHEET: [["Date", "Client"], ["01/02/2025", "C001"]]}), dossier=dossier, today=TODAY)
    assert {a.code.value for a in result.alerts} == {"COLUMN_MISSING"}


def test_missing_required_column_counts_the_rows_and_runs_the_other_checks(dossier):
    """« Montant » deleted: the 3 rows are counted (not « 0 ligne »), none imported, and the
    checks that do not need the amount still run (impossible date, unknown invoice)."""
    head = [h for h in t.HEADERS if h != t.AMOUNT]
    rows = [head,
            ["15/03/2025", "F2025-001", "C001", "Virement", "VIR 1", "BQ1", "", ""],
            ["31/02/2025", "F2025-001", "C001", "Virement", "VIR 2", "BQ1", "", ""],
            ["16/03/2025", "F2025-999", "C001", "Virement", "VIR 3", "BQ1", "", ""]]
    result = payments_check(make_book({t.SHEET: rows}), dossier=dossier, today=TODAY)
    codes = [(a.code.value, a.row) for a in result.alerts]
    assert ("COLUMN_MISSING", 1) in codes and ("PAY_DATE_INVALID", 3) in codes and ("PAY_INVOICE_UNKNOWN", 4) in codes
    assert not [c for c, _ in codes if c in ("PAY_AMOUNT_MISSING",)]
    assert "3 ligne(s) lue(s)" in result.summary and "1 ligne(s) non vérifiée(s)" in result.summary
    run = payments_import(make_book({t.SHEET: rows}), dossier=dossier, today=TODAY, now=NOW)
    assert "Rien n'a été importé" in run.summary and "3 ligne(s) lue(s)" in run.summary and "Montant" in run.summary
    assert dossier.register.batches() == []
    # all columns present: the same rows are checked and the first one imports
    full = [list(t.HEADERS)] + [r[:3] + [12000.0] + r[3:] for r in rows[1:]]
    result = payments_check(make_book({t.SHEET: full}), dossier=dossier, today=TODAY)
    assert "COLUMN_MISSING" not in {a.code.value for a in result.alerts} and "3 ligne(s) :" in result.summary


def test_check_and_import_files_report_progress(tmp_path, dossier):
    """``reglo payments check|import`` show an ``reglo.addin.backends.progress.Progress`` on big sheets: each
    stage is announced (reading, checking N rows, painting, saving / recording)."""
    import io

    import reglo.addin.shell.payments as ap
    from reglo.addin.backends.progress import Progress

    path = template_file(tmp_path / "p.xlsx", ROWS)
    out = io.StringIO()
    with Progress("Règlements", total=4, stream=out, enabled=True) as bar:
        ap.check_file(path, dossier, today=TODAY, progress=bar)
    text = out.getvalue()
    assert "lecture de p.xlsx" in text and f"contrôle de {len(ROWS)} ligne(s)" in text and "enregistrement de p.xlsx" in text
    out = io.StringIO()
    with Progress("Règlements", total=4, stream=out, enabled=True) as bar:
        run = ap.import_file(path, dossier, today=TODAY, now=NOW, progress=bar)
    assert run.batch_id is not None and "imputation, écritures" in out.getvalue()
    silent = io.StringIO()
    with Progress("Règlements", total=4, stream=silent, enabled=False) as bar:
        ap.check_file(path, dossier, today=TODAY, progress=bar)
    assert silent.getvalue() == ""


def test_cli_progress_only_on_a_terminal(tmp_path, cli_dossier, monkeypatch, capsys):
    import reglo.addin.entrypoints.commands.payments as cp
    from reglo.addin.entrypoints.cli import main

    monkeypatch.setattr(cp, "PROGRESS_FROM_BYTES", 0)  # every sheet is « big »
    path = template_file(tmp_path / "p.xlsx", ROWS)
    assert main(["payments", "check", str(path), "--dossier", str(tmp_path), "--today", TODAY.isoformat()]) == 1
    err = capsys.readouterr().err
    assert "Règlements" not in err  # stderr is not a terminal under pytest: no bar
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert main(["payments", "check", str(path), "--dossier", str(tmp_path), "--today", TODAY.isoformat()]) == 1
    assert "contrôle de" in capsys.readouterr().err
