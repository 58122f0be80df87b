"""Read helpers over a ``RunState`` (indexes, places, net amounts) and the id counter.

Nothing here changes a state in place: ``take_id`` returns the id and the new state.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from reglo.core.alerts import Alert, alert
from reglo.core.disbursement.models import Item, PaymentStage, RunState
from reglo.core.money import ZERO, format_fr

SHEETS = {
    1: "Étape 1 - Sélection",
    2: "Étape 2 - Préparation",
    3: "Étape 3 - Émission",
    4: "Étape 4 - Bordereaux",
    5: "Étape 5 - Comptabilisation",
}

PLACE_LABELS = {
    "to_pay": "les effets à payer",
    "prepared": "les règlements préparés",
    "payment": "les règlements validés",
    "closed": "les effets sortis du décaissement",
    "absent": "aucun tableau",
}


def sheet(state: RunState) -> str:
    return SHEETS.get(state.step, SHEETS[2])


def warn(state: RunState, code: str, **ctx: object) -> Alert:
    return alert(code, sheet=sheet(state), **ctx)


def items_by_key(state: RunState) -> dict[str, Item]:
    return {i.key: i for i in state.items}


def suppliers_by_code(state: RunState) -> dict:
    return {s.code: s for s in state.suppliers}


def banks_by_code(state: RunState) -> dict:
    return {b.code: b for b in state.banks}


def take_id(state: RunState, prefix: str) -> tuple[str, RunState]:
    """A deterministic id (``G1``, ``D2``, ``R3``...) and the state with the counter moved on."""
    return f"{prefix}{state.next_id}", state.model_copy(update={"next_id": state.next_id + 1})


def places(state: RunState) -> dict[str, str]:
    """Item key → where it is: to_pay, prepared, payment or closed."""
    out: dict[str, str] = {}
    for k in state.to_pay:
        out[k] = "to_pay"
    for p in state.prepared:
        out[p.key] = "prepared"
    for pay in state.payments:
        for k in pay.keys:
            out[k] = "payment"
    for k in state.closed:
        out[k] = "closed"
    return out


def item_states(state: RunState) -> dict[str, str]:
    """Item key → its circuit state now (changements d'état): the entry state until
    validated, then the prepared state of its payment's mode, then the issued state once
    on a slip. Derived from where the item is, so no item is copied when it moves on."""
    from reglo.core.disbursement.circuit import mode_states

    modes = mode_states(state.circuit)
    out = {i.key: i.state for i in state.items}
    for p in state.payments:
        if p.from_earlier_run and p.stage in (PaymentStage.PREPARED, PaymentStage.ASSIGNED):
            continue
        prepared, issued = modes.get(p.mode, ("", ""))
        target = issued if p.stage in (PaymentStage.SLIPPED, PaymentStage.POSTED) else prepared
        if target:
            for k in p.keys:
                out[k] = target
    return out


def group_members(state: RunState) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for p in state.prepared:
        if p.group_id:
            out[p.group_id].append(p.key)
    return out


def difference_allocations(state: RunState) -> dict[str, Decimal]:
    """Item key → what the differences take off its payment now (signed, positive = paid less)."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for d in state.differences:
        for key, amount in d.allocations:
            out[key] += amount
    return out


def differenced_keys(state: RunState) -> set[str]:
    """Items showing the « d » marker."""
    return {k for d in state.differences for k in d.scope}


def net_amount(item: Item, allocated: Decimal = ZERO) -> Decimal:
    """What the item pays now: amount − automatic discount − differences."""
    discount = item.auto_discount.amount if item.auto_discount else ZERO
    return item.amount - discount - allocated


def is_anomaly(state: RunState, item: Item) -> str:
    """The anomaly code of an item (disputed / unsigned), or "" (bons à payer option only)."""
    if not state.params.payment_approval:
        return ""
    if item.disputed:
        return "DSB_ANOMALY_DISPUTED"
    if not item.signed:
        return "DSB_ANOMALY_UNSIGNED"
    return ""


def anomaly_alert(state: RunState, item: Item) -> Alert | None:
    code = is_anomaly(state, item)
    if not code:
        return None
    return warn(state, code, key=item.key, supplier=item.supplier, amount=format_fr(item.amount), reason=item.dispute_reason or "motif non précisé")


def total_items_amount(state: RunState) -> Decimal:
    return sum((i.amount for i in state.items), ZERO)


def handler_filter(state: RunState) -> str:
    f = state.params.handler_filter
    return state.user if f is None else f


def visible_payments(state: RunState, stage: PaymentStage):
    """Payments at ``stage`` shown under the manager filter (gestionnaire; "" = everyone)."""
    who = handler_filter(state)
    return [p for p in state.payments if p.stage is stage and (not who or p.handler_user == who)]
