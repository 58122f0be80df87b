"""The xlwings backend through xlwings' remote engine (``xw.Book(json=...)``): assertions on
the actions it sends to Excel. ``replay`` applies those actions to the payload so that a
second run sees what the first one left (values of the hidden state sheet, notes)."""
from __future__ import annotations

import copy

import pytest

from reglo.addin.entrypoints.handlers.check import check
from reglo.addin.backends.paint import CONTROL_SHEET, STATE_SHEET, paint_alerts
from reglo.addin.backends.sheets import RED, YELLOW, Column, as_workbook
from reglo.addin.backends.xlbook import XlwingsWorkbook, rectangles
from reglo.core.alerts import alert
from tests.conftest import make_book

S = "Écritures"
HEAD = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]


def entries():
    return [
        HEAD,
        ["VE", "2025-01-31T00:00:00.000Z", "1", "411000", "Facture 14", 1200.0, ""],
        ["VE", "31/02/2025", "1", "706000", "Facture 14", "", 1000.0],
        ["VE", "2025-01-31T00:00:00.000Z", "1", "445710", "TVA", "", 200.0],
        ["BQ", "2025-02-05T00:00:00.000Z", "2", "512000", "Règlement", "abc", ""],
        ["BQ", "2025-02-05T00:00:00.000Z", "2", "411000", "Règlement", "", 1200.0],
    ]


class Excel:
    """A tiny model of the workbook on the client side: values, notes and fills after actions."""

    def __init__(self, sheets: dict[str, list[list]], notes: dict[str, list] | None = None):
        self.order = list(sheets)
        self.values = {k: copy.deepcopy(v) for k, v in sheets.items()}
        self.notes = {k: {n["address"].replace("$", ""): "(note de l'utilisateur)" for n in (notes or {}).get(k, [])} for k in sheets}
        self.fills: dict[str, dict[str, str | None]] = {k: {} for k in sheets}

    def book(self):
        return make_book(
            {k: self.values[k] for k in self.order},
            notes={k: [{"address": a} for a in self.notes[k]] for k in self.order},
        )

    def replay(self, actions):
        from openpyxl.utils import get_column_letter

        for act in actions:
            func, args = act["func"], act.get("args")
            if func == "addSheet":
                ix, name = args
                self.order.insert(ix, name)
                self.values[name], self.notes[name], self.fills[name] = [[""]], {}, {}
                continue
            name = self.order[act["sheet_position"]] if act.get("sheet_position") is not None else None
            if func == "sheetDelete":
                self.order.remove(name)
            elif func == "setValues":
                grid = self.values[name]
                for i, line in enumerate(act["values"]):
                    r = act["start_row"] + i
                    while len(grid) <= r:
                        grid.append([])
                    for j, v in enumerate(line):
                        c = act["start_column"] + j
                        while len(grid[r]) <= c:
                            grid[r].append("")
                        grid[r][c] = v
                width = max(len(x) for x in grid)
                for x in grid:
                    x.extend([""] * (width - len(x)))
            elif func == "addNote":
                self.notes[name][args[0].replace("$", "")] = args[1]
            elif func == "deleteNote":
                assert args[0].replace("$", "") in self.notes[name], "deleting a note that does not exist"
                del self.notes[name][args[0].replace("$", "")]
            elif func == "setRangeColor":
                for r in range(act["start_row"], act["start_row"] + act["row_count"]):
                    for c in range(act["start_column"], act["start_column"] + act["column_count"]):
                        self.fills[name][f"{get_column_letter(c + 1)}{r + 1}"] = args[0]


def acts(book, func=None, sheet_position=None):
    out = book.json()["actions"]
    return [a for a in out if (func is None or a["func"] == func) and (sheet_position is None or a.get("sheet_position") == sheet_position)]


def colored(book, sheet_position=0):
    """{(A1 range, colour)} of setRangeColor actions on a sheet."""
    from openpyxl.utils import get_column_letter

    out = set()
    for a in acts(book, "setRangeColor", sheet_position):
        r1, c1 = a["start_row"] + 1, a["start_column"] + 1
        r2, c2 = r1 + a["row_count"] - 1, c1 + a["column_count"] - 1
        ref = f"{get_column_letter(c1)}{r1}" + ("" if (r1, c1) == (r2, c2) else f":{get_column_letter(c2)}{r2}")
        out.add((ref, a["args"][0]))
    return out


