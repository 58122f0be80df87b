"""Automatic lettering (lettrage automatique): propose, apply, undo.

``propose_lettering(frame, options)`` reads a ledger frame (``reglo.core.ledger``), selects the lines
of the chosen account roots, reports suspicious existing letterings, and runs the passes of
``reglo.core.lettering.passes`` over the open items of each account (auxiliary account when present,
else general account). It changes nothing: the result lists the proposed groups, each with the
rule that formed it, why, a confidence, and for ambiguous ones the alternatives.

``apply_lettering`` writes the accepted groups into a *new* frame (EcritureLet / DateLet, plus
the write-off lines of tolerance groups) and returns a ``LetteringRun`` holding the previous
value of every line it touched; ``undo_lettering`` (délettrage) by code, account or run
restores exactly the previous state.
"""
from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reglo.core.alerts import Alert, alert
from reglo.core.entries import entries_to_frame
from reglo.core.lettering.codes import code_at, code_rank, is_partial_code, next_codes
from reglo.core.lettering.models import (
    AppliedGroup,
    LetteringGroup,
    LetteringOptions,
    LetteringProposal,
    LetteringRun,
    Rule,
)
from reglo.core.lettering import matching
from reglo.core.gc_pause import gc_paused
from reglo.core.lettering.passes import PassState, RawGroup, Units, account_ids, eur
from reglo.core.models import Entry, EntryLine
from reglo.core.money import cents_to_money

SHEET = "FEC"
_EPOCH = date(1970, 1, 1)
_NO_DATE = -10**7  # NaT: far from every window
MAX_LINE_ALERTS = 200


def account_keys(frame: pd.DataFrame, pos: np.ndarray | None = None) -> np.ndarray:
    """Auxiliary account when present, else the general account (what lettering works on), of
    every line or of the lines at ``pos`` only. Read column-wise, each distinct account made a
    Python string once."""
    aux_s, gen_s = frame["subledger_account"], frame["ledger_account"]
    aux, gen = _native_text(aux_s), _native_text(gen_s)
    if aux is None or gen is None or aux.null_count or gen.null_count:
        if pos is not None:
            aux_s, gen_s = aux_s.take(pos), gen_s.take(pos)
        aux_o, gen_o = aux_s.to_numpy(dtype=object), gen_s.to_numpy(dtype=object)
        return np.where(aux_o != "", aux_o, gen_o)
    if pos is not None:
        on = pa.array(pos, type=pa.int64())
        aux, gen = aux.take(on), gen.take(on)
    return _objects(pc.if_else(pc.not_equal(aux, ""), aux, gen))


def scope_mask(frame: pd.DataFrame, roots: Iterable[str]) -> np.ndarray:
    roots = tuple(r.strip() for r in roots if r.strip())
    if not roots:
        return np.zeros(len(frame), dtype=bool)
    return frame["ledger_account"].str.startswith(roots).to_numpy(dtype=bool)


def _days(values: pd.Series) -> np.ndarray:
    arr = values.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = _NO_DATE
    return out


def _day_to_date(day: int) -> date | None:
    return None if day == _NO_DATE else _EPOCH + timedelta(days=int(day))


def _partial_mask(codes: pd.Series) -> np.ndarray:
    return codes.str.fullmatch(r"[a-z]+").fillna(False).to_numpy(dtype=bool)


# ---------------------------------------------------------------------------
# existing letterings: bad input
# ---------------------------------------------------------------------------


@dataclass
class _Scope:
    scope: np.ndarray
    key: np.ndarray
    signed: np.ndarray
    partial: np.ndarray
    complete: np.ndarray
    untouchable: np.ndarray  # bad lines and lines of bad groups: left as they are
    alerts: list[Alert]
    codes: np.ndarray  # every line's lettering code (objects), read once


def _examine(frame: pd.DataFrame, options: LetteringOptions) -> _Scope:
    alerts: list[Alert] = []
    scope = scope_mask(frame, options.roots)
    key = account_keys(frame)
    debit, credit = frame["debit"].to_numpy(), frame["credit"].to_numpy()
    signed = debit - credit
    codes = frame["lettering_code"]
    codes_o = codes.to_numpy(dtype=object)
    lettered = codes_o != ""
    partial = _partial_mask(codes) & scope
    complete = lettered & ~partial & scope
    untouchable = np.zeros(len(frame), dtype=bool)
    rows = frame["source_row"].to_numpy()
    if not scope.any():
        alerts.append(alert("LET_NO_SCOPE", sheet=SHEET, roots=", ".join(options.roots)))
    both = scope & (debit != 0) & (credit != 0)
    sel_both = np.flatnonzero(both)
    for i in sel_both[:MAX_LINE_ALERTS]:
        alerts.append(alert("LET_DEBIT_AND_CREDIT", sheet=SHEET, row=int(rows[i]), column="Debit", account=key[i], debit=eur(debit[i]), credit=eur(credit[i])))
    _truncated(alerts, "LET_DEBIT_AND_CREDIT", rows[sel_both[MAX_LINE_ALERTS:]])
    untouchable |= both
    if complete.any():
        sel = np.flatnonzero(complete)
        g = pd.DataFrame({"account": key[sel], "code": codes_o[sel], "signed": signed[sel], "debit": debit[sel],
                          "credit": credit[sel], "on": frame["lettered_on"].to_numpy()[sel], "row": rows[sel], "pos": sel})
        agg = g.groupby(["account", "code"], sort=True).agg(signed=("signed", "sum"), debit=("debit", "sum"), credit=("credit", "sum"),
                                                           dates=("on", "nunique"), row=("row", "min"))
        unbalanced = agg[agg["signed"] != 0].sort_values("row", kind="mergesort")
        for (account, code), r in zip(unbalanced.index[:MAX_LINE_ALERTS], unbalanced.iloc[:MAX_LINE_ALERTS].itertuples()):
            alerts.append(alert("LET_GROUP_UNBALANCED", sheet=SHEET, row=int(r.row), column="EcritureLet", account=account, letter=code,
                                debit=eur(r.debit), credit=eur(r.credit), gap=eur(abs(r.signed))))
        _truncated(alerts, "LET_GROUP_UNBALANCED", unbalanced["row"].to_numpy()[MAX_LINE_ALERTS:])
        reused = agg[agg["dates"] > 1].sort_values("row", kind="mergesort")
        if len(reused):
            shown = reused.iloc[:MAX_LINE_ALERTS]
            sub = g[pd.MultiIndex.from_frame(g[["account", "code"]]).isin(shown.index)].dropna(subset=["on"])
            dates = sub.groupby(["account", "code"])["on"].agg(lambda v: ", ".join(sorted({pd.Timestamp(d).strftime("%d/%m/%Y") for d in v})))
            for (account, code), r in zip(shown.index, shown.itertuples()):
                alerts.append(alert("LET_CODE_REUSED", sheet=SHEET, row=int(r.row), column="EcritureLet", account=account, letter=code,
                                    dates=dates.get((account, code), "")))
            _truncated(alerts, "LET_CODE_REUSED", reused["row"].to_numpy()[MAX_LINE_ALERTS:])
        bad = agg[(agg["signed"] != 0) | (agg["dates"] > 1)]
        if len(bad):
            bad_keys = pd.MultiIndex.from_frame(g[["account", "code"]]).isin(bad.index)
            untouchable[g["pos"].to_numpy()[bad_keys]] = True
    # a partial lettering with a line in both columns is not trusted either
    if partial.any() and both.any():
        pk = pd.Series(list(zip(key[partial], codes_o[partial])))
        badp = set(zip(key[both & partial], codes_o[both & partial]))
        untouchable[np.flatnonzero(partial)[pk.isin(badp).to_numpy()]] = True
    return _Scope(scope, key, signed, partial, complete, untouchable, alerts, codes_o)


