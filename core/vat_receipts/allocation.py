"""TVA sur encaissements: distribute each receipt over operation codes and VAT codes, then
total the CA3 lines (cadre A: base of the operations; cadre B: base and VAT per rate).

Automatic allocation (« affectation automatique ») uses the VAT breakdown of the invoice the
receipt settles, as found in the ledger. A partial receipt is split **pro rata of what is
still open** on each rate of the invoice (the usual rule for partial payments,
``shared/specs/e-invoicing-payments.md`` §3), in cents by the largest remainder; within a
rate, the base is the same proportion of the open base and the VAT is the rest. Hence:

- the parts of a receipt add up to the amount received, to the cent;
- once an invoice is fully received, the bases and VAT allocated over all its receipts are
  exactly the invoice's (no rounding drift, whatever the number of partial receipts);
- every part is ≥ 0.

Manual allocation (« Encaissement - Saisie TVA ») takes lines (operation code, VAT code,
amount including VAT) until the remainder is 0; the base is ``amount / (1 + rate)``
rounded half-up and the VAT the rest. A receipt with neither is listed as « sans
affectation » with a warning. A cancellation (bank reject, un-validation) reverses the
allocation of the receipt it cancels, with negative amounts, in its own period.

Only the customers flagged « TVA sur encaissement » count (``parties``; None = all).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.money import CENT, ZERO, format_display, quantize, to_cents
from reglo.core.vat_receipts.models import (
    DEFAULT_OPERATION_CODES,
    DEFAULT_VAT_CODES,
    Invoice,
    ManualAllocation,
    OperationCode,
    Receipt,
    VatCode,
)

SHEET = "TVA sur encaissements"  # the allocation lines
CA3_SHEET = "CA3 - TVA sur encaissements"
UNALLOCATED_SHEET = "Encaissements sans TVA affectée"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AllocationLine(_Model):
    """One part of a receipt on one (operation code, VAT code) pair."""

    receipt_id: str
    party_code: str
    receipt_date: date
    invoice_number: str = ""
    operation_code: str
    vat_code: str
    rate: Decimal
    amount: Decimal  # TTC; negative for a cancellation
    base: Decimal
    vat: Decimal
    is_manual: bool = False


class Ca3Line(_Model):
    """One line of the 3310-CA3: cadre A (operations, base only) or cadre B (base and VAT)."""

    line: str
    label: str
    base: Decimal
    vat: Decimal | None = None  # None on cadre A lines


class VatReceiptsResult(_Model):
    lines: tuple[AllocationLine, ...]
    unallocated: tuple[Receipt, ...]
    ca3: tuple[Ca3Line, ...]
    alerts: tuple[Alert, ...]


def split_cents(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents in proportion to ``weights`` (largest remainder, ties by order).

    >>> split_cents(100, [1, 1, 1])
    [34, 33, 33]
    >>> split_cents(0, [5, 0])
    [0, 0]
    """
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    floors = [total * w // weight_sum for w in weights]
    rest = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-((total * weights[i]) % weight_sum), i))
    for i in order[:rest]:
        floors[i] += 1
    return floors


def _cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


def base_from_gross(amount: Decimal, rate: Decimal) -> Decimal:
    """Base of an amount including VAT at ``rate`` percent, rounded half-up to the cent.

    >>> base_from_gross(Decimal("120.00"), Decimal("20"))
    Decimal('100.00')
    >>> base_from_gross(Decimal("10.00"), Decimal("5.5"))
    Decimal('9.48')
    """
    return (amount * 100 / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)


