"""Step 1 — selection of the items to pay (sélection des effets à payer).

Filters (supplier range, issue and due date ranges, amount limits, any item field),
sort order, disputed / unsigned items shown or hidden when « bons à payer » is on,
automatic discounts (one per item, from the supplier's discount matrix and the run
date), payment types excluded, and the circuit: an item whose state is the entry state
of no rule of the circuit does not reach step 2. Items prepared or issued by an earlier
run come back as payments at their stage (« Démarrer à l'étape » 3 to 5 shows them).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from reglo.core.alerts import Alert
from reglo.core.disbursement.circuit import issued_states, prepared_states
from reglo.core.disbursement.models import (
    AutoDiscount,
    FieldFilter,
    Item,
    Payment,
    PaymentStage,
    RunState,
    SelectionParams,
    Slip,
    Supplier,
)
from reglo.core.disbursement.state import warn
from reglo.core.money import ZERO, quantize

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "contient")


def auto_discount(item: Item, supplier: Supplier | None, run_date: date) -> AutoDiscount | None:
    """The discount earned by paying ``item`` on ``run_date`` (None when none).

    The best tier whose ``days_before_due`` is at most the days left before the due date.

    >>> from reglo.core.disbursement.models import DiscountTier
    >>> s = Supplier(code="F1", discount_matrix=(DiscountTier(days_before_due=10, rate=Decimal("2")),))
    >>> i = Item(key="1", supplier="F1", due_date=date(2026, 3, 31), amount=Decimal("150.00"), state="A10")
    >>> auto_discount(i, s, date(2026, 3, 1)).amount
    Decimal('3.00')
    >>> auto_discount(i, s, date(2026, 3, 25)) is None
    True
    """
    if supplier is None or not supplier.discount_matrix or item.is_deposit or item.amount <= 0:
        return None
    days = (item.due_date - run_date).days
    tiers = sorted((t for t in supplier.discount_matrix if t.days_before_due <= days), key=lambda t: -t.days_before_due)
    if not tiers:
        return None
    tier = tiers[0]
    amount = quantize(item.amount * tier.rate / 100)
    if amount <= 0:
        return None
    return AutoDiscount(rate=tier.rate, amount=amount, limit_date=item.due_date - timedelta(days=tier.days_before_due), days_before_due=days)


def _field_value(item: Item, field: str, suppliers: dict[str, Supplier]):
    if field == "priority":
        s = suppliers.get(item.supplier)
        return s.priority if s else 99
    if field == "supplier_name":
        s = suppliers.get(item.supplier)
        return s.name if s else item.supplier
    return getattr(item, field)


def _coerce(sample, text: str):
    if isinstance(sample, bool):
        return text.strip().lower() in ("1", "oui", "vrai", "true", "o", "x")
    if isinstance(sample, date):
        return date.fromisoformat(text.strip())
    if isinstance(sample, (Decimal, int)):
        return Decimal(text.strip().replace(" ", "").replace(",", "."))
    return text


def _matches(value, f: FieldFilter) -> bool:
    if f.op == "contient":
        return f.value.lower() in str(value or "").lower()
    if value is None:
        return False
    target = _coerce(value, f.value)
    if isinstance(value, str):
        value, target = value.lower(), str(target).lower()
    return {
        "=": value == target,
        "!=": value != target,
        "<": value < target,
        "<=": value <= target,
        ">": value > target,
        ">=": value >= target,
    }[f.op]


def check_filters(params: SelectionParams, state: RunState) -> list[Alert]:
    alerts = []
    fields = set(Item.model_fields) | {"priority", "supplier_name"}
    for f in params.filters:
        if f.field not in fields or f.op not in OPERATORS:
            alerts.append(warn(state, "DSB_FILTER_INVALID", field=f.field, detail=f"opérateur « {f.op} »" if f.field in fields else "champ inconnu"))
    for name in params.sort:
        if name.lstrip("-") not in fields:
            alerts.append(warn(state, "DSB_FILTER_INVALID", field=name, detail="tri sur un champ inconnu"))
    return alerts


def _keep(item: Item, p: SelectionParams, suppliers: dict[str, Supplier]) -> bool:
    if p.supplier_from and item.supplier < p.supplier_from:
        return False
    if p.supplier_to and item.supplier > p.supplier_to:
        return False
    if p.issue_from and (item.issue_date is None or item.issue_date < p.issue_from):
        return False
    if p.issue_to and (item.issue_date is None or item.issue_date > p.issue_to):
        return False
    if p.due_from and item.due_date < p.due_from:
        return False
    if p.due_to and item.due_date > p.due_to:
        return False
    if p.amount_min is not None and item.amount < p.amount_min:
        return False
    if p.amount_max is not None and item.amount > p.amount_max:
        return False
    if p.payment_approval:
        if item.disputed and not p.show_disputed:
            return False
        if not item.signed and not p.show_unsigned:
            return False
    for f in p.filters:
        try:
            if not _matches(_field_value(item, f.field, suppliers), f):
                return False
        except (ValueError, InvalidOperation, TypeError):
            return False
    return True


def sort_key(sort: tuple[str, ...], suppliers: dict[str, Supplier]):
    """A key function for the « tri » of the items (``-field`` sorts descending)."""

    def key(item: Item):
        parts = []
        for name in sort:
            desc = name.startswith("-")
            v = _field_value(item, name.lstrip("-"), suppliers)
            if isinstance(v, (Decimal, int)) and not isinstance(v, bool):
                parts.append((v is None, -v if desc else v))
            elif isinstance(v, date):
                parts.append((False, -v.toordinal() if desc else v.toordinal()))
            else:
                s = str(v or "")
                parts.append((False, tuple(-ord(c) for c in s) if desc else s))
        parts.append((False, item.key))
        return tuple(parts)

    return key


def select_items(state: RunState) -> tuple[RunState, list[Alert]]:
    """Apply step 1 to ``state.source``: the run's items, its top table and earlier payments."""
    p, circuit = state.params, state.circuit
    suppliers = {s.code: s for s in state.suppliers}
    alerts = check_filters(p, state)
    if alerts:
        return state, alerts
    excluded = set(p.excluded_states) | {t.entry_state for t in circuit.transitions if not t.enabled}
    entry = {t.entry_state for t in circuit.transitions}
    prepared, issued = prepared_states(circuit), issued_states(circuit)
    to_pay: list[Item] = []
    earlier: list[Item] = []
    outside: dict[str, int] = defaultdict(int)
    for item in state.source:
        if item.state in prepared or item.state in issued:
            earlier.append(item)
            continue
        if item.state not in entry:
            outside[item.state] += 1
            continue
        if item.state in excluded or not _keep(item, p, suppliers):
            continue
        if p.auto_discounts:
            d = auto_discount(item, suppliers.get(item.supplier), state.run_date)
            if d != item.auto_discount:
                item = item.model_copy(update={"auto_discount": d})
        elif item.auto_discount is not None:
            item = item.model_copy(update={"auto_discount": None})
        to_pay.append(item)
    if outside:
        alerts.append(
            warn(state, "DSB_NOT_IN_CIRCUIT", count=sum(outside.values()), states=", ".join(sorted(outside)), circuit=circuit.code)
        )
    to_pay.sort(key=sort_key(p.sort, suppliers))
    payments, slips = _earlier_payments(state, earlier, suppliers)
    if not to_pay and not payments:
        alerts.append(warn(state, "DSB_NOTHING_SELECTED", circuit=circuit.code, count=len(state.source)))
    new = state.model_copy(
        update={
            "items": tuple(to_pay) + tuple(earlier),
            "to_pay": tuple(i.key for i in to_pay),
            "prepared": (),
            "groups": (),
            "differences": (),
            "payments": payments,
            "slips": slips,
        }
    )
    return new, alerts


