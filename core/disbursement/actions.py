"""The wizard as a pure state machine: ``apply(state, action) -> (new_state, alerts)``.

Every user action (a ribbon button, a key, a CLI ``reglo disburse ACTION``) is one
frozen ``Action`` model; ``apply`` dispatches it. A blocking alert leaves the state
unchanged. Undo (Ctrl-Z) is exactly one level: an undoable action keeps the state it
started from in ``previous``; ``Undo`` restores it, and is not itself undoable. Because
undo restores the snapshot, each row of the seed's undo table holds by construction
(a manual group of groups comes back as the original groups, a deleted group header
comes back with its prepared payments, and so on); the tests check them row by row.

The workbook keeps the latest snapshot and the action log: ``replay`` rebuilds a state
from the first snapshot and the log.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from reglo.core.alerts import Alert, has_blocking
from reglo.core.disbursement import differences as dif
from reglo.core.disbursement import issue, posting, preparation as prep, slips, validation
from reglo.core.disbursement.circuit import CIRCUITS, STANDARD
from reglo.core.disbursement.models import (
    Circuit,
    CompanyBank,
    DifferenceKind,
    GroupingRule,
    Item,
    RunState,
    SelectionParams,
    Split,
    Supplier,
)
from reglo.core.disbursement.selection import select_items
from reglo.core.disbursement.state import anomaly_alert, items_by_key, warn
from reglo.core.money import ZERO, format_fr


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- navigation -----------------------------------------------------------------------
class Next(_Action):
    kind: Literal["suivant"] = "suivant"
    confirmed: bool = False


class Previous(_Action):
    kind: Literal["precedent"] = "precedent"


class Finish(_Action):
    kind: Literal["terminer"] = "terminer"


class Undo(_Action):
    kind: Literal["annuler"] = "annuler"


# --- step 1 ---------------------------------------------------------------------------
class SetParams(_Action):
    kind: Literal["parametres"] = "parametres"
    params: SelectionParams


class EditTransition(_Action):
    """Change a state change of the run's circuit (double-click in the table)."""

    kind: Literal["changement_etat"] = "changement_etat"
    entry_state: str
    payment_mode: Optional[str] = None
    prepared_state: Optional[str] = None
    issued_state: Optional[str] = None
    enabled: Optional[bool] = None


class ChooseCircuit(_Action):
    kind: Literal["circuit"] = "circuit"
    circuit: str


# --- step 2 ---------------------------------------------------------------------------
class Prepare(_Action):
    kind: Literal["preparer"] = "preparer"
    keys: tuple[str, ...]
    mode: str = ""
    auto_group: bool = True  # False = the user refused the automatic grouping (Échap)


class Unprepare(_Action):
    kind: Literal["supprimer"] = "supprimer"
    keys: tuple[str, ...]


class Move(_Action):
    kind: Literal["deplacer"] = "deplacer"
    keys: tuple[str, ...]
    mode: str


class Group(_Action):
    kind: Literal["regrouper"] = "regrouper"
    units: tuple[str, ...]
    label: str = ""


class AddToGroup(_Action):
    kind: Literal["ajouter_au_regroupement"] = "ajouter_au_regroupement"
    keys: tuple[str, ...]
    group_id: str


class Dissociate(_Action):
    kind: Literal["dissocier"] = "dissocier"
    group_id: str


class DeleteGroup(_Action):
    kind: Literal["supprimer_regroupement"] = "supprimer_regroupement"
    group_id: str


class EditGroup(_Action):
    kind: Literal["modifier_regroupement"] = "modifier_regroupement"
    group_id: str
    label: str


class TargetAmount(_Action):
    kind: Literal["montant_a_pointer"] = "montant_a_pointer"
    amount: Decimal
    order: str = prep.ORDER_PRIORITY_DUE
    auto_group: bool = True


class Deposit(_Action):
    kind: Literal["acompte"] = "acompte"
    supplier: str
    amount: Decimal
    vat_code: str = ""
    mode: str = "VIR"


