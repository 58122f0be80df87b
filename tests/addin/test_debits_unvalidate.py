"""Issue 15 §3 for direct debits: « Dévalider la ligne en cours », « … toutes les lignes du
client », « Dévalider TOUS les clients » (two confirmations) re-open collected direct-debit
lines through the commit protocol, write the cancellation records of their receipts, remove
the green « V », and the invoice can be collected again."""
from __future__ import annotations

import csv
import io
from decimal import Decimal as D
from pathlib import Path

from reglo.addin.backends.sheets import read_table
from reglo.addin.shell import debits as sd
from reglo.addin.shell import lcr as sl
from reglo.core.debits.tables import DETAIL_SHEET
from reglo.core.lcr.usecases import register_receipts
from tests.addin.test_debits_shell import folder, snapshot, workbook  # noqa: F401  (fixture)


def codes(res):
    return [a.code.value for a in res.alerts]


def detail(book):
    return {r.get("Clé"): r for r in read_table(book, DETAIL_SHEET, required=["Clé"]).rows}


def collected(folder):
    return {k: v for k, v in snapshot(folder).paid_cents_by_item(("prelevement", "prelevement_devalidation")).items() if v}


def _collect(folder):
    book = workbook(folder, **{"Afficher les écritures validées": "Oui"})
    sd.prepare_debits(book)
    res = sd.generate_debits(book)
    assert res.exit_code == 0, res.alerts
    return book


def test_unvalidate_one_line_then_collect_it_again(folder):
    book = _collect(folder)
    before = collected(folder)
    batch = next(b for b in snapshot(folder).batches if b.kind == "prelevement")
    one = batch.lines[0]
    sd.prepare_debits(book)  # « Afficher les écritures validées »: the collected lines carry the green « V »
    assert detail(book)[one.item_key].get("V") == "V"
    table = read_table(book, DETAIL_SHEET, required=["Clé"])
    v_cell = (next(r.excel_row for r in table.rows if r.get("Clé") == one.item_key), table.column_index("V"))
    assert book.get_fill(DETAIL_SHEET, *v_cell) is not None  # green
    res = sl.unvalidate(book, "ligne", key=one.item_key, kind="prelevement")
    assert res.exit_code == 0 and len(res.outputs) == 1, res.alerts
    assert Path(res.outputs[0]).name.startswith("Devalidation_Prelevements_") and Path(res.outputs[0]).parent.name == "lcr"
    rows = list(csv.DictReader(io.StringIO(Path(res.outputs[0]).read_text("utf-8")), delimiter=";"))
    assert len(rows) == 1 and D(rows[0]["Montant encaissé"]) == -D(one.amount_cents) / 100
    assert not detail(book)[one.item_key].get("V") and book.get_fill(DETAIL_SHEET, *v_cell) is None  # the green « V » is gone
    after = collected(folder)
    assert one.item_key not in after and {k: v for k, v in before.items() if k != one.item_key} == after
    # the register's receipts: the collection and its cancellation
    receipts = [r for r in register_receipts(snapshot(folder)) if r.invoice_number == one.document_ref]
    original = next(r for r in receipts if r.cancels is None)
    assert [(r.cancels, r.amount) for r in receipts if r.cancels] == [(original.receipt_id, D(one.amount_cents) / 100)]
    # nothing more to un-validate on that line
    assert "UNVALIDATE_NOTHING" in codes(sl.unvalidate(book, "ligne", key=one.item_key, kind="prelevement"))
    # collected again: a second live collection of that invoice only
    sd.prepare_debits(book)
    again = sd.generate_debits(book)
    assert again.exit_code == 0 and again.outputs, again.alerts
    live = [b for b in snapshot(folder).batches if b.kind == "prelevement" and b.counts]
    assert len(live) == 2 and [l.item_key for l in live[1].lines] == [one.item_key]
    assert collected(folder) == before
    assert "rien à prélever" in sd.generate_debits(book).summary


