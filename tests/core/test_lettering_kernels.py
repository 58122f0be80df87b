"""The array-form kernels of the lettering search (``reglo.core.lettering.kernels``) return
exactly what the Python originals return: same solutions in the same order, same work units
(hence the same budget stops), same weights. Run here interpreted (numpy, no compiler); the
compiled versions are checked the same way in ``tests/addin/test_lettering_kernels_compiled.py``."""
from __future__ import annotations

import os
import random

import numpy as np

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reglo.core.lettering import kernels as K
from reglo.core.lettering.matching import EXACT_NODES, Cand, _best, multiset_sums
from reglo.core.lettering.models import Rule
from reglo.core.lettering.passes import find_subsets

KERN = K.ArrayKernels()  # interpreted


@st.composite
def subset_calls(draw):
    """Amounts as the search passes them (positive cents, recurring prices among them), a target
    that is often a real sum of some of them, every size limit, budgets small enough to stop."""
    prices = draw(st.lists(st.integers(1, 400_000), min_size=1, max_size=6))
    amounts = draw(st.lists(st.one_of(st.sampled_from(prices), st.integers(1, 500_000)), min_size=0, max_size=24))
    k = draw(st.integers(1, 6))
    if amounts and draw(st.booleans()):
        pick = draw(st.lists(st.integers(0, len(amounts) - 1), min_size=1, max_size=min(k, len(amounts)), unique=True))
        target = sum(amounts[i] for i in pick)
    else:
        target = draw(st.integers(1, 2_000_000))
    budget = draw(st.sampled_from([0, 1, 3, 10, 50, 400, 5_000, 100_000]))
    return amounts, target, k, budget, draw(st.sampled_from([1, 2])), draw(st.integers(1, 3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subset_calls())
def test_subsets_kernel_is_find_subsets(call):
    amounts, target, k, budget, min_size, limit = call
    assert KERN.find_subsets(amounts, target, k, budget, min_size=min_size, limit=limit) == \
        find_subsets(amounts, target, k, budget, min_size=min_size, limit=limit)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([12_000, 30_000, 45_050, 120_000, 9_999]), min_size=0, max_size=18), st.integers(1, 6),
       st.sampled_from([0, 2, 10, 100, 1000]), st.integers(1, 3), st.data())
def test_multisets_kernel_is_multiset_sums(values, k, budget, limit, data):
    if values and data.draw(st.booleans()):
        target = sum(data.draw(st.lists(st.sampled_from(values), min_size=1, max_size=k)))
    else:
        target = data.draw(st.integers(1, 600_000))
    got = KERN.multiset_sums(values, target, k, budget, limit)
    want = multiset_sums(values, target, k, budget, limit)
    assert got == want
    assert [list(d.items()) for d in got[0]] == [list(d.items()) for d in want[0]]  # same order of values too


def _random_cands(rnd: random.Random, n: int, lines: range, z_of, partial_rate: float) -> list[Cand]:
    """``n`` candidates of 2 to 6 of ``lines``, scores from ``z_of()``, some partial."""
    cands = []
    for _ in range(n):
        size = rnd.choice([2, 2, 2, 3, 4, 6])
        units = tuple(sorted(rnd.sample(lines, min(size, len(lines)))))
        cands.append(Cand(units, Rule.EXACT, z_of(), [f"c{len(cands)}"], partial=rnd.random() < partial_rate))
    return cands


@st.composite
def components(draw):
    """Candidates of one connected component as the assignment sees them: sorted by weight,
    overlapping lines, some weights ≤ 0, sometimes more than 64 lines (masks of several words)."""
    n_lines = draw(st.sampled_from([4, 10, 30, 70, 140]))
    n = draw(st.integers(1, 24))
    rnd = random.Random(draw(st.integers(0, 10**6)))
    cands = _random_cands(rnd, n, range(n_lines), lambda: round(rnd.uniform(-1.5, 6.0), 3), 0.1)
    cands.sort(key=lambda c: (-c.z, c.units))
    return cands


@settings(max_examples=300, deadline=None)
@given(components(), st.data())
def test_best_kernel_is_the_branch_and_bound(cands, data):
    want = _best(cands)
    assert _best(cands, kernels=KERN) == want
    total, chosen, finished = want
    if chosen and finished:  # the margins' second search: one chosen candidate banned, from the floor without it
        i = data.draw(st.sampled_from(chosen))
        w_i = cands[i].z if not cands[i].partial else min(cands[i].z, 0.5)
        floor = (total - w_i, [j for j in chosen if j != i])
        assert _best(cands, banned=i, floor=floor, kernels=KERN) == _best(cands, banned=i, floor=floor)