class AddDifference(_Action):
    kind: Literal["difference"] = "difference"
    difference: DifferenceKind
    current: str
    selection: tuple[str, ...] = ()
    amount: Optional[Decimal] = None
    rate: Optional[Decimal] = None
    account: str = ""
    label: str = ""
    due_date: Optional[date] = None
    splits: tuple[Split, ...] = ()


class CancelDifference(_Action):
    kind: Literal["annuler_difference"] = "annuler_difference"
    diff_id: str


class Dispute(_Action):
    kind: Literal["contester"] = "contester"
    keys: tuple[str, ...]
    reason: str = ""


class ResolveDispute(_Action):
    kind: Literal["regler_contestation"] = "regler_contestation"
    keys: tuple[str, ...]


class Sign(_Action):
    kind: Literal["bon_a_payer"] = "bon_a_payer"
    keys: tuple[str, ...]


class EditItem(_Action):
    kind: Literal["detail"] = "detail"
    key: str
    changes: dict[str, str]


class EditAutoDiscount(_Action):
    kind: Literal["escompte_auto"] = "escompte_auto"
    keys: tuple[str, ...]
    rate: Optional[Decimal] = None
    amount: Optional[Decimal] = None


class Validate(_Action):
    """« Valider les règlements préparés » on a selection (partial validation)."""

    kind: Literal["valider"] = "valider"
    units: tuple[str, ...]


# --- step 3 ---------------------------------------------------------------------------
class Assign(_Action):
    kind: Literal["affecter"] = "affecter"  # F5 / double-click
    payment_ids: tuple[str, ...]


class AssignTo(_Action):
    kind: Literal["affecter_banque"] = "affecter_banque"  # drag to a bank
    payment_ids: tuple[str, ...]
    bank: str


class Unassign(_Action):
    kind: Literal["desaffecter"] = "desaffecter"
    payment_ids: tuple[str, ...]


class Preselect(_Action):
    kind: Literal["pre_pointage"] = "pre_pointage"
    amount: Decimal
    order: str = prep.ORDER_PRIORITY_DUE


class CancelTransaction(_Action):
    kind: Literal["annuler_transaction"] = "annuler_transaction"
    payment_ids: tuple[str, ...]


class SetHandlerFilter(_Action):
    kind: Literal["filtre_gestionnaire"] = "filtre_gestionnaire"
    user: Optional[str] = None


# --- step 4 ---------------------------------------------------------------------------
class SetSlipDate(_Action):
    kind: Literal["date_bordereau"] = "date_bordereau"
    slip_ids: Optional[tuple[str, ...]] = None
    slip_date: date


class SetFirstCheque(_Action):
    kind: Literal["premier_cheque"] = "premier_cheque"
    slip_id: str
    number: int = Field(ge=1)


class PrintSlips(_Action):
    kind: Literal["editer_bordereaux"] = "editer_bordereaux"
    slip_ids: Optional[tuple[str, ...]] = None


# --- step 5 ---------------------------------------------------------------------------
class Post(_Action):
    kind: Literal["comptabiliser"] = "comptabiliser"
    slip_ids: Optional[tuple[str, ...]] = None


class ConfirmPosting(_Action):
    kind: Literal["confirmer_comptabilisation"] = "confirmer_comptabilisation"
    slip_ids: Optional[tuple[str, ...]] = None


Action = Annotated[
    Union[
        Next, Previous, Finish, Undo, SetParams, EditTransition, ChooseCircuit,
        Prepare, Unprepare, Move, Group, AddToGroup, Dissociate, DeleteGroup, EditGroup, TargetAmount, Deposit,
        AddDifference, CancelDifference, Dispute, ResolveDispute, Sign, EditItem, EditAutoDiscount, Validate,
        Assign, AssignTo, Unassign, Preselect, CancelTransaction, SetHandlerFilter,
        SetSlipDate, SetFirstCheque, PrintSlips, Post, ConfirmPosting,
    ],
    Field(discriminator="kind"),
]
ACTION_ADAPTER: TypeAdapter = TypeAdapter(Action)
ACTION_LOG_ADAPTER: TypeAdapter = TypeAdapter(tuple[Action, ...])

