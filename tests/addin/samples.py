"""Realistic workbooks for the ribbon buttons, used by the registry-wide Lite/ribbon tests.

``SAMPLES[tag](tmp_path, monkeypatch) -> (sheets, expect)``: the remote-engine sheets
(``make_book`` format) of a workbook the button is meant for, and a function
``expect(actions, prompt)`` asserting what the handler must do (colours, notes, sheets,
message). A button without a sample is run on a workbook that is not meant for it
(:data:`FOREIGN`): it must still answer with a French message box, never crash.
Add a sample here when a workflow lands.
"""
from __future__ import annotations

from typing import Any, Callable

from tests.conftest import make_book

Expect = Callable[[list[dict[str, Any]], str], None]
SAMPLES: dict[str, Callable[[Any, Any], tuple[dict[str, list[list]], Expect]]] = {}

FOREIGN = {
    "Budget 2025": [
        ["Poste", "Janvier", "Février", "Mars"],
        ["Loyer", 1850.0, 1850.0, 1850.0],
        ["Énergie", 420.5, 398.2, 377.0],
    ]
}


def sample(tag: str):
    def wrap(func):
        SAMPLES[tag] = func
        return func

    return wrap


def sample_book(tag: str, tmp_path: Any, monkeypatch: Any):
    """(Book, expect) for ``tag``; a foreign workbook when the tag has no sample."""
    builder = SAMPLES.get(tag)
    if builder is None:
        monkeypatch.setenv("REGLO_DOSSIER", str(tmp_path / "pas-de-dossier"))
        monkeypatch.chdir(tmp_path)  # a handler that writes files writes them here
        return make_book(FOREIGN), _answers_in_french
    sheets, expect = builder(tmp_path, monkeypatch)
    return make_book(sheets), expect


def _answers_in_french(actions: list[dict[str, Any]], prompt: str) -> None:
    assert prompt.strip()
    assert any(ch in prompt for ch in "éèàçêôùâî«»") or " : " in prompt  # French text, not a repr


@sample("check")
def _check_entries(tmp_path: Any, monkeypatch: Any):
    """An « Écritures » sheet typed by hand: one balanced sale, one entry with no account."""
    sheets = {
        "Écritures": [
            ["Journal", "N° écriture", "Date", "Compte", "Compte auxiliaire", "Pièce", "Libellé", "Débit", "Crédit"],
            ["VT", "VT0001", "2025-03-14T00:00:00.000Z", "411000", "C0003", "FA2025-0012", "Situation n°2 chantier CH012", 14976.0, ""],
            ["VT", "VT0001", "2025-03-14T00:00:00.000Z", "704000", "", "FA2025-0012", "Situation n°2 chantier CH012", "", 12480.0],
            ["VT", "VT0001", "2025-03-14T00:00:00.000Z", "445710", "", "FA2025-0012", "TVA collectée 20 %", "", 2496.0],
            ["BQ1", "BQ0001", "2025-03-20T00:00:00.000Z", "", "", "VIR0320", "Règlement FA2025-0012", "", 14976.0],
            ["BQ1", "BQ0001", "2025-03-20T00:00:00.000Z", "512100", "", "VIR0320", "Règlement FA2025-0012", 14976.0, ""],
        ]
    }

    def expect(actions: list[dict[str, Any]], prompt: str) -> None:
        funcs = [a["func"] for a in actions]
        assert "setRangeColor" in funcs  # the row without an account is highlighted
        red = [a for a in actions if a["func"] == "setRangeColor" and a["sheet_position"] == 0]
        assert any(a["start_row"] == 4 for a in red)  # Excel row 5 (0-based 4)
        assert "addSheet" in funcs or "setValues" in funcs  # the « Contrôle » report
        assert "bloquant" in prompt

    return sheets, expect
