"""Byte-preserving rewrite of a FEC: only the lettering fields of the named lines change.

A FEC Reglo *rewrites* (the accountant's ledger when lettering) must keep every byte it does
not mean to change: the BOM, the encoding (UTF-8 or ISO-8859-15 / Windows-1252), the
separator, quotes, line endings (CRLF, LF, CR, mixed), extra columns (``DateEcheance``…),
both amount forms (Debit/Credit or Montant/Sens), the ledger's own defects. So the file is
not re-serialised from a frame: each line is cut at its separators *in bytes* and only the
``EcritureLet`` / ``DateLet`` fields of the changed lines are replaced. Lines numbered as
``reglo.core.fec`` numbers them (header = line 1; ``\\r\\n``, ``\\r`` and ``\\n`` all end a line).

Lines can also be appended (the write-off entries a lettering run adds), formatted in the
file's own layout, and removed again (undo). ``rewrite`` returns what each changed field held
before, verbatim, so that an undo gives back the original bytes exactly.

Pure: bytes in, bytes out.
"""
from __future__ import annotations

import bisect
import codecs
import collections
import io
import itertools
import operator
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

LETTERING_FIELDS = ("EcritureLet", "DateLet")
_EOL = re.compile(rb"\r\n|\r|\n")
_SEPARATORS = (b"\t", b"|", b";", b",")


class RewriteError(ValueError):
    """The file cannot be rewritten byte for byte (French message)."""


def _norm(name: str) -> str:
    n = name.strip().strip('"').strip().lower().replace(" ", "").replace("_", "")
    return {"datelettrage": "datelet", "iddevise": "idevise", "devise": "idevise"}.get(n, n)


@dataclass(frozen=True)
class Layout:
    """How a FEC is written, read from its first line."""

    encoding: str  # "utf-8" or a one-byte encoding ("iso-8859-15", "cp1252")
    bom: bytes
    separator: bytes
    quoted: bool
    names: tuple[str, ...]  # header names as written (quotes removed)
    eol: bytes  # the header's line ending (b"" when the file has one line without ending)
    positions: Mapping[str, int] = field(default_factory=dict)  # normalised name -> field index

    def position(self, name: str) -> int | None:
        return self.positions.get(_norm(name))


_CHUNK = 1 << 18  # bytes scanned at a time (``_is_utf8``, ``_line_bounds``, ``_fields_at``): in cache, and no array as large as the file


def _is_utf8(data: bytes, start: int = 0) -> bool:
    """``data[start:].decode("utf-8")`` would succeed. Decoded a chunk at a time (an incremental
    decoder carries a character cut between two chunks): decoding a whole ledger at once builds
    a string as large as the file, and faulting in that fresh memory costs more than the
    decoding; ``start`` spares the copy ``data[start:]`` would make."""
    if not start and data.isascii():  # stops at the first non-ASCII byte
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for lo in range(start, len(data), _CHUNK):
            decoder.decode(view[lo:lo + _CHUNK])
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def _has_c1(data: bytes, start: int = 0) -> bool:
    """A byte in 0x80-0x9F in ``data[start:]`` (``re.search(rb"[\\x80-\\x9f]", ...)``: Windows-1252
    rather than ISO-8859-15), compared a chunk at a time into one reused buffer."""
    a = np.frombuffer(data, dtype=np.uint8)[start:]
    shifted = np.empty(min(len(a), _CHUNK), dtype=np.uint8)
    hit = np.empty(len(shifted), dtype=bool)
    for lo in range(0, len(a), _CHUNK):
        part = a[lo:lo + _CHUNK]
        n = len(part)
        np.subtract(part, 0x80, out=shifted[:n])  # wraps around: 0x80-0x9F -> 0-31, the rest above
        if np.less(shifted[:n], 0x20, out=hit[:n]).any():
            return True
    return False


