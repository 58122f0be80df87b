"""Self-evaluation (``reglo letter FEC --evaluate``): strip the accountant's letters of the
scope in memory, re-letter, and compare with the original groups.

Two measures, overall and per rule: *pairs* (two lines put together: precision = share of the
engine's pairs that the accountant made too, recall = share of the accountant's pairs found),
and *whole groups* (a group counts only when its lines are exactly an original group).
Only complete groups that would be applied count (ambiguous proposals are never applied;
partial letterings are reported apart, the original ledger having no letter on them).
Original groups reported as unbalanced or reusing a code are not a ground truth: left out.
Per score band, every complete proposal (applied or not) is scored too, so that an accountant can
see how precise each band is and where an automatic threshold would sit.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable

import numpy as np
import pandas as pd

from reglo.core.lettering.engine import _examine, account_keys, propose_lettering
from reglo.core.lettering.models import SCORE_BANDS, BandScore, Evaluation, LetteringOptions, LetteringProposal, Rule, RuleScore


def _pairs(rows: tuple[int, ...]) -> set[tuple[int, int]]:
    return set(combinations(sorted(rows), 2))


def original_groups(frame: pd.DataFrame, options: LetteringOptions) -> tuple[list[tuple[int, ...]], int, np.ndarray]:
    """The accountant's complete groups of the scope (source rows), the number left out as bad,
    and the mask of the lines whose letters are stripped."""
    sc = _examine(frame, options)
    good = sc.complete & ~sc.untouchable
    codes = frame["lettering_code"].to_numpy(dtype=object)
    rows = frame["source_row"].to_numpy()
    df = pd.DataFrame({"account": sc.key[good], "code": codes[good], "row": rows[good]})
    groups = [tuple(sorted(g.tolist())) for _, g in df.groupby(["account", "code"], sort=True)["row"]]
    bad = sc.complete & sc.untouchable
    n_bad = int(pd.DataFrame({"a": sc.key[bad], "c": codes[bad]}).drop_duplicates().shape[0]) if bad.any() else 0
    return groups, n_bad, good


def evaluate_lettering(frame: pd.DataFrame, options: LetteringOptions | None = None,
                       progress: Callable[[str, int, int], None] | None = None) -> tuple[Evaluation, LetteringProposal]:
    options = options or LetteringOptions()
    originals, n_bad, strip = original_groups(frame, options)
    stripped = frame.copy()
    codes = stripped["lettering_code"].to_numpy(dtype=object).copy()
    codes[strip] = ""
    stripped["lettering_code"] = pd.Series(codes, index=stripped.index, dtype=frame["lettering_code"].dtype)
    on = stripped["lettered_on"].to_numpy().copy()
    on[strip] = np.datetime64("NaT")
    stripped["lettered_on"] = pd.Series(on, index=stripped.index).astype(frame["lettered_on"].dtype)
    proposal = propose_lettering(stripped, options, progress)
    orig_sets = {frozenset(g) for g in originals}
    orig_pairs: set[tuple[int, int]] = set()
    for g in originals:
        orig_pairs |= _pairs(g)
    applied = [g for g in proposal.groups if not g.ambiguous and not g.partial]
    per: dict[str, list[int]] = {r.value: [0, 0, 0, 0] for r in Rule if r is not Rule.PARTIAL}
    exact = prop_pairs = correct = 0
    row_group: dict[int, frozenset[int]] = {}
    for g in applied:
        s = frozenset(g.rows)
        for r in g.rows:
            row_group[r] = s
        pp = _pairs(g.rows)
        ok = len(pp & orig_pairs)
        hit = int(s in orig_sets)
        exact += hit
        prop_pairs += len(pp)
        correct += ok
        stat = per[g.rule.value]
        stat[0] += 1
        stat[1] += hit
        stat[2] += len(pp)
        stat[3] += ok
    # original one-to-one groups whose amount was unique among the account's open lines
    sc_key = account_keys(stripped)
    amounts = (stripped["debit"] - stripped["credit"]).abs().to_numpy()
    rows = stripped["source_row"].to_numpy()
    openm = np.zeros(len(stripped), dtype=bool)
    openm[strip] = True
    openm |= (stripped["lettering_code"].to_numpy(dtype=object) == "") & _examine(stripped, options).scope
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([sc_key[openm], amounts[openm]])).groupby(level=[0, 1]).sum()
    info = dict(zip(rows.tolist(), zip(sc_key.tolist(), amounts.tolist())))
    unique_total = unique_wrong = 0
    for g in originals:
        if len(g) != 2:
            continue
        (a1, m1), (_, m2) = info[g[0]], info[g[1]]
        if m1 != m2 or counts.get((a1, m1), 0) != 2:
            continue
        unique_total += 1
        if any(r in row_group and row_group[r] != frozenset(g) for r in g):
            unique_wrong += 1
    bands = []
    for low, high in SCORE_BANDS:
        gs = [g for g in proposal.groups if not g.partial and low <= g.confidence <= high]
        pp = [_pairs(g.rows) for g in gs]
        bands.append(BandScore(low=low, high=high, groups=len(gs), applied=sum(not g.ambiguous for g in gs),
                               exact_groups=sum(frozenset(g.rows) in orig_sets for g in gs), pairs=sum(len(x) for x in pp),
                               correct_pairs=sum(len(x & orig_pairs) for x in pp)))
    scores = tuple(RuleScore(rule=k, groups=v[0], exact_groups=v[1], pairs=v[2], correct_pairs=v[3]) for k, v in per.items())
    ev = Evaluation(
        original_groups=len(originals), original_pairs=len(orig_pairs), proposed_groups=len(applied), exact_groups=exact,
        proposed_pairs=prop_pairs, correct_pairs=correct, ambiguous_groups=sum(g.ambiguous for g in proposal.groups),
        partial_groups=sum(g.partial for g in proposal.groups), unique_exact_originals=unique_total, unique_exact_wrong=unique_wrong,
        per_rule=scores, ignored_original_groups=n_bad, per_band=tuple(bands),
    )
    return ev, proposal
