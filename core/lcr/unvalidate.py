"""Un-validation of LCR and direct-debit lines, and bank reject of LCR remittances (issue 15, item 3): pure selection of what
is re-opened, the cancellation receipts for the payment data (status 212) and the reversal
of the treasury entry.

- « Dévalider la ligne en cours » (one invoice), « … toutes les lignes du client » (one
  customer), « Dévalider TOUS les clients » (every live LCR line; two confirmations).
- Un-validation never touches a line lettered in another fiscal year: it is left as it is,
  with a warning.
- A bank reject of a whole file cancels its register batch (as for transfers), and writes a
  cancellation record for each of its receipts.

The shell applies the result (batch cancellation through the commit protocol).
"""
from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Collection, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert, has_blocking
from reglo.core.cashed_status.records import cancellation_receipts
from reglo.core.models import Entry, EntryLine
from reglo.core.money import ZERO, cents_to_money
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot
from reglo.core.vat_receipts.models import Receipt, ReceiptSource

KIND = "lcr"
DEBIT_KIND = "prelevement"  # reglo.core.debits.models.KIND: direct-debit lines are un-validated the same way


class Scope(StrEnum):
    LINE = "ligne"  # Dévalider la ligne en cours
    PARTY = "client"  # Dévalider toutes les lignes du client en cours
    ALL = "tous"  # Dévalider TOUS les clients


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class ReopenedLine(_Model):
    batch_id: int
    batch_reference: str
    line: LineState


class UnvalidationPlan(_Model):
    lines: tuple[ReopenedLine, ...] = ()
    cancellations: tuple[Receipt, ...] = ()
    alerts: tuple[Alert, ...] = ()

    @property
    def is_blocked(self) -> bool:
        return has_blocking(self.alerts)


class RejectPlan(_Model):
    batch_id: int | None = None
    reason: str = ""
    cancellations: tuple[Receipt, ...] = ()
    reversal: Entry | None = None
    alerts: tuple[Alert, ...] = ()


def batch_receipts(batch: BatchState) -> list[Receipt]:
    """The receipts a committed LCR batch recorded (same ids as ``plan_lcr`` gave them), or
    those of a direct-debit batch (collection date; same ids as the register's receipts)."""
    out = []
    if batch.kind == DEBIT_KIND:
        day = batch.meta.get("collection_date") or batch.created_at.date().isoformat()
        for n, line in enumerate(batch.lines, start=1):
            out.append(Receipt(receipt_id=f"{batch.reference}-{n:04d}", source=ReceiptSource.DIRECT_DEBIT, party_code=line.party_code,
                               receipt_date=date.fromisoformat(str(day)), amount=cents_to_money(line.amount_cents),
                               invoice_number=line.document_ref))
        return out
    for n, line in enumerate(batch.lines, start=1):
        due = line.meta.get("due_date")
        out.append(
            Receipt(
                receipt_id=f"{batch.reference}-{n:04d}",
                source=ReceiptSource.LCR,
                party_code=line.party_code,
                receipt_date=date.fromisoformat(due) if due else date.fromisoformat(batch.meta["remittance_date"]),
                amount=cents_to_money(line.amount_cents),
                invoice_number=line.document_ref,
            )
        )
    return out


def plan_unvalidation(
    snapshot: RegisterSnapshot,
    scope: Scope,
    *,
    on: date,
    fiscal_year: tuple[date, date],
    party_code: str = "",
    item_key: str = "",
    lettered_on: Mapping[str, date] | None = None,
    confirmations: int = 0,
    already: Collection[tuple[str, str]] = (),
    kind: str = KIND,
) -> UnvalidationPlan:
    """What an un-validation re-opens, and the cancellation receipts it writes.

    Args:
        scope: one line (``item_key``), one customer (``party_code``) or all.
        fiscal_year: (start, end) of the current year; lines lettered outside it stay.
        lettered_on: item key → date of its lettering (from the ledger), when lettered.
        confirmations: how many times the user confirmed (« TOUS les clients » needs 2).
        already: (batch reference, item key) of the lines an earlier un-validation re-opened.
        kind: the batches whose lines are re-opened: LCR (``lcr``) or direct debits (``prelevement``).
    """
    lettered_on = lettered_on or {}
    if scope is Scope.ALL and confirmations < 2:
        return UnvalidationPlan(alerts=(alert("UNVALIDATE_CONFIRMATION_REQUIRED", count=confirmations),))
    alerts: list[Alert] = []
    reopened: list[ReopenedLine] = []
    cancellations: list[Receipt] = []
    start, end = fiscal_year
    for batch in snapshot.live(kind):
        receipts = {r.receipt_id: r for r in batch_receipts(batch)}
        for n, line in enumerate(batch.lines, start=1):
            if scope is Scope.LINE and line.item_key != item_key:
                continue
            if scope is Scope.PARTY and line.party_code != party_code:
                continue
            if (batch.reference, line.item_key) in already:
                continue
            lettered = lettered_on.get(line.item_key)
            if lettered is not None and not (start <= lettered <= end):
                alerts.append(alert("UNVALIDATE_OTHER_YEAR", item=line.document_ref or line.item_key, lettered=lettered.strftime("%d/%m/%Y")))
                continue
            reopened.append(ReopenedLine(batch_id=batch.id, batch_reference=batch.reference, line=line))
            cancellations += cancellation_receipts([receipts[f"{batch.reference}-{n:04d}"]], on=on)
    if not reopened and not alerts:
        alerts.append(alert("UNVALIDATE_NOTHING", scope=scope.value))
    return UnvalidationPlan(lines=tuple(reopened), cancellations=tuple(cancellations), alerts=tuple(alerts))


def plan_reject(
    snapshot: RegisterSnapshot,
    *,
    on: date,
    reason: str,
    reference: str | None = None,
    file_name: str | None = None,
    control_account: str = "411000",
) -> RejectPlan:
    """Bank reject of a whole LCR file: the batch to cancel, cancellation receipts and the
    reversal of the treasury entry (debit 411 per customer, credit 5113/5114)."""
    batch = snapshot.find(reference=reference, file_name=file_name)
    wanted = reference or file_name or ""
    if batch is None:
        return RejectPlan(alerts=(alert("LCR_REJECT_NOT_FOUND", value=wanted),))
    if batch.kind != KIND:
        return RejectPlan(alerts=(alert("LCR_REJECT_NOT_LCR", value=wanted, kind=batch.kind),))
    if not batch.counts:
        return RejectPlan(alerts=(alert("LCR_REJECT_NOT_LIVE", value=wanted, status=batch.status),))
    receipts = batch_receipts(batch)
    by_party: dict[str, int] = {}
    for line in batch.lines:
        by_party[line.party_code] = by_party.get(line.party_code, 0) + line.amount_cents
    label = f"Rejet remise LCR {batch.reference}"[:31]
    lines = [EntryLine(ledger_account=control_account, subledger_account=p, label=label, debit=cents_to_money(c)) for p, c in sorted(by_party.items())]
    total = sum((l.debit for l in lines), ZERO)
    lines.append(EntryLine(ledger_account=batch.meta.get("remittance_account", "511300"), label=label, credit=total))
    reversal = Entry(journal_code=batch.meta.get("journal_code", ""), entry_date=on, document_ref=batch.reference, label=label, lines=tuple(lines))
    return RejectPlan(batch_id=batch.id, reason=reason, cancellations=tuple(cancellation_receipts(receipts, on=on)), reversal=reversal)


def reopened_items(plan: UnvalidationPlan) -> Sequence[str]:
    """Item keys the allocation step shows again as open."""
    return [r.line.item_key for r in plan.lines]
