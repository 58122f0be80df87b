"""``XlwingsWorkbook``: the ``Workbook`` interface over an ``xw.Book``.

The same code drives desktop Excel (COM / AppleScript), xlwings Lite (Pyodide in Excel)
and xlwings' remote engine (``xw.Book(json=...)``, used by the tests). It therefore uses
only what every engine supports (see ``/work/shared/notes/excel-harness.md``):

* reads values only — never colours, number formats, formulas or fonts (the remote and
  Lite engines cannot read them synchronously). So this backend has no ``get_fill`` /
  ``get_note``: painting cannot restore a user's fill it covered (it clears it), and it
  never deletes a note it cannot read (``has_note`` tells that one exists);
* writes values, fills, notes (``add_note`` fails on a cell that already has a note: the
  old one is deleted first), bold, number formats, column widths, wrap, freeze panes;
* groups work into few actions: values go in one ``setValues`` per block, fills are merged
  into rectangles (``sheet.range("B2:B40").color = ...``), so that 2,500 flagged cells do
  not become 2,500 round trips to Excel.

``save`` does nothing: the workbook is the user's open workbook; they save it.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from reglo.addin.backends.base import (
    column_widths,
    display_format,
    HEADER_FILL,
    Column,
    Formula,
    WorkbookError,
    cell_ref,
    excel_typed_text,
)

CHAR_POINTS = 5.6  # one character of column width in points (Calibri 11) for Office.js engines


def rectangles(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover ``cells`` (row, col) exactly with few rectangles (r1, c1, r2, c2).

    Cells are cut into runs of adjacent cells along rows and along columns; runs with the
    same span on consecutive lines are merged; the cheaper of the two directions wins."""
    cells = set(cells)
    if not cells:
        return []

    def sweep(transpose: bool) -> list[tuple[int, int, int, int]]:
        pts = sorted(((c, r) if transpose else (r, c)) for r, c in cells)
        runs: dict[tuple[int, int], list[int]] = {}  # (start, end) along the line -> line numbers
        line, start, prev = None, None, None
        for a, b in pts:
            if a == line and b == prev + 1:
                prev = b
                continue
            if line is not None:
                runs.setdefault((start, prev), []).append(line)
            line, start, prev = a, b, b
        runs.setdefault((start, prev), []).append(line)
        out = []
        for (s, e), lines in runs.items():
            lines.sort()
            first = last = lines[0]
            for ln in lines[1:]:
                if ln == last + 1:
                    last = ln
                    continue
                out.append((first, s, last, e))
                first = last = ln
            out.append((first, s, last, e))
        if transpose:
            out = [(r1, c1, r2, c2) for (c1, r1, c2, r2) in out]
        return sorted(out)

    by_rows, by_cols = sweep(False), sweep(True)
    return by_rows if len(by_rows) <= len(by_cols) else by_cols


def _range_address(r1: int, c1: int, r2: int, c2: int) -> str:
    a, b = cell_ref(r1, c1), cell_ref(r2, c2)
    return a if a == b else f"{a}:{b}"


