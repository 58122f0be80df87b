"""The dossier's payment register (registre des règlements), former interface.

``PaymentRegister`` is kept for the workflow shells that still use it; it is now a thin
adapter over the SQLite store of :mod:`reglo.addin.shell.registry` (schema version 2, journal,
protection against a damaged register, upgrade in place of a version 1 file). New code uses
:func:`reglo.addin.shell.registry.open_store` and the commit protocol instead.

Mapping: ``pending_batch`` records a *committed* batch in one transaction held open for its
block (nothing recorded when the block fails); the statuses ``pending``/``committed`` read as
``active`` here, ``rolled_back`` batches are not listed. A workbook name given as
``file_name`` is kept in ``meta.file_name``; a bank file (``.xml``) goes to the files table.
"""
from __future__ import annotations

import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from reglo.core.outcome import BatchDraft, RegisterLineDraft
from reglo.core.register_state import FileRecord

from reglo.addin.shell.registry._sql import SqlStore, _loads
from reglo.addin.shell.registry.base import DuplicatePaymentError
from reglo.addin.shell.registry.config import POINTER_FILE, open_configured
from reglo.addin.shell.registry.sqlite import open_sqlite

REGISTER_FILE = "reglo-registre.sqlite"
SCHEMA_VERSION = 2
_FOLDERS = {"virement": "virements", "reglement": "reglements", "prelevement": "prelevements", "lcr": "lcr", "decaissement": "decaissements"}
_STATUS = {"pending": "active", "committed": "active", "cancelled": "cancelled", "rolled_back": "rolled_back"}
_COLS = "id, kind, reference, created_at, status, cancelled_at, cancel_reason, meta"


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


def _open(path: Path) -> SqlStore:
    """The dossier's configured register (SQLite, or the shared server named by
    ``reglo-registre.json``) for the default file name; an explicit other file is SQLite."""
    if path.name == REGISTER_FILE and (path.parent / POINTER_FILE).is_file():
        return open_configured(path.parent)  # type: ignore[return-value]
    return open_sqlite(path)


