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
from typing import Any, Protocol

from reglo.core.outcome import BatchDraft, CancelDraft
from reglo.core.register_state import BatchStatus, FileRecord, RegisterSnapshot

from reglo.addin.shell.errors import UserError

# Allowed status changes (``set_status``); anything else raises :class:`InvalidTransition`.
# ``pending → cancelled`` is the written confirmation, from another machine, that the file of a
# pending batch was never sent.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"committed", "rolled_back", "cancelled"}),
    "committed": frozenset({"cancelled"}),
    "cancelled": frozenset(),
    "rolled_back": frozenset(),
}


# Batch meta key of the cancellations a pending batch carries (``Outcome.cancels``):
# ``[{"batch_id", "reference", "reason"}, …]``, applied in the transaction that commits it.
CANCELS_META = "cancels_batches"


class RegisterError(UserError):
    """The register cannot be used; the message is French and says what to do.

    A :class:`~reglo.addin.shell.errors.UserError`: the CLI and the ribbon show the message
    (never « Erreur interne » nor a class name)."""


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
    """A counter moved since the snapshot (or would move backwards): identifiers were handed
    out by another run. Nothing written."""


class DuplicateReferenceError(RegisterError):
    """A batch reference or a file name is already used in the dossier's history. Nothing written."""

    def __init__(self, names: list[str]):
        super().__init__(f"Référence ou nom de fichier déjà utilisé dans le registre : {', '.join(names[:5])}")
        self.names = names


class InvalidTransition(RegisterError):
    """``set_status`` asked for a change :data:`TRANSITIONS` does not allow (or an unknown batch)."""


class RegisterConfigError(RegisterError):
    """The shared register is configured but cannot be reached or used (bad URL, server down,
    missing credentials): the message names the server, never the password."""


class RegisterStore(Protocol):
    dossier_id: str
    description: str  # French, for messages: « registre SQLite C:\\…\\reglo-registre.sqlite » / « registre PostgreSQL serveur/base, dossier X »

    def lock(self, timeout: float = 60.0) -> AbstractContextManager[None]:
        """Exclusive dossier lock, released by the OS / server when the process dies.
        Raises :class:`RegisterBusy` after ``timeout`` seconds."""

    def snapshot(self, *, lettering_lines: bool = True) -> RegisterSnapshot: ...

    def begin(self, draft: BatchDraft, *, files: list[FileRecord], counters: dict[str, int], host: str, folder: str,
              user: str, at: datetime, expected_counters: dict[str, int] | None = None, cancels: list[CancelDraft] | tuple = ()) -> int:
        """Record ``draft`` as *pending* with its files and move the counters; returns the batch id.
        ``cancels``: committed batches to cancel when this one becomes committed (checked now,
        kept in the batch's meta under :data:`CANCELS_META`)."""

    def set_status(self, batch_id: int, status: BatchStatus, *, at: datetime, reason: str | None = None, by: str = "") -> None:
        """pending → committed / rolled_back / cancelled; committed → cancelled (with reason).
        Setting the status a batch already has is a no-op (replay is idempotent).
        pending → committed also cancels, in the same transaction, the batches the pending batch
        carries (:data:`CANCELS_META`): one journal line per change."""

    def advance_counters(self, counters: dict[str, int], *, at: datetime, expected: dict[str, int] | None = None) -> None:
        """Move counters forward without a batch (identifiers handed out by a run that records
        nothing); :class:`CounterConflict` as in :meth:`begin`."""

    def history(self, batch_id: int | None = None) -> list[dict]:
        """Status changes, oldest first: ``{"batch_id", "at", "from", "to", "reason", "by"}``."""

    def close(self) -> None: ...


def snapshot_of(store: Any, *, lettering_lines: bool = True) -> RegisterSnapshot:
    """``store.snapshot(lettering_lines=…)``, for stores that know the option (the SQL stores);
    other stores (test fakes, the former registers) give their whole snapshot."""
    if lettering_lines:
        return store.snapshot()
    try:
        return store.snapshot(lettering_lines=False)
    except TypeError:
        return store.snapshot()
