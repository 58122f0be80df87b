"""Shared fixtures of the transfers tests: a tiny ledger, suppliers, parameters."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from reglo.core.entries import entries_to_frame
from reglo.core.ledger import from_lines
from reglo.core.models import AccountKind, BankAccount, LedgerLine, Party, PostalAddress
from reglo.core.transfers import TransferParameters

# IBAN of the ECBS/Banque de France worked example (RIB 30006 00001 12345678901 key 89).
IBAN_F001 = "FR7630006000011234567890189"
# Example IBAN used in schwifty/stdnum docs for Germany (Commerzbank, BIC COBADEFFXXX).
IBAN_F002 = "DE89370400440532013000"
DEBTOR_IBAN = "FR1420041010050500013M02606"  # La Banque Postale example IBAN (public test data)


def d(s: str) -> date:
    return date.fromisoformat(s)


def invoice(entry: str, account: str, ref: str, amount: str, due: str, *, day: str = "2023-03-01", journal: str = "AC", name: str = "Fournisseur") -> list[LedgerLine]:
    amt = Decimal(amount)
    return [
        LedgerLine(journal_code=journal, entry_number=entry, entry_date=d(day), ledger_account="401000", subledger_account=account, subledger_label=name, document_ref=ref, label=f"Facture {ref}", credit=amt, due_date=d(due)),
        LedgerLine(journal_code=journal, entry_number=entry, entry_date=d(day), ledger_account="607000", document_ref=ref, label=f"Facture {ref}", debit=amt),
    ]


def debit(entry: str, account: str, ref: str, amount: str, *, day: str = "2023-02-15", journal: str = "BQ1", name: str = "Fournisseur") -> list[LedgerLine]:
    amt = Decimal(amount)
    return [
        LedgerLine(journal_code=journal, entry_number=entry, entry_date=d(day), ledger_account="401000", subledger_account=account, subledger_label=name, document_ref=ref, label=f"Acompte {ref}", debit=amt),
        LedgerLine(journal_code=journal, entry_number=entry, entry_date=d(day), ledger_account="512000", document_ref=ref, label=f"Acompte {ref}", credit=amt),
    ]


def ledger(*groups: list[LedgerLine]) -> pd.DataFrame:
    lines = [l for g in groups for l in g]
    return from_lines([l.model_copy(update={"source_row": i + 2}) for i, l in enumerate(lines)])


def book(frame: pd.DataFrame, entries) -> pd.DataFrame:
    """The ledger after the accountant imported Reglo's entries."""
    extra = entries_to_frame(entries)
    extra["source_row"] = range(len(frame) + 2, len(frame) + 2 + len(extra))
    return pd.concat([frame, extra], ignore_index=True)


def party(code: str, name: str, iban: str | None, *, bic: str | None = None, town: str = "Lyon", country: str = "FR") -> Party:
    # model_construct: the dossier may hold a wrong IBAN (its loader reports it); the rules must too
    accounts = (BankAccount.model_construct(iban=iban, bic=bic, label=""),) if iban else ()
    return Party(code=code, kind=AccountKind.SUPPLIER, legal_name=name, control_account="401000", address=PostalAddress(street="12 rue de la République", postcode="69002", town=town, country=country), bank_accounts=accounts)


PARTIES = {
    "F001": party("F001", "Matériaux Rhône-Alpes SARL", IBAN_F001),
    "F002": party("F002", "Bauwerk GmbH", IBAN_F002, bic="COBADEFFXXX", town="Berlin", country="DE"),
}


def params(**kw) -> TransferParameters:
    base = dict(
        period_start=d("2023-03-01"),
        period_end=d("2023-03-31"),
        journals=("AC",),
        import_debits=True,
        fiscal_year_start=d("2023-01-01"),
        fiscal_year_end=d("2023-12-31"),
        debtor_name="Bâtiments Durand & Fils",
        debtor_iban=DEBTOR_IBAN,
        debtor_bic="PSSTFRPPXXX",
        debtor_address=PostalAddress(street="3 place Bellecour", postcode="69002", town="Lyon", country="FR"),
        initiating_party_id="552100554",
        requested_execution_date=d("2023-03-31"),
    )
    base.update(kw)
    return TransferParameters(**base)