def _truncated(alerts: list[Alert], code: str, rows: np.ndarray) -> None:
    """One summary alert for the alerts of ``code`` beyond ``MAX_LINE_ALERTS`` (a broken file
    must not flood the user)."""
    if len(rows):
        shown = ", ".join(str(int(r)) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        alerts.append(alert("LET_ALERTS_TRUNCATED", sheet=SHEET, count=len(rows), what=code, rows=shown))


# ---------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------


def _open_lines(frame: pd.DataFrame, sc: _Scope, reletter: bool) -> np.ndarray:
    unlettered = sc.codes == ""
    open_ = sc.scope & (unlettered | sc.partial | (sc.complete if reletter else False))
    return open_ & ~sc.untouchable & (sc.signed != 0)


def _native_text(values: pd.Series) -> pa.Array | None:
    """A column of text as an Arrow string array when it is held as one (pandas' Arrow-backed
    strings), else None."""
    if not isinstance(values.dtype, (pd.StringDtype, pd.ArrowDtype)):
        return None
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    return arr if pa.types.is_string(arr.type) else None


def _arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow array (zero-copy for pandas' Arrow-backed strings)."""
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type):
        return arr.cast(pa.string())
    if not pa.types.is_string(arr.type):
        arr = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())
    return arr


def _ledger_at(frame: pd.DataFrame, pos: np.ndarray) -> np.ndarray:
    """``frame["ledger_account"].take(pos).to_numpy(dtype=object)``, each distinct account made once."""
    gen = _native_text(frame["ledger_account"])
    if gen is None or gen.null_count:
        return frame["ledger_account"].take(pos).to_numpy(dtype=object)
    return _objects(gen.take(pa.array(pos, type=pa.int64())))


def _objects(values: pa.Array) -> np.ndarray:
    """An Arrow string array as a numpy array of Python strings, each distinct value made once."""
    encoded = pc.dictionary_encode(values)
    names = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return names[encoded.indices.to_numpy(zero_copy_only=False)]


def _build_units(frame: pd.DataFrame, sc: _Scope, open_: np.ndarray) -> Units:
    pos = np.flatnonzero(open_)
    codes = sc.codes[pos]
    part = sc.partial[pos]
    date_ = _days(frame["entry_date"])[pos]
    due_raw = _days(frame["due_date"])[pos] if "due_date" in frame else np.full(len(pos), _NO_DATE)
    due = np.where(due_raw == _NO_DATE, date_, due_raw)
    rows = frame["source_row"].to_numpy()[pos]
    account = sc.key[pos]
    amount = sc.signed[pos]
    # provisional unit of each line: the line itself, or its (account, partial code) group
    n_single = int((~part).sum())
    provisional = np.empty(len(pos), dtype="int64")
    provisional[~part] = np.arange(n_single)
    u_account, u_amount, u_date, u_due, u_row = account[~part], amount[~part], date_[~part], due[~part], rows[~part]
    u_code = np.full(n_single, "", dtype=object)
    if part.any():
        pl = pd.DataFrame({"account": account[part], "code": codes[part], "amount": amount[part], "date": date_[part], "due": due[part], "row": rows[part]})
        gid = pl.groupby(["account", "code"], sort=True).ngroup().to_numpy()
        agg = pl.groupby(gid).agg(account=("account", "first"), code=("code", "first"), amount=("amount", "sum"), date=("date", "min"),
                                  due=("due", "min"), row=("row", "min"))
        provisional[part] = n_single + gid
        u_account = np.concatenate([u_account, agg["account"].to_numpy(dtype=object)])
        u_amount = np.concatenate([u_amount, agg["amount"].to_numpy()])
        u_date = np.concatenate([u_date, agg["date"].to_numpy()])
        u_due = np.concatenate([u_due, agg["due"].to_numpy()])
        u_row = np.concatenate([u_row, agg["row"].to_numpy()])
        u_code = np.concatenate([u_code, agg["code"].to_numpy(dtype=object)])
    # a partial lettering whose lines already cancel out is not an open item
    keep_unit = u_amount != 0
    acc_codes = pd.factorize(u_account, sort=True)[0]
    order = np.lexsort((u_row, u_date, acc_codes))
    order = order[keep_unit[order]]
    new_id = np.full(len(u_amount), -1, dtype="int64")
    new_id[order] = np.arange(len(order))
    line_unit_all = new_id[provisional]
    keep = line_unit_all >= 0
    line_unit = line_unit_all[keep]
    n_units = len(order)
    # rows of each unit (lines ordered by unit, then source row)
    lrow = rows[keep]
    lpos = pos[keep]
    by_unit = np.lexsort((lrow, line_unit))
    lu, lr, lp = line_unit[by_unit], lrow[by_unit], lpos[by_unit]
    starts = np.searchsorted(lu, np.arange(n_units))
    ends = np.searchsorted(lu, np.arange(n_units), side="right")
    unit_rows: list[tuple[int, ...]] = list(zip(lr[starts].tolist()))  # a unit of one line: its row alone
    multi = np.flatnonzero(ends - starts > 1)
    if len(multi):
        lr_list = lr.tolist()
        for u, a, b in zip(multi.tolist(), starts[multi].tolist(), ends[multi].tolist()):
            unit_rows[u] = tuple(lr_list[a:b])
    debit = frame["debit"].to_numpy()[lp]
    credit = frame["credit"].to_numpy()[lp]
    # every unit has at least one line: starts are strictly increasing
    safe = starts if len(lp) else np.zeros(0, dtype="int64")
    unit_debit = np.add.reduceat(debit, safe) if len(lp) else np.zeros(0, dtype="int64")
    unit_credit = np.add.reduceat(credit, safe) if len(lp) else np.zeros(0, dtype="int64")
    take = pa.array(lpos, type=pa.int64())
    label = _arrow_text(frame["label"]).take(take)
    ref = _arrow_text(frame["document_ref"]).take(take)
    return Units(
        account=u_account[order].astype(object),
        amount=u_amount[order].astype("int64"),
        date=u_date[order].astype("int64"),
        due=u_due[order].astype("int64"),
        row=u_row[order].astype("int64"),
        rows=unit_rows,
        partial_code=u_code[order].tolist(),
        line_unit=line_unit,
        line_label=pc.binary_join_element_wise(label, ref, " "),
        line_ref=ref,
        line_text=label,
        first_pos=lp[safe] if len(lp) else np.zeros(0, dtype="int64"),
        debit=unit_debit.astype("int64"),
        credit=unit_credit.astype("int64"),
    )


