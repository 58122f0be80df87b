"""Step 2 — preparation of the payments (préparation des règlements).

Items to pay (top table, ``RunState.to_pay``) move to prepared payments (bottom table,
``RunState.prepared``), classed by payment mode. Automatic grouping happens when items
move down; manual grouping, dissociation (total or partial), deletion, moves between
modes, the amount to reach, deposits, disputes and the item detail are here. Each
function takes a state and returns ``(new_state, alerts)``; a blocking alert means the
state is returned unchanged.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from reglo.core.alerts import Alert, has_blocking
from reglo.core.disbursement.circuit import mode_label
from reglo.core.disbursement.grouping import bucket_key, manual_refusal, rule_for
from reglo.core.disbursement.models import AutoDiscount, Item, PaymentGroupNode, PreparedPayment, RunState
from reglo.core.disbursement.selection import sort_key
from reglo.core.disbursement.state import (
    PLACE_LABELS,
    anomaly_alert,
    difference_allocations,
    group_members,
    items_by_key,
    net_amount,
    places,
    suppliers_by_code,
    take_id,
    warn,
)
from reglo.core.money import ZERO, format_fr, quantize, to_money

Result = tuple[RunState, list[Alert]]

# --- ordering of the amount to reach (montant à pointer) ----------------------------
ORDER_PRIORITY_DUE = "priorite_echeance"
ORDER_CURRENT = "tri_actuel"
ORDER_DUE_PRIORITY = "echeance_priorite"
ORDERS = (ORDER_PRIORITY_DUE, ORDER_CURRENT, ORDER_DUE_PRIORITY)


def _check_place(state: RunState, keys, expected: str, action: str) -> tuple[list[str], list[Alert]]:
    where = places(state)
    ok, alerts = [], []
    for k in dict.fromkeys(keys):
        place = where.get(k)
        if place is None:
            alerts.append(warn(state, "DSB_ITEM_UNKNOWN", key=k))
        elif place != expected:
            alerts.append(warn(state, "DSB_ITEM_NOT_HERE", key=k, expected=PLACE_LABELS[expected], place=PLACE_LABELS[place], action=action))
        else:
            ok.append(k)
    return ok, alerts


def sorted_to_pay(state: RunState, keys) -> tuple[str, ...]:
    """The top table in the run's sort order."""
    items = items_by_key(state)
    order = sort_key(state.params.sort, suppliers_by_code(state))
    return tuple(i.key for i in sorted((items[k] for k in keys), key=order))


def default_mode(state: RunState, item: Item) -> str:
    rule = state.circuit.rule_for(item.state)
    return rule.payment_mode if rule else "VIR"


# ---------------------------------------------------------------------------
# preparing, deleting, moving
# ---------------------------------------------------------------------------


def prepare(state: RunState, keys, mode: str = "", auto_group: bool = True) -> Result:
    """Move items from the top table to the prepared payments (then group automatically)."""
    ok, alerts = _check_place(state, keys, "to_pay", "préparer")
    items = items_by_key(state)
    ready = []
    for k in ok:
        a = anomaly_alert(state, items[k])
        if a:
            alerts.append(a)
        else:
            ready.append(k)
    if not ready:
        return state, alerts
    chosen = set(ready)
    new = tuple(PreparedPayment(key=k, mode=mode or default_mode(state, items[k])) for k in ready)
    state = state.model_copy(update={"to_pay": tuple(k for k in state.to_pay if k not in chosen), "prepared": state.prepared + new})
    if auto_group:
        state, grouped = auto_group_items(state, ready)
        alerts += grouped
    return state, alerts


