"""The disbursement wizard and the supplier-transfers workflow share what is left to pay on a
supplier invoice, on the demo dossier (seed 004, step 1; the transfers preview's « reste à
payer »):

* a transfer file pays part of an invoice (the user lowered « Montant » in the preview): the
  wizard started from the dossier FEC offers the rest (``DSB_PARTLY_PAID`` names the file and
  the amounts), pays it, and the transfers preview then no longer shows the invoice;
* the wizard pays part of an invoice (« Règlement partiel »): the transfers preview offers the
  rest (``PARTLY_PAID``);
* two processes at once (a wizard run reserving its selection, a transfer file paying part of
  the same invoice): never more than the invoice in total, whatever the order.
"""
from __future__ import annotations

import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.addin import register_view as rv
from tests.addin import trust_fixtures as tf
from tests.addin.test_disbursement_register import _act, _generate, clock, dossier, template  # noqa: F401 - fixtures

FULL = os.environ.get("REGLO_FULL") == "1"


def _cents(value) -> int:
    return round(Decimal(str(value)) * 100)


def _originals(folder: Path) -> dict[str, int]:
    """Ledger key → its open amount in the dossier FEC (euro cents, unlettered 401 credit lines)."""
    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.transfers.selection import line_keys

    frame = load_dossier(folder).ledger.frame
    open401 = frame[frame["ledger_account"].str.startswith("401") & (frame["lettering_code"].str.strip() == "")]
    net = open401["credit"] - open401["debit"]
    return {k: int(n) for k, n in zip(line_keys(open401), net) if n > 0}


def _preview(folder: Path, path: Path, period: str = "2026-01"):
    """A transfers preview (in this process): its selected keys and, by key, (row, « Montant »)."""
    from reglo.addin.backends.sheets import FileWorkbook, read_table
    from reglo.addin.shell import transfers as at

    selected = tf.transfers_preview(folder, path, period)
    table = read_table(FileWorkbook(path), at.PREVIEW_SHEET, required=["Clé", "Sélection", "Montant"])
    rows = {str(r.get("Clé")).lstrip("'"): (r.excel_row, r.get("Montant")) for r in table.rows if r.get("Clé")}
    return selected, rows, table


def _pay_by_transfer(folder: Path, path: Path, key: str, amount: Decimal | None) -> None:
    """The preview with only ``key`` selected, its « Montant » lowered to ``amount``, then
    « Générer le fichier »; the file must be produced."""
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import transfers as at

    _, rows, table = _preview(folder, path)
    book = FileWorkbook(path)
    sel, amt = table.column_index("Sélection"), table.column_index("Montant")
    cells = {(row, sel): ("Oui" if k == key else "Non") for k, (row, _) in rows.items()}
    if amount is not None:
        cells[(rows[key][0], amt)] = float(amount)
    book.write_cells(at.PREVIEW_SHEET, cells)
    book.save()
    res = _generate(path, folder)
    assert res.outputs, (res.summary, [str(a) for a in res.alerts][:5])


def _wizard(folder: Path, path: Path, reference: str):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import disbursement as sd

    book = FileWorkbook(path, create=True)
    book.write_sheet(sd.SHEET_PARAMS, ["Paramètre", "Valeur"], [["Référence", reference], ["Utilisateur", "marie"], ["Date", date(2026, 1, 2)],
                                                                 ["Source des effets", "FEC du dossier"], ["Raison sociale", "DEMO"]])
    result = sd.start(book, dossier=folder)
    assert not [a for a in result.alerts if a.is_blocking], [str(a) for a in result.alerts][:5]
    book.save()
    return book, result


def _pay_in_wizard(book, folder: Path, key: str, partial: Decimal | None = None):
    """Step 2 to 4 for the one item ``key`` (partly when ``partial``): the slip's result."""
    from reglo.addin.shell import disbursement as sd

    _act(book, folder, "suivant")
    _act(book, folder, "preparer", keys=(key,), auto_group=False)
    if partial is not None:
        r = _act(book, folder, "difference", difference="partiel", current=key, amount=partial)
        assert not [a for a in r.alerts if a.is_blocking], [str(a) for a in r.alerts]
    _act(book, folder, "suivant", confirmed=True)
    state = sd.load_state(book)
    bank = state.banks[0].code
    _act(book, folder, "affecter_banque", keys=tuple(p.payment_id for p in state.payments), bank=bank)
    _act(book, folder, "suivant")
    return _act(book, folder, "editer_bordereaux")


