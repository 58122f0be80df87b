"""« Intégrer au FEC du dossier » never posts the same entry twice: an entry identical to one
the dossier FEC already has (journal, date, piece — label without a piece — and the same lines:
accounts, auxiliary accounts, debits, credits, in any order) is refused with
INTEGRATE_DUPLICATE_REFUSED, unless ``--forcer-doublons``. Integrating the same run twice left
the FEC with a second payroll entry of 51 500 € before this rule."""
from __future__ import annotations

import pandas as pd
import pytest

from reglo.addin.entrypoints.cli import main
from reglo.core.entry_import.integrate import entry_fingerprints, plan_integration
from reglo.core.fec import read_fec, write_fec
from tests.addin.test_ledger_fidelity import sales_import_into_demo_dossier

COLS = ["journal_code", "journal_label", "entry_number", "entry_date", "ledger_account", "ledger_account_label", "subledger_account", "subledger_label",
        "document_ref", "document_date", "label", "debit", "credit", "lettering_code", "lettered_on", "validated_on", "foreign_amount", "currency"]


def _frame(entries: list[tuple[str, str, str, str, str, list[tuple[str, str, int, int]]]]) -> pd.DataFrame:
    """[(journal, number, AAAAMMJJ, piece, label, [(account, aux, debit, credit)…])…] as a ledger frame."""
    rows = []
    for journal, number, day, piece, label, lines in entries:
        for account, aux, debit, credit in lines:
            rows.append({"journal_code": journal, "journal_label": journal, "entry_number": number, "entry_date": pd.Timestamp(day),
                         "ledger_account": account, "ledger_account_label": "Compte", "subledger_account": aux, "subledger_label": aux,
                         "document_ref": piece, "document_date": pd.Timestamp(day), "label": label, "debit": debit, "credit": credit,
                         "lettering_code": "", "lettered_on": pd.NaT, "validated_on": pd.Timestamp(day), "foreign_amount": None, "currency": ""})
    frame = pd.DataFrame(rows)
    frame["due_date"] = pd.NaT
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


SALARY = [("641000", "", 5150000, 0), ("421000", "", 0, 4017000), ("431000", "", 0, 1133000)]
FEES = [("627000", "", 1200, 0), ("512000", "", 0, 1200)]
BASE = [("PA", "PA3", "20250328", "PAIE03", "Salaires 03/2025", SALARY), ("BQ", "BQ9", "20250331", "", "Frais bancaires", FEES)]


@pytest.mark.parametrize("case, imported, integrated", [
    ("same entry, other number", [("PA", "X1", "20250328", "PAIE03", "Salaires 03/2025", SALARY)], 0),
    ("lines in another order", [("PA", "X1", "20250328", "PAIE03", "Salaires 03/2025", SALARY[::-1])], 0),
    ("same lines, other label, same piece", [("PA", "X1", "20250328", "PAIE03", "Paie de mars", SALARY)], 0),
    ("one cent more", [("PA", "X1", "20250328", "PAIE03", "Salaires 03/2025", [("641000", "", 5150001, 0), ("421000", "", 0, 4017001), ("431000", "", 0, 1133000)])], 1),
    ("other date", [("PA", "X1", "20250428", "PAIE03", "Salaires 03/2025", SALARY)], 1),
    ("other piece", [("PA", "X1", "20250328", "PAIE04", "Salaires 03/2025", SALARY)], 1),
    ("other journal", [("OD", "X1", "20250328", "PAIE03", "Salaires 03/2025", SALARY)], 1),
    ("no piece, same label", [("BQ", "X1", "20250331", "", "Frais bancaires", FEES)], 0),
    ("no piece, other label", [("BQ", "X1", "20250331", "", "Frais carte", FEES)], 1),
    ("other auxiliary account", [("PA", "X1", "20250328", "PAIE03", "Salaires 03/2025", [("641000", "", 5150000, 0), ("421000", "S01", 0, 4017000), ("431000", "", 0, 1133000)])], 1),
])
def test_an_entry_the_fec_already_has_is_refused(case, imported, integrated):
    dossier = _frame(BASE)
    raw = write_fec(dossier)
    plan = plan_integration(raw, read_fec(raw, "552100554FEC20251231.txt").frame, _frame(imported), source="import.txt")
    assert len(plan.accepted) == integrated, case
    refused = [a for a in plan.alerts if a.code.value == "INTEGRATE_DUPLICATE_REFUSED"]
    assert len(refused) == 1 - integrated
    if refused:
        assert "n° PA3" in refused[0].message or "n° BQ9" in refused[0].message
        assert "--forcer-doublons" in refused[0].message
    forced = plan_integration(raw, read_fec(raw, "552100554FEC20251231.txt").frame, _frame(imported), source="import.txt", allow_duplicates=True)
    assert len(forced.accepted) == 1


