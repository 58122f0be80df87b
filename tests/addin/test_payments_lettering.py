"""Customer payments import: labelled entries, paid invoices lettered in the lettered copy of
the ledger (undoable with ``reglo letter --undo-last``), all-or-nothing import."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

import reglo.addin.shell.payments as ap
from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.dossier import write_dossier
from reglo.addin.shell.errors import UserError
from reglo.addin.shell.payments import PaymentsDossier, import_payments
from reglo.addin.backends.sheets import FileWorkbook
from reglo.core.fec import read_fec
from reglo.core.ledger import from_lines
from reglo.core.models import LedgerLine
from tests.addin.test_payments_workbook import NOW, ROWS, TODAY, make_dossier, template_file

COPY = "552100554FEC20251231 - lettré.txt"


def _sale(entry, aux, ref, amount, day, code=""):
    amt = D(amount)
    return [
        LedgerLine(journal_code="VT", journal_label="Ventes", entry_number=entry, entry_date=day, ledger_account="411000", ledger_account_label="Clients",
                   subledger_account=aux, subledger_label="DUPONT IMMOBILIER" if aux == "C001" else "MAIRIE DE VILLEURBANNE", document_ref=ref,
                   label=f"Facture {ref}", debit=amt, lettering_code=code, lettered_on=day if code else None, validated_on=day),
        LedgerLine(journal_code="VT", journal_label="Ventes", entry_number=entry, entry_date=day, ledger_account="706000", ledger_account_label="Prestations de services",
                   document_ref=ref, label=f"Facture {ref}", credit=amt, validated_on=day),
    ]


def _paid(entry, aux, ref, amount, day, code):
    amt = D(amount)
    return [
        LedgerLine(journal_code="BQ1", journal_label="CIC Lyon", entry_number=entry, entry_date=day, ledger_account="512100", ledger_account_label="CIC Lyon",
                   document_ref=ref, label=f"Règlement {ref}", debit=amt, validated_on=day),
        LedgerLine(journal_code="BQ1", journal_label="CIC Lyon", entry_number=entry, entry_date=day, ledger_account="411000", ledger_account_label="Clients",
                   subledger_account=aux, subledger_label="DUPONT IMMOBILIER", document_ref=ref, label=f"Règlement {ref}", credit=amt,
                   lettering_code=code, lettered_on=day, validated_on=day),
    ]


@pytest.fixture
def folder(tmp_path) -> Path:
    lines = [
        *_sale("VT1", "C001", "F2024-090", "500.00", date(2024, 12, 1), code="AB"),  # C001 already uses AB
        *_paid("BQ1", "C001", "F2024-090", "500.00", date(2025, 1, 5), code="AB"),
        *_sale("VT2", "C001", "F2025-001", "12000.00", date(2025, 2, 10)),
        *_sale("VT3", "C002", "F2025-003", "24000.00", date(2025, 3, 20)),
    ]
    frame = from_lines([l.model_copy(update={"source_row": i + 2}) for i, l in enumerate(lines)])
    out = tmp_path / "dossier"
    write_dossier(out, make_dossier(), frame)
    return out


def _frame(path: Path):
    return read_fec(path.read_bytes(), filename=path.name)


def test_import_letters_the_settled_invoice_not_the_part_paid_one(folder, tmp_path, capsys):
    dossier = PaymentsDossier.load(folder)
    path = template_file(tmp_path / "r.xlsx", ROWS[:2])  # F2025-001 paid in full, F2025-003 10 000 of 24 000
    book = FileWorkbook(path)
    run = import_payments(book, dossier, today=TODAY, now=NOW, save_book=True)
    assert run.batch_id is not None and len(run.applied) == 2
    names = [Path(p).name for p in run.outputs]
    assert names == ["552100554FEC20251231-RC-20250630-100000.txt", COPY, COPY + ".lettrage.json"]
    entries = _frame(Path(run.outputs[0]))
    assert not [a for a in entries.alerts if a.code == "FEC_MISSING_DATA"]
    e = entries.frame
    assert dict(zip(e["journal_code"], e["journal_label"])) == {"BQ1": "CIC Lyon", "BQ2": "Crédit Agricole"}
    assert dict(zip(e["ledger_account"], e["ledger_account_label"])) == {"512100": "CIC Lyon", "512200": "Crédit Agricole", "411000": "Clients"}  # ledger label, else the bank's
    assert dict(zip(e["subledger_account"], e["subledger_label"])) == {"": "", "C001": "DUPONT IMMOBILIER", "C002": "MAIRIE DE VILLEURBANNE"}
    credits = e[e["credit"] > 0]
    assert list(zip(credits["subledger_account"], credits["credit"], credits["lettering_code"])) == [("C001", 1200000, "AC"), ("C002", 1000000, "")]

    f = _frame(folder / COPY).frame
    assert len(f) == 8 + 4 and f["source_row"].tolist() == list(range(2, 14))
    inv = f[(f["document_ref"] == "F2025-001") & (f["debit"] > 0)].iloc[0]
    assert (inv["lettering_code"], str(inv["lettered_on"])[:10], int(inv["source_row"])) == ("AC", "2025-03-15", 6)
    assert f.loc[(f["document_ref"] == "F2025-003") & (f["debit"] > 0), "lettering_code"].tolist() == [""]  # part paid
    assert f.loc[f["lettering_code"] == "AB"].shape[0] == 2  # the existing lettering is kept
    # the dossier's own FEC is untouched
    own = _frame(folder / "552100554FEC20251231.txt").frame
    assert len(own) == 8 and "AC" not in set(own["lettering_code"])

    wb = openpyxl.load_workbook(path)
    rows = [r for r in wb["Lettrage"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[1], r[2], r[4], r[5], r[6], r[7]) for r in rows] == [
        ("411000", "C001", "F2025-001", 12000, None, "AC", 6),
        ("411000", "C001", "VIR 0315", None, 12000, "AC", 11),
    ]
    imput = {r[2]: r[10] for r in wb["Imputations"].iter_rows(min_row=4, values_only=True)}
    assert imput == {"F2025-001": "AC", "F2025-003": None}
    assert any("1 facture(s) lettré(e)s" in l for l in run.summary)

    assert main(["letter", str(folder / COPY), "--undo-last"]) == 0
    f2 = _frame(folder / COPY).frame
    assert "AC" not in set(f2["lettering_code"]) and f2.loc[f2["lettering_code"] == "AB"].shape[0] == 2


def _full_disk(monkeypatch):
    import reglo.addin.shell.commit as commit

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(commit, "write_synced", full_disk)


def test_failed_write_records_nothing_then_a_failed_save_never_unimports(folder, tmp_path, monkeypatch):
    from tests.addin.register_view import dossier_files, live

    dossier = PaymentsDossier.load(folder)
    path = template_file(tmp_path / "r.xlsx", ROWS[:2])
    _full_disk(monkeypatch)
    with pytest.raises(UserError, match="Rien n'a été enregistré"):
        import_payments(FileWorkbook(path), dossier, today=TODAY, now=NOW, save_book=True)
    assert live(folder) == []
    assert dossier_files(folder) == ["552100554FEC20251231.txt", "dossier.xlsx"]
    # a locked workbook (open in Excel) at the very end: the import is committed all the same
    monkeypatch.undo()

    def locked(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(FileWorkbook, "save", locked)
    run = import_payments(FileWorkbook(path), dossier, today=TODAY, now=NOW, save_book=True)
    assert run.batch_id is not None and not run.saved and "ne relancez pas l'import" in " ".join(run.summary)
    assert len(live(folder)) == 1
    assert (folder / COPY).is_file() and [p.name for p in folder.glob("*FEC*-RC-*.txt")] == ["552100554FEC20251231-RC-20250630-100000-2.txt"]
    monkeypatch.undo()
    again = import_payments(FileWorkbook(path), dossier, today=TODAY, now=NOW, save_book=True)  # the unsaved sheet again: nothing twice
    assert again.batch_id is None and not again.applied and len(live(folder)) == 1


def test_cli_import_all_or_nothing(folder, tmp_path, monkeypatch, capsys):
    path = template_file(tmp_path / "r.xlsx", ROWS[:1])
    _full_disk(monkeypatch)
    assert main(["payments", "import", str(path), "--dossier", str(folder), "--today", "2025-06-30"]) == 2
    monkeypatch.undo()
    assert main(["payments", "import", str(path), "--dossier", str(folder), "--today", "2025-06-30"]) == 0
    assert "1 facture(s) lettré(e)s" in capsys.readouterr().out


@pytest.mark.parametrize("engine", ["rapide", "openpyxl"])
def test_import_file_on_each_backend(folder, tmp_path, engine):
    path = template_file(tmp_path / "r.xlsx", ROWS[:2])
    run = ap.import_file(path, PaymentsDossier.load(folder), today=TODAY, now=NOW, engine=engine)
    assert run.batch_id is not None and len(run.applied) == 2
    wb = openpyxl.load_workbook(path)
    assert {"Écritures", "Imputations", "Lettrage", "Synthèse chantiers"} <= set(wb.sheetnames)
    assert [r[6] for r in wb["Lettrage"].iter_rows(min_row=4, values_only=True) if r[0]] == ["AC", "AC"]


def test_import_file_falls_back_to_openpyxl_without_paying_twice(folder, tmp_path, monkeypatch):
    from reglo.addin.backends.fastbook import FastFileWorkbook, UnsupportedWorkbook

    def unsupported(self, *a, **k):
        raise UnsupportedWorkbook("mise en page non prise en charge")

    monkeypatch.setattr(FastFileWorkbook, "save", unsupported)
    path = template_file(tmp_path / "r.xlsx", ROWS[:2])
    dossier = PaymentsDossier.load(folder)
    run = ap.import_file(path, dossier, today=TODAY, now=NOW, engine="rapide")
    assert run.batch_id == 1 and len(dossier.register.batches()) == 1 and len(run.applied) == 2
    assert "Lettrage" in openpyxl.load_workbook(path).sheetnames


def test_successive_imports_accumulate_in_the_lettered_copy(folder, tmp_path):
    import json
    from datetime import datetime

    dossier = PaymentsDossier.load(folder)
    import_payments(FileWorkbook(template_file(tmp_path / "a.xlsx", ROWS[:1])), dossier, today=TODAY, now=NOW, save_book=True)
    second = [[datetime(2025, 5, 2), "F2025-003", "C002", 24000.0, "Virement", "VIR 0502", "BQ2", "CH02", None]]
    run = import_payments(FileWorkbook(template_file(tmp_path / "b.xlsx", second)), dossier, today=TODAY, now=datetime(2025, 6, 30, 11, 0), save_book=True)
    assert run.batch_id == 2
    f = _frame(folder / COPY).frame
    assert len(f) == 8 + 2 + 2  # both imports' entries
    assert f.loc[f["lettering_code"] != "", ["subledger_account", "lettering_code"]].values.tolist() == [
        ["C001", "AB"], ["C001", "AB"], ["C001", "AC"], ["C002", "AA"], ["C001", "AC"], ["C002", "AA"]]
    runs = json.loads((folder / (COPY + ".lettrage.json")).read_text(encoding="utf-8"))["runs"]
    assert [r["run_id"] for r in runs] == ["20250630-100000", "20250630-110000"]
    assert main(["letter", str(folder / COPY), "--undo-last"]) == 0
    f2 = _frame(folder / COPY).frame
    assert f2.loc[f2["lettering_code"] != "", "lettering_code"].tolist() == ["AB", "AB", "AC", "AC"]


def _dossier_fec(folder: Path) -> Path:
    return next(p for p in folder.glob("*FEC*.txt") if "lettré" not in p.name and "-RC-" not in p.name)  # not the entries files


def test_dossier_fec_rewritten_between_imports_keeps_the_first_imports_entries(folder, tmp_path):
    """p1 → the dossier FEC changes (« reglo letter FEC --apply », a new export…) → p2: the copy
    is rebuilt from the new FEC and p1's bank entry (with its lettering) is carried over."""
    import json
    import os
    from datetime import datetime

    from reglo.core.fec import write_fec

    dossier = PaymentsDossier.load(folder)
    import_payments(FileWorkbook(template_file(tmp_path / "a.xlsx", ROWS[:1])), dossier, today=TODAY, now=NOW, save_book=True)
    first = _frame(folder / COPY).frame
    p1 = first[first["entry_number"].str.startswith("RC")]
    assert len(p1) == 2 and (p1["lettering_code"] != "").any()
    journal = json.loads((folder / (COPY + ".lettrage.json")).read_text(encoding="utf-8"))
    fec = _dossier_fec(folder)
    assert journal["source_sha256"] and journal["source_fec"] == fec.name

    main(["letter", str(fec), "--apply"])  # may rewrite the dossier FEC in place
    # and the accountant's software exports a new FEC: one more sale, not yet in the copy
    base = read_fec(fec.read_bytes(), filename=fec.name).frame
    extra = from_lines([l.model_copy(update={"source_row": len(base) + 2 + i}) for i, l in enumerate(_sale("VT9", "C002", "F2025-009", "100.00", date(2025, 6, 1)))])
    import pandas as pd
    fec.write_bytes(write_fec(pd.concat([base, extra], ignore_index=True)))
    st = (folder / COPY).stat()
    os.utime(fec, (st.st_atime - 3600, st.st_mtime - 3600))  # older than the copy: the date rule would keep the stale copy

    dossier = PaymentsDossier.load(folder)
    second = [[datetime(2025, 5, 2), "F2025-003", "C002", 24000.0, "Virement", "VIR 0502", "BQ2", "CH02", None]]
    run = import_payments(FileWorkbook(template_file(tmp_path / "b.xlsx", second)), dossier, today=TODAY, now=datetime(2025, 6, 30, 11, 0), save_book=True)
    assert run.batch_id == 2
    rebuilt = [a for a in run.alerts if a.code == "LETTERED_COPY_REBUILT"]
    assert len(rebuilt) == 1 and rebuilt[0].severity.value == "AVERTISSEMENT" and p1["entry_number"].iloc[0] in rebuilt[0].message
    f = _frame(folder / COPY).frame
    assert "F2025-009" in set(f["document_ref"])  # the new export is the base
    kept = f[(f["entry_number"] == p1["entry_number"].iloc[0]) & (f["journal_code"] == p1["journal_code"].iloc[0])]
    assert kept[["ledger_account", "debit", "credit", "lettering_code"]].values.tolist() == p1[["ledger_account", "debit", "credit", "lettering_code"]].values.tolist()
    code = p1.loc[p1["lettering_code"] != "", "lettering_code"].iloc[0]
    assert len(f[(f["lettering_code"] == code) & (f["subledger_account"] == "C001")]) == 2  # invoice lettered again with its payment
    assert len(f[f["entry_number"].str.startswith("RC")]) == 4  # p1 and p2
    journal = json.loads((folder / (COPY + ".lettrage.json")).read_text(encoding="utf-8"))
    import hashlib
    assert journal["source_sha256"] == hashlib.sha256(fec.read_bytes()).hexdigest() and len(journal["runs"]) == 1

    # the same import again on an unchanged dossier FEC: continues from the copy, no warning
    third = [[datetime(2025, 5, 3), "F2025-002", "C001", 100.0, "Virement", "VIR 0503", "BQ1", None, None]]
    run = import_payments(FileWorkbook(template_file(tmp_path / "c.xlsx", third)), PaymentsDossier.load(folder), today=TODAY, now=datetime(2025, 6, 30, 12, 0), save_book=True)
    assert run.batch_id == 3 and "LETTERED_COPY_REBUILT" not in {a.code.value for a in run.alerts}
    assert len(_frame(folder / COPY).frame.query("entry_number.str.startswith('RC')", engine="python")) == 6


