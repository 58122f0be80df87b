"""The dossier's payment register (registre des règlements): an SQLite file beside the dossier.

It records every batch Reglo applied or generated — imported customer payments, SEPA
credit-transfer files, direct-debit / LCR remittances — with its lines, so that the same
payment is never imported or paid twice. A batch can be cancelled (bank reject, file
never sent): its lines then stop counting and the invoices become payable again.

Schema (created on first use, version in ``PRAGMA user_version``):

* ``batches``: id, kind, reference (message id / run id), created_at, file_name,
  file_hash (sha256), status (``active`` / ``cancelled``), cancelled_at, cancel_reason,
  total_cents, line_count, meta (JSON).
* ``lines``: id, batch_id, item_key (what is paid: invoice / ledger line key),
  payment_key (fingerprint of one payment, unique among active batches), party_code,
  document_ref, amount_cents, original_cents (amount before the user edited it), meta (JSON).

Every write is one transaction (``BEGIN IMMEDIATE``): a batch is recorded whole or not.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

REGISTER_FILE = "reglo-registre.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    created_at TEXT NOT NULL,
    file_name TEXT,
    file_hash TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    cancelled_at TEXT,
    cancel_reason TEXT,
    total_cents INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    item_key TEXT NOT NULL,
    payment_key TEXT,
    party_code TEXT NOT NULL DEFAULT '',
    document_ref TEXT NOT NULL DEFAULT '',
    amount_cents INTEGER NOT NULL,
    original_cents INTEGER,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS lines_item ON lines(item_key);
CREATE INDEX IF NOT EXISTS lines_payment ON lines(payment_key);
CREATE INDEX IF NOT EXISTS lines_batch ON lines(batch_id);
"""


class DuplicatePaymentError(Exception):
    """A payment of the batch is already recorded in an active batch."""

    def __init__(self, keys: list[str]):
        super().__init__(f"{len(keys)} règlement(s) déjà enregistré(s) : {', '.join(keys[:5])}")
        self.keys = keys


@dataclass(frozen=True)
class RegisterLine:
    item_key: str
    amount_cents: int
    payment_key: str | None = None
    party_code: str = ""
    document_ref: str = ""
    original_cents: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchRecord:
    id: int
    kind: str
    reference: str
    created_at: str
    file_name: str | None
    file_hash: str | None
    status: str
    cancelled_at: str | None
    cancel_reason: str | None
    total_cents: int
    line_count: int
    meta: dict[str, Any]