def auto_group_items(state: RunState, new_keys: list[str]) -> Result:
    """Automatic grouping of the just-prepared ``new_keys`` with the prepared payments.

    Bucketed by what the rule requires to be identical, so a 10 000-item run stays linear;
    within a bucket a unit takes the item when the due-date spread stays within the rule.
    """
    if not any(r.automatic and r.active for r in state.rules):
        return state, []
    items, suppliers = items_by_key(state), suppliers_by_code(state)
    rules = state.rules
    rule_cache: dict[tuple[str, str], object] = {}

    def bucket(item: Item, mode: str):
        ck = (item.supplier, mode)
        if ck not in rule_cache:
            rule_cache[ck] = rule_for(rules, automatic=True, supplier=item.supplier, mode=mode)
        rule = rule_cache[ck]
        if rule is None or not rule.active or item.is_deposit:
            return None, None
        return (mode, id(rule), bucket_key(rule, item, suppliers.get(item.supplier))), rule

    new_set = set(new_keys)
    members = group_members(state)
    # unit: [unit_id, group_id or "", min_due, max_due, keys, max_days]
    buckets: dict[tuple, list[list]] = defaultdict(list)
    mode_of = {p.key: p.mode for p in state.prepared}
    seen_groups = set()
    for p in state.prepared:
        if p.key in new_set:
            continue
        if p.group_id:
            if p.group_id in seen_groups:
                continue
            seen_groups.add(p.group_id)
            keys = members[p.group_id]
            bks = {bucket(items[k], p.mode)[0] for k in keys}
            if len(bks) != 1 or None in bks:
                continue
            b = bks.pop()
            rule = rule_cache[(items[keys[0]].supplier, p.mode)]
            dues = [items[k].due_date for k in keys]
            buckets[b].append([p.group_id, p.group_id, min(dues), max(dues), list(keys), rule.max_days_apart, False])
        else:
            b, rule = bucket(items[p.key], p.mode)
            if b is not None:
                d = items[p.key].due_date
                buckets[b].append([p.key, "", d, d, [p.key], rule.max_days_apart, False])
    for k in new_keys:
        item = items[k]
        b, rule = bucket(item, mode_of[k])
        if b is None:
            continue
        d = item.due_date
        target = None
        for unit in reversed(buckets[b]):
            if unit[5] is None or (max(unit[3], d) - min(unit[2], d)).days <= unit[5]:
                target = unit
                break
        if target is None:
            buckets[b].append([k, "", d, d, [k], rule.max_days_apart, False])
        else:
            target[2], target[3] = min(target[2], d), max(target[3], d)
            target[4].append(k)
            target[6] = True
    assign: dict[str, str] = {}
    new_groups = []
    alerts = []
    next_id = state.next_id  # ids taken locally, the counter is stored once at the end
    for units in buckets.values():
        for unit in units:
            if not unit[6] or len(unit[4]) < 2:
                continue
            gid = unit[1]
            if not gid:
                gid, next_id = f"G{next_id}", next_id + 1
                new_groups.append(PaymentGroupNode(group_id=gid, mode=mode_of[unit[4][0]], automatic=True))
            for k in unit[4]:
                assign[k] = gid
            total = sum((net_amount(items[k]) for k in unit[4]), ZERO)
            alerts.append(
                warn(state, "DSB_AUTO_GROUPED", group=gid, mode=mode_label(mode_of[unit[4][0]]), supplier=items[unit[4][0]].supplier, count=len(unit[4]), total=format_fr(total))
            )
    if not assign:
        return state, []
    prepared = tuple(p.model_copy(update={"group_id": assign[p.key]}) if p.key in assign and p.group_id != assign[p.key] else p for p in state.prepared)
    return state.model_copy(update={"prepared": prepared, "groups": state.groups + tuple(new_groups), "next_id": next_id}), alerts


def _cleanup_groups(state: RunState) -> Result:
    """Dissolve groups left with one member, drop groups left with none."""
    members = group_members(state)
    alerts = []
    lonely = {}
    keep = []
    for g in state.groups:
        m = members.get(g.group_id, [])
        if len(m) >= 2:
            keep.append(g)
        elif len(m) == 1:
            lonely[m[0]] = g.group_id
            alerts.append(warn(state, "DSB_GROUP_DISSOLVED", group=g.group_id, key=m[0]))
    if len(keep) == len(state.groups):
        return state, alerts
    prepared = tuple(p.model_copy(update={"group_id": ""}) if p.key in lonely else p for p in state.prepared)
    return state.model_copy(update={"groups": tuple(keep), "prepared": prepared}), alerts


def _drop_differences(state: RunState, keys: set[str]) -> Result:
    alerts, keep = [], []
    for d in state.differences:
        hit = next((k for k in d.scope if k in keys), None)
        if hit is None:
            keep.append(d)
        else:
            alerts.append(warn(state, "DSB_DIFFERENCE_DROPPED", diff=d.diff_id, kind=d.kind.value, key=hit))
    if len(keep) == len(state.differences):
        return state, []
    return state.model_copy(update={"differences": tuple(keep)}), alerts


def unprepare(state: RunState, keys) -> Result:
    """SUPPR on prepared payments (or drag to the top table): back to the items to pay.

    A deleted deposit disappears (it was created in this run). A group left with one
    item dissolves itself.
    """
    ok, alerts = _check_place(state, keys, "prepared", "supprimer")
    if not ok:
        return state, alerts
    gone = set(ok)
    items = items_by_key(state)
    deposits = {k for k in gone if items[k].is_deposit}
    back = [k for k in ok if k not in deposits]
    state = state.model_copy(
        update={
            "prepared": tuple(p for p in state.prepared if p.key not in gone),
            "items": tuple(i for i in state.items if i.key not in deposits) if deposits else state.items,
        }
    )
    state = state.model_copy(update={"to_pay": sorted_to_pay(state, state.to_pay + tuple(back))})
    state, a1 = _drop_differences(state, gone)
    state, a2 = _cleanup_groups(state)
    return state, alerts + a1 + a2