# ---------------------------------------------------------------------------
# propose
# ---------------------------------------------------------------------------


def propose_lettering(frame: pd.DataFrame, options: LetteringOptions | None = None,
                      progress: Callable[[str, int, int], None] | None = None, *, parallel: matching.Parallel | None = None,
                      workers: int = 1, kernels: object | None = None, threads: matching.Threads | None = None) -> LetteringProposal:
    """Proposed letterings of the open lines of the scope; nothing is changed.

    Args:
        frame: ledger frame (``reglo.core.ledger.COLUMNS``), e.g. ``read_fec(...).frame``.
        options: roots, k, date window, tolerance and write-off accounts, work budget.
        progress: called as ``progress(stage, done, total)`` when a stage starts and as it
            advances (per account in the combination passes); ``stage`` is French. The CLI
            draws it on a terminal; the engine itself does no I/O.
        parallel, workers: how to run the per-account search over chunks of accounts
            (``reglo.core.lettering.matching.run``), e.g. in ``workers`` processes; the caller
            provides it (the engine starts nothing); the proposal is the same either way.
        kernels: the search's numeric kernels compiled by the caller
            (``reglo.core.lettering.kernels.ArrayKernels``), or a function returning them,
            called once the column-wise steps are done; the proposal is the same without.
        threads: ``threads(fn, items)`` computing ``[fn(x) for x in items]`` side by side (the
            caller's threads): the references of a big scope are then read in two halves at
            once (``matching.reference_edges``); the proposal is the same without.
    """
    options = options or LetteringOptions()
    tell = progress or (lambda stage, done, total: None)
    tell("préparation", 0, 1)
    sc = _examine(frame, options)
    open_ = _open_lines(frame, sc, options.reletter)
    with gc_paused():
        units = _build_units(frame, sc, open_)
    tell("préparation", 1, 1)
    state = PassState(units=units, options=options, free=np.ones(len(units), dtype=bool), progress=progress)
    inv, deposit, piece = _unit_features(frame, units)
    history = _history(frame, sc)
    # each chunk of accounts of the search finishes its own groups (codes, totals: ``_finish_part``)
    finish = functools.partial(_finish_part, _finish_prep(frame, sc, units, options))
    parts = matching.run(state, inv, deposit, piece, history, parallel=parallel, workers=workers, kernels=kernels, threads=threads, finish=finish)
    tell("groupes et codes", 0, 1)
    for account in state.budget_exceeded:
        sc.alerts.append(alert("LET_BUDGET_EXCEEDED", sheet=SHEET, account=account, budget=f"{options.budget:,}".replace(",", "\u202f"),
                               left=state.budget_left_units.get(account, 0)))
    with gc_paused():
        groups = _groups(parts)
    ambiguous = [g for g in groups if g.ambiguous]
    for g in ambiguous[:MAX_LINE_ALERTS]:
        alts = " ; ".join(g.alternative_texts()) or "non détaillées"
        sc.alerts.append(alert("LET_AMBIGUOUS", sheet=SHEET, row=g.rows[0], account=g.account, letter=g.code, reason=g.reason, alternatives=alts))
    _truncated(sc.alerts, "LET_AMBIGUOUS", np.array([g.rows[0] for g in ambiguous[MAX_LINE_ALERTS:]]))
    write_offs = [g for g in groups if g.write_off is not None]
    for g in write_offs[:MAX_LINE_ALERTS]:
        sc.alerts.append(alert("LET_WRITE_OFF", sheet=SHEET, row=g.rows[0], account=g.account, letter=g.code, gap=eur(abs(int(g.gap * 100))),
                               write_off_account=g.write_off.lines[1].ledger_account))
    _truncated(sc.alerts, "LET_WRITE_OFF", np.array([g.rows[0] for g in write_offs[MAX_LINE_ALERTS:]]))
    tell("groupes et codes", 1, 1)
    return LetteringProposal(
        groups=tuple(groups),
        alerts=tuple(sc.alerts),
        scope_lines=int(sc.scope.sum()),
        open_lines=int(open_.sum()),
        accounts=int(np.count_nonzero(units.account[1:] != units.account[:-1])) + 1 if len(units) else 0,  # units are sorted by account
        budget_exceeded=tuple(state.budget_exceeded),
        work=state.work,
        reletter=options.reletter,
    )


