"""SEPA direct-debit mandate rules (sepa.md S-M1…S-M7).

* a usable mandate has a RUM (1 to 35 characters of the SEPA set, no leading/trailing ``/``
  nor ``//``: S-C4, S-L4) and a signature date not after the collection date (S-M4);
* a mandate with no collection for 36 months is expired (S-M6). The reference date is the
  last collection recorded in the register; for a mandate never collected, the signature
  date — unless the « Mandats » sheet declares it already used before Reglo (``RCUR``), in
  which case its last use is unknown and it is not declared expired;
* a one-off mandate (OOFF) serves once; a mandate collected as FNAL is closed;
* the pair (ICS, RUM) is unique, RUMs compared case-insensitively (S-M7).
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.models import Mandate, SequenceType
from reglo.core.rules import where_party, who_party
from reglo.core.rules.bank import compact
from reglo.core.writers.sepa_text import identifier_problem

EXPIRY_MONTHS = 36


class MandateUse(BaseModel):
    """One past collection under a mandate, as the register recorded it."""

    model_config = ConfigDict(frozen=True)

    rum: str
    collected_on: date
    iban: str = ""
    bic: str = ""
    sequence_type: str = "RCUR"
    reference: str = ""  # MsgId of the batch


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def choose_mandate(party, iban: str | None = None) -> Mandate | None:
    """The mandate to collect under: not revoked, the one signed for ``iban`` when there is
    one, else the last signed."""
    live = [m for m in party.mandates if m.revoked_on is None]
    if not live:
        live = list(party.mandates)
    if not live:
        return None
    if iban:
        same = [m for m in live if m.iban is not None and compact(m.iban) == iban]
        if same:
            live = same
    return max(live, key=lambda m: (m.signed_on, m.mandate_id))


def last_use(history: Sequence[MandateUse]) -> MandateUse | None:
    return max(history, key=lambda u: (u.collected_on, u.reference)) if history else None


def expiry_reference(mandate: Mandate, history: Sequence[MandateUse]) -> date | None:
    """The date the 36 months run from (None: unknown, never expired)."""
    last = last_use(history)
    if last is not None:
        return last.collected_on
    if mandate.sequence_type == SequenceType.RECURRING:  # declared used before Reglo: last use unknown
        return None
    return mandate.signed_on


def check_mandate(party, mandate: Mandate | None, *, collection_date: date, history: Sequence[MandateUse] = ()) -> list[Alert]:
    who, where = who_party(party), where_party(party)
    if mandate is None:
        return [alert("RULE_MANDATE_MISSING", who=who, **where)]
    mwhere = {"sheet": "Mandats", "row": mandate.source_row}
    problem = identifier_problem(mandate.mandate_id)
    if problem:
        return [alert("RULE_MANDATE_ID_INVALID", who=who, value=mandate.mandate_id, reason=problem, **{**mwhere, "column": "RUM"})]
    rum = mandate.mandate_id
    if mandate.revoked_on is not None and mandate.revoked_on <= collection_date:
        return [alert("RULE_MANDATE_REVOKED", who=who, rum=rum, revoked=f"{mandate.revoked_on:%d/%m/%Y}", **mwhere)]
    if mandate.signed_on > collection_date:
        return [alert("RULE_MANDATE_SIGNED_LATER", who=who, rum=rum, signed=f"{mandate.signed_on:%d/%m/%Y}", day=f"{collection_date:%d/%m/%Y}",
                      **{**mwhere, "column": "Date de signature"})]
    last = last_use(history)
    if mandate.sequence_type == SequenceType.ONE_OFF and last is not None:
        return [alert("RULE_MANDATE_ONE_OFF_USED", who=who, rum=rum, used=f"{last.collected_on:%d/%m/%Y}", **mwhere)]
    final = [u for u in history if u.sequence_type == "FNAL"]
    if final:
        return [alert("RULE_MANDATE_ENDED", who=who, rum=rum, used=f"{final[-1].collected_on:%d/%m/%Y}", **mwhere)]
    since = expiry_reference(mandate, history)
    if since is not None and collection_date > add_months(since, EXPIRY_MONTHS):
        return [alert("RULE_MANDATE_EXPIRED", who=who, rum=rum, since=f"{since:%d/%m/%Y}", **mwhere)]
    return []


def check_mandate_ids(parties: Iterable) -> list[Alert]:
    """S-M7: one RUM per creditor, case-insensitive (one warning per repeated RUM)."""
    seen: dict[str, object] = {}
    out: list[Alert] = []
    for party in parties:
        for m in party.mandates:
            key = m.mandate_id.casefold()
            first = seen.get(key)
            if first is None:
                seen[key] = party
            elif first is not party:
                out.append(alert("RULE_MANDATE_DUPLICATE", who=who_party(party), rum=m.mandate_id, other=who_party(first), sheet="Mandats", row=m.source_row, column="RUM"))
    return out
