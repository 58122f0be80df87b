"""``reglo register repair`` of supplier transfers, partial and netted amounts: the register and
its journal are lost, the pain.001 and its entries file stay. Each transfer is matched to the
open lines of its beneficiary (named by the entries file) whose piece it lists: invoices, and the
debit lines netted in it (negative, as ``plan_generate`` records them).

* a transfer paying one invoice in part: that invoice, for the amount paid (its remainder is
  offered again);
* a netted debit line: recorded (negative), so that it is never deducted a second time;
* a partial amount over several invoices: the files do not say which invoice was paid in part;
  each is recorded for its whole open amount (``meta.partial_unknown_cents`` says by how much the
  transfer fell short) — never less than paid: nothing is paid twice, the remainder has to be
  paid by hand.

Not recovered: the batch ids inside the payment keys of lines paid in several files (the
repaired batches get new ids)."""
from __future__ import annotations

from datetime import datetime

from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.registry.repair import repair

from tests.addin.register_view import snapshot
from tests.addin.test_transfers_addin import NOW, _import, preview_rows, set_preview
from tests.addin.transfer_helpers import make_dossier
from tests.core.transfer_fixtures import debit, invoice


def lines_of(snap):
    return {l.document_ref: l for b in snap.live("virement") for l in b.lines}


def test_partial_and_netted_transfers_are_repaired_never_below_what_was_paid(tmp_path, capsys):
    dossier = make_dossier(tmp_path / "dossier",
                           invoice("14", "F001", "FA-2023-032", "500.00", "2023-03-20", name="Matériaux Rhône-Alpes SARL"),
                           debit("15", "F001", "AV-1", "100.00", name="Matériaux Rhône-Alpes SARL"))
    wb = tmp_path / "v.xlsx"
    assert _import(wb, dossier) == 0
    set_preview(wb, "R-77", Montant=50)  # one invoice, paid in part
    set_preview(wb, "FA-2023-032", Montant=400)  # F001: 1 200 + 400 − 100, one invoice of two in part
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    before = lines_of(snapshot(dossier))
    assert (before["R-77"].amount_cents, before["FA-2023-032"].amount_cents, before["AV-1"].amount_cents) == (5000, 40000, -10000)
    for p in dossier.glob("reglo-registre.*"):
        p.unlink()
    for p in dossier.glob("*lettré*"):
        p.unlink()
    repair(dossier, now=datetime(2023, 4, 1, 9, 0))

    after = lines_of(snapshot(dossier))
    assert set(after) == set(before)
    assert after["R-77"].amount_cents == 5000  # the single invoice: exactly what was paid
    assert after["AV-1"].amount_cents == -10000 and after["AV-1"].meta["kind"] == "Débit"  # netted: never deducted again
    for ref, line in before.items():
        assert after[ref].amount_cents >= line.amount_cents  # never less than paid
        assert (after[ref].item_key, after[ref].payment_key, after[ref].party_code, after[ref].meta["e2e"]) == \
            (line.item_key, line.payment_key, line.party_code, line.meta["e2e"])
    assert after["FA-2023-032"].meta["partial_unknown_cents"] == 10000

    capsys.readouterr()
    wb2 = tmp_path / "w.xlsx"
    assert _import(wb2, dossier) == 0
    rows = preview_rows(wb2)
    assert [(r["Pièce"], r["Montant"]) for r in rows] == [("R-77", 20.1)]  # only the known remainder is offered again