def _unit_features(frame: pd.DataFrame, units: Units) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per unit: on the invoice side? (debit on a customer account, credit on a supplier one:
    ledger account 40x), labelled as a deposit?, piece reference of its first line."""
    if not len(units):
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool), []
    gen = _arrow_text(frame["ledger_account"]).take(pa.array(units.first_pos, type=pa.int64()))
    supplier = pc.fill_null(pc.starts_with(gen, "40"), False).to_numpy(zero_copy_only=False)
    inv = np.where(supplier, units.amount < 0, units.amount > 0)
    kw = pc.match_substring_regex(pc.utf8_upper(units.line_label), matching.DEPOSIT_WORDS).to_numpy(zero_copy_only=False)
    deposit = np.zeros(len(units), dtype=bool)
    deposit[units.line_unit[kw]] = True
    first_line = np.full(len(units), -1, dtype="int64")
    first_line[units.line_unit[::-1]] = np.arange(len(units.line_unit))[::-1]
    piece = pc.fill_null(units.line_ref.take(pa.array(first_line)), "").to_pylist()
    return inv, deposit & ~inv, piece


def _history(frame: pd.DataFrame, sc: _Scope) -> dict[str, tuple[float, float, int]]:
    """The account's own habits from its lettered history: per account, the median delay between
    the last invoice and the last settlement of its complete letterings, a spread, and the count."""
    good = sc.complete & ~sc.untouchable
    if not good.any():
        return {}
    sel = np.flatnonzero(good)
    gen = _arrow_text(frame["ledger_account"]).take(pa.array(sel, type=pa.int64()))
    supplier = pc.fill_null(pc.starts_with(gen, "40"), False).to_numpy(zero_copy_only=False)
    signed = sc.signed[sel]
    inv = np.where(supplier, signed < 0, signed > 0)
    days = _days(frame["entry_date"])[sel]
    df = pd.DataFrame({"account": sc.key[sel], "code": sc.codes[sel],
                       "inv_day": np.where(inv, days, _NO_DATE), "set_day": np.where(~inv, days, _NO_DATE)})
    g = df.groupby(["account", "code"], sort=False).agg(inv_day=("inv_day", "max"), set_day=("set_day", "max"))
    g = g[(g["inv_day"] > _NO_DATE) & (g["set_day"] > _NO_DATE)]
    g["delay"] = g["set_day"] - g["inv_day"]
    g = g[g["delay"] >= -SETTLE_BACK]
    if not len(g):
        return {}
    # per account (in order of first appearance): median delay, median absolute deviation, count
    acc_id, names = pd.factorize(g.index.get_level_values(0), sort=False)
    delay = g["delay"].to_numpy().astype("int64")
    count = np.bincount(acc_id)
    med = _group_median(acc_id, delay, count)
    mad = _group_median(acc_id, np.abs(delay - med[acc_id]), count)
    return {str(a): (m, max(6.0, 1.5 * (d * 1.4826)), c) for a, m, d, c in zip(names.tolist(), med.tolist(), mad.tolist(), count.tolist())}


def _group_median(group: np.ndarray, values: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``np.median`` of ``values`` per group id (0..n-1, every id present), as float64: the middle
    value, or the mean of the two middle values, as ``np.median`` computes it."""
    order = np.lexsort((values, group))
    v = values[order].astype("float64")
    start = np.cumsum(count) - count
    lo = v[start + (count - 1) // 2]
    hi = v[start + count // 2]
    return np.where(count % 2 == 1, lo, (lo + hi) / 2)


SETTLE_BACK = 3


@dataclass
class _FinishPrep:
    """What ``_finish_part`` reads besides the groups, computed once per proposal: per unit, its
    account (name and index in the units' order), dates, rows, totals and general account; per
    account, the first free code. A job's share: the per-account search finishes the groups of
    its accounts itself (``matching.run``), wherever it runs."""
    account: np.ndarray  # per unit: name
    acc_idx: np.ndarray  # per unit: index of its account (units are sorted by account)
    date: np.ndarray
    row: np.ndarray
    debit: np.ndarray
    credit: np.ndarray
    ledger: np.ndarray  # per unit: general account of its first line
    rows: list[tuple[int, ...]]
    partial_code: list[str]
    is_partial: np.ndarray
    base: np.ndarray  # per account index: rank of the first code after the highest one used
    code_acc: np.ndarray  # the codes already in the scope: account index of each (sorted) …
    code_val: np.ndarray  # … and the code
    write_off: tuple[pa.Array, ...] | None  # per unit: general, auxiliary account and label, piece (tolerance only)
    options: LetteringOptions


def _finish_prep(frame: pd.DataFrame, sc: _Scope, units: Units, options: LetteringOptions) -> _FinishPrep:
    acc = units.account
    n = len(units)
    acc_idx = account_ids(acc)
    names = acc[np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])] if n else np.zeros(0, dtype=object)
    codes_all = sc.codes
    has_code = sc.scope & (codes_all != "")
    # codes continue after the highest code of the account (whatever its case)
    base = np.zeros(len(names), dtype="int64")
    code_acc, code_val = np.zeros(0, dtype="int64"), np.zeros(0, dtype=object)
    sel = np.flatnonzero(has_code)
    if len(sel) and len(names):
        cinv, ucodes = pd.factorize(codes_all[sel])
        crank = np.array([-1 if r is None else r for r in map(code_rank, ucodes.tolist())], dtype="int64")
        at = pd.Index(names).get_indexer(sc.key[sel])
        hit = at >= 0
        best = np.full(len(names), -1, dtype="int64")
        np.maximum.at(best, at[hit], crank[cinv[hit]])
        base = best + 1
        by = np.argsort(at[hit], kind="stable")
        code_acc, code_val = at[hit][by], codes_all[sel][hit][by]
    is_partial = np.array(units.partial_code, dtype=object) != "" if n else np.zeros(0, dtype=bool)
    first = units.first_pos
    write_off = None
    if options.tolerance_cents > 0 and n:
        take = pa.array(first, type=pa.int64())
        write_off = tuple(_arrow_text(frame[c]).take(take) for c in ("ledger_account", "subledger_account", "subledger_label", "document_ref"))
    ledger = _ledger_at(frame, first) if n else np.zeros(0, dtype=object)
    return _FinishPrep(acc, acc_idx, units.date, units.row, units.debit, units.credit, ledger, units.rows, units.partial_code, is_partial,
                       base, code_acc, code_val, write_off, options)


_COLUMNS = 17  # of a LetteringGroup after its number
_DEBIT = 13  # the columns of the totals: integer cents in a part, Decimals in the group


def _groups(parts: Iterable[tuple[list, ...]]) -> list[LetteringGroup]:
    """The groups of finished parts (``_finish_part``, in the order of their accounts), numbered
    from 1; their totals made Decimals here, each distinct amount once (a part carries them as
    integer cents: cheaper to send from a worker process than Decimals)."""
    columns: list[list] = [[] for _ in range(_COLUMNS)]
    for part in parts:
        for col, values in zip(columns, part):
            col.append(values) if isinstance(values, np.ndarray) else col.extend(values)
    n = len(columns[0])
    cents = np.concatenate(columns[_DEBIT] + columns[_DEBIT + 1]) if n else np.zeros(0, dtype="int64")
    money_of, inv_m = np.unique(cents, return_inverse=True)
    money = _moneys(money_of.tolist())  # each distinct amount once (without the cache: mostly new amounts here)
    dec_l = list(map(money.__getitem__, inv_m.tolist()))
    columns[_DEBIT], columns[_DEBIT + 1] = dec_l[:n], dec_l[n:]
    return list(map(functools.partial(tuple.__new__, LetteringGroup), zip(range(1, n + 1), *columns)))


