"""``reglo letter --apply`` then ``reglo vat receipts``, as users run them in a dossier folder:
the customer payments lettered with their invoices appear in « Données d'encaissement » (bank
date, invoice number and date, amount, per VAT rate, partial / full), a grouped payment is
split per invoice to the cent, supplier payments never appear, ``--undo-last`` writes the
cancellation records, and a payment recorded by the payments import then lettered counts once."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from reglo.addin.backends.sheets import FileWorkbook
from reglo.addin.entrypoints.cli import main
from reglo.addin.shell import debits as sd
from reglo.addin.shell.dossier import write_dossier

from tests.addin.lettering_receipts_fixtures import base_groups, frame, the_dossier
from tests.addin.register_view import snapshot

D = Decimal
FEC = "732829320FEC20231231.txt"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(sd, "now", sd.now)  # the CLI's --now replaces the clock: restored after the test
    write_dossier(tmp_path / "dossier", the_dossier(), frame(*base_groups()))
    return tmp_path / "dossier"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Exception" not in out + err
    return code, out


def receipts(capsys, folder: Path, book: str, now: str, until: str = "31/12/2023") -> list[dict[str, str]]:
    code, out = run(capsys, "vat", "receipts", str(folder / book), "--dossier", str(folder), "--from", "01/07/2023", "--until", until, "--now", now)
    assert code == 0, out
    (path,) = [l.removeprefix("Fichier écrit : ") for l in out.splitlines() if l.startswith("Fichier écrit : ")]
    return list(csv.DictReader(io.StringIO(Path(path).read_text("utf-8")), delimiter=";"))


def view(rows: list[dict[str, str]]) -> list[tuple]:
    return [(r["Type"], r["N° facture"], r["Date facture"], r["Date d'encaissement"], r["Montant encaissé"], r["Taux TVA"], r["Base HT au taux"],
             r["TVA au taux"], r["Partiel / Total"], r["Lettré"], r["Origine"]) for r in rows]


RECEIPTS = [
    ("Encaissement", "FA101", "2023-07-05", "2023-08-02", "1200.00", "20", "1000.00", "200.00", "Total", "Oui", "Lettrage"),
    ("Encaissement", "FA102", "2023-07-10", "2023-08-03", "600.00", "20", "500.00", "100.00", "Total", "Oui", "Lettrage"),  # 840,00 for two invoices
    ("Encaissement", "FA103", "2023-07-12", "2023-08-03", "240.00", "20", "200.00", "40.00", "Total", "Oui", "Lettrage"),
    ("Encaissement", "FA104", "2023-07-15", "2023-08-04", "500.00", "20", "416.67", "83.33", "Partiel", "Oui", "Lettrage"),  # 500 of 1 200
]


def test_lettered_bank_payments_are_in_the_payment_data(folder, capsys):
    code, out = run(capsys, "letter", str(folder / FEC), "--apply")
    assert code == 0 and "4 lettrage(s) appliqué(s)" in out  # three customers and the supplier
    rows = receipts(capsys, folder, "TVA.xlsx", "2023-09-01T10:00:00")
    assert view(rows) == RECEIPTS  # the supplier's transfer (F001) is not a receipt
    assert sum(D(r["Montant encaissé"]) for r in rows) == D("2540.00") == D("1200.00") + D("840.00") + D("500.00")
    book = FileWorkbook(folder / "TVA.xlsx")
    assert "Données d'encaissement" in book.sheet_names() and "CA3 - TVA sur encaissements" in book.sheet_names()
    # recorded once, as the lines of the lettering batch
    (batch,) = [b for b in snapshot(folder).batches if b.kind == "lettrage"]
    assert [(l.party_code, l.document_ref, l.amount_cents, l.meta["date"], l.meta["partial"]) for l in batch.lines] == [
        ("C001", "FA101", 120000, "2023-08-02", False), ("C002", "FA102", 60000, "2023-08-03", False),
        ("C002", "FA103", 24000, "2023-08-03", False), ("C003", "FA104", 50000, "2023-08-04", True)]
    # nothing left to letter: a second run records nothing
    code, out = run(capsys, "letter", str(folder / FEC), "--apply")
    assert code == 0 and "Aucun lettrage appliqué" in out
    assert view(receipts(capsys, folder, "TVA2.xlsx", "2023-09-02T10:00:00")) == RECEIPTS


def test_undo_last_writes_the_cancellation_records(folder, capsys):
    run(capsys, "letter", str(folder / FEC), "--apply")
    code, out = run(capsys, "letter", str(folder / FEC), "--undo-last")
    assert code == 0 and "4 lettrage(s) défait(s)" in out
    rows = receipts(capsys, folder, "TVA.xlsx", "2023-09-01T10:00:00", until="31/12/2099")  # a cancellation is dated the day of the délettrage
    got = view(rows)
    assert got[:4] == RECEIPTS
    cancels = [r for r in rows if r["Type"] == "Annulation"]
    assert [(r["N° facture"], r["Montant encaissé"], r["Partiel / Total"], r["Annule"]) for r in cancels] == [
        (r["N° facture"], "-" + r["Montant encaissé"], r["Partiel / Total"], r["Réf. encaissement"]) for r in rows[:4]]
    assert sum(D(r["Montant encaissé"]) for r in rows) == 0
    # lettered again: new receipts, which a later délettrage would cancel in turn
    code, out = run(capsys, "letter", str(folder / FEC), "--apply")
    assert code == 0
    rows = receipts(capsys, folder, "TVA2.xlsx", "2023-09-02T10:00:00", until="31/12/2099")
    assert sum(D(r["Montant encaissé"]) for r in rows) == D("2540.00") and len(rows) == 12


def test_a_payment_imported_then_lettered_counts_once(tmp_path, capsys, monkeypatch):
    """The payments import records F2025-003 paid 10 000 of 24 000 (not lettered: partial);
    lettering its bank line with the invoice in the lettered copy finds the same receipt: the
    import's record stays, now flagged lettered, and no « Lettrage » record is added."""
    from reglo.addin.shell.payments import PaymentsDossier, import_payments
    from reglo.core.ledger import from_lines

    from tests.addin.test_payments_lettering import COPY, _sale
    from tests.addin.test_payments_workbook import (
        NOW,
        ROWS,
        TODAY,
        make_dossier,
        template_file,
    )

    monkeypatch.setattr(sd, "now", sd.now)
    lines = [*_sale("VT2", "C001", "F2025-001", "12000.00", date(2025, 2, 10)), *_sale("VT3", "C002", "F2025-003", "24000.00", date(2025, 3, 20))]
    folder = tmp_path / "dossier"
    write_dossier(folder, make_dossier(), from_lines([l.model_copy(update={"source_row": i + 2}) for i, l in enumerate(lines)]))
    imported = import_payments(FileWorkbook(template_file(tmp_path / "r.xlsx", ROWS[:2])), PaymentsDossier.load(folder), today=TODAY, now=NOW, save_book=True)
    assert imported.batch_id is not None
    code, out = run(capsys, "letter", str(folder / COPY), "--apply")
    assert code == 0 and "1 lettrage(s) appliqué(s)" in out
    (batch,) = [b for b in snapshot(folder).batches if b.kind == "lettrage"]
    assert [(l.party_code, l.document_ref, l.amount_cents) for l in batch.lines] == [("C002", "F2025-003", 1000000)]  # recorded by the lettering…
    code, out = run(capsys, "vat", "receipts", str(tmp_path / "TVA.xlsx"), "--dossier", str(folder), "--from", "01/01/2025", "--until", "31/12/2025",
                    "--now", "2025-07-01T10:00:00")
    assert code == 0, out
    (path,) = [l.removeprefix("Fichier écrit : ") for l in out.splitlines() if l.startswith("Fichier écrit : ")]
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text("utf-8")), delimiter=";"))
    assert [(r["N° facture"], r["Date d'encaissement"], r["Montant encaissé"], r["Lettré"], r["Origine"]) for r in rows] == [  # …reported once
        ("F2025-001", "2025-03-15", "12000.00", "Oui", "Import des règlements"),
        ("F2025-003", "2025-04-02", "10000.00", "Oui", "Import des règlements"),
    ]


