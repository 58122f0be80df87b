"""Supplier transfers: labelled entries, paid invoices lettered in the lettered copy of the
ledger (undoable with ``reglo letter --undo-last``), all-or-nothing generation."""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

import reglo.addin.shell.register as reg_mod
import reglo.addin.shell.transfers as at
from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.register import PaymentRegister
from reglo.core.fec import read_fec
from tests.addin.test_transfers_addin import NOW, _import, set_preview
from tests.addin.transfer_helpers import make_dossier
from tests.core.transfer_fixtures import invoice

COPY = "552100554FEC20231231 - lettré.txt"
NAME = "Matériaux Rhône-Alpes SARL"


def _ledger(path: Path):
    return read_fec(path.read_bytes(), filename=path.name)


def _line(frame, aux: str, ref: str, side: str):
    m = (frame["subledger_account"] == aux) & (frame["document_ref"] == ref) & (frame[side] > 0)
    (pos,) = frame.index[m]
    return frame.loc[pos]


@pytest.fixture
def dossier(tmp_path):
    # F001 already has letters AA and AC in the ledger: the next free code is AD
    old = [l.model_copy(update={"lettering_code": code}) for l, code in zip(invoice("5", "F001", "FA-2023-001", "50.00", "2023-01-31", day="2023-01-02", name=NAME), ("AC", ""))]
    old2 = [l.model_copy(update={"lettering_code": code}) for l, code in zip(invoice("6", "F001", "FA-2023-002", "60.00", "2023-01-31", day="2023-01-03", name=NAME), ("AA", ""))]
    return make_dossier(tmp_path / "dossier", old, old2)


def test_seed_example_partial_not_lettered_full_one_lettered_and_undoable(dossier, tmp_path, capsys):
    wb = tmp_path / "virements.xlsx"
    assert _import(wb, dossier) == 0
    set_preview(wb, "FA-2023-031", Montant=1000)  # the example: 1 200 € invoice, 1 000 € paid
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "1 virement(s) lettré(e)s" in out and "1 non lettré(e)s" in out
    folder = dossier / "virements"
    entries = _ledger(next(folder.glob("*FEC*-VIR20230331100000.txt")))
    assert not [a for a in entries.alerts if a.code == "FEC_MISSING_DATA"]
    e = entries.frame
    assert set(e["journal_label"]) == {"La Banque Postale"}
    assert dict(zip(e["ledger_account"], e["ledger_account_label"])) == {"401000": "Fournisseurs", "512000": "Banque"}
    assert dict(zip(e["subledger_account"], e["subledger_label"])) == {"F001": "Matériaux Rhône-Alpes SARL", "F002": "Bauwerk GmbH", "": ""}
    assert (e["validated_on"].notna()).all()
    # the 401 lines: F002 paid in full → AA (its account has no letter yet); F001 part-paid → no code
    pay = {a: c for a, c in zip(e.loc[e["debit"] > 0, "subledger_account"], e.loc[e["debit"] > 0, "lettering_code"])}
    assert pay == {"F001": "", "F002": "AA"}

    copy = dossier / COPY
    lettered = _ledger(copy)
    # the fixture's own lines have no JournalLib / CompteLib; the appended lines (10-13) have all their labels
    assert not [a for a in lettered.alerts if a.code == "FEC_MISSING_DATA" and a.row >= 10]
    f = lettered.frame
    assert f["source_row"].tolist() == list(range(2, 13))
    assert len(f) == 8 + 3  # the dossier's 8 lines + one entry for the file (remise globale): two 401 lines, one 512 line
    r77 = _line(f, "F002", "R-77", "credit")
    assert (r77["lettering_code"], str(r77["lettered_on"])[:10], r77["credit"]) == ("AA", "2023-03-31", 7010)
    fa31 = _line(f, "F001", "FA-2023-031", "credit")
    assert fa31["lettering_code"] == "" and fa31["credit"] == 120000  # part payment: not lettered
    assert (dossier / (COPY + ".lettrage.json")).is_file()
    # the dossier's own FEC is untouched
    assert "AA" not in set(_ledger(dossier / "552100554FEC20231231.txt").frame.query("subledger_account == 'F002'")["lettering_code"])

    book = load_workbook(wb)
    rows = [r for r in book["Lettrage"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8]) for r in rows] == [
        ("401000", "F002", "R-77", None, 70.1, "AA", int(r77["source_row"]), "Grand livre du dossier"),
        ("401000", "F002", "VIR20230331100000", 70.1, None, "AA", 11, "Écriture générée"),
    ]
    virements = {r[0]: r[10] for r in book["Virements"].iter_rows(min_row=1, values_only=True) if r and r[0] in ("F001", "F002")}
    assert virements["F002"] == "AA" and not virements["F001"]

    # délettrage of the run through the lettering command
    capsys.readouterr()
    assert main(["letter", str(copy), "--undo-last"]) == 0
    f2 = _ledger(copy).frame
    assert (f2.loc[f2["subledger_account"] == "F002", "lettering_code"] == "").all()
    assert len(f2) == 11


