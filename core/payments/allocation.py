"""Allocation of accepted payments to their invoices (imputation des règlements).

One payment pays one invoice (one template row per invoice). Payments are applied in
date order (then row order), so that two partial payments of the same invoice in one
sheet see the open amount the previous one left. What exceeds the open amount is not
lost: it stays as a credit to the customer (``Allocation.excess``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Mapping

from reglo.core.money import ZERO
from reglo.core.payments.model import Allocation, OpenInvoice, Payment


def allocation_order(p: Payment) -> tuple:
    return (p.payment_date, p.source_row if p.source_row is not None else 0, p.invoice_number)


def allocate(payments: Iterable[Payment], invoices: Mapping[str, OpenInvoice]) -> list[Allocation]:
    """Apply payments to the open amount of their invoice, in ``allocation_order``.

    Every payment gives exactly one allocation: ``applied + excess == amount``.
    Payments whose invoice is not in ``invoices`` are a programming error (the checks
    reject them first).
    """
    open_now: dict[str, Decimal] = {}
    out: list[Allocation] = []
    for p in sorted(payments, key=allocation_order):
        inv = invoices[p.invoice_number]
        before = open_now.get(p.invoice_number, max(inv.open_amount, ZERO))
        applied = min(p.amount, before)
        after = before - applied
        open_now[p.invoice_number] = after
        out.append(Allocation(payment=p, applied=applied, excess=p.amount - applied, open_before=before, open_after=after))
    return out
