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

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reglo.core.lettering.models import LetteringOptions, Rule
from reglo.core.lettering.refs import SHORT_MARK, normalise_refs, text_tokens
from reglo.core.money import cents_to_money, format_display


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
    line_text: pa.Array | None = None  # per open line: label only (EcritureLib)
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
    z: float = 0.0  # plausibility log-odds (see reglo.core.lettering.matching)
    margin: float = 0.0  # how much worse the best assignment without this group is


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
    # progress(stage, done, total): told how far the run is (stage in French); pure callback, no I/O here
    progress: Callable[[str, int, int], None] | None = None
    stage: str = ""
    ticked: bool = False  # the current stage told its own progress

    def tick(self, done: int, total: int) -> None:
        self.ticked = True
        if self.progress is not None:
            self.progress(self.stage, done, total)

    def take(self, group: RawGroup) -> None:
        self.free[list(group.units)] = False
        self.groups.append(group)


# ---------------------------------------------------------------------------
# reference pass
# ---------------------------------------------------------------------------


def _components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the graph of edges (a[i], b[i]), vectorised (label propagation with
    pointer jumping: reference components are small, so a few rounds suffice).

    Returns (nodes sorted, root of each node = the smallest node of its component)."""
    nodes = np.unique(np.concatenate([a, b]))
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    lab = np.arange(len(nodes))
    while True:
        m = np.minimum(lab[ia], lab[ib])
        new = lab.copy()
        np.minimum.at(new, ia, m)
        np.minimum.at(new, ib, m)
        new = new[new]
        if np.array_equal(new, lab):
            break
        lab = new
    return nodes, nodes[lab]


def reference_keys(units: Units) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The keys of the open lines, computed once for both reference sweeps: (number of own keys,
    parent line of each named key, key id of the own then named keys, blank key ids, short key ids)."""
    own = normalise_refs(units.line_ref)
    parents, named_keys = text_tokens(units.line_label)
    encoded = pc.dictionary_encode(pa.concat_arrays([own.cast(pa.string()), named_keys.cast(pa.string())]))
    kid = encoded.indices.to_numpy(zero_copy_only=False).astype("int64")
    blank = np.flatnonzero(pc.equal(encoded.dictionary, "").to_numpy(zero_copy_only=False))
    short = np.flatnonzero(pc.starts_with(encoded.dictionary, SHORT_MARK).to_numpy(zero_copy_only=False))
    return len(own), parents.to_numpy(), kid, blank, short


