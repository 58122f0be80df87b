"""The lettering search's three numeric kernels in array form, for a compiler.

The per-account search (``matching``) spends about a third of its time in three small searches:
the subsets of amounts that make a total (``passes.find_subsets``), the multisets of
interchangeable amounts that make it (``matching.multiset_sums``) and the branch and bound of
the exact assignment (``matching._best``). Each is restated here over numpy arrays, without
recursion, dictionaries or Python objects, so that a compiler (numba, in the add-in:
``reglo.addin.shell.kernels``) can turn it into machine code. The core itself compiles nothing
and imports no compiler; without one, the search keeps the plain Python versions.

Every kernel returns exactly what its Python original returns: the same solutions in the same
order, the same work units (so the same budget stops) and the same floating-point sums in the
same order. ``tests/core/test_lettering_kernels.py`` checks it, on random inputs and on the
calls of a real ledger, both interpreted and compiled.

The first three are self-contained. ``sums_kernel`` (the whole combination search of one
account, ``matching._sums``) calls ``subsets_kernel``, ``multisets_kernel`` and
``compact_kernel``: a compiler makes those callable from compiled code first.
"""
from __future__ import annotations

import itertools
import threading

import numpy as np


def subsets_kernel(amounts, target, k, budget, min_size, limit, sol, sol_len):
    """``passes.find_subsets`` over an int64 array. Solutions go into ``sol`` (limit × k, indices
    into ``amounts``, ascending) and ``sol_len``; returns (number found, work)."""
    n = amounts.shape[0]
    lo_size = max(1, min_size)
    if n > 0 and amounts.max() < target:
        asc = np.sort(amounts)
        work = 0
        feasible = False
        top = min(n, k)
        for size in range(lo_size, top + 1):
            cost = 0
            if size == 1 or asc[:size].sum() > target:
                cost = 1
            elif asc[n - size:].sum() < target:
                cost = 2
            else:
                feasible = True
                break
            for _ in range(cost):
                work += 1
                if work > budget:
                    return 0, work
        if not feasible:
            return 0, work
    # values in decreasing order, ties by index (a stable sort of the negated values)
    order = np.argsort(-amounts, kind="mergesort")
    vals = amounts[order]
    neg = -vals  # increasing
    prefix = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        prefix[i + 1] = prefix[i] + vals[i]
    found = 0
    work = 0
    chosen = np.zeros(k + 1, dtype=np.int64)
    f_pos = np.zeros(k + 1, dtype=np.int64)  # the next position each open frame tries
    f_rest = np.zeros(k + 1, dtype=np.int64)
    f_left = np.zeros(k + 1, dtype=np.int64)
    tmp = np.zeros(k + 1, dtype=np.int64)
    stop = False
    for size in range(lo_size, k + 1):
        if size > n:
            break
        # enter (start 0, rest target, left size); depth = number of open frames
        depth = 0
        e_start, e_rest, e_left = 0, target, size
        entering = True
        while True:
            if entering:
                entering = False
                work += 1
                if work > budget:
                    stop = True
                    break
                if e_left == 1:
                    # every position of the value ``e_rest`` at or after e_start
                    x = -e_rest
                    q = np.searchsorted(neg, x, side="left")
                    while q < n and neg[q] == x:
                        if q >= e_start:
                            for t in range(depth):
                                tmp[t] = order[chosen[t]]
                            tmp[depth] = order[q]
                            srt = np.sort(tmp[:depth + 1])
                            for t in range(depth + 1):
                                sol[found, t] = srt[t]
                            sol_len[found] = depth + 1
                            found += 1
                            if found >= limit:
                                stop = True
                                break
                        q += 1
                    if stop:
                        break
                elif prefix[n] - prefix[n - e_left] > e_rest:
                    pass  # even the smallest items overshoot
                else:
                    skip_to = np.searchsorted(neg[e_start:], -e_rest, side="right") + e_start
                    skip_to = min(skip_to, n - e_left + 1)
                    over = False
                    if skip_to > e_start:
                        work += skip_to - e_start
                        if work > budget:
                            work = budget + 1
                            stop = True
                            break
                        e_start = skip_to
                    if e_left == 2:
                        for pos in range(e_start, n - 1):
                            work += 1
                            if work > budget:
                                over = True
                                break
                            v = vals[pos]
                            if prefix[pos + 2] - prefix[pos] < e_rest:
                                break
                            if v >= e_rest:
                                continue
                            work += 1
                            if work > budget:
                                over = True
                                break
                            x = -(e_rest - v)
                            q = np.searchsorted(neg, x, side="left")
                            while q < n and neg[q] == x:
                                if q >= pos + 1:
                                    for t in range(depth):
                                        tmp[t] = order[chosen[t]]
                                    tmp[depth] = order[pos]
                                    tmp[depth + 1] = order[q]
                                    srt = np.sort(tmp[:depth + 2])
                                    for t in range(depth + 2):
                                        sol[found, t] = srt[t]
                                    sol_len[found] = depth + 2
                                    found += 1
                                    if found >= limit:
                                        over = True
                                        break
                                q += 1
                            if over:
                                break
                        if over:
                            stop = True
                            break
                    else:
                        f_pos[depth] = e_start
                        f_rest[depth] = e_rest
                        f_left[depth] = e_left
                        depth += 1
                # the entered call returned False: its parent goes on (below)
            if depth == 0:
                break
            d = depth - 1
            pos = f_pos[d]
            left = f_left[d]
            rest = f_rest[d]
            if pos >= n - left + 1:
                depth -= 1
                continue
            work += 1
            if work > budget:
                stop = True
                break
            v = vals[pos]
            if prefix[pos + left] - prefix[pos] < rest:  # even the largest items left fall short
                depth -= 1
                continue
            f_pos[d] = pos + 1
            if v >= rest:
                continue
            chosen[d] = pos
            e_start, e_rest, e_left = pos + 1, rest - v, left - 1
            entering = True
        if stop or found:
            break
    return found, work


