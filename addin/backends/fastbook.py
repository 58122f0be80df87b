"""``FastFileWorkbook``: the ``Workbook`` interface over a big .xlsx without loading it in openpyxl.

openpyxl builds a Python object per cell: loading and saving a 100,000-row sheet takes
~20 s. Painting alerts changes a few cells. This backend therefore:

* reads values with python-calamine (Rust);
* records the changes (fills, notes, new or replaced small sheets such as « Contrôle » and
  ``_reglo``, hidden or deleted sheets);
* on ``save``, copies the package and patches only what changed: the ``<row>`` elements
  holding a changed cell (a new cell style cloned from the cell's own style with another
  fill), the sheet's comments part and its VML drawing, ``styles.xml``, ``workbook.xml``,
  the relationships and content types. Every other byte of every sheet is kept as is.

It reads the original fill and note of a cell (``get_fill`` / ``get_note``), so painting
restores them exactly, as with ``FileWorkbook``; the fill tokens are the same.

Unsupported layouts (cells without ``r`` references, VML drawings holding more than notes)
raise ``UnsupportedWorkbook``; callers fall back to ``FileWorkbook``.
"""
from __future__ import annotations

import html
import io
import json
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Iterable
from xml.sax.saxutils import escape

from lxml import etree

# the parts of a workbook a user gives us are untrusted: no entity expansion (XXE, « billion
# laughs »), no DTD, no network; huge_tree for large sheets
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)

