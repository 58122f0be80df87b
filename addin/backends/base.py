"""The workbook interface shared by every backend: constants, ``Workbook`` protocol, tables.

``sheets`` (openpyxl files), ``fastbook`` (fast patcher) and ``xlbook`` (xlwings) all build on
this module; none of them imports a workflow.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any, Iterable, Protocol, runtime_checkable

from openpyxl.utils import get_column_letter

RED = "#FFC7CE"  # blocking alert
YELLOW = "#FFEB9C"  # warning
GREEN = "#C6EFCE"
HEADER_FILL = "#1F4E78"
EURO_FORMAT = '#,##0.00 "€";[Red]-#,##0.00 "€"'
DATE_FORMAT = "dd/mm/yyyy"


class WorkbookError(Exception):
    """An unusable workbook (unreadable, truncated, not an xlsx). Message in French."""


def cell_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


class Formula(str):
    """A formula Reglo writes on purpose (e.g. ``=HYPERLINK(...)``): never neutralised.

    Written in English syntax with commas, as stored in the file (Excel shows it in the
    user's language, e.g. ``=LIEN_HYPERTEXTE(...;...)``)."""


def hyperlink_formula(sheet: str, row: int, col: int, label: str | None = None) -> Formula:
    """``=HYPERLINK("#'Feuille'!B5","B5")``: a link to a cell of this workbook that works in
    Excel (desktop, web, Lite) and LibreOffice."""
    ref = cell_ref(row, col)
    target = "#'" + sheet.replace("'", "''") + "'!" + ref
    text = (label if label is not None else ref).replace('"', '""')
    return Formula('=HYPERLINK("' + target.replace('"', '""') + '","' + text + '")')


FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


def needs_quote(value: Any) -> bool:
    """Text that Excel would take for a formula if typed (=, +, -, @ at the start)."""
    return isinstance(value, str) and not isinstance(value, Formula) and value[:1] in FORMULA_CHARS and not _is_number_text(value)


def safe_text(value: Any) -> Any:
    """Text written to a sheet, unchanged: the backends keep the exact text and write text that
    starts with =, +, -, @ as a string cell Excel will not evaluate (see ``needs_quote``).
    A ``Formula`` (written on purpose by Reglo) becomes a plain ``str``."""
    if isinstance(value, Formula):
        return str(value)
    return value


def excel_typed_text(value: Any) -> Any:
    """What to type in a live Excel cell (xlwings): a leading apostrophe makes Excel keep
    ``=…`` as text; Excel stores the text without it (it sets the cell's quote prefix)."""
    if isinstance(value, Formula):
        return str(value)
    return "'" + value if needs_quote(value) else value


def _is_number_text(value: str) -> bool:
    try:
        float(value.replace(",", ".").replace(" ", ""))  # float ok: only a test of shape
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class Column:
    """How a column is written: header label, number format, width."""

    header: str
    number_format: str | None = None
    width: float | None = None
    wrap: bool = False  # wrap long text (messages) instead of overflowing
    hidden: bool = False  # a technical column (a key read back by Reglo): kept, not shown


@runtime_checkable
class Workbook(Protocol):
    """What handlers need from a workbook, whatever the backend."""

    def sheet_names(self) -> list[str]: ...

    def read_values(self, sheet: str) -> list[list[Any]]:
        """All values from A1 to the last used cell; empty cells are None; dates are datetime."""

    def write_sheet(self, sheet: str, header: list[Column | str], rows: list[list[Any]], *, title: str | None = None, replace: bool = True, freeze: bool = True, preamble: list[list[Any]] | None = None, fit_width: bool = True) -> int:
        """Create (or replace) a sheet with a bold header and typed rows. Returns the header row.

        ``preamble``: lines written between the title and the header (e.g. counts);
        ``fit_width``: print on one page wide (landscape, the default), where the backend supports it."""

    def write_cells(self, sheet: str, cells: dict[tuple[int, int], Any]) -> None: ...

    def fill(self, sheet: str, cells: Iterable[tuple[int, int]], color: str | None) -> None:
        """Set (or clear, with None) the background colour of cells."""

    def set_note(self, sheet: str, row: int, col: int, text: str | None) -> None:
        """Set (or delete, with None) the note of a cell."""

    def set_list_validation(self, sheet: str, first_row: int, last_row: int, col: int, values: list[str], *, title: str | None = None, error: str | None = None) -> None:
        """A dropdown list (data validation) on ``col`` from ``first_row`` to ``last_row``:
        only ``values`` are accepted (blank allowed). ``title`` / ``error``: the message shown
        when another value is typed (backends that cannot set it keep Excel's own)."""

    def hide_sheet(self, sheet: str) -> None: ...

    def delete_sheet(self, sheet: str) -> None: ...

    def save(self) -> None: ...

    # Optional capabilities (looked up with ``getattr``; not every engine has them):
    #   get_fill(sheet, row, col) -> str | None   current fill ("#RRGGBB", a backend token, or None)
    #   get_note(sheet, row, col) -> str | None   current note text
    #   has_note(sheet, row, col) -> bool         whether a note exists (text may be unreadable)


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------

@dataclass
class Row:
    excel_row: int
    values: dict[str, Any]

    def get(self, header: str, default: Any = None) -> Any:
        return self.values.get(header, default)


@dataclass
class Table:
    sheet: str
    header_row: int
    headers: list[str]
    rows: list[Row] = field(default_factory=list)

    def column_index(self, header: str) -> int | None:
        """1-based column of a header label (case/space-insensitive)."""
        wanted = _norm(header)
        for i, h in enumerate(self.headers, start=1):
            if _norm(h) == wanted:
                return i
        return None

    def missing(self, required: Iterable[str]) -> list[str]:
        return [h for h in required if self.column_index(h) is None]


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def read_table(book: "Workbook", sheet: str, *, required: Iterable[str] = (), header_row: int | None = None) -> Table:
    """Read a sheet as a table: the header row (the first row holding a required header, or
    the first non-empty row) then one ``Row`` per non-empty line, with its Excel row number."""
    values = book.read_values(sheet)
    required = list(required)
    if header_row is None:
        header_row = 1
        wanted = {_norm(h) for h in required}
        for i, line in enumerate(values[:50], start=1):
            cells = {_norm(v) for v in line if v not in (None, "")}
            if (wanted and wanted & cells) or (not wanted and cells):
                header_row = i
                break
    headers = [str(v).strip() if v not in (None, "") else "" for v in (values[header_row - 1] if len(values) >= header_row else [])]
    table = Table(sheet=sheet, header_row=header_row, headers=headers)
    for offset, line in enumerate(values[header_row:], start=header_row + 1):
        if all(v in (None, "") for v in line):
            continue
        table.rows.append(Row(offset, {h: (line[i] if i < len(line) else None) for i, h in enumerate(headers) if h}))
    return table


def set_parameter_values(book: "Workbook", sheet: str, values: dict[str, Any], *, add_missing: bool = True) -> None:
    """Write ``values`` (label → value) into the « Valeur » column of a « Paramètre » / « Valeur »
    sheet: on the row of that label (labels compared without case or extra spaces), else on a new
    row below the last one (``add_missing``) with the label in the column before."""
    table = read_table(book, sheet, required=["Paramètre", "Valeur"])
    col = table.column_index("Valeur") or 2
    rows = {_norm(r.get("Paramètre")): r.excel_row for r in table.rows}
    last = max([r.excel_row for r in table.rows], default=table.header_row)
    cells: dict[tuple[int, int], Any] = {}
    for name, value in values.items():
        row = rows.get(_norm(name))
        if row is None:
            if not add_missing:
                continue
            last += 1
            row = last
            cells[(row, col - 1)] = name
        cells[(row, col)] = value
    if cells:
        book.write_cells(sheet, cells)




# ---------------------------------------------------------------------------
# archive limits (a .xlsx is a zip: refuse decompression bombs before any allocation)
# ---------------------------------------------------------------------------

# A full legitimate sheet (1 048 576 rows of the ~30 columns Reglo reads, ≈ 50 bytes of XML per
# cell) is about 1.6 GB of XML: parts may be that big, never bigger.
MAX_PART_BYTES = 2 * 1024**3
MAX_TOTAL_BYTES = 4 * 1024**3
# Sheet XML compresses 5–30× in practice; past 100× a big part is a bomb (a 300 KB file
# holding a 300 MB shared string is 1000×). Small parts (styles, themes) may compress more.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 10 * 1024**2


def check_archive(archive: Any, name: str) -> None:
    """Raise ``WorkbookError`` (French) when a part of ``archive`` (a ``zipfile.ZipFile``) would
    expand beyond the limits, or when the package points outside itself (a member named with
    ``../`` or an absolute path, a relationship whose target climbs above the package root).
    Python's ``zipfile`` never decompresses beyond a part's declared size, so checking the
    declared sizes is enough for the readers that use it."""
    total = 0
    for info in archive.infolist():
        if _escapes(info.filename):
            raise WorkbookError(_escape_message(name, info.filename))
        size, packed = info.file_size, max(info.compress_size, 1)
        total += size
        too_big = size > MAX_PART_BYTES
        bomb = size > RATIO_FLOOR_BYTES and size / packed > MAX_RATIO
        if too_big or bomb or total > MAX_TOTAL_BYTES:
            why = (f"la partie « {info.filename} » se décompresse en {size / 1024**2:,.0f} Mo pour {packed / 1024:,.0f} Ko compressés"
                   if bomb else f"le contenu décompressé dépasse {MAX_TOTAL_BYTES // 1024**3 if total > MAX_TOTAL_BYTES else MAX_PART_BYTES // 1024**3} Go")
            raise WorkbookError(
                f"Classeur refusé : {name} : {why.replace(',', ' ')}. Un classeur Excel ordinaire n'a pas cette taille ; "
                "le fichier est probablement piégé (bombe de décompression). Demandez un fichier sain à son émetteur.")
    _check_relationships(archive, name)


def _escapes(member: str) -> bool:
    parts = member.replace("\\", "/").split("/")
    return member.startswith(("/", "\\")) or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":")


