"""The fast file backend (calamine reads, patch-only saves) gives the same painting as the
openpyxl backend and leaves every other part of the package untouched."""
from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Color, PatternFill
from openpyxl.workbook.defined_name import DefinedName

from addin.cli import main
from addin.fastbook import FastFileWorkbook, UnsupportedWorkbook
from addin.paint import CONTROL_SHEET, STATE_SHEET, paint_alerts
from addin.sheets import RED, YELLOW, FileWorkbook
from core.alerts import alert

S = "Écritures"
HEAD = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]
ROWS = [
    ["VE", datetime(2025, 1, 31), "1", "411000", "Facture", 1200, None],
    ["VE", "31/02/2025", "1", "706000", "Facture", None, 1000],
    ["VE", datetime(2025, 1, 31), "1", "44571", "TVA", None, 200],
    ["BQ", datetime(2025, 2, 5), "2", "512000", "Règlement", "abc", None],
    ["BQ", datetime(2025, 2, 5), "2", "411000", "Règlement", None, 1200],
]


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "classeur.xlsx"
    book = FileWorkbook(p, create=True)
    book.write_sheet(S, HEAD, ROWS)
    book.write_sheet("Notes", ["Texte"], [["à garder"]])
    book.save()
    wb = load_workbook(p)
    ws = wb[S]
    ws["J20"].fill = PatternFill("solid", fgColor="FFFFEB9C")
    ws["J20"].value = "à revoir"
    ws["J21"].comment = Comment("note de l'utilisateur", "Moi")
    ws["E2"].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.6))
    ws["D5"].comment = Comment("RIB demandé", "Moi")
    ws["B3"].number_format = "dd/mm/yyyy"
    wb.defined_names["zone_notes"] = DefinedName("zone_notes", attr_text="Notes!$A$1:$A$2")
    wb.save(p)
    return p


def seeded():
    return [
        alert("DATE_INVALID", sheet=S, row=3, column="Date", value="31/02/2025"),
        alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abc"),
        alert("ACCOUNT_INVALID", sheet=S, row=4, column="Compte", value="44571x"),
        alert("AMOUNT_ROUNDED", sheet=S, row=4, column="Crédit", value="200,005", rounded="200,01"),
        alert("ACCOUNT_INVALID", sheet=S, row=5, column="Compte", value="512000x"),
        alert("ENTRY_LABEL_MISSING", sheet=S, row=2, column="Libellé"),
        alert("ENTRY_NO_AMOUNT", sheet=S, row=30),  # a row beyond the data: row-wide fill on new XML rows
    ]


def fills(path, sheet=S):
    ws = load_workbook(path)[sheet]
    out = {}
    for row in ws.iter_rows():
        for c in row:
            if c.fill.fill_type == "solid" and c.row > 1:
                fg = c.fill.fgColor
                out[c.coordinate] = "#" + fg.rgb[2:] if fg.type == "rgb" else f"theme{fg.theme}"
    return out


def notes(path, sheet=S):
    ws = load_workbook(path)[sheet]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def run(path, alerts, cls=FastFileWorkbook, **kw):
    book = cls(path)
    report = paint_alerts(book, alerts, **kw)
    book.save()
    return report


def test_same_result_as_openpyxl_backend(path, tmp_path):
    other = tmp_path / "autre.xlsx"
    other.write_bytes(path.read_bytes())
    run(path, seeded())
    run(other, seeded(), cls=FileWorkbook)
    assert fills(path) == fills(other)
    assert notes(path) == notes(other)
    assert fills(path)["B3"] == RED and fills(path)["G4"] == YELLOW and fills(path)["J20"] == YELLOW
    assert {f"{c}30" for c in "ABCDEFG"} <= set(fills(path))
    # the cell keeps its own number format under the red fill
    assert load_workbook(path)[S]["B3"].number_format == "dd/mm/yyyy"
    a = [r for r in load_workbook(path)[CONTROL_SHEET].iter_rows(values_only=True)]
    b = [r for r in load_workbook(other)[CONTROL_SHEET].iter_rows(values_only=True)]
    assert a == b