def _finish_part(prep: _FinishPrep, raw: list[RawGroup]) -> tuple[list, ...]:
    """The columns of the groups of ``raw`` (after their number), for whole accounts, in a fixed
    order: account, last date, first date, first row (all data, never position).

    Column-wise: the sort, the codes (per account, after the highest code already used), the
    rows and the totals are computed as arrays; only the groups that complete a partial
    lettering, carry alternatives or need a write-off are looked at one by one. Accounts do not
    depend on one another: the parts of consecutive accounts, put end to end, are the whole."""
    if not raw:
        return tuple([] for _ in range(_COLUMNS))
    n = len(raw)
    unit_lists = list(map(_UNITS, raw))
    sizes = np.fromiter(map(len, unit_lists), dtype="int64", count=n)
    flat = np.fromiter(itertools.chain.from_iterable(unit_lists), dtype="int64", count=int(sizes.sum()))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    last = np.maximum.reduceat(prep.date[flat], starts)
    first = np.minimum.reduceat(prep.date[flat], starts)
    row0 = np.minimum.reduceat(prep.row[flat], starts)
    unit0 = flat[starts]
    acc_f = prep.acc_idx[unit0]
    acc0 = prep.account[unit0]
    gdebit = np.add.reduceat(prep.debit[flat], starts)
    gcredit = np.add.reduceat(prep.credit[flat], starts)
    order = np.lexsort((row0, first, last, acc_f))
    base = prep.base
    partial_code = prep.partial_code
    partial_g = np.fromiter(map(_PARTIAL, raw), dtype=bool, count=n)
    # completing a partial lettering keeps its letters (in upper case), in the groups' order
    given: dict[int, str] = {}
    is_partial_unit = prep.is_partial
    inherits = np.logical_or.reduceat(is_partial_unit[flat], starts)
    if inherits.any():
        taken: dict[str, set[str]] = {}
        for i in order[inherits[order]].tolist():
            g, account = raw[i], acc0[i]
            if account not in taken:  # codes of complete letterings: a partial one's letters stay available
                lo, hi = np.searchsorted(prep.code_acc, [acc_f[i], acc_f[i] + 1]).tolist()
                taken[account] = {c for c in prep.code_val[lo:hi].tolist() if not is_partial_code(c)}
            inherited = sorted(partial_code[u] for u in g.units if partial_code[u])
            code = ""
            if g.partial:
                code = inherited[0]
            elif inherited[0].upper() not in taken[account]:
                code = inherited[0].upper()
            if code:
                taken[account].add(code.upper())
                given[i] = code
    # the others: the next codes of their account, in order
    need = np.ones(n, dtype=bool)
    if given:
        need[np.fromiter(given.keys(), dtype="int64", count=len(given))] = False
    seq = order[need[order]]
    a = acc_f[seq]
    k = np.arange(len(seq))
    head = np.r_[True, a[1:] != a[:-1]] if len(seq) else np.zeros(0, dtype=bool)
    rank = base[a] + k - np.maximum.accumulate(np.where(head, k, 0))
    table = _code_table(int(rank.max()) + 1 if len(rank) else 0)
    codes = np.empty(n, dtype=object)
    if len(seq):
        codes[seq] = np.array(table + [""], dtype=object)[np.minimum(rank, len(table))]
        for j in np.flatnonzero(rank >= len(table)).tolist():
            codes[seq[j]] = code_at(int(rank[j]))
        for i in seq[partial_g[seq]].tolist():
            codes[i] = codes[i].lower()
    for i, c in given.items():
        codes[i] = c
    # rows: a single unit's rows as they are, the rows of several units merged and sorted
    unit_rows = prep.rows
    rows = [unit_rows[u] for u in unit0.tolist()]
    multi = np.flatnonzero(sizes > 1)
    if len(multi):
        in_multi = np.repeat(sizes > 1, sizes)
        m_units = flat[in_multi]
        # a unit of one line has its first row as its only row; the others (partial letterings) are read
        m_part = is_partial_unit[m_units]
        lens = np.ones(len(m_units), dtype="int64")
        mrows = prep.row[m_units]
        if m_part.any():
            lists = [unit_rows[u] for u in m_units[m_part].tolist()]
            lens[m_part] = np.fromiter(map(len, lists), dtype="int64", count=len(lists))
            mrows = np.repeat(mrows, lens)
            mrows[np.repeat(m_part, lens)] = np.fromiter(itertools.chain.from_iterable(lists), dtype="int64", count=int(lens[m_part].sum()))
        mgid = np.repeat(np.repeat(np.arange(n), sizes)[in_multi], lens)
        mrows = mrows[np.lexsort((mrows, mgid))].tolist()
        cut = np.concatenate([[0], np.cumsum(np.bincount(mgid, minlength=n)[multi])]).tolist()
        for j, i in enumerate(multi.tolist()):
            rows[i] = tuple(mrows[cut[j]:cut[j + 1]])
    total = gdebit - gcredit
    zero = _money(0)
    open_l = [zero] * n
    for i in np.flatnonzero(partial_g).tolist():
        open_l[i] = _money(int(total[i]))
    gap_l = [zero] * n
    wo_l: list[Entry | None] = [None] * n
    rules = list(map(_RULE, raw))
    tolerance = np.fromiter(map(operator.is_, rules, itertools.repeat(Rule.TOLERANCE)), dtype=bool, count=n) & (total != 0)
    if tolerance.any():
        at = np.flatnonzero(tolerance)
        on = pa.array(unit0[at], type=pa.int64())
        gen, aux, aux_label, docref = (col.take(on).to_pylist() for col in prep.write_off)
        for j, i in enumerate(at.tolist()):
            t = int(total[i])
            gap_l[i] = _money(t)
            wo_l[i] = _write_off(prep.options, j, gen, aux, aux_label, docref, codes[i], t, _day_to_date(int(last[i])) or _EPOCH)
    alts = list(map(_ALTERNATIVES, raw))
    alts_l: list[tuple] = [()] * n
    for i in itertools.compress(range(n), alts):
        alts_l[i] = tuple(tuple(sorted(r for u in alt for r in unit_rows[u])) for alt in alts[i])
    # every column taken in the groups' order
    o = order.tolist()
    pick = operator.itemgetter(*o) if n > 1 else (lambda xs: (xs[o[0]],))
    raw_o = pick(raw)
    return (acc0[order].tolist(), prep.ledger[unit0[order]].tolist(), codes[order].tolist(), list(pick(rows)), list(pick(rules)),
            list(map(_REASON, raw_o)), list(map(_CONFIDENCE, raw_o)), list(map(_AMBIGUOUS, raw_o)), list(pick(alts_l)), partial_g[order].tolist(),
            list(pick(open_l)), list(pick(gap_l)), list(pick(wo_l)), gdebit[order], gcredit[order], list(map(_Z, raw_o)),
            list(map(_MARGIN, raw_o)))


