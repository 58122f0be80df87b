"""The default register: an SQLite file in the dossier folder (``reglo-registre.sqlite``).

* Transactions: ``BEGIN IMMEDIATE`` with SQLite's rollback journal (not WAL: WAL needs shared
  memory, which network shares — where firms keep their dossiers — do not provide).
* The dossier lock: an OS file lock (``filelock``: ``flock`` / ``LockFileEx``) on
  ``reglo-registre.lock`` beside the register, released by the OS when the process dies.
* Protection: a missing, empty, truncated or garbage file while the dossier already has
  Reglo outputs raises :class:`RegisterUnreadable` (``reglo register repair``); a fresh dossier
  gets a new register silently.
* A version 1 register (the former ``PaymentRegister``: statuses active/cancelled, one file
  per batch) is upgraded in place on open, and the upgrade is written to the journal.
"""
from __future__ import annotations

import sqlite3
import struct
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from filelock import FileLock, Timeout

from reglo.core.register_state import BatchState, FileRecord, LineState

from reglo.addin.shell.registry._sql import SCHEMA, SCHEMA_VERSION, SqlStore, _loads
from reglo.addin.shell.registry.base import RegisterBusy, RegisterError, RegisterUnreadable
from reglo.addin.shell.registry.journal import Journal

OUTPUT_FOLDERS = ("virements", "reglements", "prelevements", "lcr", "decaissements", "imports")
_MAGIC = b"SQLite format 3\x00"
_V1_FOLDERS = {"virement": "virements", "reglement": "reglements", "prelevement": "prelevements", "lcr": "lcr", "decaissement": "decaissements"}


def repair_hint(folder: Path) -> str:
    return f"Lancez « reglo register repair --dossier \"{folder}\" » pour le reconstruire à partir du journal et des fichiers écrits par Reglo."


def has_outputs(folder: Path, journal: Path | None = None) -> bool:
    """The dossier already has Reglo outputs: a journal, or files in its output folders."""
    if journal is not None and journal.is_file() and journal.stat().st_size > 0:
        return True
    for name in OUTPUT_FOLDERS:
        sub = folder / name
        if sub.is_dir() and any(p.is_file() for p in sub.rglob("*")):
            return True
    return False


def damage(path: Path) -> str | None:
    """Why the register file cannot be used as is (French), or None when it looks sound.
    Cheap: the header only (the database is then opened and queried)."""
    if not path.exists():
        return "est introuvable"
    size = path.stat().st_size
    if size == 0:
        return "est vide (0 octet)"
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or not header.startswith(_MAGIC):
        return "n'est pas un registre lisible (contenu endommagé)"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    pages = struct.unpack(">I", header[28:32])[0]
    valid_for = struct.unpack(">I", header[92:96])[0]
    change = struct.unpack(">I", header[24:28])[0]
    hot = path.with_name(path.name + "-journal")
    recovering = hot.is_file() and hot.stat().st_size > 0  # a crash mid-commit: SQLite rolls it back on open
    if pages and valid_for == change and pages * page_size > size and not recovering:
        return f"est tronqué ({size} octets au lieu de {pages * page_size})"
    return None


