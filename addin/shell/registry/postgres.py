"""The shared register: a PostgreSQL server, so that several people of a firm paying from
copies of one workbook cannot pay the same invoice.

* One database (schema ``reglo``) holds many dossiers; every row carries its ``dossier_id``.
* Locking is the database's own, never a file lock:

  - the dossier lock is a session advisory lock (``pg_try_advisory_lock`` on a 64-bit hash of
    the dossier id) held on a dedicated connection for the lock's duration: the server
    releases it when that connection ends, also when the process is killed;
  - every write transaction starts by locking the dossier's row (``SELECT … FOR UPDATE``):
    batch ids and change numbers are handed out under it;
  - unique constraints (payment key among live batches, reference, file name) decide a race
    even between runs that did not take the dossier lock.

* Credentials come from ``REGLO_REGISTER_URL`` or the per-user configuration file
  (:mod:`.config`), never from a workbook or the dossier folder.
"""
from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from reglo.addin.shell.registry._sql import _LINE_COLS, SCHEMA, SCHEMA_VERSION, SqlStore
from reglo.addin.shell.registry.base import RegisterBusy, RegisterConfigError, RegisterError
from reglo.addin.shell.registry.journal import Journal

PG_SCHEMA = "reglo"
_SCHEMA_LOCK = 0x5245474C4F  # "REGLO": serialises schema creation between first users


def safe_url(url: str) -> str:
    """The server as shown to a user: host, port and database, never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a malformed URL: show nothing of it
        return "(adresse illisible)"
    host = info.get("host") or "localhost"
    port = f":{info['port']}" if info.get("port") else ""
    return f"{host}{port}/{info.get('dbname') or ''}"


def lock_key(dossier_id: str) -> int:
    """A signed 64-bit advisory-lock key for the dossier."""
    digest = hashlib.sha256(f"reglo:{dossier_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _connect(url: str, *, timeout: float = 10.0) -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        raise RegisterConfigError("Le module psycopg (accès à PostgreSQL) n'est pas installé : réinstallez Reglo.") from exc
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)), application_name="reglo")
    except psycopg.Error as exc:
        raise RegisterConfigError(f"Le registre partagé PostgreSQL ({safe_url(url)}) est injoignable ou refuse la connexion. "
                                  "Vérifiez REGLO_REGISTER_URL ou le fichier de configuration de Reglo, et que le serveur est démarré.") from exc


class PostgresStore(SqlStore):
    backend = "postgresql"
    _PARAM = "%s"

    def __init__(self, url: str, dossier_id: str, *, journal: str | Path | None = None, now: datetime | None = None):
        if not dossier_id:
            raise RegisterConfigError("Le registre partagé PostgreSQL demande l'identifiant du dossier (paramètre « Identifiant registre »).")
        self.url = url
        self.dossier_id = dossier_id
        self.description = f"registre PostgreSQL {safe_url(url)}, dossier « {dossier_id} »"
        self.journal = Journal(journal) if journal is not None else None
        self._con = _connect(url)
        self._rcon: Any = None  # reads: never inside a write transaction still open
        self._lock_con: Any = None
        self._depth = 0
        self._init_schema(now or datetime.now().astimezone())

    def _errors(self) -> Any:
        import psycopg

        return psycopg

    def _init_schema(self, at: datetime) -> None:
        psycopg = self._errors()
        try:
            with self._con.transaction():
                cur = self._con.cursor()
                exists = cur.execute("SELECT to_regclass(%s)", (f"{PG_SCHEMA}.changes",)).fetchone()[0]
                if exists is None:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
                    cur.execute(f"SET LOCAL search_path TO {PG_SCHEMA}")
                    for stmt in (s.strip() for s in SCHEMA.split(";")):
                        if stmt:
                            cur.execute(stmt)
                    cur.execute("CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    cur.execute("INSERT INTO info(key, value) VALUES ('schema_version', %s) ON CONFLICT (key) DO NOTHING", (str(SCHEMA_VERSION),))
            self._con.execute(f"SET search_path TO {PG_SCHEMA}")
            with self._con.transaction():
                self._ensure_dossier(self._con.cursor(), at)
        except psycopg.Error as exc:
            raise RegisterConfigError(f"Le registre partagé PostgreSQL ({safe_url(self.url)}) ne peut pas être préparé : "
                                      f"l'utilisateur doit pouvoir créer le schéma « {PG_SCHEMA} » et ses tables (ou demandez-le à l'administrateur).") from exc

    # ------------------------------------------------------------ transactions
    @contextmanager
    def _write(self) -> Iterator[Any]:
        psycopg = self._errors()
        try:
            with self._con.transaction():
                cur = self._con.cursor()
                cur.execute("SELECT 1 FROM dossiers WHERE dossier_id = %s FOR UPDATE", (self.dossier_id,))
                yield cur
        except psycopg.OperationalError as exc:
            raise self._unreachable(exc) from exc

    @property
    def rcon(self) -> Any:
        if self._rcon is None:
            self._rcon = _connect(self.url)
            self._rcon.execute(f"SET search_path TO {PG_SCHEMA}")
        return self._rcon

    @contextmanager
    def _read(self) -> Iterator[Any]:
        psycopg = self._errors()
        con = self._con if not self._con.info.transaction_status else self.rcon  # a write is open: read beside it
        try:
            with con.transaction():
                cur = con.cursor()
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield cur
        except psycopg.OperationalError as exc:
            raise self._unreachable(exc) from exc

    def _unreachable(self, exc: BaseException) -> RegisterError:
        return RegisterConfigError(f"La connexion au registre partagé PostgreSQL ({safe_url(self.url)}) a été perdue : rien n'a été enregistré par "
                                   "l'opération en cours. Vérifiez le réseau et relancez.")

    def _is_integrity_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self._errors().IntegrityError)

    def _insert_lines(self, cur: Any, rows: Any, count: int) -> None:
        """The lines by ``COPY`` (one stream instead of one statement per row: a hundred thousand
        lines go in about twice as fast): the same rows and values, each typed by its column, the
        same constraints checked — a payment key live in another batch, or in a concurrent
        transaction, fails the copy with the same integrity error as the INSERT."""
        if not count:
            return
        with cur.copy(f"COPY lines ({_LINE_COLS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    # ------------------------------------------------------------ the dossier lock
    @contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        con = _connect(self.url)
        key = lock_key(self.dossier_id)
        deadline = time.monotonic() + max(0.0, timeout)
        try:
            delay = 0.02
            while not con.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise RegisterBusy(f"Une autre exécution de Reglo enregistre en ce moment dans le dossier « {self.dossier_id} » du registre partagé "
                                       f"({safe_url(self.url)}) : il est resté verrouillé plus de {timeout:.0f} s. Réessayez quand elle aura fini.")
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
        except BaseException:
            con.close()
            raise
        self._lock_con, self._depth = con, 1
        try:
            yield
        finally:
            self._depth = 0
            self._lock_con = None
            try:
                con.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except Exception:  # noqa: BLE001 - closing the session releases it anyway
                pass
            con.close()

    def close(self) -> None:
        for con in (self._con, self._rcon):
            try:
                if con is not None:
                    con.close()
            except Exception:  # noqa: BLE001
                pass


__all__ = ["PostgresStore", "safe_url", "lock_key", "PG_SCHEMA"]
