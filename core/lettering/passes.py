"""The matching passes of the lettering engine, over open items (units) of each account.

A *unit* is what can be lettered as one piece: an unlettered line, or the lines of an
existing partial lettering (lower-case code) taken together with their open amount. Units are
held column-wise (numpy arrays sorted by account, date, source row) so that the whole ledger
is scanned with vectorised operations; only the combination pass loops per account, with a
bounded amount of work.

Pass order (strongest evidence first): reference → exact amount 1-1 → combinations 1↔k /
k↔1 → whole-account balance → tolerance (with a write-off) → partial. A unit belongs to at most
one group. Every sort ends on the source row, so results do not depend on the order of the
lines in the input.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from core.lettering.models import LetteringOptions, Rule
from core.lettering.refs import normalise_refs, text_tokens
from core.money import cents_to_money, format_display


def eur(cents: int) -> str:
    """``format_display`` from integer cents (called for every group: kept cheap).

    >>> eur(123450) == format_display(cents_to_money(123450))
    True
    """
    c = int(cents)
    whole = f"{abs(c) // 100:,}".replace(",", "\u202f")
    return f"{'-' if c < 0 else ''}{whole},{abs(c) % 100:02d} €"


@dataclass
class Units:
    """Open items of the scope, sorted by (account, date, first source row)."""

    account: np.ndarray  # object: auxiliary account when present, else general account
    amount: np.ndarray  # int64 cents, debit - credit (never 0)
    date: np.ndarray  # int64 days (entry date; earliest line for a partial lettering)
    due: np.ndarray  # int64 days (due date, else entry date)
    row: np.ndarray  # int64 first source row (tie-breaker)
    rows: list[tuple[int, ...]]  # every source row of the unit
    partial_code: list[str]  # existing partial code ("" for a single line)
    line_unit: np.ndarray  # per open line: its unit
    line_label: pa.Array  # per open line: label + piece reference
    line_ref: pa.Array  # per open line: piece reference (PieceRef)
    first_pos: np.ndarray | None = None  # frame position of the unit's first line
    debit: np.ndarray | None = None  # int64 cents, sum of the unit's lines
    credit: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.amount)


@dataclass
class RawGroup:
    units: tuple[int, ...]
    rule: Rule
    reason: str
    confidence: int
    ambiguous: bool = False
    alternatives: tuple[tuple[int, ...], ...] = ()
    partial: bool = False


@dataclass
class PassState:
    units: Units
    options: LetteringOptions
    free: np.ndarray  # bool per unit
    groups: list[RawGroup] = field(default_factory=list)
    pending_partial: list[tuple[tuple[int, ...], str]] = field(default_factory=list)
    budget_exceeded: list[str] = field(default_factory=list)
    budget_left_units: dict[str, int] = field(default_factory=dict)
    work: int = 0
    account_work: dict[str, int] = field(default_factory=dict)

    def take(self, group: RawGroup) -> None:
        self.free[list(group.units)] = False
        self.groups.append(group)


# ---------------------------------------------------------------------------
# reference pass
# ---------------------------------------------------------------------------


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, a: int) -> int:
        p = self.parent.setdefault(a, a)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[a] = p
        return p

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def reference_links(units: Units, k: int) -> tuple[list[tuple[int, ...]], dict[int, set[str]]]:
    """Units linked by an invoice reference: a line whose label or piece names the piece reference
    of another open line of the same account. Returns the components (≥ 2 units, sorted) and,
    per component root, the references that linked it (as written on the invoice)."""
    if not len(units):
        return [], {}
    own = normalise_refs(units.line_ref).to_numpy(zero_copy_only=False)
    line_unit = units.line_unit
    owners = pd.DataFrame({"unit": line_unit, "key": own})
    owners = owners[owners["key"] != ""]
    owners["account"] = units.account[owners["unit"].to_numpy()]
    owners = owners.drop_duplicates(["unit", "key"])
    parents, keys = text_tokens(units.line_label)
    named = pd.DataFrame({"unit": line_unit[parents.to_numpy()], "key": keys.to_numpy(zero_copy_only=False)})
    named["account"] = units.account[named["unit"].to_numpy()]
    named = named.drop_duplicates(["unit", "key"])
    # a reference owned by one open unit of the account; several owners only when they face
    # each other (an invoice and its payment under the same piece number), never a bank slip
    # number shared by many payments of the same side
    owners["sign"] = np.sign(units.amount[owners["unit"].to_numpy()])
    stats = owners.groupby(["account", "key"], sort=False).agg(n=("unit", "size"), signs=("sign", "nunique"), owner=("unit", "min"))
    stats = stats[(stats["n"] == 1) | ((stats["signs"] == 2) & (stats["n"] <= 2 * k))].reset_index()
    links = named.merge(stats[["account", "key", "owner"]], on=["account", "key"])
    links = links[links["unit"] != links["owner"]]
    shared = owners.merge(stats.loc[stats["n"] > 1, ["account", "key", "owner"]], on=["account", "key"])
    shared = shared[shared["unit"] != shared["owner"]]
    edges = pd.concat([links[["unit", "owner", "key"]], shared[["unit", "owner", "key"]]], ignore_index=True)
    if edges.empty:
        return [], {}
    uf = _UnionFind()
    for a, b in zip(edges["unit"].to_numpy().tolist(), edges["owner"].to_numpy().tolist()):
        uf.union(a, b)
    members: dict[int, list[int]] = {}
    for u in uf.parent:
        members.setdefault(uf.find(u), []).append(u)
    ref_text = np.asarray(units.line_ref.to_numpy(zero_copy_only=False), dtype=object)
    # the reference as written on the owner's line, for the reason shown to the user
    owner_ref: dict[int, str] = {}
    for u, r in zip(line_unit.tolist(), ref_text.tolist()):
        owner_ref.setdefault(u, r)
    why: dict[int, set[str]] = {}
    for owner in edges["owner"].to_numpy().tolist():
        why.setdefault(uf.find(owner), set()).add(owner_ref.get(owner, ""))
    comps = [tuple(sorted(m)) for m in members.values() if len(m) >= 2]
    comps.sort()
    return comps, {c[0]: why.get(uf.find(c[0]), set()) for c in comps}


def reference_pass(state: PassState) -> None:
    u, opt = state.units, state.options
    comps, why = reference_links(u, opt.k)
    tol = opt.tolerance_cents
    max_size = 2 * opt.k + 2
    for comp in comps:
        if len(comp) > max_size:
            continue
        amounts = u.amount[list(comp)]
        if not ((amounts > 0).any() and (amounts < 0).any()):
            continue
        refs = ", ".join(sorted(r for r in why.get(comp[0], ()) if r))
        named = f"référence{'s' if ',' in refs else ''} {refs} dans le libellé" if refs else "référence commune"
        total = int(amounts.sum())
        if total == 0:
            state.take(RawGroup(comp, Rule.REFERENCE, named, 95))
            continue
        if abs(total) <= tol:
            state.take(RawGroup(comp, Rule.TOLERANCE, f"{named} ; écart de {eur(abs(total))} ≤ tolérance {eur(tol)}", 85))
            continue
        # complete with other open lines of the account (a label cut short names only some invoices)
        state.free[list(comp)] = False
        extra = _complement(state, comp, total)
        if extra is not None:
            state.take(RawGroup(tuple(sorted(comp + extra)), Rule.REFERENCE,
                                f"{named}, complétée par {len(extra)} ligne(s) pour {eur(abs(total))}", 85))
            continue
        state.free[list(comp)] = True
        big_side = np.sign(total)
        if len(comp) >= 2:
            state.pending_partial.append((comp, f"{named} ; reste ouvert {eur(abs(total))}" if big_side else named))


def _complement(state: PassState, comp: tuple[int, ...], total: int) -> tuple[int, ...] | None:
    u, opt = state.units, state.options
    account = u.account[comp[0]]
    lo, hi = _account_bounds(u, account)
    idx = np.arange(lo, hi)
    idx = idx[state.free[lo:hi]]
    need = -total
    idx = idx[(np.sign(u.amount[idx]) == np.sign(need)) & (np.abs(u.amount[idx]) <= abs(need))]
    ref_date = int(u.date[list(comp)].max())
    idx = idx[np.abs(u.date[idx] - ref_date) <= opt.date_window_days]
    if not len(idx):
        return None
    idx = _nearest(u, idx, ref_date, opt.candidates)
    found, used = find_subsets(np.abs(u.amount[idx]).tolist(), abs(need), max(1, opt.k - 1), _search_budget(state, account), min_size=1)
    _spend(state, account, used)
    if len(found) != 1:  # none, or two ways to complete: not evidence enough
        return None
    return tuple(int(idx[i]) for i in found[0])


# ---------------------------------------------------------------------------
# exact amount 1-1
# ---------------------------------------------------------------------------


def exact_pass(state: PassState) -> None:
    u, opt = state.units, state.options
    free = np.flatnonzero(state.free)
    if not len(free):
        return
    df = pd.DataFrame({"unit": free, "account": u.account[free], "abs": np.abs(u.amount[free]), "pos": u.amount[free] > 0})
    pos, neg = df[df["pos"]], df[~df["pos"]]
    pairs = pos.merge(neg, on=["account", "abs"], suffixes=("_p", "_n"))
    if pairs.empty:
        return
    p, n = pairs["unit_p"].to_numpy(), pairs["unit_n"].to_numpy()
    d1 = np.abs(u.due[p] - u.due[n])
    d2 = np.abs(u.date[p] - u.date[n])
    ok = d2 <= opt.date_window_days
    pairs = pairs[ok].assign(d1=d1[ok], d2=d2[ok], r1=np.minimum(u.row[p], u.row[n])[ok], r2=np.maximum(u.row[p], u.row[n])[ok])
    size = pairs.groupby(["account", "abs"], sort=False)["unit_p"].transform("size")
    single = pairs[size == 1]
    for a, b, amount in zip(single["unit_p"].tolist(), single["unit_n"].tolist(), single["abs"].tolist()):
        state.take(RawGroup(tuple(sorted((a, b))), Rule.EXACT, f"montant identique {eur(amount)}, seul couple possible du compte", 90))
    multi = pairs[size > 1].sort_values(["account", "abs", "d1", "d2", "r1", "r2"], kind="mergesort")
    for (_, amount), g in multi.groupby(["account", "abs"], sort=False):
        _resolve_ties(state, g, int(amount))


def _resolve_ties(state: PassState, g: pd.DataFrame, amount: int) -> None:
    """Equal amounts: pair by closest due date, then closest date, then line order; a pair whose
    (due date, date) distances equal another still-possible pair's is ambiguous."""
    cand = list(zip(g["unit_p"].tolist(), g["unit_n"].tolist(), g["d1"].tolist(), g["d2"].tolist()))
    taken: set[int] = set()
    for a, b, d1, d2 in cand:
        if a in taken or b in taken:
            continue
        rivals = [(x, y) for x, y, e1, e2 in cand if (x, y) != (a, b) and (e1, e2) == (d1, d2)
                  and x not in taken and y not in taken and (x == a or y == b)]
        taken.update((a, b))
        n_alt = len({x for x, _ in rivals} | {y for _, y in rivals})
        if rivals:
            alts = tuple(tuple(sorted((x, y))) for x, y in rivals)
            state.take(RawGroup(tuple(sorted((a, b))), Rule.EXACT,
                                f"montant identique {eur(amount)} ; {n_alt + 1} lignes à égalité d'échéance et de date", 50,
                                ambiguous=True, alternatives=alts))
        else:
            state.take(RawGroup(tuple(sorted((a, b))), Rule.EXACT,
                                f"montant identique {eur(amount)}, échéance la plus proche parmi {len(g)} couples possibles", 80))


