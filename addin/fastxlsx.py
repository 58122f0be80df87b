"""Fast painting of an .xlsx file: patch only what changes, never load the workbook.

openpyxl reads and rewrites every cell of every sheet (about 10 s for 50,000 rows × 9
columns). To paint alerts on a large template we instead edit the package:

* ``xl/styles.xml``: two fills (red, yellow) and, for each style a flagged cell had, one
  copy of that style with the fill — so number formats, fonts and borders are kept;
* the data sheet's XML: the ``s`` attribute of the flagged cells only (missing cells are
  inserted in their row); cells a previous run painted (styles whose fill is our red or
  yellow) get their unfilled style back — re-runs are idempotent;
* the sheet's comments part (notes) and its VML drawing: Reglo's notes (author
  ``AUTHOR``) are replaced, the user's notes kept;
* the « Contrôle » sheet: a new worksheet part (or the existing one replaced) written
  directly as XML, strings inline.

Every other part is copied byte for byte; the file is written atomically. The result is
what the openpyxl painter (``addin.paint``) shows, minus the hidden state sheet: in file
mode the colours themselves identify Reglo's marks.
"""
from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape

from lxml import etree

from addin.sheets import EURO_FORMAT, GREEN, RED, YELLOW, atomic_write, safe_text
from core.alerts import Alert, Severity, count_by_severity

AUTHOR = "Reglo contrôle"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_OURS = {"FF" + c.lstrip("#").upper() for c in (RED, YELLOW)}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def col_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class FastPaintReport:
    blocking: int = 0
    warnings: int = 0
    red: int = 0
    yellow: int = 0
    notes: int = 0
    restored: int = 0
    inserted_cells: int = 0
    control_sheet: str = "Contrôle"
    cells: dict[tuple[str, int, int], str] = field(default_factory=dict)
    final_notes: dict[tuple[int, int], tuple[str, str | None]] = field(default_factory=dict)  # note set, user note kept inside

    def summary_fr(self) -> str:
        return f"{self.red} cellule(s) en rouge, {self.yellow} en jaune ; détail dans la feuille « {self.control_sheet} »"


