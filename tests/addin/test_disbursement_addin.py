"""The disbursement wizard on workbook files: CLI wiring, ribbon buttons on marked rows,
snapshot and log kept in the workbook, posting resumed after an incident, demo step."""
from __future__ import annotations

from pathlib import Path

import pytest

from reglo.addin.backends.sheets import FileWorkbook
from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.demo_steps import DemoContext
from reglo.addin.entrypoints.demo_steps import s80_disbursement as demo
from reglo.addin.shell import disbursement as sd
from reglo.core.disbursement import actions as A
from reglo.core.disbursement.models import PostingStatus
from reglo.core.fec import read_fec


@pytest.fixture
def workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(sd, "now", lambda: demo.datetime(2026, 1, 5, 9, 0))
    path = tmp_path / "Décaissement.xlsx"
    book = FileWorkbook(path, create=True)
    suppliers, banks, rules, items = demo.demo_inputs()
    sd.write_inputs(book, items=items, suppliers=suppliers, banks=banks, rules=rules, settings={
        "Référence": "DEC-T", "Utilisateur": "marie", "Date": demo.RUN_DATE, "Raison sociale": "BTP TEST", "Premier numéro d'écriture": 1,
        "SIREN": "552100554", "Fin d'exercice": demo.date(2026, 12, 31),
    })
    book.save()
    return path


def _cli(path, *args):
    return main(["disburse", *args[:1], str(path), "--dossier", str(path.parent), *args[1:]])


def test_cli_runs_the_five_steps_and_keeps_the_state_in_the_workbook(workbook, capsys):
    assert _cli(workbook, "demarrer") == 0
    assert _cli(workbook, "suivant") == 0
    assert _cli(workbook, "preparer", "--cles", "E01,E02,E05,C01") == 0
    assert _cli(workbook, "suivant") == 1  # asks for confirmation
    assert "confirmez" in capsys.readouterr().out
    assert _cli(workbook, "suivant", "--confirmer") == 0
    state = sd.load_state(FileWorkbook(workbook))
    assert state.step == 3 and len(state.payments) == 3
    ids = ",".join(p.payment_id for p in state.payments)
    assert _cli(workbook, "affecter_banque", "--cles", ids, "--banque", "SG") == 0
    assert _cli(workbook, "suivant") == 0
    chq = next(s.slip_id for s in sd.load_state(FileWorkbook(workbook)).slips if s.mode == "CHQ")
    assert _cli(workbook, "premier_cheque", "--cles", chq, "--numero", "501") == 0
    assert _cli(workbook, "editer_bordereaux") == 0
    assert _cli(workbook, "suivant") == 0
    assert _cli(workbook, "comptabiliser") == 0
    assert _cli(workbook, "terminer") == 0
    book = FileWorkbook(workbook)
    state = sd.load_state(book)
    assert state.finished
    log = book.read_values(sd.SHEET_LOG)
    assert [r[3] for r in log[1:]][:3] == ["suivant", "preparer", "suivant"]
    files = sorted(p.name for p in (workbook.parent / "decaissements").iterdir())
    assert any(f.endswith(".xml") for f in files) and "552100554FEC20261231-DEC-T-1-3.txt" in files


def test_cli_missing_value_is_a_french_message(workbook, capsys):
    _cli(workbook, "demarrer")
    _cli(workbook, "suivant")
    assert _cli(workbook, "acompte", "--montant", "10") != 0
    out = capsys.readouterr()
    assert "valeur manquante" in (out.out + out.err) and "Traceback" not in (out.out + out.err)


def test_ribbon_buttons_act_on_rows_marked_x(workbook):
    book = FileWorkbook(workbook)
    sd.run_button(book, "demarrer")
    sd.run_button(book, "suivant")
    table = sd.read_table(book, sd.SHEETS[2], required=["Sélection", "Clé"])
    col = table.column_index("Sélection")
    book.write_cells(sd.SHEETS[2], {(r.excel_row, col): "x" for r in table.rows if r.get("Clé") in ("E05", "E08")})
    result = sd.run_button(book, "preparer")
    state = sd.load_state(book)
    assert sorted(p.key for p in state.prepared) == ["E05", "E08"], result.summary
    # Ctrl-Z
    sd.run_button(book, "annuler")
    assert not sd.load_state(book).prepared