_UNITS, _PARTIAL, _RULE, _REASON = (operator.attrgetter(f) for f in ("units", "partial", "rule", "reason"))
_CONFIDENCE, _AMBIGUOUS, _ALTERNATIVES, _Z, _MARGIN = (operator.attrgetter(f) for f in ("confidence", "ambiguous", "alternatives", "z", "margin"))


def _code_table(n: int) -> list[str]:
    """The first codes of the sequence (AA, AB, …), at most 500,000 (beyond: ``code_at``)."""
    return list(itertools.islice(next_codes([]), min(n, 500_000)))


@functools.lru_cache(maxsize=65536)
def _money(cents: int) -> Decimal:
    """Integer cents to a 2-place Decimal (exact; cheaper than a division and a quantize).
    Cached: group totals repeat (Decimals are immutable, sharing them is safe)."""
    return Decimal(int(cents)).scaleb(-2)


def _moneys(cents: list[int]) -> list[Decimal]:
    """``_money`` of each value, in one pass without a Python call per value."""
    return list(map(Decimal.scaleb, map(Decimal, cents), itertools.repeat(-2)))


def _write_off(options: LetteringOptions, p: int, gen, aux, aux_label, docref, code: str, total: int, day: date) -> Entry:
    """Écart de règlement: brings the group to zero on the account, against 658 (the customer paid
    less / we owe less) or 758 (the customer paid more)."""
    amount = cents_to_money(abs(total))
    refs = ", ".join(sorted({str(docref[p])} - {""})) or code
    label = f"Écart de règlement {refs} (lettrage {code})"
    if total > 0:  # more debit than credit: credit the account, charge 658
        party = EntryLine(ledger_account=gen[p], subledger_account=aux[p], subledger_label=aux_label[p], label=label, credit=amount)
        other = EntryLine(ledger_account=options.write_off_charge_account, label=label, debit=amount)
    else:
        party = EntryLine(ledger_account=gen[p], subledger_account=aux[p], subledger_label=aux_label[p], label=label, debit=amount)
        other = EntryLine(ledger_account=options.write_off_income_account, label=label, credit=amount)
    return Entry(journal_code=options.write_off_journal, journal_label="Opérations diverses", entry_date=day,
                 document_ref=f"ECART-{code}", document_date=day, label=label, lines=(party, other))


# ---------------------------------------------------------------------------
# apply
# ---------------------------------------------------------------------------


@dataclass
class ApplyResult:
    frame: pd.DataFrame
    run: LetteringRun
    alerts: list[Alert]
    applied: list[LetteringGroup]


def apply_lettering(frame: pd.DataFrame, proposal: LetteringProposal, *, run_id: str, created_at: str = "",
                    lettered_on: date | None = None, accepted: Iterable[int] | None = None) -> ApplyResult:
    """Write the accepted groups into a new frame (the input is not changed).

    Args:
        accepted: group ids to apply; default every group that is not ambiguous.
        lettered_on: DateLet; default the latest entry date of each group.
        run_id: identifies the run in the journal (for ``undo_lettering``).
    """
    with gc_paused():
        return _apply(frame, proposal, run_id, created_at, lettered_on, accepted)


