"""The array-form kernels of the lettering search (``reglo.core.lettering.kernels``) return
exactly what the Python originals return: same solutions in the same order, same work units
(hence the same budget stops), same weights. Run here interpreted (numpy, no compiler); the
compiled versions are checked the same way in ``tests/addin/test_lettering_kernels_compiled.py``."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
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


@st.composite
def components(draw):
    """Candidates of one connected component as the assignment sees them: sorted by weight,
    overlapping lines, some weights ≤ 0, sometimes more than 64 lines (masks of several words)."""
    n_lines = draw(st.sampled_from([4, 10, 30, 70, 140]))
    n = draw(st.integers(1, 24))
    rnd = random.Random(draw(st.integers(0, 10**6)))
    cands = []
    for _ in range(n):
        size = rnd.choice([2, 2, 2, 3, 4, 6])
        units = tuple(sorted(rnd.sample(range(n_lines), min(size, n_lines))))
        z = round(rnd.uniform(-1.5, 6.0), 3)
        cands.append(Cand(units, Rule.EXACT, z, [], partial=rnd.random() < 0.1))
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

    def spy(state, inv):
        edges = original(state, inv)
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
    assert matching._named_by(seen["state"], edges) == loop
    assert matching._named_by(seen["state"], {}) == {}
