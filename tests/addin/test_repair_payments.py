"""``reglo register repair`` rebuilds the customer payments import batches from their entries
files: the register and its journal are lost, the entries file ``<SIREN>FEC<closing>-RC-….txt``
(or the former ``Reglements_clients_….txt``) stays. After the repair the register holds the same
batch (reference, status, lines with the same invoice keys, amounts allocated, payment keys,
overpayments, modes, references, banks, lettering codes), and importing the same sheet again
imports nothing.

Not recovered, the files do not carry them: the template's row numbers and row count, the
workbook's name, and the lettered copy of the ledger (a file of its own)."""
from __future__ import annotations

from datetime import datetime

import pytest
from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.dossier import write_dossier_workbook
from reglo.addin.shell.registry.repair import repair

from tests.addin.register_view import snapshot
from tests.addin.test_payments_handlers import cli_dossier  # noqa: F401 - fixture
from tests.addin.test_payments_workbook import dossier, make_dossier, template_file  # noqa: F401 - fixture

UNKNOWABLE = ("source_row", "repaired", "entry")



def projection(snap):
    out = []
    for b in sorted(snap.batches, key=lambda b: b.reference):
        lines = [(l.item_key, l.amount_cents, l.payment_key, l.party_code, l.document_ref,
                  tuple(sorted((k, str(v)) for k, v in l.meta.items() if k not in UNKNOWABLE))) for l in b.lines]
        out.append((b.kind, b.reference, b.status, b.is_test, b.meta.get("source"), lines, sorted(f.name for f in b.files if f.role == "entries")))
    return out


@pytest.mark.parametrize("legacy", [False, True], ids=["created-name", "Reglements_clients"])
def test_repair_rebuilds_the_import_and_the_same_sheet_imports_nothing_again(tmp_path, cli_dossier, capsys, legacy):
    folder = cli_dossier.folder
    write_dossier_workbook(folder / "dossier.xlsx", make_dossier())  # the job sites come from it
    path = template_file(tmp_path / "r.xlsx")
    assert main(["payments", "import", str(path), "--dossier", str(tmp_path), "--today", "2025-06-30"]) == 1  # 2 rows stay blocked
    assert "3 règlement(s) importé(s)" in capsys.readouterr().out
    before = snapshot(folder)
    [entries] = [f.name for b in before.batches for f in b.files if f.role == "entries"]
    assert {l.meta["excess_cents"] > 0 for l in before.batches[0].lines} == {True, False}  # an overpayment among them
    if legacy:  # an older dossier: the same entries file under the former name
        renamed = f"Reglements_clients_{before.batches[0].reference.removeprefix('RC-')}.txt"
        (folder / entries).rename(folder / renamed)
        entries = renamed
    for p in folder.glob("reglo-registre.*"):
        p.unlink()
    for p in folder.glob("*lettré*"):
        p.unlink()

    assert main(["payments", "import", str(path), "--dossier", str(tmp_path), "--today", "2025-06-30"]) != 0
    assert "REGISTER_ORPHAN_FILE" in capsys.readouterr().out  # blocked, nothing imported again
    report = repair(folder, now=datetime(2025, 7, 1, 9, 0))
    assert [names for _, _, names in report.recorded] == [[entries]] and not report.unknown

    after = snapshot(folder)
    want = projection(before)
    if legacy:
        want = [(*p[:-1], [entries]) for p in want]
    got = projection(after)
    for g, w in zip(got, want):
        for a, b in zip(g[5], w[5]):
            assert a == b
    assert got == want
    assert after.counters["entry:BQ1"] + after.counters.get("entry:BQ2", 0) >= 1  # the next numbers follow the repaired ones
    for name, value in after.counters.items():
        if name.startswith("entry:"):
            assert value == before.counters[name]

    capsys.readouterr()
    assert main(["payments", "import", str(path), "--dossier", str(tmp_path), "--today", "2025-06-30"]) == 1
    out = capsys.readouterr().out
    assert "3 règlement(s) de la feuille ont déjà été importés" in out
    assert len(snapshot(folder).batches) == 1  # nothing imported twice
    assert sorted(p.name for p in folder.glob("*RC-*.txt")) + sorted(p.name for p in folder.glob("Reglements_clients_*")) == [entries]


def test_a_file_that_is_not_a_payments_import_is_left_to_the_generic_repair(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "552100554FEC20251231-RC-20250630-100000.txt").write_text(
        "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\t"
        "EcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise\n"
        "OD\tOD\t1\t20250630\t601000\tAchats\t\t\tX\t20250630\tAchat\t10,00\t0,00\t\t\t20250630\t\t\n"
        "OD\tOD\t1\t20250630\t401000\tFournisseurs\t\t\tX\t20250630\tAchat\t0,00\t10,00\t\t\t20250630\t\t\n", encoding="utf-8")
    report = repair(folder, now=datetime(2025, 7, 1, 9, 0))
    [batch] = snapshot(folder).batches
    assert batch.kind == "repare" and [l.item_key for l in batch.lines] == ["entry:OD:1"] and report.recorded