def _to_excel(value: Any) -> Any:
    """Python value → what xlwings writes (Decimal becomes a number at the Excel boundary)."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return str(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)  # Excel stores doubles; exact up to 15 digits
    if isinstance(value, str):
        return excel_typed_text(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


class XlwingsWorkbook:
    """A ``Workbook`` over an ``xw.Book`` (desktop Excel, xlwings Lite, remote engine)."""

    def __init__(self, book: Any):
        self.book = book
        self._officejs = _is_officejs(book)
        self._notes: dict[str, set[str]] = {}  # Office.js: addresses holding a note, per sheet

    def _note_addresses(self, sheet: str) -> set[str] | None:
        """Cells with a note, from the Office.js payload (a lookup per cell would scan the
        whole list each time); None on desktop engines, which are asked cell by cell."""
        if not self._officejs:
            return None
        if sheet not in self._notes:
            try:
                entries = self._sheet(sheet).api.get("notes") or []
            except Exception:  # pragma: no cover - unexpected payload
                return None
            self._notes[sheet] = {str(n.get("address", "")).replace("$", "").upper() for n in entries}
        return self._notes[sheet]

    # -- reading ---------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _sheet(self, sheet: str) -> Any:
        if sheet not in self.sheet_names():
            raise WorkbookError(f"La feuille « {sheet} » est absente du classeur {self.book.name}.")
        return self.book.sheets[sheet]

    def read_values(self, sheet: str) -> list[list[Any]]:
        sht = self._sheet(sheet)
        last = sht.used_range.last_cell
        nrows, ncols = last.row, last.column
        values = sht.range((1, 1), (nrows, ncols)).options(ndim=2).value
        out = [list(line) for line in values or []]
        # trailing empty rows (an empty sheet reports A1)
        while out and all(v in (None, "") for v in out[-1]):
            out.pop()
        return out

    def read_head(self, sheet: str, n: int) -> list[list[Any]]:
        return self.read_values(sheet)[:n]

    def has_note(self, sheet: str, row: int, col: int) -> bool:
        known = self._note_addresses(sheet)
        if known is not None:
            return cell_ref(row, col) in known
        try:
            return self._sheet(sheet).range((row, col)).note is not None
        except NotImplementedError:  # engine without notes: treat as none
            return False

    # -- writing ---------------------------------------------------------
    def write_sheet(
        self,
        sheet: str,
        header: list[Column | str],
        rows: list[list[Any]],
        *,
        title: str | None = None,
        replace: bool = True,
        freeze: bool = True,
        preamble: list[list[Any]] | None = None,
        fit_width: bool = True,
    ) -> int:
        cols = [c if isinstance(c, Column) else Column(c) for c in header]
        names = self.sheet_names()
        if sheet in names:
            if not replace:
                raise WorkbookError(f"La feuille « {sheet} » existe déjà.")
            index = names.index(sheet)
            self.book.sheets[sheet].delete()
            self._notes.pop(sheet, None)
            if index == 0:
                remaining = self.book.sheets
                sht = remaining.add(name=sheet, before=remaining[0]) if len(remaining) else remaining.add(name=sheet)
            else:
                sht = self.book.sheets.add(name=sheet, after=self.book.sheets[index - 1])
        else:
            sht = self.book.sheets.add(name=sheet, after=self.book.sheets[len(names) - 1]) if names else self.book.sheets.add(name=sheet)
        header_row = 1
        if title:
            sht.range("A1").value = title
            sht.range("A1").font.bold = True
            header_row = 3
        if preamble:
            width = max(len(line) for line in preamble)
            block = [[_to_excel(v) for v in line] + [""] * (width - len(line)) for line in preamble]
            sht.range((header_row, 1)).value = block
            sht.range((header_row, 1), (header_row + len(block) - 1, 1)).font.bold = True
            for i, line in enumerate(preamble, start=header_row):
                for j, v in enumerate(line[1:], start=2):
                    if display_format(v):
                        sht.range((i, j)).number_format = display_format(v)
            header_row += len(preamble) + 1
        n = len(cols)
        head = sht.range((header_row, 1), (header_row, n))
        head.value = [c.header for c in cols]
        head.font.bold = True
        head.color = HEADER_FILL
        head.font.color = "#FFFFFF"
        if rows:
            width = max(n, max(len(r) for r in rows))
            block = [[_to_excel(v) for v in r] + [""] * (width - len(r)) for r in rows]
            sht.range((header_row + 1, 1)).value = block
            last = header_row + len(rows)
            for j, c in enumerate(cols, start=1):
                fmt = c.number_format or next((display_format(r[j - 1]) for r in rows if j <= len(r) and display_format(r[j - 1])), None)
                if fmt:
                    sht.range((header_row + 1, j), (last, j)).number_format = fmt
                if c.wrap:
                    sht.range((header_row + 1, j), (last, j)).wrap_text = True
                if any(isinstance(r[j - 1], Formula) and r[j - 1].upper().startswith("=HYPERLINK(") for r in rows if j <= len(r)):
                    sht.range((header_row + 1, j), (last, j)).font.color = "#0563C1"
            if any(c.wrap for c in cols):
                sht.range((header_row + 1, 1), (last, n)).rows.autofit()
        for j, width in enumerate(column_widths(cols, preamble, rows), start=1):
            hidden = j <= len(cols) and cols[j - 1].hidden  # width 0 hides a column in every Excel engine
            sht.range((1, j)).column_width = 0 if hidden else (round(width * CHAR_POINTS, 1) if self._officejs else width)
        if freeze:
            try:
                sht.freeze_panes.freeze_at(cell_ref(header_row + 1, 1))
            except (NotImplementedError, AttributeError):  # pragma: no cover - engine without panes
                pass
        return header_row

    def write_cells(self, sheet: str, cells: dict[tuple[int, int], Any]) -> None:
        sht = self._sheet(sheet)
        # one setValues per run of adjacent cells on a row
        for r, c1, c2 in _row_runs(cells):
            values = [_to_excel(cells[(r, c)]) for c in range(c1, c2 + 1)]
            sht.range((r, c1)).value = values if len(values) > 1 else values[0]

    def fill(self, sheet: str, cells: Iterable[tuple[int, int]], color: str | None) -> None:
        sht = self._sheet(sheet)
        if color is not None and color.startswith("{"):
            color = None  # a file-backend token cannot be applied here
        for r1, c1, r2, c2 in rectangles(cells):
            sht.range(_range_address(r1, c1, r2, c2)).color = color

    def set_note(self, sheet: str, row: int, col: int, text: str | None) -> None:
        rng = self._sheet(sheet).range((row, col))
        known = self._note_addresses(sheet)
        ref = cell_ref(row, col)
        try:
            if (ref in known) if known is not None else (rng.note is not None):
                rng.note.delete()  # add_note fails on a cell that has a note
                if known is not None:
                    known.discard(ref)
            if text is not None:
                rng.add_note(text)
                if known is not None:
                    known.add(ref)
        except NotImplementedError:  # engine without notes (old Excel API): the control sheet lists it
            pass

    def set_list_validation(self, sheet: str, first_row: int, last_row: int, col: int, values: list[str], *, title: str | None = None, error: str | None = None) -> None:
        """``data_validation.set_list`` (every engine). xlwings has no setter for the error
        title and message: Excel shows its own « valeur non valide » message."""
        if last_row < first_row:
            return
        rng = self._sheet(sheet).range(_range_address(first_row, col, last_row, col))
        try:
            rng.data_validation.set_list([str(v) for v in values])
        except NotImplementedError:  # pragma: no cover - engine without validation: the sheet still works (values are read and checked)
            pass

    def hide_sheet(self, sheet: str) -> None:
        self._sheet(sheet).visible = False

    def delete_sheet(self, sheet: str) -> None:
        if sheet in self.sheet_names():
            self.book.sheets[sheet].delete()
        self._notes.pop(sheet, None)

    def set_print_setup(
        self,
        sheet: str,
        *,
        fit_width: int = 1,
        fit_height: int = 0,
        landscape: bool = False,
        a4: bool = True,
        center_horizontally: bool = True,
        header_center: str = "",
        footer_right: str = "",
        print_area: str | None = None,
        title_rows: tuple[int, int] | None = None,
    ) -> bool:
        """Print set-up of a sheet (what openpyxl writes for a printable sheet): ``fit_width``
        pages wide and ``fit_height`` tall (0: as many as needed), orientation, A4, centred,
        header and footer texts (Excel codes such as ``&P``), print area, rows repeated on
        each page. Returns True when the whole set-up was applied.

        The print area goes through xlwings' ``sheet.page_setup`` on every engine (the remote
        engine queues a ``setPrintArea`` action). The rest needs the desktop object model:
        ``sheet.api.PageSetup`` (Windows, COM) or ``sheet.api.page_setup_object`` (macOS,
        AppleScript). Office.js engines (Lite, remote) have no page layout: False, nothing
        raised. COM refuses ``PageSetup`` when no printer is installed: False as well."""
        sht = self._sheet(sheet)
        if print_area:
            try:
                sht.page_setup.print_area = print_area
            except Exception:  # pragma: no cover - engine without page_setup
                pass
        if self._officejs:
            return False
        titles = f"${title_rows[0]}:${title_rows[1]}" if title_rows else ""
        try:
            api = sht.api
        except Exception:  # pragma: no cover - engine without an object model
            return False
        try:
            if hasattr(api, "PageSetup"):  # Windows (COM): property assignments
                ps = api.PageSetup
                ps.Zoom = False  # FitToPages* apply only without zoom
                ps.FitToPagesWide = fit_width or False
                ps.FitToPagesTall = fit_height or False
                ps.Orientation = 2 if landscape else 1  # xlLandscape / xlPortrait
                if a4:
                    ps.PaperSize = 9  # xlPaperA4
                ps.CenterHorizontally = bool(center_horizontally)
                ps.CenterHeader = _header_text(header_center)
                ps.RightFooter = footer_right
                if titles:
                    ps.PrintTitleRows = titles
                return True
            ps = getattr(api, "page_setup_object", None)  # macOS (appscript): property.set(value)
            if ps is None:
                return False
            from appscript import k as kw  # type: ignore[import-not-found]  # macOS only

            ps.zoom.set(False)
            ps.fit_to_pages_wide.set(fit_width or False)
            ps.fit_to_pages_tall.set(fit_height or False)
            ps.page_orientation.set(kw.landscape if landscape else kw.portrait)
            if a4:
                ps.paper_size.set(kw.paper_a4)
            ps.center_horizontally.set(bool(center_horizontally))
            ps.center_header.set(_header_text(header_center))
            ps.right_footer.set(footer_right)
            if titles:
                ps.print_title_rows.set(titles)
            return True
        except Exception:  # no printer (COM error), old Excel: the values stay, printable as they are
            return False

    def save(self) -> None:
        """The user's open workbook: they save it themselves (nothing written behind them)."""


def _row_runs(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    for r, c in sorted(cells):
        if runs and runs[-1][0] == r and runs[-1][2] == c - 1:
            runs[-1] = (r, runs[-1][1], c)
        else:
            runs.append((r, c, c))
    return runs


def _header_text(text: str) -> str:
    """A plain text in an Excel header or footer: ``&`` starts a code there, ``&&`` is one ``&``."""
    return (text or "").replace("&", "&&")


def _is_officejs(book: Any) -> bool:
    """Remote engine / Lite: the Office.js client (column widths in points)."""
    try:
        api = book.api
        return isinstance(api, dict) and api.get("client") == "Office.js"
    except Exception:  # desktop engines: COM objects
        return False
