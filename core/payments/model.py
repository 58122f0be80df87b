"""Models of the customer-payments workflow (règlements clients).

``PaymentReference`` is what the checks need from the dossier: the sales invoices with
what is still open on them, the customers, the company's bank journals and the fiscal
year. The add-in builds it from the dossier and the payment register; tests build it by
hand. Every model is frozen (house style §2).

The per-row value objects (``OpenInvoice``, ``Payment``, ``Allocation``) and the
reference are frozen, slotted dataclasses rather than pydantic models: a 50,000-row sheet
builds 150,000 of them and pydantic construction (even ``model_construct``) cost seconds
there. Their values are validated where they are made (``reglo.core.payments.ingest`` for user
input, the validated ``reglo.core.dossier`` models for invoices), so nothing is lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reglo.core.models import PaymentMethod
from reglo.core.money import ZERO

KIND = "customer_payments"
"""Kind of the batches this workflow records in the payment register."""

NO_JOB_SITE = ""
"""Job-site code of invoices issued without a job site (shown « (sans chantier) »)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """A sales invoice (facture de vente) and what has already been received on it."""

    invoice_number: str
    customer_code: str
    amount: Decimal  # TTC, 2 places
    invoice_date: date | None = None
    due_date: date | None = None
    received: Decimal = ZERO  # already allocated by earlier imports (payment register)
    job_site_code: str = NO_JOB_SITE
    source_row: int | None = None
    ledger_open: Decimal | None = None  # open in the accounting ledger (411 lines); None: not known
    settled_code: str = ""  # lettering code settling it in the ledger (when ledger_open == 0)
    settled_on: date | None = None  # date of that lettering (else of the last settling line)

    @property
    def open_amount(self) -> Decimal:
        """TTC minus what the register allocated, never more than the ledger still shows open."""
        own = self.amount - self.received
        return own if self.ledger_open is None else min(own, self.ledger_open)

    @property
    def settled_in_ledger(self) -> bool:
        return self.ledger_open is not None and self.ledger_open <= ZERO and self.amount > ZERO


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


@dataclass(frozen=True, slots=True)
class PaymentReference:
    """What the checks compare the rows with. Keys of the dicts are normalised codes."""

    invoices: dict[str, OpenInvoice]
    customers: dict[str, Customer] = field(default_factory=dict)
    banks: dict[str, BankJournal] = field(default_factory=dict)
    job_sites: dict[str, JobSite] = field(default_factory=dict)
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None
    known_keys: dict[str, PriorImport] = field(default_factory=dict)
    """Payment keys already recorded in the register (active batches)."""
    known_amounts: dict[str, list[PriorImport]] = field(default_factory=dict)
    """Register payments by ``customer|invoice|cents`` whatever their date (a payment typed
    in the template and later read from the ledger with its bank date)."""


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment row that passed the blocking checks (one row = one invoice)."""

    payment_key: str
    payment_date: date
    invoice_number: str
    customer_code: str
    amount: Decimal  # > 0, 2 places
    method: PaymentMethod | None = None
    reference: str = ""
    bank_journal: str = ""
    job_site_code: str = NO_JOB_SITE  # the invoice's job site (the one the synthesis uses)
    comment: str = ""
    source: str = "excel"  # "excel" (template) or "fec" (accounting ledger)
    source_row: int | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """What one payment did to its invoice: ``applied + excess == payment.amount``."""

    payment: Payment
    applied: Decimal  # allocated to the invoice
    excess: Decimal  # overpayment left as a credit to the customer
    open_before: Decimal
    open_after: Decimal

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
    IMPORTED = "IMPORTÉ"  # already in the register (« Importé le … (lot n) »): nothing to do, not an error