class _Package:
    """The zip parts, read lazily; modified parts kept as bytes."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = self.zip.namelist()
        self.changed: dict[str, bytes] = {}

    def read(self, name: str) -> bytes:
        return self.changed[name] if name in self.changed else self.zip.read(name)

    def has(self, name: str) -> bool:
        return name in self.changed or name in self.names

    def write(self, name: str, data: bytes) -> None:
        self.changed[name] = data

    def save(self) -> None:
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            done = set()
            for info in self.zip.infolist():
                if info.filename in self.changed:
                    out.writestr(info.filename, self.changed[info.filename])
                else:
                    out.writestr(info, self.zip.read(info.filename))
                done.add(info.filename)
            for name, data in self.changed.items():
                if name not in done:
                    out.writestr(name, data)
        self.zip.close()
        atomic_write(self.path, buf.getvalue())


def _rels_path(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part))


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _dump(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------------------
# styles
# ---------------------------------------------------------------------------

class _Styles:
    def __init__(self, pkg: _Package):
        self.pkg = pkg
        self.root = _xml(pkg.read("xl/styles.xml"))
        self.fills = self._section("fills")
        self.xfs = self._section("cellXfs")
        self.fonts = self._section("fonts")
        self.fill_ids: dict[str, int] = {}
        self.painted: dict[tuple[int, str], int] = {}
        self.ours: dict[int, str] = {}  # xf index -> colour of an xf carrying our fill
        our_fills = {i for i, f in enumerate(self.fills) if self._fill_rgb(f) in _OURS}
        for i, xf in enumerate(self.xfs):
            if int(xf.get("fillId", "0")) in our_fills:
                self.ours[i] = self._fill_rgb(self.fills[int(xf.get("fillId"))])
        self.plain: dict[int, int] = {}
        self.dirty = False

    def _section(self, tag: str) -> etree._Element:
        el = self.root.find(_q(tag))
        if el is None:
            el = etree.SubElement(self.root, _q(tag))
            el.set("count", "0")
        return el

    @staticmethod
    def _fill_rgb(fill: etree._Element) -> str | None:
        fg = fill.find(f"{_q('patternFill')}/{_q('fgColor')}")
        return fg.get("rgb", "").upper() if fg is not None else None

    def fill_id(self, color: str) -> int:
        rgb = "FF" + color.lstrip("#").upper()
        if rgb not in self.fill_ids:
            for i, f in enumerate(self.fills):
                pf = f.find(_q("patternFill"))
                if pf is not None and pf.get("patternType") == "solid" and self._fill_rgb(f) == rgb:
                    self.fill_ids[rgb] = i
                    break
            else:
                f = etree.SubElement(self.fills, _q("fill"))
                pf = etree.SubElement(f, _q("patternFill"), patternType="solid")
                etree.SubElement(pf, _q("fgColor"), rgb=rgb)
                etree.SubElement(pf, _q("bgColor"), indexed="64")
                self.fills.set("count", str(len(self.fills)))
                self.fill_ids[rgb] = len(self.fills) - 1
                self.dirty = True
        return self.fill_ids[rgb]

    def _add_xf(self, xf: etree._Element) -> int:
        self.xfs.append(xf)
        self.xfs.set("count", str(len(self.xfs)))
        self.dirty = True
        return len(self.xfs) - 1

    def unpainted(self, s: int) -> int:
        """The style of a cell we painted, without our fill."""
        if s not in self.plain:
            xf = copy.deepcopy(self.xfs[s])
            xf.set("fillId", "0")
            xf.attrib.pop("applyFill", None)
            sig = etree.tostring(xf)
            for i, other in enumerate(self.xfs):
                if i not in self.ours and etree.tostring(other) == sig:
                    self.plain[s] = i
                    break
            else:
                self.plain[s] = self._add_xf(xf)
        return self.plain[s]

    def painted_xf(self, s: int, color: str) -> int:
        base = self.unpainted(s) if s in self.ours else s
        key = (base, color)
        if key not in self.painted:
            xf = copy.deepcopy(self.xfs[base]) if base < len(self.xfs) else etree.Element(_q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            xf.set("fillId", str(self.fill_id(color)))
            xf.set("applyFill", "1")
            idx = self._add_xf(xf)
            self.painted[key] = idx
            self.ours[idx] = "FF" + color.lstrip("#").upper()
        return self.painted[key]

    # styles for the control sheet
    def style(self, *, bold: bool = False, white: bool = False, size: int | None = None, color: str | None = None, num_fmt: str | None = None, wrap: bool = False) -> int:
        font_id = 0
        if bold or white or size:
            font = etree.SubElement(self.fonts, _q("font"))
            if bold:
                etree.SubElement(font, _q("b"))
            etree.SubElement(font, _q("sz"), val=str(size or 11))
            if white:
                etree.SubElement(font, _q("color"), rgb="FFFFFFFF")
            etree.SubElement(font, _q("name"), val="Calibri")
            self.fonts.set("count", str(len(self.fonts)))
            font_id = len(self.fonts) - 1
        fmt_id = 0
        if num_fmt:
            fmt_id = self._num_fmt(num_fmt)
        xf = etree.Element(_q("xf"), numFmtId=str(fmt_id), fontId=str(font_id), fillId=str(self.fill_id(color) if color else 0), borderId="0", xfId="0")
        if font_id:
            xf.set("applyFont", "1")
        if fmt_id:
            xf.set("applyNumberFormat", "1")
        if color:
            xf.set("applyFill", "1")
        if wrap:
            xf.set("applyAlignment", "1")
            etree.SubElement(xf, _q("alignment"), wrapText="1", vertical="top")
        return self._add_xf(xf)

    def _num_fmt(self, code: str) -> int:
        fmts = self.root.find(_q("numFmts"))
        if fmts is None:
            fmts = etree.Element(_q("numFmts"), count="0")
            self.root.insert(0, fmts)
        used = [int(f.get("numFmtId")) for f in fmts]
        for f in fmts:
            if f.get("formatCode") == code:
                return int(f.get("numFmtId"))
        new = max([163, *used]) + 1
        etree.SubElement(fmts, _q("numFmt"), numFmtId=str(new), formatCode=code)
        fmts.set("count", str(len(fmts)))
        return new

    def save(self) -> None:
        if self.dirty:
            self.pkg.write("xl/styles.xml", _dump(self.root))


# ---------------------------------------------------------------------------
# workbook structure
# ---------------------------------------------------------------------------

def _sheet_parts(pkg: _Package) -> tuple[etree._Element, etree._Element, dict[str, str]]:
    wb = _xml(pkg.read("xl/workbook.xml"))
    rels = _xml(pkg.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): _resolve("xl/workbook.xml", r.get("Target")) for r in rels}
    parts = {}
    for s in wb.find(_q("sheets")):
        parts[s.get("name")] = targets[s.get(f"{{{R_NS}}}id")]
    return wb, rels, parts


_CELL = re.compile(rb"<c\b([^>]*?)(/?)>")
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_ROW = re.compile(rb'<row\b([^>]*?)\br="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_CELL_FULL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)


def _patch_cells(fragment: bytes, targets: dict[tuple[int, int], str], styles: _Styles, report: FastPaintReport, seen: set[tuple[int, int]], ours: set[int]) -> bytes:
    """Re-style the cells of ``fragment`` (a few rows of sheet XML)."""

    def cell(m: re.Match) -> bytes:
        attrs = m.group(1)
        ms = _ATTR_S.search(attrs)
        s = int(ms.group(1)) if ms else 0
        mr = _ATTR_R.search(attrs)
        if mr is None:
            return m.group(0)
        key = (int(mr.group(2)), col_number(mr.group(1).decode()))
        color = targets.get(key)
        if color is None:
            if s not in ours:
                return m.group(0)
            new = styles.unpainted(s)
            report.restored += 1
        else:
            seen.add(key)
            new = styles.painted_xf(s, color)
        new_attr = b's="%d"' % new
        attrs = _ATTR_S.sub(new_attr, attrs, count=1) if ms else attrs + b" " + new_attr
        return b"<c" + attrs + m.group(2) + b">"

    return _CELL.sub(cell, fragment)


def _patch_sheet(xml: bytes, targets: dict[tuple[int, int], str], styles: _Styles, report: FastPaintReport) -> tuple[bytes, set[tuple[int, int]]]:
    """Patch only the rows that matter: rows with a target cell, and rows holding a cell a
    previous run painted (found by searching the few « painted » style numbers). Rows are
    located with ``bytes.find`` (C speed); only those rows go through the cell regex."""
    seen: set[tuple[int, int]] = set()
    ours = set(styles.ours)  # painted styles present before this run
    start = xml.find(b"<sheetData")
    stop = xml.find(b"</sheetData>")
    if start == -1 or stop == -1:
        return xml, seen
    rows: set[int] = {r for r, _ in targets}
    for s in ours:
        needle = b' s="%d"' % s
        pos = xml.find(needle, start, stop)
        while pos != -1:
            row_start = xml.rfind(b"<row ", start, pos)
            m = _ROW_NUM.match(xml, row_start) if row_start != -1 else None
            if m:
                rows.add(int(m.group(1)))
            pos = xml.find(needle, pos + 1, stop)
    out: list[bytes] = []
    cursor = 0
    for r in sorted(rows):
        pos = xml.find(b'<row r="%d"' % r, max(cursor, start), stop)
        if pos == -1:  # absent row, or attributes in another order: left to _insert_cells
            continue
        head_end = xml.find(b">", pos)
        if xml[head_end - 1: head_end] == b"/":  # <row .../>: no cell yet
            continue
        end = xml.find(b"</row>", head_end) + len(b"</row>")
        out.append(xml[cursor:pos])
        out.append(_patch_cells(xml[pos:end], targets, styles, report, seen, ours))
        cursor = end
    out.append(xml[cursor:])
    return b"".join(out), seen


_ROW_NUM = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def _insert_cells(xml: bytes, missing: dict[int, list[tuple[int, str]]], styles: _Styles, report: FastPaintReport) -> bytes:
    """Rows the fast path did not patch whole (cells absent from the XML, or a row element
    written with other attribute orders): patch their cells, insert the absent ones."""

    def row(m: re.Match) -> bytes:
        r = int(m.group(2))
        add = missing.pop(r, None)
        if not add:
            return m.group(0)
        wanted = {(r, c): color for c, color in add}
        seen: set[tuple[int, int]] = set()
        body = _patch_cells(m.group(4) or b"", wanted, styles, report, seen, set(styles.ours))
        cells = [(col_number(c.group(1).decode()), c.group(0)) for c in _CELL_FULL.finditer(body)]
        for col, color in add:
            if (r, col) in seen:
                continue
            cells.append((col, b'<c r="%s%d" s="%d"/>' % (col_letter(col).encode(), r, styles.painted_xf(0, color))))
        cells.sort(key=lambda x: x[0])
        attrs = re.sub(rb'\bspans="[^"]*"', b"", m.group(1) + m.group(3))
        return b'<row r="%d"%s>%s</row>' % (r, attrs.rstrip(), b"".join(c for _, c in cells))

    out = _ROW.sub(row, xml)
    if missing:  # rows absent from the file (empty rows): add them before </sheetData>
        extra = b"".join(
            b'<row r="%d">%s</row>' % (r, b"".join(b'<c r="%s%d" s="%d"/>' % (col_letter(c).encode(), r, styles.painted_xf(0, color)) for c, color in sorted(cols)))
            for r, cols in sorted(missing.items()))
        # keep rows sorted: rebuild by appending then sorting the row elements would be costly;
        # absent rows are rare (alerts point at data rows), so insert each at its place.
        out = _insert_rows_sorted(out, extra)
    return out


def _insert_rows_sorted(xml: bytes, extra: bytes) -> bytes:
    root = _xml(xml)
    data = root.find(_q("sheetData"))
    new_rows = _xml(b'<x xmlns="%s">%s</x>' % (NS.encode(), extra))
    for nr in list(new_rows):
        r = int(nr.get("r"))
        pos = len(data)
        for i, existing in enumerate(data):
            if int(existing.get("r")) > r:
                pos = i
                break
        data.insert(pos, nr)
    return _dump(root)


# ---------------------------------------------------------------------------
# notes (comments + VML)
# ---------------------------------------------------------------------------

def _vml(comments: list[tuple[int, int]]) -> bytes:
    shapes = []
    for i, (r, c) in enumerate(comments, start=1):
        shapes.append(
            f'<v:shape id="_x0000_s{1024 + i}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:240pt;height:90pt;z-index:{i};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{c}, 15, {max(r - 2, 0)}, 10, {c + 4}, 15, {r + 4}, 4</x:Anchor>'
            f'<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>'
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes) + "</xml>"
    ).encode("utf-8")


def _ref_rc(ref: str) -> tuple[int, int]:
    m = re.match(r"([A-Z]+)(\d+)", ref)
    assert m
    return int(m.group(2)), col_number(m.group(1))


def _write_notes(pkg: _Package, sheet_part: str, sheet_xml: bytes, notes: dict[tuple[int, int], str], report: FastPaintReport) -> bytes:
    rels_name = _rels_path(sheet_part)
    rels = _xml(pkg.read(rels_name)) if pkg.has(rels_name) else etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
    comments_part = vml_part = None
    for r in rels:
        if r.get("Type") == REL_COMMENTS:
            comments_part = _resolve(sheet_part, r.get("Target"))
        elif r.get("Type") == REL_VML:
            vml_part = _resolve(sheet_part, r.get("Target"))
    kept: list[tuple[int, int, str, etree._Element]] = []
    originals: dict[tuple[int, int], tuple[str, str]] = {}  # user notes under a Reglo note
    authors = ["Reglo"]
    if comments_part and pkg.has(comments_part):
        old = _xml(pkg.read(comments_part))
        old_authors = [a.text or "" for a in old.find(_q("authors"))]
        for cm in old.find(_q("commentList")):
            author = old_authors[int(cm.get("authorId", "0"))] if old_authors else ""
            r, c = _ref_rc(cm.get("ref"))
            text = "".join(cm.find(_q("text")).itertext()) if cm.find(_q("text")) is not None else ""
            if author == AUTHOR:
                orig = _split_original(text)
                if orig is not None:
                    originals[(r, c)] = orig
                if (r, c) not in notes:
                    report.restored += 1
                    if orig is not None:  # give the user's note back
                        kept.append((r, c, orig[0], _comment(r, c, orig[1])))
                        if orig[0] not in authors:
                            authors.append(orig[0])
                continue
            if (r, c) in notes:
                originals[(r, c)] = (author, text)
                continue
            if author not in authors:
                authors.append(author)
            kept.append((r, c, author, cm))
    if not kept and not notes and comments_part is None:
        return sheet_xml
    if AUTHOR not in authors:
        authors.append(AUTHOR)
    for _, _, author, _ in kept:
        if author not in authors:
            authors.append(author)
    root = etree.Element(_q("comments"), nsmap={None: NS})
    au = etree.SubElement(root, _q("authors"))
    for a in authors:
        etree.SubElement(au, _q("author")).text = a
    cl = etree.SubElement(root, _q("commentList"))
    entries: list[tuple[int, int, etree._Element]] = []
    for r, c, author, cm in kept:
        cm.set("authorId", str(authors.index(author)))
        entries.append((r, c, cm))
    for (r, c), text in notes.items():
        orig = originals.get((r, c))
        if orig is not None:
            text += f"{_ORIGINAL_HEAD}({orig[0]}) —\n{orig[1]}"
        cm = _comment(r, c, text)
        cm.set("authorId", str(authors.index(AUTHOR)))
        entries.append((r, c, cm))
        report.final_notes[(r, c)] = (_clean_xml_text(text), orig[1] if orig is not None else None)
    entries.sort(key=lambda e: (e[0], e[1]))
    for _, _, cm in entries:
        cl.append(cm)
    report.notes = len(notes)
    n = 1
    while comments_part is None:
        cand = f"xl/comments{n}.xml"
        if not pkg.has(cand):
            comments_part = cand
            etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=_new_rid(rels), Type=REL_COMMENTS, Target=_relative(sheet_part, cand))
            _content_override(pkg, "/" + cand, CT_COMMENTS)
        n += 1
    n = 1
    while vml_part is None:
        cand = f"xl/drawings/vmlDrawing{n}.vml"
        if not pkg.has(cand):
            vml_part = cand
            rid = _new_rid(rels)
            etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=REL_VML, Target=_relative(sheet_part, cand))
            _content_default(pkg, "vml", CT_VML)
            sheet_xml = _add_legacy_drawing(sheet_xml, rid)
        n += 1
    pkg.write(comments_part, _dump(root))
    pkg.write(vml_part, _vml([(r, c) for r, c, _ in entries]))
    pkg.write(rels_name, _dump(rels))
    return sheet_xml


_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ORIGINAL_HEAD = "\n\n— Note d'origine "
_ORIGINAL = re.compile(r"\n\n— Note d'origine \((.*?)\) —\n(.*)\Z", re.S)


def _split_original(text: str) -> tuple[str, str] | None:
    """(author, text) of the user's note kept at the end of a Reglo note, if any."""
    m = _ORIGINAL.search(text)
    return (m.group(1), m.group(2)) if m else None