def test_unvalidate_a_customer_and_all_with_two_confirmations(folder):
    book = _collect(folder)
    batch = next(b for b in snapshot(folder).batches if b.kind == "prelevement")
    party = batch.lines[0].party_code
    mine = {l.item_key for l in batch.lines if l.party_code == party}
    res = sl.unvalidate(book, "client", party=party, kind="prelevement")
    assert res.exit_code == 0, res.alerts
    assert set(collected(folder)) == {l.item_key for l in batch.lines} - mine
    refused = sl.unvalidate(book, "tous", confirmations=1, kind="prelevement")
    assert "UNVALIDATE_CONFIRMATION_REQUIRED" in codes(refused) and refused.outputs == []
    assert set(collected(folder)) == {l.item_key for l in batch.lines} - mine
    done = sl.unvalidate(book, "tous", confirmations=2, kind="prelevement")
    assert done.exit_code == 0 and collected(folder) == {}
    sd.prepare_debits(book)
    assert not any(r.get("V") for r in detail(book).values())
    again = sd.generate_debits(book)
    assert again.exit_code == 0 and again.outputs
    live = [b for b in snapshot(folder).batches if b.kind == "prelevement" and b.counts]
    assert sorted(l.item_key for l in live[1].lines) == sorted(l.item_key for l in batch.lines)
    # every collection undone: the mandates were never used, the new collection is a first one again
    assert [l.meta["seq"] for l in batch.lines] == ["FRST"] * len(batch.lines)
    assert [l.meta["seq"] for l in live[1].lines] == ["FRST"] * len(live[1].lines)


def test_both_kinds_and_the_kind_of_the_selected_line(folder):
    book = _collect(folder)
    batch = next(b for b in snapshot(folder).batches if b.kind == "prelevement")
    one = batch.lines[0]
    assert sl.line_kind(book, one.item_key) == "prelevement"
    res = sl.unvalidate(book, "ligne", key=one.item_key, kind="tous")  # no LCR line: only the direct debit is re-opened
    assert res.exit_code == 0 and len(res.outputs) == 1 and "UNVALIDATE_NOTHING" not in codes(res), res.alerts
    assert one.item_key not in collected(folder)


def test_a_test_file_is_never_unvalidated(folder):
    book = workbook(folder, **{"Génération d'un fichier test": "Oui"})
    sd.generate_debits(book)
    res = sl.unvalidate(book, "tous", confirmations=2, kind="prelevement")
    assert "UNVALIDATE_NOTHING" in codes(res) and res.outputs == []
    assert [b.kind for b in snapshot(folder).batches] == ["prelevement"]


def test_ribbon_buttons_act_on_the_line_whatever_its_mode(folder):
    from reglo.addin.entrypoints.handlers.lcr import lcr_unvalidate_all, lcr_unvalidate_customer, lcr_unvalidate_line

    book = _collect(folder)
    sd.prepare_debits(book)
    batch = next(b for b in snapshot(folder).batches if b.kind == "prelevement")
    one = batch.lines[0]
    res = lcr_unvalidate_line(book, key=one.item_key)
    assert res.exit_code == 0 and one.item_key not in collected(folder), res.alerts
    other = next(l for l in batch.lines if l.party_code != one.party_code)
    res = lcr_unvalidate_customer(book, customer=other.party_code)
    assert res.exit_code == 0 and other.item_key not in collected(folder), res.alerts
    assert "UNVALIDATE_CONFIRMATION_REQUIRED" in codes(lcr_unvalidate_all(book, confirmations=1))
    assert lcr_unvalidate_all(book, confirmations=2).exit_code == 0 and collected(folder) == {}


def test_cli_unvalidate_kind_prelevement(folder, capsys):
    from reglo.addin.entrypoints.cli import main

    book = _collect(folder)
    book.save()
    one = next(b for b in snapshot(folder).batches if b.kind == "prelevement").lines[0]
    argv = ["debits", "lcr", "unvalidate", str(folder / "Prélèvements clients.xlsx"), "--dossier", str(folder), "--now", "2023-08-10T10:00:00"]
    assert main(argv + ["--scope", "ligne", "--key", one.item_key]) == 0  # an LCR un-validation by default: nothing to do (a warning)
    assert "Rien n'a été dévalidé" in capsys.readouterr().out
    assert main(argv + ["--scope", "ligne", "--key", one.item_key, "--kind", "prelevement"]) == 0
    out = capsys.readouterr().out
    assert "1 ligne(s) dévalidée(s)" in out and "prélevées à nouveau" in out and "Traceback" not in out
    assert one.item_key not in collected(folder)
    assert main(argv + ["--scope", "tous", "--yes", "--kind", "tous"]) == 1
    assert "deux confirmations" in capsys.readouterr().out
    assert main(argv + ["--scope", "tous", "--yes", "--yes", "--kind", "tous"]) == 0
    assert collected(folder) == {}
