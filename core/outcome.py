"""What a button's pure plan returns: the ``Outcome`` the shell commits (house style §1b).

A plan (``core/<workflow>/usecases.py``) takes what was read (workbook tables, a dossier
snapshot, a :class:`~reglo.core.register_state.RegisterSnapshot` taken *inside* the dossier
lock, parameters, ``now`` and the identifiers to use) and returns an :class:`Outcome`. It never
writes anything: the shell (``reglo.addin.shell.commit``) is the only code that does, through
one protocol for every workflow (lock → re-read register → plan → record the batch *pending*
with each file's target name and sha256 → write each file under a temporary name in its target
folder, fsync, rename without overwriting → mark *committed* → unlock).

An outcome with a blocking alert carries no file, no batch and no ledger change.

``Outcome.cancels`` (:class:`CancelDraft`) cancels earlier batches in the same commit as the new
batch: recorded with the pending batch, applied when it becomes committed.
"""
from __future__ import annotations

import hashlib
from typing import Any, Collection, Literal

from pydantic import BaseModel, ConfigDict, Field

from reglo.core.alerts import Alert, has_blocking

ColumnKind = Literal["text", "amount", "date", "datetime", "integer", "percent"]


class OutputFile(BaseModel):
    """One file to create. ``folder`` is relative to the dossier folder (``"virements"``,
    ``"reglements"``, ``"prelevements"``…) or ``""`` for the dossier folder itself; the shell
    refuses a folder that leaves the dossier. ``name`` was chosen by the plan from identifiers
    handed out inside the lock, so it is unique; the shell still never overwrites a file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    folder: str
    name: str
    data: bytes
    role: Literal["bank", "entries", "slip", "report", "journal", "data", "ledger_copy"] = "data"
    is_test: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class LedgerRewrite(BaseModel):
    """The one in-place rewrite Reglo does: the ledger a user letters (``letter --apply``) or
    into which imported entries are integrated. ``original_sha256`` is the hash of the bytes
    the plan was computed from: the shell refuses to replace a file that changed meanwhile.
    The undo journal (``undo``) is written in the same commit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: str  # path relative to the dossier folder, or absolute path of the ledger the user named
    original_sha256: str
    data: bytes
    undo: OutputFile | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class RegisterLineDraft(BaseModel):
    """One line of a batch to record: what is paid / collected / imported (``item_key``, the
    stable key of an invoice or ledger line) and how much. ``payment_key`` is unique among live
    batches (the database enforces it): it must not depend on when the preview was imported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_key: str
    amount_cents: int
    payment_key: str | None = None
    party_code: str = ""
    document_ref: str = ""
    original_cents: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class BatchDraft(BaseModel):
    """A batch to record in the register. A test batch (direct-debit test file, posting
    « en mode test ») is recorded but never counts as paid or collected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str  # "virement", "reglement", "prelevement", "lcr", "decaissement", "lettrage", "import_ecritures"…
    reference: str  # MsgId / batch reference: unique across the dossier's history
    lines: tuple[RegisterLineDraft, ...] = ()
    meta: dict[str, Any] = Field(default_factory=dict)
    is_test: bool = False

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


class CancelDraft(BaseModel):
    """The cancellation of an earlier, committed batch that an outcome carries (a bank reject:
    the reversal files and the cancellation of the rejected remittance are one commit). The
    shell records it with the new batch *pending* and applies it in the same database
    transaction that marks the new batch *committed* (or that recovery uses to complete it):
    a crash leaves either both or neither. ``reference`` is the cancelled batch's reference,
    checked against ``batch_id`` by the register."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_id: int
    reference: str
    reason: str


class SheetColumn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    header: str
    kind: ColumnKind = "text"
    width: float | None = None
    hidden: bool = False


class SheetOutput(BaseModel):
    """A sheet to (re)write in the calling workbook once the commit succeeded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    columns: tuple[SheetColumn, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str | None = None
    preamble: tuple[tuple[Any, ...], ...] = ()
    hidden: bool = False


class Outcome(BaseModel):
    """Everything one button produces. ``counters`` are the register counters the plan used
    (name → last value handed out, e.g. ``"msgid:virement"`` or ``"entry:BQ1"``); the shell
    stores them with the pending batch, so that identifiers are never handed out twice."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    alerts: tuple[Alert, ...] = ()
    summary: str = ""
    batch: BatchDraft | None = None
    files: tuple[OutputFile, ...] = ()
    ledger: LedgerRewrite | None = None
    sheets: tuple[SheetOutput, ...] = ()
    counters: dict[str, int] = Field(default_factory=dict)
    cancels: tuple[CancelDraft, ...] = ()  # earlier batches this commit cancels, atomically with it
    data: dict[str, Any] = Field(default_factory=dict)  # workflow-specific results for the entry point

    @property
    def has_blocking(self) -> bool:
        return has_blocking(self.alerts)

    @property
    def writes_anything(self) -> bool:
        return bool(self.files or self.ledger or self.batch or self.cancels)


def free_name(name: str, taken: Collection[str]) -> str:
    """``name``, or ``stem-2.ext``, ``stem-3.ext``… when taken: a name no earlier output of the
    dossier has (a fixed clock, two runs in one second; nothing is ever overwritten).

    >>> free_name("a.csv", {"a.csv", "a-2.csv"})
    'a-3.csv'
    """
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while f"{stem}-{n}{dot}{ext}" in taken:
        n += 1
    return f"{stem}-{n}{dot}{ext}"
