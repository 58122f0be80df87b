"""Lettering proposals on a ledger sheet, in the browser (issue 12, finding 13): the Lite
script « Proposer le lettrage » reads the open workbook's « Écritures » sheet (no FEC file,
no register) and writes « Propositions de lettrage »."""
from __future__ import annotations

import json

import pytest

from reglo.addin.xlam import lite
from tests.addin.test_lite import _call, _load, lite_env  # noqa: F401 - fixture
from tests.conftest import make_book

HEAD = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef",
        "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise"]


def _line(j, num, day, account, aux, ref, label, debit, credit):
    d = f"2025-{day}T00:00:00.000Z"
    return [j, "Journal " + j, num, d, account, "Compte " + account, aux, ("Client " + aux) if aux else "", ref, d, label, debit, credit, "", "", d, "", ""]


LEDGER = [
    HEAD,
    _line("VT", "VT0001", "03-14", "411000", "C001", "FA25-0012", "Situation n°2", 14976.0, 0),
    _line("VT", "VT0001", "03-14", "704000", "", "FA25-0012", "Situation n°2", 0, 12480.0),
    _line("VT", "VT0001", "03-14", "445710", "", "FA25-0012", "TVA", 0, 2496.0),
    _line("VT", "VT0002", "03-15", "411000", "C002", "FA25-0013", "Facture", 1200.0, 0),
    _line("VT", "VT0002", "03-15", "704000", "", "FA25-0013", "Facture", 0, 1200.0),
    _line("BQ1", "BQ0001", "03-20", "512100", "", "VIR0320", "Règlement FA25-0012", 14976.0, 0),
    _line("BQ1", "BQ0001", "03-20", "411000", "C001", "VIR0320", "Règlement FA25-0012", 0, 14976.0),
]


@pytest.fixture
def browser(monkeypatch, tmp_path):
    from reglo.addin.entrypoints import ribbon

    monkeypatch.setattr(ribbon.sys, "platform", "emscripten")  # what in_browser() sees in Pyodide
    monkeypatch.setenv("REGLO_DOSSIER", str(tmp_path / "pas-de-dossier"))
    monkeypatch.delenv("REGLO_FEC", raising=False)


def test_lettering_proposals_from_the_ledger_sheet_in_lite(lite_env, browser, tmp_path):  # noqa: F811
    module = _load(lite.render_main(), tmp_path, "reglo_lite_lettering")
    book = make_book({"Écritures": LEDGER})
    _call(lite_env, module, lite.function_name("lettering_propose"), book)
    actions = book.json()["actions"]
    (box,) = [a for a in actions if a["func"] == "alert"]
    prompt = box["args"][0]
    assert "complément Excel de bureau" not in prompt and "Erreur" not in prompt, prompt
    assert "1 lettrage(s) proposé(s)" in prompt and "« Écritures »" in prompt
    added = [a["args"][-1] for a in actions if a["func"] == "addSheet"]
    assert "Propositions de lettrage" in added
    written = json.dumps([a["values"] if "values" in a else a["args"] for a in actions if a["func"] == "setValues"], ensure_ascii=False)
    assert "FA25-0012" in written and "VIR0320" in written  # the lines of the proposed group


def test_apply_stays_on_the_desktop_in_lite(lite_env, browser, tmp_path):  # noqa: F811
    module = _load(lite.render_main(), tmp_path, "reglo_lite_lettering_apply")
    book = make_book({"Écritures": LEDGER})
    _call(lite_env, module, lite.function_name("lettering_apply"), book)
    (box,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert "complément Excel de bureau" in box["args"][0]


def test_without_a_ledger_sheet_the_browser_says_what_to_do(lite_env, browser, tmp_path):  # noqa: F811
    module = _load(lite.render_main(), tmp_path, "reglo_lite_lettering_none")
    book = make_book({"Feuil1": [["x"]]})
    _call(lite_env, module, lite.function_name("lettering_propose"), book)
    (box,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert "Aucune feuille « Écritures »" in box["args"][0]
