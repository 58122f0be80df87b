"""Paint alerts into a workbook: red/yellow fills, notes, the « Contrôle » sheet.

Works on any ``Workbook`` (``FileWorkbook`` over openpyxl, ``XlwingsWorkbook`` over live
Excel / xlwings Lite / the remote engine), using only the interface of ``reglo.addin.backends.sheets``.

* blocking alert → red fill (``RED``), warning → yellow (``YELLOW``); each flagged cell
  gets one note listing its alerts, blocking first;
* an alert's ``column`` is a header label, mapped to a letter through the sheet's header
  row; an alert with a row but no (known) column flags the row over the header width;
  an alert without row (or on a sheet absent from the workbook) appears only on the
  control sheet;
* re-runs are idempotent: every mark Reglo leaves is recorded in the hidden sheet
  ``_reglo`` (owner, cell, fill and note set, and the cell's original fill and note when
  the backend can read them). The next run first takes back exactly those marks —
  restoring the user's original fill/note when known, leaving alone a cell whose fill or
  note the user changed since — then paints what is still wrong. Nothing else is touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from reglo.core.alerts import STATUS_CODES, Alert, Severity, count_by_severity, summarise_information

from reglo.addin.backends.sheets import (
    GREEN,
    RED,
    YELLOW,
    Column,
    Workbook,
    as_workbook,
    cell_ref,
    hyperlink_formula,
)

CONTROL_SHEET = "Contrôle"
STATE_SHEET = "_reglo"
NOTE_MAX = 1800  # characters kept in one note (Excel allows more, readers do not)
MAX_NOTES = 1000  # notes per run; beyond, cells are only coloured (Excel crawls with thousands of notes)

STATE_HEADER = [
    "Propriétaire",
    "Feuille",
    "Ligne",
    "Colonne",
    "Couleur posée",
    "Note posée",
    "Couleur d'origine",
    "Note d'origine",
    "Origine connue",
]
CONTROL_HEADER = [
    Column("Feuille", width=20),
    Column("Cellule", width=11),
    Column("Gravité", width=16),
    Column("Code", width=26),
    Column("Message", width=75, wrap=True),
]
_SEVERITY_COLOR = {Severity.BLOCKING: RED, Severity.WARNING: YELLOW}
_RESERVED = {STATE_SHEET}


@dataclass
class PaintReport:
    """What one painting run did (counts are cells unless stated)."""

    blocking: int = 0  # alerts
    warnings: int = 0  # alerts
    red: int = 0  # cells painted red
    yellow: int = 0  # cells painted yellow
    notes: int = 0  # cells carrying a Reglo note
    restored: int = 0  # cells given back (fill/note restored) from a previous run
    kept_user_notes: int = 0  # user notes left in place (unreadable engine): alert only on the control sheet
    notes_skipped: int = 0  # cells coloured without a note because of ``max_notes``
    unlocated: int = 0  # alerts listed on the control sheet only
    control_sheet: str = CONTROL_SHEET
    cells: dict[tuple[str, int, int], str] = field(default_factory=dict)  # (sheet,row,col) -> colour

    @property
    def painted(self) -> int:
        return self.red + self.yellow

    def summary_fr(self) -> str:
        return (
            f"{self.red} cellule{'s' if self.red > 1 else ''} en rouge, {self.yellow} en jaune, "
            f"{self.restored} rétablie{'s' if self.restored > 1 else ''} ; détail dans la feuille « {self.control_sheet} »"
        )


@dataclass(frozen=True)
class Mark:
    """One cell Reglo painted (a line of the hidden state sheet)."""

    owner: str
    sheet: str
    row: int
    col: int
    color: str | None  # fill we set
    note: str | None  # note text we set (None: no note set)
    orig_fill: str | None = None
    orig_note: str | None = None
    orig_known: bool = False

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.sheet, self.row, self.col)


@dataclass(frozen=True)
class Location:
    """Where an alert points in the workbook."""

    sheet: str | None
    cells: tuple[tuple[int, int], ...]  # cells to paint (empty: control sheet only)
    link: tuple[int, int] | None  # cell the control sheet links to
    label: str  # text of the « Cellule » column


# ---------------------------------------------------------------------------
# locating alerts
# ---------------------------------------------------------------------------

def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def _header_row(values: list[list[Any]], labels: set[str]) -> int:
    """1-based header row: the first of the 50 first rows holding one of ``labels``, else the
    first row with at least two texts, else the first non-empty row."""
    head = values[:50]
    if labels:
        for i, line in enumerate(head, start=1):
            if labels & {_norm(v) for v in line if isinstance(v, str)}:
                return i
    for i, line in enumerate(head, start=1):
        if sum(1 for v in line if isinstance(v, str) and v.strip()) >= 2:
            return i
    for i, line in enumerate(head, start=1):
        if any(v not in (None, "") for v in line):
            return i
    return 1


@dataclass(frozen=True)
class _Header:
    row: int
    columns: dict[str, int]  # normalised label -> 1-based column
    width: int  # last non-empty header column


def _read_headers(book: Workbook, sheet: str, labels: set[str]) -> _Header:
    head_reader = getattr(book, "read_head", None)
    values = head_reader(sheet, 50) if head_reader else book.read_values(sheet)
    row = _header_row(values, labels)
    line = values[row - 1] if len(values) >= row else []
    columns: dict[str, int] = {}
    width = 0
    for j, v in enumerate(line, start=1):
        if v not in (None, ""):
            columns.setdefault(_norm(v), j)
            width = j
    return _Header(row, columns, width or 1)


def locate(book: Workbook, alerts: Iterable[Alert], *, exclude: Iterable[str] = ()) -> list[Location]:
    """Where each alert points (same order as ``alerts``)."""
    alerts = list(alerts)
    present = set(book.sheet_names())
    skip = set(exclude) | _RESERVED
    wanted: dict[str, set[str]] = {}
    for a in alerts:
        if a.sheet in present and a.sheet not in skip and a.row is not None:
            wanted.setdefault(a.sheet, set())
            if a.column:
                wanted[a.sheet].add(_norm(a.column))
    headers = {sheet: _read_headers(book, sheet, labels) for sheet, labels in wanted.items()}
    out: list[Location] = []
    for a in alerts:
        if a.sheet not in present or a.sheet in skip:
            out.append(Location(a.sheet, (), None, "—"))
            continue
        if a.row is None:
            out.append(Location(a.sheet, (), (1, 1), "feuille"))
            continue
        h = headers[a.sheet]
        col = h.columns.get(_norm(a.column)) if a.column else None
        if col is not None:
            out.append(Location(a.sheet, ((a.row, col),), (a.row, col), cell_ref(a.row, col)))
        else:
            cells = tuple((a.row, c) for c in range(1, h.width + 1))
            out.append(Location(a.sheet, cells, (a.row, 1), f"ligne {a.row}"))
    return out


# ---------------------------------------------------------------------------
# notes
# ---------------------------------------------------------------------------

def note_text(alerts: list[Alert]) -> str:
    """One note for a cell: its alerts, blocking first, each with its code."""
    ordered = sorted(alerts, key=lambda a: (not a.is_blocking, a.code.value))
    if len(ordered) == 1:
        a = ordered[0]
        text = f"Reglo — {a.severity.value} ({a.code.value})\n{a.message}"
    else:
        lines = [f"Reglo — {len(ordered)} alertes :"]
        lines += [f"• {a.severity.value} ({a.code.value}) : {a.message}" for a in ordered]
        text = "\n".join(lines)
    if len(text) > NOTE_MAX:
        text = text[: NOTE_MAX - 40].rstrip() + "\n… (suite dans la feuille « Contrôle »)"
    return text


_ORIGINAL_NOTE_HEAD = "\n\n— Note d'origine —\n"


# ---------------------------------------------------------------------------
# state sheet
# ---------------------------------------------------------------------------

def _enc(text: str | None) -> str:
    # prefix keeps texts starting with "=" from being read back with an apostrophe
    return "" if text is None else "t:" + text


def _dec(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    return text[2:] if text.startswith("t:") else text


def read_marks(book: Workbook) -> list[Mark]:
    if STATE_SHEET not in book.sheet_names():
        return []
    values = book.read_values(STATE_SHEET)
    marks: list[Mark] = []
    for line in values[1:]:
        line = list(line) + [None] * (len(STATE_HEADER) - len(line))
        owner, sheet, row, col = line[0], line[1], line[2], line[3]
        if not owner or not sheet or row in (None, "") or col in (None, ""):
            continue
        try:
            r, c = int(row), int(col)
        except (TypeError, ValueError):
            continue
        marks.append(
            Mark(
                owner=str(owner),
                sheet=str(sheet),
                row=r,
                col=c,
                color=_dec(line[4]),
                note=_dec(line[5]),
                orig_fill=_dec(line[6]),
                orig_note=_dec(line[7]),
                orig_known=str(line[8] or "").strip().lower() == "oui",
            )
        )
    return marks


def _write_marks(book: Workbook, marks: list[Mark]) -> None:
    if not marks:
        if STATE_SHEET in book.sheet_names():
            book.delete_sheet(STATE_SHEET)
        return
    rows = [
        [m.owner, m.sheet, m.row, m.col, _enc(m.color), _enc(m.note), _enc(m.orig_fill), _enc(m.orig_note), "oui" if m.orig_known else "non"]
        for m in sorted(marks, key=lambda m: (m.owner, m.sheet, m.row, m.col))
    ]
    book.write_sheet(STATE_SHEET, list(STATE_HEADER), rows, freeze=False)
    book.hide_sheet(STATE_SHEET)


# ---------------------------------------------------------------------------
# painting
# ---------------------------------------------------------------------------

def paint_alerts(
    book: Any,
    alerts: list[Alert],
    *,
    owner: str = "reglo",
    control_sheet: str = CONTROL_SHEET,
    title: str | None = None,
    summary: list[tuple[str, object]] | None = None,
    max_notes: int = MAX_NOTES,
) -> PaintReport:
    """Paint ``alerts`` into ``book`` and (re)write the control sheet; see the module doc.

    At most ``max_notes`` cells get a note (in sheet/row order); further flagged cells are
    only coloured, their alerts being listed on the control sheet.

    ``owner`` separates the marks of different workflows: a run only takes back the
    marks of its own owner. The workbook is not saved (the caller saves)."""
    book = as_workbook(book)
    alerts = list(alerts)
    alerts += [a for a in getattr(book, "read_alerts", list)() if a not in alerts]  # e.g. formulas without a saved value
    alerts = summarise_information(alerts)  # routine conversions: one line per sheet, never painted
    locations = locate(book, alerts, exclude=[control_sheet])
    counts = count_by_severity(alerts)
    report = PaintReport(blocking=counts[Severity.BLOCKING], warnings=counts[Severity.WARNING], control_sheet=control_sheet)

    # what should be painted now
    # a cell's colour comes from every alert covering it; its note lists the alerts pointing
    # at it (a row alert without column puts its note on the row's first cell only)
    per_cell: dict[tuple[str, int, int], list[Alert]] = {}
    per_note: dict[tuple[str, int, int], list[Alert]] = {}
    for a, loc in zip(alerts, locations):
        if a.severity is Severity.INFO and a.code.value not in STATUS_CODES:
            continue
        if not loc.cells:
            report.unlocated += 1
            continue
        for r, c in loc.cells:
            per_cell.setdefault((loc.sheet, r, c), []).append(a)  # type: ignore[arg-type]
        per_note.setdefault((loc.sheet, *loc.link), []).append(a)  # type: ignore[arg-type]
    wanted = {
        key: (RED if any(a.is_blocking for a in lst) else YELLOW if any(a.severity is Severity.WARNING for a in lst) else GREEN,
              note_text(per_note[key]) if key in per_note else None)
        for key, lst in per_cell.items()
    }

    all_marks = read_marks(book)
    present = set(book.sheet_names())
    old = {m.key: m for m in all_marks if m.owner == owner}
    others = [m for m in all_marks if m.owner != owner and m.sheet in present]
    get_fill = getattr(book, "get_fill", None)
    get_note = getattr(book, "get_note", None)
    has_note = getattr(book, "has_note", None)

    # 1. take back old marks that are no longer wanted (or whose note changes)
    restore_fill: dict[tuple[str, str | None], list[tuple[int, int]]] = {}
    for key, m in old.items():
        sheet, r, c = key
        if sheet not in present:
            continue
        target = wanted.get(key)
        if target is None or target[0] != m.color:
            if get_fill is not None and get_fill(sheet, r, c) != m.color:
                pass  # the user changed the fill since: theirs now, leave it
            elif target is None:
                restore_fill.setdefault((sheet, m.orig_fill if m.orig_known else None), []).append((r, c))
        if target is None:
            report.restored += 1
            if m.note is not None:
                current = get_note(sheet, r, c) if get_note is not None else m.note
                if current == m.note:  # otherwise the user edited our note: theirs now
                    book.set_note(sheet, r, c, m.orig_note if m.orig_known else None)
    for (sheet, color), cells in restore_fill.items():
        book.fill(sheet, cells, color)

    # 2. paint what is wrong now
    new_marks: list[Mark] = []
    paint: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for key in sorted(wanted):
        sheet, r, c = key
        color, text = wanted[key]
        prev = old.get(key)
        if prev is not None:
            orig_known, orig_fill, orig_note = prev.orig_known, prev.orig_fill, prev.orig_note
            current_note = get_note(sheet, r, c) if get_note is not None else prev.note
            if prev.note is not None and current_note != prev.note and get_note is not None:
                orig_note = current_note  # the user rewrote our note: keep their text as the original
        else:
            orig_known = get_fill is not None and get_note is not None
            orig_fill = get_fill(sheet, r, c) if get_fill is not None else None
            orig_note = get_note(sheet, r, c) if get_note is not None else None
        # fill
        if prev is None or prev.color != color or (get_fill is not None and get_fill(sheet, r, c) != color):
            paint.setdefault((sheet, color), []).append((r, c))
        report.cells[key] = color
        if color == RED:
            report.red += 1
        else:
            report.yellow += 1
        # note
        note: str | None
        user_note_unreadable = (
            prev is None and get_note is None and has_note is not None and has_note(sheet, r, c)
        ) or (prev is not None and prev.note is None and not prev.orig_known and has_note is not None and has_note(sheet, r, c))
        if text is not None and report.notes >= max_notes:
            text = None
            report.notes_skipped += 1
        if text is None:  # part of a flagged row, or past max_notes: fill only
            note = None
            if prev is not None and prev.note is not None:
                current = get_note(sheet, r, c) if get_note is not None else prev.note
                if current == prev.note:
                    book.set_note(sheet, r, c, prev.orig_note if prev.orig_known else None)
        elif user_note_unreadable:
            note = None  # never delete a note we cannot read back: the alert stays on the control sheet
            report.kept_user_notes += 1
        else:
            note = text + (_ORIGINAL_NOTE_HEAD + orig_note if orig_note else "")
            current = get_note(sheet, r, c) if get_note is not None else (prev.note if prev else None)
            if prev is None or prev.note != note or current != note:
                book.set_note(sheet, r, c, note)
            report.notes += 1
        new_marks.append(Mark(owner, sheet, r, c, color, note, orig_fill, orig_note, orig_known))
    for (sheet, color), cells in paint.items():
        book.fill(sheet, cells, color)

    _write_marks(book, others + new_marks)
    write_control_sheet(book, alerts, sheet=control_sheet, title=title, summary=summary, _locations=locations)
    return report


def clear_marks(book: Any, *, owner: str = "reglo") -> int:
    """Take back every mark of ``owner`` (as a run with no alert would), without touching
    the control sheet. Returns the number of cells given back."""
    book = as_workbook(book)
    all_marks = read_marks(book)
    present = set(book.sheet_names())
    get_fill = getattr(book, "get_fill", None)
    get_note = getattr(book, "get_note", None)
    mine = [m for m in all_marks if m.owner == owner and m.sheet in present]
    groups: dict[tuple[str, str | None], list[tuple[int, int]]] = {}
    for m in mine:
        if get_fill is None or get_fill(m.sheet, m.row, m.col) == m.color:
            groups.setdefault((m.sheet, m.orig_fill if m.orig_known else None), []).append((m.row, m.col))
        if m.note is not None and (get_note is None or get_note(m.sheet, m.row, m.col) == m.note):
            book.set_note(m.sheet, m.row, m.col, m.orig_note if m.orig_known else None)
    for (sheet, color), cells in groups.items():
        book.fill(sheet, cells, color)
    _write_marks(book, [m for m in all_marks if m.owner != owner and m.sheet in present])
    return len(mine)


# ---------------------------------------------------------------------------
# control sheet
# ---------------------------------------------------------------------------

def _sort_key(order: dict[str, int]):
    def key(item: tuple[Alert, Location]) -> tuple:
        a, loc = item
        link = loc.link or (0, 0)
        return (
            a.severity is Severity.INFO,  # information after what needs a decision
            order.get(a.sheet or "", len(order)),
            a.sheet or "",
            a.row is not None,
            a.row or 0,
            link[1],
            not a.is_blocking,
            a.code.value,
        )

    return key


def write_control_sheet(
    book: Any,
    alerts: list[Alert],
    *,
    sheet: str = CONTROL_SHEET,
    title: str | None = None,
    summary: list[tuple[str, object]] | None = None,
    _locations: list[Location] | None = None,
) -> None:
    """(Re)write the control sheet: counts per severity (and ``summary`` lines) at the top,
    then one line per alert — Feuille, Cellule (a link to the cell), Gravité, Code,
    Message — coloured by severity, sorted by sheet then row."""
    book = as_workbook(book)
    alerts = list(alerts)
    locations = _locations if _locations is not None else locate(book, alerts, exclude=[sheet])
    order = {name: i for i, name in enumerate(book.sheet_names())}
    items = sorted(zip(alerts, locations), key=_sort_key(order))
    counts = count_by_severity(alerts)
    n_b, n_w = counts[Severity.BLOCKING], counts[Severity.WARNING]
    preamble: list[list[Any]] = [
        ["Alertes bloquantes", n_b],
        ["Avertissements", n_w],
    ]
    if counts[Severity.INFO]:
        preamble.append(["Informations", counts[Severity.INFO]])
    for label, value in summary or []:
        preamble.append([label, value])
    if not alerts:
        preamble.append(["Résultat", "Aucune alerte : rien à corriger."])
    elif n_b:
        preamble.append(["Résultat", "Corrigez les cellules en rouge, puis relancez le contrôle."])
    elif not n_w:
        preamble.append(["Résultat", "Rien à corriger ; les informations ci-dessous résument les adaptations faites."])
    else:
        preamble.append(["Résultat", "Aucune alerte bloquante ; vérifiez les cellules en jaune."])
    rows: list[list[Any]] = []
    for a, loc in items:
        if loc.link is not None and loc.sheet is not None:
            r, c = loc.link
            label = loc.label if loc.label != "feuille" else "(feuille)"
            cell: Any = hyperlink_formula(loc.sheet, r, c, label)
        else:
            cell = loc.label
        rows.append([a.sheet or "—", cell, a.severity.value, a.code.value, a.message])
    header_row = book.write_sheet(
        sheet,
        list(CONTROL_HEADER),
        rows,
        title=title or "Contrôle du classeur — Reglo",
        preamble=preamble,
        fit_width=True,
    )
    top = 3  # first preamble line (title on row 1)
    book.fill(sheet, [(top, 2)], RED if n_b else GREEN)
    book.fill(sheet, [(top + 1, 2)], YELLOW if n_w else GREEN)
    by_color: dict[str, list[tuple[int, int]]] = {}
    for i, (a, _loc) in enumerate(items, start=header_row + 1):
        by_color.setdefault(_SEVERITY_COLOR.get(a.severity), []).extend((i, j) for j in range(1, len(CONTROL_HEADER) + 1))
    for color, cells in by_color.items():
        if color is not None:  # information lines stay unpainted
            book.fill(sheet, cells, color)
