"""Each workbook template, opened by a real spreadsheet application (LibreOffice headless),
shows its expected sheets: every visible sheet is printed and its headers are there.

Skipped without LibreOffice/poppler unless ``REGLO_REQUIRE_RENDER=1`` (CI), then it fails.
``REGLO_RENDER_DIR`` keeps the PNG pages for a look.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reglo.workbook_templates import GENERATED_DIR

pytestmark = pytest.mark.render
TEMPLATES = sorted(GENERATED_DIR.glob("*.xlsx"))


def _tools() -> tuple[str, str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if soffice and pdftotext and pdftoppm:
        return soffice, pdftotext, pdftoppm
    if os.environ.get("REGLO_REQUIRE_RENDER") == "1":
        pytest.fail("REGLO_REQUIRE_RENDER=1 mais LibreOffice (soffice) ou poppler (pdftotext) est absent")
    pytest.skip("LibreOffice (soffice) ou poppler absent")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _expected(path: Path) -> dict[str, list[str]]:
    """Visible sheet → a few header texts of that sheet (first non-empty text cells)."""
    wb = load_workbook(path)
    out: dict[str, list[str]] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        texts: list[str] = []
        for row in ws.iter_rows(min_row=1, max_row=12, values_only=True):
            for v in row:
                if isinstance(v, str) and 3 <= len(v) <= 30 and not v.startswith("="):
                    texts.append(v)
            if len(texts) >= 4:
                break
        out[ws.title] = texts[:4]
    return out


def test_there_are_templates():
    assert {p.name for p in TEMPLATES} >= {"Dossier Reglo.xlsx", "Import règlements clients.xlsx", "Import d'écritures.xlsx"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_template_renders_its_sheets_in_libreoffice(template, tmp_path):
    soffice, pdftotext, pdftoppm = _tools()
    src = tmp_path / "modele.xlsx"  # plain name: no quoting issue on the command line
    shutil.copy(template, src)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = tmp_path / "modele.pdf"
    assert pdf.exists(), f"LibreOffice n'a pas pu ouvrir {template.name}"
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60).stdout.decode("utf-8")
    rendered = _norm(text)
    expected = _expected(template)
    assert expected, "aucune feuille visible"
    for sheet, headers in expected.items():
        assert headers, f"la feuille « {sheet} » est vide"
        for header in headers:
            assert _norm(header) in rendered, f"« {header} » (feuille « {sheet} ») n'apparaît pas dans le rendu de {template.name}"
    keep = os.environ.get("REGLO_RENDER_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        subprocess.run([pdftoppm, "-png", "-r", "60", str(pdf), str(Path(keep) / template.stem)], check=True, timeout=60)