def test_second_and_third_runs_restore_the_user_formatting(path):
    run(path, seeded())
    run(path, [a for a in seeded() if a.row not in (5, 30)])
    f, n = fills(path), notes(path)
    assert "F5" not in f and "D5" not in f and "A30" not in f
    assert n["D5"] == "RIB demandé"
    run(path, [])
    wb = load_workbook(path)
    assert wb[S]["E2"].fill.fgColor.theme == 4 and abs(wb[S]["E2"].fill.fgColor.tint - 0.6) < 1e-9
    assert fills(path) == {"E2": "theme4", "J20": YELLOW}
    assert notes(path) == {"J21": "note de l'utilisateur", "D5": "RIB demandé"}
    assert STATE_SHEET not in wb.sheetnames
    assert wb.defined_names["zone_notes"].attr_text == "Notes!$A$1:$A$2"


def test_untouched_parts_are_byte_identical(path):
    before = zipfile.ZipFile(path)
    old = {n: before.read(n) for n in before.namelist()}
    run(path, seeded())
    after = zipfile.ZipFile(path)
    new = {n: after.read(n) for n in after.namelist()}
    notes_part = next(n for n in old if n.startswith("xl/worksheets/sheet") and b"Texte" in old[n] or n.endswith("sheet2.xml"))
    assert new[notes_part] == old[notes_part]
    assert new["xl/theme/theme1.xml"] == old["xl/theme/theme1.xml"]
    wb = load_workbook(path)
    assert wb[STATE_SHEET].sheet_state == "hidden"
    assert wb.sheetnames[:2] == [S, "Notes"]


def test_values_read_by_calamine(path):
    book = FastFileWorkbook(path)
    values = book.read_values(S)
    assert values[0][:7] == HEAD and values[0][7:] == [None, None, None]
    assert values[1][1] == datetime(2025, 1, 31) and values[2][1] == "31/02/2025"
    assert values[1][6] is None


def test_vml_with_other_shapes_is_refused_and_cli_falls_back(path, tmp_path):
    # forge a legacy drawing holding a non-note shape (e.g. a form button)
    run(path, seeded())
    data = {}
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            data[n] = z.read(n)
    vml = next(n for n in data if n.endswith(".vml"))
    data[vml] = data[vml].replace(b"</xml>", b'<v:shape id="btn"><x:ClientData ObjectType="Button"/></v:shape></xml>')
    with zipfile.ZipFile(path, "w") as z:
        for n, d in data.items():
            z.writestr(n, d)
    book = FastFileWorkbook(path)
    paint_alerts(book, [alert("DATE_INVALID", sheet=S, row=3, column="Date", value="x")])
    with pytest.raises(UnsupportedWorkbook):
        book.to_bytes()
    # the CLI falls back to openpyxl
    assert main(["check", str(path), "--moteur", "rapide"]) in (0, 1)


def test_cli_fast_engine(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = S
    ws.append(HEAD)
    for r in ROWS:
        ws.append(r)
    p = tmp_path / "e.xlsx"
    wb.save(p)
    assert main(["check", str(p), "--moteur", "rapide"]) == 1
    f = fills(p)
    assert f["B3"] == RED and f["F5"] == RED
    wb = load_workbook(p)
    wb[S]["F5"] = 1200
    wb[S]["B3"] = datetime(2025, 1, 31)
    wb.save(p)
    assert main(["check", str(p), "--moteur", "rapide"]) == 0
    assert fills(p) == {} and notes(p) == {}


@pytest.mark.parametrize("runs", [[seeded()], [seeded(), []], [seeded(), [a for a in seeded() if a.row != 5], []]])
def test_every_part_is_well_formed_and_declared(path, runs):
    for alerts in runs:
        run(path, alerts)
        _check_package(path)


def _check_package(path):
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
                from addin.fastbook import _resolve

                target = _resolve(base if base else "x", rel.get("Target")) if not n.startswith("_rels/") else rel.get("Target").lstrip("/")
                assert target in names, (n, rel.get("Target"))
