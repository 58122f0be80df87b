"""« Contrôler le dossier »: the dossier rules (bank details, RIB key, ICS, mandates,
structured postal addresses) run on a whole dossier, as ``reglo check dossier.xlsx`` does.

The same rule functions are what the direct-debit checks run before their window opens
(``reglo.core.debits.checks``): written once, reused.
"""
from __future__ import annotations

from datetime import date

from reglo.core.alerts import Alert
from reglo.core.rules import where_party, who_party
from reglo.core.rules.address import check_address
from reglo.core.rules.bank import check_company_bank, check_party_bank
from reglo.core.rules.mandates import check_mandate, check_mandate_ids


def check_dossier(dossier, *, today: date, address_form: str = "structured") -> list[Alert]:
    """Every dossier rule on ``dossier`` (``reglo.core.dossier.Dossier``), as of ``today``.

    A party with bank details is a SEPA party (paid or collected): its bank account and its
    postal address are checked; a party with mandates gets each mandate checked; the
    company's banks get their details and, when they have one, their ICS."""
    alerts: list[Alert] = []
    company = dossier.company
    alerts += check_address(company.address, who=f"Société {company.legal_name}", form=address_form,
                            where={"sheet": "Société", "row": None, "column": None})
    for bank in company.bank_accounts:
        alerts += check_company_bank(bank, for_debits=bool(bank.creditor_id))
    for party in dossier.parties:
        if party.bank_accounts:
            alerts += check_party_bank(party)
            alerts += check_address(party.address, who=who_party(party), form=address_form, where=where_party(party, "Ville"))
        for mandate in party.mandates:
            alerts += check_mandate(party, mandate, collection_date=today)
    alerts += check_mandate_ids(dossier.parties)
    return alerts