from reglo.addin.backends.base import check_archive, column_widths, display_format, note_size, resolve_part, uncached_formula_alerts, unreadable_message
from reglo.addin.backends.sheets import (
    HEADER_FILL,
    Column,
    Formula,
    WorkbookError,
    atomic_write,
    cell_ref,
    needs_quote,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
T_WORKSHEET = REL + "/worksheet"
T_COMMENTS = REL + "/comments"
T_VML = REL + "/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
AUTHOR = "Reglo"
_EPOCH = datetime(1899, 12, 30)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_FORMULA_CELL = re.compile(rb'<c\s[^>]*?r="([A-Z]+\d+)"[^>]*?(?<!/)>((?:(?!</c>).)*?<f[\s>/](?:(?!</c>).)*?)</c>', re.S)
_FORMULA_TEXT = re.compile(rb"<f[^>]*>(.*?)</f>", re.S)
_HAS_VALUE = re.compile(rb"<v(?:\s[^>]*)?>[^<]|<is>")


class UnsupportedWorkbook(WorkbookError):
    """A layout this backend does not patch; use ``FileWorkbook`` instead."""


FAST_FROM_BYTES = 1_000_000  # « auto »: the fast backend from this file size on (as ``reglo check``)


def open_book(path: str | os.PathLike[str], engine: str = "auto") -> Any:
    """The file backend for ``path``: ``FastFileWorkbook`` (« rapide »), ``FileWorkbook``
    (« openpyxl »), or by size (« auto »: fast from ``FAST_FROM_BYTES`` on). Callers fall
    back to ``FileWorkbook`` when the fast one raises ``UnsupportedWorkbook``."""
    from reglo.addin.backends.sheets import FileWorkbook

    if engine == "auto":
        try:
            engine = "rapide" if Path(path).stat().st_size >= FAST_FROM_BYTES else "openpyxl"
        except OSError:
            engine = "openpyxl"  # FileWorkbook says what is wrong with the path
    return FastFileWorkbook(path) if engine == "rapide" else FileWorkbook(path)


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


# ---------------------------------------------------------------------------
# styles
# ---------------------------------------------------------------------------

def _color_spec(el: Any) -> list[Any] | None:
    if el is None:
        return None
    tint = float(el.get("tint", 0) or 0)
    for kind in ("rgb", "theme", "indexed"):
        if el.get(kind) is not None:
            value: Any = el.get(kind)
            if kind != "rgb":
                value = int(value)
            return [kind, value, tint]
    if el.get("auto") is not None:
        return ["auto", True, tint]
    return None


def _sig(el: Any) -> tuple:
    """What an element says, whatever its namespace prefixes and attribute order."""
    return (el.tag, tuple(sorted(el.attrib.items())), tuple(_sig(c) for c in el))


def _fill_token(fill_el: Any, fill_id: int) -> str | None:
    """Same tokens as ``FileWorkbook.get_fill``: None, "#RRGGBB" or a JSON pattern."""
    pattern = fill_el.find(_q("patternFill")) if fill_el is not None else None
    if pattern is None:
        return None if fill_el is None or len(fill_el) == 0 else f"fillid:{fill_id}"  # gradient: by id
    kind = pattern.get("patternType")
    if not kind or kind == "none":
        return None
    fg, bg = _color_spec(pattern.find(_q("fgColor"))), _color_spec(pattern.find(_q("bgColor")))
    if kind == "solid" and fg and fg[0] == "rgb" and len(str(fg[1])) == 8 and not fg[2]:
        return "#" + str(fg[1])[2:].upper()
    return json.dumps({"type": kind, "fg": fg, "bg": bg}, sort_keys=True)


def _fill_xml(token: str) -> str:
    if token.startswith("#"):
        return f'<fill xmlns="{MAIN}"><patternFill patternType="solid"><fgColor rgb="FF{token[1:].upper()}"/><bgColor indexed="64"/></patternFill></fill>'
    data = json.loads(token)

    def color(tag: str, spec: list[Any] | None) -> str:
        if not spec or spec[1] is None:
            return ""
        kind, value, tint = spec
        attrs = f'{kind}="{1 if value is True else value}"'
        if tint:
            attrs += f' tint="{tint!r}"'
        return f"<{tag} {attrs}/>"

    return f'<fill xmlns="{MAIN}"><patternFill patternType="{data.get("type") or "none"}">{color("fgColor", data.get("fg"))}{color("bgColor", data.get("bg"))}</patternFill></fill>'


class _Styles:
    """styles.xml, with fills, fonts, number formats and cell formats added on demand."""

    def __init__(self, data: bytes | None):
        if data is None:
            data = (
                f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>'
            ).encode()
        self.root = etree.fromstring(data, _SAFE)
        self.fonts = self._section("fonts")
        self.fills = self._section("fills")
        self.xfs = self._section("cellXfs")
        self._fill_ids: dict[str, int] = {}
        self._font_ids: dict[str, int] = {}
        self._fmt_ids: dict[str, int] = {}
        self._xf_ids: dict[Any, int] = {}
        self._xf_sigs: dict[Any, int] | None = None
        self.changed = False

    def _section(self, tag: str) -> Any:
        el = self.root.find(_q(tag))
        if el is None:
            raise UnsupportedWorkbook(f"styles.xml sans <{tag}>")
        return el

    def fill_token_of_xf(self, xf_index: int) -> str | None:
        xfs = list(self.xfs)
        if xf_index >= len(xfs):
            return None
        fill_id = int(xfs[xf_index].get("fillId", 0) or 0)
        fills = list(self.fills)
        return _fill_token(fills[fill_id] if fill_id < len(fills) else None, fill_id)

    def fill_id(self, token: str | None) -> int:
        if token is None:
            return 0
        if token.startswith("fillid:"):
            return int(token[7:])
        if token not in self._fill_ids:
            for i, existing in enumerate(self.fills):  # the same fill already declared
                if i > 1 and _fill_token(existing, i) == token:
                    self._fill_ids[token] = i
                    return i
            self.fills.append(etree.fromstring(_fill_xml(token)))
            self.fills.set("count", str(len(self.fills)))
            self._fill_ids[token] = len(self.fills) - 1
            self.changed = True
        return self._fill_ids[token]

    def font_id(self, kind: str) -> int:
        if kind == "normal":
            return 0
        if kind not in self._font_ids:
            parts = {
                "bold": "<b/><sz val=\"11\"/><name val=\"Calibri\"/>",
                "title": "<b/><sz val=\"14\"/><name val=\"Calibri\"/>",
                "header": "<b/><sz val=\"11\"/><color rgb=\"FFFFFFFF\"/><name val=\"Calibri\"/>",
                "link": "<u/><sz val=\"11\"/><color rgb=\"FF0563C1\"/><name val=\"Calibri\"/>",
            }[kind]
            font = etree.fromstring(f'<font xmlns="{MAIN}">{parts}</font>')
            sig = _sig(font)
            same = next((i for i, f in enumerate(self.fonts) if _sig(f) == sig), None)  # written by a previous run
            if same is not None:
                self._font_ids[kind] = same
                return same
            self.fonts.append(font)
            self.fonts.set("count", str(len(self.fonts)))
            self._font_ids[kind] = len(self.fonts) - 1
            self.changed = True
        return self._font_ids[kind]

    def numfmt_id(self, code: str | None) -> int:
        if not code:
            return 0
        if code not in self._fmt_ids:
            fmts = self.root.find(_q("numFmts"))
            if fmts is None:
                fmts = etree.Element(_q("numFmts"))
                self.root.insert(0, fmts)
            used = [int(f.get("numFmtId")) for f in fmts]
            for f in fmts:
                if f.get("formatCode") == code:
                    self._fmt_ids[code] = int(f.get("numFmtId"))
                    return self._fmt_ids[code]
            new_id = max([163] + used) + 1
            el = etree.SubElement(fmts, _q("numFmt"))
            el.set("numFmtId", str(new_id))
            el.set("formatCode", code)
            fmts.set("count", str(len(fmts)))
            self._fmt_ids[code] = new_id
            self.changed = True
        return self._fmt_ids[code]

    def with_fill(self, base: int, token: str | None) -> int:
        """Index of a cell format equal to ``base`` but with the given fill (number format,
        font, borders, alignment kept). An identical existing format is reused, so that
        painting then restoring gives the cell its very own format back and re-runs do not
        grow ``styles.xml``."""
        key = ("clone", base, token)
        if key not in self._xf_ids:
            xfs = list(self.xfs)
            src = xfs[base] if base < len(xfs) else xfs[0]
            fill_id = self.fill_id(token)
            if int(src.get("fillId", 0) or 0) == fill_id:
                self._xf_ids[key] = base
                return base
            clone = etree.fromstring(etree.tostring(src))
            clone.set("fillId", str(fill_id))
            if fill_id:
                clone.set("applyFill", "1")
            else:
                clone.attrib.pop("applyFill", None)
            self._xf_ids[key] = self._declare_xf(clone)
        return self._xf_ids[key]

    def _declare_xf(self, xf: Any) -> int:
        """Index of the cell format ``xf``: an identical one already declared (by the file or
        a previous run), else ``xf`` appended."""
        if self._xf_sigs is None:
            self._xf_sigs = {}
            for i, existing in enumerate(self.xfs):
                self._xf_sigs.setdefault(_sig(existing), i)
        sig = _sig(xf)
        if sig not in self._xf_sigs:
            self.xfs.append(xf)
            self.xfs.set("count", str(len(self.xfs)))
            self._xf_sigs[sig] = len(self.xfs) - 1
            self.changed = True
        return self._xf_sigs[sig]

    def new_xf(self, *, font: str = "normal", fill: str | None = None, numfmt: str | None = None, wrap: bool = False, top: bool = False, quote: bool = False) -> int:
        key = ("new", font, fill, numfmt, wrap, top, quote)
        if key not in self._xf_ids:
            if (font, fill, numfmt, wrap, top, quote) == ("normal", None, None, False, False, False):
                return 0
            attrs = {
                "numFmtId": str(self.numfmt_id(numfmt)),
                "fontId": str(self.font_id(font)),
                "fillId": str(self.fill_id(fill)),
                "borderId": "0",
                "xfId": "0",
            }
            xf = etree.Element(_q("xf"), attrs)
            if numfmt:
                xf.set("applyNumberFormat", "1")
            if font != "normal":
                xf.set("applyFont", "1")
            if fill:
                xf.set("applyFill", "1")
            if quote:  # text starting with = + - @ stays text when the cell is edited in Excel
                xf.set("quotePrefix", "1")
            if wrap or top:
                xf.set("applyAlignment", "1")
                al = etree.SubElement(xf, _q("alignment"))
                if wrap:
                    al.set("wrapText", "1")
                if top:
                    al.set("vertical", "top")
            self._xf_ids[key] = self._declare_xf(xf)
        return self._xf_ids[key]

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------------------
# the package
# ---------------------------------------------------------------------------

@dataclass
class _Sheet:
    name: str
    rid: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    state: str | None = None


_HIDDEN = ' hidden="1"'


@dataclass
class _NewSheet:
    header: list[Column]
    rows: list[list[Any]]
    title: str | None
    preamble: list[list[Any]]
    freeze: bool
    fit_width: bool
    header_row: int
    fills: dict[tuple[int, int], str | None] = field(default_factory=dict)
    notes: dict[tuple[int, int], str | None] = field(default_factory=dict)
    charts: list["BarChart"] = field(default_factory=list)
    validations: list[str] = field(default_factory=list)  # <dataValidation> elements

    def grid(self) -> dict[tuple[int, int], tuple[Any, str]]:
        """(row, col) -> (value, role) with role in title/label/pre/header/body."""
        out: dict[tuple[int, int], tuple[Any, str]] = {}
        if self.title:
            out[(1, 1)] = (self.title, "title")
        start = 3 if self.title else 1
        for i, line in enumerate(self.preamble, start=start):
            for j, v in enumerate(line, start=1):
                out[(i, j)] = (v, "label" if j == 1 else "pre")
        for j, c in enumerate(self.header, start=1):
            out[(self.header_row, j)] = (c.header, "header")
        for i, line in enumerate(self.rows, start=self.header_row + 1):
            for j, v in enumerate(line, start=1):
                out[(i, j)] = (v, "body")
        return out

    def values(self) -> list[list[Any]]:
        grid = self.grid()
        if not grid:
            return []
        nrows = max(r for r, _ in grid)
        ncols = max(c for _, c in grid)
        out = [[None] * ncols for _ in range(nrows)]
        for (r, c), (v, _role) in grid.items():
            out[r - 1][c - 1] = v
        return out


@dataclass(frozen=True)
class BarChart:
    """A column chart of a sheet written by ``write_sheet``: one series per value column
    (its header as name), categories from another column, rows ``first``..``last``."""

    title: str
    category_col: int
    value_cols: tuple[int, ...]
    header_row: int
    first: int
    last: int
    anchor: tuple[int, int]  # (row, col) of the top-left corner
    stacked: bool = True
    y_title: str = ""
    y_format: str = "#,##0"
    width_cm: float = 16.0
    height_cm: float = 9.0


CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
T_DRAWING = REL + "/drawing"
T_CHART = REL + "/chart"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"


def _chart_xml(sheet: str, chart: BarChart) -> bytes:
    quoted = "'" + sheet.replace("'", "''") + "'"

    def ref(col: int, r1: int, r2: int | None = None) -> str:
        letters = re.sub(r"\d+", "", cell_ref(1, col))
        return f"{quoted}!${letters}${r1}" + (f":${letters}${r2}" if r2 is not None else "")

    def rich(text: str) -> str:
        return f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{_text(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'

    series = "".join(
        f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx><c:strRef><c:f>{_text(ref(col, chart.header_row))}</c:f></c:strRef></c:tx>'
        f'<c:cat><c:strRef><c:f>{_text(ref(chart.category_col, chart.first, chart.last))}</c:f></c:strRef></c:cat>'
        f'<c:val><c:numRef><c:f>{_text(ref(col, chart.first, chart.last))}</c:f></c:numRef></c:val></c:ser>'
        for i, col in enumerate(chart.value_cols)
    )
    grouping = "stacked" if chart.stacked else "clustered"
    overlap = '<c:overlap val="100"/>' if chart.stacked else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{REL}"><c:chart>'
        f'{rich(chart.title)}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        f'<c:barChart><c:barDir val="col"/><c:grouping val="{grouping}"/><c:varyColors val="0"/>{series}<c:gapWidth val="150"/>{overlap}'
        '<c:axId val="10"/><c:axId val="100"/></c:barChart>'
        '<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/>'
        '<c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/><c:crossAx val="100"/><c:crosses val="autoZero"/></c:catAx>'
        '<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
        f'{rich(chart.y_title) if chart.y_title else ""}<c:numFmt formatCode="{_text(chart.y_format)}" sourceLinked="0"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="10"/><c:crosses val="autoZero"/></c:valAx>'
        '</c:plotArea><c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/></c:chart></c:chartSpace>'
    ).encode("utf-8")


def _drawing_xml(charts: list[BarChart]) -> bytes:
    anchors = "".join(
        f'<xdr:oneCellAnchor><xdr:from><xdr:col>{c.anchor[1] - 1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{c.anchor[0] - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
        f'<xdr:ext cx="{int(c.width_cm * 360000)}" cy="{int(c.height_cm * 360000)}"/>'
        f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 2}" name="Graphique {i + 1}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
        '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
        f'<a:graphic><a:graphicData uri="{_C}"><c:chart xmlns:c="{_C}" r:id="rId{i + 1}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>'
        for i, c in enumerate(charts)
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}" xmlns:r="{REL}">{anchors}</xdr:wsDr>'.encode("utf-8")


def _rels_path(part: str) -> str:
    p = PurePosixPath(part)
    return str(p.parent / "_rels" / (p.name + ".rels"))


def _resolve(base_part: str, target: str) -> str:
    """``WorkbookError`` (French) when ``target`` climbs above the package root."""
    return resolve_part(base_part, target)


def _relative(base_part: str, target_part: str) -> str:
    base = PurePosixPath(base_part).parent.parts
    target = PurePosixPath(target_part).parts
    i = 0
    while i < min(len(base), len(target)) and base[i] == target[i]:
        i += 1
    return "/".join([".."] * (len(base) - i) + list(target[i:]))


class FastFileWorkbook:
    """A big .xlsx read with calamine and patched in place on save (see module doc)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        try:
            self._data = self.path.read_bytes()
            self._zip = zipfile.ZipFile(io.BytesIO(self._data))
            check_archive(self._zip, self.path.name)
            self._parts = {i.filename: i for i in self._zip.infolist()}
            self._workbook_part = self._main_part()
            self._wb_root = etree.fromstring(self._zip.read(self._workbook_part), _SAFE)
            self._wb_rels = etree.fromstring(self._zip.read(_rels_path(self._workbook_part)), _SAFE)
        except FileNotFoundError as exc:
            raise WorkbookError(f"Classeur introuvable : {self.path}") from exc
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError) as exc:
            raise WorkbookError(unreadable_message(self.path.name, exc)) from exc
        self._sheets: list[_Sheet] = []
        rels = {r.get("Id"): r for r in self._wb_rels}
        sheets_el = self._wb_root.find(_q("sheets"))
        for s in sheets_el if sheets_el is not None else []:
            rid = s.get(_q("id", REL))
            rel = rels.get(rid)
            if rel is None:
                continue
            self._sheets.append(_Sheet(s.get("name"), rid, _resolve(self._workbook_part, rel.get("Target")), s.get("state")))
        self._calamine: Any = None
        self._values: dict[str, list[list[Any]]] = {}
        self._new: dict[str, _NewSheet] = {}
        self._deleted: set[str] = set()
        self._hidden: set[str] = set()
        self._fills: dict[str, dict[tuple[int, int], str | None]] = {}
        self._validations: dict[str, list[str]] = {}  # existing sheet -> new <dataValidation> elements
        self._notes: dict[str, dict[tuple[int, int], str | None]] = {}
        self._row_index: dict[str, dict[int, tuple[int, int]]] = {}
        self._cell_styles: dict[str, dict[int, dict[int, int]]] = {}
        self._comments: dict[str, dict[str, str]] = {}
        self._styles: _Styles | None = None
        self._xml_cache: dict[str, bytes] = {}
        self.uncached: dict[str, list[tuple[int, int]]] = {}

    def _main_part(self) -> str:
        root = etree.fromstring(self._zip.read("_rels/.rels"), _SAFE)
        for rel in root:
            if rel.get("Type", "").endswith("/officeDocument"):
                return rel.get("Target").lstrip("/")
        raise WorkbookError(f"{self.path.name} n'est pas un classeur Excel (partie principale absente).")

    def _info(self, sheet: str) -> _Sheet:
        for s in self._sheets:
            if s.name == sheet and sheet not in self._deleted:
                return s
        raise WorkbookError(f"La feuille « {sheet} » est absente du classeur {self.path.name}.")

    # -- reading ---------------------------------------------------------
    def sheet_names(self) -> list[str]:
        names = [s.name for s in self._sheets if s.name not in self._deleted]
        return names + [n for n in self._new if n not in names]

    def read_values(self, sheet: str) -> list[list[Any]]:
        if sheet in self._new:
            return self._new[sheet].values()
        self._info(sheet)
        if sheet not in self._values:
            import python_calamine

            try:
                if self._calamine is None:
                    self._calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._data))
                raw = self._calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:  # calamine raises its own errors on broken parts
                raise WorkbookError(unreadable_message(self.path.name, exc, sheet=sheet)) from exc
            values = []
            for line in raw:
                row = [None if v == "" else (datetime(v.year, v.month, v.day) if type(v) is date else v) for v in line]
                values.append(row)
            self._formulas_without_value(sheet, values)
            while values and all(v is None for v in values[-1]):
                values.pop()
            self._values[sheet] = values
        return self._values[sheet]

    def read_head(self, sheet: str, n: int) -> list[list[Any]]:
        return self.read_values(sheet)[:n]

    def read_alerts(self) -> list[Any]:
        """Warnings about what was read (formulas without a saved value), one per sheet."""
        return uncached_formula_alerts(self.uncached)

    def _formulas_without_value(self, sheet: str, values: list[list[Any]]) -> None:
        """calamine reads the value saved with each formula (what Excel shows); a formula saved
        without a value reads as empty there. Such cells get the formula's text, as in
        ``FileWorkbook``, and are counted in ``uncached``."""
        xml = self._sheet_xml(sheet)
        if b"<f" not in xml:
            return
        missing = []
        for m in _FORMULA_CELL.finditer(xml):
            body = m.group(2)
            if _HAS_VALUE.search(body):
                continue
            ref = _CELL_REF.match(m.group(1).decode("ascii"))
            if ref is None:
                continue
            row, col = int(ref.group(2)), col_index(ref.group(1))
            f = _FORMULA_TEXT.search(body)
            text = "=" + html.unescape(f.group(1).decode("utf-8")) if f else "="
            while len(values) < row:
                values.append([])
            line = values[row - 1]
            line.extend([None] * (col - len(line)))
            if line[col - 1] in (None, ""):
                line[col - 1] = text
            missing.append((row, col))
        if missing:
            self.uncached[sheet] = missing

    def _sheet_xml(self, sheet: str) -> bytes:
        part = self._info(sheet).part
        if part not in self._xml_cache:
            self._xml_cache[part] = self._zip.read(part)
        return self._xml_cache[part]

    def _rows(self, sheet: str) -> dict[int, tuple[int, int]]:
        """row number -> (start, end) byte span of its <row> element."""
        if sheet not in self._row_index:
            data = self._sheet_xml(sheet)
            prefix = _prefix(data)
            index: dict[int, tuple[int, int]] = {}
            row_re = re.compile(rb"<" + prefix + rb"row\b[^>]*?\br=\"(\d+)\"[^>]*?(/?)>")
            end_tag = b"</" + prefix + b"row>"
            for m in row_re.finditer(data):
                if m.group(2):
                    index[int(m.group(1))] = (m.start(), m.end())
                else:
                    end = data.index(end_tag, m.end()) + len(end_tag)
                    index[int(m.group(1))] = (m.start(), end)
            self._row_index[sheet] = index
        return self._row_index[sheet]

    def _style_of(self, sheet: str, row: int, col: int) -> int:
        rows = self._rows(sheet)
        cache = self._cell_styles.setdefault(sheet, {})
        if row not in cache:
            cells: dict[int, int] = {}
            span = rows.get(row)
            if span is not None:
                data = self._sheet_xml(sheet)
                for m in _cell_re(_prefix(data)).finditer(data, span[0], span[1]):
                    attrs = m.group(1)
                    r = re.search(rb'\br="([A-Z]+)\d+"', attrs)
                    s = re.search(rb'\bs="(\d+)"', attrs)
                    if r is not None:
                        cells[col_index(r.group(1).decode())] = int(s.group(1)) if s else 0
            cache[row] = cells
        return cache[row].get(col, 0)

    def _recorded(self, sheet: str, row: int, col: int, kind: str) -> tuple[bool, Any]:
        """(True, value) when this session set the cell's fill or note (``kind``: "fills" or
        "notes"), else (False, None): the file holds the answer."""
        if sheet in self._new:
            return True, getattr(self._new[sheet], kind).get((row, col))
        pending = (self._fills if kind == "fills" else self._notes).get(sheet, {})
        return ((row, col) in pending), pending.get((row, col))

    def get_fill(self, sheet: str, row: int, col: int) -> str | None:
        found, token = self._recorded(sheet, row, col, "fills")
        return token if found else self.styles.fill_token_of_xf(self._style_of(sheet, row, col))

    def _load_comments(self, sheet: str) -> dict[str, str]:
        if sheet not in self._comments:
            found: dict[str, str] = {}
            part = self._related(self._info(sheet).part, T_COMMENTS)
            if part:
                root = etree.fromstring(self._zip.read(part), _SAFE)
                for c in root.iter(_q("comment")):
                    found[c.get("ref")] = "".join(t.text or "" for t in c.iter(_q("t")))
            self._comments[sheet] = found
        return self._comments[sheet]

    def get_note(self, sheet: str, row: int, col: int) -> str | None:
        found, text = self._recorded(sheet, row, col, "notes")
        return text if found else self._load_comments(sheet).get(cell_ref(row, col))

    def has_note(self, sheet: str, row: int, col: int) -> bool:
        return self.get_note(sheet, row, col) is not None

    @property
    def styles(self) -> _Styles:
        if self._styles is None:
            part = self._related(self._workbook_part, REL + "/styles")
            self._styles = _Styles(self._zip.read(part) if part else None)
            self._styles_part = part or "xl/styles.xml"
        return self._styles

    def _related(self, part: str, rel_type: str) -> str | None:
        rels = _rels_path(part)
        if rels not in self._parts:
            return None
        for rel in etree.fromstring(self._zip.read(rels), _SAFE):
            if rel.get("Type") == rel_type and rel.get("TargetMode") != "External":
                return _resolve(part, rel.get("Target"))
        return None

    # -- writing ---------------------------------------------------------
    def write_sheet(self, sheet: str, header: list[Column | str], rows: list[list[Any]], *, title: str | None = None, replace: bool = True, freeze: bool = True, preamble: list[list[Any]] | None = None, fit_width: bool = True) -> int:
        if sheet in self.sheet_names() and not replace:
            raise WorkbookError(f"La feuille « {sheet} » existe déjà.")
        cols = [c if isinstance(c, Column) else Column(c) for c in header]
        header_row = 3 if title else 1
        if preamble:
            header_row += len(preamble) + 1
        self._deleted.discard(sheet)
        self._fills.pop(sheet, None)
        self._notes.pop(sheet, None)
        self._validations.pop(sheet, None)
        self._new[sheet] = _NewSheet(cols, [list(r) for r in rows], title, [list(p) for p in preamble or []], freeze, fit_width, header_row)
        return header_row

    def write_cells(self, sheet: str, cells: dict[tuple[int, int], Any]) -> None:
        if sheet in self._new:
            spec = self._new[sheet]
            for (r, c), v in cells.items():
                i = r - spec.header_row - 1
                if i < 0:
                    raise UnsupportedWorkbook("écriture au-dessus de l'en-tête d'une feuille créée")
                while len(spec.rows) <= i:
                    spec.rows.append([])
                line = spec.rows[i]
                line.extend([None] * (c - len(line)))
                line[c - 1] = v
            return
        raise UnsupportedWorkbook("modification de valeurs d'une feuille existante (utilisez FileWorkbook)")

    def fill(self, sheet: str, cells: Iterable[tuple[int, int]], color: str | None) -> None:
        target = self._new[sheet].fills if sheet in self._new else self._fills.setdefault(self._info(sheet).name, {})
        for rc in cells:
            target[rc] = color

    def set_note(self, sheet: str, row: int, col: int, text: str | None) -> None:
        target = self._new[sheet].notes if sheet in self._new else self._notes.setdefault(self._info(sheet).name, {})
        target[(row, col)] = text

    def set_list_validation(self, sheet: str, first_row: int, last_row: int, col: int, values: list[str], *, title: str | None = None, error: str | None = None) -> None:
        if last_row < first_row:
            return
        element = _validation_xml(first_row, last_row, col, values, title=title, error=error)
        if sheet in self._new:
            self._new[sheet].validations.append(element)
        else:
            self._validations.setdefault(self._info(sheet).name, []).append(element)

    def hide_sheet(self, sheet: str) -> None:
        if sheet not in self.sheet_names():
            raise WorkbookError(f"La feuille « {sheet} » est absente du classeur {self.path.name}.")
        self._hidden.add(sheet)

    def add_bar_chart(self, sheet: str, chart: BarChart) -> None:
        """Add a column chart to a sheet written by ``write_sheet`` in this session."""
        if sheet not in self._new:
            raise UnsupportedWorkbook("graphique sur une feuille existante (utilisez FileWorkbook)")
        self._new[sheet].charts.append(chart)

    def delete_sheet(self, sheet: str) -> None:
        self._new.pop(sheet, None)
        if any(s.name == sheet for s in self._sheets):
            self._deleted.add(sheet)
        self._hidden.discard(sheet)

    # -- saving ----------------------------------------------------------
    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        target = Path(path) if path else self.path
        atomic_write(target, self.to_bytes())

    def to_bytes(self) -> bytes:
        out: dict[str, bytes] = {}
        removed: set[str] = set()
        ct_root = etree.fromstring(self._zip.read("[Content_Types].xml"), _SAFE)
        wb_root, wb_rels = self._wb_root, self._wb_rels
        sheets_el = wb_root.find(_q("sheets"))
        ct = _ContentTypes(ct_root)

        # existing sheets: fills, notes and validations
        for sheet in dict.fromkeys(list(self._fills) + list(self._notes) + list(self._validations)):
            if sheet in self._deleted or sheet in self._new:
                continue
            self._patch_sheet(sheet, out, removed, ct)

        # deleted sheets
        for sheet in self._deleted:
            info = next(s for s in self._sheets if s.name == sheet)
            position = [s.name for s in self._sheets].index(sheet)
            for el in list(sheets_el):
                if el.get("name") == sheet:
                    sheets_el.remove(el)
            for rel in list(wb_rels):
                if rel.get("Id") == info.rid:
                    wb_rels.remove(rel)
            removed.add(info.part)
            removed.add(_rels_path(info.part))
            ct.remove_override(info.part)
            _shift_local_ids(wb_root, position)
            self._sheets = [s for s in self._sheets if s.name != sheet]

        # new or replaced sheets
        for sheet, spec in self._new.items():
            existing = next((s for s in self._sheets if s.name == sheet), None)
            if existing is not None:
                part = existing.part
                removed.add(_rels_path(part))  # its old comments etc. no longer apply
            else:
                part = self._free_part("xl/worksheets/sheet{}.xml", out)
                rid = _free_rid(wb_rels)
                etree.SubElement(wb_rels, _q("Relationship", PKG_REL), Id=rid, Type=T_WORKSHEET, Target=_relative(self._workbook_part, part))
                sheet_id = max([int(e.get("sheetId", 0)) for e in sheets_el] + [0]) + 1
                el = etree.SubElement(sheets_el, _q("sheet"), name=sheet, sheetId=str(sheet_id))
                el.set(_q("id", REL), rid)
                ct.override(part, CT_WORKSHEET)
                self._sheets.append(_Sheet(sheet, rid, part))
            out[part] = self._render_new(spec)
            if spec.charts:
                out[part] = self._attach_charts(sheet, part, out[part], spec.charts, out, ct)
            if any(t is not None for t in spec.notes.values()):
                comments = {cell_ref(r, c): t for (r, c), t in spec.notes.items() if t is not None}
                sheet_xml = self._attach_comments(part, out[part], comments, {}, out, removed, ct, sheet_index=len(self._sheets) + 1)
                out[part] = sheet_xml

        # hidden state
        for el in sheets_el:
            if el.get("name") in self._hidden:
                el.set("state", "hidden")
        _fix_active_tab(wb_root, sheets_el)

        if self._styles is not None and self._styles.changed:
            out[self._styles_part] = self._styles.to_bytes()
        out[self._workbook_part] = etree.tostring(wb_root, xml_declaration=True, encoding="UTF-8", standalone=True)
        out[_rels_path(self._workbook_part)] = etree.tostring(wb_rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        out["[Content_Types].xml"] = etree.tostring(ct_root, xml_declaration=True, encoding="UTF-8", standalone=True)
        removed -= set(out)

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            written = set()
            for info in self._zip.infolist():
                name = info.filename
                if name in removed or name in written:
                    continue
                data = out.pop(name) if name in out else self._zip.read(name)
                z.writestr(name, data)
                written.add(name)
            for name, data in out.items():
                if name not in written:
                    z.writestr(name, data)
        return buf.getvalue()

    def _free_part(self, pattern: str, out: dict[str, bytes]) -> str:
        n = 1
        while pattern.format(n) in self._parts or pattern.format(n) in out:
            n += 1
        return pattern.format(n)

    def _attach_charts(self, sheet: str, part: str, sheet_xml: bytes, charts: list[BarChart], out: dict[str, bytes], ct: "_ContentTypes") -> bytes:
        """New drawing + chart parts for a sheet this session wrote (its old relationships
        are already dropped)."""
        drawing = self._free_part("xl/drawings/drawing{}.xml", out)
        drawing_rels = etree.Element(_q("Relationships", PKG_REL), nsmap={None: PKG_REL})
        for i, chart in enumerate(charts):
            chart_part = self._free_part("xl/charts/chart{}.xml", out)
            out[chart_part] = _chart_xml(sheet, chart)
            ct.override(chart_part, CT_CHART)
            etree.SubElement(drawing_rels, _q("Relationship", PKG_REL), Id=f"rId{i + 1}", Type=T_CHART, Target=_relative(drawing, chart_part))
        out[drawing] = _drawing_xml(charts)
        out[_rels_path(drawing)] = etree.tostring(drawing_rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        ct.override(drawing, CT_DRAWING)
        rels = etree.Element(_q("Relationships", PKG_REL), nsmap={None: PKG_REL})
        etree.SubElement(rels, _q("Relationship", PKG_REL), Id="rId1", Type=T_DRAWING, Target=_relative(part, drawing))
        out[_rels_path(part)] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        end = sheet_xml.rindex(b"</worksheet>")
        return sheet_xml[:end] + b'<drawing r:id="rId1"/>' + sheet_xml[end:]

    # -- patching an existing sheet ------------------------------------------
    def _patch_sheet(self, sheet: str, out: dict[str, bytes], removed: set[str], ct: "_ContentTypes") -> None:
        info = self._info(sheet)
        data = self._sheet_xml(sheet)
        fills = self._fills.get(sheet, {})
        if fills:
            data = self._patch_fills(sheet, data, fills)
        notes = self._notes.get(sheet, {})
        if notes:
            current = dict(self._load_comments(sheet))
            changed = {}
            for (r, c), text in notes.items():
                ref = cell_ref(r, c)
                if text is None:
                    current.pop(ref, None)
                else:
                    current[ref] = text
                changed[ref] = text
            data = self._attach_comments(info.part, data, current, changed, out, removed, ct, sheet_index=[s.name for s in self._sheets].index(sheet) + 1)
        if self._validations.get(sheet):
            data = _insert_validations(data, self._validations[sheet])
        out[info.part] = data

    def _patch_fills(self, sheet: str, data: bytes, fills: dict[tuple[int, int], str | None]) -> bytes:
        styles = self.styles
        prefix = _prefix(data)
        by_row: dict[int, dict[int, int]] = {}
        for (r, c), token in fills.items():
            by_row.setdefault(r, {})[c] = styles.with_fill(self._style_of(sheet, r, c), token)
        rows = self._rows(sheet)
        pieces: list[bytes] = []
        pos = 0
        missing = sorted(r for r in by_row if r not in rows)
        present = sorted((rows[r][0], r) for r in by_row if r in rows)
        # rows to insert go before the first existing row with a larger number
        ordered_rows = sorted(rows)
        inserts: dict[int, list[int]] = {}
        tail: list[int] = []
        import bisect

        for r in missing:
            k = bisect.bisect_right(ordered_rows, r)
            if k < len(ordered_rows):
                inserts.setdefault(rows[ordered_rows[k]][0], []).append(r)
            else:
                tail.append(r)
        events = sorted([(start, "row", r) for start, r in present] + [(start, "insert", rs) for start, rs in inserts.items()], key=lambda e: (e[0], e[1] != "insert"))
        for start, kind, payload in events:
            pieces.append(data[pos:start])
            pos = start
            if kind == "insert":
                for r in payload:
                    pieces.append(_new_row(prefix, r, by_row[r]))
            else:
                r = payload
                s, e = rows[r]
                pieces.append(_patch_row(prefix, data[s:e], r, by_row[r]))
                pos = e
        if tail:
            close = re.compile(rb"</" + prefix + rb"sheetData>")
            m = close.search(data, pos)
            if m is None:  # <sheetData/>
                m2 = re.compile(rb"<" + prefix + rb"sheetData\s*/>").search(data, pos)
                if m2 is None:
                    raise UnsupportedWorkbook("feuille sans <sheetData>")
                pieces.append(data[pos:m2.start()])
                pieces.append(b"<" + prefix + b"sheetData>" + b"".join(_new_row(prefix, r, by_row[r]) for r in tail) + b"</" + prefix + b"sheetData>")
                pos = m2.end()
            else:
                pieces.append(data[pos:m.start()])
                pieces.extend(_new_row(prefix, r, by_row[r]) for r in tail)
                pos = m.start()
        pieces.append(data[pos:])
        return b"".join(pieces)

    # -- comments + VML ---------------------------------------------------------
    def _attach_comments(self, part: str, sheet_xml: bytes, comments: dict[str, str], changed: dict[str, str | None], out: dict[str, bytes], removed: set[str], ct: "_ContentTypes", *, sheet_index: int) -> bytes:
        rels_name = _rels_path(part)
        if rels_name in out:
            rels_root = etree.fromstring(out[rels_name], _SAFE)
        elif rels_name in self._parts and rels_name not in removed:
            rels_root = etree.fromstring(self._zip.read(rels_name), _SAFE)
        else:
            rels_root = etree.Element(_q("Relationships", PKG_REL), nsmap={None: PKG_REL})
        removed.discard(rels_name)
        comments_rel = next((r for r in rels_root if r.get("Type") == T_COMMENTS), None)
        vml_rel = next((r for r in rels_root if r.get("Type") == T_VML), None)
        old_comments_part = _resolve(part, comments_rel.get("Target")) if comments_rel is not None else None
        vml_part = _resolve(part, vml_rel.get("Target")) if vml_rel is not None else None
        if vml_part and vml_part in self._parts:
            vml_text = self._zip.read(vml_part)
            shapes = len(re.findall(rb"<(?:[\w.-]+:)?shape[\s>/]", vml_text))
            notes_shapes = len(re.findall(rb'ObjectType="Note"', vml_text))
            if shapes != notes_shapes:
                raise UnsupportedWorkbook("dessin VML avec d'autres objets que des notes")
        # keep the original XML of untouched comments (rich text, authors)
        authors: list[str] = []
        kept: dict[str, bytes] = {}
        if old_comments_part and old_comments_part in self._parts:
            root = etree.fromstring(self._zip.read(old_comments_part), _SAFE)
            authors = [a.text or "" for a in root.iter(_q("author"))]
            for c in root.iter(_q("comment")):
                if c.get("ref") not in changed and c.get("ref") in comments:
                    kept[c.get("ref")] = etree.tostring(c)
        if AUTHOR not in authors:
            authors.append(AUTHOR)
        if not comments:
            for rel in (comments_rel, vml_rel):
                if rel is not None:
                    rels_root.remove(rel)
            for p in (old_comments_part, vml_part):
                if p:
                    removed.add(p)
                    ct.remove_override(p)
            sheet_xml = re.sub(rb"<(?:\w+:)?legacyDrawing\b[^>]*/>", b"", sheet_xml)
            if len(rels_root):
                out[rels_name] = etree.tostring(rels_root, xml_declaration=True, encoding="UTF-8", standalone=True)
            else:
                removed.add(rels_name)
            return sheet_xml
        reglo_author = authors.index(AUTHOR)

        def sort_key(ref: str) -> tuple[int, int]:
            m = _CELL_REF.fullmatch(ref)
            return (int(m.group(2)), col_index(m.group(1))) if m else (0, 0)

        items = []
        for ref in sorted(comments, key=sort_key):
            if ref in kept:
                items.append(kept[ref].decode())
            else:
                items.append(f'<comment ref="{ref}" authorId="{reglo_author}"><text><r><rPr><sz val="9"/><rFont val="Tahoma"/></rPr><t xml:space="preserve">{_text(comments[ref])}</t></r></text></comment>')
        comments_xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}"><authors>'
            + "".join(f"<author>{_text(a)}</author>" for a in authors)
            + "</authors><commentList>"
            + "".join(items)
            + "</commentList></comments>"
        ).encode()
        comments_part = old_comments_part or self._free_part("xl/comments/comment{}.xml", out)
        out[comments_part] = comments_xml
        ct.override(comments_part, CT_COMMENTS)
        if comments_rel is None:
            etree.SubElement(rels_root, _q("Relationship", PKG_REL), Id=_free_rid(rels_root), Type=T_COMMENTS, Target=_relative(part, comments_part))
        new_vml = vml_part or self._free_part("xl/drawings/commentsDrawing{}.vml", out)
        out[new_vml] = _vml([sort_key(r) for r in sorted(comments, key=sort_key)], block=1000 + sheet_index * 4,
                            texts=[comments[r] for r in sorted(comments, key=sort_key)])
        ct.default("vml", CT_VML)
        if vml_rel is None:
            rid = _free_rid(rels_root)
            etree.SubElement(rels_root, _q("Relationship", PKG_REL), Id=rid, Type=T_VML, Target=_relative(part, new_vml))
            sheet_xml = _insert_legacy_drawing(sheet_xml, rid)
        out[rels_name] = etree.tostring(rels_root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return sheet_xml

    # -- new sheets -------------------------------------------------------------
    def _render_new(self, spec: _NewSheet) -> bytes:
        st = self.styles
        grid = spec.grid()
        wrap_cols = {j for j, c in enumerate(spec.header, start=1) if c.wrap}
        rows: dict[int, list[str]] = {}
        heights: dict[int, float] = {}
        for (r, c) in sorted(set(grid) | set(spec.fills), key=lambda k: (k[0], k[1])):
            value, role = grid.get((r, c), (None, "body"))
            fill = spec.fills.get((r, c))
            numfmt = None
            font = {"title": "title", "label": "bold", "header": "header"}.get(role, "normal")
            if role == "header":
                fill = fill or HEADER_FILL
            elif role == "pre":
                numfmt = display_format(value)  # amounts and dates of a summary (« Montant importable »…)
            wrap = top = False
            if role == "body":
                col = spec.header[c - 1] if c <= len(spec.header) else None
                numfmt = display_format(value, col.number_format if col else None)
                if wrap_cols:
                    top = True
                    wrap = c in wrap_cols
                if isinstance(value, Formula) and value.upper().startswith("=HYPERLINK("):
                    font = "link"
            style = st.new_xf(font=font, fill=fill, numfmt=numfmt, wrap=wrap, top=top, quote=needs_quote(value))
            rows.setdefault(r, []).append(_cell_xml(r, c, value, style))
            if role == "body" and wrap_cols and c in wrap_cols and isinstance(value, str):
                width = spec.header[c - 1].width or 10
                per_line = max(1, int(width * 1.15))
                lines = sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))
                if lines > 1:
                    heights[r] = max(heights.get(r, 0), 15 * lines)
        cols = "".join(
            f'<col min="{j}" max="{j}" width="{width:g}" customWidth="1"{_HIDDEN if j <= len(spec.header) and spec.header[j - 1].hidden else ""}/>'
            for j, width in enumerate(column_widths(spec.header, spec.preamble, spec.rows), start=1)
        )
        pane = ""
        if spec.freeze:
            top_left = cell_ref(spec.header_row + 1, 1)
            pane = f'<pane ySplit="{spec.header_row}" topLeftCell="{top_left}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{top_left}" sqref="{top_left}"/>'
        body = "".join(
            f'<row r="{r}"' + (f' ht="{heights[r]}" customHeight="1"' if r in heights else "") + ">" + "".join(cells) + "</row>"
            for r, cells in sorted(rows.items())
        )
        sheet_pr = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if spec.fit_width else ""
        setup = '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>' if spec.fit_width else ""
        xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            f"{sheet_pr}<sheetViews><sheetView workbookViewId=\"0\">{pane}</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + f"<sheetData>{body}</sheetData>"
            + (f'<dataValidations count="{len(spec.validations)}">{"".join(spec.validations)}</dataValidations>' if spec.validations else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f"{setup}</worksheet>"
        )
        return xml.encode("utf-8")


# ---------------------------------------------------------------------------
# XML helpers
# ---------------------------------------------------------------------------

def _prefix(data: bytes) -> bytes:
    m = re.search(rb"<(\w+:)?worksheet\b", data[:4000])
    return (m.group(1) or b"") if m else b""


_CELL_RES: dict[bytes, Any] = {}


def _cell_re(prefix: bytes) -> Any:
    if prefix not in _CELL_RES:
        _CELL_RES[prefix] = re.compile(rb"<" + prefix + rb"c\b([^>]*?)(/>|>.*?</" + prefix + rb"c>)", re.S)
    return _CELL_RES[prefix]


def _patch_row(prefix: bytes, row_xml: bytes, r: int, styles: dict[int, int]) -> bytes:
    head_end = row_xml.index(b">") + 1
    head = row_xml[:head_end]
    head = re.sub(rb'\sspans="[^"]*"', b"", head)
    if head.endswith(b"/>"):
        head = head[:-2] + b">"
        body, tail = b"", b"</" + prefix + b"row>"
    else:
        tail_start = row_xml.rindex(b"</")
        body, tail = row_xml[head_end:tail_start], row_xml[tail_start:]
    pending = dict(styles)
    out: list[bytes] = []
    pos = 0
    for m in _cell_re(prefix).finditer(body):
        attrs = m.group(1)
        ref = re.search(rb'\br="([A-Z]+)(\d+)"', attrs)
        if ref is None:
            raise UnsupportedWorkbook("cellule sans référence r=")
        c = col_index(ref.group(1).decode())
        # new cells that come before this one
        for nc in sorted(k for k in pending if k < c):
            out.append(body[pos:m.start()])
            pos = m.start()
            out.append(_empty_cell(prefix, r, nc, pending.pop(nc)))
        if c in pending:
            s = pending.pop(c)
            if re.search(rb'\bs="\d+"', attrs):
                new_attrs = re.sub(rb'\bs="\d+"', b's="%d"' % s, attrs)
            else:
                new_attrs = attrs + b' s="%d"' % s
            out.append(body[pos:m.start()])
            out.append(b"<" + prefix + b"c" + new_attrs + m.group(2))
            pos = m.end()
    out.append(body[pos:])
    for nc in sorted(pending):
        out.append(_empty_cell(prefix, r, nc, pending[nc]))
    return head + b"".join(out) + tail


def _empty_cell(prefix: bytes, r: int, c: int, s: int) -> bytes:
    return b'<' + prefix + b'c r="' + cell_ref(r, c).encode() + b'" s="%d"/>' % s


def _new_row(prefix: bytes, r: int, styles: dict[int, int]) -> bytes:
    return b'<' + prefix + b'row r="%d">' % r + b"".join(_empty_cell(prefix, r, c, s) for c, s in sorted(styles.items())) + b"</" + prefix + b"row>"


def _cell_xml(r: int, c: int, value: Any, style: int) -> str:
    ref = cell_ref(r, c)
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, Formula):
        text = str(value)[1:] if str(value).startswith("=") else str(value)
        cached = ""
        m = re.fullmatch(r'HYPERLINK\(".*?","(.*)"\)', text, re.S)
        if m:
            cached = f"<v>{_text(m.group(1).replace(chr(34) * 2, chr(34)))}</v>"
        return f'<c r="{ref}"{s} t="str"><f>{_text(text)}</f>{cached}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            return f'<c r="{ref}"{s}/>'
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, datetime):
        serial = (value - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}"{s}><v>{serial:.10g}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}"{s}><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, time):
        value = value.isoformat()
    text = str(value)  # kept exactly: an inline string is never evaluated (quote prefix in the style)
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(text)}</t></is></c>'


def _vml(cells: list[tuple[int, int]], *, block: int, texts: list[str] | None = None) -> bytes:
    """Legacy drawing of the note boxes (Excel needs it to show notes), each sized to its text."""
    blocks = max(1, -(-len(cells) // 1000))
    idmap = ",".join(str(block + i) for i in range(blocks))
    shapes = []
    for i, (r, c) in enumerate(cells):
        sid = (block + i // 1000) * 1024 + (i % 1000) + 1
        r0, c0 = r - 1, c - 1
        width, height = note_size(texts[i] if texts else "")
        anchor = f"{c0 + 1}, 15, {max(0, r0 - 1)}, 10, {c0 + 1 + -(-width // 64)}, 15, {max(0, r0 - 1) + -(-height // 20)}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{sid}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:{width * 3 // 4}pt;height:{height * 3 // 4}pt;z-index:{i + 1};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData>'
            "</v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    ).encode("utf-8")


# CT_Worksheet: what may follow <dataValidations> (it comes after sheetData … conditionalFormatting)
_AFTER_VALIDATIONS = (b"hyperlinks", b"printOptions", b"pageMargins", b"pageSetup", b"headerFooter", b"rowBreaks", b"colBreaks",
                      b"customProperties", b"cellWatches", b"ignoredErrors", b"smartTags", b"drawing", b"legacyDrawing",
                      b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls", b"webPublishItems", b"tableParts", b"extLst")


def _validation_xml(first_row: int, last_row: int, col: int, values: list[str], *, title: str | None, error: str | None) -> str:
    """One ``<dataValidation type="list">`` (blank allowed, in-cell dropdown, stop on other values)."""
    from reglo.addin.backends.sheets import _dv_text, list_formula

    attrs = 'type="list" errorStyle="stop" allowBlank="1" showErrorMessage="1"'
    title, error = _dv_text(title, 32), _dv_text(error, 255)
    if title:
        attrs += f' errorTitle="{_attr(title)}"'
    if error:
        attrs += f' error="{_attr(error)}"'
    sqref = f"{cell_ref(first_row, col)}:{cell_ref(last_row, col)}"
    return f'<dataValidation {attrs} sqref="{sqref}"><formula1>{_text(list_formula(values))}</formula1></dataValidation>'


def _attr(text: str) -> str:
    return escape(_ILLEGAL.sub("", text), {'"': "&quot;", "\n": "&#10;"})


def _insert_validations(sheet_xml: bytes, elements: list[str]) -> bytes:
    """Add ``<dataValidation>`` elements to a sheet: into its ``<dataValidations>`` (count
    updated) or in a new one at its place in the schema order."""
    prefix = _prefix(sheet_xml)
    body = "".join(elements)
    if prefix:  # the sheet uses a prefixed main namespace: prefix our elements too
        p = prefix.decode()
        body = body.replace("<dataValidation ", f"<{p}dataValidation ").replace("</dataValidation>", f"</{p}dataValidation>")
        body = body.replace("<formula1>", f"<{p}formula1>").replace("</formula1>", f"</{p}formula1>")
    existing = re.compile(rb"<" + prefix + rb"dataValidations\b([^>]*?)(/?)>").search(sheet_xml)
    if existing:
        attrs = existing.group(1)
        m = re.search(rb'count="(\d+)"', attrs)
        count = (int(m.group(1)) if m else 0) + len(elements)
        attrs = re.sub(rb'\s*count="\d+"', b"", attrs) + b' count="' + str(count).encode() + b'"'
        if existing.group(2):  # <dataValidations/>
            new = b"<" + prefix + b"dataValidations" + attrs + b">" + body.encode() + b"</" + prefix + b"dataValidations>"
            return sheet_xml[: existing.start()] + new + sheet_xml[existing.end():]
        close = sheet_xml.index(b"</" + prefix + b"dataValidations>", existing.end())
        return (sheet_xml[: existing.start()] + b"<" + prefix + b"dataValidations" + attrs + b">" + sheet_xml[existing.end(): close]
                + body.encode() + sheet_xml[close:])
    element = (b"<" + prefix + b'dataValidations count="' + str(len(elements)).encode() + b'">' + body.encode()
               + b"</" + prefix + b"dataValidations>")
    return _insert_before(sheet_xml, prefix, element, _AFTER_VALIDATIONS)


_AFTER_LEGACY = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls", b"webPublishItems", b"tableParts", b"extLst")


def _insert_legacy_drawing(sheet_xml: bytes, rid: str) -> bytes:
    prefix = _prefix(sheet_xml)
    element = b"<" + prefix + b'legacyDrawing xmlns:r="' + REL.encode() + b'" r:id="' + rid.encode() + b'"/>'
    return _insert_before(sheet_xml, prefix, element, _AFTER_LEGACY)


def _insert_before(sheet_xml: bytes, prefix: bytes, element: bytes, following: tuple[bytes, ...]) -> bytes:
    """Insert ``element`` after ``sheetData``, before the first of the ``following`` tags
    present (OOXML fixes the order of a worksheet's children), else before the end."""
    tail_start = sheet_xml.rindex(b"</" + prefix + b"sheetData>") if b"</" + prefix + b"sheetData>" in sheet_xml else 0
    best = None
    for tag in following:
        m = re.compile(rb"<" + prefix + tag + rb"\b").search(sheet_xml, tail_start)
        if m and (best is None or m.start() < best):
            best = m.start()
    if best is None:
        best = sheet_xml.rindex(b"</" + prefix + b"worksheet>")
    return sheet_xml[:best] + element + sheet_xml[best:]


def _free_rid(rels_root: Any) -> str:
    used = {r.get("Id") for r in rels_root}
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def _shift_local_ids(wb_root: Any, position: int) -> None:
    names = wb_root.find(_q("definedNames"))
    if names is None:
        return
    for dn in list(names):
        lid = dn.get("localSheetId")
        if lid is None:
            continue
        lid_i = int(lid)
        if lid_i == position:
            names.remove(dn)
        elif lid_i > position:
            dn.set("localSheetId", str(lid_i - 1))
    if len(names) == 0:
        wb_root.remove(names)


def _fix_active_tab(wb_root: Any, sheets_el: Any) -> None:
    views = wb_root.find(_q("bookViews"))
    visible = [i for i, s in enumerate(sheets_el) if s.get("state") not in ("hidden", "veryHidden")]
    if views is None or not visible:
        return
    for view in views:
        active = int(view.get("activeTab", 0) or 0)
        if active not in visible:
            view.set("activeTab", str(visible[0]))
        first = int(view.get("firstSheet", 0) or 0)
        if first >= len(sheets_el):
            view.set("firstSheet", "0")


class _ContentTypes:
    def __init__(self, root: Any):
        self.root = root

    def override(self, part: str, content_type: str) -> None:
        name = "/" + part
        for el in self.root:
            if el.get("PartName") == name:
                el.set("ContentType", content_type)
                return
        etree.SubElement(self.root, _q("Override", CT), PartName=name, ContentType=content_type)

    def remove_override(self, part: str) -> None:
        name = "/" + part
        for el in list(self.root):
            if el.get("PartName") == name:
                self.root.remove(el)

    def default(self, extension: str, content_type: str) -> None:
        for el in self.root:
            if el.tag == _q("Default", CT) and (el.get("Extension") or "").lower() == extension:
                return
        self.root.insert(0, etree.Element(_q("Default", CT), Extension=extension, ContentType=content_type))

