"""Shared pieces of the lettering engine: open items (units), raw groups, the run state, the
reference keys of the open lines and the bounded subset-sum search. The candidates, scores and
assignment are in ``reglo.core.lettering.matching``.

A *unit* is what can be lettered as one piece: an unlettered line, or the lines of an
existing partial lettering (lower-case code) taken together with their open amount. Units are
held column-wise (numpy arrays sorted by account, date, source row). A unit belongs to at most
one group. Every sort ends on the source row, so results do not depend on the order of the
lines in the input.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reglo.core.lettering.models import LetteringOptions, Rule
from reglo.core.lettering.refs import SHORT_MARK, ScopeKeys, normalise_refs, scope_keys, token_texts
from reglo.core.money import cents_to_money, format_display  # noqa: F401 (eur doctest)


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


def account_ids(account: np.ndarray) -> np.ndarray:
    """Per unit, the index of its account in the units' order (units are sorted by account:
    0, 0, 1, 2, 2 …)."""
    if not len(account):
        return np.zeros(0, dtype="int64")
    return np.concatenate([[0], np.cumsum(account[1:] != account[:-1])]).astype("int64")


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


def reference_keys(units: Units, found: ScopeKeys | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The keys of the open lines, computed once for both reference sweeps: (number of own keys,
    parent line of each named key, key id of the own then named keys, blank key ids, short key ids).
    ``found``: the ``scope_keys`` of the units when the caller has them."""
    found = found or scope_keys(units.line_label, units.line_ref)
    if found is not None:
        blank = np.flatnonzero(pc.equal(found.keys, "").to_numpy(zero_copy_only=False))
        short = np.flatnonzero(pc.starts_with(found.keys, SHORT_MARK).to_numpy(zero_copy_only=False))
        return len(found.own), found.named_line, np.concatenate([found.own, found.named]), blank, short
    # the piece references and the words of the labels normalised together: a piece reference
    # is also a word of its line's label, each distinct text is normalised once
    n_own = len(units.line_ref)
    parents, texts = token_texts(units.line_label)
    keys = normalise_refs(pa.concat_arrays([units.line_ref.cast(pa.string()), texts.cast(pa.string())]))
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    named = pc.not_equal(keys[n_own:], "").to_numpy(zero_copy_only=False)
    keep = np.concatenate([np.ones(n_own, dtype=bool), named])
    encoded = pc.dictionary_encode(keys.filter(pa.array(keep)))
    kid = encoded.indices.to_numpy(zero_copy_only=False).astype("int64")
    blank = np.flatnonzero(pc.equal(encoded.dictionary, "").to_numpy(zero_copy_only=False))
    short = np.flatnonzero(pc.starts_with(encoded.dictionary, SHORT_MARK).to_numpy(zero_copy_only=False))
    return n_own, parents[named], kid, blank, short




def find_subsets(amounts: list[int], target: int, k: int, budget: int, *, min_size: int = 2, limit: int = 2) -> tuple[list[tuple[int, ...]], int]:
    """Subsets of ``amounts`` (positive cents) of size ``min_size``..``k`` summing to ``target``.

    Smallest subsets first (iterative deepening: a real group is found at its own size before a
    larger coincidence). Within a size, a depth-first search over amounts sorted in decreasing
    order, pruned by bounds (the next largest items must be able to reach the rest, the smallest
    must not overshoot it), the last item found by a hash lookup (pair-sum). Stops after
    ``limit`` solutions or when ``budget`` work units are spent.

    Returns (solutions as indices into ``amounts``, work spent). Work > budget means stopped.
    """
    if amounts and max(amounts) < target:
        # sizes that no subset can fit: the s smallest items overshoot (the search spends one
        # unit at that size), or the s largest fall short (one unit to enter, one to see it;
        # size 1: one lookup). When every size is so, nothing is found: counted the same here,
        # without building the search's tables. Otherwise the search runs from the start.
        asc = sorted(amounts)
        work = 0
        for size in range(max(1, min_size), min(k, len(amounts)) + 1):
            if size == 1 or sum(asc[:size]) > target:
                cost = 1
            elif sum(asc[-size:]) < target:
                cost = 2
            else:
                break
            for _ in range(cost):
                work += 1
                if work > budget:
                    return [], work
        else:
            return [], work
    order = sorted(range(len(amounts)), key=lambda i: (-amounts[i], i))
    vals = [amounts[i] for i in order]
    n = len(vals)
    prefix = [0]
    for v in vals:
        prefix.append(prefix[-1] + v)
    neg_vals = [-v for v in vals]  # increasing: bisect finds the first item below a rest
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
        # the items too large for the rest (vals decrease) cost one work unit each and are
        # skipped: jump over them at once (same work count, same budget stop)
        skip_to = min(bisect.bisect_right(neg_vals, -rest, start), n - left + 1)
        if skip_to > start:
            work += skip_to - start
            if work > budget:
                work = budget + 1
                return True
            start = skip_to
        if left == 2:  # the last item inlined (same work units as the call it replaces)
            for pos in range(start, n - 1):
                work += 1
                if work > budget:
                    return True
                v = vals[pos]
                if prefix[pos + 2] - prefix[pos] < rest:
                    return False
                if v >= rest:
                    continue
                work += 1
                if work > budget:
                    return True
                hits = where.get(rest - v)
                if hits:
                    for q in hits:
                        if q >= pos + 1:
                            found.append(tuple(sorted(order[p] for p in chosen + [pos, q])))
                            if len(found) >= limit:
                                return True
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