def _comment(r: int, c: int, text: str) -> etree._Element:
    cm = etree.Element(_q("comment"), ref=f"{col_letter(c)}{r}", authorId="0")
    t = etree.SubElement(etree.SubElement(etree.SubElement(cm, _q("text")), _q("r")), _q("t"))
    t.text = _clean_xml_text(text)
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return cm


def _clean_xml_text(text: str) -> str:
    return _BAD_XML_CHARS.sub(" ", text)


def _new_rid(rels: etree._Element) -> str:
    used = {r.get("Id") for r in rels}
    n = 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def _add_legacy_drawing(sheet_xml: bytes, rid: str) -> bytes:
    tag = b'<legacyDrawing xmlns:r="%s" r:id="%s"/>' % (R_NS.encode(), rid.encode())
    for anchor in (b"<legacyDrawingHF", b"<picture", b"<oleObjects", b"<controls", b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>"):
        i = sheet_xml.rfind(anchor)
        if i != -1:
            return sheet_xml[:i] + tag + sheet_xml[i:]
    raise ValueError("feuille sans fin </worksheet>")


def _content_types(pkg: _Package) -> etree._Element:
    return _xml(pkg.read("[Content_Types].xml"))


def _content_override(pkg: _Package, part: str, ct: str) -> None:
    root = _content_types(pkg)
    if not any(o.get("PartName") == part for o in root.findall(f"{{{CT_NS}}}Override")):
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName=part, ContentType=ct)
        pkg.write("[Content_Types].xml", _dump(root))