class _OpenInvoice:
    """What is still open on each VAT line of an invoice, in cents."""

    def __init__(self, invoice: Invoice):
        self.invoice = invoice
        self.total = [to_cents(l.total) for l in invoice.lines]
        self.base = [to_cents(l.base) for l in invoice.lines]

    @property
    def open_total(self) -> int:
        return sum(self.total)

    def take(self, cents: int) -> list[tuple[int, int]]:
        """(amount, base) per VAT line for a receipt of ``cents`` (≤ open total)."""
        parts = split_cents(cents, self.total)
        out = []
        for i, part in enumerate(parts):
            if part == self.total[i]:
                base = self.base[i]
            else:
                base = int((Decimal(self.base[i]) * part / self.total[i]).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if self.total[i] else 0
            out.append((part, base))
            self.total[i] -= part
            self.base[i] -= base
        return out


def _automatic(receipt: Receipt, state: _OpenInvoice, rates: dict[str, VatCode], alerts: list[Alert]) -> list[AllocationLine]:
    cents = to_cents(receipt.amount)
    open_total = state.open_total
    if cents > open_total:
        inv = state.invoice
        alerts.append(alert("VAT_RECEIPTS_EXCEED_INVOICE", invoice=inv.invoice_number, received=format_display(receipt.amount), total=format_display(_cents(open_total)), excess=format_display(_cents(cents - open_total)), sheet=SHEET, row=receipt.source_row))
        cents = open_total
    lines = []
    for vat_line, (part, base) in zip(state.invoice.lines, state.take(cents)):
        if part == 0:
            continue
        lines.append(
            AllocationLine(
                receipt_id=receipt.receipt_id, party_code=receipt.party_code, receipt_date=receipt.receipt_date, invoice_number=receipt.invoice_number,
                operation_code=state.invoice.operation_code, vat_code=vat_line.vat_code, rate=rates[vat_line.vat_code].rate if vat_line.vat_code in rates else ZERO,
                amount=_cents(part), base=_cents(base), vat=_cents(part - base),
            )
        )
    return lines


def _manual(receipt: Receipt, manual: ManualAllocation, rates: dict[str, VatCode], operations: dict[str, OperationCode], alerts: list[Alert]) -> list[AllocationLine]:
    ok = True
    for line in manual.lines:
        if line.vat_code not in rates:
            alerts.append(alert("VAT_CODE_UNKNOWN", value=line.vat_code, expected=", ".join(rates), sheet=SHEET, row=line.source_row, column="Code TVA"))
            ok = False
        if line.operation_code not in operations:
            alerts.append(alert("VAT_OPERATION_CODE_UNKNOWN", value=line.operation_code, expected=", ".join(operations), sheet=SHEET, row=line.source_row, column="Code opération"))
            ok = False
    remainder = receipt.amount - sum((l.amount for l in manual.lines), ZERO)
    if remainder != ZERO:
        alerts.append(alert("VAT_ALLOCATION_REMAINDER", amount=format_display(receipt.amount), party=receipt.party_code, remainder=format_display(remainder), sheet=SHEET, row=receipt.source_row))
        ok = False
    if not ok:
        return []
    out = []
    for line in manual.lines:
        rate = rates[line.vat_code].rate
        base = base_from_gross(line.amount, rate)
        out.append(
            AllocationLine(
                receipt_id=receipt.receipt_id, party_code=receipt.party_code, receipt_date=receipt.receipt_date, invoice_number=receipt.invoice_number,
                operation_code=line.operation_code, vat_code=line.vat_code, rate=rate, amount=quantize(line.amount), base=base, vat=quantize(line.amount) - base, is_manual=True,
            )
        )
    return out


def _reverse(lines: Iterable[AllocationLine], cancellation: Receipt) -> list[AllocationLine]:
    return [
        l.model_copy(update={"receipt_id": cancellation.receipt_id, "receipt_date": cancellation.receipt_date, "amount": -l.amount, "base": -l.base, "vat": -l.vat})
        for l in lines
    ]


def allocate_receipts(
    receipts: Sequence[Receipt],
    invoices: Sequence[Invoice],
    *,
    manual: Sequence[ManualAllocation] = (),
    parties: set[str] | None = None,
    period: tuple[date, date] | None = None,
    vat_codes: Sequence[VatCode] = DEFAULT_VAT_CODES,
    operation_codes: Sequence[OperationCode] = DEFAULT_OPERATION_CODES,
) -> VatReceiptsResult:
    """Allocate every receipt (all periods, in date order, so that partial receipts of one
    invoice follow each other), then keep the lines of ``period`` for the CA3."""
    rates = {c.code: c for c in vat_codes}
    operations = {c.code: c for c in operation_codes}
    by_number = {i.invoice_number: i for i in invoices}
    manual_by_id = {m.receipt_id: m for m in manual}
    states: dict[str, _OpenInvoice] = {}
    alerts: list[Alert] = []
    by_receipt: dict[str, list[AllocationLine]] = {}
    lines: list[AllocationLine] = []
    unallocated: list[Receipt] = []
    ordered = sorted((r for r in receipts if parties is None or r.party_code in parties), key=lambda r: (r.receipt_date, r.cancels is not None, r.receipt_id))
    for r in ordered:
        blocked = False  # a blocking alert of its own: not « sans affectation »
        if r.cancels is not None:
            got, blocked = _reverse(by_receipt.get(r.cancels, ()), r), True
        elif r.receipt_id in manual_by_id:
            got, blocked = _manual(r, manual_by_id[r.receipt_id], rates, operations, alerts), True
        elif r.invoice_number in by_number and by_number[r.invoice_number].lines and all(l.total >= 0 for l in by_number[r.invoice_number].lines):
            invoice = by_number[r.invoice_number]
            unknown = [l.vat_code for l in invoice.lines if l.vat_code not in rates]
            if unknown:
                alerts.append(alert("VAT_CODE_UNKNOWN", value=unknown[0], expected=", ".join(rates), sheet=SHEET, row=r.source_row, column="Code TVA"))
                got, blocked = [], True
            else:
                got = _automatic(r, states.setdefault(invoice.invoice_number, _OpenInvoice(invoice)), rates, alerts)
        else:
            if r.invoice_number in by_number:
                alerts.append(alert("VAT_INVOICE_NO_BREAKDOWN", invoice=r.invoice_number, sheet=SHEET, row=r.source_row))
            got = []
        if not got and not blocked:
            unallocated.append(r)
        by_receipt[r.receipt_id] = got
        lines += got
    if period is not None:
        start, end = period
        lines = [l for l in lines if start <= l.receipt_date <= end]
        unallocated = [r for r in unallocated if start <= r.receipt_date <= end]
    for r in unallocated:
        alerts.append(alert("VAT_RECEIPT_NO_ALLOCATION", amount=format_display(r.amount), date=r.receipt_date.strftime("%d/%m/%Y"), party=r.party_name or r.party_code, sheet=SHEET, row=r.source_row))
    return VatReceiptsResult(lines=tuple(lines), unallocated=tuple(unallocated), ca3=tuple(ca3_lines(lines, vat_codes, operation_codes)), alerts=tuple(alerts))


def ca3_lines(lines: Sequence[AllocationLine], vat_codes: Sequence[VatCode] = DEFAULT_VAT_CODES, operation_codes: Sequence[OperationCode] = DEFAULT_OPERATION_CODES) -> list[Ca3Line]:
    """Cadre A lines (base per operation line) then cadre B lines (base and VAT per rate line),
    in the order of the code tables, only those with amounts."""
    op_line = {c.code: c for c in operation_codes}
    vat_line = {c.code: c for c in vat_codes}
    a_base: dict[str, Decimal] = defaultdict(lambda: ZERO)
    b_base: dict[str, Decimal] = defaultdict(lambda: ZERO)
    b_vat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for l in lines:
        a_base[op_line[l.operation_code].ca3_line] += l.base
        key = vat_line[l.vat_code].ca3_line
        b_base[key] += l.base
        b_vat[key] += l.vat
    out: list[Ca3Line] = []
    seen: set[str] = set()
    for c in operation_codes:
        if c.ca3_line in a_base and c.ca3_line not in seen:
            seen.add(c.ca3_line)
            out.append(Ca3Line(line=c.ca3_line, label=c.label, base=a_base[c.ca3_line]))
    for c in vat_codes:
        if c.ca3_line in b_base and c.ca3_line not in seen:
            seen.add(c.ca3_line)
            out.append(Ca3Line(line=c.ca3_line, label=c.label, base=b_base[c.ca3_line], vat=b_vat[c.ca3_line]))
    return out


# --- sheets -----------------------------------------------------------------------------

CA3_HEADERS = ("Cadre", "Ligne", "Libellé", "Base hors taxe", "TVA due")
ALLOCATION_HEADERS = ("Encaissement", "Date", "Compte", "Facture", "Code opération", "Code TVA", "Taux", "Montant TTC", "Base HT", "TVA", "Saisie")
UNALLOCATED_HEADERS = ("Encaissement", "Date", "Compte", "Nom", "Facture", "Montant", "Origine")


def ca3_sheet(result: VatReceiptsResult) -> tuple[tuple[str, ...], list[tuple]]:
    """« CA3 - TVA sur encaissements »: one row per CA3 line, then a total row."""
    rows = [("A" if l.vat is None else "B", l.line, l.label, l.base, l.vat) for l in result.ca3]
    total_vat = sum((l.vat for l in result.ca3 if l.vat is not None), ZERO)
    rows.append(("", "", "Total TVA due sur encaissements", None, total_vat))
    return CA3_HEADERS, rows


def allocation_sheet(result: VatReceiptsResult) -> tuple[tuple[str, ...], list[tuple]]:
    rows = [(l.receipt_id, l.receipt_date, l.party_code, l.invoice_number, l.operation_code, l.vat_code, l.rate, l.amount, l.base, l.vat, "Manuelle" if l.is_manual else "Automatique") for l in result.lines]
    return ALLOCATION_HEADERS, rows


def unallocated_sheet(result: VatReceiptsResult) -> tuple[tuple[str, ...], list[tuple]]:
    rows = [(r.receipt_id, r.receipt_date, r.party_code, r.party_name, r.invoice_number, r.amount, r.source.value) for r in result.unallocated]
    return UNALLOCATED_HEADERS, rows