# ---------------------------------------------------------------------------
# combinations 1 ↔ k and k ↔ 1
# ---------------------------------------------------------------------------


def _account_bounds(u: Units, account: str) -> tuple[int, int]:
    lo = int(np.searchsorted(u.account, account, side="left"))
    hi = int(np.searchsorted(u.account, account, side="right"))
    return lo, hi


def _nearest(u: Units, idx: np.ndarray, ref_date: int, limit: int) -> np.ndarray:
    if len(idx) <= limit:
        return idx
    order = np.lexsort((u.row[idx], np.abs(u.date[idx] - ref_date)))
    return idx[order[:limit]]


def _budget(state: PassState, account: str) -> int:
    return max(0, state.options.budget - state.account_work.get(account, 0))


def _search_budget(state: PassState, account: str) -> int:
    return min(state.options.target_budget, _budget(state, account))


def _spend(state: PassState, account: str, used: int) -> None:
    state.account_work[account] = state.account_work.get(account, 0) + used
    state.work += used


def find_subsets(amounts: list[int], target: int, k: int, budget: int, *, min_size: int = 2, limit: int = 2) -> tuple[list[tuple[int, ...]], int]:
    """Subsets of ``amounts`` (positive cents) of size ``min_size``..``k`` summing to ``target``.

    Smallest subsets first (iterative deepening: a real group is found at its own size before a
    larger coincidence). Within a size, a depth-first search over amounts sorted in decreasing
    order, pruned by bounds (the next largest items must be able to reach the rest, the smallest
    must not overshoot it), the last item found by a hash lookup (pair-sum). Stops after
    ``limit`` solutions or when ``budget`` work units are spent.

    Returns (solutions as indices into ``amounts``, work spent). Work > budget means stopped.
    """
    order = sorted(range(len(amounts)), key=lambda i: (-amounts[i], i))
    vals = [amounts[i] for i in order]
    n = len(vals)
    prefix = [0]
    for v in vals:
        prefix.append(prefix[-1] + v)
    where: dict[int, list[int]] = {}
    for pos, v in enumerate(vals):
        where.setdefault(v, []).append(pos)
    found: list[tuple[int, ...]] = []
    work = 0

    def dfs(start: int, rest: int, left: int, chosen: list[int]) -> bool:
        nonlocal work
        work += 1
        if work > budget:
            return True
        if left == 1:
            for pos in where.get(rest, ()):
                if pos >= start:
                    found.append(tuple(sorted(order[p] for p in chosen + [pos])))
                    if len(found) >= limit:
                        return True
            return False
        if prefix[n] - prefix[n - left] > rest:  # even the smallest items overshoot
            return False
        for pos in range(start, n - left + 1):
            work += 1
            if work > budget:
                return True
            v = vals[pos]
            if prefix[pos + left] - prefix[pos] < rest:  # even the largest items left fall short
                return False
            if v >= rest:
                continue
            chosen.append(pos)
            stop = dfs(pos + 1, rest - v, left - 1, chosen)
            chosen.pop()
            if stop:
                return True
        return False

    for size in range(max(1, min_size), k + 1):
        if size > n:
            break
        if dfs(0, target, size, []):
            break
        if found:
            break
    return found, work


