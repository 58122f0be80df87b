"""Direct debits through the commit shell, on a dossier folder: files, register, lettered
copy, a test file that changes nothing, collecting twice, and two processes at once."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from reglo.addin.backends.sheets import FileWorkbook, read_table
from reglo.addin.shell import debits as sd
from reglo.addin.shell.commit import open_register
from reglo.addin.shell.dossier import write_dossier
from reglo.core.debits.tables import DETAIL_SHEET, FORCED_SHEET, MAIN_SHEET, PREVIEW_SHEET, SCHEDULE_SHEET
from reglo.core.writers.pain008 import read_pain008, validate_pain008
from tests.core.debit_fixtures import NOW, default_ledger, dossier

HERE = Path(__file__).resolve().parents[2]


def strict(d):
    """The fixture dossier with validated IBAN / BIC objects (as the dossier loader builds them)."""
    from reglo.core.models import BankAccount, CompanyBankAccount, Mandate

    fields = lambda obj, model: {k: getattr(obj, k) for k in model.model_fields}  # noqa: E731
    banks = tuple(CompanyBankAccount(**fields(b, CompanyBankAccount)) for b in d.company.bank_accounts)
    parties = tuple(p.model_copy(update={"bank_accounts": tuple(BankAccount(iban=a.iban, bic=a.bic) for a in p.bank_accounts),
                                         "mandates": tuple(Mandate(**fields(m, Mandate)) for m in p.mandates)}) for p in d.parties)
    return d.model_copy(update={"company": d.company.model_copy(update={"bank_accounts": banks}), "parties": parties})


@pytest.fixture
def folder(tmp_path, monkeypatch):
    d = strict(dossier())
    write_dossier(tmp_path / "dossier", d, default_ledger())
    monkeypatch.setattr(sd, "now", lambda: NOW)
    return tmp_path / "dossier"


def workbook(folder: Path, name: str = "Prélèvements clients.xlsx", **options) -> FileWorkbook:
    book = FileWorkbook(folder / name, create=True)
    sd.ensure_workbook(book, {"Dossier": str(folder), "Affectation des prélèvements": "Oui", "Banque dossier": "BQ1",
                              "Date de prélèvement": "28/08/2023",
                              "Horizon de la banque (jours)": 30, **options})
    return book


def snapshot(folder: Path):
    store = open_register(folder)
    try:
        return store.snapshot()
    finally:
        store.close()


def test_prepare_writes_the_allocation_sheets(folder):
    book = workbook(folder)
    res = sd.prepare_debits(book)
    assert res.exit_code == 0 and "3 client(s)" in res.summary
    main = read_table(book, MAIN_SHEET, required=["Code client"])
    assert [r.get("Code client") for r in main.rows] == ["C001", "C002", "C003"]
    detail = read_table(book, DETAIL_SHEET, required=["Clé"])
    assert [r.get("Mode") for r in detail.rows] == ["Prélèvement", "Prélèvement", "Prélèvement", "Aucun"]
    assert {SCHEDULE_SHEET, FORCED_SHEET, "Répartition", "Édition des erreurs", "Édition compte sans tiers"} <= set(book.sheet_names())


def test_generate_commits_files_register_and_lettering_then_nothing_twice(folder):
    book = workbook(folder)
    sd.prepare_debits(book)
    res = sd.generate_debits(book)
    assert res.exit_code == 0, res.alerts
    names = sorted(Path(p).name for p in res.outputs)
    assert "Pre2308100930BQ1.xml" in names and "732829320FEC20231231-Pre2308100930BQ1.txt" in names and any("lettré" in n for n in names)
    data = (folder / "prelevements" / "Pre2308100930BQ1.xml").read_bytes()
    assert validate_pain008(data, "pain.008.001.08") == []
    snap = snapshot(folder)
    (batch,) = snap.batches
    assert batch.status == "committed" and batch.kind == "prelevement" and not batch.is_test and batch.total_cents == 805040
    assert {f.name for f in batch.files} >= {"Pre2308100930BQ1.xml", "732829320FEC20231231-Pre2308100930BQ1.txt"}
    preview = read_table(book, PREVIEW_SHEET, required=["EndToEndId"])
    assert [r.get("EndToEndId") for r in preview.rows][:2] == ["PRE20230810093000-00001", "PRE20230810093000-00002"]
    again = sd.generate_debits(book)
    assert again.outputs == [] and "rien à prélever" in again.summary
    assert len(snapshot(folder).batches) == 1


def test_entries_pass_reglo_fec_check(folder, capsys):
    from reglo.addin.entrypoints.cli import main

    book = workbook(folder, **{"Comptabilisation": "Unitaire"})
    sd.generate_debits(book)
    # <SIREN>FEC<closing>-<bank file stem>.txt (reglo.core.fec_names): the name the DGFiP checker wants
    entries = folder / "prelevements" / "732829320FEC20231231-Pre2308100930BQ1.txt"
    assert main(["fec", "check", str(entries)]) == 0, capsys.readouterr().out


def test_invalid_iban_of_a_customer_to_collect_blocks(tmp_path, monkeypatch):
    from reglo.core.models import BankAccount

    d = strict(dossier())
    bad = d.parties[0].model_copy(update={"bank_accounts": (BankAccount(iban="FR5430006000011234567890100"),)})  # RIB key wrong (S-B2)
    write_dossier(tmp_path / "d", d.model_copy(update={"parties": (bad,) + d.parties[1:]}), default_ledger())
    monkeypatch.setattr(sd, "now", lambda: NOW)
    res = sd.prepare_debits(workbook(tmp_path / "d"))
    assert res.exit_code == 1 and "RIB_KEY" in {a.code.value for a in res.alerts}
    assert sd.generate_debits(workbook(tmp_path / "d", name="b.xlsx")).outputs == []


def test_test_file_changes_nothing_in_the_register(folder):
    book = workbook(folder, **{"Génération d'un fichier test": "Oui"})
    res = sd.generate_debits(book)
    assert [Path(p).name for p in res.outputs] == ["TESTPre2308100930BQ1.xml"]
    snap = snapshot(folder)
    assert [b.is_test for b in snap.batches] == [True] and snap.paid_cents_by_item("prelevement") == {}
    assert not list(folder.glob("*lettré*"))
    sd.set_options(book, {"Génération d'un fichier test": "Non"})
    real = sd.generate_debits(book)
    assert "Pre2308100930BQ1.xml" in [Path(p).name for p in real.outputs]
    assert snapshot(folder).paid_cents_by_item("prelevement")


def test_actions_and_preview_aucun(folder):
    book = workbook(folder)
    sd.prepare_debits(book)
    res = sd.action_debits(book, "ne-pas-regler", customers=["C001"])
    assert "Ne pas régler" in res.summary
    modes = {r.get("Pièce"): r.get("Mode") for r in read_table(book, DETAIL_SHEET, required=["Clé"]).rows}
    assert modes["FA-101"] == "Aucun" and modes["FA-103"] == "Prélèvement"
    sd.set_options(book, {"Affectation des prélèvements": "Non"})
    prev = sd.preview_debits(book, mode="Aucun")
    rows = read_table(book, PREVIEW_SHEET, required=["Client"]).rows
    assert "Sous-total C001" in [r.get("Client") for r in rows] and "Aperçu Aucun" in prev.summary
    assert "non confirmé" in sd.action_debits(book, "retirer-tout").summary


_CHILD = r"""
import sys
sys.path.insert(0, {root!r})
from datetime import datetime
from reglo.addin.backends.sheets import FileWorkbook
from reglo.addin.shell import debits as sd
sd.now = lambda: datetime(2023, 8, 10, 9, 30, 0)
book = FileWorkbook({book!r})
res = sd.generate_debits(book)
print("OUT", len(res.outputs))
"""


PAIRS = 5 if os.environ.get("REGLO_FULL") else 1


def test_two_processes_at_once_collect_once(tmp_path, monkeypatch):
    """Two processes generate on the same dossier at the same time: one file, one batch (the
    dossier lock and the register's payment keys); ``REGLO_FULL=1`` runs 5 pairs."""
    monkeypatch.setattr(sd, "now", lambda: NOW)
    for pair in range(PAIRS):
        folder = tmp_path / f"d{pair}"
        write_dossier(folder, strict(dossier()), default_ledger())
        books = []
        for n in (1, 2):
            b = workbook(folder, name=f"wb{n}.xlsx")
            b.save()
            books.append(str(folder / f"wb{n}.xlsx"))
        env = {**os.environ, "PYTHONPATH": str(HERE)}
        procs = [subprocess.Popen([sys.executable, "-c", _CHILD.format(root=str(HERE), book=b)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for b in books]
        outs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), [o[1].decode()[-800:] for o in outs]
        written = sorted(int(o[0].decode().split("OUT ")[1]) for o in outs)
        assert written[0] == 0 and written[1] >= 2
        live = snapshot(folder).live("prelevement")
        assert len(live) == 1 and live[0].total_cents == 805040
        assert len(list((folder / "prelevements").glob("Pre*.xml"))) == 1


def test_cli_prepare_check_preview_generate(folder, capsys):
    from reglo.addin.entrypoints.cli import main

    wb = folder / "cli.xlsx"
    common = ["--dossier", str(folder), "--now", "2023-08-10T09:30:00"]
    assert main(["debits", "prepare", str(wb), *common, "--bank", "BQ1", "--assign", "--date", "28/08/2023", "--horizon", "30"]) == 0
    assert "client(s)" in capsys.readouterr().out
    assert main(["debits", "check", str(wb), *common]) == 0
    assert main(["debits", "preview", str(wb), *common]) == 0
    assert main(["debits", "generate", str(wb), *common, "--test"]) == 0
    out = capsys.readouterr().out
    assert "TESTPre2308100930BQ1.xml" in out
    assert main(["debits", "generate", str(wb), *common, "--no-test", "--version", "02"]) == 0
    data = (folder / "prelevements" / "Pre2308100930BQ1.xml").read_bytes()
    assert read_pain008(data).version == "pain.008.001.02"


def test_a_lost_register_is_never_recreated_silently(folder):
    """The register knows the direct-debit file names (recovery's REGLO_OUTPUT): once a Pre….xml
    was written, a missing register is refused, and nothing is collected again until
    « reglo register repair »."""
    from reglo.addin.shell.errors import UserError

    book = workbook(folder)
    assert sd.generate_debits(book).outputs
    for p in folder.glob("reglo-registre*"):
        p.unlink()
    with pytest.raises(UserError, match="register repair"):
        sd.generate_debits(workbook(folder, name="again.xlsx"))
    assert sorted(p.name for p in (folder / "prelevements").iterdir()) == ["732829320FEC20231231-Pre2308100930BQ1.txt", "Pre2308100930BQ1.xml"]