def _content_default(pkg: _Package, ext: str, ct: str) -> None:
    root = _content_types(pkg)
    if not any(d.get("Extension", "").lower() == ext for d in root.findall(f"{{{CT_NS}}}Default")):
        root.insert(0, etree.Element(f"{{{CT_NS}}}Default", Extension=ext, ContentType=ct))
        pkg.write("[Content_Types].xml", _dump(root))


# ---------------------------------------------------------------------------
# control sheet
# ---------------------------------------------------------------------------

def _cell_xml(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, (date, datetime)):
        d = value.date() if isinstance(value, datetime) else value
        return f'<c r="{ref}"{s}><v>{(d - date(1899, 12, 30)).days}</v></c>'
    if isinstance(value, tuple) and value[0] == "link":
        _, target, label = value
        f = escape(f'HYPERLINK("#{target}","{label}")')
        return f'<c r="{ref}"{s} t="str"><f>{f}</f><v>{escape(label)}</v></c>'
    text = escape(_clean_xml_text(str(safe_text(value))))
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _control_xml(rows: list[tuple[list[Any], list[int]]], widths: list[float], freeze_row: int, heights: dict[int, float] | None = None) -> bytes:
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
    body = []
    for r, (values, styles) in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{col_letter(j)}{r}", v, styles[j - 1] if j - 1 < len(styles) else 0) for j, v in enumerate(values, start=1))
        ht = (heights or {}).get(r)
        attrs = f' ht="{ht}" customHeight="1"' if ht else ""
        body.append(f'<row r="{r}"{attrs}>{cells}</row>')
    pane = (f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{freeze_row - 1}" topLeftCell="A{freeze_row}" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            if freeze_row > 1 else "")
    # printed on one page wide, landscape (as the painter's control sheet)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" xmlns:r="{R_NS}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'{pane}<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(body)}</sheetData>'
            '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>').encode("utf-8")


