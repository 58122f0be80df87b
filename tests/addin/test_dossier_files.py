"""Writing and reading a dossier folder (dossier.xlsx + FEC): round trip, styles, bad input."""
from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel
from openpyxl import load_workbook

from reglo.addin.shell.dossier import DOSSIER_FILE, load_dossier, write_dossier
from reglo.addin.shell.errors import UserError
from reglo.addin.shell.register import REGISTER_FILE
from reglo.core.alerts import Severity
from reglo.core.demo import generate_demo
from reglo.core.dossier import INVOICES_SHEET, PARTIES_SHEET, SHEETS


@pytest.fixture(scope="module")
def demo():
    return generate_demo()


@pytest.fixture(scope="module")
def written(demo, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dossier")
    return folder, write_dossier(folder, demo.dossier, demo.ledger_frame)


def _strip_rows(model):
    """Models compared without ``source_row`` (set when read back from a sheet)."""
    if isinstance(model, tuple):
        return tuple(_strip_rows(m) for m in model)
    if isinstance(model, BaseModel):
        data = {k: _strip_rows(getattr(model, k)) for k in type(model).model_fields if k != "source_row"}
        return (type(model).__name__, tuple(sorted(data.items(), key=lambda kv: kv[0])))
    return model


def test_files_written(written, demo):
    folder, paths = written
    assert paths["dossier"] == folder / DOSSIER_FILE and paths["dossier"].exists()
    assert paths["fec"].name == f"{demo.dossier.company.siren}FEC20251231.txt"
    assert paths["register"] == folder / REGISTER_FILE and not paths["register"].exists()  # created on first use
    header = paths["fec"].read_bytes().split(b"\r\n", 1)[0].decode()
    assert header.split("\t")[-1] == "DateEcheance" and len(header.split("\t")) == 19
    assert not list(folder.glob("*.tmp*"))


def test_round_trip(written, demo):
    folder, _ = written
    loaded = load_dossier(folder)
    assert loaded.alerts == []
    assert _strip_rows(loaded.dossier) == _strip_rows(demo.dossier)
    assert len(loaded.ledger) == len(demo.ledger_frame)
    frame = loaded.ledger.frame
    for col in ("journal_code", "entry_number", "subledger_account", "document_ref", "label", "debit", "credit", "lettering_code"):
        assert frame[col].tolist() == demo.ledger_frame[col].tolist(), col
    assert frame["due_date"].equals(demo.ledger_frame["due_date"])
    assert loaded.folder == folder and loaded.fec_path.name.endswith("FEC20251231.txt")
    assert load_dossier(folder / DOSSIER_FILE).dossier == loaded.dossier  # the workbook path works too
    assert load_dossier(loaded.fec_path).dossier == loaded.dossier  # and the FEC's path


def test_register_opens_on_first_use(written, tmp_path):
    folder, _ = written
    loaded = load_dossier(folder)
    loaded.register_path = tmp_path / REGISTER_FILE  # keep the shared fixture folder clean
    assert loaded.register.batches() == [] and (tmp_path / REGISTER_FILE).exists()


def test_workbook_is_styled(written):
    folder, paths = written
    wb = load_workbook(paths["dossier"])
    assert wb.sheetnames == list(SHEETS)
    for name, headers in SHEETS.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    inv = wb[INVOICES_SHEET]
    col = {c.value: c.column_letter for c in inv[1]}
    assert inv[f"{col['Date facture']}2"].number_format == "dd/mm/yyyy"
    assert "€" in inv[f"{col['Montant TTC']}2"].number_format
    tiers = wb[PARTIES_SHEET]
    col = {c.value: c.column_letter for c in tiers[1]}
    assert tiers[f"{col['Code postal']}2"].number_format == "@" and isinstance(tiers[f"{col['Code postal']}2"].value, str)
    assert tiers.column_dimensions[col["Raison sociale"]].width >= 30


def test_rewriting_replaces_the_files(demo, tmp_path):
    write_dossier(tmp_path, demo.dossier, demo.ledger_frame)
    (tmp_path / DOSSIER_FILE).write_bytes(b"old")
    paths = write_dossier(tmp_path, demo.dossier, demo.ledger_frame)
    assert load_workbook(paths["dossier"]).sheetnames == list(SHEETS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([DOSSIER_FILE, paths["fec"].name])


def _copy(folder: Path, dest: Path) -> Path:
    dest.mkdir()
    for p in folder.iterdir():
        (dest / p.name).write_bytes(p.read_bytes())
    return dest


def test_bad_cells_become_alerts_with_sheet_row_column(written, tmp_path):
    folder = _copy(written[0], tmp_path / "d")
    wb = load_workbook(folder / DOSSIER_FILE)
    ws = wb[PARTIES_SHEET]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(5, col["IBAN"], "FR76 3000 4000 0112 3456 7890 174")
    ws.cell(6, col["Mode de règlement"], "Troc")
    wb.save(folder / DOSSIER_FILE)
    loaded = load_dossier(folder)
    where = {(a.code, a.sheet, a.row, a.column) for a in loaded.alerts}
    assert ("IBAN_INVALID", PARTIES_SHEET, 5, "IBAN") in where
    assert ("DOSSIER_PAYMENT_METHOD", PARTIES_SHEET, 6, "Mode de règlement") in where
    assert len(loaded.dossier.parties) == 70  # both rows kept, the alerts say what is wrong


def test_missing_fec_and_several_fecs(written, tmp_path):
    folder = _copy(written[0], tmp_path / "d")
    fec = next(folder.glob("*FEC*.txt"))
    older = folder / fec.name.replace("20251231", "20241231")
    older.write_bytes(fec.read_bytes())
    loaded = load_dossier(folder)
    assert [a.code for a in loaded.alerts] == ["DOSSIER_FEC_SEVERAL"] and loaded.fec_path == fec
    fec.unlink()
    older.unlink()
    loaded = load_dossier(folder)
    assert [(a.code, a.severity) for a in loaded.alerts] == [("DOSSIER_FEC_MISSING", Severity.WARNING)]
    assert len(loaded.ledger) == 0


def test_broken_fec_is_an_alert_not_a_crash(written, tmp_path):
    folder = _copy(written[0], tmp_path / "d")
    fec = next(folder.glob("*FEC*.txt"))
    fec.write_bytes(b"JournalCode;JournalLib\r\nVT;Ventes\r\n")
    loaded = load_dossier(folder)
    assert [a.severity for a in loaded.alerts] == [Severity.BLOCKING] and loaded.alerts[0].code.startswith("FEC_")
    assert len(loaded.ledger) == 0


def test_unusable_dossier_is_a_user_error(written, tmp_path):
    with pytest.raises(UserError, match="dossier.xlsx"):
        load_dossier(tmp_path)  # DOSSIER_FILE_MISSING
    (tmp_path / DOSSIER_FILE).write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UserError, match="illisible"):
        load_dossier(tmp_path)
    folder = _copy(written[0], tmp_path / "d")
    wb = load_workbook(folder / DOSSIER_FILE)
    del wb["Société"]
    wb.save(folder / DOSSIER_FILE)
    with pytest.raises(UserError, match="Société"):
        load_dossier(folder)


def test_missing_folder_is_named_as_a_folder(tmp_path):
    missing = tmp_path / "path" / "that" / "does" / "not" / "exist"
    with pytest.raises(UserError) as exc:
        load_dossier(missing)  # DOSSIER_FOLDER_MISSING
    assert str(missing) in str(exc.value) and "Dossier introuvable" in str(exc.value)
    assert "does" + "/" + DOSSIER_FILE not in str(exc.value) and "exist/" + DOSSIER_FILE not in str(exc.value)
    with pytest.raises(UserError) as exc:
        load_dossier(tmp_path / "absent.xlsx")  # a missing workbook stays DOSSIER_FILE_MISSING
    assert "absent.xlsx" in str(exc.value) and "Dossier introuvable" not in str(exc.value)
    with pytest.raises(UserError) as exc:
        load_dossier(tmp_path)  # an existing folder without dossier.xlsx
    assert "Dossier introuvable" not in str(exc.value) and DOSSIER_FILE in str(exc.value)


def test_unreadable_fec_is_file_unreadable(written, tmp_path, monkeypatch):
    folder = _copy(written[0], tmp_path / "d")
    fec = next(folder.glob("*FEC*.txt"))
    real = Path.read_bytes

    def locked(self):
        if self == fec:
            raise PermissionError(13, "Permission non accordée")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", locked)  # a FEC locked by another program
    loaded = load_dossier(folder)
    got = [a for a in loaded.alerts if a.code == "FILE_UNREADABLE"]
    assert len(got) == 1 and got[0].severity is Severity.BLOCKING and fec.name in got[0].message
    monkeypatch.setattr(Path, "read_bytes", real)
    assert not [a for a in load_dossier(folder).alerts if a.code == "FILE_UNREADABLE"]