def test_the_ribbon_apply_records_the_receipts_and_undo_by_code_cancels_only_that_group(folder, tmp_path):
    """« Proposer » / « Appliquer le lettrage » on the workbook (the ribbon's shell) record the
    same receipts; « Délettrer » a code cancels the receipts of that group only."""
    from datetime import datetime

    from reglo.addin.shell import lettering as al
    from reglo.core.lettering import LetteringOptions

    book = FileWorkbook(tmp_path / "Propositions.xlsx", create=True)
    al.propose_to_book(book, folder / FEC, LetteringOptions())
    done = al.apply_from_book(book, fec_path=folder / FEC, now=datetime(2023, 9, 1, 9, 0))
    assert len(done.run.groups) == 4
    (batch,) = [b for b in snapshot(folder).batches if b.kind == "lettrage"]
    assert [(l.party_code, l.document_ref, l.amount_cents) for l in batch.lines] == [
        ("C001", "FA101", 120000), ("C002", "FA102", 60000), ("C002", "FA103", 24000), ("C003", "FA104", 50000)]
    code = next(g.code for g in done.run.groups if g.account == "C002")
    undone = al.undo_on_file(folder / FEC, code=code, account="C002")
    assert len(undone.undone) == 1
    (undo,) = [b for b in snapshot(folder).batches if b.kind == "délettrage"]
    assert [(l.document_ref, l.amount_cents, l.meta["cancels"]) for l in undo.lines] == [
        ("FA102", -60000, f"{batch.reference}-0002"), ("FA103", -24000, f"{batch.reference}-0003")]
