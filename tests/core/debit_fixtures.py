"""Shared fixtures of the direct-debit tests: a small dossier, its ledger, workbook tables."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from reglo.core.debits.allocation import open_invoices
from reglo.core.debits.models import Assignment, ForcedAmount, Instalment, Mode
from reglo.core.debits.tables import read_options
from reglo.core.debits.usecases import DebitInputs
from reglo.core.dossier import Dossier
from reglo.core.ledger import from_lines
from reglo.core.models import (
    AccountKind,
    BankAccount,
    Company,
    CompanyBankAccount,
    LedgerLine,
    Mandate,
    Party,
    PaymentMethod,
    PostalAddress,
    SequenceType,
)
from reglo.core.outcome import BatchDraft
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot

ICS = "FR72ZZZ123456"
BANK_IBAN = "FR7630006000011234567890189"  # RIB 30006 00001 12345678901 key 89
IBAN_C001 = "FR1420041010050500013M02606"  # La Banque Postale example
IBAN_C001_SAME_BANK = "FR7620041010050500013M02609"  # another account at the same bank (20041), computed below
IBAN_OTHER_BANK = "FR7630004000031234567890143"  # BNP example (30004)
IBAN_C002 = "DE89370400440532013000"
NOW = datetime(2023, 8, 10, 9, 30, 0)


def _fr_iban(bank: str, branch: str, account: str) -> str:
    from reglo.core.banking import rib_key

    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account)}"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    return f"FR{98 - int(digits) % 97:02d}{bban}"


IBAN_C001_SAME_BANK = _fr_iban("20041", "01005", "0500013M027")
IBAN_OTHER_BANK = _fr_iban("30004", "00003", "12345678901")
IBAN_C003 = _fr_iban("10278", "08000", "00020304501")


def company(*, ics: str | None = ICS, address: PostalAddress | None = None, bic: str | None = "AGRIFRPPXXX") -> Company:
    bank = CompanyBankAccount.model_construct(journal_code="BQ1", label="Crédit Agricole", ledger_account="512100", iban=BANK_IBAN, bic=bic,
                                              creditor_id=ics, daily_limit=None, source_row=2)
    return Company(legal_name="Bâtiments Dupré & Fils", siren="732829320", address=address or PostalAddress(street="3 place Bellecour", postcode="69002", town="Lyon"),
                   fiscal_year_start=date(2023, 1, 1), fiscal_year_end=date(2023, 12, 31), bank_accounts=(bank,))


def customer(code: str, name: str, iban: str | None, *, mandates=(), method=PaymentMethod.DIRECT_DEBIT, bank="BQ1", bic=None,
             address: PostalAddress | None = None, row: int = 2) -> Party:
    accounts = (BankAccount.model_construct(iban=iban, bic=bic, label=""),) if iban else ()
    return Party(code=code, kind=AccountKind.CUSTOMER, legal_name=name, control_account="411000",
                 address=address or PostalAddress(street="12 rue de la République", postcode="69002", town="Lyon"),
                 bank_accounts=accounts, default_bank_journal=bank, payment_method=method, mandates=tuple(mandates), email=f"{code.lower()}@example.fr", source_row=row)


def mandate(rum: str, signed: str = "2023-01-10", *, seq=SequenceType.FIRST, scheme="CORE", iban: str | None = None) -> Mandate:
    return Mandate.model_construct(mandate_id=rum, signed_on=date.fromisoformat(signed), sequence_type=seq, scheme=scheme, iban=iban, revoked_on=None, source_row=2)


def dossier(*parties: Party, **kw) -> Dossier:
    return Dossier(company=company(**kw), parties=parties or default_parties())


def default_parties() -> tuple[Party, ...]:
    return (
        customer("C001", "Dupont Immobilier", IBAN_C001, mandates=[mandate("RUM-C001")], row=2),
        customer("C002", "Müller Bau GmbH", IBAN_C002, bic="COBADEFFXXX", mandates=[mandate("RUM-C002", "2022-11-02")], row=3),
        customer("C003", "Martin SARL", IBAN_C003, method=PaymentMethod.CHEQUE, row=4),
    )


def sale(entry: str, account: str, ref: str, amount: str, day: str, *, name: str = "Client", control: str = "411000") -> list[LedgerLine]:
    amt = Decimal(amount)
    d = date.fromisoformat(day)
    side = {"debit": amt} if amt > 0 else {"credit": -amt}
    other = {"credit": amt} if amt > 0 else {"debit": -amt}
    return [
        LedgerLine(journal_code="VT", entry_number=entry, entry_date=d, ledger_account=control, subledger_account=account, subledger_label=name,
                   document_ref=ref, label=f"Facture {ref}", **side),
        LedgerLine(journal_code="VT", entry_number=entry, entry_date=d, ledger_account="706000", document_ref=ref, label=f"Facture {ref}", **other),
    ]


def ledger(*groups) -> pd.DataFrame:
    lines = [l for g in groups for l in g]
    return from_lines([l.model_copy(update={"source_row": i + 2}) for i, l in enumerate(lines)])


def default_ledger() -> pd.DataFrame:
    return ledger(
        sale("1", "C001", "FA-101", "6000.00", "2023-06-05", name="Dupont Immobilier"),
        sale("2", "C001", "FA-102", "1200.00", "2023-07-03", name="Dupont Immobilier"),
        sale("3", "C002", "FA-103", "850.40", "2023-07-12", name="Muller Bau"),
        sale("4", "C003", "FA-104", "300.00", "2023-07-20", name="Martin SARL"),
    )


# the fixture bank accepts files 30 days ahead (S-D8: 14 by default): the collection of 28/08 is
# generated on 10/08 so that the pre-notification leaves the debtor 14 days (S-D7)
OPTIONS = {"Affectation des prélèvements": "Oui", "Banque dossier": "BQ1", "Date de prélèvement": "2023-08-28", "Horizon de la banque (jours)": 30}


def inputs(frame: pd.DataFrame | None = None, *, options: dict | None = None, schedules=None, assignments=None, forced=None) -> DebitInputs:
    frame = default_ledger() if frame is None else frame
    opts = read_options({k: (None, v) for k, v in {**OPTIONS, **(options or {})}.items()})
    return DebitInputs(invoices=tuple(open_invoices(frame)), options=opts, schedules=schedules or {}, assignments=assignments or {}, forced=forced or {})


def key_of(inp: DebitInputs, ref: str) -> str:
    return next(i.key for i in inp.invoices if i.document_ref == ref)


def snapshot_with(*drafts: BatchDraft, status: str = "committed") -> RegisterSnapshot:
    """A register snapshot holding ``drafts`` as committed batches (what the store would show)."""
    batches = []
    for n, d in enumerate(drafts, start=1):
        batches.append(BatchState(id=n, kind=d.kind, reference=d.reference, status=status, is_test=d.is_test, created_at=NOW,
                                  lines=tuple(LineState(**l.model_dump()) for l in d.lines), meta=d.meta))
    return RegisterSnapshot(batches=tuple(batches))
