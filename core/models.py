"""Domain models (pydantic v2, frozen, Decimal money, ``source_row`` kept).

Field names follow the glossary of the house style and the FEC columns where one exists.
Models are built from already-cleaned values (lenient parsing lives in ``reglo.core.ingest``
and the readers); they are strict.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from schwifty import BIC, IBAN

from reglo.core.money import ZERO, Money


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class AccountKind(StrEnum):
    GENERAL = "G"
    CUSTOMER = "D"  # débiteur / client
    SUPPLIER = "C"  # créancier / fournisseur


class Side(StrEnum):
    DEBIT = "D"
    CREDIT = "C"


class PaymentMethod(StrEnum):
    CREDIT_TRANSFER = "Virement"
    CHEQUE = "Chèque"
    DIRECT_DEBIT = "Prélèvement"
    LCR = "LCR"
    CARD = "Carte"
    CASH = "Espèces"


class SequenceType(StrEnum):
    FIRST = "FRST"
    RECURRING = "RCUR"
    ONE_OFF = "OOFF"
    FINAL = "FNAL"


class Account(_Model):
    """A general (ledger) account, possibly a control account with auxiliaries."""

    number: str
    label: str = ""
    kind: AccountKind = AccountKind.GENERAL
    subledger_account: str | None = None  # auxiliary (CompAuxNum) when the account is a third party's
    source_row: int | None = None

    @field_validator("number")
    @classmethod
    def _pcg(cls, v: str) -> str:
        if len(v) < 3 or not v[:3].isdigit():
            raise ValueError("un numéro de compte commence par trois chiffres du PCG")
        return v


class PostalAddress(_Model):
    street: str = ""
    postcode: str = ""
    town: str = ""
    country: str = "FR"  # ISO 3166 alpha-2

    @property
    def is_structured(self) -> bool:
        """Town and country present (EPC153-22 minimum for a structured / hybrid address)."""
        return bool(self.town.strip()) and len(self.country) == 2


def _to_iban(v: object) -> object:
    return IBAN(str(v)) if not isinstance(v, IBAN) else v


def _to_bic(v: object) -> object:
    """A blank BIC is no BIC."""
    if v in (None, ""):
        return None
    return BIC(str(v)) if not isinstance(v, BIC) else v


class BankAccount(_Model):
    iban: IBAN
    bic: BIC | None = None
    label: str = ""

    _iban = field_validator("iban", mode="before")(staticmethod(_to_iban))
    _bic = field_validator("bic", mode="before")(staticmethod(_to_bic))


class Mandate(_Model):
    """SEPA direct-debit mandate (RUM)."""

    mandate_id: str = Field(max_length=35)
    signed_on: date
    sequence_type: SequenceType = SequenceType.FIRST
    scheme: str = "CORE"  # CORE or B2B
    iban: IBAN | None = None
    revoked_on: date | None = None
    source_row: int | None = None


class Party(_Model):
    """A third party (tiers): customer or supplier."""

    code: str  # party_code = auxiliary account number
    kind: AccountKind
    legal_name: str
    control_account: str  # 411000 / 401000 ...
    address: PostalAddress = PostalAddress()
    bank_accounts: tuple[BankAccount, ...] = ()
    default_bank_journal: str | None = None
    payment_method: PaymentMethod | None = None
    priority: int = Field(default=50, ge=0, le=99)
    head_office_code: str | None = None  # centrale / siège for groups
    siren: str | None = None
    mandates: tuple[Mandate, ...] = ()
    email: str | None = None
    source_row: int | None = None

    @property
    def main_bank_account(self) -> BankAccount | None:
        return self.bank_accounts[0] if self.bank_accounts else None


class CompanyBankAccount(_Model):
    """One of the company's own bank accounts (a bank journal)."""

    journal_code: str
    label: str
    ledger_account: str  # 512xxx
    iban: IBAN
    bic: BIC | None = None
    creditor_id: str | None = None  # ICS, for direct debits
    daily_limit: Money | None = None
    source_row: int | None = None

    _iban = field_validator("iban", mode="before")(staticmethod(_to_iban))
    _bic = field_validator("bic", mode="before")(staticmethod(_to_bic))


class Company(_Model):
    legal_name: str
    siren: str
    address: PostalAddress = PostalAddress()
    fiscal_year_start: date
    fiscal_year_end: date
    bank_accounts: tuple[CompanyBankAccount, ...] = ()


class LedgerLine(_Model):
    """One FEC line (ligne d'écriture as exported), amounts as Decimal."""

    journal_code: str
    journal_label: str = ""
    entry_number: str
    entry_date: date
    ledger_account: str
    ledger_account_label: str = ""
    subledger_account: str = ""
    subledger_label: str = ""
    document_ref: str = ""
    document_date: date | None = None
    label: str = ""
    debit: Money = ZERO
    credit: Money = ZERO
    lettering_code: str = ""
    lettered_on: date | None = None
    validated_on: date | None = None
    foreign_amount: Money | None = None
    currency: str = ""
    due_date: date | None = None
    source_row: int | None = None

    @property
    def amount(self) -> Decimal:
        """Signed amount: debit positive, credit negative."""
        return self.debit - self.credit

    @property
    def account_key(self) -> str:
        """The account lettering works on: auxiliary when present, else general."""
        return self.subledger_account or self.ledger_account

    @property
    def is_lettered(self) -> bool:
        return bool(self.lettering_code)


class EntryLine(_Model):
    ledger_account: str
    subledger_account: str = ""
    subledger_label: str = ""
    ledger_account_label: str = ""
    label: str = ""
    debit: Money = ZERO
    credit: Money = ZERO
    lettering_code: str = ""
    lettered_on: date | None = None
    due_date: date | None = None
    source_row: int | None = None

    @model_validator(mode="after")
    def _one_side(self) -> "EntryLine":
        if self.debit < 0 or self.credit < 0:
            raise ValueError("débit et crédit sont positifs ou nuls")
        if self.debit and self.credit:
            raise ValueError("une ligne porte un débit ou un crédit, pas les deux")
        return self


class Entry(_Model):
    """An accounting entry (écriture). ``is_balanced`` reports; the builder decides."""

    journal_code: str
    journal_label: str = ""
    entry_number: str = ""
    entry_date: date
    document_ref: str = ""
    document_date: date | None = None
    label: str = ""
    lines: tuple[EntryLine, ...]
    source_row: int | None = None

    @property
    def total_debit(self) -> Decimal:
        return sum((l.debit for l in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((l.credit for l in self.lines), ZERO)

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit and bool(self.lines)


class OpenItem(_Model):
    """An unlettered (or partly lettered) ledger line with the amount still open.

    ``open_amount`` is signed like ``LedgerLine.amount`` (debit positive).
    """

    line: LedgerLine
    open_amount: Money

    @property
    def account_key(self) -> str:
        return self.line.account_key

    @property
    def is_partial(self) -> bool:
        return self.open_amount != self.line.amount