def layout_of(raw: bytes) -> Layout:
    """Encoding, BOM, separator, quoting and field positions of a FEC.

    Raises:
        RewriteError: UTF-16 (not rewritable byte for byte), no header, no lettering fields.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RewriteError("FEC encodé en UTF-16 : Reglo ne le réécrit pas ; réenregistrez-le en UTF-8 ou ISO-8859-15.")
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    start = len(bom)  # the body: raw[start:] (not copied)
    if _is_utf8(raw, start):
        encoding = "utf-8"
    else:
        encoding = "cp1252" if _has_c1(raw, start) else "iso-8859-15"
    m = _EOL.search(raw, start)
    head = raw[start:m.start()] if m else raw[start:]
    eol = m.group(0) if m else b""
    best = max(_SEPARATORS, key=lambda s: (sum(_norm(n.decode(encoding, "replace")) in _KNOWN for n in head.split(s)), len(head.split(s))))
    parts = [p.decode(encoding, "replace") for p in head.split(best)]
    quoted = bool(parts) and all(len(p.strip()) >= 2 and p.strip()[0] == p.strip()[-1] == '"' for p in parts)
    names = tuple(p.strip().strip('"').strip() if quoted else p.strip() for p in parts)
    positions: dict[str, int] = {}
    for i, n in enumerate(names):
        positions.setdefault(_norm(n), i)
    missing = [f for f in LETTERING_FIELDS if _norm(f) not in positions]
    if missing:
        raise RewriteError(f"En-tête FEC sans le(s) champ(s) {', '.join(missing)} : le lettrage ne peut pas y être écrit.")
    return Layout(encoding, bom, best, quoted, names, eol, positions)


_KNOWN = {_norm(n) for n in (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef",
    "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise", "Montant", "Sens")}


def split_lines(raw: bytes) -> list[tuple[bytes, bytes]]:
    """(content, line ending) of every physical line, BOM included in the first one. A file
    ending with a line break has no empty last line."""
    out = []
    pos = 0
    for m in _EOL.finditer(raw):
        out.append((raw[pos:m.start()], m.group(0)))
        pos = m.end()
    if pos < len(raw):
        out.append((raw[pos:], b""))
    return out


@dataclass(frozen=True)
class Rewrite:
    """Result of ``rewrite``: the new bytes, and what is needed to undo it exactly."""

    data: bytes
    previous: dict[int, tuple[str, str]]  # line -> raw (EcritureLet, DateLet) before, as written (quotes included)
    appended: tuple[int, ...] = ()  # line numbers of the appended lines
    eol_added: bool = False  # the file had no final line ending: one was added before appending
    missing: tuple[int, ...] = ()  # changed lines that do not exist or are too short (not changed)


def _encode(text: str, layout: Layout) -> bytes:
    return text.encode(layout.encoding, "surrogateescape")


def _decode(data: bytes, layout: Layout) -> str:
    return data.decode(layout.encoding, "surrogateescape")


def _field(value: str, layout: Layout) -> str:
    """A new value as it is written in this file (quoted when the file quotes)."""
    value = value.replace("\t", " ").replace("|", " ").replace("\r", " ").replace("\n", " ")
    if layout.separator in (b";", b","):
        value = value.replace(_decode(layout.separator, layout), " ")
    return f'"{value}"' if layout.quoted else value


def rewrite(raw: bytes, changes: Mapping[int, tuple[str | None, str | None]], *, append: Sequence[Mapping[str, str]] = (),
            remove: Iterable[int] = (), strip_final_eol: bool = False, verbatim: bool = False, insert_after: int | None = None) -> Rewrite:
    """New bytes where only the lettering fields of ``changes`` differ.

    Args:
        changes: line number → (EcritureLet, DateLet) as text (``DateLet`` ``AAAAMMJJ`` or "");
            ``None`` keeps a field. With ``verbatim`` the values are written as given (raw
            field texts, quotes included: an undo), else they are quoted like the file.
        append: lines to add at the end, field name → text (missing fields are empty).
        remove: line numbers to drop (the lines a previous run appended).
        strip_final_eol: drop the last line ending (the file had none before a run appended).
        insert_after: line after which the appended lines go (default: the last line); the
            lines after it (trailing blank lines) stay after them.

    Raises:
        RewriteError: see ``layout_of``.
    """
    return _rewrite(raw, layout_of(raw), changes, append=append, remove=remove, strip_final_eol=strip_final_eol, verbatim=verbatim,
                    insert_after=insert_after)


def _rewrite(raw: bytes, layout: Layout, changes: Mapping[int, tuple[str | None, str | None]], *, lines: tuple | None = None,
             **options) -> Rewrite:
    """``rewrite`` with the layout (and, when known, the ``_line_bounds``) of ``raw``. The changes
    go in line order, as ``sorted(changes.items())`` would give them, by an argsort of the line
    numbers (none when they already come in order) rather than a sort of (line, values) tuples."""
    numbers = np.fromiter(changes, dtype="int64", count=len(changes))
    values = list(changes.values())
    if len(numbers) > 1 and not (numbers[1:] > numbers[:-1]).all():
        order = np.argsort(numbers, kind="stable")
        numbers = numbers[order]
        values = list(map(values.__getitem__, order.tolist()))
    return _splice(raw, layout, numbers, list(map(operator.itemgetter(0), values)), list(map(operator.itemgetter(1), values)),
                   lines=lines, **options)


@dataclass(frozen=True)
class _Coded:
    """A column of new field texts, one per changed line, as ``values[index[i]]``: what the
    lettering engine gives has few distinct codes and dates (a code is reused account by
    account), so each distinct text is formatted once and each distinct (code, date) edit is
    built once, not once per line."""

    index: np.ndarray  # intp, into values
    values: list

    def take(self, at: np.ndarray) -> _Coded:
        return _Coded(self.index[at], self.values)

    def tolist(self) -> list:
        return _pick(self.values, self.index)

    def used(self) -> list:
        """The values some line refers to."""
        counts = np.bincount(self.index, minlength=len(self.values)).tolist()
        return [v for v, n in zip(self.values, counts) if n]


def _pick(values: list, index: np.ndarray) -> list:
    """``[values[i] for i in index]``, by NumPy (each value as it is, a tuple included)."""
    return np.fromiter(values, dtype=object, count=len(values))[index].tolist()


def _splice(raw: bytes, layout: Layout, numbers: np.ndarray, codes: list | _Coded, ons: list | _Coded, *,
            append: Sequence[Mapping[str, str]] = (), remove: Iterable[int] = (), strip_final_eol: bool = False, verbatim: bool = False,
            insert_after: int | None = None, lines: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> Rewrite:
    """``rewrite`` of the changes ``numbers`` (sorted distinct line numbers) → (``codes``, ``ons``):
    the new fields are spliced into the original bytes, no line is split (the separators'
    positions give the fields' byte ranges); what lies between two changes is copied as is.
    ``lines``: ``_line_bounds(raw)`` when the caller has it already."""
    let_pos, date_pos = layout.position("EcritureLet"), layout.position("DateLet")
    sep = layout.separator
    starts, ends, nexts = lines if lines is not None else _line_bounds(raw)
    n_lines = len(starts)
    given = (codes, ons)

    def by_lines() -> Rewrite:  # the corner cases the splice leaves to the line-by-line reference
        listed = (x.tolist() if isinstance(x, _Coded) else x for x in given)
        return _rewrite_lines(raw, dict(zip(numbers.tolist(), zip(*listed))), append=append, remove=remove,
                              strip_final_eol=strip_final_eol, verbatim=verbatim, insert_after=insert_after)

    in_file = (numbers >= 2) & (numbers <= n_lines)
    hi_pos = max(let_pos, date_pos)
    at = numbers[in_file] - 1
    count, bounds = _fields_at(raw, sep[0], starts[at], ends[at], (let_pos, date_pos))
    wide = count >= hi_pos  # separators in the line: fields - 1
    ok = np.zeros(len(numbers), dtype=bool)
    ok[np.flatnonzero(in_file)[wide]] = True
    missing = numbers[~ok].tolist()
    (ls, le), (ds, de) = ((begin[wide], end[wide]) for begin, end in bounds)
    blank = not ((le - ls).any() or (de - ds).any())  # both fields empty on every line (a first lettering)
    sel = np.flatnonzero(ok)
    nums = numbers[sel].tolist()
    if len(sel) < len(numbers):
        pick = sel.tolist()
        codes, ons = (x.take(sel) if isinstance(x, _Coded) else [x[i] for i in pick] for x in (codes, ons))
    let_first = let_pos < date_pos
    dropped = {int(r) for r in remove if 1 <= r <= n_lines} if remove else set()
    # the new texts by index into their distinct values when the edits are plain (both fields
    # side by side, nothing removed, no field kept): a lettering run; else one per line
    coded = isinstance(codes, _Coded) and isinstance(ons, _Coded) and not dropped and let_first and date_pos == let_pos + 1
    if coded:
        used = [x.used() for x in (codes, ons)]  # the values of the lines kept (as the lists would hold)
        coded = None not in used[0] and None not in used[1]
    if not coded:
        codes, ons = (x.tolist() if isinstance(x, _Coded) else x for x in (codes, ons))
    get = raw.__getitem__
    decode = operator.methodcaller("decode", layout.encoding, "surrogateescape")
    olds = None  # the old fields, line by line (only when some are kept or lines removed)
    if blank:  # one shared ("", "") rather than a tuple per line
        previous = dict.fromkeys(nums, ("", ""))
    elif let_first and date_pos == let_pos + 1:  # side by side: "let<sep>date" cut once per line, each distinct one decoded once
        both = list(map(get, map(slice, ls.tolist(), de.tolist())))
        decoded = {v: tuple(map(decode, v.split(sep))) for v in set(both)}  # (let, date): no separator within a field
        previous = dict(zip(nums, map(decoded.__getitem__, both)))
    else:
        olds = list(map(get, map(slice, ls.tolist(), le.tolist()))), list(map(get, map(slice, ds.tolist(), de.tolist())))
        decoded = {v: decode(v) for v in {*olds[0], *olds[1]}}  # few distinct values
        previous = dict(zip(nums, zip(map(decoded.__getitem__, olds[0]), map(decoded.__getitem__, olds[1]))))
    texts = {*used[0], *used[1]} if coded else {*codes, *ons}
    has_none = None in texts  # None in codes or None in ons
    texts.discard(None)
    new = {v: _encode(v if verbatim else _field(v, layout), layout) for v in texts}
    # one edit per line, from the first of the two fields to the end of the second (offsets as
    # Python lists only for the bounds used)
    if coded:  # each distinct (code, date) edit built once, then given to its lines by index
        import pandas as pd

        width = len(ons.values)
        index, pairs = pd.factorize(codes.index.astype(np.int64) * width + ons.index)  # by hashing: no sort
        built = [sep.join((new[codes.values[p // width]], new[ons.values[p % width]])) for p in pairs.tolist()]
        r_start, r_end, regions = ls.tolist(), de.tolist(), _pick(built, index)
    else:
        if dropped or has_none:
            if olds is None:
                olds = ([b""] * len(nums),) * 2 if blank else (list(map(get, map(slice, ls.tolist(), le.tolist()))),
                                                               list(map(get, map(slice, ds.tolist(), de.tolist()))))
            old_let, old_on = olds
            keep = [j for j, (n, c, o) in enumerate(zip(nums, codes, ons)) if n not in dropped and (c is not None or o is not None)]
            ls, le, ds, de = (x[np.asarray(keep, dtype=np.intp)] for x in (ls, le, ds, de))
            new_let = [old_let[j] if codes[j] is None else new[codes[j]] for j in keep]
            new_on = [old_on[j] if ons[j] is None else new[ons[j]] for j in keep]
        else:
            new_let, new_on = list(map(new.__getitem__, codes)), list(map(new.__getitem__, ons))
        if let_first:
            r_start, r_end = ls.tolist(), de.tolist()
            if date_pos == let_pos + 1:  # side by side: one separator between them
                regions = list(map(sep.join, zip(new_let, new_on)))
            else:
                regions = list(map(operator.add, map(operator.add, new_let, map(get, map(slice, le.tolist(), ds.tolist()))), new_on))
        else:
            r_start, r_end = ds.tolist(), le.tolist()
            regions = list(map(operator.add, map(operator.add, new_on, map(get, map(slice, de.tolist(), ls.tolist()))), new_let))
    extra: list[tuple[int, int, int, bytes]] = []  # (start, order, end, new bytes)
    kept = n_lines - len(dropped)
    survivors = np.setdiff1d(np.arange(1, n_lines + 1), np.fromiter(dropped, dtype="int64", count=len(dropped))) if dropped else None

    def original(k: int) -> int:  # the k-th line kept (1-based) as a line number of ``raw``
        return int(survivors[k - 1]) if survivors is not None else k

    for number in sorted(dropped):
        extra.append((int(starts[number - 1]), 0, int(nexts[number - 1]), b""))
    eol_added = False
    appended: list[int] = []
    tail_eol = True  # the last line written keeps its line ending
    if append:
        if not kept:
            return by_lines()
        line_end = layout.eol or b"\r\n"
        where = kept if insert_after is None else max(1, min(int(insert_after), kept))
        line = original(where)
        end_of = int(nexts[line - 1])
        if int(ends[line - 1]) == end_of:  # no line ending (the file's last line): one is added first
            extra.append((end_of, -2, end_of, line_end))
            eol_added = True
        lines = [sep.join([_encode(_field(values.get(n, ""), layout), layout) for n in layout.names]) for values in append]
        if strip_final_eol and where == kept:
            block = line_end.join(lines)
            tail_eol = False
        else:
            block = b"".join(c + line_end for c in lines)
        extra.append((end_of, -1, end_of, block))
        appended = list(range(where + 1, where + 1 + len(lines)))
    if strip_final_eol and kept and tail_eol:
        last = original(kept)
        extra.append((int(ends[last - 1]), 0, int(nexts[last - 1]), b""))
    if extra:
        r_start, r_end, regions = _merge_edits(r_start, r_end, regions, extra)
        if any(map(operator.lt, itertools.islice(r_start, 1, None), r_end)):  # overlapping edits (never met)
            return by_lines()
    return Rewrite(_apply_edits(raw, r_start, r_end, regions), previous, tuple(appended), eol_added, tuple(missing))


def _merge_edits(r_start: list[int], r_end: list[int], regions: list[bytes], extra: list[tuple[int, int, int, bytes]]) -> tuple[list, list, list]:
    """The field edits (``r_start`` → ``r_end`` replaced by ``regions``, order 0) and the few
    ``extra`` edits (start, order, end, bytes) in the order of ``sorted(key=(start, order))``,
    the field edits first among equals (a stable sort). The field edits come sorted by start
    (one per line, in file order): each extra edit is put in its place by bisection rather than
    sorting a quarter of a million tuples with a Python key."""
    extra = sorted(extra, key=lambda x: (x[0], x[1]))
    if not all(map(operator.lt, r_start, itertools.islice(r_start, 1, None))):  # not in file order: the plain sort
        edits = sorted([*zip(r_start, itertools.repeat(0), r_end, regions), *extra], key=lambda x: (x[0], x[1]))
        return [x[0] for x in edits], [x[2] for x in edits], [x[3] for x in edits]
    # (start, order) after a field edit's (start, 0) when order >= 0 (equal keys: the field edit
    # came first), before it when order < 0
    at = [bisect.bisect_right(r_start, x[0]) if x[1] >= 0 else bisect.bisect_left(r_start, x[0]) for x in extra]
    out = []
    for column, k in ((r_start, 0), (r_end, 2), (regions, 3)):
        merged: list = []
        prev = 0
        for i, x in zip(at, extra):
            merged += column[prev:i]
            merged.append(x[k])
            prev = i
        merged += column[prev:]
        out.append(merged)
    return out[0], out[1], out[2]


def _apply_edits(raw: bytes, r_start: list[int], r_end: list[int], regions: list[bytes]) -> bytes:
    """``raw`` with ``raw[r_start[i]:r_end[i]]`` replaced by ``regions[i]`` (sorted, disjoint).

    Written into one in-memory ``BytesIO`` (no file), each unchanged stretch sliced just before
    it is written and freed just after: a ``join`` of the quarter of a million stretches would
    first hold them all (a copy of the whole file, faulted in page by page, or as many
    ``memoryview`` objects, which the garbage collector then walks). ``getvalue`` hands over
    the buffer without copying it."""
    if not regions:  # what ``b"".join([raw[0:]])`` gives: ``raw`` itself when it is a ``bytes``
        return raw if type(raw) is bytes else bytes(raw)
    out = io.BytesIO()
    gaps = map(raw.__getitem__, map(slice, [0, *r_end[:-1]], r_start))
    collections.deque(map(out.write, itertools.chain.from_iterable(zip(gaps, regions))), maxlen=0)
    out.write(raw[r_end[-1]:])
    return out.getvalue()


def _positions(a: np.ndarray, value: int, buf: np.ndarray) -> np.ndarray:
    """Offsets of the bytes of ``a`` equal to ``value`` (``np.flatnonzero(a == value)``), compared
    a chunk at a time into ``buf`` (reused): a comparison of the whole file would allocate, and
    fault in page by page, a boolean array as large as the file, which costs more than the
    comparison itself."""
    step = len(buf)
    parts = []
    for lo in range(0, len(a), step):
        part = a[lo:lo + step]
        hit = np.flatnonzero(np.equal(part, value, out=buf[:len(part)]))
        if len(hit):
            hit += lo
            parts.append(hit)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)


def _newlines(a: np.ndarray, buf: np.ndarray, cr: bool) -> tuple[np.ndarray, int]:
    """The offsets of the LF of ``a`` and how many CR it holds (0 unless ``cr``), in one pass
    a chunk at a time (see ``_positions``): a CRLF file has as many CR as LF, each just before
    one, and then the CR need not be located."""
    step = len(buf)
    parts = []
    n_cr = 0
    for lo in range(0, len(a), step):
        part = a[lo:lo + step]
        hit = buf[:len(part)]
        found = np.flatnonzero(np.equal(part, 10, out=hit))
        if len(found):
            found += lo
            parts.append(found)
        if cr:
            n_cr += int(np.count_nonzero(np.equal(part, 13, out=hit)))
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)), n_cr


def _fields_at(raw: bytes, sep: int, s: np.ndarray, e: np.ndarray, keys: Sequence[int]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """For the lines ``[s, e)`` (byte offsets): how many ``sep`` bytes each holds, and per field
    ``k`` of ``keys`` its bytes ``[begin, end)``: after the k-th separator, up to the next one or
    the line's end (meaningless when the line has fewer than k separators).

    The separators are located a group of lines at a time (the lines starting in one
    ``_CHUNK``): located all at once, one per field of the ledger, they would make an array of
    some 13 million offsets (a hundred megabytes) for a ledger of 750,000 lines."""
    count = np.zeros(len(s), dtype=np.int64)
    bounds = [(s.copy(), e.copy()) for _ in keys]
    if not len(s):
        return count, bounds
    if (np.diff(s) < 0).any():  # not in file order (``_splice`` gives them sorted): sort, then put back
        order = np.argsort(s, kind="stable")
        count, bounds = _fields_at(raw, sep, s[order], e[order], keys)
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return count[back], [(begin[back], end[back]) for begin, end in bounds]
    a = np.frombuffer(raw, dtype=np.uint8)
    cuts = (np.flatnonzero(np.diff(s // _CHUNK)) + 1).tolist()
    buf = np.empty(0, dtype=bool)
    for i, j in zip([0, *cuts], [*cuts, len(s)]):
        lo, hi = int(s[i]), int(e[i:j].max())
        if hi - lo > len(buf):
            buf = np.empty(max(hi - lo, _CHUNK), dtype=bool)
        seps = np.flatnonzero(np.equal(a[lo:hi], sep, out=buf[:hi - lo]))
        if not len(seps):
            continue  # no separator: no field past the first (count stays 0)
        seps += lo
        first = np.searchsorted(seps, s[i:j])
        n = np.searchsorted(seps, e[i:j]) - first
        count[i:j] = n
        last = len(seps) - 1
        for (begin, end), k in zip(bounds, keys):
            if k:
                begin[i:j] = seps[np.minimum(first + k - 1, last)] + 1
            end[i:j] = np.where(n > k, seps[np.minimum(first + k, last)], e[i:j])
    return count, bounds


def _line_bounds(raw: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per physical line (as ``split_lines`` cuts them): where its content starts, where it ends
    (its line ending starts) and where the next line starts."""
    a = np.frombuffer(raw, dtype=np.uint8)
    buf = np.empty(max(1, min(len(a), _CHUNK)), dtype=bool)
    lf, n_cr = _newlines(a, buf, b"\r" in raw)
    if not n_cr:
        tok, tok_end = lf, lf + 1
    elif n_cr == len(lf) and lf[0] > 0 and (a[lf - 1] == 13).all():  # CRLF only: each LF after a CR, and no other CR
        tok, tok_end = lf - 1, lf + 1
    else:
        cr = _positions(a, 13, buf)
        pair = cr[cr + 1 < len(a)]
        pair = pair[a[pair + 1] == 10]  # « \r\n »: one line ending
        lone_lf = np.setdiff1d(lf, pair + 1, assume_unique=True)
        lone_cr = np.setdiff1d(cr, pair, assume_unique=True)
        tok = np.concatenate([pair, lone_cr, lone_lf])
        size = np.concatenate([np.full(len(pair), 2), np.ones(len(lone_cr) + len(lone_lf), dtype="int64")])
        order = np.argsort(tok, kind="stable")
        tok, tok_end = tok[order], tok[order] + size[order]
    starts = np.concatenate([[0], tok_end]).astype("int64", copy=False)
    ends = tok.astype("int64", copy=False)
    nexts = tok_end.astype("int64", copy=False)
    if len(starts) and starts[-1] < len(raw):  # a last line without line ending
        ends = np.concatenate([ends, [len(raw)]])
        nexts = np.concatenate([nexts, [len(raw)]])
    else:
        starts = starts[:-1]
    return starts, ends, nexts


def _rewrite_lines(raw: bytes, changes: Mapping[int, tuple[str | None, str | None]], *, append: Sequence[Mapping[str, str]] = (),
            remove: Iterable[int] = (), strip_final_eol: bool = False, verbatim: bool = False, insert_after: int | None = None) -> Rewrite:
    """``rewrite`` line by line (the reference implementation; ``rewrite`` falls back on it in the
    corner cases its byte splice does not cover: nothing left to append after)."""
    layout = layout_of(raw)
    lines = split_lines(raw)
    let_pos, date_pos = layout.position("EcritureLet"), layout.position("DateLet")
    sep = layout.separator
    previous: dict[int, tuple[str, str]] = {}
    missing: list[int] = []
    out_lines: list[tuple[bytes, bytes]] = list(lines)
    for number, (code, on) in sorted(changes.items()):
        if number < 2 or number > len(lines):
            missing.append(number)
            continue
        content, eol = lines[number - 1]
        fields = content.split(sep)
        if max(let_pos, date_pos) >= len(fields):
            missing.append(number)
            continue
        previous[number] = (_decode(fields[let_pos], layout), _decode(fields[date_pos], layout))
        for pos, value in ((let_pos, code), (date_pos, on)):
            if value is not None:
                fields[pos] = _encode(value if verbatim else _field(value, layout), layout)
        out_lines[number - 1] = (sep.join(fields), eol)
    dropped = set(remove)
    if dropped:
        out_lines = [ln for i, ln in enumerate(out_lines, start=1) if i not in dropped]
    eol_added = False
    appended: list[int] = []
    if append:
        line_end = layout.eol or b"\r\n"
        at = len(out_lines) if insert_after is None else max(1, min(int(insert_after), len(out_lines)))
        if out_lines and out_lines[at - 1][1] == b"":
            out_lines[at - 1] = (out_lines[at - 1][0], line_end)
            eol_added = True
        new = []
        for values in append:
            fields = [_encode(_field(values.get(n, ""), layout), layout) for n in layout.names]
            new.append((sep.join(fields), line_end))
        out_lines[at:at] = new
        appended = list(range(at + 1, at + 1 + len(new)))
    if strip_final_eol and out_lines:
        out_lines[-1] = (out_lines[-1][0], b"")
    data = b"".join(c + e for c, e in out_lines)
    return Rewrite(data, previous, tuple(appended), eol_added, tuple(missing))


def format_cents(cents: int) -> str:
    """Cents as a FEC amount: ``1234,56``."""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100},{cents % 100:02d}"