def test_read_values_from_payload():
    wb = as_workbook(make_book({S: entries()}))
    assert isinstance(wb, XlwingsWorkbook)
    values = wb.read_values(S)
    assert values[0] == HEAD
    assert values[1][1].year == 2025 and values[1][6] is None
    assert wb.sheet_names() == [S]


def test_check_handler_actions():
    book = make_book({S: entries()})
    result = check(book)
    assert result.exit_code == 1
    assert sorted(a.code.value for a in result.alerts) == ["AMOUNT_INVALID", "DATE_INVALID"]
    assert colored(book) == {("B3", RED), ("F5", RED)}
    notes = {a["args"][0]: a["args"][1] for a in acts(book, "addNote")}
    assert set(notes) == {"$B$3", "$F$5"} and "DATE_INVALID" in notes["$B$3"]
    added = [a["args"][1] for a in acts(book, "addSheet")]
    assert added == [STATE_SHEET, CONTROL_SHEET]
    hidden = acts(book, "setSheetVisibility")
    assert hidden and hidden[0]["args"] == ["Hidden"] and hidden[0]["sheet_position"] == 1
    control = [a for a in acts(book, "setValues", 2)]
    cells = [v for a in control for line in a["values"] for v in line]
    assert '=HYPERLINK("#\'Écritures\'!B3","B3")' in cells
    assert "Alertes bloquantes" in cells and "AMOUNT_INVALID" in cells
    # control rows coloured by severity: one rectangle for the two adjacent blocking rows
    assert any(a["args"] == [RED] and a["row_count"] == 2 and a["column_count"] == 5 for a in acts(book, "setRangeColor", 2))
    # never reads colours: the remote engine would have raised NotImplementedError


def test_second_run_after_fix_clears_that_row_only():
    excel = Excel({S: entries()})
    book = excel.book()
    check(book)
    excel.replay(book.json()["actions"])
    assert excel.fills[S] == {"B3": RED, "F5": RED}
    assert set(excel.notes[S]) == {"B3", "F5"}
    # the user fixes the amount of row 5 and runs the check again in Excel
    excel.values[S][4][5] = 1200.0
    book2 = excel.book()
    result = check(book2)
    assert [a.code.value for a in result.alerts] == ["DATE_INVALID"]
    excel.replay(book2.json()["actions"])
    assert excel.fills[S] == {"B3": RED, "F5": None}  # F5 fill cleared
    assert set(excel.notes[S]) == {"B3"}  # F5 note deleted
    # B3 unchanged: no action at all on it in the second run
    assert ("B3", RED) not in colored(book2)
    assert not [a for a in acts(book2, "addNote") + acts(book2, "deleteNote") if a["args"][0] == "$B$3"]
    # third run: identical input → no action on the checked sheet at all
    book3 = excel.book()
    check(book3)
    assert acts(book3, sheet_position=0) == []


