"""« Bordereau d'accompagnement » in a workbook open in Excel (xlwings backend): the values keep
their row numbers and the sheet gets the print set-up of the openpyxl path — through xlwings'
remote engine (print area: a ``setPrintArea`` action; no page layout there) and through fakes
of the desktop object models (COM ``PageSetup`` on Windows, AppleScript ``page_setup_object``
on macOS), whose calls are checked."""
from __future__ import annotations

import sys
import types
from datetime import date
from decimal import Decimal as D

import pytest

from reglo.addin.backends.xlbook import XlwingsWorkbook
from reglo.addin.shell import lcr as sl
from reglo.core.slips import Cell, SlipSheet
from tests.conftest import make_book


def _slip(**kw) -> SlipSheet:
    rows = (
        (Cell("Bordereau d'accompagnement des remises de LCR", "title"),),
        (Cell("Martin & Fils", "subtitle"),),
        (),
        tuple(Cell(h, "header") for h in ("Compte", "Nom", "Banque", "Référence", "Échéance", "Montant")),
        (Cell("L001"), Cell("Martin"), Cell("CA"), Cell("FA201"), Cell(date(2023, 9, 30), "date"), Cell(D("1200.00"), "money")),
        (Cell("Total général", "total_label"), Cell("1 opération", "total_count"), Cell(""), Cell(""), Cell(""), Cell(D("1200.00"), "total_money")),
    )
    return SlipSheet(name="Bordereau LCR", title="Bordereau d'accompagnement des remises de LCR", rows=rows, column_widths=(12, 34, 26, 24, 12, 16), **kw)


def test_remote_engine_gets_the_values_at_their_rows_and_the_print_area():
    book = make_book({"Feuil1": [["x"]]})
    wb = XlwingsWorkbook(book)
    applied = sl.write_live_slip(wb, _slip(), "Bordereau LCR")
    assert applied is False  # Office.js: no page layout, nothing raised
    actions = book.json()["actions"]
    assert {"func": "setPrintArea", "args": ["$A$1:$F$6"]}.items() <= next(a for a in actions if a["func"] == "setPrintArea").items()
    values = [a for a in actions if a["func"] == "setValues"]
    cells = {(a["start_row"], a["start_column"]): a["values"] for a in values}
    assert cells[(0, 0)][0][0] == "Bordereau d'accompagnement des remises de LCR"  # the title on row 1
    block = cells[(1, 0)]
    assert block[3][0] == "L001" and block[4][0] == "Total général"  # slip row 5 and 6 stay rows 5 and 6
    assert not [a for a in actions if a["func"] == "freezePanes"]


class _Recorder:
    """A COM object: records property assignments in order."""

    def __init__(self):
        object.__setattr__(self, "calls", [])

    def __setattr__(self, name, value):
        self.calls.append((name, value))


class _Sheets(dict):
    def __iter__(self):
        return iter(self.values())


def _fake_book(api) -> tuple[XlwingsWorkbook, types.SimpleNamespace]:
    sheet = types.SimpleNamespace(name="Bordereau LCR", api=api, page_setup=types.SimpleNamespace(print_area=None))
    book = types.SimpleNamespace(name="classeur.xlsx", sheets=_Sheets({"Bordereau LCR": sheet}))
    return XlwingsWorkbook(book), sheet


def _setup(wb: XlwingsWorkbook, **kw) -> bool:
    return wb.set_print_setup("Bordereau LCR", fit_width=1, fit_height=0, landscape=kw.get("landscape", False), header_center="Bordereau & co",
                              footer_right="Page &P / &N", print_area="$A$1:$F$6", title_rows=kw.get("title_rows"))


def test_windows_com_page_setup_call_sequence():
    ps = _Recorder()
    wb, sheet = _fake_book(types.SimpleNamespace(PageSetup=ps))
    assert _setup(wb, title_rows=(4, 4)) is True
    assert sheet.page_setup.print_area == "$A$1:$F$6"
    assert ps.calls == [("Zoom", False), ("FitToPagesWide", 1), ("FitToPagesTall", False), ("Orientation", 1), ("PaperSize", 9),
                        ("CenterHorizontally", True), ("CenterHeader", "Bordereau && co"), ("RightFooter", "Page &P / &N"), ("PrintTitleRows", "$4:$4")]
    ps2 = _Recorder()
    wb2, _ = _fake_book(types.SimpleNamespace(PageSetup=ps2))
    assert _setup(wb2, landscape=True) is True
    assert ("Orientation", 2) in ps2.calls and "PrintTitleRows" not in dict(ps2.calls)


def test_windows_without_printer_keeps_the_values():
    class NoPrinter:
        def __setattr__(self, name, value):
            raise OSError("(-2147352567, 'Une exception s’est produite.', (0, 'Microsoft Excel', 'Impossible de définir la propriété Zoom'))")

    wb, sheet = _fake_book(types.SimpleNamespace(PageSetup=NoPrinter()))
    assert _setup(wb) is False and sheet.page_setup.print_area == "$A$1:$F$6"


def test_macos_applescript_page_setup(monkeypatch):
    calls: list[tuple[str, object]] = []

    class Prop:
        def __init__(self, name):
            self.name = name

        def set(self, value):
            calls.append((self.name, value))

    class PageSetupObject:
        def __getattr__(self, name):
            return Prop(name)

    monkeypatch.setitem(sys.modules, "appscript", types.SimpleNamespace(k=types.SimpleNamespace(landscape="landscape", portrait="portrait", paper_a4="paper_a4")))
    wb, _ = _fake_book(types.SimpleNamespace(page_setup_object=PageSetupObject()))
    assert _setup(wb, landscape=True, title_rows=(1, 2)) is True
    assert calls == [("zoom", False), ("fit_to_pages_wide", 1), ("fit_to_pages_tall", False), ("page_orientation", "landscape"), ("paper_size", "paper_a4"),
                     ("center_horizontally", True), ("center_header", "Bordereau && co"), ("right_footer", "Page &P / &N"), ("print_title_rows", "$1:$2")]


def test_an_engine_without_object_model_is_left_alone():
    wb, sheet = _fake_book(types.SimpleNamespace())
    assert _setup(wb) is False and sheet.page_setup.print_area == "$A$1:$F$6"


def test_the_openpyxl_slip_repeats_its_title_rows_when_asked():
    from openpyxl import Workbook

    ws = Workbook().active
    sl.fill_slip(ws, _slip(repeat_rows=(1, 2)))
    assert ws.print_title_rows == "$1:$2" and ws.page_setup.fitToWidth == 1 and ws.print_area == "'Sheet'!$A$1:$F$6"