def test_posting_resumes_after_an_incident(workbook):
    book = FileWorkbook(workbook)
    sd.start(book)
    for kind, fields in (("suivant", {}), ("preparer", {"keys": ("E05", "E08")}), ("suivant", {"confirmed": True})):
        sd.run_action(book, kind, sd.fields_for(kind, fields))
    state = sd.load_state(book)
    sd.run_action(book, "affecter_banque", sd.fields_for("affecter_banque", {"keys": tuple(p.payment_id for p in state.payments), "bank": "SG"}))
    sd.run_action(book, "suivant", {})
    sd.run_action(book, "editer_bordereaux", {})
    sd.run_action(book, "suivant", {})
    # the incident: the sequences were saved pending, then Excel closed before the entries were written
    state = sd.load_state(book)
    state, _ = A.apply(state, A.Post())
    sd.save_state(book, state, A.Post())
    book.save()
    reopened = FileWorkbook(workbook)
    result = sd.run_action(reopened, "reprendre")
    assert any("FEC" in Path(o).name for o in result.outputs)
    state = sd.load_state(reopened)
    assert all(b.status is PostingStatus.POSTED for b in state.postings)
    entries = next(Path(o) for o in result.outputs if "FEC" in Path(o).name)
    assert not [a for a in read_fec(entries.read_bytes(), filename=entries.name).alerts if a.is_blocking]


def test_demo_step_runs_the_whole_wizard(tmp_path):
    ctx = DemoContext(out_dir=tmp_path)
    lines = demo.run(ctx)
    assert ctx.blocking == 0, lines
    text = "\n".join(lines)
    for expected in ("regroupement(s) automatique(s)", "Regroupement de regroupements", "Escompte 2 %", "règlement partiel", "acompte", "Ctrl-Z",
                     "compte de substitution", "mode test", "Contrôle FEC : 0"):
        assert expected in text, expected
    assert "1 envoyé(s) au compte de substitution" in text


def test_parameters_saved_and_restored_per_user_in_the_workbook(workbook):
    from reglo.core.disbursement.models import SelectionParams

    book = FileWorkbook(workbook)
    sd.start(book)
    sd.run_action(book, "parametres", {"params": SelectionParams(amount_max=demo.D("5000.00"), auto_discounts=True)})
    sd.save_user_params(book)
    sd.run_action(book, "parametres", {"params": SelectionParams()})
    sd.restore_user_params(book)
    params = sd.load_state(book).params
    assert params.amount_max == demo.D("5000.00") and params.auto_discounts


def test_cli_step_1_state_change_and_item_detail(workbook):
    assert _cli(workbook, "demarrer") == 0
    assert _cli(workbook, "changement_etat", "--etat", "C10", "--actif", "non") == 0
    assert _cli(workbook, "suivant") == 0
    state = sd.load_state(FileWorkbook(workbook))
    assert not {"C01", "C02"} & set(state.to_pay)
    assert _cli(workbook, "detail", "--cles", "E01", "--champ", "iban=FR76 1010 7001 0112 3456 7890 129", "--champ", "due_date=31/01/2026") == 0
    e01 = next(i for i in sd.load_state(FileWorkbook(workbook)).items if i.key == "E01")
    assert e01.iban == "FR7610107001011234567890129" and str(e01.due_date) == "2026-01-31"


def test_cli_help_is_french_and_complete(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["disburse", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Décaissement multi-fournisseurs" in out and "--confirmer" in out and "--taux" in out


def test_finish_lists_the_items_to_carry_over(workbook):
    book = FileWorkbook(workbook)
    sd.start(book)
    sd.run_action(book, "suivant", {})
    sd.run_action(book, "preparer", sd.fields_for("preparer", {"keys": ("E05", "E06"), "auto_group": False}))
    sd.run_action(book, "difference", sd.fields_for("difference", {"difference": "partiel", "current": "E06", "amount": "400"}))
    sd.run_action(book, "suivant", {"confirmed": True})
    result = sd.run_action(book, "terminer", {})
    assert "à reprendre" in result.summary
    rows = sd.read_table(book, sd.SHEET_CARRY, required=["Clé"]).rows
    carried = {r.get("Clé"): (r.get("État"), r.get("Règlement")) for r in rows}
    assert carried["E06-D1"][0] == "A10"  # the remainder of the partial payment, payable again
    assert carried["E05"][0] == "A20" and carried["E05"][1]  # prepared, not issued: step 3 of the next run
