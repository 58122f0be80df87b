"""Receipts (encaissements) recorded by Reglo, invoices with their VAT breakdown, and the
tables of VAT codes / operation codes that map them to lines of the CA3 return (3310-CA3)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reglo.core.money import ZERO, Money


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReceiptSource(StrEnum):
    """Where a receipt was recorded (the receipt date follows from it, issue 15 item 5)."""

    PAYMENT_IMPORT = "Import des règlements"  # bank date of the payment
    DIRECT_DEBIT = "Prélèvement"  # collection date
    LCR = "LCR"  # due date
    LETTERING = "Lettrage"  # bank date of the lettered bank line


class Receipt(_Model):
    """One amount received from a customer (or the cancellation of one).

    ``amount`` is positive for a receipt; a cancellation (bank reject, un-validation)
    repeats the cancelled receipt with ``cancels`` set to its id.
    """

    receipt_id: str
    source: ReceiptSource
    party_code: str
    party_name: str = ""
    receipt_date: date
    amount: Money = Field(gt=ZERO)
    invoice_number: str = ""  # the invoice it settles ("" when unknown)
    is_lettered: bool = False
    invoice_date: date | None = None  # when the source knows it (lettering: PieceDate of the invoice line); the ledger's wins
    partial: bool | None = None  # when the source knows it (lettering: partial group or less than the invoice); else from the amounts
    cancels: str | None = None
    source_row: int | None = None


class VatLine(_Model):
    """One VAT rate of an invoice (from the ledger: 706/707… base and 44571… VAT)."""

    vat_code: str  # e.g. "TN" (20 %)
    base: Money  # montant HT
    vat: Money  # TVA

    @property
    def total(self) -> Decimal:
        return self.base + self.vat


class Invoice(_Model):
    """A sales invoice with its VAT breakdown, as found in the ledger."""

    invoice_number: str
    party_code: str
    invoice_date: date | None = None
    operation_code: str = "A1"  # default operation code of its lines
    lines: tuple[VatLine, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((l.total for l in self.lines), ZERO)


class VatCode(_Model):
    """A VAT code of the dossier: its rate and the CA3 line where its base and tax go."""

    code: str
    label: str
    rate: Decimal  # percent, e.g. Decimal("20")
    ca3_line: str  # cadre B line, e.g. "08"


class OperationCode(_Model):
    """An operation code: the cadre A line of the CA3 (montant des opérations réalisées)."""

    code: str
    label: str
    ca3_line: str  # e.g. "A1"


# Default tables (form 3310-CA3, régime réel normal; the dossier can replace them).
# Cadre B lines of the taxes due in metropolitan France (08, 09, 9B) and in the DOM (10, 11).
DEFAULT_VAT_CODES: tuple[VatCode, ...] = (
    VatCode(code="TN", label="Taux normal 20 %", rate=Decimal("20"), ca3_line="08"),
    VatCode(code="TR", label="Taux réduit 5,5 %", rate=Decimal("5.5"), ca3_line="09"),
    VatCode(code="TI", label="Taux intermédiaire 10 %", rate=Decimal("10"), ca3_line="9B"),
    VatCode(code="DN", label="DOM taux normal 8,5 %", rate=Decimal("8.5"), ca3_line="10"),
    VatCode(code="DR", label="DOM taux réduit 2,1 %", rate=Decimal("2.1"), ca3_line="11"),
)
DEFAULT_OPERATION_CODES: tuple[OperationCode, ...] = (
    OperationCode(code="A1", label="Ventes, prestations de services", ca3_line="A1"),
    OperationCode(code="A2", label="Autres opérations imposables", ca3_line="A2"),
)


class ManualAllocationLine(_Model):
    """One line of « Encaissement - Saisie TVA »: an amount including VAT on a code pair."""

    operation_code: str
    vat_code: str
    amount: Money  # TTC
    source_row: int | None = None


class ManualAllocation(_Model):
    """The distribution typed by the user for one receipt (lines until the remainder is 0)."""

    receipt_id: str
    lines: tuple[ManualAllocationLine, ...]
