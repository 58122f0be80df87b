"""What the SQLite and PostgreSQL registers share: the same tables, the same statements
(written with ``?`` placeholders; the PostgreSQL store turns them into ``%s``) and the same
rules, so that both behave identically. A backend supplies its connection, its write
transaction (``BEGIN IMMEDIATE`` / row lock on the dossier's row), its read transaction and
its dossier lock.

Tables (every row carries ``dossier_id``: one PostgreSQL database holds many dossiers):

* ``dossiers``: dossier_id, next_batch_id, next_seq (per-dossier ids, handed out under the
  dossier row's lock), created_at;
* ``batches``: id, kind, reference (UNIQUE per dossier), status (pending / committed /
  cancelled / rolled_back), is_test, created_at, host, folder, user_name, meta (JSON),
  cancelled_at, cancel_reason;
* ``files``: batch_id, seq, folder, name, sha256, role, replaces_sha256 — a (folder, name)
  is never used by two batches (partial UNIQUE index, ledger rewrites excepted);
* ``lines``: batch_id, seq, item_key, payment_key, party_code, document_ref, amount_cents,
  original_cents, meta, live (batch pending/committed and not a test), claims (first line of
  its payment_key in the batch) — partial UNIQUE index on payment_key WHERE live AND claims:
  a payment is in at most one live batch;
* ``counters``: name, value — only moves forward;
* ``changes``: seq, batch_id, at, from_status, to_status, reason, by_user, payload (JSON):
  the status history, also the ``seq`` of the journal lines.
"""
from __future__ import annotations

import json
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import Any, Callable, Iterable, Iterator

from reglo.core.fastmodel import constructor
from reglo.core.gc_pause import gc_paused
from reglo.core.outcome import BatchDraft, CancelDraft
from reglo.core.register_state import LIVE_STATUSES, BatchState, BatchStatus, FileRecord, LineState, RegisterSnapshot

from reglo.addin.shell.registry.journal import encoded_columns, key_heads, object_texts, plain_texts
from reglo.addin.shell.registry.base import (
    CANCELS_META,
    TRANSITIONS,
    CounterConflict,
    DuplicatePaymentError,
    DuplicateReferenceError,
    InvalidTransition,
    RegisterError,
)
from reglo.addin.shell.registry.journal import Journal

_CHUNK = 400
_ROWS_PER_INSERT = 64  # lines per INSERT statement: 768 parameters, under SQLite's former limit of 999
SCHEMA_VERSION = 2