def reference_links(units: Units, k: int, *, short: bool = False, free: np.ndarray | None = None,
                    keys: tuple | None = None) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Units linked by an invoice reference: a line whose label or piece names the piece reference
    of another open line of the same account.

    Returns (linked units, root of each one's component, and by root the references that linked
    the component, as written on the invoices).

    ``short``: only the short invoice numbers (« FA001 », keys marked ``SHORT_MARK``), else only
    the others; ``free``: only links between these units; ``keys``: ``reference_keys(units)``
    when already computed."""
    empty = np.zeros(0, dtype="int64")
    if not len(units):
        return empty, empty, {}
    line_unit = units.line_unit
    n_own, parents, kid, blank, short_ids = keys if keys is not None else reference_keys(units)
    # one integer per (account, key): units are sorted by account, so account ids are run numbers
    acc = units.account
    acc_id = np.concatenate([[0], np.cumsum(acc[1:] != acc[:-1])]) if len(acc) else empty
    n_keys = int(kid.max()) + 2 if len(kid) else 1
    is_short = np.zeros(n_keys, dtype=bool)
    is_short[short_ids] = True
    if short:  # the short invoice numbers only
        valid = is_short
    else:
        valid = ~is_short
        valid[blank] = False
    own_unit, own_kid = line_unit, kid[:n_own]
    named_unit, named_kid = line_unit[parents], kid[n_own:]
    keep_own = valid[own_kid]
    own_unit, own_kid = own_unit[keep_own], own_kid[keep_own]
    keep_named = valid[named_kid]
    named_unit, named_kid = named_unit[keep_named], named_kid[keep_named]
    owners = pd.DataFrame({"unit": own_unit, "ak": acc_id[own_unit] * n_keys + own_kid}).drop_duplicates()
    named = pd.DataFrame({"unit": named_unit, "ak": acc_id[named_unit] * n_keys + named_kid}).drop_duplicates()
    # a reference owned by one open unit of the account; several owners only when they face
    # each other (an invoice and its payment under the same piece number), never a bank slip
    # number shared by many payments of the same side
    owners["sign"] = np.sign(units.amount[owners["unit"].to_numpy()])
    stats = owners.groupby("ak", sort=False).agg(n=("unit", "size"), signs=("sign", "nunique"), owner=("unit", "min"))
    stats = stats[(stats["n"] == 1) | ((stats["signs"] == 2) & (stats["n"] <= 2 * k))]
    links = named.join(stats["owner"], on="ak", how="inner")
    links = links[links["unit"] != links["owner"]]
    shared = owners.join(stats.loc[stats["n"] > 1, "owner"], on="ak", how="inner")
    shared = shared[shared["unit"] != shared["owner"]]
    a = np.concatenate([links["unit"].to_numpy(dtype="int64"), shared["unit"].to_numpy(dtype="int64")])
    b = np.concatenate([links["owner"].to_numpy(dtype="int64"), shared["owner"].to_numpy(dtype="int64")])
    if free is not None:
        keep = free[a] & free[b]
        a, b = a[keep], b[keep]
    if not len(a):
        return empty, empty, {}
    nodes, roots = _components(a, b)
    # the invoice references behind each component (the owners' piece references)
    first_line = np.full(len(units), -1, dtype="int64")
    first_line[line_unit[::-1]] = np.arange(len(line_unit))[::-1]
    owner_units = np.unique(b)
    ref_text = units.line_ref.take(pa.array(first_line[owner_units])).to_numpy(zero_copy_only=False)
    why_df = pd.DataFrame({"root": roots[np.searchsorted(nodes, owner_units)], "ref": ref_text}).drop_duplicates()
    why_df = why_df.sort_values(["root", "ref"], kind="mergesort")
    why: dict[int, str] = {}
    for r, t in zip(why_df["root"].tolist(), why_df["ref"].tolist()):
        if t:
            why[r] = f"{why[r]}, {t}" if r in why else t
    return nodes, roots, why


def reference_pass(state: PassState) -> None:
    u, opt = state.units, state.options
    if not len(u):
        return
    keys = reference_keys(u)
    _reference_components(state, *reference_links(u, opt.k, keys=keys))
    # then short invoice numbers (« Règlement FA001 »): weaker evidence (« facture 2 » may be a
    # count), so only where the amounts balance (or within tolerance), never completed nor partial
    if len(keys[4]):
        _reference_components(state, *reference_links(u, opt.k, short=True, free=state.free, keys=keys), strict=True)


def _reference_components(state: PassState, nodes: np.ndarray, roots: np.ndarray, why: dict[int, str], strict: bool = False) -> None:
    u, opt = state.units, state.options
    if not len(nodes):
        return
    order = np.lexsort((nodes, roots))
    nodes, roots = nodes[order], roots[order]
    starts = np.flatnonzero(np.r_[True, roots[1:] != roots[:-1]])
    sizes = np.diff(np.r_[starts, len(nodes)])
    amounts = u.amount[nodes]
    total = np.add.reduceat(amounts, starts)
    both = (np.minimum.reduceat(amounts, starts) < 0) & (np.maximum.reduceat(amounts, starts) > 0)
    ok = both & (sizes <= 2 * opt.k + 2)
    tol = opt.tolerance_cents
    node_l, start_l, size_l = nodes.tolist(), starts.tolist(), sizes.tolist()
    # balanced components, in bulk
    balanced = ok & (total == 0)
    for c in np.flatnonzero(balanced).tolist():
        comp = tuple(node_l[start_l[c]:start_l[c] + size_l[c]])
        state.groups.append(RawGroup(comp, Rule.REFERENCE, _named(why.get(comp[0], "")), 95))
    state.free[nodes[np.repeat(balanced, sizes)]] = False
    for c in np.flatnonzero(ok & (total != 0)).tolist():
        comp = tuple(node_l[start_l[c]:start_l[c] + size_l[c]])
        named = _named(why.get(comp[0], ""))
        t = int(total[c])
        if abs(t) <= tol:
            state.take(RawGroup(comp, Rule.TOLERANCE, f"{named} ; écart de {eur(abs(t))} ≤ tolérance {eur(tol)}", 85))
            continue
        if strict:
            continue
        # complete with other open lines of the account (a label cut short names only some invoices)
        state.free[list(comp)] = False
        extra = _complement(state, comp, t)
        if extra is not None:
            state.take(RawGroup(tuple(sorted(comp + extra)), Rule.REFERENCE, f"{named}, complétée par {len(extra)} ligne(s) pour {eur(abs(t))}", 85))
            continue
        state.free[list(comp)] = True
        state.pending_partial.append((comp, f"{named} ; reste ouvert {eur(abs(t))}"))


def _named(refs: str) -> str:
    if not refs:
        return "référence commune"
    return f"référence{'s' if ',' in refs else ''} {refs} dans le libellé"


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
    allowed = _search_budget(state, account)
    found, used = find_subsets(np.abs(u.amount[idx]).tolist(), abs(need), max(1, opt.k - 1), allowed, min_size=1)
    _spend(state, account, used)
    if len(found) != 1 or used > allowed:  # none, two ways to complete, or the second not ruled out
        return None
    return tuple(int(idx[i]) for i in found[0])


# ---------------------------------------------------------------------------
# exact amount 1-1
# ---------------------------------------------------------------------------


MAX_TIE_PAIRS = 20_000  # equal amounts of one account beyond which pairs are not enumerated


def exact_pass(state: PassState) -> None:
    u, opt = state.units, state.options
    free = np.flatnonzero(state.free)
    if not len(free):
        return
    df = pd.DataFrame({"unit": free, "account": u.account[free], "abs": np.abs(u.amount[free]), "pos": u.amount[free] > 0})
    # (account, amount) with very many equal lines on both sides: not enumerated pair by pair
    counts = df.groupby(["account", "abs", "pos"], sort=False).size().unstack("pos", fill_value=0)
    if True in counts.columns and False in counts.columns:
        crowded = counts[(counts[True] * counts[False]) > MAX_TIE_PAIRS].index
    else:
        crowded = counts.index[:0]
    if len(crowded):
        is_crowded = pd.MultiIndex.from_frame(df[["account", "abs"]]).isin(crowded)
        for (account, amount), g in df[is_crowded].groupby(["account", "abs"], sort=True):
            _pair_in_order(state, g["unit"].to_numpy(), int(amount))
        df = df[~is_crowded]
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


def _pair_in_order(state: PassState, units: np.ndarray, amount: int) -> None:
    """Very many equal amounts in one account (e.g. 400 identical monthly debits): the k-th line of
    one side by due date with the k-th of the other by date, each pair within the window, all
    flagged ambiguous (the user confirms; nothing applied automatically)."""
    u, opt = state.units, state.options
    posu = units[u.amount[units] > 0]
    negu = units[u.amount[units] < 0]
    posu = posu[np.lexsort((u.row[posu], u.date[posu], u.due[posu]))]
    negu = negu[np.lexsort((u.row[negu], u.date[negu], u.due[negu]))]
    reason = f"montant identique {eur(amount)} partagé par {len(posu)} + {len(negu)} lignes : appariées dans l'ordre des échéances"
    for a, b in zip(posu.tolist(), negu.tolist()):
        if abs(int(u.date[a]) - int(u.date[b])) <= opt.date_window_days:
            state.take(RawGroup(tuple(sorted((a, b))), Rule.EXACT, reason, 40, ambiguous=True))


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


def _search_targets(state: PassState, account: str, pair: bool) -> None:
    """One account: every open line as the "one" side (plus, when ``pair``, one of its nearest
    same-side lines, e.g. a payment and a credit note) against up to k lines of the other side.

    Plain Python over the account's open lines: accounts are small and numpy's per-call overhead
    would dominate; the account's work budget bounds the whole loop."""
    u, opt = state.units, state.options
    lo, hi = _account_bounds(u, account)
    amt = u.amount[lo:hi].tolist()
    day = u.date[lo:hi].tolist()
    row = u.row[lo:hi].tolist()
    free = state.free[lo:hi].tolist()
    open_ = [j for j, f in enumerate(free) if f]
    window, limit, k = opt.date_window_days, opt.candidates, opt.k

    def smallest_two(positive: bool) -> int:
        """Sum of the two smallest open amounts of one side: a target below it has no combination."""
        vals = sorted(abs(amt[j]) for j in open_ if free[j] and (amt[j] > 0) == positive)
        return vals[0] + vals[1] if len(vals) >= 2 else -1

    floor = {True: smallest_two(True), False: smallest_two(False)}
    for ti in list(open_):
        if not free[ti]:
            continue
        a, d0 = amt[ti], day[ti]
        pos = a > 0
        need = floor[not pos]
        if need < 0 or (not pair and need > abs(a)):
            continue
        if _budget(state, account) <= 0:
            state.budget_exceeded.append(account)
            state.budget_left_units[account] = sum(free)
            return
        near = [j for j in open_ if free[j] and j != ti and abs(day[j] - d0) <= window]
        other = [j for j in near if (amt[j] > 0) != pos]
        if not pair:
            partners: list[int | None] = [None]
        else:
            same = [j for j in near if (amt[j] > 0) == pos and abs(amt[j]) < abs(a)]
            partners = sorted(same, key=lambda j: (abs(day[j] - d0), row[j]))[:6]
        for s in partners:
            target = abs(a) + (abs(amt[s]) if s is not None else 0)
            if need > target:
                continue
            cand = [j for j in other if abs(amt[j]) < target]
            if len(cand) < 2:
                continue
            if len(cand) > limit:
                cand = sorted(cand, key=lambda j: (abs(day[j] - d0), row[j]))[:limit]
            allowed = _search_budget(state, account)
            found, used = find_subsets([abs(amt[j]) for j in cand], target, k - 1 if pair else k, allowed)
            _spend(state, account, used)
            unproven = used > allowed  # stopped on the budget: no second combination was ruled out
            if found and not unproven and _chance_match(len(cand), len(found[0]), target) > COINCIDENCE:
                unproven = True  # so many subsets for so few possible sums that a match proves little
            if not found or (pair and (len(found) > 1 or unproven)):
                continue
            one = [ti] if s is None else [ti, s]
            chosen = one + [cand[i] for i in found[0]]
            members = tuple(sorted(lo + j for j in chosen))
            for j in chosen:
                free[j] = False
            many = len(found[0])
            if pair:
                group = RawGroup(members, Rule.COMBINATION, f"2 lignes ({eur(abs(a))} et {eur(abs(amt[s]))}) = {many} lignes de l'autre sens", 70)
            elif len(found) > 1:
                alt = tuple(tuple(sorted(lo + j for j in [ti] + [cand[i] for i in f])) for f in found[1:])
                group = RawGroup(members, Rule.COMBINATION, f"{eur(abs(a))} = somme de {many} lignes ; plusieurs combinaisons possibles", 45,
                                 ambiguous=True, alternatives=alt)
            elif unproven:
                group = RawGroup(members, Rule.COMBINATION, f"{eur(abs(a))} = somme de {many} lignes ; recherche arrêtée avant d'avoir "
                                 "exclu une autre combinaison", 40, ambiguous=True)
            else:
                what = "factures" if _is_payment(u, lo + ti) else "règlements"
                group = RawGroup(members, Rule.COMBINATION, f"1 ligne de {eur(abs(a))} = {many} {what} (seule combinaison trouvée)", 75)
            state.take(group)
            floor = {True: smallest_two(True), False: smallest_two(False)}
            break


