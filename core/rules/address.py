"""The structured postal address rule in force since 15 November 2026 (sepa.md S-P1…S-P3).

A SEPA postal address is optional, but when any part is given, town (``TwnNm``) and country
(``Ctry``) must be structured fields; an address made of free lines only is rejected by the
banks. Each company bank sets the form it accepts (``AddressForm``):

* ``structured``: ``StrtNm``, ``PstCd``, ``TwnNm``, ``Ctry``;
* ``hybrid``: ``TwnNm`` and ``Ctry`` (``PstCd`` optional) plus the street as one ``AdrLine``;
* ``none``: no address is sent (allowed between EEA banks).

An address is required when the party's bank is outside the EEA (S-P1): then a missing or
non-structured address is blocking; otherwise it is a warning and the address is left out.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.models import PostalAddress
from reglo.core.rules.bank import EEA

AddressForm = Literal["structured", "hybrid", "none"]
ADDRESS_FORMS: tuple[str, ...] = ("structured", "hybrid", "none")
FORM_LABELS = {"structured": "Structurée", "hybrid": "Hybride", "none": "Aucune"}
LIMITS = (("street", "rue", 70), ("postcode", "code postal", 16), ("town", "ville", 35))


class SepaAddress(BaseModel):
    """The address fields to write, in XSD order (already cut to their lengths)."""

    model_config = ConfigDict(frozen=True)

    street: str = ""  # StrtNm (structured)
    postcode: str = ""
    town: str
    country: str
    lines: tuple[str, ...] = ()  # AdrLine (hybrid), at most 2 (S-L7)


def _text(address: PostalAddress | None) -> str:
    if address is None:
        return ""
    return ", ".join(p for p in (address.street, address.postcode, address.town, address.country) if p and p.strip())


def is_given(address: PostalAddress | None) -> bool:
    return address is not None and any(p.strip() for p in (address.street, address.postcode, address.town))


def is_structured(address: PostalAddress | None) -> bool:
    return address is not None and bool(address.town.strip()) and len(address.country.strip()) == 2 and address.country.isalpha()


def check_address(address: PostalAddress | None, *, who: str, form: str = "structured", bank_country: str | None = None,
                  where: dict | None = None) -> list[Alert]:
    """Alerts for a debtor / creditor address under the bank's ``form``."""
    w = where or {}
    required = bool(bank_country) and bank_country not in EEA
    if not is_structured(address):
        if required:
            return [alert("RULE_ADDRESS_REQUIRED", who=who, country=bank_country, value=_text(address) or "aucune", **w)]
        if is_given(address) and form != "none":
            return [alert("RULE_ADDRESS_UNSTRUCTURED", who=who, value=_text(address), **w)]
        return []
    if form == "none":
        return [alert("RULE_ADDRESS_REQUIRED", who=who, country=bank_country, value=_text(address), **w)] if required else []
    out = []
    for attr, label, limit in LIMITS:
        value = getattr(address, attr).strip()
        if len(value) > limit:
            out.append(alert("RULE_ADDRESS_TOO_LONG", who=who, field=label, value=value, limit=limit, **w))
    return out


def sepa_address(address: PostalAddress | None, form: str = "structured") -> SepaAddress | None:
    """The fields to write, or None (no address: form ``none`` or address not structured)."""
    if form == "none" or not is_structured(address):
        return None
    street = " ".join(address.street.split())[:70]
    common = {"postcode": address.postcode.strip()[:16], "town": address.town.strip()[:35], "country": address.country.strip().upper()}
    if form == "hybrid":
        return SepaAddress(lines=(street,) if street else (), **common)
    return SepaAddress(street=street, **common)