# The same DDL for both backends (SQLite accepts BIGINT/SMALLINT and partial indexes).
SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    dossier_id TEXT PRIMARY KEY,
    next_batch_id BIGINT NOT NULL DEFAULT 0,
    next_seq BIGINT NOT NULL DEFAULT 0,
    created_at TEXT
);
CREATE TABLE IF NOT EXISTS batches (
    dossier_id TEXT NOT NULL REFERENCES dossiers(dossier_id),
    id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'committed', 'cancelled', 'rolled_back')),
    is_test SMALLINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    host TEXT NOT NULL DEFAULT '',
    folder TEXT NOT NULL DEFAULT '',
    user_name TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL DEFAULT '{}',
    cancelled_at TEXT,
    cancel_reason TEXT,
    PRIMARY KEY (dossier_id, id),
    UNIQUE (dossier_id, reference)
);
CREATE TABLE IF NOT EXISTS files (
    dossier_id TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    folder TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'data',
    replaces_sha256 TEXT,
    PRIMARY KEY (dossier_id, batch_id, seq),
    FOREIGN KEY (dossier_id, batch_id) REFERENCES batches(dossier_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS files_name ON files(dossier_id, folder, name) WHERE replaces_sha256 IS NULL;
CREATE TABLE IF NOT EXISTS lines (
    dossier_id TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    payment_key TEXT,
    party_code TEXT NOT NULL DEFAULT '',
    document_ref TEXT NOT NULL DEFAULT '',
    amount_cents BIGINT NOT NULL,
    original_cents BIGINT,
    meta TEXT NOT NULL DEFAULT '{}',
    live SMALLINT NOT NULL,
    claims SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dossier_id, batch_id, seq),
    FOREIGN KEY (dossier_id, batch_id) REFERENCES batches(dossier_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS lines_live_key ON lines(dossier_id, payment_key) WHERE live = 1 AND claims = 1 AND payment_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS lines_item ON lines(dossier_id, item_key);
CREATE TABLE IF NOT EXISTS counters (
    dossier_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, name)
);
CREATE TABLE IF NOT EXISTS changes (
    dossier_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    batch_id BIGINT,
    at TEXT,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    by_user TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (dossier_id, seq)
);
"""

_BATCH_COLS = "id, kind, reference, status, is_test, created_at, host, folder, user_name, meta, cancelled_at, cancel_reason"
_LINE_COLS = "dossier_id, batch_id, seq, item_key, payment_key, party_code, document_ref, amount_cents, original_cents, meta, live, claims"
_LINE_WIDTH = _LINE_COLS.count(",") + 1


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode  # json.dumps(…) with these options, one encoder
_STR = json.encoder.encode_basestring  # a string as the encoder writes it (ensure_ascii=False)


def _dumps(value: Any) -> str:
    return _ENCODE(value)


_LINE_STATE = constructor(LineState)


def _flat_json(meta: dict[str, Any]) -> str | None:
    """``_ENCODE(meta)`` for a flat meta (string keys; string, integer, boolean or null values),
    the same text, written directly (several times quicker than the encoder's call for a meta of
    a few keys, and a lettering run records a hundred thousand); None for any other meta."""
    parts = []
    for k in sorted(meta) if len(meta) > 1 else meta:
        if type(k) is not str:
            return None
        v = meta[k]
        t = type(v)
        if t is str:
            parts.append(f"{_STR(k)}: {_STR(v)}")
        elif t is bool:
            parts.append(f"{_STR(k)}: {'true' if v else 'false'}")
        elif t is int:
            parts.append(f"{_STR(k)}: {int.__repr__(v)}")
        elif v is None:
            parts.append(f"{_STR(k)}: null")
        else:
            return None
    return "{" + ", ".join(parts) + "}"


def _meta_json(meta: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(``meta`` as it reads back from the register, its JSON text). A flat meta of strings,
    integers, booleans and nulls reads back as itself (the same dict, not copied: it is only
    encoded again, keys sorted): no decoding needed."""
    text = _flat_json(meta)
    if text is not None:
        return meta, text
    text = _ENCODE(meta)
    return json.loads(text), text


def _begin_meta_text(meta: Any) -> str:
    """A new batch's line meta as recorded (an empty meta as ``{}``)."""
    return _meta_json(meta)[1] if meta else "{}"


_LINE_FIELDS = attrgetter("item_key", "payment_key", "party_code", "document_ref", "amount_cents", "original_cents", "meta")


class _Lines:
    """A batch's lines field by field (one tuple per field, in line order) with their metas'
    JSON texts: what the register inserts and journals, read from the line objects in one pass
    (``attrgetter``) instead of a dozen attribute reads per line in each step. Built without
    cyclic GC: a row tuple per line, then one per meta, none in a cycle (a replayed or
    recorded batch of a hundred thousand lines otherwise pays full collections of its models)."""

    __slots__ = ("items", "pays", "parties", "docs", "amounts", "origs", "metas", "meta_texts")

    def __init__(self, lines: Iterable[Any], meta_text: Callable[[Any], str]):
        with gc_paused():
            lines = tuple(lines)
            if lines:
                self.items, self.pays, self.parties, self.docs, self.amounts, self.origs, self.metas = zip(*map(_LINE_FIELDS, lines))
            else:
                self.items = self.pays = self.parties = self.docs = self.amounts = self.origs = self.metas = ()
            self.meta_texts = _meta_texts(self.metas, meta_text)

    def __len__(self) -> int:
        return len(self.items)


def _meta_texts(metas: tuple, one: Callable[[Any], str]) -> list[str]:
    """``[one(m) for m in metas]``, ``one`` writing a dict meta as ``_ENCODE`` does. Metas that
    are all dicts of the same string keys with plain values (strings, integers, booleans,
    nulls: a lettering run's hundred thousand receipts) are written key by key: each key's
    values by one call over all of them, the metas by :func:`~.journal.object_texts`; any
    others one by one."""
    texts = _same_keys_texts(metas) if metas else None
    return texts if texts is not None else [one(m) for m in metas]


def _same_keys_texts(metas: tuple) -> list[str] | None:
    """The encoder's texts of ``metas`` when they are dicts of one set of string keys whose
    values are plain, key by key; None otherwise."""
    if set(map(type, metas)) != {dict}:
        return None
    names = list(metas[0])
    if any(type(k) is not str for k in names) or set(map(len, metas)) != {len(names)}:
        return None
    if not names:
        return ["{}"] * len(metas)
    names.sort()
    try:  # every meta has these keys, and as many: the same keys
        columns = [list(map(itemgetter(names[0]), metas))] if len(names) == 1 else list(zip(*map(itemgetter(*names), metas)))
    except KeyError:
        return None
    texts = []
    for values in columns:
        written = plain_texts(values)  # _flat_json's values
        if written is None:
            return None
        texts.append(written)
    return object_texts(key_heads(names), texts)  # the keys sorted, as the encoder writes them


def _loads_many(texts: list[str | None]) -> list[dict[str, Any]]:
    """``[_loads(t) for t in texts]``, decoded as one JSON array (one call of the C decoder
    instead of one per line); a text that does not decode alone is decoded alone, as before."""
    if len(texts) < 64:
        return [_loads(t) for t in texts]
    try:
        out = json.loads("[" + ",".join(t if t else "{}" for t in texts) + "]")
    except ValueError:
        return [_loads(t) for t in texts]
    if len(out) != len(texts):  # a text held more than one value: decode each alone
        return [_loads(t) for t in texts]
    return out


def _loads(text: str | None) -> dict[str, Any]:
    if not text or text == "{}":
        return {}
    return json.loads(text)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def batch_entry(b: BatchState) -> dict[str, Any]:
    return b.model_dump(mode="json")


class SqlStore:
    """The shared implementation of :class:`~.base.RegisterStore` (see the module docstring)."""

    backend = "sql"
    _PARAM = "?"
    dossier_id: str
    description: str
    journal: Journal | None

    # ------------------------------------------------------------ backend hooks
    def _write(self) -> AbstractContextManager[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _is_integrity_error(self, exc: BaseException) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def lock(self, timeout: float = 60.0) -> AbstractContextManager[None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------ helpers
    def _x(self, cur: Any, sql: str, args: Iterable[Any] = ()) -> Any:
        if self._PARAM != "?":
            sql = sql.replace("?", self._PARAM)
        cur.execute(sql, tuple(args))
        return cur

    def _xm(self, cur: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._PARAM != "?":
            sql = sql.replace("?", self._PARAM)
        cur.executemany(sql, rows)

    def _ensure_dossier(self, cur: Any, at: datetime) -> None:
        self._x(cur, "INSERT INTO dossiers(dossier_id, next_batch_id, next_seq, created_at) VALUES (?, 0, 0, ?) ON CONFLICT (dossier_id) DO NOTHING",
                (self.dossier_id, _iso(at)))

    def _next(self, cur: Any, column: str) -> int:
        """Next per-dossier number; the UPDATE locks the dossier's row until the commit."""
        row = self._x(cur, f"UPDATE dossiers SET {column} = {column} + 1 WHERE dossier_id = ? RETURNING {column}", (self.dossier_id,)).fetchone()
        return int(row[0])

    def _bump(self, cur: Any, *, batch_id: int = 0, seq: int = 0) -> None:
        self._x(cur, "UPDATE dossiers SET next_batch_id = CASE WHEN next_batch_id < ? THEN ? ELSE next_batch_id END, "
                     "next_seq = CASE WHEN next_seq < ? THEN ? ELSE next_seq END WHERE dossier_id = ?",
                (batch_id, batch_id, seq, seq, self.dossier_id))

    def _journal(self, entries: list[dict[str, Any]]) -> None:
        if self.journal is not None:
            self.journal.append(entries)

    # ------------------------------------------------------------ reading
    def snapshot(self, *, lettering_lines: bool = True) -> RegisterSnapshot:
        """The whole register. ``lettering_lines=False`` leaves out the lines of the lettering
        batches (``lettrage`` / ``délettrage``: the customer receipts of « Données
        d'encaissement », tens of thousands per run on a big ledger) for the buttons that never
        read them; their batches, files and statuses are all there."""
        d = self.dossier_id
        with self._read() as cur:
            brows = self._x(cur, f"SELECT {_BATCH_COLS} FROM batches WHERE dossier_id = ? ORDER BY id", (d,)).fetchall()
            frows = self._x(cur, "SELECT batch_id, folder, name, sha256, role, replaces_sha256 FROM files WHERE dossier_id = ? ORDER BY batch_id, seq", (d,)).fetchall()
            skip = "" if lettering_lines else (" AND batch_id NOT IN (SELECT id FROM batches WHERE dossier_id = ? AND kind IN ('lettrage', 'délettrage'))")
            lrows = self._x(cur, "SELECT batch_id, item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta FROM lines "
                                 f"WHERE dossier_id = ?{skip} ORDER BY batch_id, seq", (d,) if lettering_lines else (d, d)).fetchall()
            crows = self._x(cur, "SELECT name, value FROM counters WHERE dossier_id = ? ORDER BY name", (d,)).fetchall()
        files: dict[int, list[FileRecord]] = {}
        for r in frows:
            files.setdefault(r[0], []).append(FileRecord.model_construct(folder=r[1], name=r[2], sha256=r[3], role=r[4], replaces_sha256=r[5]))
        lines: dict[int, list[LineState]] = {}
        make = _LINE_STATE  # item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta
        with gc_paused():  # rows, dicts and lines: no cycle among them, a hundred thousand after a big lettering run
            metas = _loads_many([r[7] for r in lrows])
            for r, meta in zip(lrows, metas):
                lines.setdefault(r[0], []).append(make(r[1], int(r[2]), r[3], r[4], r[5], None if r[6] is None else int(r[6]), meta))
        batches = tuple(
            BatchState.model_construct(
                id=int(r[0]), kind=r[1], reference=r[2], status=r[3], is_test=bool(r[4]), created_at=_dt(r[5]), host=r[6], folder=r[7],
                user=r[8], files=tuple(files.get(r[0], ())), lines=tuple(lines.get(r[0], ())), meta=_loads(r[9]),
                cancelled_at=_dt(r[10]), cancel_reason=r[11])
            for r in brows
        )
        return RegisterSnapshot(dossier_id=d, batches=batches, counters={r[0]: int(r[1]) for r in crows})

    def history(self, batch_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT seq, batch_id, at, from_status, to_status, reason, by_user, payload FROM changes WHERE dossier_id = ?"
        args: list[Any] = [self.dossier_id]
        if batch_id is not None:
            sql += " AND batch_id = ?"
            args.append(batch_id)
        with self._read() as cur:
            rows = self._x(cur, sql + " ORDER BY seq", args).fetchall()
        return [{"seq": int(r[0]), "batch_id": r[1], "at": r[2], "from": r[3], "to": r[4], "reason": r[5], "by": r[6], "payload": _loads(r[7])} for r in rows]

    def max_seq(self) -> int:
        with self._read() as cur:
            row = self._x(cur, "SELECT MAX(seq) FROM changes WHERE dossier_id = ?", (self.dossier_id,)).fetchone()
        return int(row[0] or 0)

    def is_empty(self) -> bool:
        with self._read() as cur:
            return self._x(cur, "SELECT 1 FROM changes WHERE dossier_id = ? LIMIT 1", (self.dossier_id,)).fetchone() is None

    # ------------------------------------------------------------ writing
    def _check_counters(self, cur: Any, counters: dict[str, int], expected: dict[str, int] | None) -> None:
        names = sorted(set(counters) | set(expected or {}))
        if not names:
            return
        current = {r[0]: int(r[1]) for r in self._x(cur, f"SELECT name, value FROM counters WHERE dossier_id = ? AND name IN ({','.join('?' * len(names))})",
                                                     (self.dossier_id, *names)).fetchall()}
        for name in names:
            now = current.get(name, 0)
            if expected is not None and name in expected and now != int(expected[name]):
                raise CounterConflict(f"Le compteur « {name} » a bougé depuis la lecture du registre ({expected[name]} lu, {now} maintenant) : "
                                      "une autre exécution a attribué des identifiants. Relancez l'opération.")
            if name in counters and int(counters[name]) < now:
                raise CounterConflict(f"Le compteur « {name} » ne peut pas reculer ({now} → {counters[name]}) : relancez l'opération.")
        self._set_counters(cur, counters)

    def _set_counters(self, cur: Any, counters: dict[str, int]) -> None:
        self._xm(cur, "INSERT INTO counters(dossier_id, name, value) VALUES (?, ?, ?) ON CONFLICT (dossier_id, name) DO UPDATE SET value = "
                      "CASE WHEN counters.value < excluded.value THEN excluded.value ELSE counters.value END",
                 [(self.dossier_id, k, int(v)) for k, v in sorted(counters.items())])

    def _taken(self, cur: Any, reference: str, files: list[FileRecord]) -> list[str]:
        d = self.dossier_id
        taken = []
        if self._x(cur, "SELECT 1 FROM batches WHERE dossier_id = ? AND reference = ?", (d, reference)).fetchone():
            taken.append(reference)
        seen: set[tuple[str, str]] = set()
        for f in files:
            if f.replaces_sha256 is not None:
                continue
            if (f.folder, f.name) in seen or self._x(cur, "SELECT 1 FROM files WHERE dossier_id = ? AND folder = ? AND name = ? AND replaces_sha256 IS NULL",
                                                     (d, f.folder, f.name)).fetchone():
                taken.append(f.name)
            seen.add((f.folder, f.name))
        return taken

    def _live_keys(self, cur: Any, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            rows = self._x(cur, f"SELECT DISTINCT payment_key FROM lines WHERE dossier_id = ? AND live = 1 AND claims = 1 AND payment_key IN ({','.join('?' * len(chunk))})",
                           (self.dossier_id, *chunk)).fetchall()
            found.update(r[0] for r in rows)
        return found

    def _insert_batch(self, cur: Any, b: BatchState, *, strict: bool, lines: _Lines | None = None) -> None:
        """Insert a batch with its id. ``strict``: a payment key already live raises
        :class:`DuplicatePaymentError`; otherwise (upgrade, replay) the line is kept without
        claiming its key. ``lines``: the lines to insert when they are not ``b.lines`` (a new
        batch's draft lines, their metas already written)."""
        d = self.dossier_id
        live = 1 if (b.status in LIVE_STATUSES and not b.is_test) else 0
        cols = lines if lines is not None else _Lines(b.lines, _dumps)
        keys = sorted(set(filter(None, cols.pays)))
        taken = self._live_keys(cur, keys) if (live and keys) else set()
        if taken and strict:
            raise DuplicatePaymentError(sorted(taken))
        self._x(cur, f"INSERT INTO batches(dossier_id, {_BATCH_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (d, b.id, b.kind, b.reference, b.status, 1 if b.is_test else 0, _iso(b.created_at), b.host, b.folder, b.user, _dumps(b.meta),
                 _iso(b.cancelled_at), b.cancel_reason))
        self._xm(cur, "INSERT INTO files(dossier_id, batch_id, seq, folder, name, sha256, role, replaces_sha256) VALUES (?,?,?,?,?,?,?,?)",
                 [(d, b.id, i, f.folder, f.name, f.sha256, f.role, f.replaces_sha256) for i, f in enumerate(b.files)])
        n = len(cols)
        claims: Iterable[int] = repeat(0, n)  # no payment key: no line claims one
        if keys:
            claimed: set[str] = set(taken)
            claims = []
            for key in cols.pays:  # the first line of each key not live elsewhere claims it
                if key and key not in claimed:
                    claims.append(1)
                    claimed.add(key)
                else:
                    claims.append(0)
        amounts = cols.amounts if set(map(type, cols.amounts)) <= {int} else list(map(int, cols.amounts))
        self._insert_lines(cur, zip(repeat(d), repeat(b.id), range(n), cols.items, cols.pays, cols.parties, cols.docs, amounts, cols.origs,
                                    cols.meta_texts, repeat(live), claims), n)

    def _insert_lines(self, cur: Any, rows: Iterable[tuple[Any, ...]], count: int) -> None:
        """Insert ``count`` rows of ``lines`` (the columns of :data:`_LINE_COLS`), in their order:
        :data:`_ROWS_PER_INSERT` rows per statement, which spares SQLite a statement's start and
        end per row (about 40 % of a hundred thousand lines' insert) and gives the same rows,
        rowids included, as one statement per row; a broken constraint fails the statement,
        and the transaction, all the same. The PostgreSQL store copies them (``COPY``)."""
        if not count:
            return
        flat = list(chain.from_iterable(rows))
        step = _LINE_WIDTH * _ROWS_PER_INSERT
        whole = count // _ROWS_PER_INSERT * step
        row = "(" + ",".join("?" * _LINE_WIDTH) + ")"
        if whole:
            self._xm(cur, f"INSERT INTO lines({_LINE_COLS}) VALUES " + ",".join([row] * _ROWS_PER_INSERT), [flat[i:i + step] for i in range(0, whole, step)])
        if whole < len(flat):
            self._x(cur, f"INSERT INTO lines({_LINE_COLS}) VALUES " + ",".join([row] * ((len(flat) - whole) // _LINE_WIDTH)), flat[whole:])

    def _change(self, cur: Any, *, batch_id: int | None, at: datetime | str | None, old: str | None, new: str, reason: str | None = None, by: str = "",
                payload: dict[str, Any] | None = None, seq: int | None = None) -> int:
        if seq is None:
            seq = self._next(cur, "next_seq")
        self._x(cur, "INSERT INTO changes(dossier_id, seq, batch_id, at, from_status, to_status, reason, by_user, payload) VALUES (?,?,?,?,?,?,?,?,?)",
                (self.dossier_id, seq, batch_id, at if isinstance(at, str) or at is None else _iso(at), old, new, reason, by or "", _dumps(payload or {})))
        return seq

    def _diagnose(self, draft: BatchDraft, files: list[FileRecord]) -> RegisterError:
        """Why an INSERT broke a constraint (another run won the race): the right error."""
        with self._read() as cur:
            taken = self._taken(cur, draft.reference, files)
            if taken:
                return DuplicateReferenceError(taken)
            keys = sorted({l.payment_key for l in draft.lines if l.payment_key})
            dup = self._live_keys(cur, keys) if keys and not draft.is_test else set()
        if dup:
            return DuplicatePaymentError(sorted(dup))
        return RegisterError(f"Le lot « {draft.reference} » n'a pas pu être enregistré : le registre a refusé une écriture concurrente. Relancez l'opération.")

    def _insert_pending(self, cur: Any, draft: BatchDraft, *, files: list[FileRecord], host: str, folder: str, user: str,
                        at: datetime) -> tuple[BatchState, dict[str, Any]]:
        """Insert ``draft`` as a *pending* batch (reference and file names unused so far); returns
        the batch (without its lines) and its journal entry (with them)."""
        taken = self._taken(cur, draft.reference, files)
        if taken:
            raise DuplicateReferenceError(taken)
        cols = _Lines(draft.lines, _begin_meta_text)
        # the lines as LineState.model_dump(mode="json") gives them (the journal's form), without the
        # models: written as JSON here when their values allow it, else as dicts
        lines_json: Any = encoded_columns(cols.items, cols.amounts, cols.pays, cols.parties, cols.docs, cols.origs, cols.meta_texts)
        if lines_json is None:
            lines_json = [{"item_key": l.item_key, "amount_cents": int(l.amount_cents), "payment_key": l.payment_key, "party_code": l.party_code,
                           "document_ref": l.document_ref, "original_cents": l.original_cents, "meta": _meta_json(l.meta)[0] if l.meta else {}}
                          for l in draft.lines]
        state = BatchState(
            id=self._next(cur, "next_batch_id"), kind=draft.kind, reference=draft.reference, status="pending", is_test=draft.is_test, created_at=at,
            host=host, folder=folder, user=user, files=tuple(files), meta=json.loads(_dumps(draft.meta)), lines=(),
        )
        self._insert_batch(cur, state, strict=True, lines=cols)
        return state, {**batch_entry(state), "lines": lines_json}

    def begin(self, draft: BatchDraft, *, files: list[FileRecord], counters: dict[str, int], host: str, folder: str, user: str, at: datetime,
              expected_counters: dict[str, int] | None = None, cancels: list[CancelDraft] | tuple = ()) -> int:
        files = list(files)
        try:
            with self._write() as cur:
                self._check_counters(cur, dict(counters or {}), expected_counters)
                if cancels:
                    draft = draft.model_copy(update={"meta": {**draft.meta, CANCELS_META: self._check_cancels(cur, cancels)}})
                state, entry = self._insert_pending(cur, draft, files=files, host=host, folder=folder, user=user, at=at)
                batch_id = state.id
                seq = self._change(cur, batch_id=batch_id, at=at, old=None, new="pending", by=user, payload={"counters": dict(counters or {})})
        except RegisterError:
            raise
        except Exception as exc:
            if self._is_integrity_error(exc):
                raise self._diagnose(draft, files) from exc
            raise
        self._journal([{"seq": seq, "op": "begin", "at": _iso(at), "batch": entry, "counters": dict(counters or {})}])
        return batch_id

    @contextmanager
    def record_atomic(self, draft: BatchDraft, *, files: list[FileRecord], host: str, folder: str, user: str, at: datetime) -> Iterator[int]:
        """Former interface (``PaymentRegister.pending_batch``): the batch is recorded
        *committed* in one transaction that stays open for the ``with`` block and commits only
        when the block ends normally (nothing recorded otherwise). The commit protocol
        (:meth:`begin` / :meth:`set_status`) replaces it."""
        files = list(files)
        try:
            with self._write() as cur:
                state, entry = self._insert_pending(cur, draft, files=files, host=host, folder=folder, user=user, at=at)
                batch_id = state.id
                seq1 = self._change(cur, batch_id=batch_id, at=at, old=None, new="pending", by=user, payload={"counters": {}})
                self._apply_status(cur, batch_id, "committed", at=_iso(at), reason=None, is_test=draft.is_test)
                seq2 = self._change(cur, batch_id=batch_id, at=at, old="pending", new="committed", by=user)
                yield batch_id
        except RegisterError:
            raise
        except Exception as exc:
            if self._is_integrity_error(exc):
                raise self._diagnose(draft, files) from exc
            raise
        self._journal([{"seq": seq1, "op": "begin", "at": _iso(at), "batch": entry, "counters": {}},
                       {"seq": seq2, "op": "status", "at": _iso(at), "batch_id": batch_id, "reference": draft.reference, "from": "pending",
                        "to": "committed", "reason": None, "by": user}])

    def set_status(self, batch_id: int, status: BatchStatus, *, at: datetime, reason: str | None = None, by: str = "") -> None:
        lines: list[dict[str, Any]] = []
        with self._write() as cur:
            row = self._x(cur, "SELECT status, is_test, reference, meta FROM batches WHERE dossier_id = ? AND id = ?", (self.dossier_id, batch_id)).fetchone()
            if row is None:
                raise InvalidTransition(f"Lot {batch_id} inconnu dans le {self.description}.")
            old, is_test, reference = row[0], bool(row[1]), row[2]
            if old == status:
                return
            if status not in TRANSITIONS.get(old, frozenset()):
                raise InvalidTransition(f"Le lot {batch_id} (« {reference} ») est « {_FR.get(old, old)} » : il ne peut pas passer à « {_FR.get(status, status)} ».")
            self._apply_status(cur, batch_id, status, at=_iso(at), reason=reason, is_test=is_test)
            seq = self._change(cur, batch_id=batch_id, at=at, old=old, new=status, reason=reason, by=by)
            lines.append({"seq": seq, "op": "status", "at": _iso(at), "batch_id": batch_id, "reference": reference, "from": old, "to": status,
                          "reason": reason, "by": by})
            if old == "pending" and status == "committed":
                lines += self._apply_cancels(cur, _loads(row[3]).get(CANCELS_META) or [], at=at, by=by)
        self._journal(lines)

    def _check_cancels(self, cur: Any, cancels: list[CancelDraft] | tuple) -> list[dict[str, Any]]:
        """The cancellations a pending batch will carry: each target exists under its reference
        and is committed (or already cancelled: nothing to do then)."""
        out = []
        for c in cancels:
            c = c if isinstance(c, CancelDraft) else CancelDraft.model_validate(c)
            row = self._x(cur, "SELECT status, reference FROM batches WHERE dossier_id = ? AND id = ?", (self.dossier_id, c.batch_id)).fetchone()
            if row is None or row[1] != c.reference:
                raise InvalidTransition(f"Lot {c.batch_id} (« {c.reference} ») inconnu dans le {self.description} : rien n'a été enregistré.")
            if row[0] not in ("committed", "cancelled"):
                raise InvalidTransition(f"Le lot {c.batch_id} (« {c.reference} ») est « {_FR.get(row[0], row[0])} » : il ne peut pas être annulé. "
                                        "Rien n'a été enregistré.")
            out.append({"batch_id": c.batch_id, "reference": c.reference, "reason": c.reason})
        return out

    def _apply_cancels(self, cur: Any, cancels: list[dict[str, Any]], *, at: datetime, by: str) -> list[dict[str, Any]]:
        """Cancel the committed batches a batch being committed carries (same transaction);
        a target already cancelled is left as is. Returns the journal lines."""
        lines = []
        for c in cancels:
            bid = int(c["batch_id"])
            row = self._x(cur, "SELECT status, is_test, reference FROM batches WHERE dossier_id = ? AND id = ?", (self.dossier_id, bid)).fetchone()
            if row is None or row[0] != "committed":
                continue
            why = c.get("reason") or ""
            self._apply_status(cur, bid, "cancelled", at=_iso(at), reason=why, is_test=bool(row[1]))
            seq = self._change(cur, batch_id=bid, at=at, old="committed", new="cancelled", reason=why, by=by)
            lines.append({"seq": seq, "op": "status", "at": _iso(at), "batch_id": bid, "reference": row[2], "from": "committed", "to": "cancelled",
                          "reason": why, "by": by})
        return lines

    def _apply_status(self, cur: Any, batch_id: int, status: str, *, at: str | None, reason: str | None, is_test: bool) -> None:
        if status == "cancelled":
            self._x(cur, "UPDATE batches SET status = ?, cancelled_at = ?, cancel_reason = ? WHERE dossier_id = ? AND id = ?",
                    (status, at, reason or "", self.dossier_id, batch_id))
        else:
            self._x(cur, "UPDATE batches SET status = ? WHERE dossier_id = ? AND id = ?", (status, self.dossier_id, batch_id))
        live = 1 if status in LIVE_STATUSES and not is_test else 0
        # only the lines whose flag changes: pending → committed rewrites none of them (a
        # hundred thousand rows rewritten for nothing, new row versions on PostgreSQL)
        self._x(cur, "UPDATE lines SET live = ? WHERE dossier_id = ? AND batch_id = ? AND live <> ?", (live, self.dossier_id, batch_id, live))

    def advance_counters(self, counters: dict[str, int], *, at: datetime, expected: dict[str, int] | None = None) -> None:
        if not counters:
            return
        with self._write() as cur:
            self._check_counters(cur, dict(counters), expected)
            seq = self._change(cur, batch_id=None, at=at, old=None, new="counters", payload={"counters": dict(counters)})
        self._journal([{"seq": seq, "op": "counters", "at": _iso(at), "counters": dict(counters)}])

    def record(self, batch: BatchState, *, counters: dict[str, int] | None = None, at: datetime, source: str) -> int:
        """Record a whole batch as is (repair of a file Reglo wrote, migration): a new id is
        given when ``batch.id`` is 0. Its payment keys never block (already paid is paid)."""
        with self._write() as cur:
            if self._taken(cur, batch.reference, list(batch.files)):
                raise DuplicateReferenceError([batch.reference])
            if not batch.id:
                batch = batch.model_copy(update={"id": self._next(cur, "next_batch_id")})
            else:
                self._bump(cur, batch_id=batch.id)
            self._insert_batch(cur, batch, strict=False)
            if counters:
                self._set_counters(cur, counters)
            seq = self._change(cur, batch_id=batch.id, at=at, old=None, new=batch.status, payload={"source": source, "counters": dict(counters or {})})
        self._journal([{"seq": seq, "op": "record", "at": _iso(at), "batch": batch_entry(batch), "counters": dict(counters or {}), "source": source}])
        return batch.id

    # ------------------------------------------------------------ replay (rebuild, migrate)
    def _apply_entries(self, entries: list[dict[str, Any]]) -> int:
        applied = 0
        with self._write() as cur:
            for e in entries:
                seq = int(e.get("seq") or 0)
                if seq and self._x(cur, "SELECT 1 FROM changes WHERE dossier_id = ? AND seq = ?", (self.dossier_id, seq)).fetchone():
                    continue
                op = e.get("op")
                if op in ("begin", "record"):
                    b = BatchState.model_validate(e["batch"])
                    if self._x(cur, "SELECT 1 FROM batches WHERE dossier_id = ? AND id = ?", (self.dossier_id, b.id)).fetchone():
                        continue
                    self._insert_batch(cur, b, strict=False)
                    self._set_counters(cur, {k: int(v) for k, v in (e.get("counters") or {}).items()})
                    payload: dict[str, Any] = {"counters": e.get("counters") or {}}
                    if op == "record":
                        payload["source"] = e.get("source")
                    self._bump(cur, batch_id=b.id, seq=seq)
                    self._change(cur, batch_id=b.id, at=e.get("at"), old=None, new=b.status, by=b.user if op == "begin" else "", payload=payload, seq=seq or None)
                elif op == "status":
                    bid = int(e["batch_id"])
                    row = self._x(cur, "SELECT is_test FROM batches WHERE dossier_id = ? AND id = ?", (self.dossier_id, bid)).fetchone()
                    if row is None:
                        continue
                    self._apply_status(cur, bid, e["to"], at=e.get("at"), reason=e.get("reason"), is_test=bool(row[0]))
                    self._bump(cur, seq=seq)
                    self._change(cur, batch_id=bid, at=e.get("at"), old=e.get("from"), new=e["to"], reason=e.get("reason"), by=e.get("by") or "", seq=seq or None)
                elif op == "counters":
                    self._set_counters(cur, {k: int(v) for k, v in (e.get("counters") or {}).items()})
                    self._bump(cur, seq=seq)
                    self._change(cur, batch_id=None, at=e.get("at"), old=None, new="counters", payload={"counters": e.get("counters") or {}}, seq=seq or None)
                else:
                    continue
                applied += 1
        return applied

    def entries_from_db(self, seqs: set[int] | None = None) -> list[dict[str, Any]]:
        """Journal entries rebuilt from the database (every change, or those in ``seqs``):
        to write a line a crash kept out of the journal, or to migrate a register."""
        snap = {b.id: b for b in self.snapshot().batches}
        out = []
        for h in self.history():
            if seqs is not None and h["seq"] not in seqs:
                continue
            base = {"seq": h["seq"], "at": h["at"]}
            if h["to"] == "counters":
                out.append({**base, "op": "counters", "counters": h["payload"].get("counters") or {}})
            elif h["from"] is None:
                b = snap.get(h["batch_id"])
                if b is None:
                    continue
                source = h["payload"].get("source")
                if source is None:  # begin: the batch as it was recorded (pending)
                    b = b.model_copy(update={"status": "pending", "cancelled_at": None, "cancel_reason": None})
                    out.append({**base, "op": "begin", "batch": batch_entry(b), "counters": h["payload"].get("counters") or {}})
                else:
                    b = b.model_copy(update={"status": h["to"], **({} if h["to"] == "cancelled" else {"cancelled_at": None, "cancel_reason": None})})
                    out.append({**base, "op": "record", "batch": batch_entry(b), "counters": h["payload"].get("counters") or {}, "source": source})
            else:
                ref = snap[h["batch_id"]].reference if h["batch_id"] in snap else ""
                out.append({**base, "op": "status", "batch_id": h["batch_id"], "reference": ref, "from": h["from"], "to": h["to"], "reason": h["reason"], "by": h["by"]})
        return out

    def sync_journal(self) -> int:
        """Append to the journal the changes it misses (a crash between the database commit
        and the journal line; changes made from another copy of the dossier on a shared
        server). Returns how many lines were written."""
        if self.journal is None:
            return 0
        top = self.max_seq()
        if top == 0 or self.journal.last_seq() == top:
            return 0
        missing = set(range(1, top + 1)) - self.journal.seqs()
        if not missing:
            return 0
        entries = self.entries_from_db(missing)
        self.journal.append(entries)
        return len(entries)


_FR = {"pending": "en attente", "committed": "validé", "cancelled": "annulé", "rolled_back": "abandonné"}


def status_fr(status: str) -> str:
    return _FR.get(status, status)


def iter_chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
