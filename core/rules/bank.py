"""Bank-detail rules: IBAN, BIC, French RIB key, SEPA reach, company bank completeness.

schwifty checks the IBAN structure and mod-97 digits; ``validate_bban=True`` adds the
national checksum, which for FR / MC IBANs is the RIB key (sepa.md S-B2: without it,
``FR5430006000011234567890100`` passes). A BIC is optional inside the EEA and required for a
bank of a non-EEA SEPA country (S-B4).

>>> from reglo.core.rules.bank import check_account
>>> check_account("FR7630006000011234567890189", None, who="Client C1")[2]
[]
>>> [a.code.value for a in check_account("FR5430006000011234567890100", None, who="Client C1")[2]]
['RULE_RIB_KEY']
"""
from __future__ import annotations

from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidBBANChecksum, SchwiftyException

from reglo.core.alerts import Alert, alert
from reglo.core.banking import _reason
from reglo.core.rules import where_party, who_party

# EU 27 + Iceland, Liechtenstein, Norway; French overseas use FR IBANs (sepa.md S-B4, S-B7)
EEA = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO".split()) | frozenset(
    "GF GP MQ RE YT PM BL MF".split())
SEPA = EEA | frozenset("AD CH GB GI MC SM VA".split())


def compact(value: Any) -> str:
    return "".join(str(value or "").split()).upper()


def check_account(iban: Any, bic: Any, *, who: str, where: dict | None = None) -> tuple[str | None, str | None, list[Alert]]:
    """Validate one bank account. Returns (compact IBAN or None, BIC or None, alerts)."""
    w = where or {}
    text = compact(iban)
    if not text:
        return None, None, [alert("RULE_IBAN_MISSING", who=who, **{**w, "column": "IBAN"} if w else {})]
    try:
        parsed = IBAN(text, validate_bban=True)
    except InvalidBBANChecksum:
        code = "RULE_RIB_KEY" if text[:2] in ("FR", "MC") else "RULE_IBAN_INVALID"
        return None, None, [alert(code, who=who, value=text, reason="clé nationale incorrecte", **_col(w, "IBAN"))]
    except SchwiftyException as exc:
        return None, None, [alert("RULE_IBAN_INVALID", who=who, value=text, reason=_reason(exc), **_col(w, "IBAN"))]
    if parsed.country_code not in SEPA:
        return None, None, [alert("RULE_IBAN_NOT_SEPA", who=who, value=text, **_col(w, "IBAN"))]
    bic_text = compact(bic)
    if bic_text:
        try:
            BIC(bic_text)
        except SchwiftyException as exc:
            return str(parsed.compact), None, [alert("RULE_BIC_INVALID", who=who, value=bic_text, reason=_reason(exc), **_col(w, "BIC"))]
    elif parsed.country_code not in EEA:
        return str(parsed.compact), None, [alert("RULE_BIC_REQUIRED", who=who, country=parsed.country_code, **_col(w, "BIC"))]
    return str(parsed.compact), bic_text or None, []


def _col(w: dict, column: str) -> dict:
    return {**w, "column": column} if w else {}


def check_party_bank(party) -> list[Alert]:
    """The party's default bank account (first of ``bank_accounts``): present and valid."""
    account = party.main_bank_account
    if account is None:
        return [alert("RULE_IBAN_MISSING", who=who_party(party), **where_party(party, "IBAN"))]
    return check_account(str(account.iban), str(account.bic) if account.bic else None, who=who_party(party), where=where_party(party))[2]


def check_company_bank(bank, *, for_debits: bool = False) -> list[Alert]:
    """A company bank (``CompanyBankAccount``): journal, ledger account, IBAN, BIC, and the
    ICS when it is to collect direct debits."""
    from reglo.core.rules.ics import check_ics

    where = {"sheet": "Banques", "row": getattr(bank, "source_row", None)}
    missing = [name for name, value in (("journal", bank.journal_code), ("compte 512", bank.ledger_account), ("IBAN", str(bank.iban or ""))) if not value]
    alerts: list[Alert] = []
    if missing:
        alerts.append(alert("RULE_BANK_INCOMPLETE", journal=bank.journal_code or "?", missing=", ".join(missing), **where))
    if bank.iban:
        alerts += check_account(str(bank.iban), str(bank.bic) if bank.bic else None, who=f"Banque du dossier {bank.journal_code}", where=where)[2]
    if for_debits:
        alerts += check_ics(bank.creditor_id, journal=bank.journal_code, where={**where, "column": "ICS"})
    return alerts