def _escape_message(name: str, target: str) -> str:
    return (f"Classeur refusé : {name} : il désigne un emplacement hors du classeur (« {target} »). Un classeur Excel ordinaire "
            "ne le fait jamais ; le fichier est probablement piégé ou endommagé. Demandez un fichier sain à son émetteur, "
            "ou rouvrez-le dans Excel et enregistrez-le au format .xlsx.")


def resolve_part(base_part: str, target: str) -> str:
    """The package part that a relationship of ``base_part`` targets (``../`` resolved);
    ``WorkbookError`` when the target climbs above the package root."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = list(PurePosixPath(base_part).parent.parts)
    for seg in target.split("/"):
        if seg == "..":
            if not parts:
                raise WorkbookError(_escape_message("le classeur", target))
            parts.pop()
        elif seg and seg != ".":
            parts.append(seg)
    return "/".join(parts)


_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _check_relationships(archive: Any, name: str) -> None:
    """Every internal relationship target stays inside the package (small parts: cheap)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for info in archive.infolist():
        if not info.filename.endswith(".rels") or info.file_size > 10 * 1024**2:
            continue
        folder, _, rels_name = info.filename.rpartition("_rels/")
        base_part = folder + rels_name[: -len(".rels")]
        try:
            root = etree.fromstring(archive.read(info), parser)
        except etree.XMLSyntaxError:
            continue  # unreadable XML: the readers report it
        for rel in root.iter(_RELS_NS):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External":
                continue
            try:
                resolve_part(base_part, target)
            except WorkbookError:
                raise WorkbookError(_escape_message(name, target)) from None


