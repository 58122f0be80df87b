"""Candidates, plausibility scores and the global assignment of the lettering engine.

For each account (auxiliary account when present), over its open items (units):

1. **candidate groups** — references (the full invoice number, a short form « fa 123 » /
   « 000123 » of it, or a piece reference shared by the lines), with the subsets of the named
   invoices that balance and, when the label names only some invoices, completions by other
   open lines; exact amounts 1↔1; sums 1↔2–k (nearest lines by date); contiguous runs of
   invoices (a monthly statement); a payment and its credit note against invoices (2↔k);
   amounts within the write-off tolerance;
2. **a plausibility score** for each candidate from features: reference strength, date order
   (a settlement before its invoice only for a deposit), the delay against the account's
   usual delay (learnt from the account's lettered history and its references), how many
   lines of the same amount compete, group size, shared piece; the score is a log-odds
   ``z`` shown as 0–100;
3. **a global assignment**: on each connected set of competing candidates, the set of
   disjoint groups of maximal total log-odds (exact branch and bound; greedy by score past a
   work budget), and for each chosen group its *margin*: how much worse the best assignment
   without it is. A group is applied automatically when its score and margin clear the
   calibrated thresholds (``AUTO_Z``, ``AUTO_MARGIN``); otherwise it stays a proposal, with
   its score and the competing groups as alternatives.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from reglo.core.gc_pause import frozen_heap, gc_paused
from reglo.core.lettering import kernels as kernels_mod
from reglo.core.lettering.models import LetteringOptions, Rule
from reglo.core.lettering.passes import (
    PassState,
    RawGroup,
    Units,
    account_ids,
    eur,
    find_subsets,
    reference_keys,
)
from reglo.core.lettering.refs import DATE_WORD, own_digit_keys, scope_keys, split_words

# --- calibration (tuned on the tuning seeds of tests/lettering_bench only) ---------------------
AUTO_Z = 0.4  # log-odds above which a group may be applied automatically (score ≈ 60); set on the tuning seeds
AUTO_MARGIN = 0.5  # … when the best assignment without it is at least this much worse (tuning seeds)
AUTO_MARGIN_AMOUNTS = 1.0  # … for runs and compact sums of interchangeable amounts (tuning seeds)
MIN_Z = -1.5  # candidates below are not even proposed
DEPOSIT_WORDS = r"ACOMPTE|AVANCE|ARRHES|ACPT|PROVISION"
SETTLE_GRACE = 3  # days a settlement may precede its invoice (booking dates)
MAX_EXACT_ALTS = 6  # exact-pair candidates kept per line
MAX_RUN = 15  # invoices of a contiguous run (a monthly statement)
EXACT_NODES = 5_000  # branch-and-bound nodes per component before falling back to greedy
MULTISET_BUDGET = 1000  # work units of one search of interchangeable amounts
SUM_UNIQUE_Z = 2.5  # the only combination of the nearby lines (tuning seeds)
PLAN_Z = 3.5  # a monthly instalment plan (tuning seeds)
COMPACT_Z = 1.0  # interchangeable amounts issued together (tuning seeds)
DELAY_SPREAD = 0.15  # a usual delay learnt from same-amount coincidences spreads at least this share of itself (tuning seeds)
RUN_HABIT_MIN = 3  # runs (statements) from which an account's usual delay for them is learnt
RUN_HABIT_SPREAD = 12.0  # … when their delays spread by at most this many days (first values tried; tuning seeds)
BEFORE_TEXT = "règlement daté avant la facture, sans référence : à confirmer"
TWIN_DAYS = 60  # a run (or a compact sum) of one repeated amount competes with an open invoice of that amount up to this many days before it
CONTESTED_Z = 2.0  # a completion line that also settles another open line exactly (as « montant interchangeable »)
_GUESSED = ("complement", "plan")  # groups whose lines were added by amount alone (``_contested``)

REF_FULL, REF_SHORT, REF_DIGITS = 3, 2, 1  # strength of a reference link


def sigmoid_score(z: float) -> int:
    return int(round(100 / (1 + math.exp(-z))))


@dataclass
class Cand:
    units: tuple[int, ...]
    rule: Rule
    z: float
    why: list[str]
    ref: int = 0  # reference strength (0 none)
    partial: bool = False
    base: str = ""
    scored: bool = False  # z and why set already (an exact pair scored by the kernels)
    part_of_other: bool = False  # a settlement of the group names a larger open invoice outside it (``_outside``)
    before: bool = False  # found by amount alone (no reference, an amount not unique), a settlement dated before an invoice of the group


@dataclass
class Ctx:
    amt: list[int]
    day: list[int]
    due: list[int]
    row: list[int]
    inv: list[bool]  # invoice side (debit on a customer account, credit on a supplier one)
    deposit: list[bool]
    piece: list[str]
    edges: dict[int, dict[int, int]]  # unit -> {named unit: strength}
    history: dict[str, tuple[float, float, int]]  # account -> (usual delay, spread, count) from lettered groups
    pooled: tuple[float, float]
    partial_code: list[str]
    nsame: list[int] = field(default_factory=list)
    marker: dict[int, tuple[int, int]] = field(default_factory=dict)  # of the units being searched (``instalment_markers``)
    aamt: list[int] = field(default_factory=list)  # abs(amt), computed once
    named_by: dict[int, list[int]] = field(default_factory=dict)  # unit -> units whose label names it  # « ÉCHÉANCE 2/3 »: (2, 3)  # open lines of the same amount on the busier side of the account
    kernels: Any = None  # compiled ``kernels.ArrayKernels`` given by the caller, or None: the Python versions below
    arrays: tuple | None = None  # with kernels: amt, day, inv, deposit, row as numpy arrays (``kernels.sums_kernel``)
    pair_arrays: tuple | None = None  # … and due, nsame, piece ids (-1: none), linked (``kernels.pairs_kernel``)


# ---------------------------------------------------------------------------
# references (vectorised over the whole scope)
# ---------------------------------------------------------------------------

def _digit_keys(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Every run of at least 3 digits of each text, leading zeros dropped (« 00123 » → « 123 »),
    but for words that are dates (``refs.DATE_WORD``: « RELEVE 01/2025 » names no invoice 2025):
    (index of the text, key)."""
    words = split_words(values)
    flat = pc.list_flatten(words)
    keep = pc.invert(pc.match_substring_regex(flat, DATE_WORD))
    word_parent = pc.list_parent_indices(words).to_numpy()[keep.to_numpy(zero_copy_only=False)]
    runs = split_words(pc.replace_substring_regex(pc.filter(flat, keep), r"[^0-9]+", " "))
    parents = word_parent[pc.list_parent_indices(runs).to_numpy()]
    flat = pc.utf8_ltrim(pc.list_flatten(runs), "0")
    ok = pc.greater_equal(pc.utf8_length(flat), 3)
    return parents[ok.to_numpy(zero_copy_only=False)], pc.filter(flat, ok)


SPLIT_UNITS = 200_000  # from this many open units, the references are read in two halves side by side (``threads``)

Threads = Callable[[Callable[[Any], Any], list], list]


def reference_edges(state: PassState, inv: np.ndarray, threads: Threads | None = None) -> dict[int, dict[int, int]]:
    """See ``_reference_edges`` (run without cyclic GC: it builds one dict per naming line).

    ``threads(fn, items)``, when given (by the caller: the engine starts no thread), computes
    ``[fn(x) for x in items]`` side by side: a big scope is then read in two halves cut between
    accounts (a reference never links two accounts), whose Arrow and numpy steps run outside
    the interpreter at the same time. The edges are the same."""
    with gc_paused():
        if threads is not None and len(state.units) >= SPLIT_UNITS:
            return _reference_edges_halves(state, inv, threads)
        return _reference_edges(state, inv)


