"""Every workbook ``reglo demo`` writes is rendered by a real spreadsheet application
(LibreOffice, French locale), and the amounts on its totals show French formats.

- each workbook converts to PDF with at least one page;
- on every visible sheet, each numeric amount of a « Total… » row carries a euro format
  (``#,##0.00 "€"`` style) and LibreOffice, in the fr-FR locale, shows it as ``1 234,56 €``;
- every date cell of a sheet Reglo wrote reads ``dd/mm/yyyy`` (``dd/mm/yyyy hh:mm`` with a time).

Marker ``render``: skipped without ``soffice``/``pdftoppm`` unless ``REGLO_REQUIRE_RENDER=1``.
Set ``REGLO_RENDER_DIR`` to keep the PDF files.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.render

FRENCH_MONEY = re.compile(r"^-?\d{1,3}(?:[\u00a0\u202f ]\d{3})*,\d{2}[\u00a0\u202f ]?€$")
DATE_FORMATS = re.compile(r"^(dd/mm/yyyy|jj/mm/aaaa)( hh:mm(:ss)?)?(;@)?$", re.IGNORECASE)
# the locale of the LibreOffice profile: formats and separators as a French Excel shows them
FR_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>fr-FR</value></prop></item>
</oor:items>
"""
# cells shown « as displayed », one CSV file per sheet (LibreOffice ≥ 7.2: last token -1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1,,1036,false,true,true,false,false,-1"

# (workbook, sheet) whose totals another helper's branch makes French; the test reports them
# as expected failures until that branch is merged (then they pass: remove them here)
KNOWN_NOT_YET_FRENCH: set[tuple[str, str]] = set()  # « Virements » fixed by the presentation rule shared by the backends
KNOWN_DATES_NOT_YET_FRENCH: set[tuple[str, str]] = set()


def _tools() -> tuple[str, str]:
    soffice, pdftoppm = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftoppm")
    if soffice and pdftoppm:
        return soffice, pdftoppm
    if os.environ.get("REGLO_REQUIRE_RENDER") == "1":
        pytest.fail("REGLO_REQUIRE_RENDER=1 mais LibreOffice (soffice) ou pdftoppm est absent")
    pytest.skip("LibreOffice (soffice) ou pdftoppm absent")


@dataclass
class Rendered:
    demo: Path
    workbooks: dict[str, Path]  # flat name → workbook written by the demo
    pdf: Path  # folder of the PDF files
    csv: Path  # folder of the CSV files (one per sheet, as displayed in fr-FR)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Rendered:
    soffice, _ = _tools()
    from reglo.addin.entrypoints.cli import main

    root = tmp_path_factory.mktemp("rendu_demo")
    demo = root / "reglo_demo"
    assert main(["demo", "--out", str(demo)]) in (0, 1)
    flat = root / "classeurs"
    flat.mkdir()
    workbooks: dict[str, Path] = {}
    for path in sorted(demo.rglob("*.xlsx")):
        name = str(path.relative_to(demo)).replace(os.sep, "__")
        shutil.copy(path, flat / name)
        workbooks[name] = path
    profile = root / "lo_profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(FR_PROFILE, encoding="utf-8")
    files = [str(flat / n) for n in workbooks]
    for target, folder in (("pdf", root / "pdf"), (CSV_FILTER, root / "csv")):
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target, "--outdir", str(folder), *files],
                       check=True, capture_output=True, timeout=900)
    keep = os.environ.get("REGLO_RENDER_DIR")
    if keep:
        shutil.copytree(root / "pdf", Path(keep) / "demo-pdf", dirs_exist_ok=True)
    return Rendered(demo, workbooks, root / "pdf", root / "csv")


def test_the_demo_writes_workbooks_of_every_workflow(rendered):
    names = {Path(n).name for n in rendered.workbooks}
    for expected in ("dossier.xlsx", "ecritures_a_controler.xlsx", "Propositions de lettrage.xlsx", "Import règlements clients.xlsx",
                     "Règlements depuis la comptabilité.xlsx", "Virements fournisseurs.xlsx", "Virements fournisseurs (réimport).xlsx",
                     "Prélèvements clients.xlsx", "Décaissement.xlsx"):
        assert expected in names, sorted(names)
    assert any("écritures importées" in n for n in names)


def _pages(pdf: Path) -> int:
    info = subprocess.run([shutil.which("pdfinfo") or "pdfinfo", str(pdf)], check=True, capture_output=True, text=True, timeout=60).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def test_every_workbook_renders_to_pdf(rendered):
    for name in rendered.workbooks:
        pdf = rendered.pdf / (Path(name).stem + ".pdf")
        assert pdf.exists(), f"LibreOffice n'a pas rendu {name}"
        assert _pages(pdf) >= 1, f"{name} : PDF sans page"


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _is_amount_column(ws, col: int) -> bool:
    """A column holding money: some value with cents, or a euro format somewhere."""
    for (value,) in ws.iter_rows(min_col=col, max_col=col, values_only=True):
        if _is_number(value) and Decimal(str(value)) != Decimal(str(value)).to_integral_value():
            return True
    return any("€" in (c.number_format or "") for (c,) in ws.iter_rows(min_col=col, max_col=col))


