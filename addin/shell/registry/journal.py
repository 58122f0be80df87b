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
from pathlib import Path
from typing import Any, Iterator

_TAIL = 1 << 16
_DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode  # json.dumps(…, these options), one encoder
_STR = json.encoder.encode_basestring


class EncodedLines(tuple):
    """The lines of a ``begin`` entry's batch, each already written as the JSON text the
    journal's encoder gives its dict (``LineState.model_dump(mode="json")``, keys sorted): the
    journal splices them in as they are instead of encoding a hundred thousand dicts again."""


def encoded_lines(lines: Any, meta_texts: list[str]) -> EncodedLines | None:
    """``lines`` (register line drafts) as ``EncodedLines``, with their metas' JSON texts
    (``meta_texts``, keys sorted); None when a value is not of the plain type the direct
    writing handles (the caller then gives dicts)."""
    out = []
    s = _STR
    for l, meta in zip(lines, meta_texts):
        item, amount, pay, party, doc, orig = l.item_key, l.amount_cents, l.payment_key, l.party_code, l.document_ref, l.original_cents
        if type(item) is not str or type(party) is not str or type(doc) is not str or type(amount) is not int \
                or (pay is not None and type(pay) is not str) or (orig is not None and type(orig) is not int):
            return None
        out.append(f'{{"amount_cents": {int.__repr__(amount)}, "document_ref": {s(doc)}, "item_key": {s(item)}, "meta": {meta}, '
                   f'"original_cents": {"null" if orig is None else int.__repr__(orig)}, "party_code": {s(party)}, '
                   f'"payment_key": {"null" if pay is None else s(pay)}}}')
    return EncodedLines(out)


def entry_text(entry: dict[str, Any]) -> str:
    """The entry's JSON line (``json.dumps(entry, ensure_ascii=False, sort_keys=True,
    default=str)``), its batch's ``EncodedLines`` spliced in as they are."""
    batch = entry.get("batch")
    lines = batch.get("lines") if isinstance(batch, dict) else None
    if not isinstance(lines, EncodedLines):
        return _DUMPS(entry)
    token = f"\x00lines-{id(lines)}"
    text = _DUMPS({**entry, "batch": {**batch, "lines": token}})
    quoted = _DUMPS(token)
    if text.count(quoted) != 1:  # cannot happen (a NUL in a value?): the lines as dicts
        return _DUMPS({**entry, "batch": {**batch, "lines": [json.loads(t) for t in lines]}})
    return text.replace(quoted, "[" + ", ".join(lines) + "]")


class Journal:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def append(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        text = "".join(entry_text(e) + "\n" for e in entries)
        with open(self.path, "ab") as fh:
            # a line cut by a crash has no newline: start on a fresh line
            if fh.tell() > 0 and not self._ends_with_newline():
                text = "\n" + text
            fh.write(text.encode("utf-8"))
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
