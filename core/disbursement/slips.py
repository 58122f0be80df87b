"""Step 4 — slips (édition des bordereaux).

Entering step 4 puts the payments assigned to a bank on slips, one per bank, payment
mode and currency, dated the run date. The user may change a slip's date, enter the
first cheque number of a cheque run (the cheques are numbered from it), print one slip
or all, and cancel a payment's transaction. Printing is mandatory: « Suivant » does not
print.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from reglo.core.alerts import Alert
from reglo.core.disbursement.circuit import CHEQUE_MODES
from reglo.core.disbursement.models import PaymentStage, RunState, Slip
from reglo.core.disbursement.state import warn

Result = tuple[RunState, list[Alert]]


def make_slips(state: RunState) -> Result:
    """Payments assigned to a bank → slips (their items are then in the issued state, see ``item_states``)."""
    buckets: dict[tuple, list] = defaultdict(list)
    for p in state.payments:
        if p.stage is PaymentStage.ASSIGNED and p.bank:
            buckets[(p.bank, p.mode, p.currency)].append(p.payment_id)
    slips, changes = [], {}
    next_id = state.next_id
    for (bank, mode, currency), ids in buckets.items():
        sid, next_id = f"B{next_id}", next_id + 1
        slips.append(Slip(slip_id=sid, bank=bank, mode=mode, currency=currency, slip_date=state.run_date, payment_ids=tuple(ids)))
        for pid in ids:
            changes[pid] = {"stage": PaymentStage.SLIPPED, "slip_id": sid}
    state = state.model_copy(
        update={
            "payments": tuple(p.model_copy(update=changes[p.payment_id]) if p.payment_id in changes else p for p in state.payments),
            "slips": state.slips + tuple(slips),
            "next_id": next_id,
        }
    )
    return state, []


def _pick(state: RunState, slip_ids) -> tuple[list[Slip], list[Alert]]:
    by_id = {s.slip_id: s for s in state.slips}
    if slip_ids is None:
        return list(state.slips), []
    ok, alerts = [], []
    for sid in dict.fromkeys(slip_ids):
        if sid in by_id:
            ok.append(by_id[sid])
        else:
            alerts.append(warn(state, "DSB_SLIP_UNKNOWN", slip=sid, known=", ".join(by_id) or "aucun"))
    return ok, alerts


def _replace(state: RunState, changes: dict[str, dict]) -> RunState:
    return state.model_copy(update={"slips": tuple(s.model_copy(update=changes[s.slip_id]) if s.slip_id in changes else s for s in state.slips)})


def set_slip_date(state: RunState, slip_ids, slip_date: date) -> Result:
    slips, alerts = _pick(state, slip_ids)
    return _replace(state, {s.slip_id: {"slip_date": slip_date} for s in slips}), alerts


def set_first_cheque(state: RunState, slip_id: str, number: int) -> Result:
    """First cheque number of a cheque slip: its payments are numbered from it, in order."""
    slips, alerts = _pick(state, [slip_id])
    if not slips:
        return state, alerts
    slip = slips[0]
    numbers = {pid: str(number + n) for n, pid in enumerate(slip.payment_ids)}
    state = _replace(state, {slip.slip_id: {"first_cheque_number": number}})
    return state.model_copy(update={"payments": tuple(p.model_copy(update={"cheque_number": numbers[p.payment_id]}) if p.payment_id in numbers else p for p in state.payments)}), []


def print_slips(state: RunState, slip_ids=None) -> Result:
    """« Éditer les bordereaux »: one, several, or all (None)."""
    slips, alerts = _pick(state, slip_ids)
    ok = []
    for s in slips:
        if s.mode in CHEQUE_MODES and s.first_cheque_number is None:
            alerts.append(warn(state, "DSB_CHEQUE_NUMBER_MISSING", slip=s.slip_id))
        else:
            ok.append(s)
    return _replace(state, {s.slip_id: {"printed": True} for s in ok}), alerts


def unprinted(state: RunState) -> list[Slip]:
    return [s for s in state.slips if not s.printed]