class PaymentRegister:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.store: SqlStore = _open(self.path)

    @classmethod
    def beside(cls, dossier_path: str | Path) -> "PaymentRegister":
        """The register of the dossier whose workbook or FEC is at ``dossier_path``."""
        p = Path(dossier_path)
        return cls((p if p.is_dir() else p.parent) / REGISTER_FILE)

    # ------------------------------------------------------------------
    def record_batch(self, kind: str, lines: Iterable[RegisterLine], *, reference: str, created_at: datetime, file_name: str | None = None,
                     file_hash: str | None = None, meta: dict[str, Any] | None = None, allow_duplicates: bool = False) -> int:
        """Record a batch and its lines atomically; returns the batch id.

        Raises:
            DuplicatePaymentError: a ``payment_key`` is already in an active batch (nothing written).
        """
        with self.pending_batch(kind, lines, reference=reference, created_at=created_at, file_name=file_name, file_hash=file_hash,
                                meta=meta, allow_duplicates=allow_duplicates) as batch_id:
            pass
        return batch_id

    @contextmanager
    def pending_batch(self, kind: str, lines: Iterable[RegisterLine], *, reference: str, created_at: datetime, file_name: str | None = None,
                      file_hash: str | None = None, meta: dict[str, Any] | None = None, allow_duplicates: bool = False) -> Iterator[int]:
        """Record a batch in one transaction that commits only when the ``with`` block ends
        normally (write the batch's output files inside the block): a failure leaves the
        register as it was. The dossier lock is held for the block. ``allow_duplicates`` is no
        longer honoured: the database refuses a payment already in a live batch.

        Raises:
            DuplicatePaymentError: on entering (nothing recorded).
        """
        meta = dict(meta or {})
        draft = BatchDraft(kind=kind, reference=reference, meta=meta, lines=tuple(
            RegisterLineDraft(item_key=l.item_key, amount_cents=l.amount_cents, payment_key=l.payment_key, party_code=l.party_code,
                              document_ref=l.document_ref, original_cents=l.original_cents, meta=dict(l.meta)) for l in lines))
        files: list[FileRecord] = []
        if file_name and file_name.lower().endswith(".xml"):  # a bank file (a workbook's name is only kept in meta)
            files = [FileRecord(folder=self._folder(kind, meta), name=file_name, sha256=file_hash or "", role="bank")]
        elif file_name:
            meta.update({"file_name": file_name, **({"file_hash": file_hash} if file_hash else {})})
            draft = draft.model_copy(update={"meta": meta})
        with self.store.lock(timeout=60):
            with self.store.record_atomic(draft, files=files, host=socket.gethostname(), folder=str(self.path.parent), user="", at=created_at) as batch_id:
                yield batch_id

    def _folder(self, kind: str, meta: dict[str, Any]) -> str:
        where = meta.get("folder")
        if where:
            try:
                return Path(str(where)).resolve().relative_to(self.path.parent.resolve()).as_posix()
            except (ValueError, OSError):
                return str(where)
        return _FOLDERS.get(kind, "")

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.store._read() as cur:
            return self.store._x(cur, sql, args).fetchall()

    def active_payment_keys(self, keys: Iterable[str] | None = None, *, kind: str | None = None) -> set[str]:
        if keys is not None:
            with self.store._read() as cur:
                return self.store._live_keys(cur, list(keys))
        sql = ("SELECT l.payment_key FROM lines l JOIN batches b ON b.dossier_id = l.dossier_id AND b.id = l.batch_id "
               "WHERE l.dossier_id = ? AND l.live = 1 AND l.payment_key IS NOT NULL")
        args: tuple[Any, ...] = (self.store.dossier_id,)
        if kind:
            sql += " AND b.kind = ?"
            args += (kind,)
        return {r[0] for r in self._rows(sql, args)}

    def paid_cents_by_item(self, *, kind: str | None = None) -> dict[str, int]:
        """Total recorded per item (invoice / ledger line) over active batches."""
        sql = "SELECT l.item_key, SUM(l.amount_cents) FROM lines l JOIN batches b ON b.dossier_id = l.dossier_id AND b.id = l.batch_id WHERE l.dossier_id = ? AND l.live = 1"
        args: tuple[Any, ...] = (self.store.dossier_id,)
        if kind:
            sql += " AND b.kind = ?"
            args += (kind,)
        return {k: int(v) for k, v in self._rows(sql + " GROUP BY l.item_key", args)}

    def cancel_batch(self, batch_id: int, *, reason: str, at: datetime) -> None:
        rows = self._rows("SELECT status FROM batches WHERE dossier_id = ? AND id = ?", (self.store.dossier_id, batch_id))
        if not rows:
            raise KeyError(f"lot {batch_id} inconnu dans le registre")
        if rows[0][0] in ("cancelled", "rolled_back"):
            return
        with self.store.lock(timeout=60):
            self.store.set_status(batch_id, "cancelled", at=at, reason=reason)

    def find_batch(self, *, reference: str | None = None, file_hash: str | None = None, file_name: str | None = None) -> BatchRecord | None:
        clauses, args = ["b.dossier_id = ?"], [self.store.dossier_id]
        for col, val in (("b.reference", reference), ("f.sha256", file_hash), ("f.name", file_name)):
            if val is not None:
                clauses.append(f"{col} = ?")
                args.append(val)
        if len(clauses) == 1:
            return None
        rows = self._rows(f"SELECT b.id FROM batches b LEFT JOIN files f ON f.dossier_id = b.dossier_id AND f.batch_id = b.id "
                          f"WHERE {' AND '.join(clauses)} ORDER BY CASE WHEN b.status = 'rolled_back' THEN 1 ELSE 0 END, b.id DESC LIMIT 1", tuple(args))
        if rows:
            return self._records(f"AND id = {int(rows[0][0])}")[0]
        if file_name is not None or file_hash is not None:  # a workbook's name is kept in meta
            for b in reversed(self._records("")):  # noqa: B007
                if (file_name is None or b.file_name == file_name) and (file_hash is None or b.file_hash == file_hash) and (reference is None or b.reference == reference):
                    return b
        return None

    def batches(self, *, kind: str | None = None, status: str | None = None) -> list[BatchRecord]:
        sql, args = "AND status <> 'rolled_back'", []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        if status == "active":
            sql += " AND status IN ('pending', 'committed')"
        elif status:
            sql += " AND status = ?"
            args.append(status)
        return self._records(sql, tuple(args))

    def _records(self, where: str, args: tuple[Any, ...] = ()) -> list[BatchRecord]:
        d = self.store.dossier_id
        rows = self._rows(f"SELECT {_COLS} FROM batches WHERE dossier_id = ? {where} ORDER BY id", (d, *args))
        if not rows:
            return []
        ids = [int(r[0]) for r in rows]
        files: dict[int, tuple[str, str]] = {}
        totals: dict[int, tuple[int, int]] = {}
        for i in range(0, len(ids), 400):
            chunk = ids[i:i + 400]
            marks = ",".join("?" * len(chunk))
            for bid, name, sha in self._rows(f"SELECT batch_id, name, sha256 FROM files WHERE dossier_id = ? AND batch_id IN ({marks}) ORDER BY batch_id, seq", (d, *chunk)):
                files.setdefault(bid, (name, sha))
            for bid, total, count in self._rows(f"SELECT batch_id, SUM(amount_cents), COUNT(*) FROM lines WHERE dossier_id = ? AND batch_id IN ({marks}) GROUP BY batch_id", (d, *chunk)):
                totals[bid] = (int(total or 0), int(count))
        out = []
        for r in rows:
            meta = _loads(r[7])
            name, sha = files.get(r[0], (meta.get("file_name"), meta.get("file_hash")))
            total, count = totals.get(r[0], (0, 0))
            out.append(BatchRecord(int(r[0]), r[1], r[2], r[3], name, sha or None, _STATUS.get(r[4], r[4]), r[5], r[6], total, count, meta))
        return out

    def lines(self, batch_id: int) -> list[RegisterLine]:
        rows = self._rows("SELECT item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta FROM lines WHERE dossier_id = ? AND batch_id = ? ORDER BY seq",
                          (self.store.dossier_id, batch_id))
        return [RegisterLine(r[0], r[1], r[2], r[3], r[4], r[5], _loads(r[6])) for r in rows]


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