def _earlier_payments(state: RunState, earlier: list[Item], suppliers) -> tuple[tuple[Payment, ...], tuple[Slip, ...]]:
    """Items prepared/issued by an earlier run → payments at their stage (grouped by ``payment_ref``)."""
    prepared, issued = prepared_states(state.circuit), issued_states(state.circuit)
    by_ref: dict[str, list[Item]] = defaultdict(list)
    for item in earlier:
        by_ref[item.payment_ref or item.key].append(item)
    payments = []
    slip_members: dict[str, list[Payment]] = defaultdict(list)
    for ref, items in by_ref.items():
        first = items[0]
        is_issued = first.state in issued
        stage = PaymentStage.PREPARED
        if is_issued:
            stage = PaymentStage.SLIPPED if first.slip_ref else PaymentStage.ASSIGNED
        pay = Payment(
            payment_id=ref,
            mode=(issued if is_issued else prepared)[first.state],
            supplier=first.supplier,
            keys=tuple(i.key for i in items),
            amount=sum((i.amount for i in items), ZERO),
            main_amount=sum((i.eur_amount for i in items), ZERO),
            currency=first.currency,
            due_date=min(i.due_date for i in items),
            planned_bank=first.planned_bank or getattr(suppliers.get(first.supplier), "default_bank", ""),
            handler_user=first.handler_user,
            stage=stage,
            bank=first.bank if is_issued else None,
            slip_id=first.slip_ref,
            cheque_number=first.cheque_number,
            from_earlier_run=True,
        )
        payments.append(pay)
        if first.slip_ref:
            slip_members[first.slip_ref].append(pay)
    slips = tuple(
        Slip(slip_id=ref, bank=ps[0].bank or "", mode=ps[0].mode, currency=ps[0].currency, slip_date=state.run_date, payment_ids=tuple(p.payment_id for p in ps), printed=True)
        for ref, ps in slip_members.items()
    )
    return tuple(payments), slips