def _apply(frame: pd.DataFrame, proposal: LetteringProposal, run_id: str, created_at: str, lettered_on: date | None,
           accepted: Iterable[int] | None) -> ApplyResult:
    group_ids = list(map(_GROUP_ID, proposal.groups))
    ids = set(accepted) if accepted is not None else set(itertools.compress(group_ids, map(_BY_DEFAULT, proposal.groups)))
    chosen = list(itertools.compress(proposal.groups, map(ids.__contains__, group_ids)))
    out = frame.copy()
    alerts: list[Alert] = []
    rows = out["source_row"].to_numpy()
    codes = out["lettering_code"].to_numpy(dtype=object).copy()
    dates = out["lettered_on"].to_numpy(dtype="datetime64[s]").copy()
    applied: list[AppliedGroup] = []
    done: list[LetteringGroup] = []
    write_offs: list[tuple[Entry, str, date | None]] = []
    next_row = int(rows.max()) + 1 if len(rows) else 2
    if chosen:
        signed = out["debit"].to_numpy() - out["credit"].to_numpy()
        n_groups = len(chosen)
        group_rows = list(map(_ROWS, chosen))
        sizes = np.fromiter(map(len, group_rows), dtype="int64", count=n_groups)
        flat_rows = np.fromiter(itertools.chain.from_iterable(group_rows), dtype="int64", count=int(sizes.sum()))
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        flat_pos = _positions(rows, flat_rows)
        missing = flat_pos < 0
        safe_pos = np.where(missing, 0, flat_pos)
        flat_code_arr = codes[safe_pos]
        coded = flat_code_arr != ""
        partial_line = np.zeros(len(safe_pos), dtype=bool)
        if coded.any():
            partial_line[coded] = _partial_mask(pd.Series(flat_code_arr[coded], dtype=object))
        openable = ~coded | partial_line | proposal.reletter
        line_ok = ~missing & openable
        bad_line = np.logical_or.reduceat(~line_ok, starts)
        # expected total: the open amount of a partial group, the gap of a tolerance group, else 0
        partial_g = list(map(_GROUP_PARTIAL, chosen))
        gaps = list(map(_GAP, chosen))
        expected = np.zeros(n_groups, dtype="int64")
        for n in itertools.compress(range(n_groups), map(operator.or_, partial_g, map(bool, gaps))):
            g = chosen[n]
            expected[n] = int(g.open_amount * 100) if g.partial else int(g.gap * 100)
        totals = np.add.reduceat(np.where(missing, 0, signed[safe_pos]), starts)
        accounts = list(map(_ACCOUNT, chosen))
        line_key = account_keys(out, safe_pos)
        wrong_account = np.logical_or.reduceat(line_key != np.repeat(np.array(accounts, dtype=object), sizes), starts)
        max_day = np.maximum.reduceat(_days(out["entry_date"]).take(safe_pos), starts)
        stale = bad_line | wrong_account
        unbalanced = ~stale & (totals != expected)
        for n in np.flatnonzero(stale | unbalanced).tolist():
            g = chosen[n]
            if stale[n]:
                a = int(starts[n])
                k = a + int(np.flatnonzero(~line_ok[a:a + len(g.rows)])[0]) if bad_line[n] else a
                r = int(flat_rows[k])
                alerts.append(alert("LET_PROPOSAL_STALE", sheet=SHEET, row=r, account=g.account, letter=g.code, source_row=r))
            else:
                alerts.append(alert("LET_PROPOSAL_UNBALANCED", sheet=SHEET, row=g.rows[0], account=g.account, letter=g.code,
                                    gap=eur(abs(int(totals[n]) - int(expected[n])))))
        keep = ~(stale | unbalanced)
        ok_groups = np.flatnonzero(keep).tolist()
        # the codes the lines carried before (to undo exactly)
        flat_codes = flat_code_arr.tolist()
        flat_dates = dates[safe_pos].astype("datetime64[D]").tolist() if (~np.isnat(dates[safe_pos])).any() else None  # None: all NaT
        start_l, size_l = starts.tolist(), sizes.tolist()
        # a code already used in its account (before, or by an earlier group of this run) gives way
        # to the account's next free code: the accounts where that may happen go one group at a time
        ok_chosen = [chosen[n] for n in ok_groups]
        new_codes = list(map(_CODE, ok_chosen))
        lettered_pos = np.flatnonzero(codes != "")
        before = pd.DataFrame({"acc": account_keys(out, lettered_pos), "code": _upper(codes[lettered_pos].tolist())}).drop_duplicates()
        mine = pd.DataFrame({"acc": np.array(accounts, dtype=object)[ok_groups], "code": _upper(new_codes)})
        both = pd.concat([before, mine], ignore_index=True)
        clash = set(mine["acc"][both.duplicated(keep=False).to_numpy()[len(before):]]) if len(mine) else set()
        if clash:
            used_before: dict[str, set[str]] = {}
            for acc, c in zip(before["acc"].tolist(), before["code"].tolist()):
                if acc in clash:
                    used_before.setdefault(acc, set()).add(c)
            in_use: dict[str, set[str]] = {}
            for j, n in enumerate(ok_groups):
                g = chosen[n]
                if g.account not in clash:
                    continue
                a = start_l[n]
                prev = flat_codes[a:a + size_l[n]]
                used = in_use.setdefault(g.account, set(used_before.get(g.account, ())))
                code = g.code
                if code.upper() in used and code.upper() not in {c.upper() for c in prev if c}:  # taken since the proposal
                    code = next(next_codes(used))
                    code = code.lower() if g.partial else code
                used.add(code.upper())
                new_codes[j] = code
        if lettered_on is not None:
            on_l = [lettered_on] * len(ok_groups)
            group_on = np.repeat(np.array([lettered_on], dtype="datetime64[D]").astype("datetime64[s]"), len(chosen))
        else:
            group_on = np.where(max_day == _NO_DATE, np.datetime64("NaT", "D"), max_day.astype("datetime64[D]")).astype("datetime64[s]")
            on_l = group_on[ok_groups].astype("datetime64[D]").tolist()
        added_l: list[tuple[int, ...]] = [()] * len(ok_groups)
        for j in itertools.compress(range(len(ok_groups)), map(operator.is_not, map(_WRITE_OFF, ok_chosen), itertools.repeat(None))):
            added_l[j] = (next_row, next_row + 1)
            next_row += 2
            write_offs.append((chosen[ok_groups[j]].write_off, new_codes[j], on_l[j]))
        if any(flat_codes):
            prev_codes = [tuple(flat_codes[start_l[n]:start_l[n] + size_l[n]]) for n in ok_groups]
        else:
            blank = {s: ("",) * s for s in set(size_l)}
            prev_codes = list(map(blank.__getitem__, sizes[ok_groups].tolist()))
        if flat_dates is not None:
            prev_dates = [tuple(flat_dates[start_l[n]:start_l[n] + size_l[n]]) for n in ok_groups]
        else:
            nothing = {s: (None,) * s for s in set(size_l)}
            prev_dates = list(map(nothing.__getitem__, sizes[ok_groups].tolist()))
        applied = list(map(functools.partial(tuple.__new__, AppliedGroup),
                           zip(map(_ACCOUNT, ok_chosen), new_codes, map(_ROWS, ok_chosen), prev_codes, prev_dates, map(_RULE, ok_chosen), added_l,
                               map(_CONFIDENCE, ok_chosen), map(_REASON, ok_chosen))))
        done = [g if code == g.code else g.with_code(code) for g, code in zip(ok_chosen, new_codes)] if clash else list(ok_chosen)
        if ok_groups:
            group_code = np.full(len(chosen), "", dtype=object)
            group_code[ok_groups] = new_codes
            line_keep = np.repeat(keep, sizes)
            codes[flat_pos[line_keep]] = np.repeat(group_code, sizes)[line_keep]
            dates[flat_pos[line_keep]] = np.repeat(group_on, sizes)[line_keep]
    out["lettering_code"] = pd.Series(codes, index=out.index, dtype=out["lettering_code"].dtype)
    out["lettered_on"] = pd.Series(dates, index=out.index).astype(frame["lettered_on"].dtype)
    if write_offs:
        # the write-off entries as they are, then their number, the party line's code and date, and
        # the rows after the ledger's (two lines per entry: the party's first)
        first = next_row - 2 * len(write_offs)
        extra = entries_to_frame([e for e, _, _ in write_offs])
        extra["entry_number"] = np.repeat(np.array([f"{e.journal_code}-LET-{run_id}-{i + 1:04d}" for i, (e, _, _) in enumerate(write_offs)],
                                                   dtype=object), 2)
        extra["source_row"] = np.arange(first, next_row, dtype="int64")
        party = np.arange(0, len(extra), 2)
        code_col = extra["lettering_code"].to_numpy(dtype=object).copy()
        code_col[party] = [code for _, code, _ in write_offs]
        extra["lettering_code"] = code_col
        on_col = extra["lettered_on"].to_numpy().copy()
        on_col[party] = pd.to_datetime(pd.Series([on for _, _, on in write_offs], dtype=object)).astype("datetime64[s]").to_numpy()
        extra["lettered_on"] = on_col
        for col in out.columns:
            if col in extra:
                extra[col] = extra[col].astype(out[col].dtype)
        out = pd.concat([out, extra[out.columns]], ignore_index=True)
    run = LetteringRun(run_id=run_id, created_at=created_at, lettered_on=lettered_on, groups=tuple(applied))
    return ApplyResult(frame=out, run=run, alerts=alerts, applied=done)