def test_unreadable_lettered_copy_is_blocking_and_never_overwritten(folder, tmp_path):
    dossier = PaymentsDossier.load(folder)
    (folder / COPY).write_bytes(b"\x00\x01 pas un FEC")
    run = import_payments(FileWorkbook(template_file(tmp_path / "a.xlsx", ROWS[:1])), dossier, today=TODAY, now=NOW, save_book=True)
    assert run.batch_id is None and "LETTERED_COPY_UNREADABLE" in {a.code.value for a in run.alerts if a.is_blocking}
    assert (folder / COPY).read_bytes() == b"\x00\x01 pas un FEC" and dossier.register.batches() == []
    (folder / COPY).unlink()
    run = import_payments(FileWorkbook(template_file(tmp_path / "b.xlsx", ROWS[:1])), PaymentsDossier.load(folder), today=TODAY, now=NOW, save_book=True)
    assert run.batch_id == 1 and "LETTERED_COPY_UNREADABLE" not in {a.code.value for a in run.alerts}


def test_payment_after_year_end_is_kept_out_of_the_fiscal_year_copy(folder, tmp_path):
    from datetime import datetime

    late = [[datetime(2026, 1, 10), "F2025-001", "C001", 12000.0, "Virement", "VIR 0110", "BQ1", "CH01", None]]
    on_time = [[datetime(2025, 5, 2), "F2025-003", "C002", 24000.0, "Virement", "VIR 0502", "BQ2", "CH02", None]]
    run = import_payments(FileWorkbook(template_file(tmp_path / "a.xlsx", late + on_time)), PaymentsDossier.load(folder), today=date(2026, 1, 31), now=NOW, save_book=True)
    assert run.batch_id == 1
    warn = [a for a in run.alerts if a.code == "ENTRIES_NEXT_FISCAL_YEAR"]
    assert len(warn) == 1 and warn[0].severity.value == "AVERTISSEMENT" and "10/01/2026" in warn[0].message
    entries = _frame(next(folder.glob("*FEC*-RC-*.txt"))).frame
    assert set(entries["entry_date"].dt.year) == {2025, 2026}  # the entries file has both payments
    copy = _frame(folder / COPY).frame
    assert copy["entry_date"].max() <= __import__("pandas").Timestamp(2025, 12, 31)  # the FY 2025 copy: no 2026 entry
    assert (copy.loc[copy["document_ref"] == "F2025-001", "lettering_code"] == "").all()  # lettered next year
    assert (copy.loc[(copy["subledger_account"] == "C002") & (copy["document_ref"] == "F2025-003"), "lettering_code"] != "").all()
    # in-year only: no warning
    run = import_payments(FileWorkbook(template_file(tmp_path / "b.xlsx", [[datetime(2025, 5, 3), "F2025-002", "C001", 100.0, "Virement", "VIR 0503", "BQ1", None, None]])),
                          PaymentsDossier.load(folder), today=TODAY, now=NOW.replace(hour=11), save_book=True)
    assert run.batch_id == 2 and "ENTRIES_NEXT_FISCAL_YEAR" not in {a.code.value for a in run.alerts}