def combination_pass(state: PassState) -> None:
    """1 ↔ k and k ↔ 1: one open line against up to k lines of the other side (see ``find_subsets``)."""
    accounts = sorted(pd.unique(state.units.account[state.free]))
    for n, account in enumerate(accounts):
        _search_targets(state, account, pair=False)
        state.tick(n + 1, len(accounts))


def combination_pair_pass(state: PassState) -> None:
    """2 ↔ k: a payment and a credit note (or two payments) against several invoices; runs after
    the 1 ↔ k sweep, on the same per-account budget."""
    if state.options.k < 2:
        return
    accounts = sorted(pd.unique(state.units.account[state.free]))
    for n, account in enumerate(accounts):
        if account not in state.budget_exceeded:
            _search_targets(state, account, pair=True)
        state.tick(n + 1, len(accounts))


COINCIDENCE = 0.05  # expected number of chance matches above which a combination is only proposed


def _chance_match(n: int, m: int, target: int) -> float:
    """Expected number of m-subsets of n unrelated amounts summing to ``target`` by chance: about
    C(n, m) subsets spread over ``target`` possible cent values."""
    return math.comb(n, m) / max(target, 1)


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
    """Pairs of opposite lines whose amounts differ by at most the tolerance (never 0: exact pairs
    were the exact pass's). Candidates are found by a sorted search per account, not a cross join,
    so a large account costs n log n."""
    u, opt = state.units, state.options
    tol = opt.tolerance_cents
    if tol <= 0:
        return
    free = np.flatnonzero(state.free)
    if not len(free):
        return
    acc = u.account[free]
    acc_id = pd.factorize(acc, sort=True)[0].astype("int64")
    big = np.int64(10**13)  # amounts in cents stay far below 10^11 €
    amount = u.amount[free]
    key = acc_id * big + np.abs(amount)
    posm, negm = amount > 0, amount < 0
    neg_units, neg_key = free[negm], key[negm]
    order = np.argsort(neg_key, kind="stable")
    neg_units, neg_key = neg_units[order], neg_key[order]
    pos_units, pos_key = free[posm], key[posm]
    lo = np.searchsorted(neg_key, pos_key - tol, side="left")
    hi = np.searchsorted(neg_key, pos_key + tol, side="right")
    counts = hi - lo
    if not counts.sum():
        return
    p = np.repeat(pos_units, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    n = neg_units[np.repeat(lo, counts) + offsets]
    gap = np.abs(u.amount[p] + u.amount[n])
    d2 = np.abs(u.date[p] - u.date[n])
    pairs = pd.DataFrame({"unit_p": p, "unit_n": n, "account": u.account[p], "gap": gap, "d1": np.abs(u.due[p] - u.due[n]), "d2": d2,
                          "r1": np.minimum(u.row[p], u.row[n]), "r2": np.maximum(u.row[p], u.row[n])})
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
PASS_LABELS = {  # stage names shown by a progress bar
    reference_pass: "références", exact_pass: "montants exacts", combination_pass: "combinaisons 1↔k",
    combination_pair_pass: "combinaisons 2↔k", balance_pass: "soldes de comptes", tolerance_pass: "écarts tolérés",
    partial_pass: "partiels",
}
