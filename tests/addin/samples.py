"""Realistic workbooks for the ribbon buttons, used by the registry-wide Lite/ribbon tests.

``SAMPLES[tag](tmp_path, monkeypatch) -> (sheets, expect)``: the remote-engine sheets
(``make_book`` format) of a workbook the button is meant for, and a function
``expect(actions, prompt)`` asserting what the handler must do (colours, notes, sheets,
message). A button without a sample is run on a workbook that is not meant for it
(:data:`FOREIGN`): it must still answer with a French message box, never crash.
Add a sample here when a workflow lands.
"""
from __future__ import annotations

import functools
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


@functools.cache
def _demo() -> Any:
    from reglo.core.demo import generate_demo

    return generate_demo()


def _demo_dossier(tmp_path: Any, monkeypatch: Any) -> Any:
    """The demo company's dossier folder (dossier.xlsx + FEC), found through REGLO_DOSSIER."""
    from reglo.addin.shell.dossier import write_dossier

    demo = _demo()
    folder = tmp_path / "Batiroc"
    write_dossier(folder, demo.dossier, demo.ledger_frame)
    monkeypatch.setenv("REGLO_DOSSIER", str(folder))
    monkeypatch.chdir(tmp_path)
    return demo


def _payment_rows(demo: Any) -> list[list]:
    """Three customer payments received in January, typed in the template: the last two
    invoices of the year and one invoice number that does not exist."""
    from reglo.core.payments import ingest as t

    invoices = sorted((i for i in demo.dossier.invoices if i.gross > 0), key=lambda i: (i.invoice_date, i.invoice_number))[-2:]
    bank = demo.dossier.company.bank_accounts[0].journal_code
    rows = [list(t.HEADERS)]
    for inv in invoices:
        rows.append(["2026-01-06T00:00:00.000Z", inv.invoice_number, inv.customer_code, float(inv.gross),
                     "Virement", f"VIR {inv.invoice_number}", bank, inv.job_site_code or "", ""])
    rows.append(["2026-01-06T00:00:00.000Z", "FA2099-9999", "", 1500.0, "Chèque", "Chq 0001234", bank, "", "facture inconnue"])
    return rows


@sample("payments_check")
def _payments_check(tmp_path: Any, monkeypatch: Any):
    from reglo.core.payments import ingest as t

    demo = _demo_dossier(tmp_path, monkeypatch)

    def expect(actions: list[dict[str, Any]], prompt: str) -> None:
        red = [a for a in actions if a["func"] == "setRangeColor" and a["args"][0] == "#FFC7CE" and a["sheet_position"] == 0]
        assert any(a["start_row"] == 3 for a in red)  # Excel row 4: the unknown invoice
        assert any(a["func"] == "addNote" and a["args"][0].startswith("$B$4") for a in actions)
        assert any(a["func"] == "addSheet" for a in actions)  # « Contrôle »
        assert "bloqu" in prompt

    return {t.SHEET: _payment_rows(demo)}, expect


@sample("entry_import_run")
def _entry_import_run(tmp_path: Any, monkeypatch: Any):
    """Sales lines from an invoicing tool (VAT on the revenue line); the second invoice does
    not balance and is rejected whole."""
    from reglo.addin.shell import entry_import as ei
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.core.entry_import.layout import preset_sales_vat_on_line

    monkeypatch.chdir(tmp_path)
    book = FileWorkbook(tmp_path / "definition.xlsx", create=True)
    ei.write_definition_sheet(book, preset_sales_vat_on_line())
    definition = [["" if v is None else v for v in row] for row in book.read_values(ei.DEFINITION_SHEET)]
    rows = [
        ["Journal", "Date", "N° facture", "Libellé", "Compte", "Nom", "Montant débit", "Montant crédit", "Montant TVA"],
        ["VT", "2025-01-31T00:00:00.000Z", "F1", "Vente", 10032.0, "Durand", 1210.0, "", ""],
        ["VT", "2025-01-31T00:00:00.000Z", "F1", "Vente", 706000.0, "", "", 1000.0, 210.0],
        ["VT", "2025-02-01T00:00:00.000Z", "F2", "Vente", 10033.0, "Martin", 120.0, "", ""],
        ["VT", "2025-02-01T00:00:00.000Z", "F2", "Vente", 706000.0, "", "", 100.0, 19.99],
    ]

    def expect(actions: list[dict[str, Any]], prompt: str) -> None:
        added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
        assert added[:3] == ["Écritures importées", "Rejets", "Résumé import"]
        assert any(a["func"] == "setRangeColor" and a["args"][0] == "#FFC7CE" for a in actions)  # the unbalanced invoice
        assert "4 lignes lues = 2 acceptées + 2 rejetées" in prompt

    return {ei.DEFINITION_SHEET: definition, ei.DATA_SHEET: rows}, expect