def _reference_edges_halves(state: PassState, inv: np.ndarray, threads: Threads) -> dict[int, dict[int, int]]:
    u = state.units
    n = len(u)
    acc = u.account
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
    at = int(np.searchsorted(starts, n // 2))
    cut = int(starts[at]) if at < len(starts) else n
    if not 0 < cut < n:  # one account holds the middle of the scope up to its end
        return _reference_edges(state, inv)
    line_unit = np.asarray(u.line_unit, dtype="int64")

    def half(bounds: tuple[int, int]) -> tuple[dict[int, dict[int, int]], Any]:
        lo, hi = bounds
        lines = np.flatnonzero((line_unit >= lo) & (line_unit < hi))
        take = pa.array(lines, type=pa.int64())
        sub = Units(account=u.account[lo:hi], amount=u.amount[lo:hi], date=u.date[lo:hi], due=u.due[lo:hi], row=u.row[lo:hi], rows=[],
                    partial_code=[], line_unit=line_unit[lines] - lo, line_label=u.line_label.take(take), line_ref=u.line_ref.take(take),
                    line_text=u.line_text.take(take) if u.line_text is not None else None)
        sub_state = PassState(units=sub, options=state.options, free=state.free[lo:hi])
        edges = _reference_edges(sub_state, inv[lo:hi], offset=lo)
        return edges, getattr(sub_state, "edge_arrays", None)

    edges: dict[int, dict[int, int]] = {}
    arrays = []
    for part, part_arrays in threads(half, [(0, cut), (cut, n)]):  # in unit order: the edges as one pass makes them
        edges.update(part)
        if part_arrays is not None:
            arrays.append(part_arrays)
    if arrays:
        state.edge_arrays = tuple(np.concatenate([a[i] for a in arrays]) for i in range(3))  # type: ignore[attr-defined]
    return edges


def _reference_edges(state: PassState, inv: np.ndarray, offset: int = 0) -> dict[int, dict[int, int]]:
    """Unit -> {unit it names: strength}: a line whose label or piece names the piece reference of
    an open line of the other sign of the same account (unique among that side's open lines).
    Strength: full number (« FA2025-00123 », « FA25-0012 »), short invoice number after an
    invoice prefix (« FA001 »), or the number alone (« 000123 », « fact 123 » for FA2025-00123).

    Column-wise: the (account, key) pairs are joined as integers (sorted arrays and
    ``searchsorted``), never as Python objects."""
    u = state.units
    edges: dict[int, dict[int, int]] = {}
    if not len(u):
        return edges
    found = scope_keys(u.line_label, u.line_ref) if u.line_text is not None else None
    n_own, parents, kid, blank, short_ids = reference_keys(u, found)
    lu = np.asarray(u.line_unit, dtype="int64")
    acc = u.account
    acc_id = account_ids(acc)
    n_keys = int(kid.max()) + 2 if len(kid) else 1
    strength_of = np.full(n_keys, REF_FULL, dtype="int64")
    strength_of[short_ids] = REF_SHORT
    valid = np.ones(n_keys, dtype=bool)
    valid[blank] = False
    sign = np.sign(u.amount).astype("int64")
    frames = []
    own_k, nm_k = kid[:n_own], kid[n_own:]
    nm_unit = lu[parents]
    ko, kn = valid[own_k], valid[nm_k]
    frames.append((lu[ko], own_k[ko], nm_unit[kn], nm_k[kn], n_keys, strength_of))
    # the number alone: invoice side only owns it (a bank slip « RLV2503 » names nothing)
    own_d = found.own_digit if found is not None and found.own_digit is not None else own_digit_keys(u.line_ref)
    od_ok = pc.not_equal(own_d, "").to_numpy(zero_copy_only=False) & inv[lu]
    if found is not None:  # the runs of digits of each distinct word, and where they occur
        p2, nd, pick = found.digit_line, found.runs, found.digit_run
    else:
        p2, nd = _digit_keys(u.line_text)
        pick = None
    # the digit keys as integer ids (joins on integers, not on text)
    n_od = int(od_ok.sum())
    if n_od or len(nd):
        d_enc = pc.dictionary_encode(pa.concat_arrays([pc.filter(own_d, pa.array(od_ok)).cast(pa.string()), nd.cast(pa.string())]))
        d_ids = d_enc.indices.to_numpy(zero_copy_only=False).astype("int64")
        n_d = len(d_enc.dictionary)
    else:
        d_ids, n_d = np.zeros(0, "int64"), 1
    named_d = d_ids[n_od:] if pick is None else d_ids[n_od:][pick]
    frames.append((lu[od_ok], d_ids[:n_od], lu[p2], named_d, n_d, None))
    rows_a, rows_b, rows_s = [], [], []
    for own_unit, own_key, nm_unit, nm_key, nk, strength in frames:
        a, b, k = _join_keys(own_unit, own_key, nm_unit, nm_key, nk, acc_id, sign)
        if not len(a):
            continue
        rows_a.append(a)
        rows_b.append(b)
        rows_s.append(np.full(len(a), REF_DIGITS, dtype="int64") if strength is None else strength[k])
    if not rows_a:
        return edges
    ea, eb, es = np.concatenate(rows_a), np.concatenate(rows_b), np.concatenate(rows_s)
    # one edge per (a, b), the strongest
    order = np.lexsort((-es, eb, ea))
    ea, eb, es = ea[order], eb[order], es[order]
    keep = np.r_[True, (ea[1:] != ea[:-1]) | (eb[1:] != eb[:-1])]
    ea, eb, es = ea[keep], eb[keep], es[keep]
    if offset:  # units of a part of the scope starting at ``offset``
        ea, eb = ea + offset, eb + offset
    state.edge_arrays = (ea, eb, es)  # type: ignore[attr-defined]
    # the dict of dicts, one per naming unit (ea is sorted)
    cut = np.flatnonzero(np.r_[True, ea[1:] != ea[:-1]]).tolist() + [len(ea)]
    pairs = list(zip(eb.tolist(), es.tolist()))
    edges.update(zip(ea[cut[:-1]].tolist(), map(dict, map(pairs.__getitem__, map(slice, cut[:-1], cut[1:])))))
    return edges


def _named_by(edges: dict[int, dict[int, int]], arrays: tuple | None, lo: int = 0, hi: int | None = None) -> dict[int, list[int]]:
    """Unit → the units whose label names it, in increasing order: the reverse of ``edges``, for
    the units ``lo`` to ``hi`` (excluded; whole accounts: a reference never links two accounts),
    from its arrays when given (``state.edge_arrays``, sorted by naming unit, then named unit)."""
    if not edges or arrays is None:
        out: dict[int, list[int]] = {}
        for x, ys in edges.items():
            if lo <= x and (hi is None or x < hi):
                for y in ys:
                    out.setdefault(y, []).append(x)
        return out
    ea, eb = arrays[0], arrays[1]
    i = int(np.searchsorted(ea, lo)) if lo else 0
    j = int(np.searchsorted(ea, hi)) if hi is not None else len(ea)
    ea, eb = ea[i:j], eb[i:j]
    if not len(ea):
        return {}
    o = np.lexsort((ea, eb))
    ys, xs = eb[o], ea[o].tolist()
    cut = np.flatnonzero(np.r_[True, ys[1:] != ys[:-1]]).tolist() + [len(ys)]
    return dict(zip(ys[cut[:-1]].tolist(), map(xs.__getitem__, map(slice, cut[:-1], cut[1:]))))


def _join_keys(own_unit: np.ndarray, own_key: np.ndarray, nm_unit: np.ndarray, nm_key: np.ndarray, n_keys: int, acc_id: np.ndarray,
               sign: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(naming unit, owning unit, key) for every key a unit names that exactly one open line of
    one sign of the same account owns (distinct (unit, key) pairs on both sides)."""
    n_keys = np.int64(max(n_keys, 1))
    # only the keys both owned and named can link (a lookup per key id, before any sort)
    owned = np.zeros(int(n_keys), dtype=bool)
    owned[own_key] = True
    named_somewhere = np.zeros(int(n_keys), dtype=bool)
    named_somewhere[nm_key] = True
    both = owned & named_somewhere
    keep_own, keep_named = both[own_key], both[nm_key]
    own_unit, own_key, nm_unit, nm_key = own_unit[keep_own], own_key[keep_own], nm_unit[keep_named], nm_key[keep_named]
    own = _distinct(own_unit.astype("int64") * n_keys + own_key)
    ou, ok = own // n_keys, own % n_keys
    # owned by exactly one unit of its sign in its account
    grp = (acc_id[ou] * n_keys + ok) * 3 + (sign[ou] + 1)
    by = np.argsort(grp, kind="stable")
    g = grp[by]
    head = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, "int64")
    single = by[head[np.diff(np.r_[head, len(g)]) == 1]]
    ou, ok = ou[single], ok[single]
    oak = acc_id[ou] * n_keys + ok
    order = np.argsort(oak, kind="stable")
    ou, oak = ou[order], oak[order]
    named = _distinct(nm_unit.astype("int64") * n_keys + nm_key)
    nu, nk = named // n_keys, named % n_keys
    nak = acc_id[nu] * n_keys + nk
    lo = np.searchsorted(oak, nak, side="left")
    cnt = np.searchsorted(oak, nak, side="right") - lo
    total = int(cnt.sum())
    a, k = np.repeat(nu, cnt), np.repeat(nk, cnt)
    b = ou[np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)]
    keep = a != b
    return a[keep], b[keep], k[keep]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array (a sort: cheaper than ``np.unique``'s hashing)."""
    s = np.sort(values)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


_REF_Z = np.array([0.0, 3.0, 3.5, 4.5])  # by strength: none, number alone, short, full


def _account_delay_stats(acc_id: np.ndarray, delay: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per account id: median delay, spread (≥ 6 days), count of the given samples."""
    n_acc = int(acc_id.max()) + 1 if len(acc_id) else 0
    mu = np.zeros(n_acc)
    sd = np.full(n_acc, 6.0)
    cnt = np.zeros(n_acc, dtype="int64")
    if not len(acc_id):
        return mu, sd, cnt
    df = pd.DataFrame({"a": acc_id, "d": delay.astype("float64")})
    med = df.groupby("a")["d"].median()
    df["dev"] = (df["d"] - med.reindex(df["a"]).to_numpy()).abs()
    mad = df.groupby("a")["dev"].median()
    c = df.groupby("a").size()
    mu[med.index.to_numpy()] = med.to_numpy()
    sd[mad.index.to_numpy()] = np.maximum(6.0, 1.5 * 1.4826 * mad.to_numpy())
    cnt[c.index.to_numpy()] = c.to_numpy()
    return mu, sd, cnt


def fast_path(state: PassState, inv: np.ndarray, deposit: np.ndarray, piece: list[str], nsame_pos: np.ndarray, nsame_neg: np.ndarray,
              history: dict[str, tuple[float, float, int]]) -> dict[str, tuple[float, float, int]]:
    """See ``_fast_path`` (run without cyclic GC: it builds one group per uncontested match)."""
    with gc_paused():
        return _fast_path(state, inv, deposit, piece, nsame_pos, nsame_neg, history)


def _fast_path(state: PassState, inv: np.ndarray, deposit: np.ndarray, piece: list[str], nsame_pos: np.ndarray, nsame_neg: np.ndarray,
               history: dict[str, tuple[float, float, int]]) -> dict[str, tuple[float, float, int]]:
    """The groups no other candidate can contest, vectorised over the whole scope, so that the
    per-account search only sees what is left:

    - a label that names exactly the invoices it pays, when nobody else names them, they name
      nothing, and the dates are in order (score from the reference strength and the delay
      against the account's usual delay, learnt from these very groups);
    - a pair of lines whose amount is unique on both sides of the account, with no reference
      on either line, the settlement after the invoice (or a deposit), within the window.

    Each is the only candidate of its lines that the per-account search would score above the
    threshold, so it is applied with its score as margin. Returns the usual delays learnt (for
    the per-account search)."""
    u, opt = state.units, state.options
    n = len(u)
    acc = u.account
    acc_id = account_ids(acc)
    names = acc[np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])]  # of each account, by index
    hist_mu = np.full(int(acc_id[-1]) + 1, np.nan)
    hist_sd = np.full(len(hist_mu), 6.0)
    if history:
        for i, a in enumerate(names.tolist()):
            h = history.get(a)
            if h and h[2] >= 3:
                hist_mu[i], hist_sd[i] = h[0], h[1]
    amount, day = u.amount, u.date
    sign = amount > 0
    learnt: dict[str, tuple[float, float, int]] = {}
    taken = np.zeros(n, dtype=bool)
    found = Found()
    ea, eb, es = getattr(state, "edge_arrays", (np.zeros(0, "int64"),) * 3)
    if len(ea):
        out_all = np.bincount(ea, minlength=n)
        in_all = np.bincount(eb, minlength=n)
        same = sign[ea] == sign[eb]
        out_same = np.bincount(ea[same], minlength=n)
        total = amount.copy()
        np.add.at(total, ea, amount[eb])
        strength = np.full(n, 9, dtype="int64")
        np.minimum.at(strength, ea, es)
        first_inv = np.full(n, np.iinfo("int64").max, dtype="int64")
        np.minimum.at(first_inv, ea, day[eb])
        last_inv = np.full(n, np.iinfo("int64").min, dtype="int64")
        np.maximum.at(last_inv, ea, day[eb])
        bad_named = np.zeros(n, dtype=bool)
        np.logical_or.at(bad_named, ea, (in_all[eb] != 1) | (out_all[eb] != 0) | ~inv[eb] | (acc_id[eb] != acc_id[ea]))
        payer = (out_all > 0) & (out_same == 0) & (in_all == 0) & ~inv & (total == 0) & ~bad_named & (out_all <= 2 * opt.k)
        payer &= (day >= first_inv - SETTLE_GRACE) | deposit
        px = np.flatnonzero(payer)
        if len(px):
            delay = np.where(deposit[px], 0, day[px] - last_inv[px])
            ok_delay = ~deposit[px]
            mu, sd, cnt = _account_delay_stats(acc_id[px][ok_delay], delay[ok_delay])
            mu = np.resize(mu, len(hist_mu)) if len(mu) < len(hist_mu) else mu
            sd = np.resize(sd, len(hist_mu)) if len(sd) < len(hist_mu) else sd
            cnt = np.resize(cnt, len(hist_mu)) if len(cnt) < len(hist_mu) else cnt
            a_id = acc_id[px]
            use_hist = ~np.isnan(hist_mu[a_id])
            m = np.where(use_hist, hist_mu[a_id], mu[a_id])
            sdv = np.where(use_hist, hist_sd[a_id], sd[a_id])
            known = use_hist | (cnt[a_id] >= 3)
            dev = np.abs(delay - m) / sdv
            z = _REF_Z[strength[px]] - np.where(known & ok_delay, 0.15 * np.minimum(dev, 8.0), np.where(delay > 150, 0.3, 0.0))
            # the invoices each payer names (ea is sorted: one slice per payer, in the order of px)
            sel = payer[ea]
            sa, sb = ea[sel], eb[sel]
            cut = np.flatnonzero(np.r_[True, sa[1:] != sa[:-1]])
            found.ref = (acc_id[px], px, np.r_[cut, len(sa)], sb, delay, ok_delay, known, m, z, np.asarray(_scores(z), dtype=np.int64), _round3(z))
            taken[px] = True
            taken[eb[sel]] = True
            for a in np.unique(a_id[ok_delay]).tolist():
                if cnt[a] >= 1:
                    learnt[str(names[a])] = (float(mu[a]), float(sd[a]), int(cnt[a]))
        has_ref = (out_all > 0) | (in_all > 0)
    else:
        has_ref = np.zeros(n, dtype=bool)
    # unique exact pairs
    cand = ~taken & ~has_ref & (nsame_pos == 1) & (nsame_neg == 1)
    idx = np.flatnonzero(cand)
    if len(idx):
        key = acc_id[idx] * np.int64(10**13) + np.abs(amount[idx])
        order = np.argsort(key, kind="stable")
        idx, key = idx[order], key[order]
        pair = np.flatnonzero(key[1:] == key[:-1])
        p, q = idx[pair], idx[pair + 1]
        i_side = np.where(inv[p], p, q)
        s_side = np.where(inv[p], q, p)
        ok = inv[i_side] & ~inv[s_side] & (amount[p] == -amount[q])
        d = day[s_side] - day[i_side]
        ok &= ((d >= -SETTLE_GRACE) | deposit[s_side]) & (np.abs(d) <= opt.date_window_days)
        i_side, s_side, d = i_side[ok], s_side[ok], d[ok]
        a_id = acc_id[i_side]
        lm = np.full(len(hist_mu), np.nan)
        ls = np.full(len(hist_mu), 6.0)
        name_id = {nm: i for i, nm in enumerate(names.tolist())}
        for nm, (m_, s_, c_) in learnt.items():
            if c_ >= 3:
                lm[name_id[nm]], ls[name_id[nm]] = m_, s_
        mu_a = np.where(~np.isnan(hist_mu[a_id]), hist_mu[a_id], lm[a_id])
        sd_a = np.where(~np.isnan(hist_mu[a_id]), hist_sd[a_id], ls[a_id])
        known = ~np.isnan(mu_a)
        dev = np.where(known, np.abs(d - np.nan_to_num(mu_a)) / sd_a, 0.0)
        dep = deposit[s_side]
        z = 3.0 + np.where(known & ~dep, 1.2 - 0.55 * np.minimum(dev, 3.0), 0.0)
        due = u.due[i_side]
        has_due = due != day[i_side]
        z -= np.where(~known & ~dep & (d > 150), 1.1, 0.0)
        z -= np.where(~known & has_due, 0.04 * np.minimum(np.abs(day[s_side] - due), 60), 0.0)
        good = z >= AUTO_Z
        zg = z[good]
        found.exact = (a_id[good], i_side[good], s_side[good], d[good], zg, known[good], np.nan_to_num(mu_a[good]), dep[good],
                       np.abs(amount[i_side[good]]), np.asarray(_scores(zg), dtype=np.int64), _round3(zg))
        taken[i_side[good]] = True
        taken[s_side[good]] = True
    state.found = found  # type: ignore[attr-defined]
    state.free[taken] = False
    return learnt


@dataclass
class Found:
    """The fast path's groups as columns (made ``RawGroup``s by ``groups``, per chunk of accounts,
    wherever the chunk runs): the references (account, payer, slices of the units it names,
    delay, dated, known habit, usual delay, z, score, rounded z) and the unique exact pairs
    (account, invoice, settlement, delay, z, known habit, usual delay, deposit, amount, score,
    rounded z), each in the order of its accounts."""
    ref: tuple | None = None
    exact: tuple | None = None

    def groups(self, a0: int, a1: int, piece: list[str]) -> list[RawGroup]:
        """The groups of the accounts ``a0`` to ``a1`` (excluded)."""
        out: list[RawGroup] = []
        if self.ref is not None:
            acc, px, cut, sb, delay, dated, known, mu, z, score, z3 = self.ref
            lo, hi = np.searchsorted(acc, [a0, a1]).tolist()
            if hi > lo:
                c = cut[lo:hi + 1].tolist()
                named = sb[c[0]:c[-1]].tolist()
                base = c[0]
                for x, b, e, d, dt, kn, mi, zi, sc, zr in zip(px[lo:hi].tolist(), c[:-1], c[1:], delay[lo:hi].tolist(), dated[lo:hi].tolist(),
                                                              known[lo:hi].tolist(), mu[lo:hi].tolist(), z[lo:hi].tolist(), score[lo:hi].tolist(), z3[lo:hi]):
                    if e - b == 1:
                        y = named[b - base]
                        units, refs, label = ((x, y) if x < y else (y, x)), piece[y], "référence"
                    else:
                        ys = named[b - base:e - base]
                        units, refs, label = tuple(sorted([x] + ys)), ", ".join(sorted({piece[y] for y in ys if piece[y]})), "références"
                    if not dt:
                        why = f"{label} {refs} dans le libellé ; acompte antérieur à la facture ; score {sc}/100, marge {zi:.1f}"
                    elif kn:
                        why = f"{label} {refs} dans le libellé ; délai {d} j (habituel {mi:.0f} j) ; score {sc}/100, marge {zi:.1f}"
                    else:
                        why = f"{label} {refs} dans le libellé ; délai {d} j ; score {sc}/100, marge {zi:.1f}"
                    out.append(RawGroup(units, Rule.REFERENCE, why, sc, False, (), False, zr, zr))
        if self.exact is not None:
            acc, i_side, s_side, d, z, known, mu, dep, amount, score, z3 = self.exact
            lo, hi = np.searchsorted(acc, [a0, a1]).tolist()
            for i, s_, dd, zz, kn, m_, dp, am, sc, zr in zip(i_side[lo:hi].tolist(), s_side[lo:hi].tolist(), d[lo:hi].tolist(), z[lo:hi].tolist(),
                                                             known[lo:hi].tolist(), mu[lo:hi].tolist(), dep[lo:hi].tolist(), amount[lo:hi].tolist(),
                                                             score[lo:hi].tolist(), z3[lo:hi]):
                when = "acompte antérieur à la facture" if dp else (f"délai {dd} j (habituel {m_:.0f} j)" if kn else f"délai {dd} j")
                out.append(RawGroup((i, s_) if i < s_ else (s_, i), Rule.EXACT,
                                    f"montant identique {eur(am)} ; {when} ; montant unique ; score {sc}/100, marge {zz:.1f}", sc, False, (), False, zr, zr))
        return out


def _scores(z: np.ndarray) -> list[int]:
    """``sigmoid_score`` of each z, column-wise: ``int(round(100 / (1 + math.exp(-z))))``; a value
    that numpy's exp could round to the other side (within 1e-9 of a half) is redone with ``math``."""
    v = 100 / (1 + np.exp(-z))
    out = np.rint(v).astype("int64").tolist()
    for j in np.flatnonzero(np.abs(v - np.floor(v) - 0.5) < 1e-9).tolist():
        out[j] = int(round(100 / (1 + math.exp(-float(z[j])))))
    return out


def _round3(z: np.ndarray) -> list[float]:
    """``round(z, 3)`` of each z, column-wise (``np.round``: the same double unless z * 1000 is within
    1e-6 of a half, redone with ``round``)."""
    t = z * 1000
    out = np.round(z, 3).tolist()
    for j in np.flatnonzero(np.abs(t - np.floor(t) - 0.5) < 1e-6).tolist():
        out[j] = round(float(z[j]), 3)
    return out


# ---------------------------------------------------------------------------
# per account
# ---------------------------------------------------------------------------


@dataclass
class _Acc:
    lo: int
    hi: int
    name: str
    mu: float
    sd: float
    known: bool
    cands: list[Cand] = field(default_factory=list)
    by_amount: dict[int, list[int]] = field(default_factory=dict)
    free: set[int] = field(default_factory=set)
    seen: dict[tuple[int, ...], Cand] = field(default_factory=dict)
    linked: set[int] = field(default_factory=set)  # free units that name a line or are named
    runs: tuple[float, float] | None = None  # usual delay (and spread) of the account's statements (``_run_habit``)


# the texts and candidates both ways of the search make (Python, or its kernels' records)
_EARLY_TEXT = {kernels_mod.EARLY_SETTLEMENT: "règlement antérieur à la facture", kernels_mod.EARLY_DEPOSIT: "acompte antérieur à la facture"}


def _delay_text(d: int, a: _Acc) -> str:
    return _delay_text_of(d, a.mu, a.known)


def _delay_text_of(d: int, mu: float, known: bool) -> str:
    return f"délai {d} j (habituel {mu:.0f} j)" if known else f"délai {d} j"


def _same_amount_text(same_amount: int) -> str:
    return "montant unique" if same_amount == 1 else f"{same_amount} lignes du même montant"


def _exact_label(value: int) -> str:
    return f"montant identique {eur(value)}"


def _run_cand(lines: tuple[int, ...], target: int, count: int) -> Cand:
    """A settlement of ``target`` cents paying ``count`` consecutive invoices."""
    return Cand(lines, Rule.COMBINATION, 0.0, [f"{eur(target)} = {count} factures consécutives"], base="run")


def _plan_cand(lines: tuple[int, ...], total: int, m: int) -> Cand:
    """An invoice of ``total`` cents paid in ``m`` monthly instalments."""
    return Cand(lines, Rule.COMBINATION, 0.0, [f"{eur(total)} payé en {m} échéances mensuelles"], base="plan")


def _sum_cand(lines: tuple[int, ...], t_amount: int, size: int, t_invoice: bool, n_found: int, unproven: bool) -> Cand:
    """1 line of ``t_amount`` = ``size`` lines of the other side, one of ``n_found`` combinations."""
    what = "factures" if not t_invoice else "règlements"
    note = " ; plusieurs combinaisons possibles" if n_found > 1 else ""
    if unproven:
        note += " ; recherche arrêtée avant d'avoir exclu une autre combinaison"
    c = Cand(lines, Rule.COMBINATION, 0.0, [f"1 ligne de {eur(abs(t_amount))} = {size} {what}{note}"], base="sum")
    c.same = 0  # type: ignore[attr-defined]
    c.target = lines[0]  # type: ignore[attr-defined]
    if n_found == 1 and not unproven:
        c.why.append("seule combinaison")
        c.base = "sum_unique"
    if n_found > 1 or unproven:
        c.why.append("combinaison incertaine")
        c.base = "sum_amb"
    return c


def _compact_cand(lines: tuple[int, ...], t_amount: int, size: int) -> Cand:
    return Cand(lines, Rule.COMBINATION, 0.0, [f"1 ligne de {eur(abs(t_amount))} = {size} factures de montants interchangeables, émises ensemble"],
                base="sum_compact")


def _pair_sum_cand(lines: tuple[int, ...], t_amount: int, s_amount: int, size: int) -> Cand:
    return Cand(lines, Rule.COMBINATION, 0.0, [f"2 lignes ({eur(abs(t_amount))} et {eur(abs(s_amount))}) = {size} lignes de l'autre sens"],
                base="pair_sum")


def _budget_stop(state: PassState, name: str, n_targets: int) -> None:
    """The account's combination budget ran out: said once, with the lines it had left to search."""
    if name not in state.budget_exceeded:
        state.budget_exceeded.append(name)
        state.budget_left_units[name] = n_targets


def _instalments(ctx: Ctx, units: tuple[int, ...]) -> int:
    """m when the settlements of the group are exactly the instalments 1/m … m/m, else 0."""
    marker, inv = ctx.marker, ctx.inv
    marks = [marker.get(x) for x in units if not inv[x]]
    if len(marks) < 2 or None in marks:  # most groups: a settlement without « ÉCHÉANCE i/m »
        return 0
    m = marks[0][1]
    if any(k[1] != m for k in marks) or m != len(marks) or sorted(k[0] for k in marks) != list(range(1, m + 1)):
        return 0
    return m


_NO_EDGE: dict[int, int] = {}
_NO_MEMBERS: frozenset[int] = frozenset()
_RULE_Z = {Rule.REFERENCE: 0.0, Rule.EXACT: 1.5, Rule.COMBINATION: 0.6, Rule.TOLERANCE: 0.4, Rule.PARTIAL: 0.0, Rule.BALANCE: -1.0}
_REF_BONUS = {REF_FULL: 4.5, REF_SHORT: 3.5, REF_DIGITS: 3.0}


def _outside(ctx: Ctx, a: _Acc, refd: list[int], members: set[int] | frozenset[int], z: float, why: list[str]) -> tuple[float, bool]:
    """``z`` less the penalty for a line of the group that names, or is named by, an open line
    outside it (``refd``: the group's lines that name or are named); and whether a settlement
    of the group names an open invoice outside it that is larger than the settlement: by its
    label, a part payment of that invoice (« fa 1839 ACOMPTE PARTIEL »), not a payment of this
    group's lines — which then rests on its amount alone and is never applied automatically."""
    edges, free, named_by, inv, aamt = ctx.edges, a.free, ctx.named_by, ctx.inv, ctx.aamt
    outside = []
    part_of_other = False
    for x in refd:
        for y, st in edges.get(x, _NO_EDGE).items():
            if y not in members and y in free:
                outside.append(st)
                part_of_other = part_of_other or (not inv[x] and inv[y] and aamt[y] > aamt[x])
    outside += [edges[x][y] for y in refd for x in named_by.get(y, ()) if x not in members and x in free]
    if outside:
        z -= 2.0 if max(outside) >= REF_FULL else 1.0
        why.append("une ligne nomme une pièce hors du groupe")
    if part_of_other:
        why.append("un règlement cite une autre facture, plus élevée, qu'il paie en partie")
    return z, part_of_other


def _same_amount(a: _Acc, same_amount: int, z: float, why: list[str]) -> float:
    """``z`` with the evidence of the amount's uniqueness (``same_amount``: lines of this amount)."""
    why.append(_same_amount_text(same_amount))
    if same_amount == 1:
        z += 1.5
    else:
        z -= 0.1 * min(same_amount - 1, 5)
        if not a.known:  # several lines of this amount and no known habit to tell them apart
            z -= 0.3
    return z


def _score_pair(ctx: Ctx, a: _Acc, c: Cand, same_amount: int) -> None:
    """``_score`` of an exact pair without reference (most candidates): the same features, the
    same arithmetic in the same order, without the loops of the general case."""
    z = 1.5  # _RULE_Z[Rule.EXACT]
    why = list(c.why)
    x, y = c.units
    day, inv, deposit = ctx.day, ctx.inv, ctx.deposit
    ix, iy = inv[x], inv[y]
    d = None
    if ix or iy:
        dx, dy = day[x], day[y]
        inv_max = (dx if dx >= dy else dy) if ix and iy else (dx if ix else dy)
        limit = inv_max - SETTLE_GRACE
        ex, ey = not ix and dx < limit, not iy and dy < limit  # settled before the invoice
        if ex or ey:
            bad = (ex and not deposit[x]) + (ey and not deposit[y])
            if bad:
                z -= 3.0 * bad
                why.append(_EARLY_TEXT[kernels_mod.EARLY_SETTLEMENT])
            else:
                why.append(_EARLY_TEXT[kernels_mod.EARLY_DEPOSIT])
        sx, sy = not ix and not deposit[x], not iy and not deposit[y]  # settlements (not deposits)
        if sx or sy:
            d = (dx if dx >= dy else dy) - inv_max if sx and sy else (dx if sx else dy) - inv_max
    if d is not None:
        c.before = d < 0 and same_amount != 1
        dev = abs(d - a.mu) / a.sd + max(0, -d) / 2
        w = 0.55
        if a.known:
            z -= w * min(dev, 3.0 if same_amount == 1 else 8.0)
            z += 1.2
            why.append(_delay_text(d, a))
        else:
            if d > 150:
                z -= w * 2
            due = ctx.due
            dues = [due[v] for v in (x, y) if inv[v] and due[v] != day[v]]
            if dues:
                last = max(day[v] for v in (x, y) if not inv[v])
                z -= 0.04 * min(abs(last - max(dues)), 60)
            why.append(_delay_text(d, a))
    _pair_tail(ctx, a, c, z, why, same_amount)


def _pair_tail(ctx: Ctx, a: _Acc, c: Cand, z: float, why: list[str], same_amount: int) -> None:
    """The end of ``_score_pair`` from the score after the delay: references, same amount, piece."""
    x, y = c.units
    linked = a.linked
    if x in linked or y in linked:
        edges, no_edge = ctx.edges, _NO_EDGE
        members = {x, y}
        refd = [v for v in (x, y) if v in linked]
        if [t for v in refd for t in edges.get(v, no_edge) if t in members]:
            z += 1.5
            why.append("référence d'une partie des lignes")
            c.before = False
        z, c.part_of_other = _outside(ctx, a, refd, members, z, why)
    if same_amount:
        z = _same_amount(a, same_amount, z, why)
    piece = ctx.piece
    px, py = piece[x], piece[y]
    if px and py and px == py:
        z += 1.0
        why.append("pièce commune")
    c.z = z
    c.why = why


def _pair_head_why(label: str, early: int, delay: int, mu: float, known: bool) -> list[str]:
    """``_score_pair``'s texts up to the delay, from the kernel's features (``mu``, ``known``:
    the account's usual delay)."""
    why = [label]
    if early:
        why.append(_EARLY_TEXT[early])
    if delay != kernels_mod.NO_DELAY:
        why.append(_delay_text_of(delay, mu, known))
    return why


class _PairWhy:
    """The texts of an exact pair scored by the kernel, made when read (most are never shown).
    It keeps the account's usual delay, not the account (``_Acc``), whose candidates hold it:
    no reference cycle, so the search leaves no garbage for the cyclic collector."""

    __slots__ = ("label", "early", "delay", "mu", "known", "same", "shared")

    def __init__(self, label: str, early: int, delay: int, acc: _Acc, same: int, shared: int) -> None:
        self.label, self.early, self.delay, self.mu, self.known, self.same, self.shared = label, early, delay, acc.mu, acc.known, same, shared

    def __iter__(self):
        why = _pair_head_why(self.label, self.early, self.delay, self.mu, self.known)
        if self.same:
            why.append(_same_amount_text(self.same))
        if self.shared:
            why.append("pièce commune")
        return iter(why)


def _pairs_kernel(ctx: Ctx, a: _Acc, free_units: list[int], window: int) -> None:
    """The exact 1-1 step of ``letter_account`` by ``kernels.pairs_kernel``: the same pairs, in the
    same order, scored as ``_score_pair`` scores them (a pair with a reference feature finished
    here by ``_pair_tail``)."""
    pairs, feats, zs = ctx.kernels.pairs(free_units, ctx.arrays, ctx.pair_arrays, window, a.mu, a.sd, a.known, MAX_EXACT_ALTS, SETTLE_GRACE)
    seen, cands, amt = a.seen, a.cands, ctx.amt
    labels: dict[int, str] = {}
    for (x, y), (early, delay, same, shared, linked), z in zip(pairs, feats, zs):
        key = (x, y)
        if key in seen:  # a reference candidate of the same lines came first
            continue
        value = abs(amt[x])
        label = labels.get(value)
        if label is None:
            label = labels[value] = _exact_label(value)
        before = delay != kernels_mod.NO_DELAY and delay < 0 and same != 1  # as _score_pair sets it
        if linked:
            c = Cand(key, Rule.EXACT, 0.0, [label], base="exact", before=before)
            _pair_tail(ctx, a, c, z, _pair_head_why(label, early, delay, a.mu, a.known), same)
        else:
            c = Cand(key, Rule.EXACT, z, _PairWhy(label, early, delay, a, same, shared), base="exact", before=before)  # type: ignore[arg-type]
        c.same = same  # type: ignore[attr-defined]
        c.scored = True
        seen[key] = c
        cands.append(c)


def _score(ctx: Ctx, a: _Acc, c: Cand, same_amount: int = 0) -> None:
    """Sets ``c.z`` and ``c.why`` from the features of the group."""
    if c.base == "exact" and not c.ref and c.rule is Rule.EXACT and len(c.units) == 2:
        _score_pair(ctx, a, c, same_amount)
        return
    z = _RULE_Z[c.rule]
    why = list(c.why)
    if c.ref:
        z += _REF_BONUS[c.ref]
        if c.base == "complement":
            z -= 1.5
    day, inv, deposit, units = ctx.day, ctx.inv, ctx.deposit, c.units
    inv_days = [day[x] for x in units if inv[x]]
    if inv_days:
        limit = (max(inv_days) if not c.ref else min(inv_days)) - SETTLE_GRACE
        early = [x for x in units if not inv[x] and day[x] < limit]
        bad = [x for x in early if not deposit[x]]
        if bad:
            z -= 3.0 * len(bad) if not c.ref else 1.0
            why.append(_EARLY_TEXT[kernels_mod.EARLY_SETTLEMENT])
        elif early:
            why.append(_EARLY_TEXT[kernels_mod.EARLY_DEPOSIT])
    n_inst = _instalments(ctx, units) if c.rule is not Rule.EXACT else 0
    if n_inst:
        z += 2.5
        why.append(f"échéances 1/{n_inst} à {n_inst}/{n_inst}")
    d = None
    if not n_inst and c.base != "plan" and inv_days:  # the delay: last settlement (not a deposit) after the last invoice
        st_days = [day[x] for x in units if not inv[x] and not deposit[x]]
        if st_days:
            d = max(st_days) - max(inv_days)
    if d is not None:
        c.before = d < 0 and not c.ref and (c.rule is not Rule.EXACT or same_amount != 1)
        runs = a.runs if c.base == "run" else None
        mu, sd = runs if runs is not None else (a.mu, a.sd)
        dev = abs(d - mu) / sd + (max(0, -d) / 2 if not c.ref else 0)
        w = 0.15 if c.ref else 0.55
        if runs is not None:  # a statement against the account's statements, learnt from a few: a
            z -= w * min(dev, 3.0)  # bounded doubt (its invoices in a row making the sum are evidence of their own)
            z += 1.2
            why.append(f"délai {d} j (relevés habituellement réglés à {mu:.0f} j)")
        elif a.known:
            z -= w * min(dev, 3.0 if same_amount == 1 else 8.0)  # a unique amount is evidence of its own
            if not c.ref:
                z += 1.2
            why.append(_delay_text(d, a))
        else:
            if d > 150:
                z -= w * 2
            dues = [ctx.due[x] for x in c.units if ctx.inv[x] and ctx.due[x] != ctx.day[x]]
            if dues and not c.ref and c.rule is Rule.EXACT:
                last = max(ctx.day[x] for x in c.units if not ctx.inv[x])
                z -= 0.04 * min(abs(last - max(dues)), 60)
            why.append(_delay_text(d, a))
    edges, no_edge = ctx.edges, _NO_EDGE
    linked = a.linked
    refd = [x for x in units if x in linked]  # the lines that name or are named (others have no edge)
    members = set(units) if refd or c.rule is Rule.COMBINATION else _NO_MEMBERS
    if not c.ref:
        if refd and [y for x in refd for y in edges.get(x, no_edge) if y in members]:
            z += 1.5
            why.append("référence d'une partie des lignes")
            c.before = False
        if c.rule is Rule.COMBINATION and any(deposit[x] for x in units):
            z += 0.8
    if c.base != "ref_subset" and refd:
        z, c.part_of_other = _outside(ctx, a, refd, members, z, why)
    if c.base in _GUESSED and _contested(ctx, a, units, members):
        z -= CONTESTED_Z
        why.append("ligne ajoutée qui solde aussi une autre ligne ouverte")
    if c.base == "pair_sum":
        z += 0.5
    if c.base == "plan":
        z += PLAN_Z
    if c.base == "sum_compact":
        z += COMPACT_Z
    size = len(c.units)
    if c.base == "run":
        z += 1.6
    elif c.base == "sum_unique":
        if _settled_elsewhere(ctx, a, c.target, members):  # type: ignore[attr-defined]
            # one open line of the other side settles the target alone: the sum is not the only
            # explanation, whatever the other sums (issue 13: never a group from a same-amount guess)
            why.append("une ligne seule du même montant le solde aussi")
        else:
            z += SUM_UNIQUE_Z
    elif c.rule is Rule.COMBINATION and not c.ref:
        z -= 0.35 * max(0, size - 3)
    if same_amount:
        z = _same_amount(a, same_amount, z, why)
    if c.rule is Rule.COMBINATION and not c.ref:
        amt, by_amount = ctx.amt, a.by_amount
        if c.base in ("sum_compact", "run"):  # only a same-amount line inside the window competes
            lo_i = min(day[v] for v in units if inv[v])
            hi_i = max(day[v] for v in units if inv[v])
            swap = [y for x in units for y in by_amount.get(amt[x], ()) if y not in members and lo_i <= day[y] <= hi_i]
            if not swap and len({amt[x] for x in units if inv[x]}) == 1:
                # a run (or invoices issued together) of one repeated amount (a subscription): any
                # of the open invoices of that amount pays it as well, and an older one just
                # before the group is as likely (payments settle the oldest debts first)
                first, value = lo_i - TWIN_DAYS, next(amt[x] for x in units if inv[x])
                swap = [y for y in by_amount.get(value, ()) if y not in members and first <= day[y] < lo_i]
        else:
            lo_d = min(day[x] for x in units) - 30
            hi_d = max(day[x] for x in units) + 30
            swap = [x for x in units if any(y not in members and lo_d <= day[y] <= hi_d for y in by_amount.get(amt[x], ()))]
        if swap:
            z -= 2.0
            why.append("montant interchangeable avec une autre ligne ouverte")
    piece = ctx.piece
    pieces = [piece[x] for x in units if piece[x]]
    if len(pieces) != len(set(pieces)) and not c.ref:
        z += 1.0
        why.append("pièce commune")
    c.z = z
    c.why = why


def _contested(ctx: Ctx, a: _Acc, units: tuple[int, ...], members: set[int] | frozenset[int]) -> bool:
    """A group whose lines were gathered by amount (a reference completed by other open lines,
    ``complement``; an invoice paid in monthly instalments, ``plan``) where a line that names
    nothing and is named by nothing also settles exactly another open line of the account: that
    line is a same-amount guess, and the group loses ``CONTESTED_Z`` (issue 13: never a full
    group from a same-amount guess)."""
    linked = a.linked
    return any(_settled_elsewhere(ctx, a, x, members) for x in units if x not in linked)


def _settled_elsewhere(ctx: Ctx, a: _Acc, x: int, members: set[int] | frozenset[int]) -> bool:
    """An open line of the other side outside ``members`` has the amount of ``x``: it settles
    ``x`` alone (the test of ``_contested`` and of a sum's « only combination »)."""
    return any(q not in members for q in a.by_amount.get(-ctx.amt[x], ()))


def _add(a: _Acc, c: Cand) -> None:
    key = tuple(sorted(c.units))
    o = a.seen.get(key)
    if o is not None:
        if c.ref > o.ref:  # keep the strongest evidence for the same lines
            o.ref, o.rule, o.why, o.base, o.scored = c.ref, c.rule, c.why, c.base, False
        return
    a.seen[key] = c
    c.units = key
    a.cands.append(c)


def letter_account(state: PassState, ctx: Ctx, lo: int, hi: int, free_units: list[int]) -> None:
    """Candidates, scores and assignment for one account; appends to ``state.groups``."""
    u, opt = state.units, state.options
    name = u.account[lo]
    mu, sd, known = _usual_delay(ctx, name, free_units)
    a = _Acc(lo, hi, name, mu, sd, known)
    a.free = set(free_units)
    for x in free_units:
        a.by_amount.setdefault(ctx.amt[x], []).append(x)
    edges, named_by = ctx.edges, ctx.named_by
    a.linked = {x for x in free_units if x in edges or x in named_by}
    window = opt.date_window_days
    free = set(free_units)
    amt, day = ctx.amt, ctx.day
    # --- references
    _reference_candidates(state, ctx, a, free)
    # --- exact 1-1
    if ctx.pair_arrays is not None and getattr(ctx.kernels, "pairs", None) is not None:
        _pairs_kernel(ctx, a, free_units, window)
    else:
        _exact_pairs(ctx, a, free_units, window)
    # --- tolerance
    tol = opt.tolerance_cents
    if tol > 0:
        pos = sorted((x for x in free_units if amt[x] > 0), key=lambda x: amt[x])
        neg = [x for x in free_units if amt[x] < 0]
        vals = [amt[x] for x in pos]
        tol_cands: list[Cand] = []
        for q in neg:
            i = bisect.bisect_left(vals, -amt[q] - tol)
            while i < len(pos) and vals[i] <= -amt[q] + tol:
                p = pos[i]
                gap = amt[p] + amt[q]
                if gap and abs(day[p] - day[q]) <= window:
                    tol_cands.append(Cand((p, q), Rule.TOLERANCE, 0.0, [f"montants à {eur(abs(gap))} près (tolérance {eur(tol)})"], base="tolerance"))
                i += 1
        per_line: dict[int, int] = {}
        for c in tol_cands:
            for x in c.units:
                per_line[x] = per_line.get(x, 0) + 1
        for c in tol_cands:
            c.same = max(per_line[x] for x in c.units)  # type: ignore[attr-defined]
            _add(a, c)
    # --- sums, runs (lines that no strong candidate explains)
    strong: set[int] = set()
    for c in a.cands:
        if c.ref or (c.rule is Rule.EXACT and getattr(c, "same", 9) == 1):
            strong.update(c.units)
    if ctx.arrays is not None and getattr(ctx.kernels, "series", None) is not None:
        _series_kernel(ctx, a, free_units)
    else:
        _runs(ctx, a, free_units, opt.k)
        _instalment_plans(state, ctx, a, free_units)
    _sums(state, ctx, a, [x for x in free_units if x not in strong], free_units)
    # --- score
    a.runs = _run_habit(ctx, a)
    for c in a.cands:
        if not c.scored:
            _score(ctx, a, c, getattr(c, "same", 0))
    cands = [c for c in a.cands if c.z >= MIN_Z]
    if getattr(ctx.kernels, "_assign", None) is not None:
        _assign_kernel(state, ctx, a, cands)
    else:
        _assign(state, ctx, a, cands)


def _run_habit(ctx: Ctx, a: _Acc) -> tuple[float, float] | None:
    """The usual delay of an account's statements, learnt from its runs (one per settlement):
    a customer paying each month's invoices together pays them some days after the last one,
    whatever its delay on single invoices. At least ``RUN_HABIT_MIN`` runs whose delays agree
    (spread at most ``RUN_HABIT_SPREAD`` days), else None."""
    day, inv = ctx.day, ctx.inv
    ds = []
    for c in a.cands:
        if c.base == "run":
            settled = [day[x] for x in c.units if not inv[x]]
            ds.append(max(settled) - max(day[x] for x in c.units if inv[x]))
    if len(ds) < RUN_HABIT_MIN:
        return None
    med = _median(ds)
    sd = _spread(ds, med)
    return (med, sd) if sd <= RUN_HABIT_SPREAD else None


def _spread(delays: list, med: float) -> float:
    """The spread of a usual delay learnt from candidate groups (``delays`` around their median
    ``med``): 1.5 × the scaled median absolute deviation, at least 4 days and at least
    ``DELAY_SPREAD`` of the delay itself — the delays kept understate their spread (of several
    invoices of one amount, the one nearest to the mode; a customer paying at 90 days varies by
    weeks, one at 20 by days)."""
    return max(4.0, _median([abs(d - med) for d in delays]) * 1.4826 * 1.5, DELAY_SPREAD * abs(med))


def _exact_pairs(ctx: Ctx, a: _Acc, free_units: list[int], window: int) -> None:
    """Exact 1-1 candidates: lines of the same amount and opposite signs within the window, each
    line's nearest partners by the pair's delay against the usual one."""
    amt, day, inv, row, mu = ctx.amt, ctx.day, ctx.inv, ctx.row, a.mu
    by_abs: dict[int, list[int]] = {}
    for x in free_units:
        by_abs.setdefault(abs(amt[x]), []).append(x)
    for value, xs in by_abs.items():
        if len(xs) < 2:  # most amounts: one line, no pair
            continue
        pos = [x for x in xs if amt[x] > 0]
        neg = [x for x in xs if amt[x] < 0]
        if not pos or not neg:
            continue
        n_same = ctx.nsame[xs[0]]
        label = _exact_label(value)
        seen = a.seen
        for p in pos:
            dp = day[p]
            near = [q for q in neg if abs(day[q] - dp) <= window]
            if len(near) > 1:  # by the pair's delay (settlement after invoice) against the usual one
                near.sort(key=lambda q: (abs((day[q] - dp if inv[p] else dp - day[q]) - mu), row[q]))
            for q in near[:MAX_EXACT_ALTS]:
                if (p, q) in seen or (q, p) in seen:  # an exact pair never replaces the one found first
                    continue
                c = Cand((p, q), Rule.EXACT, 0.0, [label], base="exact")
                c.same = n_same  # type: ignore[attr-defined]
                _add(a, c)
        for q in neg:  # keep each payment's best pairs too
            dq = day[q]
            near = [p for p in pos if abs(dq - day[p]) <= window]
            if len(near) > 1:
                near.sort(key=lambda p: (abs((dq - day[p] if inv[p] else day[p] - dq) - mu), row[p]))
            for p in near[:MAX_EXACT_ALTS]:
                if (p, q) in seen or (q, p) in seen:
                    continue
                c = Cand((p, q), Rule.EXACT, 0.0, [label], base="exact")
                c.same = n_same  # type: ignore[attr-defined]
                _add(a, c)


def _usual_delay(ctx: Ctx, name: str, free_units: list[int]) -> tuple[float, float, bool]:
    h = ctx.history.get(name)
    if h and h[2] >= 3:
        return h[0], h[1], True
    # learnt from the account's own references: a label naming exactly the invoices it pays
    delays = []
    for x in free_units:
        named = ctx.edges.get(x)
        if not named or ctx.inv[x]:
            continue
        strong = [y for y, s in named.items() if s >= REF_SHORT]
        if strong and sum(ctx.amt[y] for y in strong) + ctx.amt[x] == 0 and not ctx.deposit[x]:
            delays.append(ctx.day[x] - max(ctx.day[y] for y in strong))
    if h:
        delays += [h[0]] * h[2]
    if len(delays) < 3:
        # no references: the delay most settlements share with some earlier invoice of the same
        # amount (the mode, ± 2 days): with two contracts at the same price, the nearest invoice
        # is the wrong one half the time, the common delay is still the true one
        inv_days: dict[int, list[int]] = {}
        for x in free_units:
            if ctx.inv[x]:
                inv_days.setdefault(abs(ctx.amt[x]), []).append(ctx.day[x])
        options: list[list[int]] = []
        for x in free_units:
            if ctx.inv[x] or ctx.deposit[x]:
                continue
            ds = [ctx.day[x] - d for d in inv_days.get(abs(ctx.amt[x]), ()) if -SETTLE_GRACE <= ctx.day[x] - d <= 150]
            if ds:
                options.append(ds)
        if len(options) >= 4:
            counts = [0] * 160
            for ds in options:
                hit: set[int] = set()
                for d in ds:
                    hit.update(range(max(0, d + SETTLE_GRACE - 2), min(160, d + SETTLE_GRACE + 3)))
                for i in hit:
                    counts[i] += 1
            mode = max(range(160), key=counts.__getitem__) - SETTLE_GRACE  # the first of the most common
            near = [min(ds, key=lambda d: abs(d - mode)) for ds in options]
            near = [d for d in near if abs(d - mode) <= 30]
            if len(near) >= 4:
                med = _median(near)
                return med, _spread(near, med), True
    if len(delays) >= 3:
        med = float(np.median(delays))
        mad = float(np.median(np.abs(np.array(delays) - med))) * 1.4826
        return med, max(6.0, mad * 1.5), True
    return ctx.pooled[0], ctx.pooled[1], False


def _median(values: list) -> float:
    """``float(np.median(values))`` of a short list, without numpy's per-call cost."""
    v = sorted(values)
    n = len(v)
    h = n // 2
    return float(v[h]) if n % 2 else (v[h - 1] + v[h]) / 2


def _reference_candidates(state: PassState, ctx: Ctx, a: _Acc, free: set[int]) -> None:
    opt = state.options
    amt = ctx.amt
    comp_parent: dict[int, int] = {}
    nodes: set[int] = set()

    def find(x: int) -> int:
        while comp_parent.get(x, x) != x:
            x = comp_parent[x]
        return x

    edges = ctx.edges
    for x in sorted(x for x in a.linked if x in edges):  # the lines that name some (others add nothing here)
        linked = {y: s for y, s in edges[x].items() if y in free}
        if not linked:
            continue
        nodes.add(x)
        nodes.update(linked)
        for y in linked:
            rx, ry = find(x), find(y)
            if rx != ry:
                comp_parent[max(rx, ry)] = min(rx, ry)
        named = {y: s for y, s in linked.items() if (amt[y] > 0) != (amt[x] > 0)}
        if not named:
            continue
        ys = sorted(named)
        strength = min(named.values())
        total = amt[x] + sum(amt[y] for y in ys)
        label = "référence" + ("s" if len(ys) > 1 else "")
        if total == 0:
            refs = ", ".join(sorted({ctx.piece[y] for y in ys if ctx.piece[y]}))
            _add(a, Cand(tuple([x] + ys), Rule.REFERENCE, 0.0, [f"{label} {refs} dans le libellé"], ref=strength, base="ref"))
            continue
        # the label names more numbers than it pays (a client number, a remittance number)
        if 2 <= len(ys) <= 8:
            vals = [abs(amt[y]) for y in ys]
            found, _ = _subsets(ctx)(vals, abs(amt[x]), len(ys) - 1, 2000, min_size=1, limit=2)
            if len(found) == 1 and all((amt[ys[i]] > 0) != (amt[x] > 0) for i in found[0]):
                sub = [ys[i] for i in found[0]]
                refs = ", ".join(sorted({ctx.piece[y] for y in sub if ctx.piece[y]}))
                _add(a, Cand(tuple([x] + sub), Rule.REFERENCE, 0.0, [f"{label} {refs} dans le libellé (montant de {len(sub)} sur {len(ys)})"],
                             ref=min(named[y] for y in sub), base="ref_subset"))
    # components: a credit note, instalments, a write-off line naming the same invoice
    comps: dict[int, list[int]] = {}
    for x in nodes:
        comps.setdefault(find(x), []).append(x)
    for members in comps.values():
        members = sorted(set(members))
        if len(members) > 2 * opt.k + 2:
            continue
        total = sum(amt[m] for m in members)
        strengths = [st for m in members for st in edges.get(m, _NO_EDGE).values()]
        strength = max(strengths, default=0)
        weakest = min(strengths, default=0)
        refs = ", ".join(sorted({ctx.piece[m] for m in members if ctx.inv[m] and ctx.piece[m]}))
        if total == 0:
            _add(a, Cand(tuple(members), Rule.REFERENCE, 0.0, [f"référence commune {refs}".strip()], ref=weakest, base="ref"))
            continue
        if 0 < abs(total) <= opt.tolerance_cents:
            if strength >= REF_SHORT:
                _add(a, Cand(tuple(members), Rule.TOLERANCE, 0.0, [f"référence commune {refs} ; écart de {eur(abs(total))} ≤ tolérance {eur(opt.tolerance_cents)}"],
                             ref=weakest, base="tolerance"))
                continue
        # complete with other open lines (a label naming only some of the invoices it pays)
        need = -total
        day = ctx.day
        need_pos, need_abs = need > 0, abs(need)
        # the lines that complete a label's invoices were issued around them, not around its payment
        same_side = [day[m] for m in members if (amt[m] > 0) == need_pos]
        ref_day = max(same_side) if same_side else max(day[m] for m in members)
        pool = [x for x in free if (amt[x] > 0) == need_pos and abs(amt[x]) <= need_abs and abs(day[x] - ref_day) <= 200 and x not in members]
        if pool:
            pool.sort(key=lambda x: (abs(ctx.day[x] - ref_day), ctx.row[x]))
            pool = pool[: opt.candidates]
            allowed = min(opt.target_budget, max(0, opt.budget - state.account_work.get(a.name, 0)))
            found, used = _subsets(ctx)([abs(amt[x]) for x in pool], abs(need), max(1, opt.k - 1), allowed, min_size=1, limit=2)
            _spend(state, a.name, used)
            for f in found:
                extra = [pool[i] for i in f]
                _add(a, Cand(tuple(members + extra), Rule.REFERENCE, 0.0, [f"référence {refs}, complétée par {len(extra)} ligne(s) pour {eur(abs(need))}"],
                             ref=weakest, base="complement"))
        # a partial payment named by its full invoice number: lower-case lettering
        invs = [m for m in members if ctx.inv[m]]
        if len(invs) == 1 and strength >= REF_FULL and weakest >= REF_FULL and (total > 0) == (amt[invs[0]] > 0) and len(members) >= 2:
            c = Cand(tuple(members), Rule.PARTIAL, 0.0, [f"référence {refs} dans le libellé ; reste ouvert {eur(abs(total))}"], ref=REF_FULL,
                     partial=True, base="partial")
            _add(a, c)


def _subsets(ctx: Ctx) -> Callable[..., tuple[list[tuple[int, ...]], int]]:
    """``find_subsets``, compiled when the caller gave compiled kernels (same results)."""
    return ctx.kernels.find_subsets if ctx.kernels is not None else find_subsets


def _spend(state: PassState, account: str, used: int) -> None:
    state.account_work[account] = state.account_work.get(account, 0) + used
    state.work += used


def _runs(ctx: Ctx, a: _Acc, free_units: list[int], k: int) -> None:
    """Contiguous runs of invoices (by date) paid by one settlement: a monthly statement."""
    amt, day = ctx.amt, ctx.day
    for sign in (1, -1):
        invs = sorted((x for x in free_units if ctx.inv[x] and (amt[x] > 0) == (sign > 0)), key=lambda x: (day[x], ctx.row[x]))
        if len(invs) < 2:
            continue
        pref = [0]
        for x in invs:
            pref.append(pref[-1] + abs(amt[x]))
        at = {v: i for i, v in enumerate(pref)}
        inv_days = [day[x] for x in invs]  # increasing
        pref_np = days_np = None
        for s in free_units:
            if ctx.inv[s] or (amt[s] > 0) == (sign > 0):
                continue
            target = abs(amt[s])
            # runs ending at j (invoices before the settlement, within 100 days), the latest first
            j_top = bisect.bisect_right(inv_days, day[s] + SETTLE_GRACE)
            j_low = max(1, bisect.bisect_left(inv_days, day[s] - 100) + 1)
            if j_top - j_low >= _RUNS_VECTOR:  # a long stretch of invoices (an account of thousands)
                if pref_np is None:
                    pref_np, days_np = np.array(pref, dtype="int64"), np.array(inv_days, dtype="int64")
                j = _run_end(pref_np, days_np, j_low, j_top, target, day[s])
            else:
                j = 0
                for jj in range(j_top, j_low - 1, -1):
                    i = at.get(pref[jj] - target)
                    if i is not None and 2 <= jj - i <= MAX_RUN and day[s] - day[invs[i]] <= 130:
                        j = jj
                        break
            if j:
                i = at[pref[j] - target]
                members = tuple(invs[i:j]) + (s,)
                _add(a, _run_cand(members, target, j - i))


def _series_kernel(ctx: Ctx, a: _Acc, free_units: list[int]) -> None:
    """``_runs`` then ``_instalment_plans`` by ``kernels.series_kernel``: the same candidates."""
    records, members = ctx.kernels.series(free_units, ctx.arrays, a.mu, a.sd, SETTLE_GRACE, MAX_RUN)
    amt = ctx.amt
    at = 0
    for kind, x, count, size in records:
        lines = tuple(members[at:at + size])
        at += size
        if kind == kernels_mod.RUN:
            _add(a, _run_cand(lines, abs(amt[x]), count))
        else:
            _add(a, _plan_cand(lines, abs(amt[x]), count))


_RUNS_VECTOR = 48  # invoices in a settlement's 100 days from which its runs are looked up with numpy


def _run_end(pref: np.ndarray, days: np.ndarray, j_low: int, j_top: int, target: int, s_day: int) -> int:
    """The loop of ``_runs`` over j = j_top … j_low at once: the latest j whose prefix less
    ``target`` is a prefix (its last index i, as the dict ``at`` holds it) with 2 ≤ j − i ≤ MAX_RUN
    and the run's first invoice at most 130 days before the settlement; 0 when none."""
    js = np.arange(j_top, j_low - 1, -1)
    want = pref[js] - target
    i = np.searchsorted(pref, want, side="right") - 1
    safe = np.maximum(i, 0)
    first = days[np.minimum(safe, len(days) - 1)]  # (an i past the last invoice fails j − i ≥ 2 anyway)
    ok = (i >= 0) & (pref[safe] == want) & (js - i >= 2) & (js - i <= MAX_RUN) & (s_day - first <= 130)
    hit = np.flatnonzero(ok)
    return int(js[hit[0]]) if len(hit) else 0


def multiset_sums(values: list[int], target: int, k: int, budget: int, limit: int = 2) -> tuple[list[dict[int, int]], int]:
    """Multisets of the distinct ``values`` (with their multiplicities, at most ``k`` items, at least
    2) that sum to ``target``: lines of the same amount are interchangeable, so a grouped payment
    over a price list has one multiset where it has many subsets. Returns ({value: count}, work)."""
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    vals = sorted(counts, reverse=True)
    mult = [min(counts[v], k) for v in vals]
    # cap[i][j]: the most that j items of the values from i on can add (largest first)
    cap: list[list[int]] = []
    for i in range(len(vals)):
        row, total, j = [0], 0, i
        left_here = mult[i] if vals else 0
        while len(row) <= k and j < len(vals):
            if left_here == 0:
                j += 1
                if j >= len(vals):
                    break
                left_here = mult[j]
                continue
            total += vals[j]
            left_here -= 1
            row.append(total)
        cap.append(row)
    found: list[dict[int, int]] = []
    work = 0

    def dfs(i: int, rest: int, left: int, chosen: dict[int, int]) -> bool:
        nonlocal work
        work += 1
        if work > budget:
            return True
        if rest == 0:
            if sum(chosen.values()) >= 2:
                found.append(dict(chosen))
                return len(found) >= limit
            return False
        if i >= len(vals) or left == 0 or rest < vals[-1]:
            return False
        ci = cap[i]
        if ci[min(left, len(ci) - 1)] < rest:  # even the largest items left fall short
            return False
        state = (i, rest, left)
        if state in failed:
            return False
        v = vals[i]
        top = min(mult[i], left, rest // v)
        n_found = len(found)
        for c in range(top, -1, -1):
            if c:
                chosen[v] = c
            elif v in chosen:
                del chosen[v]
            if dfs(i + 1, rest - c * v, left - c, chosen):
                chosen.pop(v, None)
                return True
        chosen.pop(v, None)
        if len(found) == n_found:  # nothing below this state: the same state is never worth a second visit
            failed.add(state)
        return False

    failed: set[tuple[int, int, int]] = set()
    dfs(0, target, k, {})
    return found, work


def compact_window(lines: list[int], day: list[int], amt_abs: list[int], need: dict[int, int]) -> list[int] | None:
    """The lines (sorted by date) of the shortest date window holding ``need`` ({amount: count}):
    of interchangeable invoices, those issued together."""
    order = sorted(range(len(lines)), key=lambda i: (day[lines[i]], lines[i]))
    pos = [i for i in order if amt_abs[lines[i]] in need]
    have: dict[int, int] = {}
    missing = sum(need.values())
    best: tuple[int, int, int] | None = None
    lo = 0
    for hi in range(len(pos)):
        v = amt_abs[lines[pos[hi]]]
        have[v] = have.get(v, 0) + 1
        if have[v] <= need[v]:
            missing -= 1
        while missing == 0:
            span = day[lines[pos[hi]]] - day[lines[pos[lo]]]
            if best is None or span < best[0]:
                best = (span, lo, hi)
            w = amt_abs[lines[pos[lo]]]
            have[w] -= 1
            if have[w] < need[w]:
                missing += 1
            lo += 1
    if best is None:
        return None
    _, lo, hi = best
    take = dict(need)
    out = []
    for i in pos[lo:hi + 1][::-1]:  # latest first: the window's own lines
        v = amt_abs[lines[i]]
        if take.get(v, 0) > 0:
            take[v] -= 1
            out.append(lines[i])
    return sorted(out)


def _instalment_plans(state: PassState, ctx: Ctx, a: _Acc, free_units: list[int]) -> None:
    """An invoice paid in m monthly instalments (2 ≤ m ≤ 6): m − 1 settlements of one amount and one
    of the remainder (within m euros of it), about a month apart, after the invoice."""
    amt, day = ctx.amt, ctx.day
    sets = [x for x in free_units if not ctx.inv[x] and not ctx.deposit[x]]
    if len(sets) < 2:
        return
    by_val: dict[tuple[bool, int], list[int]] = {}
    for x in sets:
        by_val.setdefault((amt[x] > 0, abs(amt[x])), []).append(x)
    for v in by_val.values():
        v.sort(key=lambda x: (day[x], ctx.row[x]))
    have: dict[bool, set[int]] = {True: set(), False: set()}
    for sd, v in by_val:
        have[sd].add(v)
    for t in free_units:
        if not ctx.inv[t]:
            continue
        total = abs(amt[t])
        side = amt[t] < 0  # settlements have the other sign
        values = have[side]
        for m in range(2, 7):
            base = (total // m) // 100 * 100
            if base not in values and total // m not in values:  # no settlement of either part
                continue
            for part in {base, total // m}:
                if part <= 0 or (side, part) not in by_val:
                    continue
                rest = total - part * (m - 1)
                if rest <= 0 or abs(rest - part) > 100 * m or (side, rest) not in by_val:
                    continue
                parts = [x for x in by_val.get((side, part), ()) if day[x] >= day[t] - SETTLE_GRACE]
                if rest == part:
                    if len(parts) < m:
                        continue
                    pool = parts
                    rest_lines: list[int] = []
                else:
                    rest_lines = [x for x in by_val.get((side, rest), ()) if day[x] >= day[t] - SETTLE_GRACE]
                    if len(parts) < m - 1 or not rest_lines:
                        continue
                    pool = parts
                # a chain of m − 1 (or m) equal parts about a month apart, from the first after the invoice
                need = m if rest == part else m - 1
                for start in range(len(pool)):
                    chain = [pool[start]]
                    for x in pool[start + 1:]:
                        if len(chain) == need:
                            break
                        if 20 <= day[x] - day[chain[-1]] <= 45:
                            chain.append(x)
                    if len(chain) < need:
                        continue
                    if day[chain[0]] - day[t] > a.mu + 3 * a.sd + 60:
                        break
                    if rest != part:
                        nxt = [x for x in rest_lines if 20 <= day[x] - day[chain[-1]] <= 45]
                        prv = [x for x in rest_lines if 20 <= day[chain[0]] - day[x] <= 45 and day[x] >= day[t] - SETTLE_GRACE]
                        pick = nxt or prv
                        if not pick:
                            continue
                        chain = chain + [pick[0]]
                    _add(a, _plan_cand(tuple([t] + chain), total, m))
                    break


def _sums(state: PassState, ctx: Ctx, a: _Acc, targets: list[int], free_units: list[int]) -> None:
    """1 ↔ 2..k (either side as the « one ») and 2 ↔ k (a settlement with a same-side partner)."""
    opt = state.options
    amt, day, row, aamt = ctx.amt, ctx.day, ctx.row, ctx.aamt
    window, limit, k = opt.date_window_days, opt.candidates, opt.k
    if k < 2:
        return
    if ctx.arrays is not None and getattr(ctx.kernels, "sums", None) is not None:
        _sums_kernel(state, ctx, a, targets, free_units)
        return
    # units are sorted by (account, date, row): so is free_units, and so is each side of it
    side_units = {True: [j for j in free_units if amt[j] > 0], False: [j for j in free_units if amt[j] < 0]}
    side_days = {sd: [day[j] for j in us] for sd, us in side_units.items()}
    span = int(a.mu + 4 * a.sd + 60)  # the delays this account plausibly takes
    inv, deposit = ctx.inv, ctx.deposit
    work = state.account_work
    subsets = _subsets(ctx)
    name, budget = a.name, opt.budget
    left, right = bisect.bisect_left, bisect.bisect_right
    for t in targets:
        if budget - work.get(name, 0) <= 0:
            _budget_stop(state, name, len(targets))
            return
        pos = amt[t] > 0
        d0 = day[t]
        at = aamt[t]
        opp, opp_days = side_units[not pos], side_days[not pos]
        lo_n, hi_n = left(opp_days, d0 - window), right(opp_days, d0 + window)
        if hi_n - lo_n < 2:  # fewer than two lines of the other side in the window: no combination
            continue
        near = opp[lo_n:hi_n]
        if inv[t]:  # settlements of an invoice come after it (or are deposits)
            d_lo, d_hi = d0 - SETTLE_GRACE, d0 + span + 120
            other = [j for j in near if aamt[j] < at and (d_lo <= day[j] <= d_hi or deposit[j] or inv[j])]
        elif deposit[t]:
            other = [j for j in near if aamt[j] < at]
        else:
            d_lo, d_hi = d0 - span, d0 + SETTLE_GRACE
            other = [j for j in near if aamt[j] < at and (d_lo <= day[j] <= d_hi or not inv[j])]
        if len(other) < 2:
            continue
        if len(other) > min(limit, 30):
            # nearest to where this account's delay puts them (the invoices a settlement pays were
            # issued about « usual delay » before it; not the latest ones, which are not due yet)
            if a.known and not ctx.inv[t]:
                other = sorted(other, key=lambda j: (abs(d0 - day[j] - a.mu) if ctx.inv[j] else abs(day[j] - d0), row[j]))[:min(limit, 30)]
            elif a.known:
                other = sorted(other, key=lambda j: (abs(day[j] - d0 - a.mu) if not ctx.inv[j] else abs(day[j] - d0), row[j]))[:min(limit, 30)]
            else:
                other = sorted(other, key=lambda j: (abs(day[j] - d0), row[j]))[:min(limit, 30)]
        allowed = min(opt.target_budget, max(0, opt.budget - state.account_work.get(a.name, 0)))
        found, used = subsets([aamt[j] for j in other], at, k, allowed, limit=3)
        _spend(state, a.name, used)
        unproven = used > allowed
        if len(found) > 1 and not ctx.inv[t]:
            allowed = min(opt.target_budget, max(0, opt.budget - state.account_work.get(a.name, 0)))
            vals = [aamt[j] for j in other]
            allowed = min(allowed, MULTISET_BUDGET)
            ms, used2 = (ctx.kernels.multiset_sums if ctx.kernels is not None else multiset_sums)(vals, at, k, allowed, limit=2)
            _spend(state, a.name, used2)
            if len(ms) == 1 and used2 <= allowed:
                pick = compact_window(other, day, aamt, ms[0])
                if pick is not None:
                    _add(a, _compact_cand((t,) + tuple(pick), amt[t], len(pick)))
                    continue
        for f in found:
            _add(a, _sum_cand((t,) + tuple(other[i] for i in f), amt[t], len(f), ctx.inv[t], len(found), unproven))
        if found or ctx.inv[t]:
            continue
        # 2 ↔ k: the settlement with one same-side line (a credit note, a second payment)
        own, own_days = side_units[pos], side_days[pos]
        same = [j for j in own[bisect.bisect_left(own_days, d0 - window):bisect.bisect_right(own_days, d0 + window)] if j != t]
        same = sorted(same, key=lambda j: (abs(day[j] - d0), row[j]))[:4]
        for s in same:
            target = at + aamt[s]
            cand = [j for j in other if aamt[j] < target]
            if len(cand) < 2:
                continue
            allowed = min(opt.target_budget, max(0, opt.budget - state.account_work.get(a.name, 0)))
            found2, used = subsets([aamt[j] for j in cand], target, k - 1, allowed, limit=2)
            _spend(state, a.name, used)
            if len(found2) == 1 and used <= allowed:
                _add(a, _pair_sum_cand((t, s) + tuple(cand[i] for i in found2[0]), amt[t], amt[s], len(found2[0])))
                break


def _sums_kernel(state: PassState, ctx: Ctx, a: _Acc, targets: list[int], free_units: list[int]) -> None:
    """``_sums`` by ``kernels.sums_kernel``: the same searches, budgets and candidates, in the same
    order (its records are turned into candidates here)."""
    opt = state.options
    amt, inv = ctx.amt, ctx.inv
    name = a.name
    work0 = state.account_work.get(name, 0)
    records, members, work, calls, stop = ctx.kernels.sums(
        targets, free_units, ctx.arrays, opt.date_window_days, opt.candidates, opt.k, int(a.mu + 4 * a.sd + 60), a.mu, a.known,
        opt.budget, opt.target_budget, work0, MULTISET_BUDGET, SETTLE_GRACE)
    if calls:
        state.account_work[name] = work
        state.work += work - work0
    at = 0
    for kind, t, s, n_found, unproven, size in records:
        lines = tuple(members[at:at + size])
        at += size
        if kind == kernels_mod.SUM:
            _add(a, _sum_cand((t,) + lines, amt[t], size, inv[t], n_found, bool(unproven)))
        elif kind == kernels_mod.SUM_COMPACT:
            _add(a, _compact_cand((t,) + lines, amt[t], size))
        else:
            _add(a, _pair_sum_cand((t, s) + lines, amt[t], amt[s], size))
    if stop >= 0:
        _budget_stop(state, name, len(targets))


# ---------------------------------------------------------------------------
# global assignment
# ---------------------------------------------------------------------------


def _assign(state: PassState, ctx: Ctx, a: _Acc, cands: list[Cand]) -> None:
    if not cands:
        return
    cands.sort(key=lambda c: (-c.z, c.units))
    # connected components of candidates sharing a line
    parent = list(range(len(cands)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[int, int] = {}
    for i, c in enumerate(cands):
        for x in c.units:
            j = owner.get(x)
            if j is None:
                owner[x] = i
            else:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    comps: dict[int, list[int]] = {}
    for i in range(len(cands)):
        comps.setdefault(find(i), []).append(i)
    for idx in comps.values():
        if len(idx) == 1:  # _solve_component of a lone candidate (z ≥ MIN_Z here): no rival, its weight as margin
            c = cands[idx[0]]
            w = _weight(c)
            _emit(state, ctx, c, c.z if w > 0 else 0.0, [])
            continue
        group = [cands[i] for i in idx]
        _solve_component(state, ctx, a, group)


MARGIN_BY_SEARCH = 60  # up to this many candidates in a component, a chosen group's margin is the best assignment without it


def _assign_kernel(state: PassState, ctx: Ctx, a: _Acc, cands: list[Cand]) -> None:
    """``_assign`` by ``kernels.assign_kernel``: the same groups, margins and alternatives, emitted
    in the same order."""
    if not cands:
        return
    cands.sort(key=lambda c: (-c.z, c.units))
    for i, margin, alts in ctx.kernels.assign([c.units for c in cands], [c.z for c in cands], [c.partial for c in cands], a.lo, a.hi - a.lo,
                                              EXACT_NODES, AUTO_MARGIN, MIN_Z, MARGIN_BY_SEARCH):
        _emit(state, ctx, cands[i], margin, [cands[j] for j in alts])


def _weight(c: Cand) -> float:
    return c.z if not c.partial else min(c.z, 0.5)


def _best(cands: list[Cand], banned: int = -1, floor: tuple[float, list[int]] | None = None, kernels: Any = None,
          prepared: Any = None) -> tuple[float, list[int], bool]:
    """Max total weight of pairwise disjoint candidates (positive weights only); branch and bound
    over candidates sorted by weight, from ``floor`` (a known feasible assignment, e.g. the best
    one less the banned candidate). Returns (weight, chosen indices, finished). With compiled
    ``kernels``, the same search compiled (``kernels.best_kernel``), over ``prepared``
    (``kernels.prepare`` of the candidates' lines) when given."""
    n = len(cands)
    w = [max(0.0, _weight(c)) if i != banned else 0.0 for i, c in enumerate(cands)]
    if kernels is not None:
        return kernels.best(w, prepared if prepared is not None else [c.units for c in cands], floor, EXACT_NODES)
    # each candidate's lines as a bit mask over the component's lines (cheaper than sets)
    bit: dict[int, int] = {}
    sets = []
    for c in cands:
        m = 0
        for x in c.units:
            b = bit.get(x)
            if b is None:
                b = bit[x] = 1 << len(bit)
            m |= b
        sets.append(m)
    suffix = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] + w[i]
    best = [floor[0], list(floor[1])] if floor else [0.0, []]
    nodes = [0]
    chosen: list[int] = []

    def rec(i: int, total: float, used: int) -> bool:
        # the « skip candidate i » branch is the loop (same nodes as the plain recursion)
        while True:
            nodes[0] += 1
            if nodes[0] > EXACT_NODES:
                return False
            if total > best[0] + 1e-9:
                best[0], best[1] = total, list(chosen)
            if i >= n or total + suffix[i] <= best[0] + 1e-9:
                return True
            m = sets[i]
            if w[i] > 0 and not (m & used):
                chosen.append(i)
                ok = rec(i + 1, total + w[i], used | m)
                chosen.pop()
                if not ok:
                    return False
            i += 1

    finished = rec(0, 0.0, 0)
    return best[0], best[1], finished


def _greedy(cands: list[Cand]) -> list[int]:
    used: set[int] = set()
    out = []
    for i, c in enumerate(cands):
        if _weight(c) > 0 and not (set(c.units) & used):
            used.update(c.units)
            out.append(i)
    return out


def _solve_component(state: PassState, ctx: Ctx, a: _Acc, cands: list[Cand]) -> None:
    weak = [c for c in cands if _weight(c) <= 0]
    cands = [c for c in cands if _weight(c) > 0]
    if not cands:
        _leftover_proposals(state, ctx, weak, set())
        return
    if len(cands) == 1:
        c = cands[0]
        if _weight(c) > 0 or c.z >= MIN_Z:
            _emit(state, ctx, c, c.z if _weight(c) > 0 else 0.0, [])
        return
    kern = ctx.kernels
    prepared = kern.prepare([c.units for c in cands]) if kern is not None else None  # searched 1 + len(chosen) times
    total, chosen, finished = _best(cands, kernels=kern, prepared=prepared)
    if not finished:
        chosen = _greedy(cands)
    chosen_set = set(chosen)
    for i in chosen:
        c = cands[i]
        if finished and len(cands) <= MARGIN_BY_SEARCH:
            without, _, fin2 = _best(cands, banned=i, floor=(total - _weight(c), [j for j in chosen if j != i]), kernels=kern, prepared=prepared)
            margin = total - without if fin2 else 0.0
        else:  # local margin: the strongest competitor of any of its lines
            rivals = [_weight(o) for j, o in enumerate(cands) if j != i and set(o.units) & set(c.units)]
            margin = _weight(c) - max([0.0] + rivals)
        alts = [o for j, o in enumerate(cands) if j not in chosen_set and set(o.units) & set(c.units) and o.z >= c.z - AUTO_MARGIN][:5]
        _emit(state, ctx, c, margin, alts)
    _leftover_proposals(state, ctx, [c for i, c in enumerate(cands) if i not in chosen_set] + weak,
                        {x for i in chosen for x in cands[i].units})


def _leftover_proposals(state: PassState, ctx: Ctx, cands: list[Cand], taken: set[int]) -> None:
    """Proposals for lines the assignment left open (never applied)."""
    for c in cands:
        if not (set(c.units) & taken) and c.z >= MIN_Z:
            taken.update(c.units)
            rivals = [o for o in cands if o is not c and set(o.units) & set(c.units)][:5]
            _emit(state, ctx, c, 0.0, rivals)


def _emit(state: PassState, ctx: Ctx, c: Cand, margin: float, alts: list[Cand]) -> None:
    auto = c.z >= AUTO_Z and margin >= AUTO_MARGIN and c.base not in ("sum_amb",)
    if c.base in ("run", "sum_compact") and margin < AUTO_MARGIN_AMOUNTS:
        auto = False  # amounts alone, with same-amount lines nearby: a clear lead is required
    if c.partial:
        auto = c.z >= AUTO_Z and margin >= AUTO_MARGIN
    if c.part_of_other:
        auto = False
    score = sigmoid_score(c.z)
    why = "; ".join(c.why)
    if c.before and auto:
        # only a deposit precedes its invoice (issue 13): without a reference, a settlement
        # dated before an invoice of the group is a same-amount guess, shown but not applied
        auto = False
        why += "; " + BEFORE_TEXT
    detail = f"{why} ; score {score}/100, marge {margin:.1f}"
    if not auto and alts:
        detail += " ; concurrencé par d'autres groupes"
    state.groups.append(RawGroup(tuple(sorted(c.units)), c.rule, detail, score, not auto,  # positional: cheaper, one per group
                                 tuple([tuple(sorted(o.units)) for o in alts]) if alts else (), c.partial, round(c.z, 3), round(margin, 3)))
    for x in c.units:
        state.free[x] = False


def balance_leftovers(state: PassState, ctx: Ctx, lo: int, hi: int) -> None:
    """The open lines an account has left sum to zero: proposed as one group (never applied)."""
    members = [x for x in range(lo, hi) if state.free[x]]
    if len(members) >= 2 and sum(ctx.amt[x] for x in members) == 0:
        state.groups.append(RawGroup(tuple(members), Rule.BALANCE, f"solde nul des {len(members)} lignes ouvertes du compte", 40,
                                     ambiguous=True, z=-0.4, margin=0.0))
        for x in members:
            state.free[x] = False


FAST_PATH = True  # uncontested groups resolved column-wise before the per-account search


def _side_counts(u) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: open lines of its account with its absolute amount, debit side and credit side."""
    return _amount_sides(u)


def _amount_sides(u) -> tuple[np.ndarray, np.ndarray]:
    """``_side_counts``, column-wise: units are sorted by account, so the (account, amount) groups
    come from one sort of integers."""
    n = len(u.amount)
    if not n:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    acc = u.account
    acc_id = account_ids(acc)
    size = np.abs(u.amount)
    order = np.lexsort((size, acc_id))
    a, s = acc_id[order], size[order]
    gid = np.empty(n, dtype="int64")
    gid[order] = np.cumsum(np.r_[True, (a[1:] != a[:-1]) | (s[1:] != s[:-1])]) - 1
    n_all = np.bincount(gid)
    n_pos = np.bincount(gid[u.amount > 0], minlength=len(n_all))
    return n_pos[gid].astype("int64"), (n_all - n_pos)[gid].astype("int64")


def _same_amount_counts(u) -> np.ndarray:
    """Per unit: how many open lines of its account share its amount, on the busier side."""
    n_pos, n_neg = _amount_sides(u)
    return np.maximum(n_pos, n_neg).astype("int64")


_MARKER = r"(?:ECH|ECHEANCE|ÉCHÉANCE|ECHEANCES|VERSEMENT|MENSUALITE|MENSUALITÉ)\.?\s*(?:N°\s*)?(?P<i>[0-9]{1,2})\s*/\s*(?P<m>[0-9]{1,2})"


def instalment_markers(text: pa.Array, line_unit: np.ndarray, lo: int = 0, hi: int | None = None) -> dict[int, tuple[int, int]]:
    """Unit → (i, m) when its label says « ÉCHÉANCE i/m » (1 ≤ i ≤ m ≤ 24), for the units ``lo``
    to ``hi`` (excluded): ``text`` and ``line_unit`` per open line (``Units.line_text``, else
    ``Units.line_label``, and ``Units.line_unit``)."""
    out: dict[int, tuple[int, int]] = {}
    lines = np.flatnonzero((line_unit >= lo) & (line_unit < hi)) if hi is not None else None
    if lines is not None:
        if not len(lines):
            return out
        text, line_unit = text.take(pa.array(lines, type=pa.int64())), line_unit[lines]
    # the marker holds a « / »: only the texts with one go through the upper case and the regex
    slash = np.flatnonzero(pc.fill_null(pc.match_substring(text, "/"), False).to_numpy(zero_copy_only=False))
    if not len(slash):
        return out
    hit = pc.match_substring_regex(pc.utf8_upper(text.take(pa.array(slash))), _MARKER).to_numpy(zero_copy_only=False)
    found_at = slash[np.flatnonzero(hit)]
    if not len(found_at):
        return out
    found = pc.extract_regex(pc.utf8_upper(text.take(pa.array(found_at))), _MARKER)
    i = pc.struct_field(found, "i").to_pylist()
    m = pc.struct_field(found, "m").to_pylist()
    for line, a, b in zip(found_at.tolist(), i, m):
        if a is not None and 1 <= int(a) <= int(b) <= 24:
            out[int(line_unit[line])] = (int(a), int(b))
    return out


@dataclass
class ChunkResult:
    """What the search of a chunk of accounts found (merged in chunk order by ``run``): its raw
    groups, or, when the job finishes them (``AccountSearch.finish``), their finished columns."""
    groups: list[RawGroup]
    taken: list[int]
    account_work: dict[str, int]
    work: int
    budget_exceeded: list[str]
    budget_left_units: dict[str, int]
    finished: Any = None


@dataclass
class _Names:
    """The one column of the units the per-account search reads (its account)."""
    account: np.ndarray


@dataclass
class AccountSearch:
    """The per-account search of one proposal, as a job over chunks of accounts: everything it
    reads is here, and accounts do not depend on one another, so chunks may run anywhere (in
    this process or in others) and be merged in order."""
    ctx: Ctx
    options: LetteringOptions
    names: _Names
    free: np.ndarray
    starts: list[int]
    busy: np.ndarray | None = None  # per account: open lines on both sides (else nothing to search); None: all
    found: Found = field(default_factory=Found)  # groups found before the search (fast path)
    finish: Callable[[list[RawGroup]], Any] | None = None  # finishes the groups of whole accounts (the engine's)
    edge_arrays: tuple | None = None  # the references' edges as arrays (``reference_edges``)
    texts: tuple | None = None  # the open lines' labels and units (``instalment_markers``)

    def run(self, chunk: list[int]) -> ChunkResult:
        """The accounts of ``chunk`` (consecutive): search, balances, and, with ``finish``, the
        finished groups of these accounts (those found before the search included).

        Without cyclic garbage collection while the chunk runs: its collections rescanned the
        chunk's live objects again and again (a tenth of the search). With the kernels the
        search makes no reference cycle (``_PairWhy``); the Python versions' recursive helpers
        do (a closure and its cell), and the collector takes them after the chunk, one chunk
        (``CHUNK_ACCOUNTS`` accounts at most) at a time."""
        with gc_paused():
            return self._run(chunk)

    def _run(self, chunk: list[int]) -> ChunkResult:
        state = PassState(units=self.names, options=self.options, free=self.free)  # type: ignore[arg-type]
        starts, free, busy = self.starts, self.free, self.busy
        searched = [n for n in chunk if busy is None or busy[n]]
        if searched:  # the units named by the chunk's units (its accounts' own), their instalment markers
            first, last = starts[searched[0]], starts[searched[-1] + 1]
            self.ctx.named_by = _named_by(self.ctx.edges, self.edge_arrays, first, last)
            self.ctx.marker = instalment_markers(*self.texts, first, last) if self.texts is not None else {}
            # the open units of the chunk's accounts, listed once (an account's search only
            # closes its own units, so those of the next accounts are as listed here)
            open_units = np.flatnonzero(free[first:last]) + first
            cut_lo = np.searchsorted(open_units, [starts[n] for n in searched]).tolist()
            cut_hi = np.searchsorted(open_units, [starts[n + 1] for n in searched]).tolist()
            units = open_units.tolist()
        for i, n in enumerate(searched):
            letter_account(state, self.ctx, starts[n], starts[n + 1], units[cut_lo[i]:cut_hi[i]])
        for n in searched:  # after the search of the account (the lines it left open)
            balance_leftovers(state, self.ctx, starts[n], starts[n + 1])
        taken = [x for g in state.groups for x in g.units]
        groups = state.groups
        if chunk:
            groups = self.found.groups(chunk[0], chunk[-1] + 1, self.ctx.piece) + groups
        finished = None
        if self.finish is not None:
            finished, groups = self.finish(groups), []
        return ChunkResult(groups, taken, state.account_work, state.work, state.budget_exceeded, state.budget_left_units, finished)


Parallel = Callable[[AccountSearch, list[list[int]]], Iterable[ChunkResult]]
CHUNK_ACCOUNTS = 200  # accounts per chunk at most (the progress bar moves at each chunk)


def _pair_arrays(u, nsame: np.ndarray, piece: list[str], edges: dict[int, dict[int, int]], arrays: tuple | None) -> tuple:
    """What ``kernels.pairs_kernel`` reads beside ``Ctx.arrays``: due dates, same-amount counts,
    piece ids (-1: no piece) and the units that name or are named (``edges``, or its ``arrays``)."""
    piece_o = np.asarray(piece, dtype=object)
    ids = pd.factorize(piece_o)[0].astype(np.int64)
    ids[piece_o == ""] = -1
    linked = np.zeros(len(u), dtype=bool)
    if edges and arrays is not None:
        linked[arrays[0]] = True
        linked[arrays[1]] = True
    elif edges:
        linked[np.fromiter(edges.keys(), dtype=np.int64, count=len(edges))] = True
        linked[np.fromiter((y for ys in edges.values() for y in ys), dtype=np.int64)] = True
    return np.asarray(u.due, dtype=np.int64), np.asarray(nsame, dtype=np.int64), ids, linked


def _chunks(accounts: np.ndarray, size: np.ndarray, parts: int) -> list[list[int]]:
    """``accounts`` in consecutive chunks of about equal ``size`` (their work: open lines,
    groups; ``parts`` chunks, or more so that none holds more than ``CHUNK_ACCOUNTS`` accounts)."""
    if not len(accounts):
        return []
    total = int(size.sum())
    per = max(1, -(-total // max(1, parts)))
    out: list[list[int]] = []
    cur: list[int] = []
    acc = 0
    for n, w in zip(accounts.tolist(), size.tolist()):
        cur.append(n)
        acc += w
        if acc >= per or len(cur) >= CHUNK_ACCOUNTS:
            out.append(cur)
            cur, acc = [], 0
    if cur:
        out.append(cur)
    return out


def run(state: PassState, inv: np.ndarray, deposit: np.ndarray, piece: list[str], history: dict[str, tuple[float, float, int]],
        parallel: Parallel | None = None, workers: int = 1, kernels: Any = None, threads: Threads | None = None,
        finish: Callable[[list[RawGroup]], Any] | None = None) -> list:
    """The whole scope: per account, candidates → scores → assignment; then balances.

    ``kernels``, when given, computes the numeric parts of the per-account search
    (``kernels.ArrayKernels``, e.g. compiled by the add-in); the proposal is the same as without. It may also be a function
    returning them (or None), called when the search starts, after the column-wise steps: the
    caller may load them meanwhile. ``threads``, when given, reads the references of a big
    scope in two halves side by side (``reference_edges``).

    ``parallel(job, chunks)``, when given, runs ``job.run(chunk)`` for every chunk of accounts
    (possibly in other processes: the caller's choice; the engine starts none) and yields the
    results in the order of ``chunks``. Accounts are independent, so the proposal is the same
    as the serial one, group for group.

    ``finish(raw_groups)``, when given, finishes the groups of whole accounts (the engine's codes
    and totals): each chunk then finishes its own accounts' groups, those found before the search
    included, where it runs, and ``run`` returns the finished parts in the order of the
    accounts (``state.groups`` stays empty). Without it, ``state.groups`` gets the raw groups
    and ``run`` returns an empty list."""
    u = state.units
    if not len(u):
        return []
    state.stage = "références"  # stage names shown by the progress bars (kept from the pass engine)
    state.tick(0, 1)
    edges = reference_edges(state, inv, threads)
    # a deposit precedes its invoice, so it cannot name it: a line « ACOMPTE … FA2025-00123 »
    # that names an invoice is a part payment of it, not a deposit
    deposit = deposit.copy()
    if edges:
        deposit[np.fromiter(edges.keys(), dtype="int64", count=len(edges))] = False
    state.tick(1, 1)
    state.stage = "montants exacts"
    state.tick(0, 1)
    n_pos, n_neg = _side_counts(u)
    nsame = np.maximum(n_pos, n_neg).astype("int64")  # _same_amount_counts, from the same sort
    state.tick(1, 1)
    if FAST_PATH:
        learnt = fast_path(state, inv, deposit, piece, n_pos, n_neg, history)
        known = {name: h for name, h in learnt.items() if name not in history or history[name][2] < 3}
        if known:  # one copy (a copy per account was quadratic: 10,000 accounts)
            history = {**history, **known}
    state.stage = "combinaisons 1↔k"
    pooled_delays = [v[0] for v in history.values()]
    pooled = (float(np.median(pooled_delays)), 30.0) if pooled_delays else (35.0, 30.0)
    if callable(kernels):  # loaded by the caller while the steps above ran
        kernels = kernels()
    ctx = Ctx(amt=u.amount.tolist(), day=u.date.tolist(), due=u.due.tolist(), row=u.row.tolist(), inv=inv.tolist(), deposit=deposit.tolist(), piece=piece,
              edges=edges, history=history, pooled=pooled, partial_code=u.partial_code, nsame=nsame.tolist(),
              aamt=np.abs(u.amount).tolist(), kernels=kernels,
              arrays=(np.asarray(u.amount, dtype=np.int64), np.asarray(u.date, dtype=np.int64), np.asarray(inv, dtype=bool),
                      np.asarray(deposit, dtype=bool), np.asarray(u.row, dtype=np.int64)) if kernels is not None else None,
              pair_arrays=_pair_arrays(u, nsame, piece, edges, getattr(state, "edge_arrays", None)) if kernels is not None else None)
    acc = u.account
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]]).tolist() + [len(u)]
    n_acc = len(starts) - 1
    # accounts with open lines on both sides (else nothing can balance)
    st = np.array(starts[:-1], dtype="int64")
    n_pos = np.add.reduceat((state.free & (u.amount > 0)).astype("int64"), st) if n_acc else np.zeros(0, "int64")
    n_neg = np.add.reduceat((state.free & (u.amount < 0)).astype("int64"), st) if n_acc else np.zeros(0, "int64")
    busy = (n_pos > 0) & (n_neg > 0)
    # the groups found so far (the fast path's, as columns): each chunk makes its accounts' ones
    found = getattr(state, "found", None) or Found()
    job = AccountSearch(ctx=ctx, options=state.options, names=_Names(acc), free=state.free, starts=starts, busy=busy, found=found, finish=finish,
                        edge_arrays=getattr(state, "edge_arrays", None), texts=(u.line_text if u.line_text is not None else u.line_label,
                                                                                np.asarray(u.line_unit, dtype=np.int64)))
    # every account in some chunk (each finishes its accounts' groups), weighed by its open lines and groups
    weight = np.where(busy, n_pos + n_neg, 0)
    for table in (found.ref, found.exact):
        if table is not None:
            weight = weight + np.bincount(table[0], minlength=n_acc)
    chunks = _chunks(np.arange(n_acc), weight, 8 * workers if parallel is not None and workers > 1 else 1)
    # the scope-wide objects built so far (units, contexts, edges: millions on a big ledger)
    # never become garbage during the search: frozen out of the collector, so that the
    # collections the per-account objects trigger do not rescan them again and again (and,
    # in worker processes, so that they are not copied page by page)
    parts = []
    with frozen_heap():
        results = parallel(job, chunks) if parallel is not None and len(chunks) > 1 else map(job.run, chunks)
        for chunk, res in zip(chunks, results):
            state.groups.extend(res.groups)
            if res.finished is not None:
                parts.append(res.finished)
            if res.taken:
                state.free[np.array(res.taken, dtype="int64")] = False
            state.account_work.update(res.account_work)
            state.work += res.work
            state.budget_exceeded.extend(res.budget_exceeded)
            state.budget_left_units.update(res.budget_left_units)
            state.tick(chunk[-1] + 1, n_acc)  # chunks: consecutive accounts, none empty
        state.tick(n_acc, n_acc)
    return parts
