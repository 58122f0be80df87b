"""``reglo register repair`` rebuilds direct-debit batches from their files: the register and its
journal are lost, the ``Pre….xml`` (pain.008) files and their entries files stay. After the
repair the register holds the same batches (MsgId, lines per collected part with the same item
and payment keys, amounts, mandates, sequence types, the test file as a test batch), and nothing
already collected is collected again."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reglo.addin.backends.sheets import FileWorkbook, read_table
from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.demo_steps.s70_debits import _forced_sheet, _schedule_sheet
from reglo.addin.shell import debits as sd
from reglo.addin.shell.errors import UserError
from reglo.core.debits.tables import DETAIL_SHEET
from tests.addin.test_debits_shell import folder, snapshot, workbook  # noqa: F401 - fixture

NOW = datetime(2023, 8, 10, 9, 30)
LATER = datetime(2023, 8, 11, 14, 0)
META = ("ics", "collection_date", "version", "journal", "file", "booking", "grouped_entry", "total_cents")


def projection(snap):
    """What a batch says about collections (not when or where it was recorded, nor the
    schedule instalments of a part, which the files do not carry)."""
    out = []
    for b in sorted(snap.batches, key=lambda b: b.reference):
        lines = sorted((l.item_key, l.amount_cents, l.payment_key, l.party_code, l.document_ref,
                        tuple(sorted((k, str(v)) for k, v in l.meta.items() if k not in ("instalments", "repaired")))) for l in b.lines)
        if b.is_test:  # a test file has no entries file: one line per transaction (never counted)
            per_tx: dict = {}
            for l in b.lines:
                key = (l.meta["e2e"], l.meta["rum"], l.meta["seq"], l.meta["iban"])
                per_tx[key] = per_tx.get(key, 0) + l.amount_cents
            lines = sorted(per_tx.items())
        out.append((b.kind, b.reference, b.status, b.is_test, {k: b.meta.get(k) for k in META}, lines,
                    sorted(f.name for f in b.files if f.role in ("bank", "entries"))))
    return out


def _collections(folder: Path, monkeypatch) -> None:
    """A test file, a collection with a schedule and a forced amount, then a later one."""
    monkeypatch.setattr(sd, "now", lambda: NOW)
    book = workbook(folder, **{"Liste des règlements jusqu'au": date(2023, 8, 17)})
    sd.prepare_debits(book)
    detail = read_table(book, DETAIL_SHEET, required=["Clé"])
    fa101 = next(r for r in detail.rows if r.get("Pièce") == "FA-101")
    sd._write(book, _schedule_sheet(fa101.get("Clé"), "FA-101", [(date(2023, 6, 5), Decimal("2000.00")), (date(2023, 8, 1), Decimal("2000.00")),
                                                                 (date(2023, 10, 28), Decimal("2000.00"))]))
    sd._write(book, _forced_sheet("C002", Decimal("500.00")))
    sd.prepare_debits(book)
    sd.set_options(book, {"Génération d'un fichier test": "Oui"})
    assert sd.generate_debits(book).outputs
    sd.set_options(book, {"Génération d'un fichier test": "Non"})
    first = sd.generate_debits(book)
    assert first.exit_code == 0 and first.outputs, first.alerts
    monkeypatch.setattr(sd, "now", lambda: LATER)
    sd.set_options(book, {"Liste des règlements jusqu'au": date(2023, 10, 31), "Date de prélèvement": "31/08/2023"})
    sd.prepare_debits(book)
    second = sd.generate_debits(book)
    assert second.exit_code == 0 and second.outputs, second.alerts
    book.save()


def test_repair_rebuilds_the_debit_batches_and_nothing_is_collected_twice(folder, monkeypatch, capsys):
    _collections(folder, monkeypatch)
    before = snapshot(folder)
    assert [(b.is_test, len(b.lines)) for b in before.batches] == [(True, 3), (False, 3), (False, 1)]
    second = before.batches[2]
    assert [(l.document_ref, l.amount_cents, l.meta["seq"]) for l in second.lines] == [("FA-101", 200000, "RCUR")]
    for p in folder.glob("reglo-registre*"):
        p.unlink()
    with pytest.raises(UserError, match="register repair"):  # lost register: nothing is collected blindly
        sd.generate_debits(workbook(folder, name="apres.xlsx"))
    capsys.readouterr()
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Pre2308100930BQ1.xml" in out and "TESTPre2308100930BQ1.xml" in out and "non reconnu" not in out, out
    after = snapshot(folder)
    pa, pb = projection(after), projection(before)
    for x, y in zip(pa, pb):
        assert x == y, (x, y)
    assert pa == pb
    assert after.paid_cents_by_item("prelevement") == before.paid_cents_by_item("prelevement") != {}
    assert after.live_payment_keys("prelevement") == before.live_payment_keys("prelevement")
    assert all(b.meta["repaired"] for b in after.batches)
    # nothing already collected is collected again (same workbook: schedule and forced amount)
    again = sd.generate_debits(FileWorkbook(folder / "Prélèvements clients.xlsx"))
    assert again.outputs == [] and "rien à prélever" in again.summary, again.summary
    assert len(snapshot(folder).batches) == 3
    # a second repair finds nothing left to record
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    assert "rien à réparer" in capsys.readouterr().out


def test_repair_keeps_the_mandate_history(folder, monkeypatch):
    """After the repair, a mandate collected before is collected as RCUR (S-M2), read from
    the repaired lines."""
    from reglo.core.debits.sequence import mandate_history

    _collections(folder, monkeypatch)
    ics = snapshot(folder).batches[1].meta["ics"]
    before = mandate_history(snapshot(folder), ics)
    for p in folder.glob("reglo-registre*"):
        p.unlink()
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    after = mandate_history(snapshot(folder), ics)
    assert {k: [(u.collected_on, u.iban, u.sequence_type) for u in v] for k, v in after.items()} == \
           {k: [(u.collected_on, u.iban, u.sequence_type) for u in v] for k, v in before.items()}
    assert set(after) == {"rum-c001", "rum-c002"}
