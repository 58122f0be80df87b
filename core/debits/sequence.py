"""Sequence type and mandate amendments, derived from the register history (sepa.md S-M1…S-M5).

The history of a mandate is every live (pending or committed), non-test direct-debit batch
line carrying its RUM under the same creditor identifier. Then:

* one-off mandate (``OOFF`` in « Mandats ») → ``OOFF``;
* never collected: ``FRST``, unless « Mandats » declares it already used before Reglo
  (séquence ``RCUR``) → ``RCUR``; a mandate declared ``FNAL`` is collected as ``FNAL``;
* collected before → ``RCUR`` (S-M2: FRST → RCUR after the first collection);
* the debtor's IBAN changed since the last collection (or since the IBAN written on the
  mandate): at the same bank → ``AmdmntInd`` with the original debtor account (S-M5); at
  another bank → ``SMNDA`` and the collection is sent as ``FRST`` (S-M3, what every bank
  accepts).
"""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from reglo.core.debits.models import KIND, REOPEN_KIND
from reglo.core.models import Mandate, SequenceType
from reglo.core.register_state import RegisterSnapshot
from reglo.core.rules.bank import compact
from reglo.core.rules.mandates import MandateUse, last_use
from reglo.core.writers.pain008 import Amendment


class SequenceDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    sequence_type: str
    amendment: Amendment | None = None
    previous_iban: str | None = None
    bank_changed: bool = False
    declared_used: bool = False


def mandate_history(snapshot: RegisterSnapshot, creditor_id: str) -> dict[str, list[MandateUse]]:
    """RUM (case-folded) → its past collections under ``creditor_id``, oldest first. A line an
    un-validation re-opened is no use of its mandate (the collection is undone)."""
    out: dict[str, dict[str, MandateUse]] = {}
    reopened = {(str(l.meta.get("batch", "")), l.item_key) for x in snapshot.live(REOPEN_KIND) for l in x.lines}
    for b in snapshot.live(KIND):
        if (b.meta.get("ics") or "") != creditor_id:
            continue
        for line in b.lines:
            rum = line.meta.get("rum")
            if not rum or (b.reference, line.item_key) in reopened:
                continue
            day = line.meta.get("date") or b.meta.get("collection_date")
            use = MandateUse(rum=rum, collected_on=date.fromisoformat(str(day)[:10]), iban=line.meta.get("iban", ""), bic=line.meta.get("bic", ""),
                             sequence_type=line.meta.get("seq", "RCUR"), reference=b.reference)
            out.setdefault(rum.casefold(), {})[f"{b.reference}|{line.meta.get('e2e', '')}"] = use  # one use per transaction
    return {k: sorted(v.values(), key=lambda u: (u.collected_on, u.reference)) for k, v in out.items()}


def bank_id(iban: str) -> str:
    """The bank part of an IBAN (country + bank code: 5 digits for FR)."""
    from schwifty import IBAN

    try:
        parsed = IBAN(iban)
        return f"{parsed.country_code}{parsed.bank_code}"
    except Exception:  # noqa: BLE001 - an unparsable old IBAN counts as another bank
        return iban[:9]


def decide(mandate: Mandate, iban: str, history: list[MandateUse]) -> SequenceDecision:
    last = last_use(history)
    previous = last.iban if last is not None and last.iban else (compact(mandate.iban) if mandate.iban is not None else None)
    amendment, changed_bank = None, False
    if previous and previous != iban:
        changed_bank = bank_id(previous) != bank_id(iban)
        amendment = Amendment(new_debtor_agent=True) if changed_bank else Amendment(original_debtor_iban=previous)
    if mandate.sequence_type == SequenceType.ONE_OFF:
        return SequenceDecision(sequence_type="OOFF", amendment=amendment, previous_iban=previous, bank_changed=changed_bank)
    if changed_bank:  # S-M3: SMNDA → FRST
        return SequenceDecision(sequence_type="FRST", amendment=amendment, previous_iban=previous, bank_changed=True)
    if mandate.sequence_type == SequenceType.FINAL:
        return SequenceDecision(sequence_type="FNAL", amendment=amendment, previous_iban=previous)
    if last is not None:
        return SequenceDecision(sequence_type="RCUR", amendment=amendment, previous_iban=previous)
    if mandate.sequence_type == SequenceType.RECURRING:
        return SequenceDecision(sequence_type="RCUR", amendment=amendment, previous_iban=previous, declared_used=True)
    return SequenceDecision(sequence_type="FRST", amendment=amendment, previous_iban=previous)
