"""Workbook I/O layer: Excel ranges ⇄ plain tables, alerts ⇄ cell highlights.

One interface (``Workbook``), two backends:

* ``FileWorkbook`` — an .xlsx file through openpyxl (styled writing), values read fast
  through python-calamine when the sheet is large;
* ``XlwingsWorkbook`` — a live ``xw.Book`` (desktop Excel, xlwings Lite, or the remote
  engine used by the tests), see ``reglo.addin.backends.xlbook``.

Handlers take either an ``xw.Book`` or a ``Workbook`` and call ``as_workbook``.
Rows and columns are 1-based, as the user sees them. This module (with ``reglo.addin.backends.xlbook``)
is the only place that knows about column letters, number formats and fills.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from openpyxl.utils import get_column_letter

from reglo.addin.backends.base import (  # noqa: F401 - the interface, re-exported for callers
    check_archive,
    column_widths,
    display_format,
    unreadable_message,
    note_size,
    uncached_formula_alerts,
    RED,
    YELLOW,
    GREEN,
    HEADER_FILL,
    EURO_FORMAT,
    DATE_FORMAT,
    WorkbookError,
    cell_ref,
    Formula,
    hyperlink_formula,
    FORMULA_CHARS,
    needs_quote,
    safe_text,
    excel_typed_text,
    _is_number_text,
    Column,
    Workbook,
    Row,
    Table,
    _norm,
    read_table,
)


# ---------------------------------------------------------------------------
# openpyxl backend
# ---------------------------------------------------------------------------

def _xml_errors() -> tuple[type[BaseException], ...]:
    """Errors of a malformed or malicious XML part (undefined/external entity, DTD, syntax)."""
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    kinds: tuple[type, ...] = (ParseError, ExpatError)
    try:
        from lxml.etree import XMLSyntaxError

        kinds += (XMLSyntaxError,)
    except ImportError:  # pragma: no cover
        pass
    try:
        from defusedxml import DefusedXmlException

        kinds += (DefusedXmlException,)
    except ImportError:  # pragma: no cover
        pass
    return kinds


def _argb(color: str) -> str:
    return "FF" + color.lstrip("#").upper()


def _excel_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        # openpyxl writes Decimal as a number; keep exactness in the XML text
        return value
    if isinstance(value, str):
        return safe_text(value)
    return value


_PLAIN_FORMATS = ("General", "yyyy-mm-dd", "yyyy-mm-dd h:mm:ss")


def _put(cell: Any, value: Any) -> Any:
    """Write ``value`` in an openpyxl cell. Text starting with =, +, -, @ is kept exactly and
    stored as a string (openpyxl would take ``=…`` for a formula) with the quote-prefix style,
    so that Excel neither evaluates it nor turns it into a formula when the cell is edited."""
    cell.value = _excel_value(value)
    if isinstance(value, (date, datetime, Decimal)) and cell.number_format in _PLAIN_FORMATS:
        cell.number_format = display_format(value)  # openpyxl would show a date as 2026-01-05
    if needs_quote(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif cell.has_style and cell.quotePrefix:
        cell.quotePrefix = False
    return cell


class FileWorkbook:
    """An .xlsx file edited with openpyxl; ``save`` writes atomically (temp file + rename)."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False):
        from openpyxl import Workbook as OpenpyxlWorkbook, load_workbook

        self.path = Path(path)
        self._cached: Any = None  # the same file read for the values saved with formulas (lazily)
        self._rewritten: set[str] = set()
        self.uncached: dict[str, list[tuple[int, int]]] = {}
        if create and not self.path.exists():
            self.wb = OpenpyxlWorkbook()
            self._fresh = True
            return
        self._fresh = False
        try:
            with zipfile.ZipFile(self.path) as archive:
                check_archive(archive, self.path.name)
            self.wb = load_workbook(self.path, rich_text=False, keep_vba=self.path.suffix.lower() == ".xlsm")
        except WorkbookError:
            raise
        except FileNotFoundError as exc:
            raise WorkbookError(f"Classeur introuvable : {self.path}") from exc
        except _xml_errors() as exc:  # the parser's English text says nothing to an accountant
            raise WorkbookError(f"Classeur illisible : {self.path.name} : le fichier contient du XML invalide ou dangereux (entités externes, DTD) ; il est refusé. Rouvrez-le dans Excel et enregistrez-le au format .xlsx, ou demandez un fichier sain à son émetteur.") from exc
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
            raise WorkbookError(unreadable_message(self.path.name, exc)) from exc
        except Exception as exc:  # openpyxl raises many kinds on corrupt XML: never its English text
            raise WorkbookError(unreadable_message(self.path.name, exc)) from exc

    # -- reading ---------------------------------------------------------
    def sheet_names(self) -> list[str]:
        names = self.wb.sheetnames
        if self._fresh and names == ["Sheet"] and self.wb["Sheet"].max_row == 1 and self.wb["Sheet"]["A1"].value is None:
            return []
        return names

    def read_values(self, sheet: str) -> list[list[Any]]:
        ws = self._ws(sheet)
        return self._shown(sheet, [list(r) for r in ws.iter_rows(values_only=True)])

    def read_head(self, sheet: str, n: int) -> list[list[Any]]:
        """The first ``n`` rows only (header lookup without reading a big sheet twice)."""
        ws = self._ws(sheet)
        return self._shown(sheet, [list(r) for r in ws.iter_rows(max_row=n, values_only=True)])

    def read_alerts(self) -> list[Any]:
        """Warnings about what was read (formulas without a saved value), one per sheet."""
        return uncached_formula_alerts(self.uncached)

    def _shown(self, sheet: str, rows: list[list[Any]]) -> list[list[Any]]:
        """Formula cells as Excel shows them: the value saved with the formula (openpyxl keeps
        the formula's text unless asked for values). A formula with no saved value keeps its
        text and is counted in ``uncached``; so does the fast backend."""
        ws = self.wb[sheet]
        cells = [(i, j) for i, line in enumerate(rows) for j, v in enumerate(line)
                 if (isinstance(v, str) and v[:1] == "=" or not isinstance(v, (str, int, float, bool, date, datetime, Decimal, type(None))))
                 and ws.cell(i + 1, j + 1).data_type == "f"]
        if not cells or sheet in self._rewritten or self._fresh:
            return rows
        cached = self._cached_rows(sheet, max(i for i, _ in cells) + 1)
        missing = []
        for i, j in cells:
            value = cached[i][j] if i < len(cached) and j < len(cached[i]) else None
            if value is None:
                missing.append((i + 1, j + 1))
                if not isinstance(rows[i][j], str):  # array formula object: its text
                    rows[i][j] = "=" + str(getattr(rows[i][j], "text", "") or "")
            else:
                rows[i][j] = value
        if missing:
            self.uncached[sheet] = sorted(set(self.uncached.get(sheet, [])) | set(missing))
        return rows

    def _cached_rows(self, sheet: str, n: int) -> list[list[Any]]:
        from openpyxl import load_workbook

        if self._cached is None:
            self._cached = load_workbook(self.path, data_only=True, read_only=True, rich_text=False)
        if sheet not in self._cached.sheetnames:
            return []
        return [list(r) for r in self._cached[sheet].iter_rows(max_row=n, values_only=True)]

    def _ws(self, sheet: str):
        if sheet not in self.wb.sheetnames:
            raise WorkbookError(f"La feuille « {sheet} » est absente du classeur {self.path.name}.")
        return self.wb[sheet]

    # -- writing ---------------------------------------------------------
    def write_sheet(self, sheet: str, header: list[Column | str], rows: list[list[Any]], *, title: str | None = None, replace: bool = True, freeze: bool = True, preamble: list[list[Any]] | None = None, fit_width: bool = True) -> int:
        from openpyxl.styles import Alignment, Font, PatternFill

        cols = [c if isinstance(c, Column) else Column(c) for c in header]
        self._rewritten.add(sheet)
        self.uncached.pop(sheet, None)
        if sheet in self.wb.sheetnames:
            if not replace:
                raise WorkbookError(f"La feuille « {sheet} » existe déjà.")
            index = self.wb.sheetnames.index(sheet)
            del self.wb[sheet]
            ws = self.wb.create_sheet(sheet, index)
        else:
            if self._fresh and self.wb.sheetnames == ["Sheet"] and self.wb["Sheet"]["A1"].value is None:
                ws = self.wb["Sheet"]
                ws.title = sheet
            else:
                ws = self.wb.create_sheet(sheet)
        header_row = 1
        if title:
            ws.cell(1, 1, title).font = Font(name="Calibri", bold=True, size=14)
            header_row = 3
        if preamble:
            for i, line in enumerate(preamble, start=header_row):
                for j, v in enumerate(line, start=1):
                    cell = _put(ws.cell(i, j), v)
                    if j == 1:
                        cell.font = Font(name="Calibri", bold=True)
                    elif display_format(v):
                        cell.number_format = display_format(v)
            header_row += len(preamble) + 1
        widths = column_widths(cols, preamble, rows)
        head_font = Font(name="Calibri", bold=True, color="FFFFFF")
        head_fill = PatternFill("solid", fgColor=_argb(HEADER_FILL))
        for j, c in enumerate(cols, start=1):
            cell = ws.cell(header_row, j, c.header)
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]
            if c.hidden:
                ws.column_dimensions[get_column_letter(j)].hidden = True
        wrap_style = Alignment(wrap_text=True, vertical="top")
        top_style = Alignment(vertical="top")
        link_font = Font(name="Calibri", color="0563C1", underline="single")
        wrap_cols = [(j, (c.width or max(10, min(45, len(c.header) + 4)))) for j, c in enumerate(cols, start=1) if c.wrap]
        for i, values in enumerate(rows, start=header_row + 1):
            if wrap_cols:  # row height for wrapped text (readers do not recompute it)
                lines = 1
                for j, width in wrap_cols:
                    text = str(values[j - 1]) if j <= len(values) and values[j - 1] is not None else ""
                    per_line = max(1, int(width * 1.15))  # text characters are narrower than the width unit
                    lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in text.split("\n")))
                if lines > 1:
                    ws.row_dimensions[i].height = 15 * lines
            for j, v in enumerate(values, start=1):
                cell = _put(ws.cell(i, j), v)
                if wrap_cols:
                    cell.alignment = top_style
                if isinstance(v, Formula) and v.upper().startswith("=HYPERLINK("):
                    cell.font = link_font
                fmt = display_format(v, cols[j - 1].number_format if j <= len(cols) else None)
                if fmt:
                    cell.number_format = fmt
                if j <= len(cols) and cols[j - 1].wrap:
                    cell.alignment = wrap_style
        if freeze:
            ws.freeze_panes = ws.cell(header_row + 1, 1)
        if fit_width:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
            ws.page_setup.orientation = "landscape"
            ws.print_title_rows = f"{header_row}:{header_row}"
        return header_row

    def write_cells(self, sheet: str, cells: dict[tuple[int, int], Any]) -> None:
        ws = self._ws(sheet)
        for (r, c), v in cells.items():
            _put(ws.cell(r, c), v)  # ``ws.cell(r, c, None)`` would leave the old value

    def fill(self, sheet: str, cells: Iterable[tuple[int, int]], color: str | None) -> None:
        from openpyxl.styles import PatternFill

        ws = self._ws(sheet)
        if color and color.startswith("{"):
            style = _fill_from_token(color)
        else:
            style = PatternFill("solid", fgColor=_argb(color)) if color else PatternFill(fill_type=None)
        for r, c in cells:
            ws.cell(r, c).fill = style

    def get_fill(self, sheet: str, row: int, col: int) -> str | None:
        """The cell's fill: None (no fill), "#RRGGBB" (plain solid colour) or an opaque token
        (theme colour, tint, pattern) that ``fill`` accepts to restore it exactly."""
        cell = self._existing_cell(sheet, row, col)
        return _fill_token(cell.fill) if cell is not None else None

    def get_note(self, sheet: str, row: int, col: int) -> str | None:
        cell = self._existing_cell(sheet, row, col)
        comment = cell.comment if cell is not None else None
        return comment.text if comment is not None else None

    def _existing_cell(self, sheet: str, row: int, col: int) -> Any:
        """The cell if it exists, without creating it (``max_row`` costs a scan of the sheet)."""
        ws = self._ws(sheet)
        cells = getattr(ws, "_cells", None)
        if cells is not None:
            return cells.get((row, col))
        return ws.cell(row, col)  # pragma: no cover - other openpyxl layouts

    def has_note(self, sheet: str, row: int, col: int) -> bool:
        return self.get_note(sheet, row, col) is not None

    def set_note(self, sheet: str, row: int, col: int, text: str | None) -> None:
        from openpyxl.comments import Comment

        cell = self._ws(sheet).cell(row, col)
        if text is None:
            cell.comment = None
        else:
            comment = Comment(text, "Reglo")
            comment.width, comment.height = note_size(text)
            cell.comment = comment

    def set_list_validation(self, sheet: str, first_row: int, last_row: int, col: int, values: list[str], *, title: str | None = None, error: str | None = None) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        ws = self._ws(sheet)
        if last_row < first_row:
            return
        dv = DataValidation(type="list", formula1=list_formula(values), allow_blank=True, showDropDown=False,
                            showErrorMessage=True, errorStyle="stop", errorTitle=_dv_text(title, 32), error=_dv_text(error, 255))
        dv.add(f"{cell_ref(first_row, col)}:{cell_ref(last_row, col)}")
        ws.add_data_validation(dv)

    def hide_sheet(self, sheet: str) -> None:
        self._ws(sheet).sheet_state = "hidden"

    def delete_sheet(self, sheet: str) -> None:
        if sheet in self.wb.sheetnames:
            del self.wb[sheet]

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        target = Path(path) if path else self.path
        atomic_write(target, self._to_bytes())

    def _to_bytes(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()


def list_formula(values: list[str]) -> str:
    """The ``formula1`` of a list validation: ``"Oui,Non"`` (quotes doubled; Excel caps it at
    255 characters and forbids commas inside an item)."""
    items = [str(v) for v in values]
    if not items or any("," in v for v in items):
        raise ValueError("liste de validation vide ou contenant une virgule")
    text = '"' + ",".join(items).replace('"', '""') + '"'
    if len(text) > 257:
        raise ValueError("liste de validation trop longue (255 caractères au plus)")
    return text


def _dv_text(text: str | None, limit: int) -> str | None:
    """Excel limits validation titles to 32 and messages to 255 characters."""
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _color_token(color: Any) -> list[Any] | None:
    if color is None:
        return None
    kind = getattr(color, "type", "rgb")
    return [kind, getattr(color, kind, None), float(getattr(color, "tint", 0.0) or 0.0)]


def _fill_token(fill: Any) -> str | None:
    import json

    kind = getattr(fill, "fill_type", None)
    if not kind:
        return None
    fg, bg = _color_token(getattr(fill, "fgColor", None)), _color_token(getattr(fill, "bgColor", None))
    if kind == "solid" and fg and fg[0] == "rgb" and isinstance(fg[1], str) and len(fg[1]) == 8 and not fg[2]:
        return "#" + fg[1][2:].upper()
    return json.dumps({"type": kind, "fg": fg, "bg": bg}, sort_keys=True)


def _fill_from_token(token: str) -> Any:
    import json

    from openpyxl.styles import Color, PatternFill

    data = json.loads(token)

    def color(spec: list[Any] | None) -> Any:
        if not spec or spec[1] is None:
            return None
        kind, value, tint = spec
        return Color(**{kind: value, "tint": tint})

    kwargs: dict[str, Any] = {"fill_type": data.get("type")}
    for key in ("fg", "bg"):
        value = color(data.get(key))
        if value is not None:
            kwargs[key + "Color"] = value
    return PatternFill(**kwargs)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file atomically: temp file in the same folder, fsync, rename.

    The file gets the permissions of an ordinary new file (``0o666 & ~umask``), or keeps
    those of the file it replaces (``mkstemp`` alone would leave it readable by its owner
    only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _file_mode(path: Path) -> int | None:
    """Permission bits for ``path``: the existing file's, else ``0o666`` less the umask;
    None where permissions are not POSIX (Windows)."""
    if not hasattr(os, "fchmod"):
        return None
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where Linux shows it (``os.umask`` can
    only be read by setting it, which would race with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def as_workbook(book: Any) -> Workbook:
    """Accept a ``Workbook`` or an ``xw.Book`` (live Excel, Lite or remote engine)."""
    if isinstance(book, (FileWorkbook,)) or (isinstance(book, Workbook) and not _is_xw_book(book)):
        return book
    if _is_xw_book(book):
        from reglo.addin.backends.xlbook import XlwingsWorkbook

        return XlwingsWorkbook(book)
    raise TypeError(f"classeur non pris en charge : {type(book)!r}")


def _is_xw_book(book: Any) -> bool:
    return type(book).__module__.startswith("xlwings")
