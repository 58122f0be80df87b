"""``reglo register repair`` rebuilds the disbursement wizard's batches from the files of
``decaissements/``: the register and its journal are lost, the slips (``…-bordereau.csv``), their
transfer files (``DEC….xml``), cheque lists and postings (``<SIREN>FEC<closing>-<run>-….txt``, the
« mode test » one included) stay.

After the repair the register holds the same ``decaissement`` batch (reference, status, lines with
the wizard's item keys, the amounts each payment settled — partial payment included — and the
payment keys ``<run>/<payment>/<item>``), the postings as ``decaissement_ecritures`` batches (the
test one a *test* batch, never paid), the counters of entry numbers and message ids; and a new run
leaves out every item already paid (a partly paid one comes back for what is left of it only).

What cannot be recovered without the run's workbook in the dossier folder: the keys of items that
are not lines of the dossier FEC (here the « Effets » sheet's keys ``E01``…: the slip's piece is
recorded instead), and the issuing bank's code (meta ``bank``); the amounts still are those of
the posting. The reservations of open runs (no file) are not rebuilt."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from reglo.addin.shell.registry.repair import repair

from tests.addin.register_view import snapshot

KINDS = ("decaissement", "decaissement_ecritures")


def projection(snap, *, meta=True):
    out = []
    for b in sorted((b for b in snap.batches if b.kind in KINDS), key=lambda b: b.reference):
        lines = sorted((l.item_key, l.amount_cents, l.payment_key, l.party_code, l.document_ref, l.original_cents,
                        tuple(sorted((k, v) for k, v in l.meta.items() if k != "source")) if meta else ()) for l in b.lines)
        out.append((b.kind, b.reference, b.status, b.is_test, b.meta.get("run_id"), b.meta.get("slips"), b.meta.get("sequences"), b.meta.get("first"),
                    lines, sorted(f.name for f in b.files)))
    return out


@pytest.fixture(scope="module")
def wizard_run(tmp_path_factory):
    """The demo's run (partial payment, groups, discount, deposit, cheques, a test posting)."""
    from reglo.addin.entrypoints.demo_steps import DemoContext
    from reglo.addin.entrypoints.demo_steps import s80_disbursement as demo

    folder = tmp_path_factory.mktemp("decaissement") / "dossier"
    folder.mkdir()
    ctx = DemoContext(out_dir=folder)
    demo.run(ctx)
    assert ctx.blocking == 0
    return folder


def _lose_register(src: Path, dest: Path, *, keep_workbook: bool) -> tuple[Path, object]:
    shutil.copytree(src, dest)
    before = snapshot(dest)
    for p in dest.glob("reglo-registre.*"):
        p.unlink()
    if not keep_workbook:
        (dest / "Décaissement.xlsx").rename(dest.parent / "Décaissement.xlsx")
    return dest, before


def test_repair_gives_back_the_wizard_batches_and_a_new_run_pays_nothing_again(wizard_run, tmp_path):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.entrypoints.demo_steps import s80_disbursement as demo
    from reglo.addin.shell import disbursement as sd

    folder, before = _lose_register(wizard_run, tmp_path / "d", keep_workbook=True)
    report = repair(folder, now=datetime(2026, 1, 6, 9, 0))
    assert not report.unknown, report.unknown
    after = snapshot(folder)
    assert projection(after) == projection(before)
    [test] = [b for b in after.batches if b.is_test]
    assert test.kind == "decaissement_ecritures" and "-TEST-" in test.reference  # the test posting never counts as paid
    assert not after.live("decaissement_ecritures") or all(not b.lines for b in after.live("decaissement_ecritures"))
    for name in ("entry:decaissement:BQ1", "entry:decaissement:BQ2", "msgid:decaissement"):
        assert after.counter(name) == before.counter(name) > 0
    partial = {l.item_key: l.amount_cents for b in after.live("decaissement") for l in b.lines}
    assert partial["E06"] == 40000  # 400 € paid of 640 €: the remainder stays to pay

    # a new run of the same items: what the first run paid is left out
    paid = {l.item_key for b in before.live("decaissement") for l in b.lines}
    suppliers, banks, rules, items = demo.demo_inputs()
    book = FileWorkbook(tmp_path / "again.xlsx", create=True)
    sd.write_inputs(book, items=items, suppliers=suppliers, banks=banks, rules=rules, settings={
        "Référence": "DEC-DEMO-0002", "Utilisateur": "marie", "Date": demo.RUN_DATE, "Raison sociale": "BTP", "SIREN": "552100554",
        "Fin d'exercice": date(2026, 12, 31)})
    sd.start(book, dossier=folder)
    state = sd.load_state(book)
    offered = {i.key: i.amount for i in state.source if i.key in paid}
    assert offered == {"E06": 240}  # only what the partial payment left of E06 (640 − 400)


