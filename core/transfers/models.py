"""Models of the supplier transfers workflow (virements fournisseurs).

``TransferParameters`` come from the « Paramètres virements » sheet; ``PreviewLine`` is
one line of the « Prévisualisation virements » sheet (an unlettered ledger line to pay,
or an unlettered debit shown negative); ``PaidAllocation`` is one line of a transfer
file recorded in the payment register (given to ``core`` as plain data).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reglo.core.models import PostalAddress
from reglo.core.money import ZERO, Money
from reglo.core.writers.pain001 import DEFAULT_VERSION


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LineKind(StrEnum):
    INVOICE = "Facture"  # unlettered credit line (what we owe)
    DEBIT = "Débit"  # unlettered debit line (deposit, credit note, partial payment), shown negative


class TransferParameters(_Model):
    """What « Importer » and « Générer le fichier » need (one per workbook)."""

    period_start: date
    period_end: date
    journals: tuple[str, ...] = ()  # journals whose credit lines count; empty = all
    supplier_roots: tuple[str, ...] = ("401",)
    other_roots: tuple[str, ...] = ()  # « Racines des comptes (autres que fournisseurs) », e.g. 421, 467
    import_debits: bool = False  # « Importer les débits non lettrés »
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None
    debtor_name: str = ""
    debtor_iban: str = ""
    debtor_bic: str = ""
    debtor_address: PostalAddress = PostalAddress()
    initiating_party_id: str = ""  # SIREN or bank-given id (S-I4)
    bank_journal: str = "BQ1"
    bank_account: str = "512000"
    requested_execution_date: date | None = None
    batch_booking: bool = True  # remise globale (True) / unitaire (False)
    version: str = DEFAULT_VERSION

    @property
    def roots(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.supplier_roots + self.other_roots))


class PaidAllocation(_Model):
    """One register line of an active transfer file: what it paid (or consumed) on an item.

    ``amount_cents`` is signed like the preview: positive for an invoice settled, negative
    for a debit line consumed inside a group.
    """

    batch_id: int
    item_key: str
    amount_cents: int
    end_to_end_id: str
    file_name: str = ""
    created_on: date | None = None


class PreviewLine(_Model):
    """One line of the preview (and of the hidden import snapshot)."""

    line_no: int  # « Ligne »: 1..n in import order
    key: str  # stable identity of the ledger line (register item_key)
    beneficiary: str  # account key: auxiliary account, else general account
    beneficiary_name: str = ""
    ledger_account: str
    journal_code: str
    entry_number: str
    entry_date: date
    document_ref: str = ""
    label: str = ""
    due_date: date | None = None
    kind: LineKind
    original_amount: Money  # signed ledger amount: invoice > 0, debit < 0
    open_amount: Money  # « Reste à payer »: what is still due after the register (same sign)
    amount: Money  # « Montant »: what this transfer pays (edited by the user)
    selected: bool = True
    group: str = ""
    currency: str = ""
    paid_before_cents: int = 0  # register allocations counted at import time
    source_row: int | None = None  # ledger (FEC) line
    excel_row: int | None = None  # preview row, once read back

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    @property
    def is_edited(self) -> bool:
        return self.amount != self.open_amount


class ImportResult(_Model):
    lines: tuple[PreviewLine, ...]
    alerts: tuple = ()


class PlannedTransfer(_Model):
    """One transfer of the file: one beneficiary, one group (or one ungrouped line)."""

    end_to_end_id: str
    beneficiary: str
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None = None
    creditor_address: PostalAddress | None = None
    ledger_account: str
    amount: Money
    remittance_info: str = ""
    creditor_reference: str | None = None
    lines: tuple[PreviewLine, ...]
    lettering_code: str = ""  # set when the transfer settles its lines in full

    @property
    def document_refs(self) -> tuple[str, ...]:
        return tuple(sorted({l.document_ref for l in self.lines if l.document_ref}))

    @property
    def settles_in_full(self) -> bool:
        return all(l.amount == l.original_amount and l.paid_before_cents == 0 for l in self.lines)


def total(lines) -> Decimal:
    return sum((l.amount for l in lines), ZERO)


__all__ = ["LineKind", "TransferParameters", "PaidAllocation", "PreviewLine", "ImportResult", "PlannedTransfer", "Field", "total"]
