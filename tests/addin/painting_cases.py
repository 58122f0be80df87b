"""Shared cases of the painter tests (openpyxl backend in ``test_paint.py``, fast backend
in ``test_paint_fast.py``): a small « Écritures » sheet carrying the user's own fills and
notes, seeded alerts, and readers of the saved file."""
from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Color, PatternFill

from reglo.addin.backends.paint import paint_alerts
from reglo.addin.backends.sheets import FileWorkbook
from reglo.core.alerts import alert

S = "Écritures"
HEAD = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]
ROWS = [
    ["VE", datetime(2025, 1, 31), "1", "411000", "Facture", 1200, None],
    ["VE", "31/02/2025", "1", "706000", "Facture", None, 1000],
    ["VE", datetime(2025, 1, 31), "1", "44571", "TVA", None, 200],
    ["BQ", datetime(2025, 2, 5), "2", "512000", "Règlement", "abc", None],
    ["BQ", datetime(2025, 2, 5), "2", "411000", "Règlement", None, 1200],
]


def user_workbook(path: Path, *, extra_sheet: bool = False) -> Path:
    """The sheet, plus the user's own formatting and notes: J20 yellow, a note on J21, a
    theme colour on E2 and a note on D5 (both under future alerts). ``extra_sheet``: a
    « Notes » sheet and a defined name pointing at it (parts the fast backend must keep)."""
    book = FileWorkbook(path, create=True)
    book.write_sheet(S, HEAD, ROWS)
    if extra_sheet:
        book.write_sheet("Notes", ["Texte"], [["à garder"]])
    book.save()
    wb = load_workbook(path)
    ws = wb[S]
    ws["J20"].fill = PatternFill("solid", fgColor="FFFFEB9C")
    ws["J20"].value = "à revoir"
    ws["J21"].comment = Comment("note de l'utilisateur", "Moi")
    ws["E2"].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.6))
    ws["D5"].comment = Comment("RIB demandé", "Moi")
    if extra_sheet:
        from openpyxl.workbook.defined_name import DefinedName

        ws["B3"].number_format = "dd/mm/yyyy"
        wb.defined_names["zone_notes"] = DefinedName("zone_notes", attr_text="Notes!$A$1:$A$2")
    wb.save(path)
    return path


def seeded() -> list:
    return [
        alert("DATE_INVALID", sheet=S, row=3, column="Date", value="31/02/2025"),
        alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abc"),
        alert("ACCOUNT_INVALID", sheet=S, row=4, column="Compte", value="44571x"),
        alert("AMOUNT_ROUNDED", sheet=S, row=4, column="Crédit", value="200,005", rounded="200,01"),
        alert("ACCOUNT_INVALID", sheet=S, row=5, column="Compte", value="512000x"),
        alert("ENTRY_LABEL_MISSING", sheet=S, row=2, column="Libellé"),
    ]


def fills(path: Path, sheet: str = S) -> dict[str, str]:
    """Solid fills below the header: "#RRGGBB", or "theme<n>"."""
    ws = load_workbook(path)[sheet]
    out = {}
    for row in ws.iter_rows():
        for c in row:
            if c.fill.fill_type == "solid" and c.row > 1:
                fg = c.fill.fgColor
                out[c.coordinate] = "#" + fg.rgb[2:] if fg.type == "rgb" else f"theme{fg.theme}"
    return out


def notes(path: Path, sheet: str = S) -> dict[str, str]:
    ws = load_workbook(path)[sheet]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def run(path: Path, alerts: list, cls=FileWorkbook, **kw):
    """Open ``path`` with ``cls``, paint ``alerts``, save; the painter's report."""
    book = cls(path)
    report = paint_alerts(book, alerts, **kw)
    book.save()
    return report


def check_package(path: Path) -> None:
    """Every XML part well-formed, every part declared, every relationship target present."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for n in names:
            if n.endswith((".xml", ".rels", ".vml")):
                etree.fromstring(z.read(n))  # raises on malformed XML
        ct = etree.fromstring(z.read("[Content_Types].xml"))
        overrides = {e.get("PartName").lstrip("/") for e in ct if e.get("PartName")}
        defaults = {e.get("Extension") for e in ct if e.get("Extension")}
        assert overrides <= names  # no declaration of a missing part
        for n in names:
            if n.startswith("xl/") and not n.endswith(".rels"):
                assert n in overrides or n.rsplit(".", 1)[-1] in defaults, n
        # every relationship target exists
        for n in [x for x in names if x.endswith(".rels")]:
            base = n.replace("_rels/", "").removesuffix(".rels")
            for rel in etree.fromstring(z.read(n)):
                if rel.get("TargetMode") == "External":
                    continue
                from reglo.addin.backends.fastbook import _resolve

                target = _resolve(base if base else "x", rel.get("Target")) if not n.startswith("_rels/") else rel.get("Target").lstrip("/")
                assert target in names, (n, rel.get("Target"))