def _put_sheet(pkg: _Package, name: str, xml: bytes, *, hidden: bool = False) -> None:
    wb, rels, parts = _sheet_parts(pkg)
    if name in parts:
        pkg.write(parts[name], xml)
        return
    n = 1
    while pkg.has(f"xl/worksheets/sheet{n}.xml"):
        n += 1
    part = f"xl/worksheets/sheet{n}.xml"
    pkg.write(part, xml)
    rid = _new_rid(rels)
    etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=REL_SHEET, Target=_relative("xl/workbook.xml", part))
    sheets = wb.find(_q("sheets"))
    sheet_id = max(int(s.get("sheetId")) for s in sheets) + 1
    el = etree.SubElement(sheets, _q("sheet"), name=name, sheetId=str(sheet_id))
    if hidden:
        el.set("state", "hidden")
    el.set(f"{{{R_NS}}}id", rid)
    pkg.write("xl/workbook.xml", _dump(wb))
    pkg.write("xl/_rels/workbook.xml.rels", _dump(rels))
    _content_override(pkg, "/" + part, CT_SHEET)


def _write_state(pkg: _Package, path: Path, owner: str, sheet: str, targets: dict[tuple[int, int], str], notes: dict[tuple[int, int], tuple[str, str | None]]) -> None:
    """Rewrite the painter's hidden state sheet: other owners' marks kept, ours replaced."""
    from addin.paint import STATE_HEADER, STATE_SHEET

    _, _, parts = _sheet_parts(pkg)
    rows: list[list[Any]] = []
    if STATE_SHEET in parts:
        from python_calamine import CalamineWorkbook

        old = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(STATE_SHEET).to_python(skip_empty_area=False)
        rows = [list(r) for r in old[1:] if r and r[0] not in (None, "", owner)]
    enc = lambda t: "" if t is None else "t:" + t  # noqa: E731 - the painter's encoding
    for (r, c), color in sorted(targets.items()):
        note, orig = notes.get((r, c), (None, None))
        rows.append([owner, sheet, r, c, enc(color), enc(note), "", enc(orig), "oui"])
    if not rows:
        if STATE_SHEET in parts:
            rows = []  # keep an empty state sheet (header only): nothing to take back
    lines = [(list(STATE_HEADER), [])] + [(row, []) for row in rows]
    _put_sheet(pkg, STATE_SHEET, _control_xml(lines, [12] * len(STATE_HEADER), 1), hidden=True)


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------

