"""Automatic lettering (lettrage automatique): propose, apply, undo.

``propose_lettering(frame, options)`` reads a ledger frame (``core.ledger``), selects the lines
of the chosen account roots, reports suspicious existing letterings, and runs the passes of
``core.lettering.passes`` over the open items of each account (auxiliary account when present,
else general account). It changes nothing: the result lists the proposed groups, each with the
rule that formed it, why, a confidence, and for ambiguous ones the alternatives.

``apply_lettering`` writes the accepted groups into a *new* frame (EcritureLet / DateLet, plus
the write-off lines of tolerance groups) and returns a ``LetteringRun`` holding the previous
value of every line it touched; ``undo_lettering`` (délettrage) by code, account or run
restores exactly the previous state.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.alerts import Alert, alert
from core.entries import entries_to_frame
from core.lettering.codes import code_rank, is_partial_code, next_codes
from core.lettering.models import (
    AppliedGroup,
    LetteringGroup,
    LetteringOptions,
    LetteringProposal,
    LetteringRun,
    PreviousValue,
    Rule,
)
from core.lettering.passes import PASSES, PassState, RawGroup, Units, eur
from core.models import Entry, EntryLine
from core.money import cents_to_money

SHEET = "FEC"
_EPOCH = date(1970, 1, 1)
_NO_DATE = -10**7  # NaT: far from every window
MAX_LINE_ALERTS = 200


def account_keys(frame: pd.DataFrame) -> np.ndarray:
    """Auxiliary account when present, else the general account (what lettering works on)."""
    aux = frame["subledger_account"].to_numpy(dtype=object)
    gen = frame["ledger_account"].to_numpy(dtype=object)
    return np.where(aux != "", aux, gen)


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


def _examine(frame: pd.DataFrame, options: LetteringOptions) -> _Scope:
    alerts: list[Alert] = []
    scope = scope_mask(frame, options.roots)
    key = account_keys(frame)
    debit, credit = frame["debit"].to_numpy(), frame["credit"].to_numpy()
    signed = debit - credit
    codes = frame["lettering_code"]
    lettered = codes.to_numpy(dtype=object) != ""
    partial = _partial_mask(codes) & scope
    complete = lettered & ~partial & scope
    untouchable = np.zeros(len(frame), dtype=bool)
    rows = frame["source_row"].to_numpy()
    if not scope.any():
        alerts.append(alert("LET_NO_SCOPE", sheet=SHEET, roots=", ".join(options.roots)))
    both = scope & (debit != 0) & (credit != 0)
    for i in np.flatnonzero(both)[:MAX_LINE_ALERTS]:
        alerts.append(alert("LET_DEBIT_AND_CREDIT", sheet=SHEET, row=int(rows[i]), column="Debit", account=key[i], debit=eur(debit[i]), credit=eur(credit[i])))
    untouchable |= both
    if complete.any():
        sel = np.flatnonzero(complete)
        g = pd.DataFrame({"account": key[sel], "code": codes.to_numpy(dtype=object)[sel], "signed": signed[sel], "debit": debit[sel],
                          "credit": credit[sel], "on": frame["lettered_on"].to_numpy()[sel], "row": rows[sel], "pos": sel})
        agg = g.groupby(["account", "code"], sort=True).agg(signed=("signed", "sum"), debit=("debit", "sum"), credit=("credit", "sum"),
                                                           dates=("on", "nunique"), row=("row", "min"))
        bad = agg[(agg["signed"] != 0) | (agg["dates"] > 1)]
        for (account, code), r in bad.iterrows():
            if r["signed"] != 0:
                alerts.append(alert("LET_GROUP_UNBALANCED", sheet=SHEET, row=int(r["row"]), column="EcritureLet", account=account, code=code,
                                    debit=eur(r["debit"]), credit=eur(r["credit"]), gap=eur(abs(r["signed"]))))
            if r["dates"] > 1:
                on = g[(g["account"] == account) & (g["code"] == code)]["on"].dropna().unique()
                dates = ", ".join(sorted(pd.Timestamp(d).strftime("%d/%m/%Y") for d in on))
                alerts.append(alert("LET_CODE_REUSED", sheet=SHEET, row=int(r["row"]), column="EcritureLet", account=account, code=code, dates=dates))
        if len(bad):
            bad_keys = pd.MultiIndex.from_frame(g[["account", "code"]]).isin(bad.index)
            untouchable[g["pos"].to_numpy()[bad_keys]] = True
    # a partial lettering with a line in both columns is not trusted either
    if partial.any() and both.any():
        pk = pd.Series(list(zip(key[partial], codes.to_numpy(dtype=object)[partial])))
        badp = set(zip(key[both & partial], codes.to_numpy(dtype=object)[both & partial]))
        untouchable[np.flatnonzero(partial)[pk.isin(badp).to_numpy()]] = True
    return _Scope(scope, key, signed, partial, complete, untouchable, alerts)


# ---------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------


def _open_lines(frame: pd.DataFrame, sc: _Scope, reletter: bool) -> np.ndarray:
    unlettered = frame["lettering_code"].to_numpy(dtype=object) == ""
    open_ = sc.scope & (unlettered | sc.partial | (sc.complete if reletter else False))
    return open_ & ~sc.untouchable & (sc.signed != 0)


def _build_units(frame: pd.DataFrame, sc: _Scope, open_: np.ndarray) -> Units:
    pos = np.flatnonzero(open_)
    codes = frame["lettering_code"].to_numpy(dtype=object)[pos]
    part = sc.partial[pos]
    date_ = _days(frame["entry_date"])[pos]
    due_raw = _days(frame["due_date"])[pos] if "due_date" in frame else np.full(len(pos), _NO_DATE)
    due = np.where(due_raw == _NO_DATE, date_, due_raw)
    rows = frame["source_row"].to_numpy()[pos]
    lines = pd.DataFrame({"account": sc.key[pos], "amount": sc.signed[pos], "date": date_, "due": due, "row": rows,
                          "code": np.where(part, codes, ""), "pos": pos})
    # unit key: the line itself, or (account, partial code)
    lines["ukey"] = np.where(part, "p:" + lines["code"].astype(str), "s:" + lines["row"].astype(str))
    singles = lines[~part]
    units = singles[["account", "amount", "date", "due", "row", "code", "ukey"]].copy()
    if part.any():
        comp = lines[part].groupby(["account", "ukey"], sort=True).agg(amount=("amount", "sum"), date=("date", "min"), due=("due", "min"),
                                                                      row=("row", "min"), code=("code", "first")).reset_index()
        comp = comp[comp["amount"] != 0]
        units = pd.concat([units, comp[units.columns]], ignore_index=True)
    units = units.sort_values(["account", "date", "row"], kind="mergesort").reset_index(drop=True)
    uid = pd.Series(np.arange(len(units)), index=pd.MultiIndex.from_frame(units[["account", "ukey"]]))
    line_unit_s = pd.Series(uid.reindex(pd.MultiIndex.from_frame(lines[["account", "ukey"]])).to_numpy())
    keep = line_unit_s.notna().to_numpy()
    lines = lines[keep]
    line_unit = line_unit_s[keep].to_numpy(dtype="int64")
    # rows of each unit
    order = np.argsort(line_unit, kind="stable")
    lu, lr = line_unit[order], lines["row"].to_numpy()[order]
    starts = np.searchsorted(lu, np.arange(len(units)))
    ends = np.searchsorted(lu, np.arange(len(units)), side="right")
    lr_list = lr.tolist()
    unit_rows = [tuple(sorted(lr_list[s:e])) for s, e in zip(starts.tolist(), ends.tolist())]
    lpos = lines["pos"].to_numpy()
    label = pa.array(frame["label"].to_numpy(dtype=object)[lpos], type=pa.string())
    ref = pa.array(frame["document_ref"].to_numpy(dtype=object)[lpos], type=pa.string())
    return Units(
        account=units["account"].to_numpy(dtype=object),
        amount=units["amount"].to_numpy(dtype="int64"),
        date=units["date"].to_numpy(dtype="int64"),
        due=units["due"].to_numpy(dtype="int64"),
        row=units["row"].to_numpy(dtype="int64"),
        rows=unit_rows,
        partial_code=units["code"].tolist(),
        line_unit=line_unit,
        line_label=pc.binary_join_element_wise(label, ref, " "),
        line_ref=ref,
    )


# ---------------------------------------------------------------------------
# propose
# ---------------------------------------------------------------------------


def propose_lettering(frame: pd.DataFrame, options: LetteringOptions | None = None) -> LetteringProposal:
    """Proposed letterings of the open lines of the scope; nothing is changed.

    Args:
        frame: ledger frame (``core.ledger.COLUMNS``), e.g. ``read_fec(...).frame``.
        options: roots, k, date window, tolerance and write-off accounts, work budget.
    """
    options = options or LetteringOptions()
    sc = _examine(frame, options)
    open_ = _open_lines(frame, sc, options.reletter)
    units = _build_units(frame, sc, open_)
    state = PassState(units=units, options=options, free=np.ones(len(units), dtype=bool))
    for step in PASSES:
        step(state)
    for account in state.budget_exceeded:
        sc.alerts.append(alert("LET_BUDGET_EXCEEDED", sheet=SHEET, account=account, budget=f"{options.budget:,}".replace(",", "\u202f"),
                               left=state.budget_left_units.get(account, 0)))
    groups = _finish(frame, sc, units, state.groups, options)
    for g in groups:
        if g.ambiguous:
            alts = " ; ".join("lignes " + ", ".join(str(r) for r in alt) for alt in g.alternatives)
            sc.alerts.append(alert("LET_AMBIGUOUS", sheet=SHEET, row=g.rows[0], account=g.account, code=g.code, reason=g.reason, alternatives=alts))
        if g.write_off is not None:
            other = g.write_off.lines[1].ledger_account
            sc.alerts.append(alert("LET_WRITE_OFF", sheet=SHEET, row=g.rows[0], account=g.account, code=g.code, gap=eur(abs(int(g.gap * 100))),
                                   write_off_account=other))
    return LetteringProposal(
        groups=tuple(groups),
        alerts=tuple(sc.alerts),
        scope_lines=int(sc.scope.sum()),
        open_lines=int(open_.sum()),
        accounts=len(pd.unique(units.account)) if len(units) else 0,
        budget_exceeded=tuple(state.budget_exceeded),
        work=state.work,
        reletter=options.reletter,
    )


def _finish(frame: pd.DataFrame, sc: _Scope, units: Units, raw: list[RawGroup], options: LetteringOptions) -> list[LetteringGroup]:
    """Letter codes, totals and write-off entries of the raw groups, in a fixed order."""
    if not raw:
        return []
    codes_all = frame["lettering_code"].to_numpy(dtype=object)
    used = pd.Series(codes_all[sc.scope & (codes_all != "")]).groupby(sc.key[sc.scope & (codes_all != "")]).agg(list).to_dict()
    rows = frame["source_row"].to_numpy()
    by_row = pd.Series(np.arange(len(frame)), index=rows)
    info = []
    for g in raw:
        us = list(g.units)
        info.append((units.account[us[0]], int(units.date[us].max()), int(units.date[us].min()), int(units.row[us].min()), g))
    info.sort(key=lambda t: t[:4])
    debit, credit = frame["debit"].to_numpy(), frame["credit"].to_numpy()
    gen = frame["ledger_account"].to_numpy(dtype=object)
    aux = frame["subledger_account"].to_numpy(dtype=object)
    aux_label = frame["subledger_label"].to_numpy(dtype=object)
    docref = frame["document_ref"].to_numpy(dtype=object)
    out: list[LetteringGroup] = []
    gen_codes: dict[str, object] = {}
    taken: dict[str, set[str]] = {}
    for account, last, _first, _row, g in info:
        if account not in gen_codes:
            gen_codes[account] = next_codes(used.get(account, []))
            taken[account] = {c.upper() for c in used.get(account, [])}
        rws = tuple(sorted(r for u in g.units for r in units.rows[u]))
        pos = by_row.reindex(list(rws)).to_numpy()
        pos = pos[~pd.isna(pos)].astype(int)
        # completing a partial lettering keeps its letters, in upper case
        inherited = sorted({units.partial_code[u] for u in g.units if units.partial_code[u]})
        if inherited and not g.partial and inherited[0].upper() not in taken[account]:
            code = inherited[0].upper()
        elif inherited and g.partial:
            code = inherited[0]
        else:
            code = next(gen_codes[account])
            code = code.lower() if g.partial else code
        taken[account].add(code.upper())
        d, c = int(debit[pos].sum()), int(credit[pos].sum())
        total = d - c
        write_off = None
        gap = 0
        if g.rule is Rule.TOLERANCE and total != 0:
            gap = total
            write_off = _write_off(options, pos[0], gen, aux, aux_label, docref, code, total, _day_to_date(last) or _EPOCH, g)
        out.append(LetteringGroup(
            group_id=len(out) + 1, account=account, ledger_account=gen[pos[0]], code=code, rows=rws, rule=g.rule, reason=g.reason,
            confidence=g.confidence, ambiguous=g.ambiguous,
            alternatives=tuple(tuple(sorted(r for u in alt for r in units.rows[u])) for alt in g.alternatives),
            partial=g.partial, open_amount=cents_to_money(total) if g.partial else cents_to_money(0),
            gap=cents_to_money(gap), write_off=write_off, total_debit=cents_to_money(d), total_credit=cents_to_money(c),
        ))
    return out


def _write_off(options: LetteringOptions, p: int, gen, aux, aux_label, docref, code: str, total: int, day: date, g: RawGroup) -> Entry:
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
    """Write the accepted groups into a new frame.

    Args:
        accepted: group ids to apply; default every group that is not ambiguous.
        lettered_on: DateLet; default the latest entry date of each group.
        run_id: identifies the run in the journal (for ``undo_lettering``).
    """
    ids = set(accepted) if accepted is not None else {g.group_id for g in proposal.groups if g.applied_by_default}
    chosen = [g for g in proposal.groups if g.group_id in ids]
    out = frame.copy()
    alerts: list[Alert] = []
    rows = out["source_row"].to_numpy()
    index = pd.Index(rows)
    codes = out["lettering_code"].to_numpy(dtype=object).copy()
    dates = out["lettered_on"].to_numpy(dtype="datetime64[s]").copy()
    signed = out["debit"].to_numpy() - out["credit"].to_numpy()
    edays = _days(out["entry_date"])
    key = account_keys(out)
    partial = _partial_mask(out["lettering_code"])
    in_use: dict[str, set[str]] = {}
    lettered_pos = np.flatnonzero(codes != "")
    for acc, code in zip(key[lettered_pos].tolist(), codes[lettered_pos].tolist()):
        in_use.setdefault(acc, set()).add(code.upper())
    applied: list[AppliedGroup] = []
    done: list[LetteringGroup] = []
    write_offs: list[tuple[Entry, str, date, AppliedGroup | None]] = []
    next_row = int(rows.max()) + 1 if len(rows) else 2
    for g in chosen:
        pos = index.get_indexer(list(g.rows))
        if (pos < 0).any():
            missing = g.rows[int(np.flatnonzero(pos < 0)[0])]
            alerts.append(alert("LET_PROPOSAL_STALE", sheet=SHEET, row=missing, account=g.account, code=g.code, source_row=missing))
            continue
        current = codes[pos]
        ok_codes = [(c == "") or bool(partial[p]) or proposal.reletter for c, p in zip(current.tolist(), pos.tolist())]
        if not all(ok_codes) or (key[pos] != g.account).any():
            bad = g.rows[ok_codes.index(False)] if not all(ok_codes) else g.rows[0]
            alerts.append(alert("LET_PROPOSAL_STALE", sheet=SHEET, row=bad, account=g.account, code=g.code, source_row=bad))
            continue
        total = int(signed[pos].sum())
        expected = int(g.open_amount * 100) if g.partial else int(g.gap * 100)
        if total != expected:
            alerts.append(alert("LET_PROPOSAL_UNBALANCED", sheet=SHEET, row=g.rows[0], account=g.account, code=g.code, gap=eur(abs(total - expected))))
            continue
        own = {c.upper() for c in current.tolist() if c}
        used = in_use.setdefault(g.account, set())
        code = g.code
        if code.upper() in used - own:  # taken since the proposal: next free code
            gen = next_codes(used)
            code = next(gen)
            code = code.lower() if g.partial else code
        used.add(code.upper())
        on = lettered_on or _day_to_date(int(edays[pos].max()))
        prev = tuple(PreviousValue(source_row=int(rows[p]), lettering_code=str(codes[p]), lettered_on=_dt_to_date(dates[p])) for p in pos)
        codes[pos] = code
        dates[pos] = np.datetime64(on, "s") if on else np.datetime64("NaT", "s")
        added: tuple[int, ...] = ()
        if g.write_off is not None:
            added = (next_row, next_row + 1)
            next_row += 2
            write_offs.append((g.write_off, code, on, None))
        applied.append(AppliedGroup(account=g.account, code=code, rule=g.rule, rows=g.rows, previous=prev, added_rows=added))
        done.append(g.model_copy(update={"code": code}))
    out["lettering_code"] = pd.Series(codes, index=out.index, dtype=out["lettering_code"].dtype)
    out["lettered_on"] = pd.Series(dates, index=out.index).astype(frame["lettered_on"].dtype)
    if write_offs:
        entries = []
        first = next_row - 2 * len(write_offs)
        for i, (e, code, on, _) in enumerate(write_offs):
            party = e.lines[0].model_copy(update={"lettering_code": code, "lettered_on": on, "source_row": first + 2 * i})
            other = e.lines[1].model_copy(update={"source_row": first + 2 * i + 1})
            entries.append(e.model_copy(update={"lines": (party, other), "entry_number": f"{e.journal_code}-LET-{run_id}-{i + 1:04d}"}))
        extra = entries_to_frame(entries)
        for col in out.columns:
            if col in extra:
                extra[col] = extra[col].astype(out[col].dtype)
        out = pd.concat([out, extra[out.columns]], ignore_index=True)
    run = LetteringRun(run_id=run_id, created_at=created_at, lettered_on=lettered_on, groups=tuple(applied))
    return ApplyResult(frame=out, run=run, alerts=alerts, applied=done)


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
    undone: list[AppliedGroup]  # what was undone (previous = what the lines carried before the undo)
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
    index = pd.Index(rows)
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
            pos = index.get_indexer(list(g.rows))
            wrong = [(g.rows[i], codes[p] if p >= 0 else "—") for i, p in enumerate(pos.tolist()) if p < 0 or codes[p] != g.code]
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
                prev = tuple(PreviousValue(source_row=int(rows[p]), lettering_code="", lettered_on=None) for p in pos)
                plain = AppliedGroup(account=acc, code=c, rows=tuple(sorted(current)), previous=prev)
                targets.append((plain, None))
    undone, touched, drop = [], set(), set()
    for g, rid in targets:
        pos = index.get_indexer([p.source_row for p in g.previous])
        before = tuple(PreviousValue(source_row=int(rows[p]), lettering_code=str(codes[p]), lettered_on=_dt_to_date(dates[p])) for p in pos)
        for p, pv in zip(pos.tolist(), g.previous):
            codes[p] = pv.lettering_code
            dates[p] = np.datetime64(pv.lettered_on, "s") if pv.lettered_on else np.datetime64("NaT", "s")
        drop.update(g.added_rows)
        undone.append(g.model_copy(update={"previous": before}))
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