#: The step each action belongs to (None = any step).
STEP_OF: dict[type, int | None] = {
    Next: None, Previous: None, Finish: None, Undo: None,
    SetParams: 1, EditTransition: 1, ChooseCircuit: 1,
    Prepare: 2, Unprepare: 2, Move: 2, Group: 2, AddToGroup: 2, Dissociate: 2, DeleteGroup: 2, EditGroup: 2,
    TargetAmount: 2, Deposit: 2, AddDifference: 2, CancelDifference: 2, Dispute: 2, ResolveDispute: 2, Sign: 2,
    EditItem: 2, EditAutoDiscount: 2, Validate: 2,
    Assign: 3, AssignTo: 3, Unassign: 3, Preselect: 3, CancelTransaction: None, SetHandlerFilter: None,
    SetSlipDate: 4, SetFirstCheque: 4, PrintSlips: 4, Post: 5, ConfirmPosting: 5,
}

#: Actions Ctrl-Z can undo: the actions of steps 2 to 4 that only rearrange the run.
UNDOABLE = frozenset({
    Prepare, Unprepare, Move, Group, AddToGroup, Dissociate, DeleteGroup, EditGroup, TargetAmount, Deposit,
    AddDifference, CancelDifference, Dispute, ResolveDispute, Sign, EditItem, EditAutoDiscount,
    Assign, AssignTo, Unassign, Preselect, SetSlipDate, SetFirstCheque, SetHandlerFilter, SetParams, EditTransition, ChooseCircuit,
})

Result = tuple[RunState, list[Alert]]


def start_run(
    *,
    run_id: str,
    user: str,
    run_date: date,
    items: tuple[Item, ...],
    suppliers: tuple[Supplier, ...] = (),
    banks: tuple[CompanyBank, ...] = (),
    rules: tuple[GroupingRule, ...] = (),
    params: SelectionParams = SelectionParams(),
    circuits: dict[str, Circuit] | None = None,
    first_entry_number: int = 1,
) -> Result:
    """A new run at step 1 (``run_date`` and ``run_id`` are given: no clock, no random id)."""
    known = circuits or CIRCUITS
    circuit = known.get(params.circuit)
    alerts = []
    if circuit is None:
        alerts.append(warn_step(1, "DSB_CIRCUIT_UNKNOWN", circuit=params.circuit, known=", ".join(known)))
        circuit = STANDARD
    state = RunState(
        run_id=run_id, user=user, run_date=run_date, params=params, circuit=circuit, suppliers=tuple(suppliers), banks=tuple(banks),
        rules=tuple(rules), source=tuple(items), next_entry_number=first_entry_number,
    )
    return state, alerts


def warn_step(step: int, code: str, **ctx) -> Alert:
    from reglo.core.alerts import alert
    from reglo.core.disbursement.state import SHEETS

    return alert(code, sheet=SHEETS[step], **ctx)


def apply(state: RunState, action) -> Result:
    """Apply one action. A blocking alert leaves ``state`` unchanged."""
    name = action.kind
    if state.finished:
        return state, [warn(state, "DSB_RUN_FINISHED", action=name)]
    if isinstance(action, Undo):
        if state.previous is None:
            return state, [warn(state, "DSB_UNDO_EMPTY")]
        return state.previous, []
    expected = STEP_OF[type(action)]
    if expected is not None and expected != state.step:
        return state, [warn(state, "DSB_WRONG_STEP", action=name, step=state.step, expected=expected)]
    new, alerts = _HANDLERS[type(action)](state, action)
    if has_blocking(alerts) and not _partial_ok(action):
        return state, alerts
    if new is state:
        return state, alerts
    keep = state.model_copy(update={"previous": None}) if type(action) in UNDOABLE else None
    return new.model_copy(update={"previous": keep, "sequence": state.sequence + 1, "last_action": name}), alerts


