"""``reglo debits lcr …``, ``reglo debits slip …``, ``reglo vat receipts …`` end to end on
files: exit codes (0 / 1 blocking / 2 unusable input), French messages for hostile input,
never a traceback or a Python class name."""
from __future__ import annotations

from pathlib import Path

import pytest

from reglo.addin.entrypoints.cli import main
from reglo.addin.shell import debits as sd
from reglo.addin.shell.dossier import write_dossier
from tests.addin.test_debits_shell import strict
from tests.addin.test_lcr_shell import lcr_dossier, lcr_ledger

NOW = ["--now", "2023-08-10T09:30:00"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    write_dossier(tmp_path / "dossier", strict(lcr_dossier()), lcr_ledger())
    monkeypatch.setattr(sd, "now", sd.now)  # the CLI's --now replaces the clock: restored after the test
    return tmp_path / "dossier"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Error:" not in out + err and "Exception" not in out + err
    return code, out, err


def lcr(capsys, folder: Path, step: str, *extra: str) -> tuple[int, str, str]:
    assign = ("--assign",) if step in ("transfer", "preview", "continue") else ()
    return run(capsys, "debits", "lcr", step, str(folder / "LCR.xlsx"), "--dossier", str(folder), *NOW, *assign, *extra)


def test_help_is_french(capsys):
    with pytest.raises(SystemExit):
        main(["debits", "lcr", "continue", "--help"])
    out = capsys.readouterr().out
    assert "Continuer" in out and "options:" in out and "CLASSEUR" in out


def test_transfer_continue_slip_and_vat(folder, capsys):
    code, out, _ = lcr(capsys, folder, "transfer", "--bank", "BQ1", "--date", "10/08/2023", "--label", "LCR {PIECE}")
    assert code == 0 and "2 LCR à remettre" in out
    code, out, _ = lcr(capsys, folder, "preview")
    assert code == 0 and out.startswith("Aperçu (rien n'est écrit") and "Fichier écrit" not in out and not (folder / "lcr").exists()
    code, out, _ = lcr(capsys, folder, "continue")
    assert code == 0, out
    written = [l.removeprefix("Fichier écrit : ") for l in out.splitlines() if l.startswith("Fichier écrit")]
    assert len(written) == 2 and all(Path(p).exists() for p in written)
    code, out, _ = run(capsys, "debits", "slip", str(folder / "LCR.xlsx"), "--dossier", str(folder), "--kind", "lcr", *NOW)
    assert code == 0 and "Bordereau LCR" in out
    code, out, _ = run(capsys, "vat", "receipts", str(folder / "TVA.xlsx"), "--dossier", str(folder), "--from", "01/07/2023", "--until", "31/12/2023", *NOW)
    assert code == 0 and "donnees_encaissement" in out
    again, out, _ = lcr(capsys, folder, "continue")
    assert again == 1 and "rien à remettre" in out


def test_unvalidate_all_needs_two_confirmations_and_reject(folder, capsys):
    lcr(capsys, folder, "transfer")
    lcr(capsys, folder, "continue")
    code, out, _ = lcr(capsys, folder, "unvalidate", "--scope", "tous", "--yes")
    assert code == 1 and "deux confirmations" in out
    code, out, _ = lcr(capsys, folder, "unvalidate", "--scope", "tous", "--yes", "--yes")
    assert code == 0 and "dévalidée" in out
    code, out, _ = lcr(capsys, folder, "reject", "--reference", "INCONNUE")
    assert code == 1 and "Aucune remise « INCONNUE »" in out


@pytest.mark.parametrize("argv, expected", [
    (["--now", "hier"], "--now « hier » illisible"),
    (["--date", "32/13/2023"], "Date de remise « 32/13/2023 » illisible"),
    (["--value-date", "demain"], "Date de valeur « demain » illisible"),
])
def test_hostile_options_are_unusable_input_in_french(folder, capsys, argv, expected):
    code, _, err = run(capsys, "debits", "lcr", "transfer", str(folder / "LCR.xlsx"), "--dossier", str(folder), *argv)
    assert code == 2 and expected in err and err.startswith("Erreur : ")


def test_corrupt_workbook_is_refused_in_french(folder, capsys):
    bad = folder / "abîmé.xlsx"
    bad.write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    code, _, err = run(capsys, "debits", "lcr", "transfer", str(bad), "--dossier", str(folder), *NOW)
    assert code == 2 and err.startswith("Erreur : ") and "abîmé.xlsx" in err


def test_workbook_that_is_a_folder(folder, capsys):
    code, _, err = run(capsys, "debits", "slip", str(folder), "--dossier", str(folder), *NOW)
    assert code == 2 and "est un dossier" in err


def test_continue_before_transfer(folder, capsys):
    code, _, err = lcr(capsys, folder, "continue")
    assert code == 2 and "lancez d'abord « Transfert »" in err


def test_unknown_bank_and_discount_without_value_date_are_blocking(folder, capsys):
    code, out, _ = lcr(capsys, folder, "transfer", "--bank", "ZZ9")
    assert code == 1 and "Banque dossier « ZZ9 » inconnue" in out
    lcr(capsys, folder, "transfer", "--bank", "BQ1")
    code, out, _ = lcr(capsys, folder, "continue", "--code-entree", "1")
    assert code == 1 and "LCR_VALUE_DATE_MISSING" in out
    assert not (folder / "lcr").exists() or not list((folder / "lcr").glob("LCR*"))  # nothing written


def test_bad_reference_in_the_management_sheet_is_blocking(folder, capsys):
    from reglo.addin.backends.sheets import FileWorkbook, read_table

    lcr(capsys, folder, "transfer")
    book = FileWorkbook(folder / "LCR.xlsx")
    table = read_table(book, "Gestion des LCR", required=["Compte"])
    book.write_cells("Gestion des LCR", {(table.rows[0].excel_row, table.column_index("Réf. Tiré")): "AB CD#1"})
    book.save()
    code, out, _ = lcr(capsys, folder, "continue")
    assert code == 1 and "LCR_REFERENCE_INVALID" in out and "Réf. Tiré" in out


def test_missing_dossier_is_unusable_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sd, "now", sd.now)
    code, _, err = run(capsys, "debits", "lcr", "transfer", str(tmp_path / "LCR.xlsx"), "--dossier", str(tmp_path / "absent"), *NOW)
    assert code == 2 and err.startswith("Erreur : ")


@pytest.mark.parametrize("argv, code_", [
    (["--accounts", "abc"], "VAT_ACCOUNT_MAPPING_INVALID"),
    (["--from", "31/12/2023", "--until", "01/07/2023"], "VAT_PERIOD_INVALID"),
])
def test_vat_hostile_options(folder, capsys, argv, code_):
    base = ["--from", "01/07/2023", "--until", "31/12/2023"] if "--from" not in argv else []
    code, out, _ = run(capsys, "vat", "receipts", str(folder / "TVA.xlsx"), "--dossier", str(folder), *NOW, *base, *argv)
    assert code == 1 and code_ in out


def test_vat_bad_date_is_unusable_input(folder, capsys):
    code, _, err = run(capsys, "vat", "receipts", str(folder / "TVA.xlsx"), "--dossier", str(folder), "--from", "1er juillet", *NOW)
    assert code == 2 and "Début de période « 1er juillet » illisible" in err