_ROWS, _ACCOUNT, _GAP, _GROUP_PARTIAL = (operator.attrgetter(f) for f in ("rows", "account", "gap", "partial"))
_GROUP_ID, _WRITE_OFF, _CODE = operator.attrgetter("group_id"), operator.attrgetter("write_off"), operator.attrgetter("code")
_BY_DEFAULT = operator.attrgetter("applied_by_default")  # LetteringGroup's own rule (not ambiguous)


def _upper(codes: list) -> pd.Series:
    """``pd.Series(codes, dtype=object).str.upper()``, without pandas' per-value wrapper when every
    code is a ``str``."""
    try:
        return pd.Series(list(map(str.upper, codes)), dtype=object)
    except TypeError:  # a missing value: pandas keeps it missing
        return pd.Series(codes, dtype=object).str.upper()


def _positions(rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``pd.Index(rows).get_indexer(wanted)`` (-1: not found) for rows without repeats; by
    arithmetic when they are consecutive (a ledger as read: its file's line numbers)."""
    n = len(rows)
    if n and int(rows[-1]) - int(rows[0]) == n - 1 and (n == 1 or bool((np.diff(rows) == 1).all())):
        pos = np.asarray(wanted, dtype="int64") - int(rows[0])
        return np.where((pos >= 0) & (pos < n), pos, -1)
    return pd.Index(rows).get_indexer(wanted)


def _dt_to_date(value: np.datetime64) -> date | None:
    if np.isnat(value):
        return None
    return pd.Timestamp(value).date()


# ---------------------------------------------------------------------------
# undo (délettrage)
# ---------------------------------------------------------------------------


@dataclass
class UndoResult:
    frame: pd.DataFrame
    undone: list[AppliedGroup]  # what was undone (previous_* = what the lines carried before the undo)
    runs_touched: set[str]  # runs whose groups were undone exactly (the journal drops them)
    alerts: list[Alert]


def undo_lettering(frame: pd.DataFrame, runs: Iterable[LetteringRun] = (), *, code: str | None = None, account: str | None = None,
                   run_id: str | None = None) -> UndoResult:
    """Délettrage by run, by code (optionally within one account) or by account.

    A group that a recorded run applied is restored exactly (previous codes and dates, its
    write-off lines removed); any other lettering found is cleared (code and date emptied).
    """
    runs = list(runs)
    out = frame.copy()
    rows = out["source_row"].to_numpy()
    where = dict(zip(rows.tolist(), range(len(rows))))  # source row → position (one dict, not one index lookup per group)

    def positions(group_rows) -> list[int]:
        return [where.get(int(r), -1) for r in group_rows]
    codes = out["lettering_code"].to_numpy(dtype=object).copy()
    dates = out["lettered_on"].to_numpy(dtype="datetime64[s]").copy()
    key = account_keys(out)
    alerts: list[Alert] = []
    targets: list[tuple[AppliedGroup, str | None]] = []
    if run_id is not None:
        run = next((r for r in runs if r.run_id == run_id), None)
        if run is None:
            return UndoResult(frame, [], set(), [alert("LET_UNDO_NOT_FOUND", what=f"le lancement {run_id}")])
        for g in run.groups:
            pos = positions(g.rows)
            wrong = [(g.rows[i], codes[p] if p >= 0 else "—") for i, p in enumerate(pos) if p < 0 or codes[p] != g.code]
            if wrong:
                r, found = wrong[0]
                return UndoResult(frame, [], set(), [alert("LET_UNDO_CHANGED", sheet=SHEET, row=r, column="EcritureLet", source_row=r,
                                                           found=found or "vide", expected=g.code, run_id=run_id)])
            targets.append((g, run_id))
    else:
        mask = codes != ""
        if code is not None:
            mask &= codes == code
        if account is not None:
            mask &= key == account
        if code is None and account is None:
            mask[:] = False
        sel = np.flatnonzero(mask)
        if not len(sel):
            what = " ".join(x for x in (f"le code {code}" if code else "", f"le compte {account}" if account else "") if x) or "la demande"
            return UndoResult(frame, [], set(), [alert("LET_UNDO_NOT_FOUND", what=what)])
        found: dict[tuple[str, str], list[int]] = {}
        for p in sel.tolist():
            found.setdefault((key[p], codes[p]), []).append(p)
        recorded = {}
        for r in runs:  # later runs win
            for g in r.groups:
                recorded[(g.account, g.code)] = (g, r.run_id)
        for (acc, c), pos in sorted(found.items()):
            rec = recorded.get((acc, c))
            current = set(int(rows[p]) for p in pos)
            if rec and set(rec[0].rows) <= current and set(rec[0].added_rows) | set(rec[0].rows) >= current:
                targets.append(rec)
            else:
                rws = tuple(sorted(current))
                plain = AppliedGroup(account=acc, code=c, rows=rws, previous_codes=("",) * len(rws), previous_dates=(None,) * len(rws))
                targets.append((plain, None))
    undone, touched, drop = [], set(), set()
    for g, rid in targets:
        pos = np.array(positions(g.rows), dtype="int64")
        before_codes = tuple(str(codes[p]) for p in pos)
        before_dates = tuple(_dt_to_date(dates[p]) for p in pos)
        codes[pos] = np.array(g.previous_codes, dtype=object)
        dates[pos] = np.array([np.datetime64(d, "s") if d else np.datetime64("NaT", "s") for d in g.previous_dates], dtype="datetime64[s]")
        drop.update(g.added_rows)
        undone.append(g._replace(previous_codes=before_codes, previous_dates=before_dates))
        if rid:
            touched.add(rid)
    out["lettering_code"] = pd.Series(codes, index=out.index, dtype=frame["lettering_code"].dtype)
    out["lettered_on"] = pd.Series(dates, index=out.index).astype(frame["lettered_on"].dtype)
    if drop:
        out = out[~out["source_row"].isin(drop)].reset_index(drop=True)
    return UndoResult(out, undone, touched, alerts)


def letter(frame: pd.DataFrame, options: LetteringOptions | None = None, *, run_id: str = "1", lettered_on: date | None = None) -> ApplyResult:
    """Propose then apply every group that is not ambiguous (the CLI's ``--apply``)."""
    proposal = propose_lettering(frame, options)
    res = apply_lettering(frame, proposal, run_id=run_id, lettered_on=lettered_on)
    res.alerts[:0] = list(proposal.alerts)
    return res


__all__ = ["ApplyResult", "UndoResult", "account_keys", "apply_lettering", "code_rank", "is_partial_code", "letter",
           "propose_lettering", "scope_mask", "undo_lettering"]