def test_best_kernel_stops_at_the_node_limit_like_the_original():
    # 50 overlapping pairs of close weights: the search cannot prove its best within the limit
    rnd = random.Random(1)
    cands = [Cand(tuple(sorted(rnd.sample(range(60), 2))), Rule.EXACT, round(rnd.uniform(0.5, 1.5), 3), []) for _ in range(50)]
    cands.sort(key=lambda c: (-c.z, c.units))
    want = _best(cands)
    assert want[2] is False and EXACT_NODES == 5_000
    assert _best(cands, kernels=KERN) == want


def test_kernels_do_not_import_a_compiler():
    import sys

    with open(K.__file__, encoding="utf-8") as f:
        src = f.read()
    assert "import numba" not in src and "numba" not in {m.split(".")[0] for m in vars(K) if not m.startswith("_")}
    assert "reglo.core.lettering.kernels" in sys.modules


def test_the_reverse_of_the_reference_edges_is_the_loops(monkeypatch):
    """``matching._named_by`` (from the edge arrays) gives what the loop over ``edges`` gave:
    every named unit, with the units naming it in increasing order."""
    from reglo.core.lettering import LetteringOptions, matching, propose_lettering
    from tests.lettering_bench.generator import REPORT_SEEDS, generate, stripped

    seen = {}
    original = matching.reference_edges

    def spy(state, inv, threads=None):
        edges = original(state, inv, threads)
        seen["state"], seen["edges"] = state, edges
        return edges

    monkeypatch.setattr(matching, "reference_edges", spy)
    propose_lettering(stripped(generate(REPORT_SEEDS[0], 40)), LetteringOptions())
    edges = seen["edges"]
    loop: dict[int, list[int]] = {}
    for x, ys in edges.items():
        for y in ys:
            loop.setdefault(y, []).append(x)
    assert len(loop) > 100
    arrays = seen["state"].edge_arrays
    assert matching._named_by(edges, arrays) == loop
    assert matching._named_by({}, arrays) == {}
    # a range of accounts (as a chunk of the search reads it): the loop's entries of its units
    acc = seen["state"].units.account
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]]).tolist() + [len(acc)]
    lo, hi = starts[5], starts[17]
    part = {y: xs for y, xs in loop.items() if lo <= y < hi}
    assert part and len(part) < len(loop)
    assert matching._named_by(edges, arrays, lo, hi) == part
    assert matching._named_by(edges, None, lo, hi) == part  # from the dict alone


@st.composite
def account_sums(draw):
    """One account as ``matching._sums`` sees it: open lines by date (recurring prices, credit
    notes, deposits, settlements before their invoice), the usual delay known or not, every
    option the search reads (k, candidates, window, budgets small enough to stop)."""
    n = draw(st.integers(2, 36))
    prices = draw(st.lists(st.integers(1, 300_000), min_size=1, max_size=5))
    amounts = [draw(st.one_of(st.sampled_from(prices), st.integers(1, 400_000))) for _ in range(n)]
    signs = draw(st.lists(st.sampled_from([1, 1, -1]), min_size=n, max_size=n))
    days = sorted(draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)))
    # invoices on the debit side mostly (a customer account), a credit note or a refund now and then
    inv = [(s > 0) != draw(st.booleans().map(lambda b: b and draw(st.integers(0, 9)) == 0)) for s in signs]
    deposit = [not i and draw(st.integers(0, 6)) == 0 for i in inv]
    free = sorted(draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=n)))
    targets = [x for x in free if draw(st.integers(0, 4))]
    options = {"k": draw(st.integers(2, 6)), "candidates": draw(st.sampled_from([2, 5, 12, 31, 40])),
               "date_window_days": draw(st.sampled_from([30, 120, 400])), "budget": draw(st.sampled_from([0, 5, 40, 400, 50_000])),
               "target_budget": draw(st.sampled_from([3, 60, 4_000]))}
    known = draw(st.booleans())
    mu = draw(st.sampled_from([0.0, 12.5, 31.0, 45.25, 90.0]))
    sd = draw(st.sampled_from([4.0, 6.0, 17.79]))
    return [s * a for s, a in zip(signs, amounts)], days, inv, deposit, free, targets, options, (mu, sd, known)


