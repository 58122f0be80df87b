"""Models of the multi-supplier disbursement wizard (décaissement multi-fournisseurs).

Source: the product page of seed 004 (« Règlement multi fournisseurs »): five steps
(selection, preparation, issue, slips, posting), a state circuit (« STANDARD »),
grouping rules, differences, one-level undo, disbursement limits and substitution
accounts. Every model is frozen; the wizard's whole state (``RunState``) is one value
that serialises to JSON, so the workbook can keep it as a snapshot.

Where an item is: exactly one of ``RunState.to_pay`` (step 2 top table),
``RunState.prepared`` (step 2 bottom table), a ``Payment`` (validated: steps 3 to 5)
or ``RunState.closed`` (left the run without payment, e.g. rescheduled).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from reglo.core.money import ZERO, Money

MAIN_CURRENCY = "EUR"
NOT_ASSIGNED = ""  # the « Non affecté » group of step 3


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------
# reference data: circuit, suppliers, company banks, grouping rules
# ---------------------------------------------------------------------------


class Transition(_Model):
    """One rule of a circuit: items in ``entry_state`` are paid by ``payment_mode``.

    Preparation moves them to ``prepared_state``, issue to ``issued_state``
    (changements d'état). An item whose state is the entry state of no rule does not
    reach step 2 (the seed's C10 example).
    """

    entry_state: str
    label: str = ""
    payment_mode: str  # VIR, VIRINT, CHQ, LCR ...
    prepared_state: str
    issued_state: str
    enabled: bool = True  # « Paramétrage des règlements »: unticked = type excluded


class Circuit(_Model):
    code: str
    label: str = ""
    transitions: tuple[Transition, ...]

    def rule_for(self, state: str) -> Transition | None:
        for t in self.transitions:
            if t.entry_state == state:
                return t
        return None


class DiscountTier(_Model):
    """Escompte matrix line: paying at least ``days_before_due`` days early earns ``rate`` %."""

    days_before_due: int = Field(ge=0)
    rate: Decimal = Field(ge=0, le=100)


class PartyMatch(StrEnum):
    SAME_SUPPLIER = "Tiers identiques"
    SAME_HEAD_OFFICE = "Centrale identique"
    ANY = "Indifférent"


class GroupingRule(_Model):
    """A grouping rule (règle de regroupement), automatic or manual.

    ``same_*`` True = « Identique » (must be equal), False = « Différente » (may differ).
    ``supplier`` set = the rule of that supplier only (règle individualisée);
    ``payment_mode`` set = the rule of that prepared mode only.
    """

    automatic: bool
    active: bool = True
    supplier: str = ""
    payment_mode: str = ""
    party: PartyMatch = PartyMatch.SAME_SUPPLIER
    same_bank: bool = True  # banque prévue
    same_currency: bool = True
    same_bank_details: bool = True  # coordonnées bancaires (IBAN)
    max_days_apart: int | None = None  # due dates at most N days apart


class Supplier(_Model):
    code: str
    name: str = ""
    priority: int = Field(default=50, ge=0, le=99)  # 0 first
    head_office: str = ""  # centrale
    default_bank: str = ""  # company bank code; empty → « Non affecté »
    discount_matrix: tuple[DiscountTier, ...] = ()
    control_account: str = "401"
    iban: str = ""
    bic: str = ""


class CompanyBank(_Model):
    code: str
    label: str = ""
    journal_code: str
    ledger_account: str = "512000"
    iban: str = ""
    bic: str = ""
    currency: str = MAIN_CURRENCY
    balance: Money = ZERO  # in the main currency
    disbursement_limit: Money | None = None  # limite de décaissement
    substitute_account: str = ""  # compte de substitution (another bank code)


# ---------------------------------------------------------------------------
# items (effets)
# ---------------------------------------------------------------------------


class AutoDiscount(_Model):
    """An automatic early-payment discount (escompte automatique) computed at step 1."""

    rate: Decimal
    amount: Money
    limit_date: date  # last date to earn it
    days_before_due: int


class Item(_Model):
    """A payable item (effet à payer). ``amount`` is what is owed, in ``currency``."""

    key: str
    supplier: str
    document_ref: str = ""
    label: str = ""
    issue_date: date | None = None
    due_date: date
    amount: Money
    main_amount: Money | None = None  # in the main currency when ``currency`` differs
    currency: str = MAIN_CURRENCY
    state: str  # circuit state, e.g. C10
    planned_bank: str = ""  # banque prévue
    iban: str = ""
    bic: str = ""
    cheque_number: str = ""
    transfer_info: str = ""
    international_info: str = ""
    operation_date: date | None = None
    disputed: bool = False
    dispute_reason: str = ""
    signed: bool = True  # bon à payer signed
    handler_user: str = ""  # gestionnaire: who made the last state change
    is_deposit: bool = False  # acompte
    vat_code: str = ""
    auto_discount: AutoDiscount | None = None
    payment_ref: str = ""  # set for items prepared or issued by an earlier run
    bank: str = ""  # issuing bank, for items issued by an earlier run
    slip_ref: str = ""  # slip, for items whose slip was printed by an earlier run
    # The register knows an item by its ledger key: a remainder or a rescheduled part that a
    # difference generated keeps the key of the item it comes from (``origin_key``) and that
    # item's amount before any payment, in the main currency (``original_amount``). Every live
    # payment of that key together (transfer files, disbursements, reservations of open runs)
    # may not exceed it. Both empty: the item's own key and amount.
    origin_key: str = ""
    original_amount: Money | None = None
    source_row: int | None = None

    @property
    def eur_amount(self) -> Decimal:
        return self.main_amount if self.main_amount is not None else self.amount

    @property
    def register_key(self) -> str:
        """The key of the item's register lines (its ledger line key)."""
        return self.origin_key or self.key

    @property
    def original_main(self) -> Decimal:
        """What all payments of ``register_key`` together may settle, in the main currency."""
        return self.original_amount if self.original_amount is not None else self.eur_amount


# ---------------------------------------------------------------------------
# step 1 parameters
# ---------------------------------------------------------------------------


class FieldFilter(_Model):
    """A filter on any item field: ``op`` is =, !=, <, <=, >, >=, contains."""

    field: str
    op: str = "="
    value: str


class SelectionParams(_Model):
    circuit: str = "STANDARD"
    start_step: int = Field(default=2, ge=2, le=5)  # « Démarrer à l'étape »
    supplier_from: str = ""
    supplier_to: str = ""
    issue_from: date | None = None
    issue_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    filters: tuple[FieldFilter, ...] = ()
    sort: tuple[str, ...] = ("due_date", "supplier")  # field names; "-field" = descending
    payment_approval: bool = False  # dossier option « bons à payer »
    show_disputed: bool = True
    show_unsigned: bool = True
    auto_discounts: bool = False
    excluded_states: tuple[str, ...] = ()  # payment types unticked
    handler_filter: Optional[str] = None  # None = the run's user; "" = everyone


# ---------------------------------------------------------------------------
# step 2: prepared payments, groups, differences
# ---------------------------------------------------------------------------


class PreparedPayment(_Model):
    """A prepared payment (règlement préparé) of one item, in a payment mode, maybe grouped."""

    key: str
    mode: str
    group_id: str = ""


class PaymentGroupNode(_Model):
    """A group header (entête de regroupement); members are the prepared payments with its id."""

    group_id: str
    mode: str
    automatic: bool = False
    label: str = ""


class DifferenceKind(StrEnum):
    DISCOUNT = "Escompte manuel"
    SETTLEMENT = "Différence de règlement"
    EXCHANGE = "Différence de change"
    MISC = "Opération diverse"
    PARTIAL = "Règlement partiel"
    RESCHEDULE = "Rééchelonnement"


class Split(_Model):
    """One part of a rescheduled item: a new item with its due date and state."""

    due_date: date
    amount: Money
    state: str = ""


class Difference(_Model):
    """A difference entered on prepared payments (the « d » marker).

    ``allocations`` is what each item of the scope does not pay now: a discount or a
    settlement/exchange/misc. difference (booked at posting), the unpaid remainder of a
    partial payment, or the whole item for a rescheduling (carried to generated items).
    Amounts are signed: positive = paid less.
    """

    diff_id: str
    kind: DifferenceKind
    scope: tuple[str, ...]
    amount: Money
    rate: Decimal | None = None
    account: str = ""
    label: str = ""
    allocations: tuple[tuple[str, Money], ...]
    splits: tuple[Split, ...] = ()  # rescheduling: the generated items (shift = one split)


# ---------------------------------------------------------------------------
# steps 3 to 5: payments, slips, posting
# ---------------------------------------------------------------------------


class PaymentStage(StrEnum):
    PREPARED = "préparé"  # step 3 top table
    ASSIGNED = "affecté"  # step 3 bottom table (bank set, or « Non affecté »)
    SLIPPED = "bordereau"  # on a slip (step 4)
    POSTED = "comptabilisé"


class Payment(_Model):
    """A validated payment: one prepared payment, or one group (its members paid together)."""

    payment_id: str
    mode: str
    supplier: str
    keys: tuple[str, ...]
    amount: Money  # net paid, in the payment's currency
    main_amount: Money  # in the main currency
    currency: str = MAIN_CURRENCY
    due_date: date
    planned_bank: str = ""
    handler_user: str = ""
    stage: PaymentStage = PaymentStage.PREPARED
    bank: Optional[str] = None  # None = not assigned; "" = « Non affecté »
    forced: bool = False  # assigned by hand over the disbursement limit
    slip_id: str = ""
    cheque_number: str = ""
    from_earlier_run: bool = False


class Slip(_Model):
    """A slip (bordereau): one bank, one mode, one currency."""

    slip_id: str
    bank: str
    mode: str
    currency: str = MAIN_CURRENCY
    slip_date: date
    payment_ids: tuple[str, ...]
    first_cheque_number: int | None = None
    printed: bool = False


class PostingStatus(StrEnum):
    PENDING = "en cours"  # entries handed to the commit, not yet confirmed
    POSTED = "comptabilisé"


class PostingBatch(_Model):
    """The posting of one sequence (one slip): its entry numbers are fixed at start so
    that a posting interrupted by an incident resumes with the same entries."""

    slip_id: str
    status: PostingStatus
    first_entry_number: int


class RunState(_Model):
    """The wizard's whole state, one immutable snapshot (serialisable to JSON)."""

    run_id: str
    user: str
    run_date: date
    step: int = 1
    finished: bool = False
    params: SelectionParams = SelectionParams()
    circuit: Circuit
    suppliers: tuple[Supplier, ...] = ()
    banks: tuple[CompanyBank, ...] = ()
    rules: tuple[GroupingRule, ...] = ()
    source: tuple[Item, ...] = ()  # every open item given to the run (before step 1 filters)
    items: tuple[Item, ...] = ()  # the items of the run (selected, deposits, generated)
    to_pay: tuple[str, ...] = ()
    prepared: tuple[PreparedPayment, ...] = ()
    groups: tuple[PaymentGroupNode, ...] = ()
    differences: tuple[Difference, ...] = ()
    payments: tuple[Payment, ...] = ()
    closed: tuple[str, ...] = ()
    generated: tuple[Item, ...] = ()  # new items created at validation (remainders, reschedulings)
    slips: tuple[Slip, ...] = ()
    postings: tuple[PostingBatch, ...] = ()
    next_id: int = 1
    next_entry_number: int = 1
    sequence: int = 0  # actions applied
    previous: Optional["RunState"] = None  # the one undo level (never itself has one)
    last_action: str = ""


RunState.model_rebuild()
