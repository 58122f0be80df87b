"""Demo step 10: the seeded « Écritures » workbook is painted exactly where the mistakes are."""
from __future__ import annotations

from openpyxl import load_workbook

from reglo.addin.entrypoints.demo_steps import DemoContext, s10_check
from reglo.addin.backends.paint import CONTROL_SHEET
from reglo.addin.backends.sheets import RED, YELLOW


def test_demo_step_paints_seeded_mistakes(tmp_path):
    ctx = DemoContext(out_dir=tmp_path)
    lines = s10_check.run(ctx)
    assert ctx.blocking == 0  # expected alerts are not counted as demo failures
    assert any("5 alertes bloquantes" in line for line in lines)
    path = tmp_path / s10_check.FILE_NAME
    wb = load_workbook(path)
    ws = wb["Écritures"]
    painted = {c.coordinate: "#" + c.fill.fgColor.rgb[2:] for row in ws.iter_rows(min_row=2) for c in row if c.fill.fill_type == "solid"}
    row_cells = {f"{c}{r}" for r in (10, 11) for c in "ABCDEFGHIJKLMNOPQR"}
    assert painted == {"D5": RED, "L8": RED, "L12": YELLOW} | {k: RED for k in row_cells}
    assert CONTROL_SHEET in wb.sheetnames
    assert {c.coordinate for row in ws.iter_rows() for c in row if c.comment} == {"D5", "L8", "E10", "A10", "A11", "L12"}