def test_fully_paid_invoice_gets_next_free_code_on_both_lines(dossier, tmp_path, capsys):
    wb = tmp_path / "v.xlsx"
    assert _import(wb, dossier) == 0
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    f = _ledger(dossier / COPY).frame
    inv = _line(f, "F001", "FA-2023-031", "credit")
    assert (inv["lettering_code"], inv["credit"]) == ("AD", 120000)  # after AC, the highest code of F001
    new = f[(f["subledger_account"] == "F001") & (f["debit"] == 120000)]
    assert new["lettering_code"].tolist() == ["AD"]
    assert _line(f, "F002", "R-77", "credit")["lettering_code"] == "AA"
    reg = PaymentRegister.beside(dossier)
    (batch,) = reg.batches(kind="virement")
    assert {l.document_ref: l.meta["lettering"] for l in reg.lines(batch.id)} == {"FA-2023-031": "AD", "R-77": "AA"}


def test_failed_write_records_nothing_and_rerun_pays(dossier, tmp_path, monkeypatch, capsys):
    import reglo.addin.shell.commit as commit
    from tests.addin.register_view import live

    wb = tmp_path / "v.xlsx"
    assert _import(wb, dossier) == 0
    real = commit.place_without_overwrite
    calls = []

    def flaky(tmp, target):
        calls.append(Path(target).name)
        if len(calls) == 3:  # the SEPA file and the entries are in place, the lettered copy fails
            raise OSError(28, "No space left on device", str(target))
        return real(tmp, target)

    monkeypatch.setattr(commit, "place_without_overwrite", flaky)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 2
    cap = capsys.readouterr()
    assert "Rien n'a été enregistré" in cap.err + cap.out
    assert live(dossier) == []
    assert not (dossier / "virements").exists() or list((dossier / "virements").iterdir()) == []
    assert not (dossier / COPY).exists()
    monkeypatch.setattr(commit, "place_without_overwrite", real)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    (batch,) = live(dossier, "virement")  # a MsgId is used once in the dossier's history: the re-run gets the next one
    assert len(batch.lines) == 2 and (dossier / "virements" / "VIR20230331100000-2.xml").is_file() and (dossier / COPY).is_file()


def test_failed_workbook_save_never_unpays(dossier, tmp_path, monkeypatch, capsys):
    """The workbook is written after the commit: a save that fails leaves the file paid, and
    generating again from the unsaved workbook pays nothing twice."""
    from reglo.addin.backends.sheets import FileWorkbook
    from tests.addin.register_view import live

    wb = tmp_path / "v.xlsx"
    assert _import(wb, dossier) == 0

    def boom(self, *a, **k):
        raise OSError(13, "Permission denied (fichier ouvert dans Excel)", str(wb))

    monkeypatch.setattr(FileWorkbook, "save", boom)
    main(["transfers", "generate", str(wb), "--now", NOW])
    assert "ne relancez pas « Générer »" in capsys.readouterr().out
    assert len(live(dossier, "virement")) == 1 and len(list((dossier / "virements").glob("*.xml"))) == 1 and (dossier / COPY).exists()
    monkeypatch.undo()
    assert main(["transfers", "generate", str(wb), "--now", "2023-03-31T10:01:00"]) == 0
    assert "NOTHING_SELECTED" in capsys.readouterr().out
    assert len(live(dossier, "virement")) == 1 and len(list((dossier / "virements").glob("*.xml"))) == 1


