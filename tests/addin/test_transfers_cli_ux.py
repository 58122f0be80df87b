"""Command-line wording of issue 12 (finding 8): a missing period names ``--period`` with an
example; cancelling a file twice says nothing changed and succeeds."""
from __future__ import annotations

from reglo.addin.entrypoints.cli import main
from tests.addin.transfer_helpers import make_dossier

NOW = "2023-03-31T10:00:00"


def test_transfers_import_without_period_names_the_option_with_an_example(tmp_path, capsys):
    dossier = make_dossier(tmp_path / "dossier")
    code = main(["transfers", "import", str(tmp_path / "v.xlsx"), "--dossier", str(dossier), "--now", NOW])
    out = capsys.readouterr().out
    assert code == 1
    assert "--period 2025-12" in out and "TRANSFER_PERIOD_OPTION" in out
    assert "TRANSFER_PARAM_MISSING" not in out  # one clear line, not two about a sheet the user never saw


def test_cancelling_a_cancelled_file_changes_nothing(tmp_path, capsys):
    dossier = make_dossier(tmp_path / "dossier")
    wb = tmp_path / "v.xlsx"
    assert main(["transfers", "import", str(wb), "--dossier", str(dossier), "--period", "2023-03", "--execution-date", "31/03/2023", "--now", NOW]) in (0, 1)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    assert main(["transfers", "cancel", "VIR20230331100000.xml", "--dossier", str(dossier), "--reason", "rejet banque"]) == 0
    first = capsys.readouterr().out
    assert "TRANSFER_FILE_CANCELLED" in first
    assert main(["transfers", "cancel", "VIR20230331100000.xml", "--dossier", str(dossier), "--reason", "rejet banque"]) == 0
    again = capsys.readouterr().out
    assert "déjà annulé" in again and "rien n'a changé" in again and "TRANSFER_FILE_ALREADY_CANCELLED" in again
    assert "TRANSFER_FILE_CANCELLED" not in again  # not reported as a new cancellation


def test_register_cancel_twice_says_nothing_changed(tmp_path, capsys):
    dossier = make_dossier(tmp_path / "dossier")
    wb = tmp_path / "v.xlsx"
    main(["transfers", "import", str(wb), "--dossier", str(dossier), "--period", "2023-03", "--execution-date", "31/03/2023", "--now", NOW])
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    args = ["register", "cancel", "VIR20230331100000.xml", "--dossier", str(dossier), "--reason", "rejet banque"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert "déjà annulé" in (out := capsys.readouterr().out) and "rien n'a changé" in out