class SqliteStore(SqlStore):
    backend = "sqlite"

    def __init__(self, path: str | Path, *, journal: str | Path | None = None, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.dossier_id = ""
        self.description = f"registre SQLite {self.path}"
        jpath = Path(journal) if journal is not None else self.path.with_suffix(".journal")
        self.journal = Journal(jpath)
        self.lock_path = self.path.with_suffix(".lock")
        self._busy = busy_timeout
        self._filelock = FileLock(str(self.lock_path))
        self._con: sqlite3.Connection | None = None
        self._rcon: sqlite3.Connection | None = None  # reads: never see a write transaction still open

    # ------------------------------------------------------------ connection
    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=self._busy, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc

    @property
    def con(self) -> sqlite3.Connection:
        if self._con is None:
            self._con = self._connect()
        return self._con

    @property
    def rcon(self) -> sqlite3.Connection:
        if self._rcon is None:
            self._rcon = self._connect()
        return self._rcon

    def _unreadable(self, exc: BaseException) -> RegisterError:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return RegisterBusy(f"Le registre {self.path} est occupé par une autre exécution de Reglo depuis plus de {self._busy:.0f} s. Réessayez dans un instant.")
        return RegisterUnreadable(f"Le registre {self.path} est illisible (endommagé). {repair_hint(self.path.parent)}")

    @contextmanager
    def _write(self) -> Iterator[Any]:
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc
        cur = con.cursor()
        try:
            yield cur
        except BaseException:
            con.execute("ROLLBACK")
            raise
        try:
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            con.execute("ROLLBACK")
            raise self._unreadable(exc) from exc

    @contextmanager
    def _read(self) -> Iterator[Any]:
        con = self.rcon
        try:
            con.execute("BEGIN")
            cur = con.cursor()
            yield cur
        except sqlite3.DatabaseError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.IntegrityError):
                raise
            raise self._unreadable(exc) from exc
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")

    def _is_integrity_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    @contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        try:
            self._filelock.acquire(timeout=timeout)
        except Timeout:
            raise RegisterBusy(f"Une autre exécution de Reglo enregistre en ce moment dans ce dossier ({self.path.parent}) : "
                               f"le registre est resté verrouillé plus de {timeout:.0f} s. Réessayez quand elle aura fini.") from None
        try:
            yield
        finally:
            self._filelock.release()

    def close(self) -> None:
        for con in (self._con, self._rcon):
            if con is not None:
                con.close()
        self._con = self._rcon = None

    # ------------------------------------------------------------ opening
    def create_schema(self, at: datetime | None = None) -> None:
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc
        try:
            for stmt in _statements(SCHEMA):
                con.execute(stmt)
            self._ensure_dossier(con.cursor(), at or datetime.now().astimezone())
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    def version(self) -> tuple[int, set[str]]:
        """Format and tables, read in one transaction: a register another process is creating
        is seen either empty or complete, never with its tables but not yet its format."""
        con = self.con
        try:
            con.execute("BEGIN")
            try:
                version = int(con.execute("PRAGMA user_version").fetchone()[0])
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                if con.in_transaction:
                    con.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc
        return version, tables

    def upgrade_v1(self, at: datetime) -> int:
        """Upgrade a version 1 register in place (active → committed), in one transaction;
        the upgraded batches go to the journal. Returns how many batches were upgraded."""
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            if int(con.execute("PRAGMA user_version").fetchone()[0]) != 1:  # upgraded meanwhile by another process
                con.execute("ROLLBACK")
                return 0
            for index in ("lines_item", "lines_payment", "lines_batch"):
                con.execute(f"DROP INDEX IF EXISTS {index}")
            con.execute("ALTER TABLE batches RENAME TO v1_batches")
            con.execute("ALTER TABLE lines RENAME TO v1_lines")
            for stmt in _statements(SCHEMA):
                con.execute(stmt)
            cur = con.cursor()
            self._ensure_dossier(cur, at)
            old = con.execute("SELECT id, kind, reference, created_at, file_name, file_hash, status, cancelled_at, cancel_reason, meta FROM v1_batches ORDER BY id").fetchall()
            lines: dict[int, list[LineState]] = {}
            for r in con.execute("SELECT batch_id, item_key, amount_cents, payment_key, party_code, document_ref, original_cents, meta FROM v1_lines ORDER BY id"):
                lines.setdefault(r[0], []).append(LineState(item_key=r[1], amount_cents=int(r[2]), payment_key=r[3], party_code=r[4] or "",
                                                            document_ref=r[5] or "", original_cents=r[6], meta=_loads(r[7])))
            refs: set[str] = set()
            names: set[tuple[str, str]] = set()
            for r in old:
                meta = _loads(r[9])
                reference = r[2]
                if reference in refs:
                    meta["reference_v1"] = reference
                    reference = f"{reference}#{r[0]}"
                refs.add(reference)
                files: list[FileRecord] = []
                if r[4]:
                    folder = self._v1_folder(r[1], meta)
                    if (folder, r[4]) in names:
                        meta["file_v1"] = r[4]  # the same name twice in v1 (a file overwritten): kept in meta only
                    else:
                        names.add((folder, r[4]))
                        files.append(FileRecord(folder=folder, name=r[4], sha256=r[5] or "", role="bank"))
                status = "committed" if r[6] == "active" else "cancelled"
                b = BatchState(id=int(r[0]), kind=r[1], reference=reference, status=status, created_at=datetime.fromisoformat(r[3]), files=tuple(files),
                               lines=tuple(lines.get(r[0], ())), meta=meta, cancelled_at=datetime.fromisoformat(r[7]) if r[7] else None,
                               cancel_reason=r[8] if status == "cancelled" else None)
                self._insert_batch(cur, b, strict=False)
                self._bump(cur, batch_id=b.id)
                self._change(cur, batch_id=b.id, at=at, old=None, new=status, payload={"source": "upgrade_v1", "counters": {}})
            con.execute("DROP TABLE v1_lines")
            con.execute("DROP TABLE v1_batches")
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        return len(old)

    def _v1_folder(self, kind: str, meta: dict[str, Any]) -> str:
        where = meta.get("folder")
        if where:
            p = Path(str(where))
            try:
                return p.resolve().relative_to(self.path.parent.resolve()).as_posix()
            except (ValueError, OSError):
                return str(p)
        return _V1_FOLDERS.get(kind, "")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def open_sqlite(path: str | Path, *, journal: str | Path | None = None, protect: bool = True, now: datetime | None = None) -> SqliteStore:
    """Open (create, upgrade) the SQLite register at ``path``; see the module docstring."""
    path = Path(path)
    store = SqliteStore(path, journal=journal)
    folder = path.parent
    why = damage(path)
    outputs = protect and has_outputs(folder, store.journal.path)
    fresh = not path.exists() or path.stat().st_size == 0
    if why is not None and not fresh:  # garbage or truncated: never overwritten, outputs or not
        raise RegisterUnreadable(f"Le registre des règlements {path} {why}. Reglo ne le recrée pas, pour ne jamais payer deux fois. {repair_hint(folder)}")
    if why is not None and outputs:
        raise RegisterUnreadable(f"Le registre des règlements {path} {why}, alors que le dossier contient déjà des fichiers écrits par Reglo "
                                 f"(ou son journal {store.journal.path.name}). Reglo ne le recrée pas, pour ne jamais payer deux fois. {repair_hint(folder)}")
    folder.mkdir(parents=True, exist_ok=True)
    at = now or datetime.now().astimezone()
    version, tables = store.version()
    if version == SCHEMA_VERSION:
        store.sync_journal()
        return store
    if version == 1 and "batches" in tables:
        if store.upgrade_v1(at):
            store.journal.append(store.entries_from_db())
        return store
    if version == 0 and not tables:
        if outputs:
            raise RegisterUnreadable(f"Le registre des règlements {path} est vide, alors que le dossier contient déjà des fichiers écrits par Reglo. "
                                     f"Reglo ne le recrée pas, pour ne jamais payer deux fois. {repair_hint(folder)}")
        store.create_schema(at)
        return store
    if version > SCHEMA_VERSION:
        raise RegisterError(f"Le registre {path} a été écrit par une version plus récente de Reglo (format {version}) : mettez Reglo à jour.")
    raise RegisterUnreadable(f"Le registre des règlements {path} n'a pas le format attendu (format {version}). {repair_hint(folder)}")


__all__ = ["SqliteStore", "open_sqlite", "has_outputs", "damage", "OUTPUT_FOLDERS"]
