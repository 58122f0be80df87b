"""Models of the customer direct-debit workflow (« Prélèvements clients »).

Money is ``Decimal`` (2 decimals); every model is frozen. The workbook the user edits holds
the assignments (``Assignment``: mode, company bank, customer bank, schedule, « V » per open
invoice) and the forced amounts (``ForcedAmount``); the options (``SelectionOptions``,
``GenerationParams``) come from its « Options » sheet.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reglo.core.money import ZERO, Money
from reglo.core.writers.pain008 import DEFAULT_VERSION

KIND = "prelevement"  # register batch kind
REOPEN_KIND = "prelevement_devalidation"  # un-validation: negative lines that re-open collected lines


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Mode(StrEnum):
    """Payment mode of an open invoice (« Mode de règlement » of the detail sheet)."""

    NONE = "Aucun"
    DIRECT_DEBIT = "Prélèvement"
    LCR = "LCR"
    TRANSFER = "Virement"
    CHEQUE = "Chèque"
    DEPOSIT = "Acompte"


MODES: tuple[str, ...] = tuple(m.value for m in Mode)
AUTO_ASSIGNABLE = frozenset({Mode.NONE, Mode.DIRECT_DEBIT, Mode.LCR})  # « Affectation des prélèvements »


def parse_mode(text: object) -> Mode | None:
    """A mode from a cell (accent- and case-insensitive); ``Mode.NONE`` when blank."""
    import unicodedata

    raw = str(text or "").strip()
    if not raw:
        return Mode.NONE
    key = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii").casefold()
    for m in Mode:
        plain = unicodedata.normalize("NFKD", m.value).encode("ascii", "ignore").decode("ascii").casefold()
        if key == plain:
            return m
    return {"prlv": Mode.DIRECT_DEBIT, "vir": Mode.TRANSFER, "chq": Mode.CHEQUE}.get(key)


class OpenInvoice(_Model):
    """An unlettered customer line of the ledger (amount > 0: to collect; < 0: credit note)."""

    key: str  # stable ledger line key (``reglo.core.transfers.selection.line_keys``)
    customer_code: str  # auxiliary account (CompAuxNum)
    ledger_account: str  # control account (411…)
    customer_label: str = ""
    journal_code: str = ""
    entry_number: str = ""
    document_ref: str = ""
    entry_date: date
    due_date: date | None = None
    label: str = ""
    amount: Money  # open amount, debit positive
    source_row: int | None = None


class Instalment(_Model):
    """One line of a schedule (« échéancier »)."""

    due_date: date
    amount: Money


class Assignment(_Model):
    """How one open invoice is to be settled (a row of the detail sheet)."""

    key: str
    mode: Mode = Mode.NONE
    company_bank: str | None = None  # journal code of the company bank
    customer_iban: str | None = None
    schedule: tuple[Instalment, ...] = ()
    validated: bool = False  # « V »: already collected
    source_row: int | None = None


class ForcedAmount(_Model):
    """A forced amount for one customer, kept until generation (optionally with a schedule)."""

    customer_code: str
    amount: Money
    mode: Mode = Mode.DIRECT_DEBIT
    company_bank: str | None = None
    customer_iban: str | None = None
    reference: str = ""  # stable id of the forced amount (register key)
    schedule: tuple[Instalment, ...] = ()
    source_row: int | None = None

    @property
    def key(self) -> str:
        return f"force|{self.customer_code}|{self.reference or 'F'}"


class SelectionOptions(_Model):
    """The options of « Préparer » (seed: Choix de la date, Affectation des prélèvements…)."""

    date_from: date | None = None
    date_to: date | None = None  # « Liste des règlements jusqu'au »
    auto_assign: bool = False  # « Affectation des prélèvements »
    group_from: str | None = None  # « Regroupements » Début (customer codes)
    group_to: str | None = None  # Fin
    skip_without_entries: bool = True  # « Éviter les tiers sans écritures »
    show_validated: bool = False  # « Afficher les écritures validées »
    show_all_modes: bool = False  # « Afficher tous les types de règlement » (Acompte)


class BankSettings(_Model):
    """Per company bank: lead time (business days, S-D4/S-F4), horizon (calendar days, S-D8), address form (S-P2), file
    version (S-V2), scheme default."""

    journal: str
    lead_days: int = Field(default=2, ge=0, le=30)
    horizon_days: int = Field(default=14, ge=1, le=365)  # S-D8: how far ahead the bank accepts a collection
    address_form: Literal["structured", "hybrid", "none"] = "structured"
    version: str = DEFAULT_VERSION
    initiating_party_id: str | None = None  # S-I4: the ICS when empty


class GenerationParams(_Model):
    """The options of « Générer »."""

    company_bank: str  # journal code
    mode: Mode = Mode.DIRECT_DEBIT
    collection_date: date | None = None  # default: today, moved per lead time and T2 calendar
    booking: Literal["Global", "Unitaire"] = "Global"
    lettering: bool = True
    grouped_entry: bool = False  # « Regrouper les prélèvements »
    test_file: bool = False
    label_template: str = ""  # "" → piece number + invoice label
    version: str | None = None  # None → the bank's
    scheme: Literal["CORE", "B2B"] | None = None  # None → each mandate's
    prenotification_days: int = Field(default=14, ge=0, le=60)
    file_name: str | None = None


class CollectedPart(_Model):
    """What one collection takes from one open invoice (or forced amount)."""

    key: str
    document_ref: str
    label: str
    entry_date: date | None
    amount: Money
    already_cents: int = 0  # collected before this run (register)
    instalments: tuple[Instalment, ...] = ()
    forced: bool = False
    ledger_account: str = ""


class CustomerRow(_Model):
    """One row of the main sheet."""

    code: str
    name: str
    company_bank: str | None
    customer_iban: str | None
    mode: Mode
    computed: Money = ZERO
    forced: Money | None = None
    forced_has_schedule: bool = False
    to_collect: Money = ZERO
    line_count: int = 0
    status: str = ""
    excluded: bool = False


class DetailRow(_Model):
    invoice: OpenInvoice
    assignment: Assignment
    amount_due: Money  # in the period (instalments in range), net of what was collected
    collected_cents: int = 0
    in_period: bool = True
    schedule_rest: Money = ZERO
    instalments: tuple[Instalment, ...] = ()  # instalments taken in the period


def total(values) -> Decimal:
    return sum(values, ZERO)