def line_values(layout: Layout, values: Mapping[str, str], *, debit_cents: int, credit_cents: int) -> dict[str, str]:
    """The fields of a line to append, by header name: the FEC fields given by name in
    ``values`` (``JournalCode``…), amounts as Debit/Credit or Montant/Sens as the file does."""
    by_norm = {_norm(k): v for k, v in values.items()}
    out: dict[str, str] = {}
    montant_sens = layout.position("Debit") is None and layout.position("Montant") is not None
    for name in layout.names:
        key = _norm(name)
        if key == "debit":
            out[name] = format_cents(debit_cents)
        elif key == "credit":
            out[name] = format_cents(credit_cents)
        elif key == "montant" and montant_sens:
            out[name] = format_cents(debit_cents or credit_cents)
        elif key == "sens" and montant_sens:
            out[name] = "D" if debit_cents else "C"
        else:
            out[name] = by_norm.get(key, "")
    return out


# ---------------------------------------------------------------------------
# from ledger frames (what the lettering engine returns) to a rewrite
# ---------------------------------------------------------------------------


def _day(value) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y%m%d")


def _changed_lines(before, after) -> tuple[np.ndarray, _Coded, _Coded]:
    """The lines of ``before`` whose lettering code or date differs in ``after`` (both with unique
    ``source_row``s): their line numbers (sorted), new codes and new ``DateLet`` texts, compared
    by position (one ``get_indexer``), each distinct code and date taken out of the frame (and
    the date formatted) once."""
    import pandas as pd

    rb = before["source_row"].to_numpy()
    pos = pd.Index(after["source_row"].to_numpy()).get_indexer(rb)
    bi = np.flatnonzero(pos >= 0)
    ai = pos[bi]
    old_code = before["lettering_code"].iloc[bi].astype(str).reset_index(drop=True)
    new_code = after["lettering_code"].iloc[ai].astype(str).reset_index(drop=True)
    old_on = before["lettered_on"].iloc[bi].reset_index(drop=True)
    new_on = after["lettered_on"].iloc[ai].reset_index(drop=True)
    same_on = (old_on.isna() & new_on.isna()) | (old_on == new_on)
    changed = np.flatnonzero((old_code != new_code).to_numpy() | ~same_on.to_numpy())
    numbers = rb[bi[changed]].astype("int64")
    order = np.argsort(numbers, kind="stable")
    numbers, changed = numbers[order], changed[order]
    which, distinct = pd.factorize(new_code.take(changed), use_na_sentinel=False)  # as .tolist() gives them, a missing one included
    codes = _Coded(which.astype(np.intp, copy=False), distinct.tolist())
    on = pd.to_datetime(new_on.take(changed))
    at, uniq = pd.factorize(on)  # NaT: -1
    days = [*pd.Series(uniq).dt.strftime("%Y%m%d").tolist(), ""]
    return numbers, codes, _Coded(np.where(at < 0, len(days) - 1, at).astype(np.intp, copy=False), days)


