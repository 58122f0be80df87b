"""Step 3 — issue of the payments to the company banks (émission des règlements).

F5 (or a double-click) assigns a payment to its planned bank, else the supplier's
default bank, else the « Non affecté » group. If the bank's balance would fall below its
disbursement limit, the payment goes to that bank's substitution account (followed as a
chain, stopping at a cycle). A manual assignment may override the limit: the user has the
last word and is warned. Automatic pre-selection picks payments by amount in the same
orders, with the same limit rules. Balances are in the main currency.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from reglo.core.alerts import Alert
from reglo.core.disbursement.circuit import prepared_states
from reglo.core.disbursement.models import NOT_ASSIGNED, Payment, PaymentStage, RunState
from reglo.core.disbursement.preparation import ORDER_PRIORITY_DUE, ordered, sorted_to_pay
from reglo.core.disbursement.state import banks_by_code, suppliers_by_code, visible_payments, warn
from reglo.core.money import ZERO, format_fr

Result = tuple[RunState, list[Alert]]


def balances(state: RunState) -> dict[str, Decimal]:
    """Bank code → balance after the payments of this run assigned to it (main currency)."""
    spent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in state.payments:
        if p.bank and p.stage is not PaymentStage.PREPARED:
            spent[p.bank] += p.main_amount
    return {b.code: b.balance - spent[b.code] for b in state.banks}


def totals(state: RunState) -> dict[str, Decimal]:
    """The two totals of step 3: « règlements préparés » and « à émettre »."""
    prepared = sum((p.main_amount for p in state.payments if p.stage is PaymentStage.PREPARED), ZERO)
    to_issue = sum((p.main_amount for p in state.payments if p.stage is PaymentStage.ASSIGNED), ZERO)
    return {"prepared": prepared, "to_issue": to_issue}


def _place(state: RunState, pay: Payment, start: str, bal: dict[str, Decimal]) -> tuple[str, list[Alert]]:
    banks = banks_by_code(state)
    code, seen, alerts = start, set(), []
    while code and code not in seen:
        seen.add(code)
        bank = banks.get(code)
        if bank is None:
            return NOT_ASSIGNED, alerts + [warn(state, "DSB_BANK_UNKNOWN", bank=code, known=", ".join(banks) or "aucune")]
        after = bal[code] - pay.main_amount
        if bank.disbursement_limit is None or after >= bank.disbursement_limit:
            return code, alerts
        if not bank.substitute_account:
            break
        alerts.append(warn(state, "DSB_SUBSTITUTED", payment=pay.payment_id, amount=format_fr(pay.main_amount), bank=code, balance=format_fr(after), limit=format_fr(bank.disbursement_limit), substitute=bank.substitute_account))
        code = bank.substitute_account
    bank = banks[start]
    return NOT_ASSIGNED, alerts + [warn(state, "DSB_LIMIT_NO_SUBSTITUTE", payment=pay.payment_id, amount=format_fr(pay.main_amount), bank=start, limit=format_fr(bank.disbursement_limit or ZERO))]


def _replace(state: RunState, changes: dict[str, dict]) -> RunState:
    return state.model_copy(update={"payments": tuple(p.model_copy(update=changes[p.payment_id]) if p.payment_id in changes else p for p in state.payments)})


def _pick(state: RunState, ids, stages: tuple[PaymentStage, ...], expected: str) -> tuple[list[Payment], list[Alert]]:
    by_id = {p.payment_id: p for p in state.payments}
    ok, alerts = [], []
    for pid in dict.fromkeys(ids):
        p = by_id.get(pid)
        if p is None or p.stage not in stages:
            alerts.append(warn(state, "DSB_PAYMENT_UNKNOWN", payment=pid, expected=expected))
        else:
            ok.append(p)
    return ok, alerts


def assign(state: RunState, payment_ids) -> Result:
    """F5 / double-click: to the default bank, with the limit and substitution rules."""
    pays, alerts = _pick(state, payment_ids, (PaymentStage.PREPARED,), "tableau du haut de l'étape 3")
    return _assign_default(state, pays, alerts)


def _assign_default(state: RunState, pays: list[Payment], alerts: list[Alert]) -> Result:
    bal = balances(state)
    changes = {}
    for p in pays:
        if not p.planned_bank:
            alerts.append(warn(state, "DSB_NOT_ASSIGNED", payment=p.payment_id, supplier=p.supplier, amount=format_fr(p.main_amount)))
            code = NOT_ASSIGNED
        else:
            code, a = _place(state, p, p.planned_bank, bal)
            alerts += a
        if code:
            bal[code] -= p.main_amount
        changes[p.payment_id] = {"stage": PaymentStage.ASSIGNED, "bank": code, "forced": False}
    return _replace(state, changes), alerts


def assign_to(state: RunState, payment_ids, bank: str) -> Result:
    """Drag to a bank: always there; a warning when the limit is passed (user's last word)."""
    banks = banks_by_code(state)
    if bank not in banks:
        return state, [warn(state, "DSB_BANK_UNKNOWN", bank=bank, known=", ".join(banks) or "aucune")]
    pays, alerts = _pick(state, payment_ids, (PaymentStage.PREPARED, PaymentStage.ASSIGNED), "étape 3")
    bal = balances(state)
    changes = {}
    limit = banks[bank].disbursement_limit
    for p in pays:
        if p.stage is PaymentStage.ASSIGNED and p.bank:
            bal[p.bank] += p.main_amount
        bal[bank] -= p.main_amount
        over = (limit is not None and bal[bank] < limit) or bal[bank] < 0
        if over:
            alerts.append(warn(state, "DSB_LIMIT_OVERRIDDEN", payment=p.payment_id, amount=format_fr(p.main_amount), bank=bank, balance=format_fr(bal[bank]), limit=format_fr(limit if limit is not None else ZERO)))
        changes[p.payment_id] = {"stage": PaymentStage.ASSIGNED, "bank": bank, "forced": over}
    return _replace(state, changes), alerts


def unassign(state: RunState, payment_ids) -> Result:
    """Back from a bank (or « Non affecté ») to the top table."""
    pays, alerts = _pick(state, payment_ids, (PaymentStage.ASSIGNED,), "tableau du bas de l'étape 3")
    return _replace(state, {p.payment_id: {"stage": PaymentStage.PREPARED, "bank": None, "forced": False} for p in pays}), alerts


def preselect(state: RunState, amount: Decimal, order: str = ORDER_PRIORITY_DUE) -> Result:
    """Automatic pre-selection (pré-pointage): payments up to ``amount``, limit rules apply."""
    suppliers = suppliers_by_code(state)
    cands = visible_payments(state, PaymentStage.PREPARED)
    pos = {p.payment_id: n for n, p in enumerate(state.payments)}
    prio = lambda p: suppliers[p.supplier].priority if p.supplier in suppliers else 99  # noqa: E731
    picked, reached = [], ZERO
    for p in ordered(cands, order, prio, lambda p: p.due_date, lambda p: pos[p.payment_id]):
        if reached + p.main_amount <= amount:
            picked.append(p)
            reached += p.main_amount
    alerts = []
    if reached < amount:
        alerts.append(warn(state, "DSB_TARGET_NOT_REACHED", target=format_fr(amount), reached=format_fr(reached), count=len(picked)))
    return _assign_default(state, picked, alerts)


def cancel_transaction(state: RunState, payment_ids) -> Result:
    """« Annuler la transaction »: step 3 → the items go back to their previous state (items
    to pay); step 4 → the payment goes back to the top table of step 3."""
    if state.step == 4:
        pays, alerts = _pick(state, payment_ids, (PaymentStage.SLIPPED,), "un bordereau non comptabilisé")
        gone = {p.payment_id for p in pays}
        slips = tuple(
            s.model_copy(update={"payment_ids": tuple(x for x in s.payment_ids if x not in gone)}) for s in state.slips
        )
        state = _replace(state, {pid: {"stage": PaymentStage.PREPARED, "bank": None, "forced": False, "slip_id": "", "cheque_number": ""} for pid in gone})
        return state.model_copy(update={"slips": tuple(s for s in slips if s.payment_ids)}), alerts
    pays, alerts = _pick(state, payment_ids, (PaymentStage.PREPARED,), "tableau du haut de l'étape 3")
    if not pays:
        return state, alerts
    gone = {p.payment_id for p in pays}
    keys = {k for p in pays for k in p.keys}
    back_state = {t.prepared_state: t.entry_state for t in state.circuit.transitions}
    prefixes = tuple(f"{k}-" for k in keys)
    items = tuple(
        i.model_copy(update={"state": back_state.get(i.state, i.state), "payment_ref": "", "bank": "", "slip_ref": ""}) if i.key in keys and i.payment_ref else i
        for i in state.items
    )
    state = state.model_copy(
        update={
            "payments": tuple(p for p in state.payments if p.payment_id not in gone),
            "items": items,
            "differences": tuple(d for d in state.differences if not (set(d.scope) & keys)),
            "generated": tuple(g for g in state.generated if not g.key.startswith(prefixes)),
        }
    )
    return state.model_copy(update={"to_pay": sorted_to_pay(state, state.to_pay + tuple(sorted(keys)))}), alerts


def set_handler_filter(state: RunState, user: str | None) -> Result:
    """« Modifier le filtre gestionnaire »: a user code, "" for everyone, None for oneself."""
    return state.model_copy(update={"params": state.params.model_copy(update={"handler_filter": user})}), []


def unassigned_count(state: RunState) -> int:
    return sum(1 for p in state.payments if p.stage is PaymentStage.ASSIGNED and p.bank == NOT_ASSIGNED)


__all__ = ["assign", "assign_to", "unassign", "preselect", "cancel_transaction", "set_handler_filter", "balances", "totals", "prepared_states"]