def test_unreadable_lettered_copy_blocks_the_file_then_a_changed_fec_carries_transfers_over(dossier, tmp_path, capsys):
    """« LETTERED_COPY_UNREADABLE »: nothing generated, nothing recorded, the copy untouched.
    « LETTERED_COPY_REBUILT »: the dossier FEC changed after a file: the transfer entries
    of the previous copy are carried over into the rebuilt copy."""
    wb = tmp_path / "v.xlsx"
    assert _import(wb, dossier) == 0
    (dossier / COPY).write_bytes(b"illisible\x00")
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 1
    assert "LETTERED_COPY_UNREADABLE" in capsys.readouterr().out
    assert (dossier / COPY).read_bytes() == b"illisible\x00" and PaymentRegister.beside(dossier).batches() == []
    assert not (dossier / "virements").exists()
    (dossier / COPY).unlink()
    set_preview(wb, "R-77", Sélection="Non")
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    assert "LETTERED_COPY_REBUILT" not in capsys.readouterr().out
    fec = next(p for p in dossier.glob("*FEC*.txt") if "lettré" not in p.name)
    import pandas as pd

    from reglo.core.fec import write_fec
    from tests.core.transfer_fixtures import ledger

    base = _ledger(fec).frame  # a new export: one more invoice (due in April), the transfer not booked yet
    more = ledger(invoice("30", "F002", "R-99", "10.00", "2023-04-15", name="Bauwerk GmbH"))
    fec.write_bytes(write_fec(pd.concat([base, more[base.columns]], ignore_index=True), due_date_field="DateEcheance"))
    assert _import(wb, dossier) in (0, 1)
    assert main(["transfers", "generate", str(wb), "--now", "2023-03-31T11:00:00"]) == 0
    out = capsys.readouterr().out
    assert "LETTERED_COPY_REBUILT" in out and "VIR20230331100000-1" in out
    f = _ledger(dossier / COPY).frame
    assert {"VIR20230331100000-1", "VIR20230331110000-1"} <= set(f["entry_number"])
    assert _line(f, "F001", "FA-2023-031", "credit")["lettering_code"] != ""  # lettering carried over too
    assert "R-99" in set(f["document_ref"])


def test_transfers_executed_next_year_are_not_in_the_fiscal_year_copy(dossier, tmp_path, capsys):
    """« ENTRIES_NEXT_FISCAL_YEAR »: executed 05/01/2024, FY 2023 → entries file only."""
    wb = tmp_path / "v.xlsx"
    assert main(["transfers", "import", str(wb), "--dossier", str(dossier), "--period", "2023-03", "--execution-date", "05/01/2024", "--now", NOW]) == 0
    capsys.readouterr()
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "ENTRIES_NEXT_FISCAL_YEAR" in out and "05/01/2024" in out
    assert "0 non lettré(e)s" in out and "2 payé(e)s après la clôture" in out
    entries = _ledger(next((dossier / "virements").glob("*FEC*-VIR20230331100000.txt"))).frame
    assert set(entries["entry_date"].dt.strftime("%d/%m/%Y")) == {"05/01/2024"}
    copy_path = dossier / COPY
    if copy_path.exists():
        f = _ledger(copy_path).frame
        assert not f["entry_number"].str.startswith("VIR").any() and (f["entry_date"].dt.year <= 2023).all()
    # executed within the year: no warning
    wb2 = tmp_path / "w.xlsx"
    make_dossier(tmp_path / "d2")
    assert main(["transfers", "import", str(wb2), "--dossier", str(tmp_path / "d2"), "--period", "2023-03", "--execution-date", "31/03/2023", "--now", NOW]) == 0
    capsys.readouterr()
    assert main(["transfers", "generate", str(wb2), "--now", NOW]) == 0
    assert "ENTRIES_NEXT_FISCAL_YEAR" not in capsys.readouterr().out
