"""Step 1 from the dossier's ledger: the open supplier items are the unlettered credit lines of
the supplier accounts (401 by default) of the dossier FEC.

Each item's key is the ledger line key the supplier-transfers workflow uses
(``reglo.core.transfers.selection.line_keys``: journal|entry|account|piece|side+cents), so
that the register's already-paid check and the reservations of an open run are shared by both
workflows; a line a transfer file paid in part then comes with what is left of it
(``reglo.core.disbursement.remainder``, applied by the shell at « Démarrer »). The supplier is the auxiliary account (else the general account); its payment
method in the dossier's « Tiers » gives the item's circuit state (« Virement » → A10,
« Chèque » → C10, « LCR » → L10); a line in another currency is an item in that currency
(« Montantdevise »), with its euro amount as the main amount.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd

from reglo.core.disbursement.models import CompanyBank, Item, Supplier
from reglo.core.ledger import as_date
from reglo.core.models import CompanyBankAccount, Party, PaymentMethod
from reglo.core.money import cents_to_money
from reglo.core.transfers.selection import line_keys

STATE_OF_METHOD = {PaymentMethod.CREDIT_TRANSFER: "A10", PaymentMethod.CHEQUE: "C10", PaymentMethod.LCR: "L10"}
DEFAULT_STATE = "A10"


def items_from_ledger(frame: pd.DataFrame, parties: Mapping[str, Party] | None = None, *, roots: Iterable[str] = ("401",)) -> list[Item]:
    """The unlettered credit lines of the ``roots`` accounts as items (the ledger frame has the
    columns of ``reglo.core.ledger.COLUMNS``, amounts in cents)."""
    parties = parties or {}
    roots = tuple(roots)
    base = frame[frame["ledger_account"].str.startswith(roots) & (frame["lettering_code"].str.strip() == "")]
    if base.empty:
        return []
    base = base.assign(key=line_keys(base), net=base["credit"] - base["debit"])
    base = base[base["net"] > 0]
    out: list[Item] = []
    for r in base.to_dict("records"):
        who = r["subledger_account"] or r["ledger_account"]
        party = parties.get(who)
        entry = as_date(r["entry_date"]) or date(1900, 1, 1)
        issued = as_date(r["document_date"]) or entry
        due = as_date(r.get("due_date")) or issued
        euros = cents_to_money(int(r["net"]))
        currency = (r.get("currency") or "").strip().upper() or "EUR"
        foreign = r.get("foreign_amount")
        if currency != "EUR" and foreign is not None and not pd.isna(foreign) and int(foreign):
            amount, main = cents_to_money(abs(int(foreign))), euros
        else:
            currency, amount, main = "EUR", euros, None
        state = STATE_OF_METHOD.get(party.payment_method, DEFAULT_STATE) if party is not None and party.payment_method else DEFAULT_STATE
        bank = party.main_bank_account if party is not None else None
        out.append(Item(
            key=r["key"], supplier=who, document_ref=r["document_ref"], label=r["label"], issue_date=issued, due_date=due, amount=amount, main_amount=main,
            currency=currency, state=state, iban=str(bank.iban) if bank is not None and bank.iban else "", bic=str(bank.bic or "") if bank is not None else "",
            source_row=int(r["source_row"]) if r.get("source_row") is not None and not pd.isna(r.get("source_row")) else None,
        ))
    return out


def suppliers_from_parties(parties: Mapping[str, Party], codes: Iterable[str], labels: Mapping[str, str] | None = None) -> list[Supplier]:
    """A supplier record for each code: from the dossier's « Tiers » when known, else its ledger label."""
    labels = labels or {}
    out = []
    for code in dict.fromkeys(codes):
        p = parties.get(code)
        if p is None:
            out.append(Supplier(code=code, name=labels.get(code, "")))
            continue
        bank = p.main_bank_account
        out.append(Supplier(code=code, name=p.legal_name, priority=p.priority, head_office=p.head_office_code or "", default_bank=p.default_bank_journal or "",
                            control_account=p.control_account or "401", iban=str(bank.iban) if bank is not None and bank.iban else "",
                            bic=str(bank.bic or "") if bank is not None else ""))
    return out


def banks_from_company(accounts: Iterable[CompanyBankAccount]) -> list[CompanyBank]:
    """The company's bank accounts (one per bank journal) as issuing banks, coded by journal."""
    return [CompanyBank(code=a.journal_code, label=a.label, journal_code=a.journal_code, ledger_account=a.ledger_account, iban=str(a.iban), bic=str(a.bic or "")) for a in accounts]


__all__ = ["items_from_ledger", "suppliers_from_parties", "banks_from_company", "STATE_OF_METHOD"]