def multisets_kernel(values, target, k, budget, limit, out_vals, out_counts, out_len):
    """``matching.multiset_sums`` over an int64 array. Solution s is out_vals[s, :out_len[s]]
    (decreasing values) with their counts in out_counts; returns (number found, work)."""
    m = values.shape[0]
    # distinct values, decreasing, and their multiplicities (capped at k)
    srt = np.sort(values)[::-1]
    vals = np.zeros(m, dtype=np.int64)
    mult = np.zeros(m, dtype=np.int64)
    nv = 0
    for i in range(m):
        if nv > 0 and vals[nv - 1] == srt[i]:
            mult[nv - 1] += 1
        else:
            vals[nv] = srt[i]
            mult[nv] = 1
            nv += 1
    for i in range(nv):
        mult[i] = min(mult[i], k)
    # cap[i, j]: the most that j items of the values from i on can add; cap_len[i] its length
    cap = np.zeros((nv + 1, k + 1), dtype=np.int64)
    cap_len = np.ones(nv + 1, dtype=np.int64)
    for i in range(nv):
        total = 0
        j = i
        left_here = mult[i]
        ln = 1
        while ln <= k and j < nv:
            if left_here == 0:
                j += 1
                if j >= nv:
                    break
                left_here = mult[j]
                continue
            total += vals[j]
            left_here -= 1
            cap[i, ln] = total
            ln += 1
        cap_len[i] = ln
    found = 0
    work = 0
    last = vals[nv - 1] if nv > 0 else 0
    failed = set()
    failed.add((-1, -1, -1))  # an entry no search reaches: gives the compiler the set's type
    cnt = np.zeros(nv + 1, dtype=np.int64)  # chosen count per value index (0: not chosen)
    # frames: value index, rest, left, the next count to try, found on entry
    f_i = np.zeros(nv + 2, dtype=np.int64)
    f_rest = np.zeros(nv + 2, dtype=np.int64)
    f_left = np.zeros(nv + 2, dtype=np.int64)
    f_c = np.zeros(nv + 2, dtype=np.int64)
    f_found = np.zeros(nv + 2, dtype=np.int64)
    depth = 0
    e_i, e_rest, e_left = 0, target, k
    entering = True
    while True:
        if entering:
            entering = False
            work += 1
            if work > budget:
                break
            ret = False  # what the entered call returns (True: stop the whole search)
            if e_rest == 0:
                total_items = 0
                for t in range(nv):
                    total_items += cnt[t]
                if total_items >= 2:
                    ln = 0
                    for t in range(nv):
                        if cnt[t] > 0:
                            out_vals[found, ln] = vals[t]
                            out_counts[found, ln] = cnt[t]
                            ln += 1
                    out_len[found] = ln
                    found += 1
                    ret = found >= limit
            elif e_i >= nv or e_left == 0 or e_rest < last:
                ret = False
            else:
                cl = cap_len[e_i]
                j = min(cl - 1, e_left)
                if cap[e_i, j] < e_rest or (e_i, e_rest, e_left) in failed:
                    ret = False
                else:  # a new frame: its counts are tried from the largest down
                    f_i[depth] = e_i
                    f_rest[depth] = e_rest
                    f_left[depth] = e_left
                    f_c[depth] = min(mult[e_i], e_left, e_rest // vals[e_i])
                    f_found[depth] = found
                    depth += 1
            if ret:
                break
            # a returned False: the parent frame goes on with its next count
        if depth == 0:
            break
        d = depth - 1
        c = f_c[d]
        i = f_i[d]
        if c < 0:  # every count tried
            cnt[i] = 0
            if found == f_found[d]:
                failed.add((i, f_rest[d], f_left[d]))
            depth -= 1
            continue
        cnt[i] = c
        f_c[d] = c - 1
        e_i, e_rest, e_left = i + 1, f_rest[d] - c * vals[i], f_left[d] - c
        entering = True
    return found, work


def best_kernel(w, offsets, units, n_bits, floor_w, floor_chosen, max_nodes, chosen_out):
    """``matching._best``: the max total weight of pairwise disjoint candidates. Candidate i has
    weight w[i] (already ≥ 0; 0 for a banned one) and lines units[offsets[i]:offsets[i+1]]
    (numbered 0..n_bits-1 in the component). Starts from the feasible ``floor`` (weight and
    chosen indices; weight 0 and none without one). The best choice goes into ``chosen_out``;
    returns (weight, number chosen, finished)."""
    n = w.shape[0]
    words = (n_bits + 63) // 64
    masks = np.zeros((n, words if words > 0 else 1), dtype=np.uint64)
    for i in range(n):
        for p in range(offsets[i], offsets[i + 1]):
            b = units[p]
            masks[i, b // 64] |= np.uint64(1) << np.uint64(b % 64)
    suffix = np.zeros(n + 1, dtype=np.float64)
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] + w[i]
    best_w = floor_w
    n_best = floor_chosen.shape[0]
    for t in range(n_best):
        chosen_out[t] = floor_chosen[t]
    used = np.zeros((n + 1, masks.shape[1]), dtype=np.uint64)  # the lines used at each depth
    chosen = np.zeros(n + 1, dtype=np.int64)
    totals = np.zeros(n + 1, dtype=np.float64)
    f_i = np.zeros(n + 1, dtype=np.int64)  # the candidate each open frame looks at next
    nodes = 0
    depth = 0  # frames open; frame d has chosen[0..d-1] and totals[d], used[d]
    f_i[0] = 0
    totals[0] = 0.0
    while True:
        i = f_i[depth]
        total = totals[depth]
        nodes += 1
        if nodes > max_nodes:
            return best_w, n_best, False
        if total > best_w + 1e-9:
            best_w = total
            n_best = depth
            for t in range(depth):
                chosen_out[t] = chosen[t]
        if i >= n or total + suffix[i] <= best_w + 1e-9:
            # this call returns True: its parent skips the candidate it chose
            if depth == 0:
                return best_w, n_best, True
            depth -= 1
            f_i[depth] += 1
            continue
        free = True
        if w[i] > 0:
            for t in range(masks.shape[1]):
                if masks[i, t] & used[depth, t]:
                    free = False
                    break
        else:
            free = False
        if free:
            chosen[depth] = i
            for t in range(masks.shape[1]):
                used[depth + 1, t] = used[depth, t] | masks[i, t]
            totals[depth + 1] = total + w[i]
            f_i[depth + 1] = i + 1
            depth += 1
            continue
        f_i[depth] = i + 1


# ---------------------------------------------------------------------------
# the assignment of one account (``matching._assign``)
# ---------------------------------------------------------------------------


def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _shares(units, offsets, o, mark, stamp, lo):
    """Whether candidate ``o`` has a line marked ``stamp``."""
    for p in range(offsets[o], offsets[o + 1]):
        if mark[units[p] - lo] == stamp:
            return True
    return False


def _stamp(units, offsets, c, mark, stamp, lo):
    for p in range(offsets[c], offsets[c + 1]):
        mark[units[p] - lo] = stamp


def _emit_record(c, margin, out_idx, out_margin, out_alt_off, n_out):
    out_idx[n_out] = c
    out_margin[n_out] = margin
    out_alt_off[n_out + 1] = out_alt_off[n_out]
    return n_out + 1


def _leftovers(left, n_left, units, offsets, z, min_z, taken, t_stamp, mark, stamp, lo, out_idx, out_margin, out_alt_off, out_alts, n_out):
    """``matching._leftover_proposals``: the candidates ``left`` (in order) whose lines are not
    ``taken``, each with its first 5 rivals; returns (records, last stamp)."""
    for a in range(n_left):
        c = left[a]
        if z[c] < min_z or _shares(units, offsets, c, taken, t_stamp, lo):
            continue
        _stamp(units, offsets, c, taken, t_stamp, lo)
        stamp += 1
        _stamp(units, offsets, c, mark, stamp, lo)
        n_out = _emit_record(c, 0.0, out_idx, out_margin, out_alt_off, n_out)
        k = 0
        for b in range(n_left):
            o = left[b]
            if o != c and _shares(units, offsets, o, mark, stamp, lo):
                out_alts[out_alt_off[n_out]] = o
                out_alt_off[n_out] += 1
                k += 1
                if k == 5:
                    break
    return n_out, stamp


def assign_kernel(offsets, units, z, partial, lo, n_local, max_nodes, auto_margin, min_z, small, out_idx, out_margin, out_alt_off, out_alts):
    """``matching._assign`` of one account: its candidates (sorted as ``_assign`` sorts them;
    candidate i has lines units[offsets[i]:offsets[i+1]], all in lo .. lo + n_local - 1, score
    z[i], partial[i]) in connected components of candidates sharing a line; each component
    solved as ``_solve_component`` solves it (``best_kernel``, its greedy fallback, each chosen
    candidate's margin and alternatives, the proposals left over). Writes what ``_emit`` is
    called with, in the same order: candidate ``out_idx[r]``, margin ``out_margin[r]``,
    alternatives ``out_alts[out_alt_off[r]:out_alt_off[r+1]]``; returns the number of records."""
    n = z.shape[0]
    weight = np.empty(n, dtype=np.float64)
    for i in range(n):
        weight[i] = (z[i] if z[i] <= 0.5 else 0.5) if partial[i] else z[i]
    parent = np.arange(n)
    owner = np.full(n_local, -1, dtype=np.int64)
    for i in range(n):
        for p in range(offsets[i], offsets[i + 1]):
            x = units[p] - lo
            j = owner[x]
            if j < 0:
                owner[x] = i
            else:
                ri, rj = _root(parent, i), _root(parent, j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    # the components, by their first candidate (their root), each in order
    count = np.zeros(n + 1, dtype=np.int64)
    root = np.empty(n, dtype=np.int64)
    for i in range(n):
        root[i] = _root(parent, i)
        count[root[i] + 1] += 1
    start = np.cumsum(count)
    fill = start[:-1].copy()
    members = np.empty(n, dtype=np.int64)
    for i in range(n):
        members[fill[root[i]]] = i
        fill[root[i]] += 1
    mark = np.zeros(n_local, dtype=np.int64)  # lines of the candidate compared with (by stamp)
    taken = np.zeros(n_local, dtype=np.int64)  # lines of the chosen candidates (by component stamp)
    bit_of = np.full(n_local, -1, dtype=np.int64)
    stamp = 0
    n_out = 0
    out_alt_off[0] = 0
    pos = np.empty(n, dtype=np.int64)
    left = np.empty(n, dtype=np.int64)
    p_off = np.empty(n + 1, dtype=np.int64)
    p_flat = np.empty(offsets[n] + 1, dtype=np.int64)
    chosen = np.empty(n + 1, dtype=np.int64)
    buf = np.empty(n + 1, dtype=np.int64)
    is_chosen = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        m = start[r + 1] - start[r]
        if m == 0:
            continue
        first = start[r]
        if m == 1:  # a lone candidate: no rival, its weight as margin
            c = members[first]
            n_out = _emit_record(c, z[c] if weight[c] > 0 else 0.0, out_idx, out_margin, out_alt_off, n_out)
            continue
        n_pos = 0
        n_weak = 0
        for t in range(first, first + m):
            c = members[t]
            if weight[c] > 0:
                pos[n_pos] = c
                n_pos += 1
        t_stamp = r + 1
        if n_pos == 0:
            for t in range(first, first + m):
                left[n_weak] = members[t]
                n_weak += 1
            n_out, stamp = _leftovers(left, n_weak, units, offsets, z, min_z, taken, t_stamp, mark, stamp, lo, out_idx, out_margin, out_alt_off,
                                      out_alts, n_out)
            continue
        if n_pos == 1:
            c = pos[0]
            n_out = _emit_record(c, z[c], out_idx, out_margin, out_alt_off, n_out)
            continue
        # the lines of the positive candidates numbered from 0 in order of appearance (``prepare``)
        n_bits = 0
        p_off[0] = 0
        q = 0
        for a in range(n_pos):
            c = pos[a]
            for p in range(offsets[c], offsets[c + 1]):
                x = units[p] - lo
                if bit_of[x] < 0:
                    bit_of[x] = n_bits
                    n_bits += 1
                p_flat[q] = bit_of[x]
                q += 1
            p_off[a + 1] = q
        w = np.empty(n_pos, dtype=np.float64)
        for a in range(n_pos):
            w[a] = max(0.0, weight[pos[a]])
        no_floor = np.empty(0, dtype=np.int64)
        total, n_ch, finished = best_kernel(w, p_off, p_flat, n_bits, 0.0, no_floor, max_nodes, chosen)
        if not finished:  # ``_greedy``
            stamp += 1
            n_ch = 0
            for a in range(n_pos):
                c = pos[a]
                if weight[c] > 0 and not _shares(units, offsets, c, mark, stamp, lo):
                    _stamp(units, offsets, c, mark, stamp, lo)
                    chosen[n_ch] = a
                    n_ch += 1
        for a in range(n_pos):
            is_chosen[a] = False
        for t in range(n_ch):
            is_chosen[chosen[t]] = True
        for t in range(n_ch):
            i = chosen[t]
            c = pos[i]
            stamp += 1
            _stamp(units, offsets, c, mark, stamp, lo)
            if finished and n_pos <= small:
                w2 = w.copy()
                w2[i] = 0.0
                floor = np.empty(n_ch - 1, dtype=np.int64)
                f = 0
                for s in range(n_ch):
                    if chosen[s] != i:
                        floor[f] = chosen[s]
                        f += 1
                without, _, fin2 = best_kernel(w2, p_off, p_flat, n_bits, total - weight[c], floor, max_nodes, buf)
                margin = total - without if fin2 else 0.0
            else:  # the strongest competitor of any of its lines
                top = 0.0
                for a in range(n_pos):
                    if a != i and _shares(units, offsets, pos[a], mark, stamp, lo) and weight[pos[a]] > top:
                        top = weight[pos[a]]
                margin = weight[c] - top
            n_out = _emit_record(c, margin, out_idx, out_margin, out_alt_off, n_out)
            k = 0
            for a in range(n_pos):
                o = pos[a]
                if not is_chosen[a] and _shares(units, offsets, o, mark, stamp, lo) and z[o] >= z[c] - auto_margin:
                    out_alts[out_alt_off[n_out]] = o
                    out_alt_off[n_out] += 1
                    k += 1
                    if k == 5:
                        break
        # the proposals left over: the candidates not chosen, then the weak ones
        for a in range(n_pos):
            if not is_chosen[a]:
                left[n_weak] = pos[a]
                n_weak += 1
        for t in range(first, first + m):
            if weight[members[t]] <= 0:
                left[n_weak] = members[t]
                n_weak += 1
        for t in range(n_ch):
            _stamp(units, offsets, pos[chosen[t]], taken, t_stamp, lo)
        n_out, stamp = _leftovers(left, n_weak, units, offsets, z, min_z, taken, t_stamp, mark, stamp, lo, out_idx, out_margin, out_alt_off,
                                  out_alts, n_out)
        for a in range(n_pos):  # the numbering of the lines, undone for the next component
            c = pos[a]
            for p in range(offsets[c], offsets[c + 1]):
                bit_of[units[p] - lo] = -1
    return n_out


# ---------------------------------------------------------------------------
# the originals' signatures over the kernels (compiled or not)

# ---------------------------------------------------------------------------
# the combination search of one account (``matching._sums``)
# ---------------------------------------------------------------------------

SUM, SUM_COMPACT, PAIR_SUM = 0, 1, 2  # kinds of the records ``sums_kernel`` writes


def _need_index(need_vals, value):
    for i in range(need_vals.shape[0]):
        if need_vals[i] == value:
            return i
    return -1


def compact_kernel(lines, day, amt, need_vals, need_counts, out):
    """``matching.compact_window`` over arrays (``need`` as values and counts): the lines go into
    ``out`` in increasing order; returns how many, or -1 (None)."""
    m = lines.shape[0]
    # by (date, line)
    o1 = np.argsort(lines, kind="mergesort")
    ds = np.empty(m, dtype=np.int64)
    for i in range(m):
        ds[i] = day[lines[o1[i]]]
    order = o1[np.argsort(ds, kind="mergesort")]
    pos = np.empty(m, dtype=np.int64)
    pos_v = np.empty(m, dtype=np.int64)  # index of the line's amount in need
    npos = 0
    for i in order:
        vi = _need_index(need_vals, abs(amt[lines[i]]))
        if vi >= 0:
            pos[npos] = i
            pos_v[npos] = vi
            npos += 1
    have = np.zeros(need_vals.shape[0], dtype=np.int64)
    missing = 0
    for i in range(need_counts.shape[0]):
        missing += need_counts[i]
    found = False
    best_span, best_lo, best_hi = 0, 0, 0
    lo = 0
    for hi in range(npos):
        v = pos_v[hi]
        have[v] += 1
        if have[v] <= need_counts[v]:
            missing -= 1
        while missing == 0:
            span = day[lines[pos[hi]]] - day[lines[pos[lo]]]
            if not found or span < best_span:
                found = True
                best_span, best_lo, best_hi = span, lo, hi
            w = pos_v[lo]
            have[w] -= 1
            if have[w] < need_counts[w]:
                missing += 1
            lo += 1
    if not found:
        return -1
    take = need_counts.copy()
    n_out = 0
    for idx in range(best_hi, best_lo - 1, -1):  # latest first: the window's own lines
        v = pos_v[idx]
        if take[v] > 0:
            take[v] -= 1
            out[n_out] = lines[pos[idx]]
            n_out += 1
    out[:n_out] = np.sort(out[:n_out])
    return n_out


def sums_kernel(targets, units, amt, day, inv, deposit, row, window, limit, k, span, mu, known, budget, target_budget,
                work0, multiset_budget, grace, rec, members):
    """``matching._sums`` of one account: 1 ↔ 2..k and 2 ↔ k over the account's open ``units``
    (increasing, so by date), for each of ``targets`` in order; ``amt``, ``day``, ``row``
    (int64) and ``inv``, ``deposit`` (bool) are the scope's, by unit.

    Each candidate found is a record of ``rec`` (kind: ``SUM``, ``SUM_COMPACT`` or ``PAIR_SUM``;
    its target; the same-side line of a ``PAIR_SUM`` or -1; the number of combinations found
    for the target; whether the search stopped before excluding another; how many lines of
    ``members`` follow, in order), in the order ``_sums`` adds them. Returns (records, members
    written, account work after, number of searches, index of the target where the account's
    budget ran out or -1)."""
    pos_u = units[amt[units] > 0]
    neg_u = units[amt[units] < 0]
    pos_d = day[pos_u]
    neg_d = day[neg_u]
    kk = max(k, 1)
    sol = np.empty((3, kk), dtype=np.int64)
    sol_len = np.empty(3, dtype=np.int64)
    sol2 = np.empty((2, max(k - 1, 1)), dtype=np.int64)
    sol2_len = np.empty(2, dtype=np.int64)
    pick = np.empty(units.shape[0] + 1, dtype=np.int64)
    work = work0
    calls = 0
    n_rec = 0
    n_mem = 0
    cap = min(limit, 30)
    for ti in range(targets.shape[0]):
        t = targets[ti]
        if budget - work <= 0:
            return n_rec, n_mem, work, calls, ti
        t_pos = amt[t] > 0
        d0 = day[t]
        at = abs(amt[t])
        if t_pos:
            opp, opp_days, own, own_days = neg_u, neg_d, pos_u, pos_d
        else:
            opp, opp_days, own, own_days = pos_u, pos_d, neg_u, neg_d
        lo_n = np.searchsorted(opp_days, d0 - window, side="left")
        hi_n = np.searchsorted(opp_days, d0 + window, side="right")
        if hi_n - lo_n < 2:
            continue
        other = np.empty(hi_n - lo_n, dtype=np.int64)
        m = 0
        for idx in range(lo_n, hi_n):
            j = opp[idx]
            if abs(amt[j]) >= at:
                continue
            if inv[t]:
                ok = (d0 - grace <= day[j] <= d0 + span + 120) or deposit[j] or inv[j]
            elif deposit[t]:
                ok = True
            else:
                ok = (d0 - span <= day[j] <= d0 + grace) or not inv[j]
            if ok:
                other[m] = j
                m += 1
        if m < 2:
            continue
        other = other[:m]
        if m > cap:
            keys = np.empty(m, dtype=np.float64)
            for i in range(m):
                j = other[i]
                if known and not inv[t]:
                    keys[i] = abs((d0 - day[j]) - mu) if inv[j] else float(abs(day[j] - d0))
                elif known:
                    keys[i] = abs((day[j] - d0) - mu) if not inv[j] else float(abs(day[j] - d0))
                else:
                    keys[i] = float(abs(day[j] - d0))
            rows = np.empty(m, dtype=np.int64)
            for i in range(m):
                rows[i] = row[other[i]]
            o1 = np.argsort(rows, kind="mergesort")
            o2 = np.argsort(keys[o1], kind="mergesort")
            other = other[o1[o2]][:cap]
            m = cap
        amounts = np.empty(m, dtype=np.int64)
        for i in range(m):
            amounts[i] = abs(amt[other[i]])
        allowed = min(target_budget, max(0, budget - work))
        found, used = subsets_kernel(amounts, at, k, allowed, 2, 3, sol, sol_len)
        work += used
        calls += 1
        unproven = used > allowed
        if found > 1 and not inv[t]:
            allowed = min(min(target_budget, max(0, budget - work)), multiset_budget)
            width = max(m, 1)
            ms_vals = np.empty((2, width), dtype=np.int64)
            ms_counts = np.empty((2, width), dtype=np.int64)
            ms_len = np.empty(2, dtype=np.int64)
            ms_found, used2 = multisets_kernel(amounts, at, k, allowed, 2, ms_vals, ms_counts, ms_len)
            work += used2
            calls += 1
            if ms_found == 1 and used2 <= allowed:
                ln = ms_len[0]
                n_pick = compact_kernel(other, day, amt, ms_vals[0, :ln], ms_counts[0, :ln], pick)
                if n_pick >= 0:
                    rec[n_rec, 0] = SUM_COMPACT
                    rec[n_rec, 1] = t
                    rec[n_rec, 2] = -1
                    rec[n_rec, 3] = 1
                    rec[n_rec, 4] = 0
                    rec[n_rec, 5] = n_pick
                    n_rec += 1
                    for i in range(n_pick):
                        members[n_mem] = pick[i]
                        n_mem += 1
                    continue
        for f in range(found):
            ln = sol_len[f]
            rec[n_rec, 0] = SUM
            rec[n_rec, 1] = t
            rec[n_rec, 2] = -1
            rec[n_rec, 3] = found
            rec[n_rec, 4] = 1 if unproven else 0
            rec[n_rec, 5] = ln
            n_rec += 1
            for i in range(ln):
                members[n_mem] = other[sol[f, i]]
                n_mem += 1
        if found > 0 or inv[t]:
            continue
        # 2 ↔ k: the settlement with one same-side line (a credit note, a second payment)
        lo_s = np.searchsorted(own_days, d0 - window, side="left")
        hi_s = np.searchsorted(own_days, d0 + window, side="right")
        same = np.empty(hi_s - lo_s, dtype=np.int64)
        ns = 0
        for idx in range(lo_s, hi_s):
            if own[idx] != t:
                same[ns] = own[idx]
                ns += 1
        same = same[:ns]
        if ns > 1:  # by (distance in days, row)
            s_rows = np.empty(ns, dtype=np.int64)
            s_dist = np.empty(ns, dtype=np.int64)
            for i in range(ns):
                s_rows[i] = row[same[i]]
                s_dist[i] = abs(day[same[i]] - d0)
            o1 = np.argsort(s_rows, kind="mergesort")
            o2 = np.argsort(s_dist[o1], kind="mergesort")
            same = same[o1[o2]]
        for si in range(min(ns, 4)):
            s = same[si]
            target = at + abs(amt[s])
            cand = np.empty(m, dtype=np.int64)
            nc = 0
            for i in range(m):
                if abs(amt[other[i]]) < target:
                    cand[nc] = other[i]
                    nc += 1
            if nc < 2:
                continue
            cand = cand[:nc]
            c_amounts = np.empty(nc, dtype=np.int64)
            for i in range(nc):
                c_amounts[i] = abs(amt[cand[i]])
            allowed = min(target_budget, max(0, budget - work))
            found2, used = subsets_kernel(c_amounts, target, k - 1, allowed, 2, 2, sol2, sol2_len)
            work += used
            calls += 1
            if found2 == 1 and used <= allowed:
                ln = sol2_len[0]
                rec[n_rec, 0] = PAIR_SUM
                rec[n_rec, 1] = t
                rec[n_rec, 2] = s
                rec[n_rec, 3] = 1
                rec[n_rec, 4] = 0
                rec[n_rec, 5] = ln
                n_rec += 1
                for i in range(ln):
                    members[n_mem] = cand[sol2[0, i]]
                    n_mem += 1
                break
    return n_rec, n_mem, work, calls, -1


# ---------------------------------------------------------------------------
# runs of invoices and instalment plans of one account (``matching._runs``,
# ``matching._instalment_plans``)
# ---------------------------------------------------------------------------

RUN, PLAN = 0, 1  # kinds of the records ``series_kernel`` writes


def _by_date(lines, day, row):
    """``lines`` sorted by (date, row)."""
    m = lines.shape[0]
    rows = np.empty(m, dtype=np.int64)
    for i in range(m):
        rows[i] = row[lines[i]]
    o1 = np.argsort(rows, kind="mergesort")
    ds = np.empty(m, dtype=np.int64)
    for i in range(m):
        ds[i] = day[lines[o1[i]]]
    return lines[o1[np.argsort(ds, kind="mergesort")]]


def _value_lines(keys_side, keys_val, side, value):
    """[lo, hi) of the lines of (side, value) in keys sorted by (side, value, date, row)."""
    n = keys_val.shape[0]
    lo = 0
    while lo < n and (keys_side[lo] < side or (keys_side[lo] == side and keys_val[lo] < value)):
        lo += 1
    hi = lo
    while hi < n and keys_side[hi] == side and keys_val[hi] == value:
        hi += 1
    return lo, hi


def series_kernel(units, amt, day, inv, deposit, row, mu, sd, grace, max_run, rec, members):
    """``matching._runs`` then ``matching._instalment_plans`` of one account over its open
    ``units``: each candidate is a record of ``rec`` (kind ``RUN`` or ``PLAN``; the settlement of
    the run or the invoice of the plan; the number of invoices of the run or of instalments of
    the plan; how many lines of ``members`` follow), the same candidates as the originals add.
    Returns (records, members written)."""
    n_rec = 0
    n_mem = 0
    n = units.shape[0]
    # --- runs: invoices of one sign (by date), a settlement of the other sign paying a run of them
    for sign in (1, -1):
        cnt = 0
        for i in range(n):
            x = units[i]
            if inv[x] and (amt[x] > 0) == (sign > 0):
                cnt += 1
        if cnt < 2:
            continue
        invs = np.empty(cnt, dtype=np.int64)
        c = 0
        for i in range(n):
            x = units[i]
            if inv[x] and (amt[x] > 0) == (sign > 0):
                invs[c] = x
                c += 1
        invs = _by_date(invs, day, row)
        pref = np.zeros(cnt + 1, dtype=np.int64)
        for i in range(cnt):
            pref[i + 1] = pref[i] + abs(amt[invs[i]])
        inv_days = np.empty(cnt, dtype=np.int64)
        for i in range(cnt):
            inv_days[i] = day[invs[i]]
        for si in range(n):
            s = units[si]
            if inv[s] or (amt[s] > 0) == (sign > 0):
                continue
            target = abs(amt[s])
            j_top = np.searchsorted(inv_days, day[s] + grace, side="right")
            j_low = max(1, np.searchsorted(inv_days, day[s] - 100, side="left") + 1)
            found_j, found_i = 0, 0
            for jj in range(j_top, j_low - 1, -1):
                want = pref[jj] - target
                i = np.searchsorted(pref, want, side="left")  # prefixes increase strictly: at most one
                if i <= cnt and pref[i] == want and 2 <= jj - i <= max_run and day[s] - day[invs[i]] <= 130:
                    found_j, found_i = jj, i
                    break
            if found_j:
                rec[n_rec, 0] = RUN
                rec[n_rec, 1] = s
                rec[n_rec, 2] = found_j - found_i
                rec[n_rec, 3] = found_j - found_i + 1
                n_rec += 1
                for i in range(found_i, found_j):
                    members[n_mem] = invs[i]
                    n_mem += 1
                members[n_mem] = s
                n_mem += 1
    # --- instalment plans: m − 1 settlements of one amount and one of the remainder, a month apart
    n_sets = 0
    for i in range(n):
        x = units[i]
        if not inv[x] and not deposit[x]:
            n_sets += 1
    if n_sets < 2:
        return n_rec, n_mem
    sets = np.empty(n_sets, dtype=np.int64)
    c = 0
    for i in range(n):
        x = units[i]
        if not inv[x] and not deposit[x]:
            sets[c] = x
            c += 1
    sets = _by_date(sets, day, row)
    # by (side, value), then date and row (a stable sort of the dated lines)
    side_of = np.empty(n_sets, dtype=np.int64)
    val_of = np.empty(n_sets, dtype=np.int64)
    for i in range(n_sets):
        side_of[i] = 1 if amt[sets[i]] > 0 else 0
        val_of[i] = abs(amt[sets[i]])
    o1 = np.argsort(val_of, kind="mergesort")
    o2 = o1[np.argsort(side_of[o1], kind="mergesort")]
    keys_side = side_of[o2]
    keys_val = val_of[o2]
    keyed = sets[o2]
    parts_buf = np.empty(n_sets, dtype=np.int64)
    rest_buf = np.empty(n_sets, dtype=np.int64)
    chain = np.empty(8, dtype=np.int64)
    limit_days = mu + 3 * sd + 60
    for ti in range(n):
        t = units[ti]
        if not inv[t]:
            continue
        total = abs(amt[t])
        side = 1 if amt[t] < 0 else 0  # settlements have the other sign
        for m in range(2, 7):
            base = (total // m) // 100 * 100
            lo_b, hi_b = _value_lines(keys_side, keys_val, side, base)
            lo_q, hi_q = _value_lines(keys_side, keys_val, side, total // m)
            if hi_b == lo_b and hi_q == lo_q:  # no settlement of either part
                continue
            n_parts = 1 if base == total // m else 2
            for pi in range(n_parts):
                part = base if pi == 0 else total // m
                if part <= 0:
                    continue
                lo_p, hi_p = _value_lines(keys_side, keys_val, side, part)
                if hi_p == lo_p:
                    continue
                rest = total - part * (m - 1)
                if rest <= 0 or abs(rest - part) > 100 * m:
                    continue
                lo_r, hi_r = _value_lines(keys_side, keys_val, side, rest)
                if hi_r == lo_r:
                    continue
                n_p = 0
                for i in range(lo_p, hi_p):
                    if day[keyed[i]] >= day[t] - grace:
                        parts_buf[n_p] = keyed[i]
                        n_p += 1
                n_r = 0
                if rest == part:
                    if n_p < m:
                        continue
                else:
                    for i in range(lo_r, hi_r):
                        if day[keyed[i]] >= day[t] - grace:
                            rest_buf[n_r] = keyed[i]
                            n_r += 1
                    if n_p < m - 1 or n_r == 0:
                        continue
                need = m if rest == part else m - 1
                for start in range(n_p):
                    chain[0] = parts_buf[start]
                    n_c = 1
                    for xi in range(start + 1, n_p):
                        if n_c == need:
                            break
                        x = parts_buf[xi]
                        gap = day[x] - day[chain[n_c - 1]]
                        if 20 <= gap <= 45:
                            chain[n_c] = x
                            n_c += 1
                    if n_c < need:
                        continue
                    if day[chain[0]] - day[t] > limit_days:
                        break
                    if rest != part:
                        pick = -1
                        for i in range(n_r):  # the remainder a month after the chain …
                            g = day[rest_buf[i]] - day[chain[n_c - 1]]
                            if 20 <= g <= 45:
                                pick = rest_buf[i]
                                break
                        if pick < 0:  # … or a month before it
                            for i in range(n_r):
                                x = rest_buf[i]
                                g = day[chain[0]] - day[x]
                                if 20 <= g <= 45 and day[x] >= day[t] - grace:
                                    pick = x
                                    break
                        if pick < 0:
                            continue
                        chain[n_c] = pick
                        n_c += 1
                    rec[n_rec, 0] = PLAN
                    rec[n_rec, 1] = t
                    rec[n_rec, 2] = m
                    rec[n_rec, 3] = n_c + 1
                    n_rec += 1
                    members[n_mem] = t
                    n_mem += 1
                    for i in range(n_c):
                        members[n_mem] = chain[i]
                        n_mem += 1
                    break
    return n_rec, n_mem


# ---------------------------------------------------------------------------
# exact pairs of one account and their scores (``matching.letter_account``'s exact 1-1 step,
# ``matching._score_pair``)
# ---------------------------------------------------------------------------

EARLY_NONE, EARLY_SETTLEMENT, EARLY_DEPOSIT = 0, 1, 2  # « règlement / acompte antérieur à la facture »
NO_DELAY = -(2 ** 62)



def pairs_kernel(units, amt, day, due, inv, deposit, row, nsame, piece, linked, window, mu, sd, known, max_alts, grace,
                 out_units, out_int, out_z):
    """The exact 1-1 candidates of one account over its open ``units``, in the order
    ``letter_account`` adds them (amounts by first appearance; for each, the debit lines' nearest
    partners by usual delay, then the credit lines'), each pair once, with the score
    ``matching._score_pair`` gives it up to its reference features.

    Per pair: ``out_units`` (the two units, increasing), ``out_z`` (the score: complete when
    neither unit names or is named by a line, ``linked``; else up to the delay, the caller adding
    the rest) and ``out_int``: (early kind, delay or ``NO_DELAY``, same-amount count, shared
    piece, linked). Returns the number of pairs."""
    n = units.shape[0]
    vals = np.empty(n, dtype=np.int64)
    for i in range(n):
        vals[i] = abs(amt[units[i]])
    by_val = np.argsort(vals, kind="mergesort")  # ties in unit order
    # groups of equal amounts, by the first appearance of the amount
    starts = np.empty(n + 1, dtype=np.int64)
    n_groups = 0
    for i in range(n):
        if i == 0 or vals[by_val[i]] != vals[by_val[i - 1]]:
            starts[n_groups] = i
            n_groups += 1
    starts[n_groups] = n
    first = np.empty(n_groups, dtype=np.int64)
    for g in range(n_groups):
        first[g] = by_val[starts[g]]
    group_order = np.argsort(first, kind="mergesort")
    n_out = 0
    near = np.empty(n, dtype=np.int64)
    keys = np.empty(n, dtype=np.float64)
    rows = np.empty(n, dtype=np.int64)
    for gi in range(n_groups):
        g = group_order[gi]
        lo, hi = starts[g], starts[g + 1]
        if hi - lo < 2:
            continue
        xs = np.sort(by_val[lo:hi])  # positions in ``units``, in unit order
        n_pos = 0
        n_neg = 0
        for i in range(xs.shape[0]):
            if amt[units[xs[i]]] > 0:
                n_pos += 1
            elif amt[units[xs[i]]] < 0:
                n_neg += 1
        if n_pos == 0 or n_neg == 0:
            continue
        pos = np.empty(n_pos, dtype=np.int64)
        neg = np.empty(n_neg, dtype=np.int64)
        a = 0
        b = 0
        for i in range(xs.shape[0]):
            x = units[xs[i]]
            if amt[x] > 0:
                pos[a] = x
                a += 1
            elif amt[x] < 0:
                neg[b] = x
                b += 1
        same = nsame[units[xs[0]]]
        group_start = n_out
        for side in range(2):
            ones = pos if side == 0 else neg
            others = neg if side == 0 else pos
            for oi in range(ones.shape[0]):
                o = ones[oi]
                d_o = day[o]
                m = 0
                for j in range(others.shape[0]):
                    if abs(day[others[j]] - d_o) <= window:
                        near[m] = others[j]
                        m += 1
                if m > 1:
                    for j in range(m):
                        rows[j] = row[near[j]]
                        if side == 0:  # o is the debit line p, near[j] the credit line q
                            keys[j] = abs((day[near[j]] - d_o if inv[o] else d_o - day[near[j]]) - mu)
                        else:  # o is the credit line q, near[j] the debit line p
                            p = near[j]
                            keys[j] = abs((d_o - day[p] if inv[p] else day[p] - d_o) - mu)
                    o1 = np.argsort(rows[:m], kind="mergesort")
                    o2 = np.argsort(keys[:m][o1], kind="mergesort")
                    picked = near[:m][o1[o2]]
                else:
                    picked = near[:m].copy()
                for j in range(min(m, max_alts)):
                    u1 = o
                    u2 = picked[j]
                    x = u1 if u1 < u2 else u2
                    y = u2 if u1 < u2 else u1
                    dup = False
                    for k in range(group_start, n_out):
                        if out_units[k, 0] == x and out_units[k, 1] == y:
                            dup = True
                            break
                    if dup:
                        continue
                    # the score (``_score_pair``)
                    z = 1.5
                    early = EARLY_NONE
                    delay = NO_DELAY
                    ix = inv[x]
                    iy = inv[y]
                    if ix or iy:
                        dx = day[x]
                        dy = day[y]
                        if ix and iy:
                            inv_max = dx if dx >= dy else dy
                        else:
                            inv_max = dx if ix else dy
                        limit = inv_max - grace
                        ex = (not ix) and dx < limit
                        ey = (not iy) and dy < limit
                        if ex or ey:
                            bad = 0
                            if ex and not deposit[x]:
                                bad += 1
                            if ey and not deposit[y]:
                                bad += 1
                            if bad:
                                z -= 3.0 * bad
                                early = EARLY_SETTLEMENT
                            else:
                                early = EARLY_DEPOSIT
                        sx = (not ix) and not deposit[x]
                        sy = (not iy) and not deposit[y]
                        if sx or sy:
                            if sx and sy:
                                delay = (dx if dx >= dy else dy) - inv_max
                            else:
                                delay = (dx if sx else dy) - inv_max
                    if delay != NO_DELAY:
                        dev = abs(delay - mu) / sd + max(0, -delay) / 2
                        w = 0.55
                        if known:
                            z -= w * min(dev, 3.0 if same == 1 else 8.0)
                            z += 1.2
                        else:
                            if delay > 150:
                                z -= w * 2
                            n_dues = 0
                            max_due = 0
                            for v in (x, y):
                                if inv[v] and due[v] != day[v]:
                                    if n_dues == 0 or due[v] > max_due:
                                        max_due = due[v]
                                    n_dues += 1
                            if n_dues:
                                last = 0
                                n_last = 0
                                for v in (x, y):
                                    if not inv[v]:
                                        if n_last == 0 or day[v] > last:
                                            last = day[v]
                                        n_last += 1
                                z -= 0.04 * min(abs(last - max_due), 60)
                    is_linked = linked[x] or linked[y]
                    shared = piece[x] >= 0 and piece[x] == piece[y]
                    if not is_linked:
                        if same:
                            if same == 1:
                                z += 1.5
                            else:
                                z -= 0.1 * min(same - 1, 5)
                                if not known:
                                    z -= 0.3
                        if shared:
                            z += 1.0
                    out_units[n_out, 0] = x
                    out_units[n_out, 1] = y
                    out_int[n_out, 0] = early
                    out_int[n_out, 1] = delay
                    out_int[n_out, 2] = same
                    out_int[n_out, 3] = 1 if shared else 0
                    out_int[n_out, 4] = 1 if is_linked else 0
                    out_z[n_out] = z
                    n_out += 1
    return n_out

# ---------------------------------------------------------------------------

class ArrayKernels:
    """``find_subsets``, ``multiset_sums`` and ``best`` with the signatures and results of the
    Python originals, computed by the given kernels (``subsets_kernel`` … or their compiled
    versions)."""

    def __init__(self, subsets=subsets_kernel, multisets=multisets_kernel, best=best_kernel, sums=sums_kernel, series=series_kernel,
                 pairs=pairs_kernel, assign=assign_kernel):
        self._subsets, self._multisets, self._best, self._sums, self._series = subsets, multisets, best, sums, series
        self._pairs, self._assign = pairs, assign
        self._local = threading.local()  # output buffers, reused call after call (one set per thread)

    def _buffers(self, limit: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        cache = getattr(self._local, "subsets", None)
        if cache is None:
            cache = self._local.subsets = {}
        bufs = cache.get((limit, k))
        if bufs is None:
            bufs = cache[(limit, k)] = (np.empty((limit, max(k, 1)), dtype=np.int64), np.empty(limit, dtype=np.int64))
        return bufs

    def find_subsets(self, amounts: list[int], target: int, k: int, budget: int, *, min_size: int = 2,
                     limit: int = 2) -> tuple[list[tuple[int, ...]], int]:
        sol, sol_len = self._buffers(limit, k)
        found, work = self._subsets(np.array(amounts, dtype=np.int64), target, k, budget, min_size, limit, sol, sol_len)
        if not found:
            return [], int(work)
        rows = sol[:found].tolist()
        return [tuple(r[:ln]) for r, ln in zip(rows, sol_len[:found].tolist())], int(work)

    def multiset_sums(self, values: list[int], target: int, k: int, budget: int, limit: int = 2) -> tuple[list[dict[int, int]], int]:
        width = max(len(values), 1)
        out_vals = np.empty((limit, width), dtype=np.int64)
        out_counts = np.empty((limit, width), dtype=np.int64)
        out_len = np.empty(limit, dtype=np.int64)
        found, work = self._multisets(np.array(values, dtype=np.int64), target, k, budget, limit, out_vals, out_counts, out_len)
        out = []
        for s in range(found):
            ln = int(out_len[s])
            out.append(dict(zip(out_vals[s, :ln].tolist(), out_counts[s, :ln].tolist())))
        return out, int(work)

    @staticmethod
    def prepare(members: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray, int]:
        """The candidates' lines (``members``) as ``best`` reads them: (offsets, line indices from
        0, number of lines). A component is searched several times (once, then once without each
        chosen candidate): prepared once."""
        bit: dict[int, int] = {}
        flat: list[int] = []
        offsets = [0]
        for units in members:
            for x in units:
                b = bit.get(x)
                if b is None:
                    b = bit[x] = len(bit)
                flat.append(b)
            offsets.append(len(flat))
        return np.array(offsets, dtype=np.int64), np.array(flat, dtype=np.int64), len(bit)

    def best(self, weights: list[float], members: list[tuple[int, ...]] | tuple[np.ndarray, np.ndarray, int],
             floor: tuple[float, list[int]] | None, max_nodes: int) -> tuple[float, list[int], bool]:
        """(weight, chosen indices, finished) of the candidates of ``weights`` and ``members``
        (their lines, or ``prepare(members)``)."""
        offsets, flat, n_bits = members if isinstance(members, tuple) else self.prepare(members)
        n = len(weights)
        chosen = np.empty(n + 1, dtype=np.int64)
        f_w, f_c = (floor[0], floor[1]) if floor else (0.0, [])
        total, n_chosen, finished = self._best(np.array(weights, dtype=np.float64), offsets, flat, n_bits, float(f_w),
                                               np.array(f_c, dtype=np.int64), max_nodes, chosen)
        return float(total), chosen[:n_chosen].tolist(), bool(finished)

    def sums(self, targets: list[int], units: list[int], arrays: tuple, window: int, limit: int, k: int, span: int, mu: float,
             known: bool, budget: int, target_budget: int, work0: int, multiset_budget: int, grace: int) -> tuple[list, list, int, int, int]:
        """``sums_kernel`` of one account (``arrays``: the scope's amt, day, inv, deposit, row):
        (records as lists, members, account work after, searches, budget stop or -1)."""
        amt, day, inv, deposit, row = arrays
        n_t = len(targets)
        rec = np.empty((3 * n_t, 6), dtype=np.int64)
        members = np.empty(3 * n_t * max(k, 1) + 1, dtype=np.int64)
        n_rec, n_mem, work, calls, stop = self._sums(np.array(targets, dtype=np.int64), np.array(units, dtype=np.int64), amt, day, inv,
                                                     deposit, row, window, limit, k, span, float(mu), bool(known), budget, target_budget,
                                                     work0, multiset_budget, grace, rec, members)
        return rec[:n_rec].tolist(), members[:n_mem].tolist(), int(work), int(calls), int(stop)

    def series(self, units: list[int], arrays: tuple, mu: float, sd: float, grace: int, max_run: int) -> tuple[list, list]:
        """``series_kernel`` of one account: (records as lists, members)."""
        amt, day, inv, deposit, row = arrays
        n = len(units)
        rec = np.empty((11 * n + 1, 4), dtype=np.int64)
        members = np.empty(n * (max_run + 1) + 80 * n + 1, dtype=np.int64)
        n_rec, n_mem = self._series(np.array(units, dtype=np.int64), amt, day, inv, deposit, row, float(mu), float(sd), grace, max_run, rec, members)
        return rec[:n_rec].tolist(), members[:n_mem].tolist()

    def pairs(self, units: list[int], arrays: tuple, pair_arrays: tuple, window: int, mu: float, sd: float, known: bool,
              max_alts: int, grace: int) -> tuple[list, list, list]:
        """``pairs_kernel`` of one account: (pairs, their features, their scores)."""
        amt, day, inv, deposit, row = arrays
        due, nsame, piece, linked = pair_arrays
        n = len(units)
        cap = 2 * n * max_alts + 1
        out_units = np.empty((cap, 2), dtype=np.int64)
        out_int = np.empty((cap, 5), dtype=np.int64)
        out_z = np.empty(cap, dtype=np.float64)
        n_out = self._pairs(np.array(units, dtype=np.int64), amt, day, due, inv, deposit, row, nsame, piece, linked, window, float(mu), float(sd),
                            bool(known), max_alts, grace, out_units, out_int, out_z)
        return out_units[:n_out].tolist(), out_int[:n_out].tolist(), out_z[:n_out].tolist()

    def assign(self, members: list[tuple[int, ...]], z: list[float], partial: list[bool], lo: int, n_local: int, max_nodes: int, auto_margin: float,
               min_z: float, small: int) -> list[tuple[int, float, list[int]]]:
        """``assign_kernel`` of one account's sorted candidates: (candidate, margin, alternatives)
        of each group to emit, in order."""
        n = len(members)
        offsets = np.array([0, *itertools.accumulate(map(len, members))], dtype=np.int64)
        units = np.array(list(itertools.chain.from_iterable(members)), dtype=np.int64)
        out_idx = np.empty(n, dtype=np.int64)
        out_margin = np.empty(n, dtype=np.float64)
        out_alt_off = np.empty(n + 1, dtype=np.int64)
        out_alts = np.empty(5 * n + 1, dtype=np.int64)
        n_out = self._assign(offsets, units, np.array(z, dtype=np.float64), np.array(partial, dtype=np.bool_), lo, n_local, max_nodes, float(auto_margin),
                             float(min_z), small, out_idx, out_margin, out_alt_off, out_alts)
        cut = out_alt_off[:n_out + 1].tolist()
        alts = out_alts[:cut[-1]].tolist()
        return list(zip(out_idx[:n_out].tolist(), out_margin[:n_out].tolist(), (alts[a:b] for a, b in zip(cut, cut[1:]))))