def _shown(rendered: Rendered, name: str, sheet: str) -> list[list[str]]:
    path = rendered.csv / f"{Path(name).stem}-{sheet}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def test_every_visible_sheet_is_rendered(rendered):
    """LibreOffice wrote every visible sheet of every workbook (one CSV per sheet, as displayed)."""
    missing = []
    for name, path in rendered.workbooks.items():
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            if ws.sheet_state == "visible" and not (rendered.csv / f"{Path(name).stem}-{ws.title}.csv").exists():
                missing.append(f"{name} / {ws.title}")
        wb.close()
    assert not missing, "Feuilles non rendues :\n" + "\n".join(missing)


# workbooks whose totals must be found (and shown as French euros), so that the check is not vacuous there
TOTALS_EXPECTED = ("Import règlements clients.xlsx", "Virements fournisseurs.xlsx", "Prélèvements clients.xlsx", "Décaissement.xlsx",
                   "Règlements depuis la comptabilité.xlsx")


def test_totals_are_found_in_every_workflow_workbook(rendered):
    empty = []
    for name in rendered.workbooks:
        if Path(name).name in TOTALS_EXPECTED:
            checked: list[str] = []
            _total_problems(rendered, name, checked=checked)
            if not checked:
                empty.append(name)
    assert not empty, "Aucun total montant contrôlé dans :\n" + "\n".join(empty)


def _total_problems(rendered: Rendered, name: str, checked: list[str] | None = None) -> dict[str, list[str]]:
    """Per sheet, the amounts of « Total… » rows that do not show as French euros (``checked``
    receives every total amount looked at)."""
    wb = openpyxl.load_workbook(rendered.workbooks[name])
    problems: dict[str, list[str]] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        shown = _shown(rendered, name, ws.title)
        amount_cols: dict[int, bool] = {}
        for row in ws.iter_rows():
            labels = [c for c in row if isinstance(c.value, str) and c.value.strip().lower().startswith("total")]
            if not labels:
                continue
            label = labels[0]
            # « Total | 692 012,00 € » (label, value): the value is an amount unless the label counts something
            paired = {t.column + 1 for t in labels if not re.search(r"ligne|nombre|factures|virements", t.value, re.IGNORECASE)}
            for c in row:
                if c.column <= label.column or not _is_number(c.value) or "%" in (c.number_format or ""):
                    continue
                if c.column not in amount_cols:
                    amount_cols[c.column] = _is_amount_column(ws, c.column)
                if not amount_cols[c.column] and c.column not in paired:
                    continue  # a count (invoices, lines)
                text = shown[c.row - 1][c.column - 1] if c.row - 1 < len(shown) and c.column - 1 < len(shown[c.row - 1]) else ""
                if checked is not None:
                    checked.append(f"{ws.title}!{c.coordinate} « {text} »")
                fmt = c.number_format or ""
                if "€" not in fmt or "#,##0.00" not in fmt.replace("# ##0", "#,##0") or not FRENCH_MONEY.match(text):
                    problems.setdefault(ws.title, []).append(f"{c.coordinate} « {label.value} » : {c.value!r}, format {fmt!r}, affiché « {text} »")
    return problems


def _date_problems(rendered: Rendered, name: str) -> dict[str, list[str]]:
    wb = openpyxl.load_workbook(rendered.workbooks[name])
    problems: dict[str, list[str]] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, (datetime, date)) and not DATE_FORMATS.match(c.number_format or ""):
                    problems.setdefault(ws.title, []).append(f"{c.coordinate} : format {c.number_format!r}")
    return problems


def test_totals_show_french_euros(rendered):
    found, known = [], []
    checked = 0
    for name in rendered.workbooks:
        for sheet, lines in _total_problems(rendered, name).items():
            (known if (Path(name).name, sheet) in KNOWN_NOT_YET_FRENCH else found).append(f"{name} / {sheet} : " + " ; ".join(lines[:3]))
        checked += 1
    assert checked == len(rendered.workbooks)
    assert not found, "Totaux sans format français :\n" + "\n".join(found)
    if known:
        pytest.xfail("totaux pas encore au format français (branche d'un autre lot) :\n" + "\n".join(known))


def test_a_total_is_really_shown_as_french_euros(rendered):
    """The check above is not vacuous: LibreOffice shows the job-site synthesis total as « 7 126 527,54 € »."""
    name = next(n for n in rendered.workbooks if Path(n).name == "Import règlements clients.xlsx")
    rows = _shown(rendered, name, "Synthèse chantiers")
    totals = [r for r in rows if r and r[0].strip().upper() == "TOTAL"]
    assert totals and any(FRENCH_MONEY.match(v) for v in totals[0]), totals


def test_dates_read_dd_mm_yyyy(rendered):
    found, known = [], []
    for name in rendered.workbooks:
        for sheet, lines in _date_problems(rendered, name).items():
            (known if (Path(name).name, sheet) in KNOWN_DATES_NOT_YET_FRENCH else found).append(
                f"{name} / {sheet} : {len(lines)} cellule(s), ex. " + " ; ".join(lines[:3]))
    assert not found, "Dates sans format jj/mm/aaaa :\n" + "\n".join(found)
    if known:
        pytest.xfail("dates pas encore au format jj/mm/aaaa (branche d'un autre lot) :\n" + "\n".join(known))