def _partial_ok(action) -> bool:
    """Bulk actions that do what they can: a blocked item does not stop the others."""
    return isinstance(action, (Prepare, Unprepare, Move, Dispute, ResolveDispute, Sign, Assign, AssignTo, Unassign, CancelTransaction, PrintSlips, TargetAmount))


def replay(state: RunState, actions) -> Result:
    """Apply a log of actions in order (the workbook's action log)."""
    alerts: list[Alert] = []
    for a in actions:
        state, al = apply(state, a)
        alerts += al
    return state, alerts


# ---------------------------------------------------------------------------
# navigation
# ---------------------------------------------------------------------------


def _next(state: RunState, a: Next) -> Result:
    if state.step == 1:
        new, alerts = select_items(state)
        if has_blocking(alerts):
            return state, alerts
        return new.model_copy(update={"step": new.params.start_step}), alerts
    if state.step == 2:
        items = items_by_key(state)
        anomalies = [k for k in state.to_pay if anomaly_alert(state, items[k])]
        if anomalies:
            return state, [warn(state, "DSB_ANOMALIES_BLOCK", count=len(anomalies))] + [anomaly_alert(state, items[k]) for k in anomalies]
        if state.prepared:
            if not a.confirmed:
                total = sum((i.amount for i in (items[p.key] for p in state.prepared)), ZERO)
                return state, [warn(state, "DSB_CONFIRM_REQUIRED", count=len(state.prepared), total=format_fr(total))]
            state, alerts = validation.validate(state, None)
            if has_blocking(alerts):
                return state, alerts
        return state.model_copy(update={"step": 3}), []
    if state.step == 3:
        n = issue.unassigned_count(state)
        if n:
            return state, [warn(state, "DSB_UNASSIGNED_BLOCK", count=n)]
        state, alerts = slips.make_slips(state)
        if not state.slips:
            alerts.append(warn(state, "DSB_NOTHING_TO_ISSUE"))
        return state.model_copy(update={"step": 4}), alerts
    if state.step == 4:
        left = slips.unprinted(state)
        if left:
            return state, [warn(state, "DSB_SLIP_NOT_PRINTED", count=len(left), slips=", ".join(s.slip_id for s in left))]
        return state.model_copy(update={"step": 5}), []
    return state, [warn(state, "DSB_WRONG_STEP", action="suivant", step=5, expected="1 à 4")]


def _previous(state: RunState, a: Previous) -> Result:
    if state.step == 1:
        return state, [warn(state, "DSB_PREVIOUS_IMPOSSIBLE", step=1, reason="c'est la première étape")]
    if state.step == 2 and (state.prepared or state.closed or state.generated or any(not p.from_earlier_run for p in state.payments)):
        return state, [warn(state, "DSB_PREVIOUS_IMPOSSIBLE", step=2, reason="des règlements sont préparés ou validés ; supprimez-les ou terminez d'abord")]
    if state.step == 5 and state.postings:
        return state, [warn(state, "DSB_PREVIOUS_IMPOSSIBLE", step=5, reason="une séquence est déjà comptabilisée")]
    return state.model_copy(update={"step": state.step - 1}), []


def _finish(state: RunState, a: Finish) -> Result:
    """« Terminer »: cancels what is in progress at step 2; the posting must be complete at step 5."""
    alerts: list[Alert] = []
    if state.step == 2:
        state, alerts = validation.cancel_preparations(state)
    if state.step == 5:
        left = posting.unposted(state)
        if left:
            return state, [warn(state, "DSB_POSTING_INCOMPLETE", count=len(left), slips=", ".join(left))]
    return state.model_copy(update={"finished": True, "previous": None}), alerts


# ---------------------------------------------------------------------------
# step 1
# ---------------------------------------------------------------------------


