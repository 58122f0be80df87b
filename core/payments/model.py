"""Models of the customer-payments workflow (règlements clients).

``PaymentReference`` is what the checks need from the dossier: the sales invoices with
what is still open on them, the customers, the company's bank journals and the fiscal
year. The add-in builds it from the dossier and the payment register; tests build it by
hand. Every model is frozen (house style §2).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from core.models import PaymentMethod
from core.money import ZERO, Money

KIND = "customer_payments"
"""Kind of the batches this workflow records in the payment register."""

NO_JOB_SITE = ""
"""Job-site code of invoices issued without a job site (shown « (sans chantier) »)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OpenInvoice(_Model):
    """A sales invoice (facture de vente) and what has already been received on it."""

    invoice_number: str
    customer_code: str
    invoice_date: date | None = None
    due_date: date | None = None
    amount: Money  # TTC
    received: Money = ZERO  # already allocated by earlier imports (payment register)
    job_site_code: str = NO_JOB_SITE
    source_row: int | None = None

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.received


class Customer(_Model):
    code: str
    legal_name: str = ""
    control_account: str = "411000"
    default_bank_journal: str | None = None


class BankJournal(_Model):
    """One of the company's bank accounts, known by its journal code (BQ1…)."""

    journal_code: str
    ledger_account: str = "512000"
    label: str = ""


class JobSite(_Model):
    code: str
    label: str = ""
    customer_code: str = ""


class PriorImport(_Model):
    """Where an already-recorded payment key comes from (for the message)."""

    batch: int | str
    imported_on: str


class PaymentReference(_Model):
    """What the checks compare the rows with. Keys of the dicts are normalised codes."""

    invoices: dict[str, OpenInvoice]
    customers: dict[str, Customer] = Field(default_factory=dict)
    banks: dict[str, BankJournal] = Field(default_factory=dict)
    job_sites: dict[str, JobSite] = Field(default_factory=dict)
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None
    known_keys: dict[str, PriorImport] = Field(default_factory=dict)
    """Payment keys already recorded in the register (active batches)."""


class Payment(_Model):
    """A payment row that passed the blocking checks (one row = one invoice)."""

    payment_key: str
    payment_date: date
    invoice_number: str
    customer_code: str
    amount: Money
    method: PaymentMethod | None = None
    reference: str = ""
    bank_journal: str = ""
    job_site_code: str = NO_JOB_SITE  # the invoice's job site (the one the synthesis uses)
    comment: str = ""
    source: str = "excel"  # "excel" (template) or "fec" (accounting ledger)
    source_row: int | None = None


class Allocation(_Model):
    """What one payment did to its invoice."""

    payment: Payment
    applied: Money  # allocated to the invoice
    excess: Money = ZERO  # overpayment left as a credit to the customer
    open_before: Money
    open_after: Money

    @property
    def settles_invoice(self) -> bool:
        return self.open_after == ZERO and self.applied > ZERO

    @property
    def is_partial(self) -> bool:
        return self.open_after > ZERO


class RowStatus(StrEnum):
    OK = "OK"
    WARNING = "AVERTISSEMENT"
    BLOCKING = "BLOQUANT"
