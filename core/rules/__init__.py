"""Dossier rules shared by the workflows and « Contrôler le dossier » (``reglo check``).

Each rule takes dossier models (``reglo.core.models``) and returns alerts (codes in
``reglo.core.catalogue.rules``); none raises. Written once, used by the direct-debit checks
(``reglo.core.debits.checks``) and meant for ``reglo check dossier.xlsx``:

* ``bank``: IBAN (schwifty, with the French RIB key through schwifty's national checksum),
  BIC, SEPA reach, BIC required outside the EEA, complete company bank details;
* ``ics``: SEPA creditor identifier with ``stdnum.eu.at_02`` (sepa.md S-I1…S-I3);
* ``mandates``: mandate id (RUM) and signature date, 36-month expiry, one-off / final
  mandates already used, RUM uniqueness (S-M4, S-M6, S-M7);
* ``address``: the structured postal address rule in force since 15 November 2026 (S-P1…S-P3).
"""
from __future__ import annotations


def who_party(party) -> str:
    """« Client C001 (Dupont SA) » / « Fournisseur F002 (…) » for messages."""
    kind = "Client" if str(getattr(party, "kind", "D")) in ("D", "AccountKind.CUSTOMER") else "Fournisseur"
    return f"{kind} {party.code} ({party.legal_name})"


def where_party(party, column: str | None = None) -> dict:
    return {"sheet": "Tiers", "row": getattr(party, "source_row", None), "column": column}