def run_sums(case, kernels):
    """``matching._sums`` on ``case`` (``account_sums``), with ``kernels`` or the Python search:
    the candidates in order, the budgets spent and the budget stops."""
    import numpy as np
    from reglo.core.lettering import LetteringOptions
    from reglo.core.lettering import matching as M
    from reglo.core.lettering.passes import PassState

    amt, days, inv, deposit, free, targets, options, (mu, sd, known) = case
    n = len(amt)
    rows = list(range(10, 10 + n))
    arrays = (np.array(amt, dtype=np.int64), np.array(days, dtype=np.int64), np.array(inv, dtype=bool), np.array(deposit, dtype=bool),
              np.array(rows, dtype=np.int64))
    ctx = M.Ctx(amt=amt, day=days, due=days, row=rows, inv=inv, deposit=deposit, piece=[""] * n, edges={}, history={}, pooled=(35.0, 30.0),
                partial_code=[""] * n, aamt=[abs(x) for x in amt], kernels=kernels, arrays=arrays if kernels is not None else None)
    state = PassState(units=None, options=LetteringOptions(**options), free=np.ones(n, dtype=bool))  # type: ignore[arg-type]
    state.account_work["C1"] = 7 if options["budget"] > 7 else 0
    a = M._Acc(0, n, "C1", mu, sd, known)
    M._sums(state, ctx, a, list(targets), list(free))
    cands = [(c.units, c.rule, c.why, c.base, getattr(c, "same", None)) for c in a.cands]
    return cands, state.account_work, state.work, state.budget_exceeded, state.budget_left_units


