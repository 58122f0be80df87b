"""The register's journal: ``reglo-registre.journal`` in the dossier folder, one JSON line per
change, appended (flushed and fsynced) right after the database transaction it describes.

Entry shapes (``seq`` = the change's number in the register's ``changes`` table, so that
replay is idempotent and a line missed by a crash can be written again from the database):

* ``{"seq", "op": "begin", "at", "batch": {…pending batch, its lines and files…}, "counters": {…}}``
* ``{"seq", "op": "status", "at", "batch_id", "reference", "from", "to", "reason", "by"}``
* ``{"seq", "op": "counters", "at", "counters": {…}}``
* ``{"seq", "op": "record", "at", "batch": {…whole batch, any status…}, "counters": {…}, "source"}``:
  a batch recorded as is (upgrade of a v1 register, repair from a file Reglo wrote).

:func:`replay` applies entries to an empty store; with the journal alone the register comes
back exactly (batches, lines, files, statuses, cancellations, counters).
"""
from __future__ import annotations

import json
import os
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

_TAIL = 1 << 16
_DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode  # json.dumps(…, these options), one encoder
_STR = json.encoder.encode_basestring


class EncodedLines(tuple):
    """The lines of a ``begin`` entry's batch, each already written as the JSON text the
    journal's encoder gives its dict (``LineState.model_dump(mode="json")``, keys sorted): the
    journal splices them in as they are instead of encoding a hundred thousand dicts again."""


_FIELDS = attrgetter("item_key", "amount_cents", "payment_key", "party_code", "document_ref", "original_cents")
_NONE = type(None)


def key_heads(keys: Iterable[str]) -> list[str]:
    """What the encoder writes before each value of a dict with these (sorted) string keys:
    ``{"a": ``, then ``, "b": ``…"""
    return [("{" if i == 0 else ", ") + _STR(k) + ": " for i, k in enumerate(keys)]


def object_texts(heads: list[str], columns: list[Iterable[str]]) -> list[str]:
    """The JSON text of each row of dicts with the keys of ``heads`` (:func:`key_heads`) whose
    values' texts are ``columns`` (one iterable per key, in the keys' order): each row's pieces
    joined by one ``str.join``, the rows by one ``map`` (a hundred thousand rows: no Python
    step per row)."""
    if not heads:
        raise ValueError("a dict of no key is written {}")
    pieces: list[Iterable[str]] = []
    for head, column in zip(heads, columns):
        pieces += (repeat(head), column)
    pieces.append(repeat("}"))
    return list(map("".join, zip(*pieces)))


_LINE_HEADS = key_heads(["amount_cents", "document_ref", "item_key", "meta", "original_cents", "party_code", "payment_key"])


def encoded_lines(lines: Any, meta_texts: list[str]) -> EncodedLines | None:
    """``lines`` (register line drafts) as ``EncodedLines``, with their metas' JSON texts
    (``meta_texts``, keys sorted); None when a value is not of the plain type the direct
    writing handles (the caller then gives dicts)."""
    lines = tuple(lines)
    if not lines:
        return EncodedLines()
    items, amounts, pays, parties, docs, origs = zip(*map(_FIELDS, lines))
    return encoded_columns(items, amounts, pays, parties, docs, origs, meta_texts)


def encoded_columns(items: tuple, amounts: tuple, pays: tuple, parties: tuple, docs: tuple, origs: tuple,
                    meta_texts: list[str]) -> EncodedLines | None:
    """:func:`encoded_lines` from the lines' fields taken column by column (the register has
    them so already): each column is checked and written by one call over all its values,
    and the lines by :func:`object_texts`, instead of a dozen Python steps per line (a
    lettering run journals a hundred thousand lines). None as there."""
    columns = []
    for values, kind, nullable in ((amounts, int, False), (docs, str, False), (items, str, False), (origs, int, True), (parties, str, False),
                                   (pays, str, True)):
        texts = _column(values, kind, nullable)
        if texts is None:
            return None
        columns.append(texts)
    columns.insert(3, meta_texts)
    return EncodedLines(object_texts(_LINE_HEADS, columns))


