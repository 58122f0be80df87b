"""The register interface shared by the SQLite and PostgreSQL backends.

The commit shell (``reglo.addin.shell.commit``) is the only caller that changes a register:

    with store.lock(timeout=60):             # the dossier lock: one commit at a time, across processes and machines
        snap = store.snapshot()              # re-read inside the lock
        outcome = plan(snap, ...)            # pure
        batch_id = store.begin(draft, files=..., counters=outcome.counters, host=..., folder=..., user=..., at=now)
        ... write files (tmp, fsync, rename without overwrite) ...
        store.set_status(batch_id, "committed", at=now)

Every change (begin, set_status, cancel) is one database transaction and one line appended to
the dossier's journal file. The database enforces, whatever the caller did:

* a ``payment_key`` appears in at most one live batch (pending or committed, non-test):
  :class:`DuplicatePaymentError` otherwise, nothing written;
* a batch reference and a file name are used once in the dossier's whole history;
* a counter only moves forward (``begin`` fails with :class:`CounterConflict` when a counter
  is not at the value the snapshot showed).
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from reglo.core.outcome import BatchDraft
from reglo.core.register_state import BatchStatus, FileRecord, RegisterSnapshot


class RegisterError(Exception):
    """The register cannot be used; the message is French and says what to do."""


class RegisterUnreadable(RegisterError):
    """Missing, empty, truncated or garbage register while the dossier already has Reglo
    outputs: never recreated silently (``reglo register repair`` rebuilds it)."""


class RegisterBusy(RegisterError):
    """The dossier lock could not be taken in time (another run is committing)."""


class DuplicatePaymentError(RegisterError):
    def __init__(self, keys: list[str]):
        super().__init__(f"{len(keys)} règlement(s) déjà enregistré(s) dans un lot actif : {', '.join(keys[:5])}")
        self.keys = keys


class CounterConflict(RegisterError):
    """A counter moved since the snapshot: identifiers were handed out by another run."""


class RegisterStore(Protocol):
    dossier_id: str
    description: str  # French, for messages: « registre SQLite C:\\…\\reglo-registre.sqlite » / « registre PostgreSQL serveur/base, dossier X »

    def lock(self, timeout: float = 60.0) -> AbstractContextManager[None]:
        """Exclusive dossier lock, released by the OS / server when the process dies.
        Raises :class:`RegisterBusy` after ``timeout`` seconds."""

    def snapshot(self) -> RegisterSnapshot: ...

    def begin(self, draft: BatchDraft, *, files: list[FileRecord], counters: dict[str, int], host: str, folder: str,
              user: str, at: datetime, expected_counters: dict[str, int] | None = None) -> int:
        """Record ``draft`` as *pending* with its files and move the counters; returns the batch id."""

    def set_status(self, batch_id: int, status: BatchStatus, *, at: datetime, reason: str | None = None, by: str = "") -> None:
        """pending → committed / rolled_back; committed → cancelled (with reason)."""

    def close(self) -> None: ...