def combination_pass(state: PassState) -> None:
    u, opt = state.units, state.options
    accounts = pd.unique(u.account[state.free])
    for account in sorted(accounts):
        lo, hi = _account_bounds(u, account)
        for t in range(lo, hi):
            if not state.free[t]:
                continue
            if _budget(state, account) <= 0:
                left = int(state.free[lo:hi].sum())
                state.budget_exceeded.append(account)
                state.budget_left_units[account] = left
                break
            a = int(u.amount[t])
            idx = np.arange(lo, hi)
            mask = state.free[lo:hi] & (np.sign(u.amount[lo:hi]) == -np.sign(a)) & (np.abs(u.amount[lo:hi]) < abs(a))
            mask &= np.abs(u.date[lo:hi] - u.date[t]) <= opt.date_window_days
            idx = idx[mask]
            if len(idx) < 2:
                continue
            idx = _nearest(u, idx, int(u.date[t]), opt.candidates)
            found, used = find_subsets(np.abs(u.amount[idx]).tolist(), abs(a), opt.k, _search_budget(state, account))
            _spend(state, account, used)
            if not found:
                continue
            members = tuple(sorted([t] + [int(idx[i]) for i in found[0]]))
            many = len(found[0])
            what = "factures" if _is_payment(u, t) else "règlements"
            if len(found) > 1:
                alt = tuple(tuple(sorted([t] + [int(idx[i]) for i in f])) for f in found[1:])
                state.take(RawGroup(members, Rule.COMBINATION, f"{eur(abs(a))} = somme de {many} lignes ; plusieurs combinaisons possibles", 45,
                                    ambiguous=True, alternatives=alt))
            else:
                state.take(RawGroup(members, Rule.COMBINATION, f"1 ligne de {eur(abs(a))} = {many} {what} (seule combinaison trouvée)", 75))