def unreadable_message(name: str, exc: BaseException, *, sheet: str | None = None) -> str:
    """The French message for a workbook a reader could not open: what is wrong in a word the
    accountant understands, never the library's class name or English text."""
    where = f"{name}, feuille « {sheet} »" if sheet else name
    kind = type(exc).__name__.lower()
    if "xml" in kind or "parse" in kind or "expat" in kind:
        why = "il contient du XML invalide ou dangereux (entités externes, DTD, balises cassées) ; il est refusé"
    elif "password" in kind:
        why = "il est protégé par un mot de passe"
    elif "notfound" in kind or isinstance(exc, KeyError):
        why = "une partie annoncée du classeur est absente (fichier incomplet ou piégé)"
    else:
        why = "le fichier est peut-être tronqué, protégé ou n'est pas un .xlsx"
    return (f"Classeur illisible : {where} : {why}. Rouvrez-le dans Excel et enregistrez-le au format .xlsx, "
            "ou demandez un fichier sain à son émetteur.")


# ---------------------------------------------------------------------------
# formulas: a cell computed by a formula is read as the value Excel shows (its cached value)
# ---------------------------------------------------------------------------

def uncached_formula_alerts(uncached: dict[str, list[tuple[int, int]]]) -> list[Any]:
    """One warning per sheet whose formulas have no value saved with them (a file written by a
    program and never opened in Excel): Reglo then sees the formula's text."""
    from reglo.core.alerts import alert

    out = []
    for sheet, cells in uncached.items():
        if cells:
            row, col = cells[0]
            out.append(alert("FORMULA_NOT_CACHED", sheet=sheet, count=len(cells), cell=cell_ref(row, col)))
    return out


