"""Checks of the « Import règlements clients » rows against the dossier (Contrôler).

Each rule is a small function returning alerts (house style §4). Row rules see one
parsed row and the reference; batch rules (duplicates, prior imports) see the whole
sheet; the allocation rules (partial payment, overpayment) come from the allocation
itself so that the control screen says exactly what the import will do.

Blocking (red): missing/impossible date, missing/unknown invoice, invoice of another
customer, amount missing / not a number / zero or negative, unknown mode or bank, the
same payment twice in the sheet, a payment already imported. Warning (yellow): partial
payment, overpayment, date before the invoice / in the future / outside the fiscal year,
job site different from the invoice's, amount rounded, bank taken by default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping, Sequence

from reglo.core.alerts import Alert, alert
from reglo.core.money import ZERO
from reglo.core.payments import ingest as t
from reglo.core.payments.allocation import allocate
from reglo.core.payments.ingest import ParsedRow, eur, fr_date, parse_row, payment_key
from reglo.core.payments.model import Allocation, Payment, PaymentReference, RowStatus

RowRule = Callable[[ParsedRow, PaymentReference, date, str], list[Alert]]


def check_invoice(row: ParsedRow, ref: PaymentReference, today: date, sheet: str) -> list[Alert]:
    if not row.invoice_number:
        return [alert("PAY_INVOICE_MISSING", sheet=sheet, row=row.source_row, column=t.INVOICE)]
    inv = ref.invoices.get(row.invoice_number)
    if inv is None:
        return [alert("PAY_INVOICE_UNKNOWN", sheet=sheet, row=row.source_row, column=t.INVOICE, value=row.invoice_number)]
    if row.customer_code and row.customer_code != inv.customer_code:
        return [alert("PAY_INVOICE_OTHER_CUSTOMER", sheet=sheet, row=row.source_row, column=t.CUSTOMER, invoice=inv.invoice_number, expected=inv.customer_code, value=row.customer_code)]
    if inv.settled_in_ledger:
        return [alert("PAY_INVOICE_SETTLED_IN_LEDGER", sheet=sheet, row=row.source_row, column=t.INVOICE, invoice=inv.invoice_number,
                      letter=inv.settled_code or "(non lettrée, soldée par ses écritures)", date=fr_date(inv.settled_on) if inv.settled_on else "date inconnue")]
    return []


def check_bank(row: ParsedRow, ref: PaymentReference, today: date, sheet: str) -> list[Alert]:
    if row.bank:
        if row.bank in ref.banks:
            return []
        if resolve_bank(row.bank, ref) is None:
            return [alert("PAY_BANK_UNKNOWN", sheet=sheet, row=row.source_row, column=t.BANK, value=row.bank, expected=_banks(ref))]
        return []
    default, reason = default_bank(row, ref)
    if default is None:
        return [alert("PAY_BANK_UNKNOWN", sheet=sheet, row=row.source_row, column=t.BANK, value="(vide)", expected=_banks(ref))]
    return [alert("PAY_BANK_DEFAULTED", sheet=sheet, row=row.source_row, column=t.BANK, value=default, reason=reason)]


def _banks(ref: PaymentReference) -> str:
    return ", ".join(sorted(ref.banks)) or "aucune banque dans le dossier"


def check_dates(row: ParsedRow, ref: PaymentReference, today: date, sheet: str) -> list[Alert]:
    d = row.payment_date
    if d is None:
        return []
    out: list[Alert] = []
    inv = ref.invoices.get(row.invoice_number)
    if inv is not None and inv.invoice_date and d < inv.invoice_date:
        out.append(alert("PAY_DATE_BEFORE_INVOICE", sheet=sheet, row=row.source_row, column=t.DATE, value=fr_date(d), invoice=inv.invoice_number, invoice_date=fr_date(inv.invoice_date)))
    if d > today:
        out.append(alert("PAY_DATE_FUTURE", sheet=sheet, row=row.source_row, column=t.DATE, value=fr_date(d), today=fr_date(today)))
    start, end = ref.fiscal_year_start, ref.fiscal_year_end
    if start and end and not start <= d <= end:
        out.append(alert("PAY_DATE_OUTSIDE_FISCAL_YEAR", sheet=sheet, row=row.source_row, column=t.DATE, value=fr_date(d), start=fr_date(start), end=fr_date(end)))
    return out


def check_job_site(row: ParsedRow, ref: PaymentReference, today: date, sheet: str) -> list[Alert]:
    inv = ref.invoices.get(row.invoice_number)
    if inv is None or not row.job_site or row.job_site == inv.job_site_code:
        return []
    return [alert("PAY_JOB_SITE_MISMATCH", sheet=sheet, row=row.source_row, column=t.JOB_SITE, value=row.job_site, invoice=inv.invoice_number, expected=inv.job_site_code or "aucun")]


ROW_RULES: list[RowRule] = [check_invoice, check_bank, check_dates, check_job_site]


def resolve_bank(value: str, ref: PaymentReference) -> str | None:
    """The journal code of a bank typed as its journal code, label or 512 account."""
    if value in ref.banks:
        return value
    folded = t.fold(value)
    for j, b in ref.banks.items():
        if folded in (t.fold(b.label), t.fold(b.ledger_account)):
            return j
    return None


def default_bank(row: ParsedRow, ref: PaymentReference) -> tuple[str | None, str]:
    inv = ref.invoices.get(row.invoice_number)
    customer = ref.customers.get(row.customer_code or (inv.customer_code if inv else ""))
    if customer and customer.default_bank_journal and customer.default_bank_journal in ref.banks:
        return customer.default_bank_journal, f"banque par défaut du client {customer.code}"
    if len(ref.banks) == 1:
        return next(iter(ref.banks)), "seule banque du dossier"
    return None, ""


@dataclass
class CheckResult:
    """Outcome of « Contrôler »: the payments that can be imported, what they will do,
    and every alert. ``status`` has one entry per data row."""

    payments: list[Payment]
    allocations: list[Allocation]
    alerts: list[Alert]
    status: dict[int, RowStatus]
    rows: int = 0
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking_rows(self) -> list[int]:
        return sorted(r for r, s in self.status.items() if s is RowStatus.BLOCKING)

    def count(self, status: RowStatus) -> int:
        return sum(1 for s in self.status.values() if s is status)


def check_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    ref: PaymentReference,
    *,
    today: date,
    sheet: str = t.SHEET,
) -> CheckResult:
    """Check template rows (``(excel_row, {contract header: value})``) against the dossier.

    Args:
        rows: data rows with the Excel row number the user sees.
        ref: invoices, customers, banks, fiscal year and already-imported keys.
        today: the date « in the future » is measured against (never read from the clock).
        sheet: sheet name used in alerts.
    """
    parsed: list[ParsedRow] = []
    alerts: list[Alert] = []
    for excel_row, values in rows:
        p = parse_row(excel_row, values, sheet=sheet)
        for rule in ROW_RULES:
            p.alerts.extend(rule(p, ref, today, sheet))
        parsed.append(p)

    candidates: list[tuple[ParsedRow, Payment]] = []
    seen: dict[str, int] = {}
    for p in parsed:
        if p.alerts and any(a.is_blocking for a in p.alerts):
            continue
        inv = ref.invoices[p.invoice_number]
        assert p.payment_date is not None and p.amount is not None and p.method is not None
        key = payment_key(inv.customer_code, inv.invoice_number, p.payment_date, p.amount)
        if key in seen:
            p.alerts.append(alert("PAY_DUPLICATE_IN_SHEET", sheet=sheet, row=p.source_row, column=t.AMOUNT, other=seen[key]))
            continue
        seen[key] = p.source_row
        prior = ref.known_keys.get(key)
        if prior is not None:
            p.alerts.append(alert("PAY_ALREADY_IMPORTED", sheet=sheet, row=p.source_row, column=t.INVOICE, invoice=inv.invoice_number, amount=eur(p.amount), date=fr_date(p.payment_date), imported_on=prior.imported_on, batch=prior.batch))
            continue
        bank = resolve_bank(p.bank, ref) if p.bank else default_bank(p, ref)[0]
        candidates.append((p, Payment(
            payment_key=key, payment_date=p.payment_date, invoice_number=inv.invoice_number,
            customer_code=inv.customer_code, amount=p.amount, method=p.method, reference=p.reference,
            bank_journal=bank or "", job_site_code=inv.job_site_code, comment=p.comment, source="excel",
            source_row=p.source_row,
        )))

    payments = [pay for _, pay in candidates]
    allocations = allocate(payments, ref.invoices)
    by_row = {p.source_row: p for p, _ in candidates}
    for a in allocations:
        by_row[a.payment.source_row].alerts.extend(allocation_alerts(a, sheet=sheet))

    status: dict[int, RowStatus] = {}
    for p in parsed:
        if not p.alerts:
            status[p.source_row] = RowStatus.OK
            continue
        alerts.extend(p.alerts)
        if any(a.is_blocking for a in p.alerts):
            status[p.source_row] = RowStatus.BLOCKING
        elif any(a.code == "PAY_ALREADY_IMPORTED" for a in p.alerts):
            status[p.source_row] = RowStatus.IMPORTED
        else:
            status[p.source_row] = RowStatus.WARNING
    result = CheckResult(payments=payments, allocations=allocations, alerts=alerts, status=status, rows=len(parsed))
    result.totals = totals(parsed, allocations, status)
    return result


def allocation_alerts(a: Allocation, *, sheet: str) -> list[Alert]:
    p = a.payment
    if a.excess > 0:
        return [alert("PAY_OVERPAYMENT", sheet=sheet, row=p.source_row, column=t.AMOUNT, amount=eur(p.amount), invoice=p.invoice_number, open=eur(a.open_before), excess=eur(a.excess), customer=p.customer_code)]
    if a.is_partial:
        return [alert("PAY_PARTIAL", sheet=sheet, row=p.source_row, column=t.AMOUNT, amount=eur(p.amount), invoice=p.invoice_number, open=eur(a.open_before), rest=eur(a.open_after))]
    return []


def totals(parsed: Sequence[ParsedRow], allocations: Sequence[Allocation], status: Mapping[int, RowStatus]) -> dict[str, Any]:
    blocked = sum((p.amount for p in parsed if p.amount is not None and status[p.source_row] is RowStatus.BLOCKING), ZERO)
    return {
        "rows": len(parsed),
        "ok": sum(1 for s in status.values() if s is RowStatus.OK),
        "warning": sum(1 for s in status.values() if s is RowStatus.WARNING),
        "blocking": sum(1 for s in status.values() if s is RowStatus.BLOCKING),
        "imported": sum(1 for s in status.values() if s is RowStatus.IMPORTED),
        "accepted_amount": sum((a.payment.amount for a in allocations), ZERO),
        "applied_amount": sum((a.applied for a in allocations), ZERO),
        "excess_amount": sum((a.excess for a in allocations), ZERO),
        "blocked_amount": blocked,
        "settled_invoices": sum(1 for a in allocations if a.settles_invoice),
    }