def combination_pair_pass(state: PassState, partners: int = 6) -> None:
    """2 ↔ k: a payment and a credit note (or two payments) against several invoices. For each
    open line still unmatched, its nearest same-side lines are tried as the second member of the
    "one" side. Runs after the 1 ↔ k sweep, on the same per-account budget."""
    u, opt = state.units, state.options
    if opt.k < 2:
        return
    accounts = pd.unique(u.account[state.free])
    for account in sorted(accounts):
        if account in state.budget_exceeded:
            continue
        lo, hi = _account_bounds(u, account)
        span = np.arange(lo, hi)
        for t in range(lo, hi):
            if not state.free[t]:
                continue
            if _budget(state, account) <= 0:
                state.budget_exceeded.append(account)
                state.budget_left_units[account] = int(state.free[lo:hi].sum())
                break
            a = int(u.amount[t])
            free = state.free[lo:hi]
            near = np.abs(u.date[lo:hi] - u.date[t]) <= opt.date_window_days
            same = span[free & near & (np.sign(u.amount[lo:hi]) == np.sign(a)) & (np.abs(u.amount[lo:hi]) < abs(a))]
            if not len(same):
                continue
            same = _nearest(u, same, int(u.date[t]), partners)
            other_all = span[free & near & (np.sign(u.amount[lo:hi]) == -np.sign(a))]
            for s in same.tolist():
                target = abs(a) + abs(int(u.amount[s]))
                other = other_all[np.abs(u.amount[other_all]) < target]
                if len(other) < 2:
                    continue
                other = _nearest(u, other, int(u.date[t]), opt.candidates)
                found, used = find_subsets(np.abs(u.amount[other]).tolist(), target, opt.k - 1, _search_budget(state, account))
                _spend(state, account, used)
                if len(found) == 1:
                    members = tuple(sorted([t, s] + [int(other[i]) for i in found[0]]))
                    state.take(RawGroup(members, Rule.COMBINATION,
                                        f"2 lignes ({eur(abs(a))} et {eur(abs(int(u.amount[s])))}) = {len(found[0])} lignes de l'autre sens", 70))
                    break