@settings(max_examples=2000 if os.environ.get("REGLO_FULL") else 150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(account_sums())
def test_sums_kernel_is_the_combination_search(case):
    assert run_sums(case, KERN) == run_sums(case, None)


def test_sums_kernel_finds_every_kind_of_combination():
    """The property test's cases are not all empty: the kinds the kernel writes all occur on a
    bench ledger, and its whole proposal is the plain one (budgets small enough to stop too)."""
    from reglo.core.lettering import LetteringOptions, matching, propose_lettering
    from tests.lettering_bench.generator import REPORT_SEEDS, generate, stripped

    frame = stripped(generate(REPORT_SEEDS[2], 120))
    for options in (LetteringOptions(), LetteringOptions(budget=300, k=4)):
        plain = propose_lettering(frame, options)
        seen: list[str] = []
        original = matching._sums_kernel

        def spy(state, ctx, a, targets, free_units, _seen=seen, _original=original):
            before = len(a.cands)
            _original(state, ctx, a, targets, free_units)
            _seen.extend(c.base for c in a.cands[before:])

        matching._sums_kernel = spy
        try:
            fast = propose_lettering(frame, options, kernels=KERN)
        finally:
            matching._sums_kernel = original
        assert [(g.rows, g.rule, g.reason, g.z, g.margin, g.ambiguous, g.alternatives) for g in fast.groups] == \
            [(g.rows, g.rule, g.reason, g.z, g.margin, g.ambiguous, g.alternatives) for g in plain.groups]
        assert (fast.work, fast.budget_exceeded) == (plain.work, plain.budget_exceeded)
        if options.budget == 300:
            assert fast.budget_exceeded
        else:
            assert {"sum_unique", "sum_amb", "sum_compact"} <= set(seen), set(seen)
    # a settlement with its credit note paying two invoices (2 ↔ k)
    case = ([30_000, 45_000, -15_000, -60_000], [10, 12, 20, 40], [True, True, False, False], [False] * 4, [0, 1, 2, 3], [0, 1, 2, 3],
            {"k": 6, "candidates": 40, "date_window_days": 400, "budget": 50_000, "target_budget": 4_000}, (30.0, 6.0, False))
    cands = run_sums(case, KERN)[0]
    assert [(c[0], c[3]) for c in cands] == [((0, 1, 2, 3), "pair_sum")]
    assert cands == run_sums(case, None)[0]


@st.composite
def account_series(draw):
    """One account as ``matching._runs`` and ``matching._instalment_plans`` see it: invoices
    (recurring prices among them), monthly statements paying runs of them, invoices paid in 2 to 6
    instalments about a month apart (parts rounded to the euro or the hundred, a remainder
    before or after), deposits, credit notes, noise."""
    lines: list[tuple[int, int, bool, bool]] = []  # (signed cents, day, invoice, deposit)
    prices = draw(st.lists(st.integers(1, 90_000), min_size=1, max_size=4))
    sign = draw(st.sampled_from([1, -1]))  # the invoices' side
    day = draw(st.integers(0, 40))
    invoices = []
    for _ in range(draw(st.integers(2, 14))):
        day += draw(st.integers(0, 25))
        amount = draw(st.one_of(st.sampled_from(prices), st.integers(100, 400_000)))
        invoices.append((amount, day))
        lines.append((sign * amount, day, True, False))
    for _ in range(draw(st.integers(0, 3)) if len(invoices) >= 2 else 0):  # statements: a run of consecutive invoices
        if len(invoices) >= 2:
            i = draw(st.integers(0, len(invoices) - 2))
            j = draw(st.integers(i + 2, min(len(invoices), i + 17)))
            lines.append((-sign * sum(a for a, _ in invoices[i:j]), invoices[j - 1][1] + draw(st.integers(-3, 60)), False, False))
    for _ in range(draw(st.integers(1, 3))):  # instalment plans
        total = draw(st.integers(2_000, 900_000))
        m = draw(st.integers(2, 6))
        part = draw(st.sampled_from([(total // m) // 100 * 100, total // m]))
        rest = total - part * (m - 1)
        d0 = draw(st.integers(0, 300))
        lines.append((sign * total, d0, True, False))
        d = d0 + draw(st.integers(-5, 120))
        dates = []
        for _ in range(m):
            dates.append(d)
            d += draw(st.integers(15, 50))
        rest_at = draw(st.sampled_from([0, m - 1]))
        for n, dd in enumerate(dates):
            amount = rest if n == rest_at and rest != part else part
            if draw(st.integers(0, 12)):
                lines.append((-sign * amount, dd, False, False))
    for _ in range(draw(st.integers(0, 10))):  # noise: settlements, deposits, credit notes, refunds
        amount = draw(st.one_of(st.sampled_from(prices), st.integers(1, 400_000)))
        kind = draw(st.integers(0, 3))
        lines.append(((-sign if kind < 3 else sign) * amount, draw(st.integers(0, 500)), kind == 3, kind == 1))
    assume(len(lines) >= 2)
    lines.sort(key=lambda x: x[1])
    everything = list(range(len(lines)))
    free = sorted(draw(st.one_of(st.just(everything), st.sets(st.integers(0, len(lines) - 1), min_size=2, max_size=len(lines)))))
    mu = draw(st.sampled_from([0.0, 12.5, 31.0, 45.25, 90.0]))
    sd = draw(st.sampled_from([4.0, 6.0, 17.79]))
    return [x[0] for x in lines], [x[1] for x in lines], [x[2] for x in lines], [x[3] for x in lines], free, mu, sd


def run_series(case, kernels):
    """``_runs`` then ``_instalment_plans`` on ``case`` (``account_series``), or their kernel:
    the candidates added."""
    import numpy as np
    from reglo.core.lettering import LetteringOptions
    from reglo.core.lettering import matching as M
    from reglo.core.lettering.passes import PassState

    amt, days, inv, deposit, free, mu, sd = case
    n = len(amt)
    rows = list(range(3, 3 + n))
    ctx = M.Ctx(amt=amt, day=days, due=days, row=rows, inv=inv, deposit=deposit, piece=[""] * n, edges={}, history={}, pooled=(35.0, 30.0),
                partial_code=[""] * n, aamt=[abs(x) for x in amt], kernels=kernels,
                arrays=(np.array(amt, dtype=np.int64), np.array(days, dtype=np.int64), np.array(inv, dtype=bool), np.array(deposit, dtype=bool),
                        np.array(rows, dtype=np.int64)) if kernels is not None else None)
    a = M._Acc(0, n, "C1", mu, sd, True)
    if kernels is None:
        state = PassState(units=None, options=LetteringOptions(), free=np.ones(n, dtype=bool))  # type: ignore[arg-type]
        M._runs(ctx, a, list(free), 6)
        M._instalment_plans(state, ctx, a, list(free))
    else:
        M._series_kernel(ctx, a, list(free))
    return sorted((c.units, c.rule, c.why, c.base) for c in a.cands)


@settings(max_examples=2000 if os.environ.get("REGLO_FULL") else 150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(account_series())
def test_series_kernel_is_the_runs_and_the_instalment_plans(case):
    assert run_series(case, KERN) == run_series(case, None)


def test_series_kernel_finds_runs_and_plans():
    """A statement paying three consecutive invoices, an invoice paid in 3 instalments (the
    remainder last), and noise: the kernel finds both, as the originals do."""
    amt = [40_000, 25_050, 12_000, 100_001, 3_000, -77_050, -33_300, -33_300, -33_401, -9_999]
    days = [0, 5, 9, 20, 30, 60, 55, 85, 116, 120]
    inv = [True] * 5 + [False] * 5
    case = (amt, days, inv, [False] * 10, list(range(10)), 30.0, 6.0)
    found = run_series(case, KERN)
    assert [(units, base) for units, _, _, base in found] == [((0, 1, 2, 5), "run"), ((3, 6, 7, 8), "plan")]
    assert found == run_series(case, None)


def test_the_references_read_in_two_halves_are_the_references(monkeypatch):
    """``reference_edges`` with ``threads``: the scope cut in two between accounts, each half
    read alone; the same edges (in the same order), the same edge arrays, the same proposal."""
    import numpy as np
    from reglo.core.lettering import LetteringOptions, matching, propose_lettering
    from tests.lettering_bench.generator import REPORT_SEEDS, generate, stripped

    frame = stripped(generate(REPORT_SEEDS[1], 80))
    seen: dict[str, list] = {"edges": [], "arrays": [], "halves": []}
    original = matching.reference_edges

    def spy(state, inv, threads=None):
        edges = original(state, inv, threads)
        seen["edges"].append(edges)
        seen["arrays"].append(getattr(state, "edge_arrays", None))
        return edges

    def in_turn(fn, items):
        seen["halves"].append(items)
        return [fn(x) for x in items]

    monkeypatch.setattr(matching, "reference_edges", spy)
    monkeypatch.setattr(matching, "SPLIT_UNITS", 1000)
    plain = propose_lettering(frame, LetteringOptions())
    halved = propose_lettering(frame, LetteringOptions(), threads=in_turn)
    assert len(seen["halves"]) == 1 and seen["halves"][0][0][0] == 0 and 0 < seen["halves"][0][0][1] == seen["halves"][0][1][0]
    (whole, split), (a, b) = seen["edges"], seen["arrays"]
    assert len(whole) > 500 and list(whole.items()) == list(split.items())
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert [(g.rows, g.reason, g.z, g.margin, g.alternatives) for g in halved.groups] == [(g.rows, g.reason, g.z, g.margin, g.alternatives) for g in plain.groups]
    # a small scope is read in one pass, threads or not
    monkeypatch.setattr(matching, "SPLIT_UNITS", 10**9)
    seen["halves"].clear()
    propose_lettering(frame, LetteringOptions(), threads=in_turn)
    assert seen["halves"] == []


@st.composite
def account_pairs(draw):
    """One account as the exact 1-1 step sees it: recurring amounts on both sides, invoices and
    settlements in any order, deposits, due dates, pieces shared or not, lines naming others
    (references: the score's reference features), a reference candidate already found."""
    n = draw(st.integers(2, 30))
    prices = draw(st.lists(st.integers(1, 50_000), min_size=1, max_size=4))
    amt = [draw(st.sampled_from([1, 1, -1])) * draw(st.one_of(st.sampled_from(prices), st.integers(1, 60_000))) for _ in range(n)]
    days = sorted(draw(st.lists(st.integers(0, 400), min_size=n, max_size=n)))
    inv = [(x > 0) != (draw(st.integers(0, 9)) == 0) for x in amt]
    deposit = [not i and draw(st.integers(0, 5)) == 0 for i in inv]
    due = [d + draw(st.sampled_from([0, 0, 30, 45])) if i else d for d, i in zip(days, inv)]
    piece = [draw(st.sampled_from(["", "", "FA1", "FA2", "RLV"])) for _ in range(n)]
    edges: dict[int, dict[int, int]] = {}
    for _ in range(draw(st.integers(0, 4))):
        x, y = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if x != y:
            edges.setdefault(x, {})[y] = draw(st.integers(1, 3))
    free = sorted(draw(st.one_of(st.just(set(range(n))), st.sets(st.integers(0, n - 1), min_size=2, max_size=n))))
    ref_pair = draw(st.one_of(st.none(), st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    window = draw(st.sampled_from([20, 90, 400]))
    mu = draw(st.sampled_from([0.0, 12.5, 31.0, 45.25]))
    sd = draw(st.sampled_from([4.0, 6.0, 17.79]))
    return amt, days, inv, deposit, due, piece, edges, free, ref_pair, window, (mu, sd, draw(st.booleans()))


def run_pairs(case, kernels):
    """The exact 1-1 step and the scores of its pairs on ``case`` (``account_pairs``), by the
    kernel or the Python originals: every candidate in order with its score and texts."""
    import numpy as np
    from reglo.core.lettering import matching as M

    amt, days, inv, deposit, due, piece, edges, free, ref_pair, window, (mu, sd, known) = case
    n = len(amt)
    rows = list(range(5, 5 + n))
    named_by: dict[int, list[int]] = {}
    for x, ys in edges.items():
        for y in ys:
            named_by.setdefault(y, []).append(x)
    counts: dict[tuple[int, bool], int] = {}
    for x in free:
        counts[(abs(amt[x]), amt[x] > 0)] = counts.get((abs(amt[x]), amt[x] > 0), 0) + 1
    nsame = [max(counts.get((abs(v), True), 0), counts.get((abs(v), False), 0)) for v in amt]
    ctx = M.Ctx(amt=amt, day=days, due=due, row=rows, inv=inv, deposit=deposit, piece=piece, edges=edges, history={}, pooled=(35.0, 30.0),
                partial_code=[""] * n, nsame=nsame, aamt=[abs(x) for x in amt], kernels=kernels, named_by=named_by)
    if kernels is not None:
        units = type("U", (), {"due": np.array(due, dtype=np.int64), "__len__": lambda self: n})()
        ctx.arrays = (np.array(amt, dtype=np.int64), np.array(days, dtype=np.int64), np.array(inv, dtype=bool), np.array(deposit, dtype=bool),
                      np.array(rows, dtype=np.int64))
        ctx.pair_arrays = M._pair_arrays(units, np.array(nsame), piece, edges, None)
    a = M._Acc(0, n, "C1", mu, sd, known)
    a.free = set(free)
    a.linked = {x for x in free if x in edges or x in named_by}
    if ref_pair is not None and ref_pair[0] != ref_pair[1]:
        M._add(a, M.Cand(ref_pair, M.Rule.REFERENCE, 0.0, ["référence"], ref=2, base="ref"))
    if kernels is None:
        M._exact_pairs(ctx, a, list(free), window)
    else:
        M._pairs_kernel(ctx, a, list(free), window)
    for c in a.cands:
        if not c.scored:
            M._score(ctx, a, c, getattr(c, "same", 0))
    return [(c.units, c.rule, c.z, list(c.why), c.base, getattr(c, "same", None)) for c in a.cands]


@settings(max_examples=2000 if os.environ.get("REGLO_FULL") else 150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(account_pairs())
def test_pairs_kernel_is_the_exact_step_and_its_scores(case):
    assert run_pairs(case, KERN) == run_pairs(case, None)


@st.composite
def account_candidates(draw):
    """One account's candidates as ``matching._assign`` receives them (z ≥ MIN_Z): components
    of every size (lone groups, rivals, long chains beyond the margins' exact search, more than
    64 lines), weak candidates (z ≤ 0), partial ones (weight capped at 0.5), equal scores,
    duplicated lines, and sometimes a component the branch and bound cannot finish."""
    lo = draw(st.sampled_from([0, 7, 1000]))
    n_lines = draw(st.sampled_from([3, 12, 40, 90, 200]))
    n = draw(st.integers(0, 90))
    rnd = random.Random(draw(st.integers(0, 10**6)))
    cands = _random_cands(rnd, n, range(lo, lo + n_lines), lambda: rnd.choice([round(rnd.uniform(-1.5, 8.0), 3), round(rnd.uniform(-1.5, 8.0), 3), 0.0,
                                                                               0.4, 2.5, 0.5]), 0.15)
    if draw(st.booleans()) and n_lines >= 60:  # overlapping pairs of close weights: the node limit
        cands += [Cand(tuple(sorted(rnd.sample(range(lo, lo + 60), 2))), Rule.EXACT, round(rnd.uniform(0.5, 1.5), 3), ["close"]) for _ in range(50)]
    return lo, lo + n_lines, cands


def run_assign(case, kernels) -> list:
    """What ``_emit`` is called with, in order: (lines, margin, alternatives' lines)."""
    from reglo.core.lettering import matching as M

    lo, hi, cands = case
    emitted = []
    state = M.PassState(units=None, options=None, free=np.ones(hi + 1, dtype=bool))  # type: ignore[arg-type]
    ctx = M.Ctx(amt=[], day=[], due=[], row=[], inv=[], deposit=[], piece=[], edges={}, history={}, pooled=(35.0, 30.0), partial_code=[],
                kernels=kernels)
    a = M._Acc(lo, hi, "411X", 30.0, 10.0, True)
    original = M._emit
    try:
        M._emit = lambda state, ctx, c, margin, alts: emitted.append((c.units, margin, [o.units for o in alts]))
        fresh = [Cand(c.units, c.rule, c.z, list(c.why), partial=c.partial) for c in cands]
        (M._assign_kernel if kernels is not None else M._assign)(state, ctx, a, fresh)
    finally:
        M._emit = original
    return emitted


@settings(max_examples=2000 if os.environ.get("REGLO_FULL") else 200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(account_candidates())
def test_assign_kernel_is_the_global_assignment(case):
    assert run_assign(case, KERN) == run_assign(case, None)


def test_assign_kernel_covers_every_branch():
    """The cases drawn above reach each branch of the assignment: components
    solved exactly (margins by search) or beyond 60 candidates (local margins), unfinished
    searches (greedy), weak-only components and proposals left over."""
    from reglo.core.lettering import matching as M

    seen = {"emitted": 0, "exact": 0, "local": 0, "greedy": 0, "weak_only": 0, "leftover": 0}
    rnd = random.Random(5)
    original = (M._solve_component, M._greedy, M._leftover_proposals)

    def solve(state, ctx, a, cands):
        pos = [c for c in cands if M._weight(c) > 0]
        seen["weak_only" if not pos else ("exact" if len(pos) <= 60 else "local")] += 1
        return original[0](state, ctx, a, cands)

    def greedy(cands):
        seen["greedy"] += 1
        return original[1](cands)

    def leftover(state, ctx, cands, taken):
        seen["leftover"] += sum(1 for c in cands if not (set(c.units) & taken) and c.z >= M.MIN_Z)
        return original[2](state, ctx, cands, taken)

    M._solve_component, M._greedy, M._leftover_proposals = solve, greedy, leftover
    try:
        for _ in range(150):
            n_lines = rnd.choice([12, 40, 200])
            n = rnd.choice([5, 30, 90])
            cands = [Cand(tuple(sorted(rnd.sample(range(n_lines), rnd.choice([2, 3])))), Rule.EXACT, round(rnd.uniform(-1.5, 8.0), 3), [],
                          partial=rnd.random() < 0.15) for _ in range(n)]
            if rnd.random() < 0.2:
                cands += [Cand(tuple(sorted(rnd.sample(range(60), 2))), Rule.EXACT, round(rnd.uniform(0.5, 1.5), 3), []) for _ in range(50)]
            case = (0, max(n_lines, 60), cands)
            want = run_assign(case, None)
            seen["emitted"] += len(want)
            assert run_assign(case, KERN) == want
        # 60 and 61 rivals of one line (the margins' search stops at 60 candidates)
        # (the first one's margin by search, 1.0, is not its local margin, 5.0)
        for n in (59, 60, 61, 62):
            rivals = [Cand((0, 2 + i), Rule.EXACT, round(3.0 - 0.01 * i, 3), []) for i in range(n - 3)]
            case = (0, 100, [Cand((0, 1), Rule.EXACT, 9.0, []), Cand((1, 90), Rule.EXACT, 4.0, []), Cand((0, 91), Rule.EXACT, 4.0, []), *rivals])
            want = run_assign(case, None)
            assert want[0][:2] == ((0, 1), 1.0 if n <= 60 else 5.0)
            assert run_assign(case, KERN) == want
    finally:
        M._solve_component, M._greedy, M._leftover_proposals = original
    assert all(v > 0 for v in seen.values()), seen