class PaymentRegister:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(_SCHEMA)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @classmethod
    def beside(cls, dossier_path: str | Path) -> "PaymentRegister":
        """The register of the dossier whose workbook or FEC is at ``dossier_path``."""
        p = Path(dossier_path)
        return cls((p if p.is_dir() else p.parent) / REGISTER_FILE)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA foreign_keys = ON")
            yield con
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # ------------------------------------------------------------------
    def record_batch(
        self,
        kind: str,
        lines: Iterable[RegisterLine],
        *,
        reference: str,
        created_at: datetime,
        file_name: str | None = None,
        file_hash: str | None = None,
        meta: dict[str, Any] | None = None,
        allow_duplicates: bool = False,
    ) -> int:
        """Record a batch and its lines atomically; returns the batch id.

        Raises:
            DuplicatePaymentError: a ``payment_key`` is already in an active batch (nothing written).
        """
        with self.pending_batch(kind, lines, reference=reference, created_at=created_at, file_name=file_name, file_hash=file_hash,
                                meta=meta, allow_duplicates=allow_duplicates) as batch_id:
            pass
        return batch_id

    @contextmanager
    def pending_batch(
        self,
        kind: str,
        lines: Iterable[RegisterLine],
        *,
        reference: str,
        created_at: datetime,
        file_name: str | None = None,
        file_hash: str | None = None,
        meta: dict[str, Any] | None = None,
        allow_duplicates: bool = False,
    ) -> Iterator[int]:
        """Record a batch in one transaction that commits only when the ``with`` block ends
        normally: write the batch's output files inside the block, and a failure (file locked,
        disk full) leaves the register as it was — nothing recorded, so the re-run pays again.

        The transaction holds the register's write lock for the block (other writers wait
        up to 30 s); other connections do not see the batch before the commit.

        Raises:
            DuplicatePaymentError: on entering, as ``record_batch`` (nothing written).
        """
        lines = list(lines)
        with self._transaction() as con:
            keys = [l.payment_key for l in lines if l.payment_key]
            if keys and not allow_duplicates:
                dup = self._active_keys(con, keys)
                if dup:
                    raise DuplicatePaymentError(sorted(dup))
            cur = con.execute(
                "INSERT INTO batches(kind, reference, created_at, file_name, file_hash, total_cents, line_count, meta) VALUES (?,?,?,?,?,?,?,?)",
                (kind, reference, created_at.isoformat(timespec="seconds"), file_name, file_hash, sum(l.amount_cents for l in lines), len(lines), json.dumps(meta or {}, ensure_ascii=False, default=str)),
            )
            batch_id = int(cur.lastrowid)
            con.executemany(
                "INSERT INTO lines(batch_id, item_key, payment_key, party_code, document_ref, amount_cents, original_cents, meta) VALUES (?,?,?,?,?,?,?,?)",
                [(batch_id, l.item_key, l.payment_key, l.party_code, l.document_ref, l.amount_cents, l.original_cents, json.dumps(l.meta, ensure_ascii=False, default=str)) for l in lines],
            )
            yield batch_id

    @staticmethod
    def _active_keys(con: sqlite3.Connection, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = con.execute(
                f"SELECT l.payment_key FROM lines l JOIN batches b ON b.id = l.batch_id WHERE b.status = 'active' AND l.payment_key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            found.update(r[0] for r in rows)
        return found

    def active_payment_keys(self, keys: Iterable[str] | None = None, *, kind: str | None = None) -> set[str]:
        with self._connect() as con:
            if keys is not None:
                return self._active_keys(con, list(keys))
            sql = "SELECT l.payment_key FROM lines l JOIN batches b ON b.id = l.batch_id WHERE b.status = 'active' AND l.payment_key IS NOT NULL"
            args: tuple[Any, ...] = ()
            if kind:
                sql += " AND b.kind = ?"
                args = (kind,)
            return {r[0] for r in con.execute(sql, args)}

    def paid_cents_by_item(self, *, kind: str | None = None) -> dict[str, int]:
        """Total recorded per item (invoice / ledger line) over active batches."""
        sql = "SELECT l.item_key, SUM(l.amount_cents) FROM lines l JOIN batches b ON b.id = l.batch_id WHERE b.status = 'active'"
        args: tuple[Any, ...] = ()
        if kind:
            sql += " AND b.kind = ?"
            args = (kind,)
        with self._connect() as con:
            return {k: int(v) for k, v in con.execute(sql + " GROUP BY l.item_key", args)}

    def cancel_batch(self, batch_id: int, *, reason: str, at: datetime) -> None:
        with self._transaction() as con:
            row = con.execute("SELECT status FROM batches WHERE id = ?", (batch_id,)).fetchone()
            if row is None:
                raise KeyError(f"lot {batch_id} inconnu dans le registre")
            if row[0] == "cancelled":
                return
            con.execute("UPDATE batches SET status='cancelled', cancelled_at=?, cancel_reason=? WHERE id=?", (at.isoformat(timespec="seconds"), reason, batch_id))

    def find_batch(self, *, reference: str | None = None, file_hash: str | None = None, file_name: str | None = None) -> BatchRecord | None:
        clauses, args = [], []
        for col, val in (("reference", reference), ("file_hash", file_hash), ("file_name", file_name)):
            if val is not None:
                clauses.append(f"{col} = ?")
                args.append(val)
        if not clauses:
            return None
        with self._connect() as con:
            row = con.execute(f"SELECT * FROM batches WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT 1", args).fetchone()
        return self._batch(row) if row else None

    def batches(self, *, kind: str | None = None, status: str | None = None) -> list[BatchRecord]:
        sql, args = "SELECT * FROM batches WHERE 1=1", []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        if status:
            sql += " AND status = ?"
            args.append(status)
        with self._connect() as con:
            return [self._batch(r) for r in con.execute(sql + " ORDER BY id", args)]

    def lines(self, batch_id: int) -> list[RegisterLine]:
        with self._connect() as con:
            rows = con.execute("SELECT item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta FROM lines WHERE batch_id = ? ORDER BY id", (batch_id,)).fetchall()
        return [RegisterLine(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows]

    @staticmethod
    def _batch(r: tuple[Any, ...]) -> BatchRecord:
        return BatchRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], json.loads(r[11]))


class StagedFiles:
    """Output files of one batch, written atomically one by one and taken back together:
    used as a context manager, a failure inside the block restores every file written by
    ``write`` (its previous content, or no file), so that a batch leaves all its files or none."""

    def __init__(self) -> None:
        self._written: list[tuple[Path, bytes | None]] = []

    def write(self, path: str | Path, data: bytes) -> Path:
        from reglo.addin.backends.sheets import atomic_write

        p = Path(path)
        before = p.read_bytes() if p.is_file() else None
        self._written.append((p, before))
        atomic_write(p, data)
        return p

    @property
    def paths(self) -> list[Path]:
        return [p for p, _ in self._written]

    def __enter__(self) -> "StagedFiles":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            return
        for p, before in reversed(self._written):
            try:
                if before is None:
                    p.unlink(missing_ok=True)
                else:
                    p.write_bytes(before)
            except OSError:  # pragma: no cover - best effort: the register is rolled back anyway
                pass
