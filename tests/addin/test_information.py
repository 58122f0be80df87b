"""Routine conversions are information, not warnings (issue 12, finding 6): 54 accents made
SEPA-safe become one line of « Contrôle » and paint no cell; the one warning that needs a
decision (an edited amount) is painted yellow and listed first."""
from __future__ import annotations

import openpyxl

from reglo.addin.backends.paint import paint_alerts
from reglo.addin.backends.sheets import FileWorkbook, YELLOW
from reglo.core.alerts import Severity, alert, summarise_information, summary_fr


def _alerts():
    infos = [alert("TEXT_TRANSLITERATED", sheet="Prévisualisation virements", row=r, column="Nom", field="Nom", original="Métallurgie", clean="Metallurgie")
             for r in range(2, 56)]
    edit = alert("AMOUNT_INVALID", sheet="Prévisualisation virements", row=30, column="Montant", severity=Severity.WARNING, value="3 376,58")
    return infos + [edit]


def test_transliteration_is_information():
    a = alert("TEXT_TRANSLITERATED", field="Nom", original="é", clean="e")
    assert a.severity is Severity.INFO


def test_information_is_summarised_once_per_sheet_and_code():
    out = summarise_information(_alerts())
    assert [a.severity for a in out] == [Severity.WARNING, Severity.INFO]
    assert out[1].message.startswith("54 cas (première : ligne 2, colonne « Nom ») ; exemple : ") and out[1].row is None
    assert summary_fr(out) == "0 alerte bloquante, 1 avertissement, 1 information"


def test_information_paints_nothing_and_comes_after_warnings(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Prévisualisation virements"
    ws.append(["Ligne", "Nom", "Montant"])
    for r in range(2, 56):
        ws.append([r, "Métallurgie", 100])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    book = FileWorkbook(path)
    report = paint_alerts(book, _alerts())
    assert report.cells == {("Prévisualisation virements", 30, 3): YELLOW}
    rows = book.read_values("Contrôle")
    header = next(i for i, r in enumerate(rows) if r[:2] == ["Feuille", "Cellule"])
    listed = [r[2] for r in rows[header + 1:] if r and r[0]]
    assert listed == ["AVERTISSEMENT", "INFORMATION"]
    assert ["Informations", 1] in [r[:2] for r in rows[:header]]
