"""Allocation: which open invoices (and instalments) are collected, by which mode and bank.

* ``open_invoices``: the unlettered customer lines of the ledger (accounts 41…, with an
  auxiliary account), one ``OpenInvoice`` each, keyed by the stable ledger line key;
* ``schedule_rest`` / ``check_schedule``: the schedule editor's « Reste » (invoice amount −
  Σ instalments) must be 0 (full schedule) or the invoice amount (no schedule);
* ``due_in_period``: with « Choix de la date », an invoice dated in the range is taken whole;
  an invoice with a schedule is taken for its instalments due in the range only (seed: 6 000 €
  on 05/06/2023 with three instalments, collecting up to 17/08/2023 takes the first two);
  what the register already collected is deducted instalment by instalment;
* ``default_assignment``: « Affectation des prélèvements » gives every line of mode Aucun,
  Prélèvement or LCR the customer's default mode and banks;
* ``customer_rows`` / ``repartition``: the main sheet and the « Répartition » box.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

import pandas as pd

from reglo.core.alerts import Alert, alert
from reglo.core.debits.models import (
    AUTO_ASSIGNABLE,
    Assignment,
    CustomerRow,
    DetailRow,
    ForcedAmount,
    Instalment,
    Mode,
    OpenInvoice,
    SelectionOptions,
    total,
)
from reglo.core.models import PaymentMethod
from reglo.core.money import ZERO, cents_to_money, format_fr
from reglo.core.rules.bank import compact

CUSTOMER_ROOTS = ("41",)
_METHOD_MODE = {
    PaymentMethod.DIRECT_DEBIT: Mode.DIRECT_DEBIT,
    PaymentMethod.LCR: Mode.LCR,
    PaymentMethod.CREDIT_TRANSFER: Mode.TRANSFER,
    PaymentMethod.CHEQUE: Mode.CHEQUE,
}


def open_invoices(frame: pd.DataFrame) -> list[OpenInvoice]:
    """Unlettered customer lines (auxiliary account, control account 41…) of a ledger frame."""
    from reglo.core.transfers.selection import line_keys

    if frame is None or frame.empty:
        return []
    keys = line_keys(frame)
    mask = (frame["subledger_account"] != "") & frame["ledger_account"].str.startswith(CUSTOMER_ROOTS) & (frame["lettering_code"] == "")
    sub = frame[mask]
    out: list[OpenInvoice] = []
    for idx, r in zip(sub.index.tolist(), sub.itertuples(index=False)):
        cents = int(r.debit) - int(r.credit)
        if cents == 0:
            continue
        entry = pd.Timestamp(r.entry_date).date() if not pd.isna(r.entry_date) else None
        if entry is None:
            continue
        out.append(OpenInvoice(
            key=str(keys.at[idx]), customer_code=str(r.subledger_account), ledger_account=str(r.ledger_account), customer_label=str(r.subledger_label),
            journal_code=str(r.journal_code), entry_number=str(r.entry_number), document_ref=str(r.document_ref), entry_date=entry,
            due_date=None if pd.isna(r.due_date) else pd.Timestamp(r.due_date).date(), label=str(r.label),
            amount=cents_to_money(cents), source_row=int(r.source_row),
        ))
    return out


def invoices_of_years(frame: pd.DataFrame, others: Sequence[pd.DataFrame] = ()) -> list[OpenInvoice]:
    """Open invoices of the fiscal year's ledger ``frame`` and of the dossier's other fiscal
    year(s) ``others`` (N and N+1: seed « Le programme va lettrer les écritures trouvées pour N
    et N+1 »). Each ledger keeps its own line keys. An invoice of another year is left out when
    ``frame`` already holds it (same key, or a line of the same customer with the same piece and
    amount, lettered or not: detailed opening balances carry open invoices into N+1), so that
    nothing is collected twice."""
    out = open_invoices(frame)
    if not others:
        return out
    keys = {i.key for i in out}
    held: set[tuple[str, str, int]] = set()
    if frame is not None and not frame.empty:
        aux = frame[frame["subledger_account"] != ""]
        held = set(zip(aux["subledger_account"].tolist(), aux["document_ref"].tolist(), (aux["debit"] - aux["credit"]).astype(int).tolist()))
    for other in others:
        for inv in open_invoices(other):
            cents = int((inv.amount * 100).to_integral_value())
            if inv.key in keys or (inv.customer_code, inv.document_ref, cents) in held:
                continue
            keys.add(inv.key)
            out.append(inv)
    return out


# ---------------------------------------------------------------------------
# schedules
# ---------------------------------------------------------------------------

def schedule_rest(amount: Decimal, schedule: Sequence[Instalment]) -> Decimal:
    """« Reste » of the schedule editor: the invoice amount not yet spread."""
    return amount - total(i.amount for i in schedule)


def check_schedule(document: str, amount: Decimal, schedule: Sequence[Instalment], *, sheet: str | None = None, row: int | None = None) -> list[Alert]:
    """The schedule can be validated when « Reste » is 0 or the invoice amount (no schedule)."""
    where = {"sheet": sheet, "row": row}
    out: list[Alert] = []
    for i in schedule:
        if i.amount <= 0:
            out.append(alert("DEBIT_SCHEDULE_LINE_INVALID", document=document, detail=f"montant d'échéance {format_fr(i.amount)} € ≤ 0 au {i.due_date:%d/%m/%Y}", **where))
    dates = [i.due_date for i in schedule]
    if len(set(dates)) != len(dates):
        out.append(alert("DEBIT_SCHEDULE_LINE_INVALID", document=document, detail="deux échéances à la même date", **where))
    rest = schedule_rest(amount, schedule)
    if rest != 0 and rest != amount:
        out.append(alert("DEBIT_SCHEDULE_REMAINDER", document=document, amount=format_fr(amount), rest=format_fr(rest), **where))
    return out


def in_range(day: date | None, start: date | None, end: date | None) -> bool:
    if day is None:
        return start is None and end is None
    return (start is None or day >= start) and (end is None or day <= end)


def due_in_period(amount: Decimal, entry_date: date, schedule: Sequence[Instalment], *, start: date | None, end: date | None,
                  collected_cents: int = 0) -> tuple[Decimal, tuple[Instalment, ...]]:
    """What is due in the period, net of what the register already collected.

    Without a schedule: the open amount less what was collected, when the invoice is dated in
    the range. With one: instalments are collected in date order, so the register total covers
    the first ones; the remaining instalments due in the range are taken (the last one partly
    when the register covered part of it).
    """
    collected = cents_to_money(collected_cents)
    if not schedule:
        if not in_range(entry_date, start, end):
            return ZERO, ()
        return max(amount - collected, ZERO) if amount > 0 else amount - collected, ()
    taken: list[Instalment] = []
    covered = collected
    for inst in sorted(schedule, key=lambda i: i.due_date):
        part = inst.amount
        if covered >= part:
            covered -= part
            continue
        part -= covered
        covered = ZERO
        if in_range(inst.due_date, start, end):
            taken.append(Instalment(due_date=inst.due_date, amount=part))
    return total(i.amount for i in taken), tuple(taken)


# ---------------------------------------------------------------------------
# assignments
# ---------------------------------------------------------------------------

def party_default_mode(party) -> Mode:
    if party is None:
        return Mode.NONE
    if party.payment_method is not None:
        return _METHOD_MODE.get(party.payment_method, Mode.NONE)
    return Mode.DIRECT_DEBIT if party.mandates else Mode.NONE


def party_iban(party) -> str | None:
    account = party.main_bank_account if party is not None else None
    return compact(account.iban) if account is not None else None


def default_assignment(invoice: OpenInvoice, current: Assignment | None, party, *, auto_assign: bool) -> Assignment:
    """The row's assignment: the one the user kept in « Détail »; « Affectation des
    prélèvements » gives a line not yet in « Détail » the customer's default mode and banks
    when that mode is Aucun, Prélèvement or LCR (so that a later « Préparer » never undoes
    what the user changed; « Retirer toutes les affectations » starts again)."""
    base = current or Assignment(key=invoice.key, source_row=None)
    if auto_assign and party is not None and (current is None or current.source_row is None) and base.mode in AUTO_ASSIGNABLE:
        mode = party_default_mode(party)
        if mode in AUTO_ASSIGNABLE:
            return base.model_copy(update={"mode": mode, "company_bank": party.default_bank_journal or base.company_bank,
                                           "customer_iban": party_iban(party) or base.customer_iban})
    return base


def detail_rows(invoices: Iterable[OpenInvoice], assignments: Mapping[str, Assignment], parties: Mapping[str, object],
                options: SelectionOptions, collected: Mapping[str, int]) -> list[DetailRow]:
    """The detail sheet rows, in customer / date order, after the options' filters."""
    out: list[DetailRow] = []
    for inv in sorted(invoices, key=lambda i: (i.customer_code, i.entry_date, i.document_ref, i.key)):
        if not in_group(inv.customer_code, options):
            continue
        a = default_assignment(inv, assignments.get(inv.key), parties.get(inv.customer_code), auto_assign=options.auto_assign)
        if a.mode == Mode.DEPOSIT and not options.show_all_modes:
            continue
        done = collected.get(inv.key, 0)
        due, taken = due_in_period(inv.amount, inv.entry_date, a.schedule, start=options.date_from, end=options.date_to, collected_cents=done)
        fully = inv.amount > 0 and done >= int(inv.amount * 100)
        if fully and not options.show_validated:
            continue
        in_period = bool(due) or (not a.schedule and in_range(inv.entry_date, options.date_from, options.date_to))
        if not in_period and not fully:
            continue
        out.append(DetailRow(invoice=inv, assignment=a.model_copy(update={"validated": fully or a.validated}), amount_due=ZERO if fully else due,
                             collected_cents=done, in_period=in_period, schedule_rest=schedule_rest(inv.amount, a.schedule), instalments=taken))
    return out