def test_changed_note_is_deleted_before_being_added_again():
    excel = Excel({S: entries()})
    book = excel.book()
    paint_alerts(book, [alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abc")])
    excel.replay(book.json()["actions"])
    book2 = excel.book()
    paint_alerts(book2, [alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abd")])
    seq = [(a["func"], a["args"][0]) for a in acts(book2, sheet_position=0) if a["func"] in ("addNote", "deleteNote")]
    assert seq == [("deleteNote", "$F$5"), ("addNote", "$F$5")]
    assert colored(book2) == set()  # same colour: no fill action


def test_user_note_on_flagged_cell_is_never_deleted():
    excel = Excel({S: entries()}, notes={S: [{"address": "$F$5"}]})
    book = excel.book()
    report = paint_alerts(book, [alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abc")])
    assert report.kept_user_notes == 1
    assert not acts(book, "deleteNote") and not acts(book, "addNote")
    assert colored(book) == {("F5", RED)}
    excel.replay(book.json()["actions"])
    book2 = excel.book()
    paint_alerts(book2, [])
    assert not acts(book2, "deleteNote")
    assert colored(book2) == {("F5", None)}


def test_user_fill_elsewhere_is_not_touched():
    excel = Excel({S: entries()})
    book = excel.book()
    paint_alerts(book, [alert("AMOUNT_INVALID", sheet=S, row=5, column="Débit", value="abc")])
    excel.replay(book.json()["actions"])
    book2 = excel.book()
    paint_alerts(book2, [alert("DATE_INVALID", sheet=S, row=3, column="Date", value="x")])
    assert colored(book2) == {("F5", None), ("B3", RED)}  # only our two cells


def test_2500_flagged_cells_take_few_colour_actions():
    rows = [HEAD] + [["VE", "2025-01-31T00:00:00.000Z", str(i), "411000", "x", 1.0, ""] for i in range(2, 1252)]
    book = make_book({S: rows})
    alerts = []
    for r in range(2, 1252):
        alerts.append(alert("DATE_INVALID", sheet=S, row=r, column="Date", value="x"))
        alerts.append(alert("AMOUNT_ROUNDED" if r % 2 else "AMOUNT_INVALID", sheet=S, row=r, column="Débit", value="1,005", rounded="1,01"))
    report = paint_alerts(book, alerts, max_notes=100)  # notes capped: this test is about fills
    assert report.painted == 2500 and report.notes == 100 and report.notes_skipped == 2400
    assert len(acts(book, "addNote")) == 100
    fills = acts(book, "setRangeColor", 0)
    # column B in one range, column F alternating red/yellow: 1 + 1250 → merged per colour run
    assert ("B2:B1251", RED) in colored(book)
    print(f"\n2500 flagged cells → {len(fills)} setRangeColor actions")
    assert len(fills) <= 1252
    # a solid block is one action
    book = make_book({S: rows})
    alerts = [alert("DATE_INVALID", sheet=S, row=r, column=c, value="x") for r in range(2, 502) for c in ("Date", "N° écriture", "Compte", "Libellé", "Débit")]
    report = paint_alerts(book, alerts, max_notes=0)
    assert report.painted == 2500
    assert colored(book) == {("B2:F501", RED)}
    print(f"2500 flagged cells in one block → {len(acts(book, 'setRangeColor', 0))} setRangeColor action")


def test_row_alert_fills_whole_row_with_one_action_and_one_note():
    book = make_book({S: entries()})
    paint_alerts(book, [alert("ENTRY_UNBALANCED", sheet=S, row=r, entry="1", debit="1", credit="2", diff="1") for r in (2, 3, 4)])
    assert colored(book) == {("A2:G4", RED)}
    assert [a["args"][0] for a in acts(book, "addNote")] == ["$A$2", "$A$3", "$A$4"]


@pytest.mark.parametrize(
    "cells, expected",
    [
        ([], []),
        ([(2, 2)], [(2, 2, 2, 2)]),
        ([(r, 2) for r in range(2, 41)], [(2, 2, 40, 2)]),
        ([(2, c) for c in range(1, 8)] + [(3, c) for c in range(1, 8)], [(2, 1, 3, 7)]),
        ([(2, 2), (4, 2), (5, 2)], [(2, 2, 2, 2), (4, 2, 5, 2)]),
        ([(2, 2), (2, 3), (3, 3)], None),
    ],
)
def test_rectangles_cover_exactly(cells, expected):
    rects = rectangles(cells)
    if expected is not None:
        assert rects == expected
    covered = [(r, c) for r1, c1, r2, c2 in rects for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    assert sorted(covered) == sorted(set(cells)) and len(covered) == len(set(cells))


def test_write_sheet_formats_and_replace():
    book = make_book({S: entries(), "Autre": [["x"]]})
    wb = as_workbook(book)
    from decimal import Decimal
    from datetime import date

    header_row = wb.write_sheet("Résultat", [Column("Montant", "#,##0.00", 14), Column("Date"), Column("Texte", wrap=True)],
                                [[Decimal("12.50"), date(2025, 1, 31), "=cmd|' /C calc'!A0"]], title="Titre")
    assert header_row == 3
    vals = [a for a in acts(book, "setValues") if a["start_row"] == 3]
    assert vals[0]["values"][0][0] == 12.5 and vals[0]["values"][0][2].startswith("'=")  # injection neutralised
    fmts = [a for a in acts(book, "setNumberFormat")]
    assert {tuple(a["args"]) for a in fmts} >= {("#,##0.00",), ("dd/mm/yyyy",)}
    assert acts(book, "setWrapText")
    # replacing keeps the sheet at its place
    wb.write_sheet("Autre", ["a"], [["b"]])
    assert wb.sheet_names() == [S, "Autre", "Résultat"]
