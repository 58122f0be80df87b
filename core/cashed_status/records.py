"""« Données d'encaissement »: one record per receipt (or cancellation), for the approved
platform (PA) that transmits status 212 « Encaissée ».

What each field is (``shared/specs/e-invoicing-payments.md`` §3): the seller's SIREN; the
invoice number and date the receipt settles; the receipt date (the date the money was
received: collection date of a direct debit, due date of an LCR, bank date of a payment);
the amount received, split per VAT rate (pro rata of the invoice for a partial receipt,
from ``reglo.core.vat_receipts``); partial or full; EUR. A cancellation (bank reject,
un-validation) repeats the cancelled record with negative amounts. A receipt that is not
yet lettered with its invoice is flagged: at the deadline such receipts are reported in
aggregate (``unlettered_totals``) and corrected in the next period.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Sequence

from pydantic import BaseModel, ConfigDict
from stdnum.fr import siren as stdnum_siren

from reglo.core.alerts import Alert, alert
from reglo.core.money import ZERO, format_display
from reglo.core.vat_receipts.allocation import AllocationLine
from reglo.core.vat_receipts.models import Invoice, Receipt

SHEET = "Données d'encaissement"
STATUS_CODE = "212"  # « Encaissée »


class RecordType(StrEnum):
    RECEIPT = "Encaissement"
    CANCELLATION = "Annulation"


class Completeness(StrEnum):
    FULL = "Total"
    PARTIAL = "Partiel"
    UNKNOWN = ""  # invoice unknown


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateAmount(_Model):
    rate: Decimal  # percent
    amount: Decimal  # received at this rate, VAT included (negative for a cancellation)
    base: Decimal
    vat: Decimal


class CashedRecord(_Model):
    record_type: RecordType
    status_code: str = STATUS_CODE
    seller_siren: str
    invoice_number: str
    invoice_date: date | None
    receipt_date: date
    amount: Decimal  # signed: negative for a cancellation
    currency: str = "EUR"
    per_rate: tuple[RateAmount, ...] = ()
    completeness: Completeness
    is_lettered: bool
    source: str
    receipt_id: str
    cancels: str = ""
    party_code: str = ""


def cancellation_receipts(receipts: Sequence[Receipt], *, on: date, suffix: str = "ANN") -> list[Receipt]:
    """The cancellation receipts of a bank reject / un-validation of ``receipts`` (dated ``on``)."""
    return [r.model_copy(update={"receipt_id": f"{r.receipt_id}-{suffix}", "receipt_date": on, "cancels": r.receipt_id}) for r in receipts]


def cashed_records(
    receipts: Sequence[Receipt],
    invoices: Sequence[Invoice],
    lines: Sequence[AllocationLine],
    *,
    seller_siren: str,
    period: tuple[date, date] | None = None,
) -> tuple[list[CashedRecord], list[Alert]]:
    """One record per receipt of ``period`` (all when None), in date order.

    ``lines`` are the VAT allocation lines of the same receipts (``allocate_receipts``).
    """
    siren = "".join(seller_siren.split())
    if not stdnum_siren.is_valid(siren):
        return [], [alert("CASHED_SELLER_SIREN", value=seller_siren, sheet=SHEET)]
    by_number = {i.invoice_number: i for i in invoices}
    by_receipt: dict[str, list[AllocationLine]] = defaultdict(list)
    for l in lines:
        by_receipt[l.receipt_id].append(l)
    alerts: list[Alert] = []
    missing_dates: set[str] = set()
    out: list[CashedRecord] = []
    for r in sorted(receipts, key=lambda r: (r.receipt_date, r.receipt_id)):
        if period is not None and not (period[0] <= r.receipt_date <= period[1]):
            continue
        invoice = by_number.get(r.invoice_number)
        sign = -1 if r.cancels else 1
        if r.partial is not None and (invoice is None or not invoice.lines):  # the source knows it (a lettering receipt), the ledger not
            completeness = Completeness.PARTIAL if r.partial else Completeness.FULL
        elif invoice is None:
            completeness = Completeness.UNKNOWN
        else:
            completeness = Completeness.FULL if r.amount == invoice.total else Completeness.PARTIAL
            if invoice.invoice_date is None and invoice.invoice_number not in missing_dates:
                missing_dates.add(invoice.invoice_number)
                alerts.append(alert("CASHED_NO_INVOICE_DATE", invoice=invoice.invoice_number, sheet=SHEET))
        per_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        for l in by_receipt.get(r.receipt_id, ()):
            acc = per_rate[l.rate]
            acc[0] += l.amount
            acc[1] += l.base
            acc[2] += l.vat
        out.append(
            CashedRecord(
                record_type=RecordType.CANCELLATION if r.cancels else RecordType.RECEIPT,
                seller_siren=siren,
                invoice_number=r.invoice_number,
                invoice_date=(invoice.invoice_date if invoice else None) or r.invoice_date,
                receipt_date=r.receipt_date,
                amount=sign * r.amount,
                per_rate=tuple(RateAmount(rate=rate, amount=a, base=b, vat=v) for rate, (a, b, v) in sorted(per_rate.items(), reverse=True)),
                completeness=completeness,
                is_lettered=r.is_lettered,
                source=r.source.value,
                receipt_id=r.receipt_id,
                cancels=r.cancels or "",
                party_code=r.party_code,
            )
        )
    unlettered = [c for c in out if not c.is_lettered]
    if unlettered:
        total = sum((c.amount for c in unlettered), ZERO)
        alerts.append(alert("CASHED_NOT_LETTERED", count=len(unlettered), amount=format_display(total), sheet=SHEET))
    return out, alerts


def unlettered_totals(records: Sequence[CashedRecord]) -> list[tuple[str, Decimal]]:
    """Aggregate of the receipts not yet lettered, per VAT rate (« taux non déterminé » when
    the receipt has no allocation), as reported at the deadline."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for c in records:
        if c.is_lettered:
            continue
        if c.per_rate:
            allocated = ZERO
            for p in c.per_rate:
                totals[f"{p.rate.normalize():f} %"] += p.amount
                allocated += p.amount
            if allocated != c.amount:
                totals["Taux non déterminé"] += c.amount - allocated
        else:
            totals["Taux non déterminé"] += c.amount
    return sorted(totals.items())