def _locate(alerts: list[Alert], sheet: str, header: dict[str, int], width: int) -> list[tuple[Alert, list[tuple[int, int]]]]:
    out = []
    for a in alerts:
        if a.sheet != sheet or a.row is None:
            out.append((a, []))
            continue
        col = header.get(" ".join(str(a.column or "").split()).casefold())
        out.append((a, [(a.row, col)] if col else [(a.row, c) for c in range(1, width + 1)]))
    return out


def paint_file(
    path: str | Path,
    sheet: str,
    header_row: int,
    alerts: Iterable[Alert],
    *,
    headers: list[Any] | None = None,
    control_sheet: str = "Contrôle",
    title: str = "Contrôle du classeur — Reglo",
    summary: list[tuple[str, object]] | None = None,
    owner: str | None = None,
) -> FastPaintReport:
    """Paint ``alerts`` of ``sheet`` (fills + notes) and write the control sheet, in place.

    Args:
        headers: the header row's values (to map an alert's column label to a column);
            read from the file when not given.
        owner: when given, the marks are also recorded in the painter's hidden state sheet
            (``addin.paint.STATE_SHEET``) under this owner, so that a later run through
            ``addin.paint.paint_alerts`` (e.g. the ribbon in Excel) takes them back.
    """
    from addin.paint import note_text

    path = Path(path)
    alerts = list(alerts)
    if headers is None:
        from python_calamine import CalamineWorkbook

        values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=header_row)
        headers = values[header_row - 1] if len(values) >= header_row else []
    header = {" ".join(str(v).split()).casefold(): j for j, v in enumerate(headers, start=1) if v not in (None, "")}
    width = max(header.values(), default=1)
    located = _locate(alerts, sheet, header, width)
    counts = count_by_severity(alerts)
    report = FastPaintReport(blocking=counts[Severity.BLOCKING], warnings=counts[Severity.WARNING], control_sheet=control_sheet)
    per_cell: dict[tuple[int, int], list[Alert]] = {}
    for a, cells in located:
        for rc in cells:
            per_cell.setdefault(rc, []).append(a)
    targets = {rc: (RED if any(a.is_blocking for a in lst) else YELLOW) for rc, lst in per_cell.items()}
    notes = {rc: note_text(lst) for rc, lst in per_cell.items()}
    for rc, color in targets.items():
        report.cells[(sheet, *rc)] = color
        if color == RED:
            report.red += 1
        else:
            report.yellow += 1

    pkg = _Package(path)
    try:
        _, _, parts = _sheet_parts(pkg)
        part = parts[sheet]
        styles = _Styles(pkg)
        xml, seen = _patch_sheet(pkg.read(part), targets, styles, report)
        missing: dict[int, list[tuple[int, str]]] = {}
        for rc, color in targets.items():
            if rc not in seen:
                missing.setdefault(rc[0], []).append((rc[1], color))
                report.inserted_cells += 1
        if missing:
            xml = _insert_cells(xml, missing, styles, report)
        xml = _write_notes(pkg, part, xml, notes, report)
        pkg.write(part, xml)
        _put_sheet(pkg, control_sheet, _control_rows(styles, sheet, located, title, summary, counts))
        if owner:
            _write_state(pkg, path, owner, sheet, targets, report.final_notes)
        styles.save()
        pkg.save()
    finally:
        pkg.zip.close()
    return report