def test_without_the_workbook_the_slips_and_postings_say_the_amounts(wizard_run, tmp_path):
    folder, before = _lose_register(wizard_run, tmp_path / "d", keep_workbook=False)
    repair(folder, now=datetime(2026, 1, 6, 9, 0))
    after = snapshot(folder)
    [old] = [b for b in before.batches if b.kind == "decaissement"]
    [new] = [b for b in after.batches if b.kind == "decaissement"]
    assert (new.reference, new.status, new.is_test, sorted(f.name for f in new.files)) == (old.reference, old.status, old.is_test, sorted(f.name for f in old.files))
    piece = {l.item_key: l.document_ref or l.item_key for l in old.lines}  # « Effets » keys: the slip shows their piece
    assert sorted((piece[l.item_key], l.amount_cents, l.party_code, l.payment_key.replace(l.item_key, piece[l.item_key])) for l in old.lines) == \
        sorted((l.item_key, l.amount_cents, l.party_code, l.payment_key) for l in new.lines)
    assert [(b.reference, b.is_test) for b in after.batches if b.kind == "decaissement_ecritures"] == \
        sorted([(b.reference, b.is_test) for b in before.batches if b.kind == "decaissement_ecritures"], key=lambda x: x[0])


def test_a_transfer_slip_of_ledger_items_gets_the_ledger_keys(tmp_path, monkeypatch):
    """Items from the dossier FEC (the keys supplier transfers use): without the workbook the
    slip's pieces are found back among the open supplier lines, for the posted amounts."""
    from reglo.addin.shell import disbursement as sd

    from tests.addin import trust_fixtures as tf
    from tests.addin.test_disbursement_register import _act, _wizard

    monkeypatch.setattr(sd, "now", lambda: datetime(2026, 1, 2, 8, 30))
    folder = tf.dossier_copy(tf.template_dossier(tmp_path / "modele"), tmp_path / "dossier")
    book, _ = _wizard(folder, tmp_path / "Décaissement.xlsx")
    _act(book, folder, "suivant")
    state = sd.load_state(book)
    keys = tuple(list(state.to_pay)[:3])
    _act(book, folder, "preparer", keys=keys, auto_group=False)
    _act(book, folder, "suivant", confirmed=True)
    _act(book, folder, "affecter_banque", keys=tuple(p.payment_id for p in sd.load_state(book).payments), bank=sd.load_state(book).banks[0].code)
    _act(book, folder, "suivant")
    printed = _act(book, folder, "editer_bordereaux")
    assert printed.outputs, [str(a) for a in printed.alerts][:3]
    _act(book, folder, "suivant")
    _act(book, folder, "comptabiliser")
    before = snapshot(folder)
    for p in folder.glob("reglo-registre.*"):
        p.unlink()
    repair(folder, now=datetime(2026, 1, 6, 9, 0))
    after = snapshot(folder)
    assert projection(after, meta=False) == projection(before, meta=False)
    assert {l.item_key for b in after.live("decaissement") for l in b.lines} == set(keys)
    # neither a new run nor a supplier transfer pays them again
    again, _ = _wizard(folder, tmp_path / "B.xlsx", "DEC-S")
    assert not ({i.key for i in sd.load_state(again).source} & set(keys))
    from reglo.core.transfers.usecases import held_by_disbursement

    assert set(held_by_disbursement(after, keys)) == set(keys)
