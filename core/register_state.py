"""A read-only picture of the payment register, taken by the shell *inside* the dossier lock
and handed to a pure plan (house style §1b).

Batch statuses:

* ``pending``: recorded before its files were written; its lines are *reserved* (they count
  as paid / collected) until the batch is resolved where it was started;
* ``committed``: every file written and checked; its lines count;
* ``cancelled``: cancelled by a user (bank reject, file never sent), with a reason; its lines
  no longer count and the invoices are payable again;
* ``rolled_back``: a pending batch whose files were never all written; it never counted.

A test batch (``is_test``) never counts, whatever its status.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

BatchStatus = Literal["pending", "committed", "cancelled", "rolled_back"]
LIVE_STATUSES: frozenset[str] = frozenset({"pending", "committed"})


class FileRecord(BaseModel):
    """A file of a batch: where it was (to be) written and its sha256."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    folder: str  # relative to the dossier folder ("" = the dossier folder), or absolute for a ledger the user named
    name: str
    sha256: str
    role: str = "data"
    replaces_sha256: str | None = None  # ledger rewrite: hash of the bytes it replaced


class LineState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item_key: str
    amount_cents: int
    payment_key: str | None = None
    party_code: str = ""
    document_ref: str = ""
    original_cents: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class BatchState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    kind: str
    reference: str
    status: BatchStatus
    is_test: bool = False
    created_at: datetime
    host: str = ""  # machine where the batch was started (recovery happens there)
    folder: str = ""  # dossier folder as seen from that machine
    user: str = ""
    files: tuple[FileRecord, ...] = ()
    lines: tuple[LineState, ...] = ()
    meta: dict[str, Any] = Field(default_factory=dict)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None

    @property
    def counts(self) -> bool:
        """Its lines count as paid / collected / imported (reserved while pending)."""
        return self.status in LIVE_STATUSES and not self.is_test

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


class RegisterSnapshot(BaseModel):
    """Every batch of the dossier, and the counters of handed-out identifiers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dossier_id: str = ""
    batches: tuple[BatchState, ...] = ()
    counters: dict[str, int] = Field(default_factory=dict)

    @property
    def mark(self) -> int:
        """The last batch id: a preview imported at mark m knows every batch up to m."""
        return max((b.id for b in self.batches), default=0)

    def live(self, kind: str | Iterable[str] | None = None) -> list[BatchState]:
        kinds = {kind} if isinstance(kind, str) else (set(kind) if kind is not None else None)
        return [b for b in self.batches if b.counts and (kinds is None or b.kind in kinds)]

    def paid_cents_by_item(self, kind: str | Iterable[str] | None = None) -> dict[str, int]:
        """Total recorded per item key over live (pending or committed, non-test) batches."""
        out: dict[str, int] = {}
        for b in self.live(kind):
            for line in b.lines:
                out[line.item_key] = out.get(line.item_key, 0) + line.amount_cents
        return out

    def live_payment_keys(self, kind: str | Iterable[str] | None = None) -> set[str]:
        return {line.payment_key for b in self.live(kind) for line in b.lines if line.payment_key}

    def counter(self, name: str) -> int:
        """Last value handed out for ``name`` (0 when never used)."""
        return self.counters.get(name, 0)

    def find(self, *, reference: str | None = None, file_name: str | None = None) -> BatchState | None:
        for b in reversed(self.batches):
            if reference is not None and b.reference == reference:
                return b
            if file_name is not None and any(f.name == file_name for f in b.files):
                return b
        return None

    def file_names(self) -> set[str]:
        return {f.name for b in self.batches for f in b.files}
