"""Models of the LCR workflow: the generation options, the drawer (cédant), the invoices a
bill settles, and one row of the « Gestion des LCR » sheet (one bill per customer)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from reglo.core.money import ZERO, Money
from reglo.core.writers.cfonb160 import DEFAULT_LINE_ENDING, AcceptanceCode, CollectionOption, DaillyCode


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LcrParams(_Model):
    """Options of the generation window in mode « LCR magnétique »."""

    remittance_date: date  # date de remise (header C2), also the date of the treasury entry
    remittance_ref: str  # référence de la remise (header G1, 11 characters)
    journal_code: str  # journal de trésorerie of the drawer's bank
    collection_option: CollectionOption = CollectionOption.COLLECTION  # Code entrée
    dailly_code: DaillyCode = DaillyCode.NONE  # Code Dailly
    convention_type: str = ""  # type de convention (Dailly), header C1
    value_date: date | None = None  # required for code entrée 1 and 2 only
    line_ending: str = DEFAULT_LINE_ENDING  # bank setting: "CRLF" or "AUCUN"
    group_entries: bool = True  # « Regrouper les LCR dans l'écriture comptable »
    lettering: bool = False  # « Lettrage » (N and N+1)
    counterparty_label: str = ""  # ≤ 31 characters, dynamic fields {DATE} {JOUR} …
    # PCG: 5113 effets à l'encaissement (code entrée 3/4), 5114 effets à l'escompte (1/2)
    collection_account: str = "511300"
    discount_account: str = "511400"

    @property
    def remittance_account(self) -> str:
        return self.discount_account if self.collection_option.is_discount else self.collection_account


class Drawer(_Model):
    """The company drawing the bills (tireur / cédant) and the bank account it remits to."""

    legal_name: str
    siren: str = ""
    bank_name: str = ""
    iban: str


class LcrInvoice(_Model):
    """One invoice (or instalment) settled by a bill."""

    document_ref: str
    document_date: date | None = None
    due_date: date | None = None
    amount: Money
    label: str = ""
    source_row: int | None = None
    key: str = ""  # stable ledger line key (``reglo.core.transfers.selection.line_keys``) when known


class LcrRow(_Model):
    """One row of « Gestion des LCR »: one bill drawn on one customer.

    Dates and acceptance are editable; the references are checked when read back.
    """

    party_code: str  # compte auxiliaire
    party_name: str
    control_account: str = "411000"
    account_label: str = ""  # libellé du compte client ({LIBELLE_COMPTE})
    iban: str = ""
    bank_name: str = ""  # domiciliation
    siren: str = ""
    amount: Money
    currency: str = "EUR"
    creation_date: date
    due_date: date
    acceptance: AcceptanceCode = AcceptanceCode.ACCEPTED  # « Accept. »: 1 by default (seed)
    drawee_ref: str = ""  # Réf. Tiré (raw, as typed)
    drawer_ref: str = ""  # Réf. Tireur (raw, as typed)
    invoices: tuple[LcrInvoice, ...] = ()
    source_row: int | None = None

    @property
    def invoices_total(self) -> Decimal:
        return sum((i.amount for i in self.invoices), ZERO)


class LcrAllocation(_Model):
    """What the allocation step hands over: one invoice to collect by LCR for one customer."""

    party_code: str
    party_name: str
    control_account: str = "411000"
    account_label: str = ""
    iban: str = ""
    bank_name: str = ""
    siren: str = ""
    invoice: LcrInvoice
    currency: str = "EUR"
    source_row: int | None = None


class ManagementColumns:
    """Headers of « Gestion des LCR » (French, the contract with the sheet)."""

    ACCOUNT = "Compte"
    NAME = "Nom"
    IBAN = "IBAN"
    BANK = "Domiciliation"
    SIREN = "SIREN"
    AMOUNT = "Montant"
    CREATION = "Création"
    DUE = "Échéance"
    ACCEPTANCE = "Accept."
    DRAWEE_REF = "Réf. Tiré"
    DRAWER_REF = "Réf. Tireur"
    INVOICES = "Factures"

    ALL = (ACCOUNT, NAME, IBAN, BANK, SIREN, AMOUNT, CREATION, DUE, ACCEPTANCE, DRAWEE_REF, DRAWER_REF, INVOICES)
    EDITABLE = (CREATION, DUE, ACCEPTANCE, DRAWEE_REF, DRAWER_REF)


ACCEPTANCE_LABELS = {
    AcceptanceCode.NOT_ACCEPTED: "0 - Non acceptée",
    AcceptanceCode.ACCEPTED: "1 - Acceptée",
    AcceptanceCode.PROMISSORY_NOTE: "2 - Billet à ordre",
}