def test_fingerprints_ignore_numbers_and_line_order():
    a = entry_fingerprints(_frame([("PA", "1", "20250328", "P", "L", SALARY)]))
    b = entry_fingerprints(_frame([("PA", "77", "20250328", "P", "L", SALARY[::-1])]))
    assert a["fingerprint"].tolist() == b["fingerprint"].tolist() and a["number"].tolist() == ["1"]


def test_integrating_the_same_run_twice_changes_nothing_the_second_time(tmp_path, capsys):
    folder, fec_path, run = sales_import_into_demo_dossier(tmp_path)
    assert main(["entries", "integrate", str(run), "--dossier", str(folder), "--oui"]) == 0
    once = fec_path.read_bytes()
    capsys.readouterr()
    # the same run again, then the same file imported again in a new run: nothing is added
    assert main(["entries", "integrate", str(run), "--dossier", str(folder), "--oui"]) == 1
    out = capsys.readouterr().out
    assert fec_path.read_bytes() == once and "INTEGRATE_DUPLICATE_REFUSED" in out and "Rien à intégrer" in out
    _, _, run2 = sales_import_into_demo_dossier(tmp_path, "imports2")
    assert main(["entries", "integrate", str(run2), "--dossier", str(folder), "--oui"]) == 1
    assert fec_path.read_bytes() == once
    # forced: the user says so explicitly
    capsys.readouterr()
    assert main(["entries", "integrate", str(run2), "--dossier", str(folder), "--oui", "--forcer-doublons"]) == 0
    added = read_fec(fec_path.read_bytes(), fec_path.name).frame.iloc[len(read_fec(once, fec_path.name).frame):]
    assert len(added) == 3 and set(added["entry_number"]) == {"VT00344"}
    assert main(["entries", "integrate", "--annuler", "--dossier", str(folder), "--oui"]) == 0
    assert fec_path.read_bytes() == once


def test_two_integrations_in_the_same_second_keep_both_backups(tmp_path):
    """A fixed clock (two integrations in one second on a fast machine): the second backup of
    the FEC gets a name of its own (« … -2.txt ») instead of being refused for a name already
    taken; the journal records each backup's real name, and undoing restores each step."""
    import json
    from datetime import datetime

    from reglo.addin.shell.entry_import import BACKUP_FOLDER, _integration_journal, integrate, undo_integration

    folder, fec_path, run = sales_import_into_demo_dossier(tmp_path)
    _, _, run2 = sales_import_into_demo_dossier(tmp_path, "imports2")
    now = datetime(2026, 12, 7, 20, 9, 29)
    before = fec_path.read_bytes()
    first = integrate(run, folder, confirmed=True, now=now)
    once = fec_path.read_bytes()
    second = integrate(run2, folder, confirmed=True, now=now, allow_duplicates=True)
    assert first.done and second.done
    twice = fec_path.read_bytes()
    assert len(twice) > len(once) > len(before)
    backups = sorted(p.name for p in (folder / BACKUP_FOLDER).iterdir())
    stem = f"{fec_path.stem} avant intégration 20261207-200929"
    assert backups == [f"{stem}-2{fec_path.suffix}", f"{stem}{fec_path.suffix}"]
    assert (folder / BACKUP_FOLDER / f"{stem}{fec_path.suffix}").read_bytes() == before
    assert (folder / BACKUP_FOLDER / f"{stem}-2{fec_path.suffix}").read_bytes() == once
    journal = json.loads(_integration_journal(fec_path).read_text(encoding="utf-8"))
    assert [r["sauvegarde"] for r in journal["runs"]] == [f"{BACKUP_FOLDER}/{stem}{fec_path.suffix}", f"{BACKUP_FOLDER}/{stem}-2{fec_path.suffix}"]
    assert f"{stem}-2{fec_path.suffix}" in second.summary[-1]
    assert undo_integration(folder, confirmed=True, now=now).done
    assert fec_path.read_bytes() == once
    assert undo_integration(folder, confirmed=True, now=now).done
    assert fec_path.read_bytes() == before