def in_group(code: str, options: SelectionOptions) -> bool:
    """« Regroupements » Début / Fin: customer codes in the range (text order, inclusive)."""
    if options.group_from and code < options.group_from:
        return False
    if options.group_to and code > options.group_to and not code.startswith(options.group_to):
        return False
    return True


def forced_due(forced: ForcedAmount, options: SelectionOptions, collected_cents: int) -> Decimal:
    if not forced.schedule:
        return max(forced.amount - cents_to_money(collected_cents), ZERO)
    due, _ = due_in_period(forced.amount, date.min, forced.schedule, start=options.date_from, end=options.date_to, collected_cents=collected_cents)
    return due


def customer_rows(details: Sequence[DetailRow], forced: Mapping[str, ForcedAmount], parties: Mapping[str, object], *,
                  excluded: Mapping[str, str], options: SelectionOptions, collected: Mapping[str, int],
                  extra_customers: Iterable[str] = ()) -> list[CustomerRow]:
    """One row per customer account: computed amount (lines in mode Prélèvement), forced
    amount, amount to collect (the forced amount when there is one), lines, status."""
    by_code: dict[str, list[DetailRow]] = {}
    for d in details:
        by_code.setdefault(d.invoice.customer_code, []).append(d)
    codes = set(by_code) | set(forced) | {c for c in extra_customers if in_group(c, options)}
    rows: list[CustomerRow] = []
    for code in sorted(codes):
        lines = by_code.get(code, [])
        party = parties.get(code)
        active = [d for d in lines if d.assignment.mode == Mode.DIRECT_DEBIT and not d.assignment.validated]
        computed = total(d.amount_due for d in active)
        f = forced.get(code)
        forced_amount = forced_due(f, options, collected.get(f.key, 0)) if f is not None else None
        to_collect = forced_amount if f is not None else computed
        banks = [d.assignment.company_bank for d in active if d.assignment.company_bank]
        company_bank = (f.company_bank if f is not None and f.company_bank else None) or (max(set(banks), key=banks.count) if banks else None) \
            or (party.default_bank_journal if party is not None else None)
        modes = {d.assignment.mode for d in lines if not d.assignment.validated}
        mode = f.mode if f is not None else (Mode.DIRECT_DEBIT if Mode.DIRECT_DEBIT in modes else (next(iter(modes)) if len(modes) == 1 else Mode.NONE))
        reason = excluded.get(code)
        name = party.legal_name if party is not None else (lines[0].invoice.customer_label if lines else "")
        rows.append(CustomerRow(
            code=code, name=name, company_bank=company_bank, customer_iban=(f.customer_iban if f is not None and f.customer_iban else None) or party_iban(party),
            mode=mode, computed=computed, forced=forced_amount, forced_has_schedule=bool(f is not None and f.schedule), to_collect=ZERO if reason else to_collect,
            line_count=len(active), status=f"Exclu : {reason}" if reason else ("À prélever" if to_collect > 0 and mode == Mode.DIRECT_DEBIT else ("Non affecté" if not active and f is None else "")),
            excluded=bool(reason),
        ))
    return rows


def repartition(details: Sequence[DetailRow], rows: Sequence[CustomerRow]) -> tuple[list[tuple[str, Decimal]], Decimal, Decimal]:
    """« Répartition »: amount per company bank, « Total à payer », « Reste à affecter »."""
    per_bank: dict[str, Decimal] = {}
    forced_codes = {r.code for r in rows if r.forced is not None}
    excluded = {r.code for r in rows if r.excluded}
    rest = ZERO
    for d in details:
        code = d.invoice.customer_code
        if code in forced_codes or code in excluded or d.assignment.validated:
            continue
        if d.assignment.mode == Mode.NONE or not d.assignment.company_bank:
            rest += d.amount_due
        elif d.assignment.mode != Mode.DEPOSIT:
            per_bank[d.assignment.company_bank] = per_bank.get(d.assignment.company_bank, ZERO) + d.amount_due
    for r in rows:
        if r.forced is not None and not r.excluded:
            if r.company_bank:
                per_bank[r.company_bank] = per_bank.get(r.company_bank, ZERO) + r.forced
            else:
                rest += r.forced
    return sorted(per_bank.items()), total(per_bank.values()), rest