# ---------------------------------------------------------------------------
# notes: sized to their text (Excel keeps the box size written in the file)
# ---------------------------------------------------------------------------

NOTE_WIDTH_PX = 340
NOTE_CHARS_PER_LINE = 52  # Tahoma 9 in a 340 px box
NOTE_LINE_PX = 15


def note_size(text: str) -> tuple[int, int]:
    """(width, height) in pixels of a note box that shows all of ``text`` without scrolling."""
    lines = sum(max(1, -(-len(part) // NOTE_CHARS_PER_LINE)) for part in str(text).split("\n"))
    return NOTE_WIDTH_PX, min(900, max(60, 12 + NOTE_LINE_PX * lines))


# ---------------------------------------------------------------------------
# presentation: one rule for every sheet Reglo writes, in every backend
# ---------------------------------------------------------------------------

DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def display_format(value: Any, column_format: str | None = None) -> str | None:
    """The number format a cell gets: its column's, else by the value's kind — an amount
    (``Decimal``) as ``# ##0,00 €``, a date as ``jj/mm/aaaa``, a time stamp as
    ``jj/mm/aaaa hh:mm`` (Excel shows these codes with the user's French separators)."""
    if column_format:
        return column_format
    if isinstance(value, Decimal):
        return EURO_FORMAT
    if isinstance(value, datetime):
        return DATE_FORMAT if (value.hour, value.minute, value.second) == (0, 0, 0) else DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    return None


FIT_ROWS = 500  # rows looked at to fit a column to its content
FIT_MAX = 50.0  # a column is never widened past this for its content (longer text overflows)


def column_widths(cols: list["Column"], preamble: list[list[Any]] | None = None, rows: list[list[Any]] | None = None) -> list[float]:
    """Widths that fit the labels: a column's own width, else its header's; the first column
    also fits the preamble's labels (« Lignes avec avertissement » was cut); and every column
    widens to fit what its first rows show (an IBAN, a « Total … » label, an amount as
    ``# ##0,00 €``), up to ``FIT_MAX``. Wrapped and hidden columns keep their width."""
    widths = [float(c.width or max(10, min(45, len(c.header) + 4))) for c in cols]
    if preamble and widths:
        for line in preamble:
            for j, v in enumerate(line[: len(widths)]):
                if v is None or isinstance(v, Formula):
                    continue
                text = _preamble_text(v)
                widths[j] = max(widths[j], min(60.0, len(text) + 2))
    if rows and hasattr(rows, "__getitem__"):
        sample = rows[:FIT_ROWS]
        for j, c in enumerate(cols):
            if c.wrap or c.hidden:
                continue
            longest = max((len(_preamble_text(r[j])) for r in sample if j < len(r) and r[j] is not None and not isinstance(r[j], Formula)), default=0)
            if longest:
                widths[j] = max(widths[j], min(FIT_MAX, longest + 2.0))
    return widths


def _preamble_text(v: Any) -> str:
    if isinstance(v, Decimal):
        return f"{v:,.2f} €"
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, (date, datetime)):
        return "00/00/0000 00:00"[: 10 if not isinstance(v, datetime) else 16]
    return str(v)
