"""Allocation actions of the « Prélèvements clients » workbook (pure: tables in, tables out).

The assignments are keyed by ledger line key; ``customer_of`` maps each key to its customer.

* « Ne pas régler les clients sélectionnés »: their lines go back to Aucun, no company bank,
  and their forced amounts are removed;
* « Changer l'affectation de la banque dossier »: on the selection, or on all customers when
  the selection is empty; forced amounts included;
* « Retirer toutes les affectations de TOUS les clients »: only with ``confirmed=True``;
* « Appliquer à tous »: every line of a customer gets the same mode (and bank);
* « Retirer l'affectation de la ligne »: that line goes back to Aucun.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from reglo.core.debits.models import Assignment, ForcedAmount, Mode

Assignments = dict[str, Assignment]
Forced = dict[str, ForcedAmount]


def do_not_collect(assignments: Mapping[str, Assignment], forced: Mapping[str, ForcedAmount], customer_of: Mapping[str, str],
                   codes: Iterable[str]) -> tuple[Assignments, Forced]:
    chosen = set(codes)
    out = {k: (a.model_copy(update={"mode": Mode.NONE, "company_bank": None}) if customer_of.get(k) in chosen else a) for k, a in assignments.items()}
    return out, {c: f for c, f in forced.items() if c not in chosen}


def change_company_bank(assignments: Mapping[str, Assignment], forced: Mapping[str, ForcedAmount], customer_of: Mapping[str, str],
                        bank: str, codes: Iterable[str] | None = None) -> tuple[Assignments, Forced]:
    chosen = set(codes) if codes else None

    def hit(code: str | None) -> bool:
        return chosen is None or code in chosen

    out = {k: (a.model_copy(update={"company_bank": bank}) if hit(customer_of.get(k)) and a.mode != Mode.NONE else a) for k, a in assignments.items()}
    return out, {c: (f.model_copy(update={"company_bank": bank}) if hit(c) else f) for c, f in forced.items()}


def remove_all(assignments: Mapping[str, Assignment], forced: Mapping[str, ForcedAmount], *, confirmed: bool) -> tuple[Assignments, Forced]:
    if not confirmed:
        return dict(assignments), dict(forced)
    return {k: Assignment(key=k, source_row=a.source_row) for k, a in assignments.items()}, {}


def apply_to_all(assignments: Mapping[str, Assignment], customer_of: Mapping[str, str], code: str, mode: Mode,
                 bank: str | None = None) -> Assignments:
    return {k: (a.model_copy(update={"mode": mode, "company_bank": bank if bank is not None else a.company_bank}) if customer_of.get(k) == code else a)
            for k, a in assignments.items()}


def clear_line(assignments: Mapping[str, Assignment], key: str) -> Assignments:
    out = dict(assignments)
    if key in out:
        out[key] = out[key].model_copy(update={"mode": Mode.NONE, "company_bank": None})
    return out
