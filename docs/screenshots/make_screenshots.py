"""Screenshots of the README: the demo's workbooks rendered by LibreOffice.

    python docs/screenshots/make_screenshots.py [--out docs/screenshots] [--demo DOSSIER]

Runs ``reglo demo`` into a temporary folder (or uses ``--demo`` when given a folder where the
demo already ran), then for each picture keeps only one sheet visible in a copy of the
workbook, converts it to PDF with LibreOffice in the fr-FR locale (``soffice --headless --convert-to pdf``),
rasterises the first page with poppler (``pdftoppm -png -r 80``) and crops the white margins.

Needs ``soffice`` and ``pdftoppm`` (Debian: ``apt-get install libreoffice-calc poppler-utils``).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (picture, workbook written by the demo, sheet shown, rows printed, paper): wide sheets are
# printed on A3 (one page wide, as Reglo sets them) so that 80 dpi stays readable
SHOTS = [
    ("controle.png", "ecritures_a_controler.xlsx", "Contrôle", 40, "A4"),
    ("ecritures-peintes.png", "ecritures_a_controler.xlsx", "Écritures", 40, "A3"),
    ("previsualisation-virements.png", "Virements fournisseurs.xlsx", "Prévisualisation virements", 32, "A3"),
    ("propositions-lettrage.png", "Propositions de lettrage.xlsx", "Propositions de lettrage", 32, "A3"),
]
PAPER = {"A4": 9, "A3": 8}  # OOXML paperSize codes
DPI = 80
MARGIN_PX = 8
# the LibreOffice profile's locale: amounts and dates as a French Excel shows them (1 234,56 €)
FR_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>fr-FR</value></prop></item>
</oor:items>
"""


def tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not (soffice and pdftoppm):
        sys.exit("LibreOffice (soffice) et poppler (pdftoppm) sont nécessaires : apt-get install libreoffice-calc poppler-utils")
    return soffice, pdftoppm


def run_demo(folder: Path) -> None:
    from reglo.addin.entrypoints.cli import main

    code = main(["demo", "--out", str(folder)])
    if code not in (0, 1):
        sys.exit(f"reglo demo a échoué (code {code})")


def one_sheet_copy(workbook: Path, sheet: str, out: Path, *, rows: int = 40, paper: str = "A4") -> Path:
    """A copy of ``workbook`` where only ``sheet`` is visible (and active): LibreOffice prints
    the visible sheets only; the others stay in the file, so links and formulas still resolve."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(workbook)
    target = wb[sheet]
    wb.active = wb.sheetnames.index(sheet)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws is target else "hidden"
        ws.sheet_view.tabSelected = ws is target
    target.page_setup.orientation = "landscape"
    target.sheet_properties.pageSetUpPr.fitToPage = True
    target.page_setup.fitToWidth = 1
    target.page_setup.fitToHeight = 0
    target.page_setup.paperSize = PAPER[paper]
    target.print_area = f"A1:{get_column_letter(max(target.max_column, 1))}{min(target.max_row, rows)}"
    wb.save(out)
    return out


def _read_ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    return int(fields[1]), int(fields[2]), data[pos + 1:]


def content_box(ppm: Path) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the non-white part of the page, with a small margin."""
    import numpy as np

    w, h, pixels = _read_ppm(ppm)
    img = np.frombuffer(pixels[: w * h * 3], dtype=np.uint8).reshape(h, w, 3)
    ink = (img < 245).any(axis=2)
    rows, cols = np.where(ink.any(axis=1))[0], np.where(ink.any(axis=0))[0]
    if not len(rows):
        return 0, 0, w, h
    x0, x1 = max(int(cols[0]) - MARGIN_PX, 0), min(int(cols[-1]) + MARGIN_PX, w - 1)
    y0, y1 = max(int(rows[0]) - MARGIN_PX, 0), min(int(rows[-1]) + MARGIN_PX, h - 1)
    return x0, y0, x1 - x0 + 1, y1 - y0 + 1


def render_first_page(xlsx: Path, png: Path, work: Path) -> Path:
    """``xlsx`` → PDF (LibreOffice) → first page as PNG at 80 dpi, cropped to its content."""
    soffice, pdftoppm = tools()
    profile = work / "lo_profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(FR_PROFILE, encoding="utf-8")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
                   check=True, capture_output=True, timeout=300)
    pdf = work / (xlsx.stem + ".pdf")
    if not pdf.exists():
        sys.exit(f"LibreOffice n'a pas produit de PDF pour {xlsx.name}")
    subprocess.run([pdftoppm, "-f", "1", "-l", "1", "-r", str(DPI), "-singlefile", str(pdf), str(work / "page")], check=True, timeout=120)
    x, y, w, h = content_box(work / "page.ppm")
    stem = png.with_suffix("")
    subprocess.run([pdftoppm, "-png", "-f", "1", "-l", "1", "-r", str(DPI), "-singlefile", "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h),
                    str(pdf), str(stem)], check=True, timeout=120)
    return png


def make(out: Path, demo: Path | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="reglo-captures-") as tmp:
        tmp_path = Path(tmp)
        folder = demo
        if folder is None:
            folder = tmp_path / "reglo_demo"
            run_demo(folder)
        for picture, workbook, sheet, rows, paper in SHOTS:
            work = tmp_path / Path(picture).stem
            work.mkdir()
            copy = one_sheet_copy(folder / workbook, sheet, work / f"{Path(picture).stem}.xlsx", rows=rows, paper=paper)
            written.append(render_first_page(copy, out / picture, work))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Captures d'écran du README : classeurs de la démonstration rendus par LibreOffice.")
    parser.add_argument("--out", default=str(HERE), metavar="DOSSIER", help="dossier des images (défaut : docs/screenshots)")
    parser.add_argument("--demo", default=None, metavar="DOSSIER", help="dossier où « reglo demo » a déjà tourné (défaut : une démonstration neuve)")
    args = parser.parse_args(argv)
    tools()
    for path in make(Path(args.out), Path(args.demo) if args.demo else None):
        print(f"Image écrite : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
