"""Validation of prepared payments (step 2 → 3), partial or complete, and « Terminer ».

Validation makes each prepared unit (a group, or a single prepared payment) a
``Payment``, moves its items to the circuit's prepared state and generates the new
items of the differences (the remainder of a partial payment, the parts of a
rescheduling). Rescheduled items leave the run (``closed``).
"""
from __future__ import annotations

from decimal import Decimal

from reglo.core.alerts import Alert
from reglo.core.disbursement.models import DifferenceKind, Item, Payment, RunState
from reglo.core.disbursement.preparation import sorted_to_pay
from reglo.core.disbursement.state import (
    difference_allocations,
    group_members,
    items_by_key,
    net_amount,
    suppliers_by_code,
    warn,
)
from reglo.core.money import ZERO, format_fr, quantize

Result = tuple[RunState, list[Alert]]


def _units(state: RunState, selection) -> list[tuple[str, list[str]]]:
    """(group id or "", keys) for the selected units; None = every prepared unit."""
    members = group_members(state)
    by_key = {p.key: p for p in state.prepared}
    out, seen = [], set()
    wanted = None if selection is None else list(selection)
    pool = [p.group_id or p.key for p in state.prepared] if wanted is None else [by_key[u].group_id or u if u in by_key else u for u in wanted]
    for u in pool:
        if u in seen:
            continue
        seen.add(u)
        if u in members:
            out.append((u, list(members[u])))
        elif u in by_key:
            out.append(("", [u]))
    return out


def validate(state: RunState, selection=None) -> Result:
    """« Valider les règlements préparés » (a selection) or the complete validation (None)."""
    units = _units(state, selection)
    if not units:
        return state, [warn(state, "DSB_NOTHING_TO_VALIDATE")]
    items, suppliers = items_by_key(state), suppliers_by_code(state)
    alloc = difference_allocations(state)
    diffs_of: dict[str, list] = {}
    for d in state.differences:
        for k in d.scope:
            diffs_of.setdefault(k, []).append(d)
    rescheduled = {k for d in state.differences if d.kind is DifferenceKind.RESCHEDULE for k in d.scope}
    mode_of = {p.key: p.mode for p in state.prepared}
    payments, closed, generated, alerts = [], [], [], []
    next_id = state.next_id  # ids taken locally, the counter is stored once at the end
    for gid, keys in units:
        paid = [k for k in keys if k not in rescheduled]
        closed += [k for k in keys if k in rescheduled]
        if not paid:
            continue
        first = items[paid[0]]
        amount = sum((net_amount(items[k], alloc.get(k, ZERO)) for k in paid), ZERO)
        sup = suppliers.get(first.supplier)
        payee = first.supplier
        if len({items[k].supplier for k in paid}) > 1 and sup and sup.head_office:
            payee = sup.head_office
        if amount <= 0:
            alerts.append(warn(state, "DSB_PAYMENT_NOT_POSITIVE", payment=gid or paid[0], supplier=payee, amount=format_fr(amount)))
            continue
        pid = gid
        if not pid:
            pid, next_id = f"R{next_id}", next_id + 1
        main = amount if first.currency == "EUR" else sum((_main(items[k], net_amount(items[k], alloc.get(k, ZERO))) for k in paid), ZERO)
        payments.append(
            Payment(
                payment_id=pid,
                mode=mode_of[paid[0]],
                supplier=payee,
                keys=tuple(paid),
                amount=amount,
                main_amount=main,
                currency=first.currency,
                due_date=min(items[k].due_date for k in paid),
                planned_bank=first.planned_bank or (sup.default_bank if sup else ""),
                handler_user=state.user,
                cheque_number=first.cheque_number if len(paid) == 1 else "",
            )
        )
    if alerts:
        return state, alerts
    for gid, keys in units:
        for k in keys:
            for d in diffs_of.get(k, ()):
                if d.kind is DifferenceKind.PARTIAL:
                    share = dict(d.allocations)[k]
                    generated.append(items[k].model_copy(update={"key": f"{k}-{d.diff_id}", "amount": share, "main_amount": None if items[k].currency == "EUR" else _main(items[k], share), "auto_discount": None, "source_row": None, **_origin(items[k])}))
                elif d.kind is DifferenceKind.RESCHEDULE:
                    parts = d.splits if len(d.scope) == 1 else (d.splits[d.scope.index(k)],)
                    for n, s in enumerate(parts, 1):
                        generated.append(items[k].model_copy(update={"key": f"{k}-{d.diff_id}-{n}", "amount": s.amount, "due_date": s.due_date, "state": s.state or items[k].state, "main_amount": None, "auto_discount": None, "source_row": None, **_origin(items[k])}))
    done = {k for _, keys in units for k in keys}
    gids = {g for g, _ in units if g}
    state = state.model_copy(
        update={
            "prepared": tuple(p for p in state.prepared if p.key not in done),
            "groups": tuple(g for g in state.groups if g.group_id not in gids),
            "payments": state.payments + tuple(payments),
            "closed": state.closed + tuple(closed),
            "generated": state.generated + tuple(generated),
            "next_id": next_id,
        }
    )
    return state, []


def _origin(item: Item) -> dict:
    """A generated item is a part of ``item``'s debt: the register counts its payments under
    ``item``'s register key, against ``item``'s original amount (no double counting with what
    other payments settled on that key)."""
    return {"origin_key": item.register_key, "original_amount": item.original_main}


def _main(item: Item, value: Decimal) -> Decimal:
    """``value`` (in the item's currency) in the main currency, at the item's own rate."""
    if item.currency == "EUR" or item.main_amount is None or not item.amount:
        return value
    return quantize(value * item.main_amount / item.amount)


def cancel_preparations(state: RunState) -> Result:
    """« Terminer » at step 2: what is prepared and not validated goes back to the items to pay."""
    items = items_by_key(state)
    back = [p.key for p in state.prepared if not items[p.key].is_deposit]
    deposits = {p.key for p in state.prepared if items[p.key].is_deposit}
    keys = {p.key for p in state.prepared}
    state = state.model_copy(
        update={
            "prepared": (),
            "groups": (),
            "differences": tuple(d for d in state.differences if not (set(d.scope) & keys)),
            "items": tuple(i for i in state.items if i.key not in deposits),
        }
    )
    return state.model_copy(update={"to_pay": sorted_to_pay(state, state.to_pay + tuple(back))}), []