def frame_rewrite(raw: bytes, before, after, *, verbatim: Mapping[int, tuple[str, str]] | None = None,
                  strip_final_eol: bool = False) -> Rewrite:
    """The rewrite that turns the ledger ``before`` (read from ``raw``) into ``after``:
    the lettering code and date of the lines present in both (by ``source_row``), the lines
    only in ``after`` appended (after the last line read), the lines only in ``before``
    removed. ``verbatim``: raw field texts to put back as they were (an undo)."""
    import pandas as pd

    from reglo.core.ledger import DUE_DATE_FIELDS, FEC_FIELDS

    b = before.set_index("source_row")
    a = after.set_index("source_row")
    if b.index.is_unique and a.index.is_unique:
        numbers, new_codes, new_days = _changed_lines(before, after)
    else:
        common = b.index.intersection(a.index)
        old_code, new_code = b.loc[common, "lettering_code"].astype(str), a.loc[common, "lettering_code"].astype(str)
        old_on = b.loc[common, "lettered_on"]
        new_on = a.loc[common, "lettered_on"]
        same_on = (old_on.isna() & new_on.isna()) | (old_on == new_on)
        changed = common[(old_code != new_code).to_numpy() | ~same_on.to_numpy()]
        # the new code and date of the changed lines, column-wise (one lookup, not one per line)
        new_codes = a.loc[changed, "lettering_code"].astype(str).tolist()
        on = pd.to_datetime(a.loc[changed, "lettered_on"])
        new_days = on.dt.strftime("%Y%m%d").where(on.notna(), "").tolist()
        changes = {int(r): (c, d) for r, c, d in zip(changed.tolist(), new_codes, new_days)}
        numbers = np.array(sorted(changes), dtype="int64")
        new_codes, new_days = [changes[r][0] for r in numbers.tolist()], [changes[r][1] for r in numbers.tolist()]
    removed = [int(r) for r in b.index.difference(a.index)]
    added = a.loc[a.index.difference(b.index)].sort_index()
    layout = layout_of(raw)
    append = []
    due_name = next((n for n in layout.names if _norm(n) in {_norm(d) for d in DUE_DATE_FIELDS}), None)
    known = {}
    if len(added):
        from reglo.core.pcg import pcg_label

        labelled = before[before["ledger_account_label"].astype(str) != ""]
        known = dict(zip(labelled["ledger_account"].astype(str), labelled["ledger_account_label"].astype(str)))
    for _, rec in added.iterrows():
        if not str(rec["ledger_account_label"] or ""):  # a line Reglo adds has its account label: the ledger's, else the PCG's
            rec = rec.copy()
            rec["ledger_account_label"] = known.get(str(rec["ledger_account"])) or pcg_label(str(rec["ledger_account"])) or ""
        values: dict[str, str] = {}
        for name, col in FEC_FIELDS:
            if col in ("debit", "credit", "foreign_amount"):
                continue
            v = rec[col]
            values[name] = _day(v) if col in ("entry_date", "document_date", "lettered_on", "validated_on") else ("" if v is None else str(v))
        if due_name:
            values[due_name] = _day(rec.get("due_date"))
        append.append(line_values(layout, values, debit_cents=int(rec["debit"]), credit_cents=int(rec["credit"])))
    last_read = int(b.index.max()) if len(b.index) else 1
    if verbatim:  # the lines put back verbatim below
        mine = ~np.isin(numbers, np.fromiter(verbatim.keys(), dtype="int64", count=len(verbatim)))
        pick = np.flatnonzero(mine)
        numbers = numbers[mine]
        new_codes, new_days = (x.take(pick) if isinstance(x, _Coded) else [x[i] for i in pick.tolist()] for x in (new_codes, new_days))
    lines = _line_bounds(raw)
    result = _splice(raw, layout, numbers, new_codes, new_days, append=append, remove=removed, strip_final_eol=strip_final_eol,
                     insert_after=last_read, lines=lines)
    if verbatim:
        if result.data is raw:  # nothing changed by the first pass (an undo): same layout, same lines
            again = _rewrite(raw, layout, verbatim, verbatim=True, lines=lines)
        else:
            again = rewrite(result.data, verbatim, verbatim=True)
        result = Rewrite(again.data, {**again.previous, **result.previous}, result.appended, result.eol_added, result.missing + again.missing)
    return result