def _paid(folder: Path, key: str) -> int:
    """What live transfer files and disbursements recorded on ``key`` (euro cents)."""
    return sum(l.amount_cents for b in rv.live(folder) if b.kind in ("virement", "decaissement") for l in b.lines if l.item_key == key)


def _key_of_the_period(folder: Path, path: Path) -> tuple[str, int]:
    """An invoice of the January preview that the wizard also sees (an A10 « Virement » item)."""
    selected, _, _ = _preview(folder, path)
    originals = _originals(folder)
    key = min(k for k in selected if k in originals and originals[k] >= 10000)
    return key, originals[key]


def test_the_wizard_offers_and_pays_what_a_partial_transfer_left(dossier, tmp_path, clock):
    from reglo.addin.shell import disbursement as sd

    key, original = _key_of_the_period(dossier, tmp_path / "v0.xlsx")
    part = Decimal(original // 3) / 100  # the transfer pays a third
    _pay_by_transfer(dossier, tmp_path / "v1.xlsx", key, part)
    assert _paid(dossier, key) == _cents(part)

    book, result = _wizard(dossier, tmp_path / "Décaissement.xlsx", "DEC-R1")
    item = next(i for i in sd.load_state(book).source if i.key == key)
    left = original - _cents(part)
    assert _cents(item.amount) == left and _cents(item.original_main) == original
    (a,) = [a for a in result.alerts if a.code.value == "DSB_PARTLY_PAID" and key in a.message]
    assert "payé par le fichier de virements VIR" in a.message and f"reste {sd.format_fr(item.amount)} € proposé" in a.message
    assert "déjà payé(s) en partie" in result.summary

    res = _pay_in_wizard(book, dossier, key)
    assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
    (batch,) = rv.live(dossier, "decaissement")
    (line,) = [l for l in batch.lines if l.item_key == key]
    assert (line.amount_cents, line.original_cents) == (left, original)
    assert _paid(dossier, key) == original  # exactly the invoice, in two payments

    # the transfers preview no longer shows it, and a new wizard run leaves it out
    _, rows, _ = _preview(dossier, tmp_path / "v2.xlsx")
    assert key not in rows
    _act(book, dossier, "suivant")  # steps 4 → 5: the run goes on; another run starts meanwhile
    other, again = _wizard(dossier, tmp_path / "B.xlsx", "DEC-R2")
    assert key not in {i.key for i in sd.load_state(other).source}
    assert any(a.code.value == "DSB_EXCLUDED_HELD" and key in a.message for a in again.alerts)
    tf.check_register(dossier, "virement")


def test_a_partial_payment_in_the_wizard_leaves_the_rest_to_the_transfers_preview(dossier, tmp_path, clock):
    """The symmetric case: the wizard pays 300 of the invoice (« Règlement partiel »), the
    transfers preview (« reglo transfers import ») offers the rest."""
    key, original = _key_of_the_period(dossier, tmp_path / "v0.xlsx")
    book, _ = _wizard(dossier, tmp_path / "Décaissement.xlsx", "DEC-P")
    paid = Decimal(original // 4) / 100
    res = _pay_in_wizard(book, dossier, key, partial=paid)
    assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
    assert _paid(dossier, key) == _cents(paid)
    _act(book, dossier, "suivant")
    _act(book, dossier, "comptabiliser")  # needs SIREN / closing: the dossier's « Société »
    _act(book, dossier, "terminer")

    _, rows, _ = _preview(dossier, tmp_path / "v1.xlsx")
    assert key in rows and _cents(rows[key][1]) == original - _cents(paid)
    imported = _import_alerts(dossier, tmp_path / "v1.xlsx")
    assert any(a.code.value == "PARTLY_PAID" for a in imported)
    # « Générer le fichier » then pays that rest: the wizard's payment was known to the preview
    _pay_by_transfer(dossier, tmp_path / "v2.xlsx", key, None)
    assert _paid(dossier, key) == original  # 1/4 by the wizard + 3/4 by the transfer file, never more
    _, rows, _ = _preview(dossier, tmp_path / "v3.xlsx")
    assert key not in rows


def _import_alerts(folder: Path, path: Path):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import transfers as at

    saved, at.now = at.now, (lambda: datetime.fromisoformat(tf.NOW))
    try:
        return at.import_transfers(FileWorkbook(path), dossier=folder).alerts
    finally:
        at.now = saved


def test_the_wizard_own_remainder_and_a_transfer_remainder_never_add_up_to_more(dossier, tmp_path, clock):
    """A transfer paid a third; the wizard offers the rest and pays part of it (its own remainder
    carried to « Effets à reprendre » with the invoice as origin); a run from that carried sheet
    offers exactly what is left, and the register never exceeds the invoice."""
    from reglo.addin.backends.sheets import FileWorkbook, read_table
    from reglo.addin.shell import disbursement as sd

    key, original = _key_of_the_period(dossier, tmp_path / "v0.xlsx")
    third = Decimal(original // 3) / 100
    _pay_by_transfer(dossier, tmp_path / "v1.xlsx", key, third)
    book, _ = _wizard(dossier, tmp_path / "A.xlsx", "DEC-A")
    res = _pay_in_wizard(book, dossier, key, partial=Decimal("10.00"))
    assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
    _act(book, dossier, "suivant")
    _act(book, dossier, "comptabiliser")
    _act(book, dossier, "terminer")
    book.save()
    carried = read_table(FileWorkbook(tmp_path / "A.xlsx"), sd.SHEET_CARRY, required=["Clé"]).rows
    (row,) = [r for r in carried if r.get("Clé d'origine") == key]
    rest = original - _cents(third) - 1000
    assert _cents(row.get("Montant")) == rest and _cents(row.get("Montant d'origine EUR")) == original

    # a new run typed from the carried sheet: the remainder comes back whole (nothing else paid)
    inputs = FileWorkbook(tmp_path / "B.xlsx", create=True)
    state = sd.load_state(book)
    gen = next(i for i in state.generated if i.origin_key == key)
    sd.write_inputs(inputs, items=[gen], suppliers=state.suppliers, banks=state.banks, rules=(),
                    settings={"Référence": "DEC-B", "Utilisateur": "paul", "Date": date(2026, 1, 2), "Raison sociale": "DEMO"})
    r = sd.start(inputs, dossier=dossier)
    (item,) = sd.load_state(inputs).source
    assert _cents(item.amount) == rest and not [a for a in r.alerts if a.code.value.startswith("DSB_PARTLY")]
    res = _pay_in_wizard(inputs, dossier, gen.key)
    assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
    assert _paid(dossier, key) == original  # transfer + partial + its remainder: the invoice, once


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
@pytest.mark.parametrize("i", list(range(6)) if FULL else [0, 1])
def test_a_wizard_reservation_and_a_partial_transfer_at_once_never_pay_more_than_the_invoice(template, tmp_path, monkeypatch, i):
    """``reglo disburse suivant`` (the run reserves its selection) and ``reglo transfers
    generate`` (a third of the same invoice) started at the same moment: whichever is first,
    the register never holds more than the invoice; a wizard slip that would exceed it is refused
    inside the lock, and the next run offers exactly what is left."""
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import disbursement as sd

    monkeypatch.setattr(sd, "now", lambda: datetime(2026, 1, 2, 8, 30))
    folder = tf.dossier_copy(template, tmp_path / f"dossier-{i}")
    key, original = _key_of_the_period(folder, tmp_path / "v0.xlsx")
    # the transfer preview: only the invoice, a third of it
    wt = tmp_path / "v1.xlsx"
    _, rows, table = _preview(folder, wt)
    book = FileWorkbook(wt)
    sel, amt = table.column_index("Sélection"), table.column_index("Montant")
    third = Decimal(original // 3) / 100
    book.write_cells("Prévisualisation virements", {**{(row, sel): ("Oui" if k == key else "Non") for k, (row, _) in rows.items()}, (rows[key][0], amt): float(third)})
    book.save()
    wa = tmp_path / "A.xlsx"
    _wizard(folder, wa, f"DEC-C{i}")
    # even i: both at once (the wizard usually reserves first); odd i: the transfer a moment ahead
    (ca, oa), (cb, ob) = _both([tf.REGLO, "disburse", "suivant", str(wa), "--dossier", str(folder)], tf.generate_args(wt, folder), head_start=2.0 * (i % 2))
    assert ca in (0, 1) and cb in (0, 1) and "Erreur" not in oa + ob and "Traceback" not in oa + ob, oa[-2000:] + ob[-2000:]
    transfer_won = _paid(folder, key) == _cents(third)
    assert transfer_won or "DSB_HELD_BY_RUN" in ob or "retenue par le décaissement" in ob, ob[-2000:]

    book = FileWorkbook(wa)
    state = sd.load_state(book)
    assert key in state.to_pay  # the run selected the whole invoice before either committed
    _act(book, folder, "preparer", keys=(key,), auto_group=False)
    _act(book, folder, "suivant", confirmed=True)
    state = sd.load_state(book)
    _act(book, folder, "affecter_banque", keys=tuple(p.payment_id for p in state.payments), bank=state.banks[0].code)
    _act(book, folder, "suivant")
    res = _act(book, folder, "editer_bordereaux")
    assert _paid(folder, key) <= original
    if transfer_won:
        assert "DSB_ALREADY_PAID" in {a.code.value for a in res.alerts} or "DSB_EXCEEDS_REMAINDER" in {a.code.value for a in res.alerts}
        assert not rv.live(folder, "decaissement")
        _act(book, folder, "annuler_transaction", keys=tuple(p.payment_id for p in sd.load_state(book).payments))
        _act(book, folder, "terminer")
        other, _ = _wizard(folder, tmp_path / "B.xlsx", f"DEC-D{i}")
        assert _cents(next(i for i in sd.load_state(other).source if i.key == key).amount) == original - _cents(third)
        res = _pay_in_wizard(other, folder, key)
        assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
    assert _paid(folder, key) == original
    tf.check_register(folder, "decaissement")


def _both(a: list[str], b: list[str], head_start: float = 0.0) -> tuple:
    """``a`` and ``b`` as two processes at once (``b`` started ``head_start`` seconds ahead)."""
    import time

    pb = tf.start(b)
    time.sleep(head_start)
    pa = tf.start(a)
    (oa, ea), (ob, eb) = pa.communicate(timeout=600), pb.communicate(timeout=600)
    return (pa.returncode, oa + ea), (pb.returncode, ob + eb)


def _to_step_4(book, folder: Path, key: str, partial: Decimal | None) -> None:
    from reglo.addin.shell import disbursement as sd

    _act(book, folder, "suivant")
    _act(book, folder, "preparer", keys=(key,), auto_group=False)
    if partial is not None:
        _act(book, folder, "difference", difference="partiel", current=key, amount=partial)
    _act(book, folder, "suivant", confirmed=True)
    state = sd.load_state(book)
    _act(book, folder, "affecter_banque", keys=tuple(p.payment_id for p in state.payments), bank=state.banks[0].code)
    _act(book, folder, "suivant")
    book.save()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
@pytest.mark.parametrize("b_pays", ["part", "all"])
def test_two_runs_printing_slips_at_once_never_pay_more_than_the_invoice(template, tmp_path, monkeypatch, b_pays):
    """Two runs started before either reserved, both paying the same invoice (A a third of it,
    B another third or all of it), print their slips at the same moment (two ``reglo disburse
    editer_bordereaux``): the amount check runs inside the dossier lock against the register
    re-read there, so the two never pay more than the invoice together."""
    from reglo.addin.shell import disbursement as sd

    monkeypatch.setattr(sd, "now", lambda: datetime(2026, 1, 2, 8, 30))
    folder = tf.dossier_copy(template, tmp_path / "dossier")
    key, original = _key_of_the_period(folder, tmp_path / "v0.xlsx")
    third = Decimal(original // 3) / 100
    books = {}
    for ref in ("A", "B"):
        books[ref], _ = _wizard(folder, tmp_path / f"{ref}.xlsx", f"DEC-{ref}")
    assert all(key in {i.key for i in sd.load_state(b).source} for b in books.values())  # nothing reserved yet
    _to_step_4(books["A"], folder, key, third)
    _to_step_4(books["B"], folder, key, third if b_pays == "part" else None)
    (ca, oa), (cb, ob) = _both(*([tf.REGLO, "disburse", "editer_bordereaux", str(tmp_path / f"{r}.xlsx"), "--dossier", str(folder)] for r in ("A", "B")))
    assert ca in (0, 1) and cb in (0, 1) and "Traceback" not in oa + ob, oa[-2000:] + ob[-2000:]
    paid = _paid(folder, key)
    assert paid <= original and paid >= _cents(third)  # A holds the invoice until its slip: it is never refused
    if b_pays == "all":
        assert paid == _cents(third) and ("DSB_ALREADY_PAID" in ob or "DSB_EXCEEDS_REMAINDER" in ob or "il ne reste que" in ob), ob[-2000:]
    tf.check_register(folder, "decaissement")