def move(state: RunState, keys, mode: str) -> Result:
    """Drag inside the prepared payments: a grouped item leaves its group (partial
    dissociation) and becomes a normal prepared payment, maybe in another mode. A group
    id in ``keys`` moves the whole group to ``mode``."""
    group_ids = {g.group_id for g in state.groups}
    gkeys = [k for k in keys if k in group_ids]
    ok, alerts = _check_place(state, [k for k in keys if k not in group_ids], "prepared", "déplacer")
    if not ok and not gkeys:
        return state, alerts
    chosen, moved_groups = set(ok), set(gkeys)
    prepared = tuple(
        p.model_copy(update={"mode": mode, "group_id": ""}) if p.key in chosen
        else p.model_copy(update={"mode": mode}) if p.group_id in moved_groups
        else p
        for p in state.prepared
    )
    groups = tuple(g.model_copy(update={"mode": mode}) if g.group_id in moved_groups else g for g in state.groups)
    state, a = _cleanup_groups(state.model_copy(update={"prepared": prepared, "groups": groups}))
    return state, alerts + a


# ---------------------------------------------------------------------------
# manual grouping and dissociation
# ---------------------------------------------------------------------------


def _resolve_units(state: RunState, units) -> tuple[list[str], set[str], list[Alert]]:
    """Selected units (prepared keys or group ids) → member keys and groups absorbed."""
    members = group_members(state)
    by_key = {p.key: p for p in state.prepared}
    keys, groups, alerts = [], set(), []
    for u in dict.fromkeys(units):
        if u in members:
            groups.add(u)
            keys += [k for k in members[u] if k not in keys]
        elif u in by_key:
            g = by_key[u].group_id
            if g:
                groups.add(g)
                keys += [k for k in members[g] if k not in keys]
            elif u not in keys:
                keys.append(u)
        else:
            ok, a = _check_place(state, [u], "prepared", "regrouper")
            alerts += a
    return keys, groups, alerts


def group(state: RunState, units, label: str = "") -> Result:
    """« Regrouper les effets pointés »: a new manual group; a group of groups comes out flat."""
    keys, absorbed, alerts = _resolve_units(state, units)
    if has_blocking(alerts):
        return state, alerts
    if len(keys) < 2 or (len(absorbed) == 1 and len(keys) == len(group_members(state)[next(iter(absorbed))])):
        return state, alerts + [warn(state, "DSB_GROUP_TOO_SMALL", count=len(keys))]
    by_key = {p.key: p for p in state.prepared}
    modes = sorted({by_key[k].mode for k in keys})
    if len(modes) > 1:
        return state, alerts + [warn(state, "DSB_GROUP_MODES_DIFFER", modes=", ".join(modes))]
    items = items_by_key(state)
    rule, reason = manual_refusal(state.rules, [items[k] for k in keys], modes[0], suppliers_by_code(state))
    if reason:
        return state, alerts + [warn(state, "DSB_GROUP_REFUSED", rule=rule, reason=reason)]
    gid, state = take_id(state, "G")
    chosen = set(keys)
    prepared = tuple(p.model_copy(update={"group_id": gid}) if p.key in chosen else p for p in state.prepared)
    groups = tuple(g for g in state.groups if g.group_id not in absorbed) + (PaymentGroupNode(group_id=gid, mode=modes[0], automatic=False, label=label),)
    return state.model_copy(update={"prepared": prepared, "groups": groups}), alerts


def add_to_group(state: RunState, keys, group_id: str) -> Result:
    """Drag prepared payments into an existing group (manual rule checked)."""
    members = group_members(state)
    if group_id not in members:
        return state, [warn(state, "DSB_GROUP_UNKNOWN", group=group_id)]
    ok, alerts = _check_place(state, keys, "prepared", "ajouter au regroupement")
    ok = [k for k in ok if k not in members[group_id]]
    if not ok:
        return state, alerts
    gnode = next(g for g in state.groups if g.group_id == group_id)
    items = items_by_key(state)
    rule, reason = manual_refusal(state.rules, [items[k] for k in members[group_id] + ok], gnode.mode, suppliers_by_code(state))
    if reason:
        return state, alerts + [warn(state, "DSB_GROUP_REFUSED", rule=rule, reason=reason)]
    chosen = set(ok)
    prepared = tuple(p.model_copy(update={"group_id": group_id, "mode": gnode.mode}) if p.key in chosen else p for p in state.prepared)
    state, a = _cleanup_groups(state.model_copy(update={"prepared": prepared}))
    return state, alerts + a