def _is_payment(u: Units, t: int) -> bool:
    return bool(u.due[t] == u.date[t])


# ---------------------------------------------------------------------------
# whole-account balance, tolerance, partial
# ---------------------------------------------------------------------------


def balance_pass(state: PassState) -> None:
    u = state.units
    free = np.flatnonzero(state.free)
    if not len(free):
        return
    sums = pd.Series(u.amount[free]).groupby(u.account[free]).agg(["sum", "size"])
    for account in sorted(sums.index[(sums["sum"] == 0) & (sums["size"] >= 2)]):
        lo, hi = _account_bounds(u, account)
        members = tuple(int(i) for i in np.arange(lo, hi)[state.free[lo:hi]])
        state.take(RawGroup(members, Rule.BALANCE, f"solde nul des {len(members)} lignes ouvertes du compte", 70))


def tolerance_pass(state: PassState) -> None:
    u, opt = state.units, state.options
    tol = opt.tolerance_cents
    if tol <= 0:
        return
    free = np.flatnonzero(state.free)
    df = pd.DataFrame({"unit": free, "account": u.account[free], "amount": u.amount[free]})
    pos, neg = df[df["amount"] > 0], df[df["amount"] < 0]
    pairs = pos.merge(neg, on="account", suffixes=("_p", "_n")) if len(pos) * len(neg) <= 5_000_000 else pos.iloc[:0].merge(neg, on="account", suffixes=("_p", "_n"))
    if pairs.empty:
        return
    gap = (pairs["amount_p"] + pairs["amount_n"]).abs()
    p, n = pairs["unit_p"].to_numpy(), pairs["unit_n"].to_numpy()
    pairs = pairs.assign(gap=gap, d1=np.abs(u.due[p] - u.due[n]), d2=np.abs(u.date[p] - u.date[n]),
                         r1=np.minimum(u.row[p], u.row[n]), r2=np.maximum(u.row[p], u.row[n]))
    pairs = pairs[(pairs["gap"] > 0) & (pairs["gap"] <= tol) & (pairs["d2"] <= opt.date_window_days)]
    pairs = pairs.sort_values(["account", "gap", "d1", "d2", "r1", "r2"], kind="mergesort")
    for a, b, g in zip(pairs["unit_p"].tolist(), pairs["unit_n"].tolist(), pairs["gap"].tolist()):
        if state.free[a] and state.free[b]:
            state.take(RawGroup(tuple(sorted((a, b))), Rule.TOLERANCE, f"montants à {eur(g)} près (tolérance {eur(tol)})", 65))


def partial_pass(state: PassState) -> None:
    for comp, reason in state.pending_partial:
        if state.free[list(comp)].all():
            state.take(RawGroup(comp, Rule.PARTIAL, reason, 75, partial=True))


PASSES = (reference_pass, exact_pass, combination_pass, combination_pair_pass, balance_pass, tolerance_pass, partial_pass)
