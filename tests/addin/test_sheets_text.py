"""Text that looks like a formula (=, +, -, @) is written EXACTLY and never evaluated:
openpyxl and fast backends, read back with openpyxl and calamine, rendered by LibreOffice;
the xlwings backend types it with Excel's apostrophe; malicious XML gets a French message."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook, load_workbook
from python_calamine import CalamineWorkbook

from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.sheets import FileWorkbook, Formula, WorkbookError, excel_typed_text, needs_quote, safe_text

TEXTS = ['=HYPERLINK("http://evil.example","clic")', "-Salaires", "+A1*2", "@SUM(A1:A2)", "=1+1"]
PLAIN = ["Salaires", "-12,50", "12", "+33 1 23"]


def _write(backend: str, path: Path) -> None:
    if backend == "openpyxl":
        book = FileWorkbook(path, create=True)
    else:
        seed = OpenpyxlWorkbook()
        seed.active.title = "Base"
        seed.save(path)
        book = FastFileWorkbook(path)
    book.write_sheet("Textes", ["Texte", "Lien"], [[t, Formula('=HYPERLINK("#\'Textes\'!A1","A1")')] for t in TEXTS + PLAIN])
    book.save()


def _read_back(path: Path) -> tuple[list, list]:
    ws = load_workbook(path)["Textes"]
    cells = [ws.cell(r, 1) for r in range(2, 2 + len(TEXTS) + len(PLAIN))]
    links = [ws.cell(r, 2) for r in range(2, 2 + len(TEXTS))]
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Textes").to_python()
    return cells, links, [row[0] for row in cal[1:]]


@pytest.mark.parametrize("backend", ["openpyxl", "fast"])
def test_formula_like_text_is_kept_exactly_and_not_a_formula(tmp_path: Path, backend: str):
    path = tmp_path / "t.xlsx"
    _write(backend, path)
    cells, links, calamine_values = _read_back(path)
    for cell, text in zip(cells, TEXTS + PLAIN):
        assert cell.value == text  # no apostrophe added
        assert cell.data_type in ("s", "inlineStr") and cell.data_type != "f"
    for cell in cells[: len(TEXTS)]:
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    assert calamine_values == TEXTS + PLAIN
    assert all(link.data_type == "f" for link in links)  # Reglo's own formulas stay formulas


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent")
def test_libreoffice_shows_the_text_not_a_computed_value(tmp_path: Path):
    path = tmp_path / "t.xlsx"
    _write("openpyxl", path)
    fast = tmp_path / "f.xlsx"
    _write("fast", fast)
    for src in (path, fast):
        out = tmp_path / src.stem
        subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                        "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180)
        csv = next(p for p in out.glob("*.csv") if "Textes" in p.name).read_text(encoding="utf-8")
        assert "\n=1+1," in csv and "\n2," not in csv  # shown as typed, not computed
        assert "-Salaires" in csv and "@SUM(A1:A2)" in csv and "HYPERLINK" in csv


def test_write_cells_keeps_text_and_resets_prefix(tmp_path: Path):
    path = tmp_path / "c.xlsx"
    book = FileWorkbook(path, create=True)
    book.write_sheet("S", ["A"], [["x"]])
    book.write_cells("S", {(2, 1): "=2*3", (3, 1): "-Frais"})
    book.save()
    ws = load_workbook(path)["S"]
    assert (ws["A2"].value, ws["A2"].data_type, ws["A2"].quotePrefix) == ("=2*3", "s", True)
    assert ws["A3"].value == "-Frais"
    book = FileWorkbook(path)
    book.write_cells("S", {(2, 1): "ordinaire"})
    book.save()
    assert load_workbook(path)["S"]["A2"].quotePrefix is False


def test_helpers():
    assert safe_text("=A1") == "=A1" and safe_text(Formula("=A1")) == "=A1"
    assert excel_typed_text("=A1") == "'=A1" and excel_typed_text("-12,50") == "-12,50" and excel_typed_text("abc") == "abc"
    assert needs_quote("@x") and needs_quote("+a") and not needs_quote("-3") and not needs_quote(Formula("=A1")) and not needs_quote(3)


def _xxe_book(path: Path) -> Path:
    seed = OpenpyxlWorkbook()
    seed.active["A1"] = "x"
    seed.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("<worksheet", '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet', 1)
    xml = xml.replace("<sheetData>", "<sheetData><row r='5'><c r='A5' t='inlineStr'><is><t>&xxe;</t></is></c></row>", 1)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return path


def test_malicious_xml_is_refused_in_french(tmp_path: Path):
    with pytest.raises(WorkbookError) as exc:
        FileWorkbook(_xxe_book(tmp_path / "xxe.xlsx"))
    message = str(exc.value)
    assert "XML invalide ou dangereux" in message
    assert "ParseError" not in message and "undefined entity" not in message