def dissociate(state: RunState, group_id: str) -> Result:
    """« Dissocier les effets regroupés »: every member becomes a normal prepared payment."""
    if group_id not in {g.group_id for g in state.groups}:
        return state, [warn(state, "DSB_GROUP_UNKNOWN", group=group_id)]
    prepared = tuple(p.model_copy(update={"group_id": ""}) if p.group_id == group_id else p for p in state.prepared)
    return state.model_copy(update={"prepared": prepared, "groups": tuple(g for g in state.groups if g.group_id != group_id)}), []


def delete_group(state: RunState, group_id: str) -> Result:
    """SUPPR on a group header: total dissociation and deletion of its prepared payments."""
    members = group_members(state)
    if group_id not in members:
        return state, [warn(state, "DSB_GROUP_UNKNOWN", group=group_id)]
    state, _ = dissociate(state, group_id)
    return unprepare(state, members[group_id])


def edit_group(state: RunState, group_id: str, label: str) -> Result:
    if group_id not in {g.group_id for g in state.groups}:
        return state, [warn(state, "DSB_GROUP_UNKNOWN", group=group_id)]
    groups = tuple(g.model_copy(update={"label": label}) if g.group_id == group_id else g for g in state.groups)
    return state.model_copy(update={"groups": groups}), []


# ---------------------------------------------------------------------------
# amount to reach, deposit
# ---------------------------------------------------------------------------


def ordered(candidates: list, order: str, priority, due, current_index) -> list:
    """Candidates in one of the three orders of the seed (priority 0 first)."""
    if order == ORDER_PRIORITY_DUE:
        return sorted(candidates, key=lambda c: (priority(c), due(c), current_index(c)))
    if order == ORDER_DUE_PRIORITY:
        return sorted(candidates, key=lambda c: (due(c), priority(c), current_index(c)))
    return sorted(candidates, key=current_index)


def target_amount(state: RunState, amount: Decimal, order: str = ORDER_PRIORITY_DUE, auto_group: bool = True) -> Result:
    """« Montant à pointer »: prepare items, in ``order``, while the total stays ≤ ``amount``.

    An item that would pass the amount is skipped and the next ones are still tried.
    """
    items, suppliers = items_by_key(state), suppliers_by_code(state)
    alloc = difference_allocations(state)
    pos = {k: n for n, k in enumerate(state.to_pay)}
    cands = [items[k] for k in state.to_pay if not anomaly_alert(state, items[k])]
    prio = lambda i: suppliers[i.supplier].priority if i.supplier in suppliers else 99  # noqa: E731
    picked, reached = [], ZERO
    for item in ordered(cands, order, prio, lambda i: i.due_date, lambda i: pos[i.key]):
        value = net_amount(item, alloc.get(item.key, ZERO))
        if value > 0 and reached + value <= amount:
            picked.append(item.key)
            reached += value
    alerts = []
    if reached < amount:
        alerts.append(warn(state, "DSB_TARGET_NOT_REACHED", target=format_fr(amount), reached=format_fr(reached), count=len(picked)))
    if not picked:
        return state, alerts
    state, a = prepare(state, picked, auto_group=auto_group)
    return state, alerts + a


def deposit(state: RunState, supplier: str, amount: Decimal, vat_code: str = "", mode: str = "VIR") -> Result:
    """« Acompte »: a prepared payment of a new deposit item for ``supplier``."""
    suppliers = suppliers_by_code(state)
    if supplier not in suppliers:
        return state, [warn(state, "DSB_DEPOSIT_INVALID", detail=f"tiers « {supplier} » inconnu")]
    if amount <= 0:
        return state, [warn(state, "DSB_DEPOSIT_INVALID", detail=f"montant {format_fr(amount)} € : un acompte est positif")]
    entry = next((t.entry_state for t in state.circuit.transitions if t.payment_mode == mode), None)
    if entry is None:
        return state, [warn(state, "DSB_DEPOSIT_INVALID", detail=f"mode de règlement « {mode} » absent du circuit {state.circuit.code}")]
    key, state = take_id(state, "ACPT")
    s = suppliers[supplier]
    item = Item(key=key, supplier=supplier, label=f"Acompte {s.name or supplier}", due_date=state.run_date, issue_date=state.run_date, amount=amount, state=entry, is_deposit=True, vat_code=vat_code)
    return state.model_copy(update={"items": state.items + (item,), "prepared": state.prepared + (PreparedPayment(key=key, mode=mode),)}), []


