"""Formula cells are read as Excel shows them (issue 12, finding 1): the value saved with the
formula, by both file backends, whatever the file size; a formula saved without a value gives
one warning per sheet. And a .xlsx that would expand like a decompression bomb is refused
before anything is allocated (finding 10)."""
from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.sheets import FileWorkbook, WorkbookError


def _with_cached_values(path: Path, cached: dict[str, str]) -> None:
    """Write the value Excel would have saved with each formula cell (``ref`` → text of <v>)."""
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in cached.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*>)<f>(.*?)</f><v></v>', rf"\1<f>\2</f><v>{value}</v>", text)
                data = text.encode()
            z.writestr(info, data)
    path.write_bytes(out.getvalue())


def _book(tmp_path: Path, cells: dict[str, object], cached: dict[str, str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Règlements"
    for ref, value in cells.items():
        ws[ref] = value
    path = tmp_path / "classeur.xlsx"
    wb.save(path)
    if cached:
        _with_cached_values(path, cached)
    return path


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_formula_reads_its_saved_value(tmp_path, backend):
    path = _book(tmp_path, {"A1": "Montant", "A2": "=L2-M4", "A3": "=715.5", "A4": 12.5}, cached={"A2": "3376.58", "A3": "715.5"})
    book = backend(path)
    rows = book.read_values("Règlements")
    assert [r[0] for r in rows] == ["Montant", 3376.58, 715.5, 12.5]
    assert book.read_alerts() == []


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_formula_without_saved_value_warns_once_per_sheet(tmp_path, backend):
    path = _book(tmp_path, {"A1": "Montant", "A2": "=L2-M4", "A3": "=715.5"})
    book = backend(path)
    rows = book.read_values("Règlements")
    assert [r[0] for r in rows] == ["Montant", "=L2-M4", "=715.5"]
    (warning,) = book.read_alerts()
    assert warning.code == "FORMULA_NOT_CACHED" and warning.sheet == "Règlements"
    assert "2 cellule(s)" in warning.message and "A2" in warning.message and "recalculez" in warning.message


cell_values = st.one_of(
    st.integers(-10**6, 10**6),
    st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(lambda d: float(d)),
    st.text(alphabet="abcdefghij =+-é", min_size=1, max_size=8).filter(lambda s: s.strip() and not s.startswith(("=", "+", "-"))),
    st.tuples(st.sampled_from(["=1+1", "=A1*2", "=SUM(B1:B3)", '="x"&"y"']), st.one_of(st.none(), st.integers(-999, 999))),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=st.lists(st.lists(cell_values, min_size=1, max_size=4), min_size=1, max_size=6))
def test_both_backends_read_the_same_values(tmp_path, grid):
    cells, cached = {}, {}
    for i, line in enumerate(grid, start=1):
        for j, v in enumerate(line):
            ref = f"{'ABCD'[j]}{i}"
            if isinstance(v, tuple):
                cells[ref] = v[0]
                if v[1] is not None:
                    cached[ref] = str(v[1])
            else:
                cells[ref] = v
    path = _book(tmp_path, cells, cached)
    slow, fast = FileWorkbook(path), FastFileWorkbook(path)

    def norm(rows):
        out = [[(float(v) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else v) for v in r] for r in rows]
        for r in out:
            while r and r[-1] is None:
                r.pop()
        while out and not out[-1]:
            out.pop()
        return out

    assert norm(slow.read_values("Règlements")) == norm(fast.read_values("Règlements"))
    assert slow.uncached == fast.uncached


def _bomb(tmp_path: Path) -> Path:
    """A 300 KB workbook whose shared string expands to 300 MB."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Montant"
    src_path = tmp_path / "base.xlsx"
    wb.save(src_path)
    src = zipfile.ZipFile(src_path)
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1024 * 1024)
            for _ in range(300):
                f.write(chunk)
            f.write(b"</t></si></sst>")
    return path


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_decompression_bomb_is_refused_before_reading(tmp_path, backend):
    path = _bomb(tmp_path)
    assert path.stat().st_size < 2_000_000
    with pytest.raises(WorkbookError) as err:
        backend(path)
    message = str(err.value)
    assert "bombe de décompression" in message and "sharedStrings.xml" in message
    assert "Error" not in message and "zipfile" not in message


def test_reglo_check_refuses_a_bomb_without_writing(tmp_path, capsys):
    from reglo.addin.entrypoints.cli import main

    path = _bomb(tmp_path)
    before = path.read_bytes()
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bombe de décompression" in err
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["base.xlsx", "bombe.xlsx"]
