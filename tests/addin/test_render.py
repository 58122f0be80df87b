"""A real spreadsheet application renders a painted workbook: LibreOffice headless → PDF →
image; the flagged cells must really show red / yellow pixels and an unflagged cell none.

Skipped when LibreOffice (``soffice``) or ``pdftoppm`` is missing, unless
``REGLO_REQUIRE_RENDER=1`` (CI), in which case it fails. Set ``REGLO_RENDER_DIR`` to keep
the PNG pages for a look.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from reglo.addin.entrypoints.cli import main
from reglo.addin.backends.sheets import RED, YELLOW

pytestmark = pytest.mark.render

HEAD = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]
ROWS = [
    ["VE", datetime(2025, 1, 31), "1", "411000", "Facture 14 Dupont", 1200, None],
    ["VE", "31/02/2025", "1", "706000", "Facture 14 Dupont", None, 1000],  # B3: impossible date (red)
    ["VE", datetime(2025, 1, 31), "1", "445710", "TVA collectée", None, "200,00"],  # G4: amount as text (yellow)
    ["BQ", datetime(2025, 2, 5), "2", "512000", "Règlement Dupont", "abc", None],  # F5: text amount (red)
    ["BQ", datetime(2025, 2, 5), "2", "411000", "Règlement Dupont", None, 1200],
    ["OD", datetime(2025, 2, 28), "3", "471000", "Attente", 10, None],
    ["OD", datetime(2025, 2, 28), "3", "472000", "Attente", None, 10],
]


def _tools() -> tuple[str, str] | None:
    soffice, pdftoppm = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftoppm")
    if soffice and pdftoppm:
        return soffice, pdftoppm
    if os.environ.get("REGLO_REQUIRE_RENDER") == "1":
        pytest.fail("REGLO_REQUIRE_RENDER=1 mais LibreOffice (soffice) ou pdftoppm est absent")
    pytest.skip("LibreOffice (soffice) ou pdftoppm absent")


def render(xlsx: Path, out: Path) -> list[np.ndarray]:
    """Pages of the workbook as RGB arrays (80 dpi), also saved as PNG in ``out``."""
    soffice, pdftoppm = _tools()
    profile = out / "lo_profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(xlsx)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = out / (xlsx.stem + ".pdf")
    assert pdf.exists(), "LibreOffice n'a pas produit de PDF"
    subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(out / "page")], check=True, timeout=60)
    subprocess.run([pdftoppm, "-r", "80", str(pdf), str(out / "raw")], check=True, timeout=60)  # PPM: read without an image library
    keep = os.environ.get("REGLO_RENDER_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in out.glob("page*.png"):
            shutil.copy(png, Path(keep) / f"{xlsx.stem}-{png.name}")
    return [_read_ppm(p) for p in sorted(out.glob("raw*.ppm"))]


def _read_ppm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P6"
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1: pos + 1 + w * h * 3], dtype=np.uint8).reshape(h, w, 3)


def mask(img: np.ndarray, hex_color: str, tol: int = 10) -> np.ndarray:
    rgb = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return (np.abs(img.astype(np.int16) - rgb) <= tol).all(axis=2)


def blobs(m: np.ndarray, min_pixels: int = 40) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (top, left, bottom, right) of the connected areas of ``m``."""
    seen = np.zeros_like(m, dtype=bool)
    out = []
    for y, x in zip(*np.nonzero(m)):
        if seen[y, x]:
            continue
        stack, pts = [(y, x)], []
        seen[y, x] = True
        while stack:
            cy, cx = stack.pop()
            pts.append((cy, cx))
            for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                if 0 <= ny < m.shape[0] and 0 <= nx < m.shape[1] and m[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if len(pts) >= min_pixels:
            ys, xs = [p[0] for p in pts], [p[1] for p in pts]
            out.append((min(ys), min(xs), max(ys), max(xs)))
    return sorted(out)


def _write(path: Path, rows) -> Path:
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "Écritures"
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    for col, width in zip("ABCDEFG", (9, 12, 12, 10, 22, 10, 10)):
        ws.column_dimensions[col].width = width
    for line in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        line[0].number_format = "dd/mm/yyyy"
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # the user's print setup: one page wide
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.save(path)
    return path


@pytest.mark.parametrize("engine", ["openpyxl", "rapide"])
def test_painted_cells_render_red_and_yellow(tmp_path, engine):
    _tools()
    xlsx = _write(tmp_path / f"ecritures-{engine}.xlsx", ROWS)
    assert main(["check", str(xlsx), "--moteur", engine]) == 1
    pages = render(xlsx, tmp_path)
    assert len(pages) >= 2  # the checked sheet, then « Contrôle »
    sheet = pages[0]
    red, yellow = blobs(mask(sheet, RED)), blobs(mask(sheet, YELLOW))
    assert len(red) == 2, red  # B3 and F5, nothing else
    assert len(yellow) == 1, yellow  # G4
    (b3, f5), g4 = red, yellow[0]
    cy = lambda b: (b[0] + b[2]) / 2  # noqa: E731
    cx = lambda b: (b[1] + b[3]) / 2  # noqa: E731
    # B3 above-left of F5; G4 right of F5 and between rows 3 and 5
    assert cx(b3) < cx(f5) < cx(g4)
    assert cy(b3) < cy(g4) < cy(f5)
    # each blob is one cell: about one row high, narrower than two columns
    row_h = cy(f5) - cy(b3)  # two rows
    assert all((b[2] - b[0]) < row_h for b in (b3, f5, g4))
    # an unflagged cell shows none: the cell D3 (same row as B3, two columns right) is not red
    d3 = sheet[int(cy(b3)), int(cx(b3) + (cx(f5) - cx(b3)) / 2)]
    assert not mask(d3.reshape(1, 1, 3), RED).any() and not mask(d3.reshape(1, 1, 3), YELLOW).any()
    # the control page lists the alerts in coloured rows
    control = pages[-1]
    assert mask(control, RED).sum() > 500 and mask(control, YELLOW).sum() > 200


def test_clean_workbook_renders_no_alert_colour(tmp_path):
    _tools()
    rows = [list(r) for r in ROWS]
    rows[1][1], rows[2][6], rows[3][5] = datetime(2025, 1, 31), 200, 1200
    xlsx = _write(tmp_path / "propre.xlsx", rows)
    assert main(["check", str(xlsx)]) == 0
    pages = render(xlsx, tmp_path)
    assert mask(pages[0], RED).sum() == 0 and mask(pages[0], YELLOW).sum() == 0