def _control_rows(styles: _Styles, sheet: str, located: list[tuple[Alert, list[tuple[int, int]]]], title: str, summary: list[tuple[str, object]] | None, counts: dict) -> bytes:
    bold = styles.style(bold=True)
    big = styles.style(bold=True, size=14)
    head = styles.style(bold=True, white=True, color="#1F4E78")
    euro = styles.style(num_fmt=EURO_FORMAT)
    red, yellow, green = styles.style(color=RED), styles.style(color=YELLOW), styles.style(color=GREEN)
    red_wrap, yellow_wrap = styles.style(color=RED, wrap=True), styles.style(color=YELLOW, wrap=True)
    n_b, n_w = counts[Severity.BLOCKING], counts[Severity.WARNING]
    rows: list[tuple[list[Any], list[int]]] = [([title], [big]), ([], [])]
    rows.append((["Alertes bloquantes", n_b], [bold, red if n_b else green]))
    rows.append((["Avertissements", n_w], [bold, yellow if n_w else green]))
    for label, value in summary or []:
        rows.append(([label, value], [bold, euro if isinstance(value, Decimal) else 0]))
    verdict = ("Aucune alerte : rien à corriger." if not (n_b or n_w) else
               "Corrigez les cellules en rouge, puis relancez le contrôle." if n_b else "Aucune alerte bloquante ; vérifiez les cellules en jaune.")
    rows.append((["Résultat", verdict], [bold, 0]))
    rows.append(([], []))
    rows.append((["Feuille", "Cellule", "Gravité", "Code", "Message"], [head] * 5))
    freeze = len(rows) + 1
    heights: dict[int, float] = {}
    quoted = "'" + sheet.replace("'", "''") + "'"

    def order(item):
        a, cells = item
        return (a.sheet != sheet, a.sheet or "", a.row is not None, a.row or 0, cells[0][1] if cells else 0, not a.is_blocking, a.code.value)

    for a, cells in sorted(located, key=order):
        if cells:
            r, c = cells[0]
            label = f"{col_letter(c)}{r}" if len(cells) == 1 else f"ligne {r}"
            where: Any = ("link", f"{quoted}!{col_letter(c)}{r}", label)
        else:
            where = "—" if a.row is None else f"ligne {a.row}"
        st, wrap = (red, red_wrap) if a.is_blocking else (yellow, yellow_wrap)
        rows.append(([a.sheet or "—", where, a.severity.value, a.code.value, a.message], [st, st, st, st, wrap]))
        lines = -(-len(a.message) // 95)  # ~95 characters per line in a 90-wide column
        if lines > 1:
            heights[len(rows)] = 15.0 * lines
    return _control_xml(rows, [30, 12, 16, 28, 90], freeze, heights)
