"""SEPA creditor identifier (ICS, EPC262-08) checked with ``stdnum.eu.at_02``.

French layout ``FRkkZZZnnnnnn`` (13 characters); check digits ISO 7064 MOD 97-10 on the
national part + country + ``00``, the business code ``ZZZ`` skipped (sepa.md S-I1…S-I3).

>>> check_ics("FR72ZZZ123456", journal="BQ1")
[]
>>> [a.code.value for a in check_ics("FR00ZZZ123456", journal="BQ1")]
['RULE_ICS_INVALID']
"""
from __future__ import annotations

from stdnum.eu import at_02
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from reglo.core.alerts import Alert, alert


def compact_ics(value: object) -> str:
    return at_02.compact(str(value or "")) if value else ""


def check_ics(value: object, *, journal: str, where: dict | None = None) -> list[Alert]:
    w = where or {}
    text = compact_ics(value)
    if not text:
        return [alert("RULE_ICS_MISSING", journal=journal, **w)]
    try:
        at_02.validate(text)
    except InvalidChecksum:
        return [alert("RULE_ICS_INVALID", journal=journal, value=text, reason="clé de contrôle incorrecte", **w)]
    except InvalidLength:
        return [alert("RULE_ICS_INVALID", journal=journal, value=text, reason="longueur incorrecte", **w)]
    except (InvalidFormat, ValidationError):
        return [alert("RULE_ICS_INVALID", journal=journal, value=text, reason="format incorrect", **w)]
    return []