def _edit_transition(state: RunState, a: EditTransition) -> Result:
    rule = state.circuit.rule_for(a.entry_state)
    if rule is None:
        known = ", ".join(t.entry_state for t in state.circuit.transitions)
        return state, [warn(state, "DSB_TRANSITION_UNKNOWN", circuit=state.circuit.code, state=a.entry_state, known=known)]
    update = {k: v for k, v in (("payment_mode", a.payment_mode), ("prepared_state", a.prepared_state), ("issued_state", a.issued_state), ("enabled", a.enabled)) if v is not None}
    transitions = tuple(t.model_copy(update=update) if t is rule else t for t in state.circuit.transitions)
    return state.model_copy(update={"circuit": state.circuit.model_copy(update={"transitions": transitions})}), []


def _choose_circuit(state: RunState, a: ChooseCircuit) -> Result:
    circuit = CIRCUITS.get(a.circuit)
    if circuit is None:
        return state, [warn(state, "DSB_CIRCUIT_UNKNOWN", circuit=a.circuit, known=", ".join(CIRCUITS))]
    return state.model_copy(update={"circuit": circuit, "params": state.params.model_copy(update={"circuit": a.circuit})}), []


_HANDLERS = {
    Next: _next,
    Previous: _previous,
    Finish: _finish,
    SetParams: lambda s, a: (s.model_copy(update={"params": a.params}), []),
    EditTransition: _edit_transition,
    ChooseCircuit: _choose_circuit,
    Prepare: lambda s, a: prep.prepare(s, a.keys, a.mode, a.auto_group),
    Unprepare: lambda s, a: prep.unprepare(s, a.keys),
    Move: lambda s, a: prep.move(s, a.keys, a.mode),
    Group: lambda s, a: prep.group(s, a.units, a.label),
    AddToGroup: lambda s, a: prep.add_to_group(s, a.keys, a.group_id),
    Dissociate: lambda s, a: prep.dissociate(s, a.group_id),
    DeleteGroup: lambda s, a: prep.delete_group(s, a.group_id),
    EditGroup: lambda s, a: prep.edit_group(s, a.group_id, a.label),
    TargetAmount: lambda s, a: prep.target_amount(s, a.amount, a.order, a.auto_group),
    Deposit: lambda s, a: prep.deposit(s, a.supplier, a.amount, a.vat_code, a.mode),
    AddDifference: lambda s, a: dif.add_difference(
        s, a.difference, a.current, a.selection, amount=a.amount, rate=a.rate, account=a.account, label=a.label, due_date=a.due_date, splits=a.splits
    ),
    CancelDifference: lambda s, a: dif.cancel_difference(s, a.diff_id),
    Dispute: lambda s, a: prep.dispute(s, a.keys, a.reason),
    ResolveDispute: lambda s, a: prep.resolve_dispute(s, a.keys),
    Sign: lambda s, a: prep.sign(s, a.keys),
    EditItem: lambda s, a: prep.edit_item(s, a.key, a.changes),
    EditAutoDiscount: lambda s, a: prep.edit_auto_discount(s, a.keys, a.rate, a.amount),
    Validate: lambda s, a: validation.validate(s, a.units),
    Assign: lambda s, a: issue.assign(s, a.payment_ids),
    AssignTo: lambda s, a: issue.assign_to(s, a.payment_ids, a.bank),
    Unassign: lambda s, a: issue.unassign(s, a.payment_ids),
    Preselect: lambda s, a: issue.preselect(s, a.amount, a.order),
    CancelTransaction: lambda s, a: issue.cancel_transaction(s, a.payment_ids)
    if s.step in (3, 4)
    else (s, [warn(s, "DSB_WRONG_STEP", action=a.kind, step=s.step, expected="3 ou 4")]),
    SetHandlerFilter: lambda s, a: issue.set_handler_filter(s, a.user),
    SetSlipDate: lambda s, a: slips.set_slip_date(s, a.slip_ids, a.slip_date),
    SetFirstCheque: lambda s, a: slips.set_first_cheque(s, a.slip_id, a.number),
    PrintSlips: lambda s, a: slips.print_slips(s, a.slip_ids),
    Post: lambda s, a: posting.post(s, a.slip_ids),
    ConfirmPosting: lambda s, a: posting.confirm_posting(s, a.slip_ids),
}
