"""Import to preview: which ledger lines are due to suppliers (and other payees).

Selection (issue 6, point 2):

* unlettered **credit** lines of accounts under the roots (401 by default plus the
  « Racines des comptes (autres que fournisseurs) »), due within the period (due date, else
  document date, else entry date) and booked in one of the chosen journals;
* with « Importer les débits non lettrés », every unlettered **debit** line of those
  accounts in the fiscal year, whatever its journal and due date, shown **negative**.

The payment register then says what Reglo already paid. Each active transfer file line is
an allocation (invoice settled, or debit line consumed inside a group). An allocation
counts (reduces the line's « Reste à payer ») unless its transfer is already *booked* in
the ledger as a debit line that this import shows as a negative line — then the ledger
line itself represents the payment. Processing transfers from the latest to the oldest
makes the rule well defined when a booked payment is itself consumed by a later transfer.

This reproduces the product example: invoice 1 200 € due 29/03/2023, transfer edited to
1 000 € on 31/03/2023 and booked; the March re-import with debits shows the invoice
1 200 € and the payment −1 000 € (and, without the debits option, the invoice with its
balance of 200 € so that nothing is paid twice).
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Iterable, Mapping, Sequence

import pandas as pd

from reglo.core.alerts import Alert, Severity, alert
from reglo.core.ledger import as_date
from reglo.core.money import ZERO, cents_to_money, format_fr
from reglo.core.transfers.models import ImportResult, LineKind, PaidAllocation, PreviewLine, TransferParameters

SHEET = "Prévisualisation virements"
E2E_PATTERN = re.compile(r"VIR\d{14}-\d{4,6}")
"""End-to-end ids Reglo generates (``reglo.core.transfers.plan.end_to_end_id``), found back in
ledger labels / piece refs of booked payments."""


def line_keys(frame: pd.DataFrame) -> pd.Series:
    """A stable key per ledger line: journal|entry|account|piece|side+cents (#n if repeated)."""
    aux = frame["subledger_account"]
    account = aux.where(aux != "", frame["ledger_account"])
    net = frame["credit"] - frame["debit"]
    side = pd.Series([f"C{c}" if c > 0 else f"D{-c}" for c in net.tolist()], index=frame.index, dtype="str")
    base = frame["journal_code"] + "|" + frame["entry_number"] + "|" + account + "|" + frame["document_ref"] + "|" + side
    dup = base.groupby(base).cumcount()
    return base.where(dup == 0, base + "#" + dup.astype(str))


def _in_roots(accounts: pd.Series, roots: Sequence[str]) -> pd.Series:
    return accounts.str.startswith(tuple(roots)) if roots else pd.Series(False, index=accounts.index)


def import_lines(
    frame: pd.DataFrame,
    params: TransferParameters,
    *,
    allocations: Iterable[PaidAllocation] = (),
    party_names: Mapping[str, str] | None = None,
    sheet: str = SHEET,
) -> ImportResult:
    """Build the preview lines from a ledger frame (``reglo.core.ledger.COLUMNS``) and the register."""
    names = party_names or {}
    alerts: list[Alert] = []
    base = frame[_in_roots(frame["ledger_account"], params.roots) & (frame["lettering_code"].str.strip() == "")]
    base = base.assign(key=line_keys(base), net=base["credit"] - base["debit"])
    base = base[base["net"] != 0]

    due = base["due_date"].fillna(base["document_date"]).fillna(base["entry_date"])
    credits = base[(base["net"] > 0) & (due >= pd.Timestamp(params.period_start)) & (due <= pd.Timestamp(params.period_end))]
    if params.journals:
        credits = credits[credits["journal_code"].isin(params.journals)]
    debits = base[base["net"] < 0]
    if params.fiscal_year_start:
        debits = debits[debits["entry_date"] >= pd.Timestamp(params.fiscal_year_start)]
    if params.fiscal_year_end:
        debits = debits[debits["entry_date"] <= pd.Timestamp(params.fiscal_year_end)]
    shown_debits = debits if params.import_debits else debits.iloc[0:0]

    counted = counted_allocations(list(allocations), base, set(shown_debits["key"]))
    allocated: dict[str, int] = defaultdict(int)
    for a in counted:
        allocated[a.item_key] += a.amount_cents

    lines: list[dict] = []
    for kind, part in ((LineKind.INVOICE, credits), (LineKind.DEBIT, shown_debits)):
        for rec in part.to_dict("records"):
            original = int(rec["net"])
            remaining = original - allocated.get(rec["key"], 0)
            if remaining == 0 or (remaining > 0) != (original > 0):
                continue  # settled (or over-settled) by transfers Reglo already made
            rec.update(kind=kind, original=original, remaining=remaining, paid_before=allocated.get(rec["key"], 0))
            lines.append(rec)

    lines.sort(key=lambda r: (_beneficiary(r), r["kind"] != LineKind.INVOICE, as_date(r["due_date"]) or as_date(r["entry_date"]) or date.min, r["document_ref"], r["key"]))
    by_beneficiary: dict[str, int] = defaultdict(int)
    for r in lines:
        if _is_eur(r["currency"]):
            by_beneficiary[_beneficiary(r)] += r["remaining"]

    out: list[PreviewLine] = []
    for n, r in enumerate(lines, start=1):
        who = _beneficiary(r)
        eur = _is_eur(r["currency"])
        name = names.get(who) or r["subledger_label"] or r["ledger_account_label"] or who
        out.append(
            PreviewLine(
                line_no=n,
                key=r["key"],
                beneficiary=who,
                beneficiary_name=name,
                ledger_account=r["ledger_account"],
                journal_code=r["journal_code"],
                entry_number=r["entry_number"],
                entry_date=as_date(r["entry_date"]) or date(1900, 1, 1),
                document_ref=r["document_ref"],
                label=r["label"],
                due_date=as_date(r["due_date"]),
                kind=r["kind"],
                original_amount=cents_to_money(r["original"]),
                open_amount=cents_to_money(r["remaining"]),
                amount=cents_to_money(r["remaining"]),
                selected=eur and by_beneficiary[who] > 0,
                group="1",
                currency=r["currency"],
                paid_before_cents=r["paid_before"],
                source_row=int(r["source_row"]),
            )
        )
        line = out[-1]
        if not eur:
            alerts.append(alert("CURRENCY_NOT_EUR", sheet=sheet, row=n + 1, column="Montant", severity=Severity.WARNING, currency=r["currency"], document=line.document_ref or line.key))
        if line.kind is LineKind.INVOICE and line.due_date is None:
            used = as_date(r["document_date"]) or line.entry_date
            alerts.append(alert("DUE_DATE_MISSING", sheet=sheet, row=n + 1, column="Échéance", document=line.document_ref or line.key, used=used.strftime("%d/%m/%Y")))
        if line.kind is LineKind.INVOICE and r["paid_before"] > 0:
            files = sorted({a.file_name or a.end_to_end_id for a in counted if a.item_key == line.key})
            alerts.append(alert("PARTLY_PAID", sheet=sheet, row=n + 1, column="Montant", document=line.document_ref or line.key, paid=format_fr(cents_to_money(r["paid_before"])), files=", ".join(files), balance=format_fr(line.open_amount), original=format_fr(line.original_amount)))
    if not out:
        alerts.append(
            alert(
                "NOTHING_IMPORTED",
                sheet=sheet,
                start=params.period_start.strftime("%d/%m/%Y"),
                end=params.period_end.strftime("%d/%m/%Y"),
                roots=", ".join(params.roots),
                journals=", ".join(params.journals) or "tous",
            )
        )
    return ImportResult(lines=tuple(out), alerts=tuple(alerts))


def counted_allocations(allocations: list[PaidAllocation], base: pd.DataFrame, shown_keys: set[str]) -> list[PaidAllocation]:
    """The register allocations that still reduce what is due (see module docstring).

    ``base`` holds the unlettered lines of the roots with their ``key``; ``shown_keys`` the
    keys of the debit lines this import shows as negative lines.
    """
    if not allocations:
        return []
    e2e_ids = {a.end_to_end_id for a in allocations if a.end_to_end_id}
    booking: dict[str, str] = {}  # e2e id -> key of the ledger debit line that books it
    debit_lines = base[base["net"] < 0]
    for rec in debit_lines[["key", "label", "document_ref"]].to_dict("records"):
        for token in E2E_PATTERN.findall(rec["label"] + " " + rec["document_ref"]):
            if token in e2e_ids:
                booking.setdefault(token, rec["key"])
    by_transfer: dict[tuple[int, str], list[PaidAllocation]] = defaultdict(list)
    for a in allocations:
        by_transfer[(a.batch_id, a.end_to_end_id)].append(a)
    counted: list[PaidAllocation] = []
    consumed: dict[str, int] = defaultdict(int)  # by counted transfers, latest first
    original = dict(zip(base["key"], base["net"]))
    for (_, e2e), allocs in sorted(by_transfer.items(), key=lambda kv: (kv[0][0], kv[0][1]), reverse=True):
        key = booking.get(e2e)
        booked_and_shown = key is not None and key in shown_keys and original.get(key, 0) - consumed.get(key, 0) != 0
        if booked_and_shown:
            continue
        counted.extend(allocs)
        for a in allocs:
            consumed[a.item_key] += a.amount_cents
    return counted


def _beneficiary(rec: Mapping) -> str:
    return rec["subledger_account"] or rec["ledger_account"]


def _is_eur(currency: str) -> bool:
    return currency.strip().upper() in ("", "EUR")


def selected_total(lines: Iterable[PreviewLine]):
    return sum((l.amount for l in lines if l.selected), ZERO)
