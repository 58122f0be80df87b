"""The dossier: one company's reference data (contract in ``docs/dossier.md``).

A dossier holds the company (with its bank accounts), its third parties (tiers, with
their bank accounts and SEPA mandates), its job sites (chantiers) and the sales invoices
as issued by the invoicing tool. The ledger itself (the FEC) sits beside it and is read
column-wise by ``core.fec``. Models are frozen; money is ``Decimal``.
"""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, model_validator

from core.models import AccountKind, Company, Party
from core.money import Money


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class JobSite(_Model):
    """A job site (chantier) run for a customer."""

    code: str
    label: str
    customer_code: str
    town: str = ""
    source_row: int | None = None


class SalesInvoice(_Model):
    """A sales invoice (facture) or credit note (avoir, negative amounts) as issued.

    ``net + vat == gross`` always holds (checked).
    """

    invoice_number: str
    customer_code: str
    invoice_date: date
    due_date: date | None = None
    net: Money
    vat: Money
    gross: Money
    job_site_code: str | None = None
    source_row: int | None = None

    @model_validator(mode="after")
    def _totals(self) -> "SalesInvoice":
        if self.net + self.vat != self.gross:
            raise ValueError("montant HT + TVA doit être égal au montant TTC")
        return self

    @property
    def is_credit_note(self) -> bool:
        return self.gross < 0


class Dossier(_Model):
    """One company's reference data."""

    company: Company
    parties: tuple[Party, ...] = ()
    job_sites: tuple[JobSite, ...] = ()
    invoices: tuple[SalesInvoice, ...] = ()

    @property
    def customers(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.kind == AccountKind.CUSTOMER)

    @property
    def suppliers(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.kind == AccountKind.SUPPLIER)

    def party(self, code: str) -> Party | None:
        """The party with this code (auxiliary account), or None."""
        for p in self.parties:
            if p.code == code:
                return p
        return None

    def bank(self, journal_code: str):
        """The company bank account of a bank journal, or None."""
        for b in self.company.bank_accounts:
            if b.journal_code == journal_code:
                return b
        return None

    def invoice(self, number: str) -> SalesInvoice | None:
        for inv in self.invoices:
            if inv.invoice_number == number:
                return inv
        return None
