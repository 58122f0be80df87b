"""Notes are sized to their text in every workflow (issue 12, finding 3): a 400-character
message gets a box tall enough to show it, with both file backends (the default 144×79 px
box cut such messages)."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from reglo.addin.backends.base import NOTE_CHARS_PER_LINE, NOTE_LINE_PX, note_size
from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.paint import paint_alerts
from reglo.addin.backends.sheets import FileWorkbook
from reglo.core.alerts import Alert, AlertCode, Severity


def test_note_size_grows_with_the_text():
    short, long_ = note_size("Montant illisible."), note_size("x" * 400)
    assert long_[1] > short[1] and long_[1] >= NOTE_LINE_PX * (400 // NOTE_CHARS_PER_LINE)


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_painted_note_box_fits_a_long_message(tmp_path, backend):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Règlements"
    ws.append(["Client", "Montant"])
    ws.append(["C001", 10])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    message = "Le montant ne correspond à aucune facture ouverte du client ; vérifiez la saisie. " * 5  # ~420 characters
    book = backend(path)
    paint_alerts(book, [Alert(sheet="Règlements", row=2, column="Montant", severity=Severity.BLOCKING, code=AlertCode("AMOUNT_INVALID"), message=message)])
    book.save()
    with zipfile.ZipFile(path) as z:
        vml = next(z.read(n).decode() for n in z.namelist() if n.endswith(".vml") and b"Montant" not in z.read(n) and "Note" in z.read(n).decode())
    heights = [float(h) * (4 / 3 if unit == "pt" else 1) for h, unit in re.findall(r"height:([\d.]+)(pt|px)", vml)]
    assert heights and max(heights) >= note_size(message)[1] * 0.99 > 79