# ---------------------------------------------------------------------------
# disputes, approval, item detail, automatic discounts
# ---------------------------------------------------------------------------


def _update_items(state: RunState, changes: dict[str, dict]) -> RunState:
    return state.model_copy(update={"items": tuple(i.model_copy(update=changes[i.key]) if i.key in changes else i for i in state.items)})


def dispute(state: RunState, keys, reason: str = "") -> Result:
    ok, alerts = _check_place(state, keys, "to_pay", "contester")
    return _update_items(state, {k: {"disputed": True, "dispute_reason": reason} for k in ok}), alerts


def resolve_dispute(state: RunState, keys) -> Result:
    ok, alerts = _check_place(state, keys, "to_pay", "régler la contestation")
    return _update_items(state, {k: {"disputed": False, "dispute_reason": ""} for k in ok}), alerts


def sign(state: RunState, keys) -> Result:
    ok, alerts = _check_place(state, keys, "to_pay", "signer le bon à payer")
    return _update_items(state, {k: {"signed": True} for k in ok}), alerts


EDITABLE = {
    "iban": "IBAN",
    "bic": "BIC",
    "issue_date": "Date d'émission",
    "operation_date": "Date d'opération",
    "due_date": "Date d'échéance",
    "label": "Libellé écriture",
    "cheque_number": "Numéro de chèque",
    "transfer_info": "Informations de virement",
    "international_info": "Informations de virement international",
    "planned_bank": "Banque prévue",
}


def parse_date(text: str) -> date:
    text = text.strip()
    if "/" in text:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(text)


def edit_item(state: RunState, key: str, changes: dict[str, str]) -> Result:
    """« Détail de l'effet » / « données complémentaires »: edit bank details, dates, label..."""
    where = places(state).get(key)
    if where not in ("to_pay", "prepared"):
        ok, alerts = _check_place(state, [key], "to_pay", "modifier le détail")
        return state, alerts
    update, alerts = {}, []
    for field, value in changes.items():
        if field not in EDITABLE:
            alerts.append(warn(state, "DSB_FIELD_NOT_EDITABLE", field=field, key=key, editable=", ".join(EDITABLE)))
            continue
        try:
            if field.endswith("_date"):
                update[field] = parse_date(value) if value else (None if field != "due_date" else parse_date(value))
            elif field == "iban":
                update[field] = IBAN(value).compact if value else ""
            elif field == "bic":
                update[field] = str(BIC(value)) if value else ""
            elif field == "planned_bank" and value and value not in {b.code for b in state.banks}:
                raise ValueError(value)
            else:
                update[field] = value
        except (ValueError, SchwiftyException):
            alerts.append(warn(state, "DSB_FIELD_INVALID", value=value, field=EDITABLE[field], key=key, expected=_EXPECTED.get(field, "un texte")))
    if has_blocking(alerts):
        return state, alerts
    return _update_items(state, {key: update}), alerts


_EXPECTED = {
    "iban": "un IBAN valide (clé de contrôle juste)",
    "bic": "un BIC de 8 ou 11 caractères",
    "issue_date": "une date JJ/MM/AAAA",
    "operation_date": "une date JJ/MM/AAAA",
    "due_date": "une date JJ/MM/AAAA",
    "planned_bank": "le code d'une banque de l'entreprise",
}


def edit_auto_discount(state: RunState, keys, rate: Decimal | None = None, amount: Decimal | None = None) -> Result:
    """« Modifier escompte automatique »: a rate applies to every selected line (even those
    without a discount); an amount only to a single line."""
    ok, alerts = _check_place(state, keys, "to_pay", "modifier l'escompte")
    if amount is not None and len(ok) != 1:
        return state, alerts + [warn(state, "DSB_DISCOUNT_AMOUNT_MULTI", count=len(ok))]
    items = items_by_key(state)
    changes = {}
    for k in ok:
        item = items[k]
        old = item.auto_discount
        base = dict(limit_date=old.limit_date if old else item.due_date, days_before_due=old.days_before_due if old else (item.due_date - state.run_date).days)
        if amount is not None:
            value = to_money(amount)
            r = quantize(value * 100 / item.amount) if item.amount else ZERO
            changes[k] = {"auto_discount": AutoDiscount(rate=r, amount=value, **base) if value else None}
        elif rate is not None:
            value = quantize(item.amount * rate / 100)
            changes[k] = {"auto_discount": AutoDiscount(rate=rate, amount=value, **base) if value else None}
    return _update_items(state, changes), alerts
