"""The disbursement wizard and the supplier-transfers workflow share one already-paid check, on
the demo dossier:

* step 1 takes the open supplier items from the dossier FEC (unlettered 401 credit lines), with
  the ledger line keys the transfers workflow uses;
* the items an open wizard run holds are reserved in the register (a ``decaissement_reserve``
  batch recorded through the commit protocol), replaced as the selection changes and released
  when the run is finished (« Terminer ») or its transactions cancelled;
* a transfer run cannot pay a held item (``DSB_HELD_BY_RUN``: which run, who, when) and pays it
  once the run is finished;
* the wizard leaves out the items a transfer file already paid (``DSB_EXCLUDED_HELD``).
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.addin import register_view as rv
from tests.addin import trust_fixtures as tf

RESERVE = "decaissement_reserve"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return tf.template_dossier(tmp_path_factory.mktemp("modele"))


@pytest.fixture
def dossier(template, tmp_path):
    return tf.dossier_copy(template, tmp_path / "dossier")


@pytest.fixture
def clock(monkeypatch):
    from reglo.addin.shell import disbursement as sd

    monkeypatch.setattr(sd, "now", lambda: datetime(2026, 1, 2, 8, 30))


def _wizard(folder: Path, path: Path, reference: str = "DEC-R"):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import disbursement as sd

    book = FileWorkbook(path, create=True)
    book.write_sheet(sd.SHEET_PARAMS, ["Paramètre", "Valeur"], [["Référence", reference], ["Utilisateur", "marie"], ["Date", date(2026, 1, 2)],
                                                                 ["Source des effets", "FEC du dossier"], ["Raison sociale", "DEMO"]])
    result = sd.start(book, dossier=folder)
    assert not [a for a in result.alerts if a.is_blocking], [str(a) for a in result.alerts][:5]
    return book, result


def _act(book, folder, kind, **values):
    from reglo.addin.shell import disbursement as sd

    return sd.run_action(book, kind, sd.fields_for(kind, values), dossier=folder)


def _generate(wb: Path, folder: Path):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import transfers as at

    saved, at.now = at.now, (lambda: datetime(2026, 1, 2, 9, 5))
    try:
        return at.generate_transfers(FileWorkbook(wb), dossier=folder, save_book=True)
    finally:
        at.now = saved


def _transfer_paid(folder: Path) -> set[str]:
    return {l.item_key for b in rv.live(folder, "virement") for l in b.lines}


def test_step_1_takes_the_open_supplier_lines_of_the_dossier_fec_with_the_transfer_keys(dossier, tmp_path, clock):
    from reglo.addin.shell import disbursement as sd
    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.transfers.selection import line_keys

    book, _ = _wizard(dossier, tmp_path / "Décaissement.xlsx")
    state = sd.load_state(book)
    frame = load_dossier(dossier).ledger.frame
    open401 = frame[frame["ledger_account"].str.startswith("401") & (frame["lettering_code"].str.strip() == "")]
    keys = line_keys(open401)
    expected = set(keys[(open401["credit"] - open401["debit"]) > 0])
    assert {i.key for i in state.source} == expected and expected
    assert all(i.supplier for i in state.source) and {s.code for s in state.suppliers} >= {i.supplier for i in state.source}


def test_transfers_cannot_pay_what_an_open_run_holds_and_can_after_it_is_finished(dossier, tmp_path, clock):
    from reglo.addin.shell import disbursement as sd

    wb = tmp_path / "virements.xlsx"
    selected = tf.transfers_preview(dossier, wb, "2026-01")
    assert selected
    book, _ = _wizard(dossier, tmp_path / "Décaissement.xlsx")
    _act(book, dossier, "suivant")  # selection: the run holds what it will pay
    state = sd.load_state(book)
    held = set(state.to_pay)
    (reservation,) = rv.live(dossier, RESERVE)
    assert {l.item_key for l in reservation.lines} == held and reservation.meta["run_id"] == "DEC-R" and reservation.files == ()
    assert selected & held  # the transfer preview shows lines the run holds

    res = _generate(wb, dossier)
    alerts = [a for a in res.alerts if a.code.value == "DSB_HELD_BY_RUN"]
    assert alerts and "DEC-R" in alerts[0].message and "marie" in alerts[0].message and "02/01/2026 à 08:30" in alerts[0].message
    assert not (_transfer_paid(dossier) & held)  # nothing held was paid

    # the selection changes (an item rescheduled leaves the run): the reservation is replaced
    key = next(k for k in state.to_pay if k in selected)
    _act(book, dossier, "preparer", keys=(key,), auto_group=False)
    _act(book, dossier, "difference", difference="reechelonnement", current=key, date="28/02/2026")
    r = _act(book, dossier, "valider", keys=(key,))
    assert key in sd.load_state(book).closed, [str(a) for a in r.alerts][:3]
    snap = rv.snapshot(dossier)
    mine = [b for b in snap.batches if b.kind == RESERVE]
    assert [b.status for b in mine] == ["cancelled", "committed"]
    assert {l.item_key for l in mine[-1].lines} == held - {key} and "sélection modifiée" in mine[0].cancel_reason

    # « Terminer » (step 2: cancels the preparations) releases everything
    result = _act(book, dossier, "terminer")
    assert sd.load_state(book).finished and not rv.live(dossier, RESERVE)
    assert "DSB_RESERVATION_RELEASED" in {a.code.value for a in result.alerts}
    cancelled = [b for b in rv.snapshot(dossier).batches if b.kind == RESERVE]
    assert all(b.status == "cancelled" for b in cancelled) and "terminé" in cancelled[-1].cancel_reason

    wb2 = tmp_path / "virements-2.xlsx"
    again = tf.transfers_preview(dossier, wb2, "2026-01")
    res = _generate(wb2, dossier)
    assert "DSB_HELD_BY_RUN" not in {a.code.value for a in res.alerts}
    assert (selected & held) <= _transfer_paid(dossier) and again
    tf.check_register(dossier, "virement")


def test_the_wizard_leaves_out_what_a_transfer_file_paid(dossier, tmp_path, clock):
    from reglo.addin.shell import disbursement as sd

    wb = tmp_path / "virements.xlsx"
    selected = tf.transfers_preview(dossier, wb, "2026-01")
    res = _generate(wb, dossier)
    paid = _transfer_paid(dossier)
    assert paid and paid <= selected, [str(a) for a in res.alerts][:3]
    book, result = _wizard(dossier, tmp_path / "Décaissement.xlsx")
    state = sd.load_state(book)
    assert not ({i.key for i in state.source} & paid)
    excluded = [a for a in result.alerts if a.code.value == "DSB_EXCLUDED_HELD"]
    assert len(excluded) == len(paid) and "fichier de virements VIR" in excluded[0].message


def test_two_open_runs_do_not_hold_the_same_item(dossier, tmp_path, clock):
    from reglo.addin.shell import disbursement as sd

    book, _ = _wizard(dossier, tmp_path / "A.xlsx", "DEC-A")
    _act(book, dossier, "suivant")
    held = set(sd.load_state(book).to_pay)
    other, result = _wizard(dossier, tmp_path / "B.xlsx", "DEC-B")
    assert not ({i.key for i in sd.load_state(other).source} & held)
    assert any("retenu par le décaissement DEC-A (marie" in a.message for a in result.alerts if a.code.value == "DSB_EXCLUDED_HELD")


def test_a_second_run_posts_entry_numbers_after_the_first_one(tmp_path, clock):
    """Entry numbers are unique per journal across runs: the register keeps the last number of
    each journal (counter ``entry:decaissement:<journal>``), the next posting starts after it."""
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.entrypoints.demo_steps import s80_disbursement as demo
    from reglo.addin.shell import disbursement as sd
    from reglo.core.fec import read_fec

    folder = tmp_path / "d"
    folder.mkdir()
    suppliers, banks, rules, items = demo.demo_inputs()
    numbers = []
    for n, keys in enumerate((("E05",), ("E08",)), start=1):
        path = folder / f"run{n}.xlsx"
        book = FileWorkbook(path, create=True)
        sd.write_inputs(book, items=items, suppliers=suppliers, banks=banks, rules=rules, settings={
            "Référence": f"DEC-N{n}", "Utilisateur": "marie", "Date": demo.RUN_DATE, "Raison sociale": "BTP", "Premier numéro d'écriture": 1,
            "SIREN": "552100554", "Fin d'exercice": date(2026, 12, 31)})
        sd.start(book, dossier=folder)
        for kind, values in (("suivant", {}), ("preparer", {"keys": keys}), ("suivant", {"confirmed": True})):
            _act(book, folder, kind, **values)
        _act(book, folder, "affecter_banque", keys=tuple(p.payment_id for p in sd.load_state(book).payments), bank="SG")
        for kind in ("suivant", "editer_bordereaux", "suivant"):
            _act(book, folder, kind)
        posted = _act(book, folder, "comptabiliser")
        (entries,) = [Path(o) for o in posted.outputs if "FEC" in Path(o).name]
        frame = read_fec(entries.read_bytes(), filename=entries.name).frame
        numbers.append(sorted(set(frame["entry_number"])))
        _act(book, folder, "terminer")
    assert numbers == [["1"], ["2"]]
    assert rv.snapshot(folder).counter("entry:decaissement:BQ2") == 2