def _column(values: tuple, kind: type, nullable: bool) -> Iterable[str] | None:
    """The JSON texts of one field of every line; None when a value is not exactly of type
    ``kind`` (nor None, when ``nullable``): a subclass (a bool for an int) is left to the
    encoder."""
    if not set(map(type, values)) <= ({kind, _NONE} if nullable else {kind}):
        return None
    return plain_texts(values)


_PLAIN: dict[type, Any] = {str: _STR, int: int.__repr__, bool: {True: "true", False: "false"}.__getitem__, _NONE: lambda v: "null"}


def plain_texts(values: tuple | list) -> Iterable[str] | None:
    """The JSON texts of ``values`` when each is exactly a string, an integer, a boolean or
    None, as the encoder writes them (one call over a column of one type); None otherwise."""
    types = set(map(type, values))
    if len(types) == 1:
        (kind,) = types
        if kind is _NONE:
            return repeat("null", len(values))
        write = _PLAIN.get(kind)
        return None if write is None else map(write, values)
    if not types <= _PLAIN.keys():
        return None
    return [_PLAIN[type(v)](v) for v in values]


def entry_text(entry: dict[str, Any]) -> str:
    """The entry's JSON line (``json.dumps(entry, ensure_ascii=False, sort_keys=True,
    default=str)``), its batch's ``EncodedLines`` spliced in as they are."""
    return "".join(_entry_parts(entry))


def _entry_parts(entry: dict[str, Any]) -> list[str]:
    """:func:`entry_text` in pieces to join: the lines of a big batch are copied once into the
    journal's text, not again by each splice."""
    batch = entry.get("batch")
    lines = batch.get("lines") if isinstance(batch, dict) else None
    if not isinstance(lines, EncodedLines):
        return [_DUMPS(entry)]
    token = f"\x00lines-{id(lines)}"
    text = _DUMPS({**entry, "batch": {**batch, "lines": token}})
    quoted = _DUMPS(token)
    if text.count(quoted) != 1:  # cannot happen (a NUL in a value?): the lines as dicts
        return [_DUMPS({**entry, "batch": {**batch, "lines": [json.loads(t) for t in lines]}})]
    head, _, tail = text.partition(quoted)
    return [head, "[", ", ".join(lines), "]", tail]


class Journal:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def append(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        parts: list[str] = []
        for e in entries:
            parts += _entry_parts(e)
            parts.append("\n")
        data = "".join(parts).encode("utf-8")
        with open(self.path, "ab") as fh:
            # a line cut by a crash has no newline: start on a fresh line
            if fh.tell() > 0 and not self._ends_with_newline():
                data = b"\n" + data
            fh.write(data)  # one write, as one text
            fh.flush()
            os.fsync(fh.fileno())

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every readable entry in file order (a line cut by a crash is skipped)."""
        if not self.path.is_file():
            return
        with open(self.path, "rb") as fh:
            for raw in fh:
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    entry = json.loads(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    continue
                if isinstance(entry, dict) and "op" in entry:
                    yield entry

    def seqs(self) -> set[int]:
        return {int(e["seq"]) for e in self.entries() if isinstance(e.get("seq"), int)}

    def last_seq(self) -> int:
        """The ``seq`` of the last complete line (0 when none): a cheap tail read."""
        if not self.path.is_file():
            return 0
        size = self.path.stat().st_size
        with open(self.path, "rb") as fh:
            fh.seek(max(0, size - _TAIL))
            tail = fh.read().splitlines()
        for raw in reversed(tail):
            try:
                entry = json.loads(raw.decode("utf-8"))
                return int(entry.get("seq") or 0)
            except (ValueError, UnicodeDecodeError, AttributeError):
                continue
        return 0 if size <= _TAIL else max(self.seqs(), default=0)


def replay(entries: list[dict[str, Any]] | Iterator[dict[str, Any]], store: Any) -> int:
    """Apply journal entries in ``seq`` order to ``store`` (an :class:`~._sql.SqlStore`);
    entries already applied are skipped. Returns how many were applied."""
    ordered = sorted(entries, key=lambda e: int(e.get("seq") or 0))
    return store._apply_entries(ordered)
