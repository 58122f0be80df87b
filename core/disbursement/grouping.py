"""Grouping rules (règles de regroupement) of step 2, automatic and manual.

A rule says which criteria two prepared items must share to be paid together: the
supplier (same supplier, or a different supplier with the same head office, or
indifferent), the planned bank, the currency, the bank details, and due dates at most
N days apart. A rule may be individualised for one supplier, or for one prepared mode.
With no manual rule, any manual grouping is allowed; with no automatic rule, nothing is
grouped automatically.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from reglo.core.disbursement.models import GroupingRule, Item, PartyMatch, Supplier


def rule_for(rules: Iterable[GroupingRule], *, automatic: bool, supplier: str, mode: str) -> GroupingRule | None:
    """The most specific rule: supplier and mode, then supplier, then mode, then general."""
    best, best_score = None, -1
    for r in rules:
        if r.automatic != automatic:
            continue
        if r.supplier and r.supplier != supplier:
            continue
        if r.payment_mode and r.payment_mode != mode:
            continue
        score = (2 if r.supplier else 0) + (1 if r.payment_mode else 0)
        if score > best_score:
            best, best_score = r, score
    return best


def rule_name(rule: GroupingRule) -> str:
    kind = "automatique" if rule.automatic else "manuel"
    scope = []
    if rule.supplier:
        scope.append(f"tiers {rule.supplier}")
    if rule.payment_mode:
        scope.append(f"mode {rule.payment_mode}")
    return f"« {kind}{' ' + ', '.join(scope) if scope else ''} »"


def party_key(item: Item, supplier: Supplier | None, match: PartyMatch) -> str:
    if match is PartyMatch.SAME_SUPPLIER:
        return item.supplier
    if match is PartyMatch.SAME_HEAD_OFFICE:
        return (supplier.head_office if supplier and supplier.head_office else item.supplier)
    return ""


def planned_bank(item: Item, supplier: Supplier | None) -> str:
    return item.planned_bank or (supplier.default_bank if supplier else "")


def bank_details(item: Item, supplier: Supplier | None) -> str:
    return (item.iban or (supplier.iban if supplier else "")).replace(" ", "").upper()


def bucket_key(rule: GroupingRule, item: Item, supplier: Supplier | None) -> tuple:
    """What items grouped under ``rule`` must share exactly (the due-date spread aside)."""
    return (
        party_key(item, supplier, rule.party),
        planned_bank(item, supplier) if rule.same_bank else None,
        item.currency if rule.same_currency else None,
        bank_details(item, supplier) if rule.same_bank_details else None,
    )


def refusal(rule: GroupingRule, items: Sequence[Item], suppliers: dict[str, Supplier]) -> str:
    """Why ``items`` cannot be grouped under ``rule`` ("" when they can)."""
    if not rule.active:
        return "regroupement désactivé"
    sup = lambda i: suppliers.get(i.supplier)  # noqa: E731
    if len({party_key(i, sup(i), rule.party) for i in items}) > 1:
        return "tiers différents" if rule.party is PartyMatch.SAME_SUPPLIER else "centrales différentes"
    if rule.same_bank and len({planned_bank(i, sup(i)) for i in items}) > 1:
        return "banques prévues différentes"
    if rule.same_currency and len({i.currency for i in items}) > 1:
        return "devises différentes"
    if rule.same_bank_details and len({bank_details(i, sup(i)) for i in items}) > 1:
        return "coordonnées bancaires différentes"
    if rule.max_days_apart is not None:
        dues = [i.due_date for i in items]
        spread = (max(dues) - min(dues)).days
        if spread > rule.max_days_apart:
            return f"échéances éloignées de {spread} jours (au plus {rule.max_days_apart})"
    return ""


def manual_refusal(rules: Sequence[GroupingRule], items: Sequence[Item], mode: str, suppliers: dict[str, Supplier]) -> tuple[str, str]:
    """(rule name, reason) when a manual grouping of ``items`` is refused, else ("", "").

    Each supplier's manual rule must accept the whole set; no rule at all accepts anything.
    """
    for code in sorted({i.supplier for i in items}):
        rule = rule_for(rules, automatic=False, supplier=code, mode=mode)
        if rule is None:
            continue
        reason = refusal(rule, items, suppliers)
        if reason:
            return rule_name(rule), reason
    return "", ""
