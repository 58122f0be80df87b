"""Bank and company identifiers: IBAN, BIC, French RIB key, SEPA creditor id (ICS), SIREN.

IBAN/BIC come from schwifty, ICS and SIREN from python-stdnum (EPC262-08 for the ICS).
The French RIB key (clé RIB) is checked here because neither library does:
letters of the account number map to digits (A,J→1 … I,R,Z→9), then
``key = 97 − ((89 × bank + 15 × branch + 3 × account) mod 97)``.

>>> rib_key("30006", "00001", "12345678901")
'89'
"""
from __future__ import annotations

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren

from reglo.core.alerts import Alert, alert

_LETTER_DIGITS = {c: str(d) for d, letters in enumerate(("", "AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ")) for c in letters}


def rib_key(bank_code: str, branch_code: str, account_code: str) -> str:
    """Compute the 2-digit French RIB key of a bank / branch / account triple."""
    account = "".join(_LETTER_DIGITS.get(c, c) for c in account_code.upper())
    total = 89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account)
    return f"{97 - total % 97:02d}"


def compact_iban(value: str) -> str:
    return "".join(str(value).split()).upper()


def check_iban(value: object, *, sheet: str | None = None, row: int | None = None, column: str | None = "IBAN") -> tuple[IBAN | None, list[Alert]]:
    """Validate an IBAN (structure, mod 97, SEPA zone, French RIB key).

    Returns the parsed IBAN (or None when blocking) and the alerts.
    """
    where = {"sheet": sheet, "row": row, "column": column}
    text = compact_iban(value or "")
    if not text:
        return None, [alert("IBAN_MISSING", **where)]
    try:
        iban = IBAN(text)
    except SchwiftyException as exc:
        return None, [alert("IBAN_INVALID", reason=_reason(exc), value=text, **where)]
    alerts: list[Alert] = []
    if not iban.spec.in_sepa_zone:
        alerts.append(alert("IBAN_NOT_SEPA", value=iban.formatted, **where))
    if iban.country_code in ("FR", "MC"):
        bban = iban.bban
        expected = rib_key(bban[0:5], bban[5:10], bban[10:21])
        if bban[21:23] != expected:
            alerts.append(alert("RIB_KEY", value=iban.formatted, found=bban[21:23], expected=expected, **where))
    return (None if alerts else iban), alerts


def check_bic(value: object, iban: IBAN | None = None, *, sheet: str | None = None, row: int | None = None, column: str | None = "BIC") -> tuple[BIC | None, list[Alert]]:
    """Validate a BIC and, when an IBAN is given, that both belong to the same country/bank."""
    where = {"sheet": sheet, "row": row, "column": column}
    text = compact_iban(value or "")
    if not text:
        return None, []
    try:
        bic = BIC(text)
    except SchwiftyException as exc:
        return None, [alert("BIC_INVALID", value=text, reason=_reason(exc), **where)]
    if iban is not None:
        mismatch = bic.country_code != iban.country_code and not _same_zone(bic.country_code, iban.country_code)
        if not mismatch:
            try:
                known = iban.bic
            except SchwiftyException:
                known = None
            # Only contradict when the IBAN's bank is known to schwifty's registry
            # (when unsure, do not block: python-stdnum's principle).
            candidates = {str(b)[:6] for b in _bank_bics(iban)} if known else set()
            mismatch = bool(candidates) and str(bic)[:6] not in candidates
        if mismatch:
            return None, [alert("BIC_IBAN_MISMATCH", bic=str(bic), iban=iban.formatted, bic_country=bic.country_code, iban_country=iban.country_code, **where)]
    return bic, []


def _bank_bics(iban: IBAN) -> list[BIC]:
    try:
        return list(BIC.candidates_from_bank_code(iban.country_code, iban.bank_code))
    except (SchwiftyException, AttributeError, KeyError):
        return []


# French overseas / Monaco banks use FR BICs for MC/GP/RE... IBANs.
_FR_ZONE = {"FR", "MC", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"}


def _same_zone(a: str, b: str) -> bool:
    return a in _FR_ZONE and b in _FR_ZONE


def check_creditor_id(value: object, *, sheet: str | None = None, row: int | None = None, column: str | None = "ICS") -> list[Alert]:
    """Validate a SEPA creditor identifier (ICS, EPC262-08) with stdnum.eu.at_02."""
    text = str(value or "").strip()
    try:
        at_02.validate(text)
    except ValidationError as exc:
        return [alert("CREDITOR_ID_INVALID", value=text, reason=_reason(exc), sheet=sheet, row=row, column=column)]
    return []


def check_siren(value: object, *, sheet: str | None = None, row: int | None = None, column: str | None = "SIREN") -> list[Alert]:
    text = str(value or "").strip()
    if not stdnum_siren.is_valid(text):
        return [alert("SIREN_INVALID", value=text, sheet=sheet, row=row, column=column)]
    return []


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    return {
        "InvalidChecksumDigits": "clé de contrôle incorrecte",
        "InvalidLength": "longueur incorrecte",
        "InvalidStructure": "structure incorrecte",
        "InvalidCountryCode": "code pays inconnu",
        "InvalidBBANChecksum": "clé nationale incorrecte",
        "InvalidBankCode": "code banque inconnu",
        "InvalidAccountCode": "numéro de compte invalide",
        # python-stdnum's exceptions (ICS, SIREN…)
        "InvalidChecksum": "clé de contrôle incorrecte",
        "InvalidFormat": "format incorrect",
        "InvalidComponent": "élément invalide (code pays ou code activité)",
    }.get(name, "format non reconnu")  # never the library's English text
