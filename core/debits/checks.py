"""Checks before the allocation window opens (seed: « contrôle automatique des comptes clients »).

They reuse the dossier rules of ``reglo.core.rules`` (the ones « Contrôler le dossier » runs):

* blocking: incomplete bank details of a company bank to collect on, or of a customer to
  collect (invalid IBAN / RIB key / BIC); a company bank without a valid ICS; an address a
  non-EEA bank requires;
* warnings, the customer is left out: no third-party record, no default bank (no IBAN),
  several customer accounts under one third party, no valid mandate (missing, signed after
  the collection date, revoked, expired after 36 months unused, one-off already used);
* warning only: an address that does not meet the structured-address rule (it is not sent).

« Édition compte sans tiers » lists the customer accounts without a third party or a bank.
A customer « to collect » is one whose default mode is Prélèvement (payment method, or a
mandate on file).
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.debits.allocation import in_group, party_default_mode
from reglo.core.debits.models import BankSettings, Mode, OpenInvoice, SelectionOptions
from reglo.core.debits.sequence import mandate_history
from reglo.core.models import Mandate
from reglo.core.register_state import RegisterSnapshot
from reglo.core.rules import where_party, who_party
from reglo.core.rules.address import check_address
from reglo.core.rules.bank import check_company_bank, check_party_bank, compact
from reglo.core.rules.ics import compact_ics
from reglo.core.rules.mandates import check_mandate, check_mandate_ids, choose_mandate

NO_PARTY, NO_BANK, SEVERAL, NO_MANDATE, BAD_BANK = (
    "sans fiche tiers", "sans banque par défaut", "plusieurs comptes clients", "pas de mandat valide", "coordonnées bancaires invalides")


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    alerts: tuple[Alert, ...] = ()
    excluded: dict[str, str] = {}  # customer code → reason (French)
    without_party: tuple[tuple[str, str, str], ...] = ()  # (account, label, reason) for « Édition compte sans tiers »
    mandates: dict[str, Mandate] = {}  # customer code → mandate to collect under
    to_collect: tuple[str, ...] = ()

    @property
    def blocking(self) -> bool:
        return any(a.is_blocking for a in self.alerts)


def customers_in_scope(invoices: Sequence[OpenInvoice], dossier, options: SelectionOptions) -> list[str]:
    codes = {i.customer_code for i in invoices if in_group(i.customer_code, options)}
    if not options.skip_without_entries:
        codes |= {p.code for p in dossier.customers if in_group(p.code, options)}
    return sorted(codes)


def company_bank_of(dossier, journal: str | None):
    if not journal:
        return None
    return next((b for b in dossier.company.bank_accounts if b.journal_code == journal), None)


def check_before(invoices: Sequence[OpenInvoice], dossier, snapshot: RegisterSnapshot, *, options: SelectionOptions, collection_date: date,
                 settings: Mapping[str, BankSettings] | None = None, banks: Iterable[str] = (), codes: Iterable[str] | None = None,
                 force_collect: Iterable[str] = (), collect_bank: str | None = None) -> CheckResult:
    settings = settings or {}
    alerts: list[Alert] = []
    excluded: dict[str, str] = {}
    without: list[tuple[str, str, str]] = []
    mandates: dict[str, Mandate] = {}
    to_collect: list[str] = []
    accounts: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for inv in invoices:
        accounts.setdefault(inv.customer_code, set()).add(inv.ledger_account)
        labels.setdefault(inv.customer_code, inv.customer_label)
    used_banks = [b for b in banks if b]
    histories: dict[str, dict] = {}
    forced_codes = set(force_collect)
    scope = set(codes) if codes is not None else set(customers_in_scope(invoices, dossier, options))
    for code in sorted(scope | forced_codes):
        party = dossier.party(code)
        if party is None:
            alerts.append(alert("DEBIT_NO_PARTY", account=code, label=labels.get(code, "") or "sans libellé"))
            excluded[code] = NO_PARTY
            without.append((code, labels.get(code, ""), "Compte sans tiers"))
            continue
        if len(accounts.get(code, ())) > 1:
            alerts.append(alert("DEBIT_SEVERAL_ACCOUNTS", party=code, name=party.legal_name, accounts=", ".join(sorted(accounts[code])), **where_party(party)))
            excluded[code] = SEVERAL
            continue
        if party.main_bank_account is None:
            alerts.append(alert("DEBIT_NO_DEFAULT_BANK", who=who_party(party), **where_party(party, "IBAN")))
            excluded[code] = NO_BANK
            without.append((code, party.legal_name, "Tiers sans banque par défaut"))
            continue
        if party_default_mode(party) != Mode.DIRECT_DEBIT and code not in forced_codes:
            continue
        to_collect.append(code)
        bank_alerts = check_party_bank(party)
        alerts += bank_alerts
        if bank_alerts:
            excluded[code] = BAD_BANK
            continue
        journal = collect_bank or party.default_bank_journal or (used_banks[0] if used_banks else None)
        if journal and journal not in used_banks:
            used_banks.append(journal)
        bank = company_bank_of(dossier, journal)
        ics = compact_ics(bank.creditor_id) if bank is not None else ""
        if ics not in histories:
            histories[ics] = mandate_history(snapshot, ics)
        iban = compact(party.main_bank_account.iban)
        mandate = choose_mandate(party, iban)
        problems = check_mandate(party, mandate, collection_date=collection_date, history=histories[ics].get(mandate.mandate_id.casefold(), []) if mandate else [])
        alerts += problems
        if problems:
            excluded[code] = NO_MANDATE
            continue
        mandates[code] = mandate
        form = settings.get(journal).address_form if journal in settings else "structured"
        alerts += check_address(party.address, who=who_party(party), form=form, bank_country=iban[:2], where=where_party(party, "Ville"))
    alerts += check_mandate_ids(dossier.customers)
    seen: set[str] = set()
    for journal in used_banks:
        if journal in seen:
            continue
        seen.add(journal)
        bank = company_bank_of(dossier, journal)
        if bank is None:
            alerts.append(alert("DEBIT_NO_COMPANY_BANK", journal=journal, known=", ".join(b.journal_code for b in dossier.company.bank_accounts) or "aucune"))
            continue
        alerts += check_company_bank(bank, for_debits=True)
        form = settings.get(journal).address_form if journal in settings else "structured"
        alerts += check_address(dossier.company.address, who=f"Société {dossier.company.legal_name}", form=form, bank_country=compact(bank.iban)[:2],
                                where={"sheet": "Société"})
    return CheckResult(alerts=tuple(alerts), excluded=excluded, without_party=tuple(without), mandates=mandates, to_collect=tuple(to_collect))
