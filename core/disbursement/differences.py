"""Differences entered on prepared payments (saisie d'une « différence »), step 2.

Scope rule of the seed: the current element is a group header, or every item of a group
is selected → the whole group; several items of a group are selected but not all →
that selection; otherwise → the current item only. Deposits are never in a scope: a
difference on a deposit alone is refused, and a deposit in a group is ignored.

A difference records what each item of its scope does not pay now (``allocations``),
spread pro rata over the items' net amounts, to the cent (largest remainder). It is
cancelled by deleting it from the list of generated items (``cancel_difference``).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reglo.core.alerts import Alert
from reglo.core.disbursement.models import Difference, DifferenceKind, RunState, Split
from reglo.core.disbursement.state import difference_allocations, group_members, items_by_key, net_amount, take_id, warn
from reglo.core.money import ZERO, cents_to_money, format_fr, quantize, to_cents

Result = tuple[RunState, list[Alert]]

#: Kinds whose amount is booked at posting (the others carry amounts to generated items).
BOOKED = frozenset({DifferenceKind.DISCOUNT, DifferenceKind.SETTLEMENT, DifferenceKind.EXCHANGE, DifferenceKind.MISC})


def prorata(total: Decimal, weights: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Spread ``total`` over ``weights`` pro rata, to the cent, summing exactly to ``total``.

    >>> prorata(Decimal("10.00"), [("a", Decimal("1")), ("b", Decimal("1")), ("c", Decimal("1"))])
    [('a', Decimal('3.34')), ('b', Decimal('3.33')), ('c', Decimal('3.33'))]
    """
    sign = -1 if total < 0 else 1
    t = to_cents(abs(total))
    w = [(k, to_cents(v)) for k, v in weights]
    whole = sum(v for _, v in w)
    shares = [(k, t * v // whole, (t * v) % whole) for k, v in w]
    rest = t - sum(s for _, s, _ in shares)
    order = sorted(range(len(shares)), key=lambda n: (-shares[n][2], n))
    extra = set(order[:rest])
    return [(k, cents_to_money(sign * (s + (1 if n in extra else 0)))) for n, (k, s, _) in enumerate(shares)]


def scope_of(state: RunState, current: str, selection=()) -> list[str]:
    """The items a difference applies to (scope rule of the seed)."""
    members = group_members(state)
    if current in members:
        return list(members[current])
    sel = list(dict.fromkeys(selection)) or [current]
    group_of = {p.key: p.group_id for p in state.prepared}
    gids = {group_of.get(k, "") for k in sel}
    if len(gids) == 1 and (g := gids.pop()):
        if set(sel) == set(members[g]):
            return list(members[g])
        if len(sel) >= 2:
            return sel
    return [current]


def add_difference(
    state: RunState,
    kind: DifferenceKind,
    current: str,
    selection=(),
    *,
    amount: Decimal | None = None,
    rate: Decimal | None = None,
    account: str = "",
    label: str = "",
    due_date: date | None = None,
    splits: tuple[Split, ...] = (),
) -> Result:
    """Enter a difference of ``kind`` on the scope of ``current`` / ``selection``."""
    prepared = {p.key for p in state.prepared}
    if current not in prepared and current not in group_members(state):
        return state, [warn(state, "DSB_DIFFERENCE_INVALID", kind=kind.value, detail=f"« {current} » n'est pas un règlement préparé")]
    items = items_by_key(state)
    scope = [k for k in scope_of(state, current, selection) if k in prepared]
    kept = [k for k in scope if not items[k].is_deposit]
    if not kept:
        return state, [warn(state, "DSB_DIFFERENCE_ON_DEPOSIT", key=scope[0] if scope else current)]
    rescheduled = {k for d in state.differences if d.kind is DifferenceKind.RESCHEDULE for k in d.scope}
    if rescheduled & set(kept):
        return state, [warn(state, "DSB_DIFFERENCE_INVALID", kind=kind.value, detail=f"effet {sorted(rescheduled & set(kept))[0]} déjà rééchelonné")]
    alloc = difference_allocations(state)
    nets = [(k, net_amount(items[k], alloc.get(k, ZERO))) for k in kept]
    base = sum((v for _, v in nets), ZERO)
    bad = lambda detail: (state, [warn(state, "DSB_DIFFERENCE_INVALID", kind=kind.value, detail=detail)])  # noqa: E731
    if base <= 0:
        return bad(f"montant restant à payer {format_fr(base)} € : rien à répartir")
    splits_out: tuple[Split, ...] = ()
    if kind is DifferenceKind.DISCOUNT:
        if rate is not None:
            if not (0 < rate < 100):
                return bad(f"taux {rate} % hors de 0 à 100")
            amount = quantize(base * rate / 100)
        if amount is None or amount <= 0 or amount >= base:
            return bad(f"escompte de {format_fr(amount or ZERO)} € : attendu plus de 0 et moins de {format_fr(base)} €")
        allocations = prorata(amount, nets)
    elif kind in (DifferenceKind.SETTLEMENT, DifferenceKind.EXCHANGE, DifferenceKind.MISC):
        if amount is None or amount == 0 or amount >= base:
            return bad(f"montant {format_fr(amount or ZERO)} € : attendu non nul et inférieur à {format_fr(base)} €")
        if kind is DifferenceKind.MISC and not account:
            return bad("le compte de l'opération diverse est obligatoire")
        allocations = prorata(amount, nets)
    elif kind is DifferenceKind.PARTIAL:
        if amount is None or not (0 < amount < base):
            return bad(f"règlement partiel de {format_fr(amount or ZERO)} € : attendu plus de 0 et moins de {format_fr(base)} €")
        allocations = prorata(base - amount, nets)
    else:  # rescheduling: the whole net amount moves to new items
        allocations = [(k, v) for k, v in nets]
        if splits:
            if len(kept) != 1:
                return bad("la fragmentation porte sur un seul effet")
            if sum((s.amount for s in splits), ZERO) != base or any(s.amount <= 0 for s in splits):
                return bad(f"les fragments totalisent {format_fr(sum((s.amount for s in splits), ZERO))} € au lieu de {format_fr(base)} €")
            splits_out = tuple(splits)
        elif due_date is not None:
            splits_out = tuple(Split(due_date=due_date, amount=v, state=items[k].state) for k, v in nets)
        else:
            return bad("indiquez la nouvelle échéance ou les fragments")
        amount = base
    did, state = take_id(state, "D")
    diff = Difference(diff_id=did, kind=kind, scope=tuple(kept), amount=amount, rate=rate, account=account, label=label, allocations=tuple(allocations), splits=splits_out)
    return state.model_copy(update={"differences": state.differences + (diff,)}), []


def cancel_difference(state: RunState, diff_id: str) -> Result:
    """Delete a difference from the list of generated items."""
    diff = next((d for d in state.differences if d.diff_id == diff_id), None)
    if diff is None:
        return state, [warn(state, "DSB_DIFFERENCE_UNKNOWN", diff=diff_id)]
    prepared = {p.key for p in state.prepared}
    done = [k for k in diff.scope if k not in prepared]
    if done:
        # validated with its payment: the validation made it final (« entérine »)
        payment = next((p.payment_id for p in state.payments if done[0] in p.keys), "")
        return state, [warn(state, "DSB_DIFFERENCE_VALIDATED", diff=diff_id, payment=payment or done[0])]
    return state.model_copy(update={"differences": tuple(d for d in state.differences if d.diff_id != diff_id)}), []


def generated_list(state: RunState, key: str | None = None) -> list[Difference]:
    """« Liste des effets générés »: every difference, or those of one prepared item."""
    return [d for d in state.differences if key is None or key in d.scope]
