"""Customer payments: the pure plans of the buttons that record (house style §1b).

``plan_import`` (« Importer ») and ``plan_import_ledger`` (« Importer depuis la comptabilité »)
take what the shell read — the template rows, the dossier (invoices, customers, banks, its
ledger and whether that ledger could be read), the register snapshot taken *inside* the
dossier lock, ``today`` / ``now``, the names present in the output folder and the state of the
lettered copy — and return an :class:`~reglo.core.outcome.Outcome` (entries file, register
batch, lettered copy rewrite, data for the sheets, alerts). No I/O, no clock.

Identifiers, handed out from register counters moved with the batch (so that two imports,
even in the same second, never share them):

* batch reference ``RC-<AAAAMMJJ-hhmmss>`` and entries file ``<SIREN>FEC<closing>-RC-<AAAAMMJJ-hhmmss>.txt``
  (:func:`reglo.core.fec_names.created_fec_name`; formerly ``Reglements_clients_<AAAAMMJJ-hhmmss>.txt``),
  suffixed ``-<n>`` (counter ``ref:reglement``) when already used in the register's history or
  present in the folder under either name;
* entry numbers ``RC<aammjj>-<n>``: ``n`` from the counter ``entry:<journal>``, so that they
  are unique per journal across imports.

A dossier FEC that could not be read (or read with blocking anomalies) blocks the import:
the open amounts, the settled invoices and the lettered copy depend on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Sequence

import pandas as pd

from reglo.core.alerts import Alert, alert
from reglo.core.entries import Settlement, entries_to_frame, fill_labels
from reglo.core.entries_names import entries_file_name
from reglo.core.fec import write_fec
from reglo.core.fec_names import parse_created_fec_name
from reglo.core.lettered_copy import CopyState, LedgerUpdate, ledger_update
from reglo.core.models import Entry, PaymentMethod
from reglo.core.money import ZERO, cents_to_money, to_cents
from reglo.core.outcome import BatchDraft, Outcome, OutputFile, RegisterLineDraft
from reglo.core.output_sheets import entries_sheet, lettering_sheet
from reglo.core.payments import ingest as t
from reglo.core.payments.checks import CheckResult, check_rows
from reglo.core.payments.entries import PaymentEntries, build_entries
from reglo.core.payments.ledger_import import LedgerImportResult, payments_from_ledger
from reglo.core.payments.model import (
    KIND,
    Allocation,
    BankJournal,
    Customer,
    JobSite,
    OpenInvoice,
    Payment,
    PaymentReference,
    PriorImport,
    RowStatus,
)
from reglo.core.payments.synthesis import Synthesis, job_site_synthesis
from reglo.core.register_state import BatchState, RegisterSnapshot

REF_COUNTER = "ref:reglement"
ENTRIES_PREFIX = "Reglements_clients_"


# ---------------------------------------------------------------------------
# register snapshot → reference data
# ---------------------------------------------------------------------------

def _shown(b: BatchState) -> str:
    return f"{b.created_at:%d/%m/%Y}"


def prior_imports(register: RegisterSnapshot) -> dict[str, PriorImport]:
    """Payment keys of the live customer-payment batches, with their batch and date."""
    known: dict[str, PriorImport] = {}
    for b in register.live(KIND):
        for line in b.lines:
            if line.payment_key:
                known[line.payment_key] = PriorImport(batch=b.id, imported_on=_shown(b))
    return known


def recorded_allocations(register: RegisterSnapshot) -> list[Allocation]:
    """Every allocation recorded by live batches (for the job-site synthesis)."""
    out: list[Allocation] = []
    for b in register.live(KIND):
        for line in b.lines:
            m = line.meta
            method = m.get("method")
            pay = Payment(
                payment_key=line.payment_key or f"{b.id}-{len(out)}", payment_date=date.fromisoformat(m["date"]),
                invoice_number=line.document_ref, customer_code=line.party_code,
                amount=cents_to_money(line.amount_cents + int(m.get("excess_cents", 0))),
                method=PaymentMethod(method) if method else None, reference=m.get("reference", ""),
                bank_journal=m.get("bank", ""), job_site_code=m.get("job_site", ""), source=m.get("source", "excel"),
            )
            out.append(Allocation(payment=pay, applied=cents_to_money(line.amount_cents), excess=cents_to_money(int(m.get("excess_cents", 0))), open_before=ZERO, open_after=ZERO))
    return out


def known_amounts(register: RegisterSnapshot) -> dict[str, list[PriorImport]]:
    """Live template payments by ``customer|invoice|cents`` (any date)."""
    out: dict[str, list[PriorImport]] = {}
    for b in register.live(KIND):
        for line in b.lines:
            m = line.meta
            if m.get("source", "excel") != "excel":
                continue
            cents = line.amount_cents + int(m.get("excess_cents", 0))
            out.setdefault(f"{line.party_code}|{line.document_ref}|{cents}", []).append(PriorImport(batch=b.id, imported_on=_shown(b)))
    return out


def recorded_lettering_codes(register: RegisterSnapshot) -> set[str]:
    """Lettering codes handed out by earlier imports (not yet in the ledger, maybe)."""
    return {l.meta["lettering"] for b in register.batches if b.kind == KIND for l in b.lines if l.meta.get("lettering")}


def build_reference(dossier: Any, ledger: pd.DataFrame | None, register: RegisterSnapshot, *, use_ledger: bool = True) -> PaymentReference:
    """Open invoices, customers, banks. An invoice's open amount is TTC minus what the
    register already allocated, never more than what the dossier's ledger still shows
    open on its 411 lines (``use_ledger``; off for the import *from* that ledger, whose
    payment lines are the very payments being imported)."""
    from reglo.core.payments.ledger_open import ledger_open_amounts

    d = dossier
    paid = register.paid_cents_by_item(KIND)
    numbers = [t.code(i.invoice_number) for i in d.invoices if i.gross > 0]
    in_ledger = ledger_open_amounts(ledger, numbers) if use_ledger else {}
    invoices: dict[str, OpenInvoice] = {}
    for inv in d.invoices:
        if inv.gross <= 0:  # credit notes are not paid by a customer payment
            continue
        number = t.code(inv.invoice_number)
        lo = in_ledger.get(number)
        invoices[number] = OpenInvoice(  # values from the validated dossier
            invoice_number=number, customer_code=t.code(inv.customer_code), invoice_date=inv.invoice_date, due_date=inv.due_date,
            amount=inv.gross, received=cents_to_money(paid.get(f"invoice:{number}", 0)), job_site_code=t.code(inv.job_site_code),
            source_row=inv.source_row, ledger_open=lo.open_amount if lo else None,
            settled_code=lo.settled_code if lo else "", settled_on=lo.settled_on if lo else None,
        )
    customers = {t.code(p.code): Customer(code=t.code(p.code), legal_name=p.legal_name, control_account=p.control_account, default_bank_journal=t.code(p.default_bank_journal) or None) for p in d.customers}
    banks = {t.code(b.journal_code): BankJournal(journal_code=t.code(b.journal_code), ledger_account=b.ledger_account, label=b.label) for b in d.company.bank_accounts}
    sites = {t.code(s.code): JobSite(code=t.code(s.code), label=s.label, customer_code=t.code(s.customer_code)) for s in d.job_sites}
    return PaymentReference(invoices=invoices, customers=customers, banks=banks, job_sites=sites,
                            fiscal_year_start=d.company.fiscal_year_start, fiscal_year_end=d.company.fiscal_year_end,
                            known_keys=prior_imports(register), known_amounts=known_amounts(register))


def all_invoices(dossier: Any) -> list[OpenInvoice]:
    """Every invoice and credit note (for the « invoiced » column of the synthesis)."""
    return [OpenInvoice(invoice_number=t.code(i.invoice_number), customer_code=t.code(i.customer_code), invoice_date=i.invoice_date,
                        amount=i.gross, job_site_code=t.code(i.job_site_code)) for i in dossier.invoices]


def synthesis(dossier: Any, ledger: pd.DataFrame | None, register: RegisterSnapshot, pending: Sequence[Allocation] = ()) -> Synthesis:
    """The job-site synthesis from every recorded allocation, plus ``pending`` (this run's)."""
    ref = build_reference(dossier, ledger, register)
    return job_site_synthesis(all_invoices(dossier), recorded_allocations(register) + list(pending), job_sites=ref.job_sites)


# ---------------------------------------------------------------------------
# the template
# ---------------------------------------------------------------------------

@dataclass
class TemplateRows:
    sheet: str
    header_row: int
    columns: dict[str, str]  # contract header -> header as written in the sheet
    rows: list[tuple[int, dict[str, Any]]]
    alerts: list[Alert] = field(default_factory=list)
    headers: list[Any] = field(default_factory=list)  # the header row's values as written
    missing: list[str] = field(default_factory=list)  # required contract headers absent from the sheet


def sheet_columns(alerts: Iterable[Alert], tpl: TemplateRows) -> list[Alert]:
    """Alerts name contract headers; point them at the header as written in the sheet."""
    out = []
    for a in alerts:
        if a.sheet == tpl.sheet and a.column in tpl.columns and tpl.columns[a.column] != a.column:
            a = a.model_copy(update={"column": tpl.columns[a.column]})
        elif a.sheet == t.SHEET and tpl.sheet != t.SHEET:
            a = a.model_copy(update={"sheet": tpl.sheet})
        out.append(a)
    return out


def without_columns(result: CheckResult, missing: list[str], *, shown: list[str] | None = None) -> CheckResult:
    """A required column is missing: nothing can be imported; the alerts about the absent
    cells are dropped (the column's alert says it), the other checks stay; rows without
    another blocking alert are counted « non vérifiées »."""
    gone = set(missing)
    alerts = [a for a in result.alerts if a.column not in gone]
    blocked = {a.row for a in alerts if a.is_blocking}
    warned = {a.row for a in alerts if not a.is_blocking}
    status = {r: RowStatus.BLOCKING if r in blocked else (RowStatus.WARNING if r in warned else RowStatus.BLOCKING) for r in result.status}
    unchecked = sum(1 for r in result.status if r not in blocked)
    out = CheckResult(payments=[], allocations=[], alerts=alerts, status=status, rows=result.rows)
    out.totals = {**result.totals, "ok": 0, "warning": 0, "blocking": result.rows, "unchecked": unchecked, "accepted_amount": ZERO,
                  "applied_amount": ZERO, "excess_amount": ZERO, "settled_invoices": 0, "missing_columns": ", ".join(shown or missing)}
    return out


def check(tpl: TemplateRows, ref: PaymentReference, *, today: date) -> tuple[CheckResult, list[Alert]]:
    """« Contrôler »: every row checked against the reference."""
    result = check_rows(tpl.rows, ref, today=today, sheet=tpl.sheet)
    if tpl.missing:
        absent = [h for h in t.HEADERS if h not in tpl.columns]
        result = without_columns(result, sorted(set(tpl.missing) | set(absent)), shown=tpl.missing)
    return result, tpl.alerts + sheet_columns(result.alerts, tpl)


# ---------------------------------------------------------------------------
# entries, lettering, register lines
# ---------------------------------------------------------------------------

def entries_frame(entries: list[Entry], ledger: pd.DataFrame | None, ref: PaymentReference) -> pd.DataFrame:
    """Ledger rows of the payment entries, labels filled (``reglo.core.entries.fill_labels``), no
    lettering yet (``payment_settlements`` hands the codes out against the ledger)."""
    frame = entries_to_frame(entries)
    frame["lettering_code"] = ""
    frame["lettered_on"] = pd.Series(pd.NaT, index=frame.index).astype(frame["lettered_on"].dtype)
    journals = {b.journal_code: b.label for b in ref.banks.values()}
    names = {c.code: c.legal_name for c in ref.customers.values()}
    return fill_labels(frame, ledger=ledger, journal_labels=journals, party_names=names)


def settled_invoices(allocations: Sequence[Allocation]) -> list[Any]:
    """One payment per invoice paid by the run (the first one), in order: the settlements'
    order in ``payment_settlements``."""
    seen: dict[tuple[str, str], Any] = {}
    for a in allocations:
        if a.applied > ZERO:
            seen.setdefault((a.payment.customer_code, a.payment.invoice_number), a.payment)
    return list(seen.values())


def payment_settlements(ledger: pd.DataFrame, allocations: Sequence[Allocation], entries: Sequence[Entry]) -> list[Settlement]:
    """Per invoice paid: its 411 debit line(s) in ``ledger`` (auxiliary = customer, PieceRef
    = invoice number) and the 411 credit lines of the run's entries that pay it."""
    paying: dict[tuple[str, str], list[int]] = {}
    pos = 0
    for a, e in zip(allocations, entries):
        if a.applied > ZERO:
            paying.setdefault((a.payment.customer_code, a.payment.invoice_number), []).append(pos + 1)
        pos += len(e.lines)
    if ledger.empty:
        invoice_rows: dict[tuple[str, str], list[int]] = {}
    else:
        m = (ledger["subledger_account"] != "") & (ledger["debit"] > 0) & ledger["ledger_account"].str.startswith("41")
        sub = ledger.loc[m, ["subledger_account", "document_ref", "source_row"]]
        invoice_rows = {}
        for aux, doc, row in zip(sub["subledger_account"].tolist(), sub["document_ref"].str.strip().tolist(), sub["source_row"].tolist()):
            invoice_rows.setdefault((aux, doc), []).append(int(row))
    out = []
    for p in settled_invoices(allocations):
        k = (p.customer_code, p.invoice_number)
        out.append(Settlement(account=p.customer_code, ledger_rows=tuple(invoice_rows.get(k, ())), entry_rows=tuple(paying.get(k, ())),
                              reason=f"Règlement de la facture {p.invoice_number}"))
    return out


def register_lines(allocations: Sequence[Allocation], letters: dict[str, str] | None = None) -> tuple[RegisterLineDraft, ...]:
    letters = letters or {}
    lines = []
    for a in allocations:
        p = a.payment
        lines.append(RegisterLineDraft(
            item_key=f"invoice:{p.invoice_number}", amount_cents=to_cents(a.applied), payment_key=p.payment_key,
            party_code=p.customer_code, document_ref=p.invoice_number,
            meta={"date": p.payment_date.isoformat(), "excess_cents": to_cents(a.excess), "method": p.method.value if p.method else "",
                  "reference": p.reference, "bank": p.bank_journal, "job_site": p.job_site_code, "source": p.source,
                  "source_row": p.source_row, "settles": a.settles_invoice,
                  "lettering": letters.get(p.invoice_number, "") if a.settles_invoice else ""},
        ))
    return tuple(lines)


def number_per_journal(entries: Sequence[Entry], register: RegisterSnapshot, prefix: str) -> tuple[list[Entry], dict[str, int]]:
    """Entry numbers ``<prefix><n>`` with ``n`` following the register counter ``entry:<journal>``
    of each journal; returns the entries and the counters' new values."""
    counters: dict[str, int] = {}
    out = []
    for e in entries:
        name = f"entry:{e.journal_code}"
        n = counters.get(name, register.counter(name)) + 1
        counters[name] = n
        out.append(e.model_copy(update={"entry_number": f"{prefix}{n}"}))
    return out, counters


def entries_name(reference: str, *, siren: str | None = None, fiscal_year_end: date | None = None, entry_date: date | None = None) -> str:
    """The entries file of batch ``reference`` (``RC-<stamp>[-n]``): ``<SIREN>FEC<closing>-<reference>.txt``,
    or without a SIREN the former ``Reglements_clients_<stamp>[-n].txt``."""
    legacy = f"{ENTRIES_PREFIX}{reference.removeprefix('RC-')}.txt"
    if entry_date is None:
        return legacy
    return entries_file_name(siren, fiscal_year_end, entry_date, reference, legacy=legacy)


def batch_reference(register: RegisterSnapshot, now: datetime, existing: Iterable[str], *, prefix: str = "RC-", with_file: bool = True,
                    siren: str | None = None, fiscal_year_end: date | None = None) -> tuple[str, str, int]:
    """(reference, entries file name, new value of ``ref:reglement``): ``RC-<stamp>`` and its
    entries file (:func:`entries_name`, dated ``now``), suffixed ``-<n>`` when the reference is
    used or an entries file of it, under the new or the former name, is already there."""
    stamp = f"{now:%Y%m%d-%H%M%S}"
    used = {b.reference for b in register.batches}
    names = set(existing) | register.file_names()
    created = {parsed[2] for parsed in map(parse_created_fec_name, names) if parsed}
    n = register.counter(REF_COUNTER) + 1

    def free(suffix: str) -> bool:
        ref = f"{prefix}{stamp}{suffix}"
        return ref not in used and (not with_file or (f"{ENTRIES_PREFIX}{stamp}{suffix}.txt" not in names and ref not in created))

    suffix = ""
    if not free(""):
        while not free(f"-{n}"):
            n += 1
        suffix = f"-{n}"
    ref = f"{prefix}{stamp}{suffix}"
    return ref, entries_name(ref, siren=siren, fiscal_year_end=fiscal_year_end, entry_date=now.date()), n


def fec_alerts(dossier_alerts: Iterable[Alert], fec_name: str | None) -> list[Alert]:
    """A blocking alert when the dossier FEC could not be read (or only with blocking anomalies)."""
    bad = [a for a in dossier_alerts if a.is_blocking and a.sheet == "FEC"]
    if not bad:
        return []
    return [alert("PAY_DOSSIER_FEC_UNREADABLE", file=fec_name or "FEC du dossier", detail=bad[0].message[:300], count=len(bad))]


# ---------------------------------------------------------------------------
# « Importer »
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentsDossierView:
    """What the plans need of the dossier (read by the shell)."""

    dossier: Any  # reglo.core.dossier.Dossier
    ledger: pd.DataFrame | None
    alerts: tuple[Alert, ...] = ()
    fec_name: str | None = None

    def used_lettering_codes(self) -> set[str]:
        if self.ledger is None or self.ledger.empty:
            return set()
        return set(self.ledger["lettering_code"].unique()) - {""}


def plan_import(
    tpl: TemplateRows,
    dossier: PaymentsDossierView,
    register: RegisterSnapshot,
    *,
    today: date,
    now: datetime,
    folder: str = "",
    existing_names: Iterable[str] = (),
    copy_state: CopyState | None = None,
    write_entries_file: bool = True,
    workbook_name: str | None = None,
) -> Outcome:
    """« Importer »: check, allocate the rows without blocking alert, entries, lettered copy,
    register batch. The rows' blocking alerts (rows left in the sheet) are in ``data["alerts"]``
    only: the outcome's own alerts block the whole import.
    ``data``: ``result`` (:class:`CheckResult`), ``alerts`` (every alert to show),
    and when something is imported ``entries`` (:class:`PaymentEntries`), ``frame``,
    ``update`` (:class:`LedgerUpdate`), ``letters``, ``synthesis``, ``reference``, ``file_name``."""
    ref = build_reference(dossier.dossier, dossier.ledger, register)
    result, alerts = check(tpl, ref, today=today)
    blocked_fec = fec_alerts(dossier.alerts, dossier.fec_name)
    if blocked_fec:
        return Outcome(alerts=tuple(blocked_fec + alerts), summary="Import annulé : le FEC du dossier est illisible. Rien n'a été enregistré ni écrit.",
                       data={"result": result, "alerts": blocked_fec + alerts, "fec_blocked": True})
    if not result.allocations:
        return Outcome(alerts=tuple(a for a in alerts if not a.is_blocking), data={"result": result, "alerts": alerts})
    company = dossier.dossier.company
    reference, file_name, ref_counter = batch_reference(register, now, existing_names, with_file=write_entries_file)
    pe: PaymentEntries = build_entries(result.allocations, ref, used_lettering_codes=dossier.used_lettering_codes() | recorded_lettering_codes(register),
                                       entry_prefix=f"RC{now:%y%m%d}-")
    numbered, counters = number_per_journal(pe.entries, register, f"RC{now:%y%m%d}-")
    pe.entries = numbered
    frame = entries_frame(pe.entries, dossier.ledger, ref)
    base = dossier.ledger if dossier.ledger is not None else frame.iloc[0:0]
    update: LedgerUpdate = ledger_update(copy_state, base, frame, lambda b: payment_settlements(b, result.allocations, pe.entries), now=now,
                                         fiscal_year_end=dossier.dossier.company.fiscal_year_end)
    alerts = alerts + update.alerts
    if update.blocking:  # the lettered copy is unreadable: never overwrite it
        return Outcome(alerts=tuple(alerts), summary="Import annulé : la copie lettrée du grand livre est illisible (voir « Contrôle »). Rien n'a été enregistré ni écrit.",
                       data={"result": result, "alerts": alerts, "copy_blocked": True})
    frame = update.lettering.entries
    letters = {p.invoice_number: c for p, c in zip(settled_invoices(result.allocations), update.lettering.codes) if c}
    pe.letterings = sorted(letters.items())
    batch = BatchDraft(kind=KIND, reference=reference, lines=register_lines(result.allocations, letters),
                       meta={"rows": result.totals.get("rows", 0), "source": "excel", "workbook": workbook_name or ""})
    if pe.entries:  # named after the fiscal year of its first entry
        file_name = entries_name(reference, siren=company.siren, fiscal_year_end=company.fiscal_year_end, entry_date=pe.entries[0].entry_date)
    files = (OutputFile(folder=folder, name=file_name, data=write_fec(frame), role="entries"),) if write_entries_file else ()
    syn = synthesis(dossier.dossier, dossier.ledger, register, result.allocations)
    return Outcome(alerts=tuple(a for a in alerts if not a.is_blocking), batch=batch, files=files, ledger=update.rewrite() if write_entries_file else None,
                   counters={REF_COUNTER: ref_counter, **counters}, sheets=(entries_sheet(frame), lettering_sheet(update)),
                   data={"result": result, "alerts": alerts, "entries": pe, "frame": frame, "update": update, "letters": letters,
                         "synthesis": syn, "reference": reference, "file_name": file_name if write_entries_file else None})


def plan_import_ledger(frame: pd.DataFrame, dossier: PaymentsDossierView, register: RegisterSnapshot, *, now: datetime,
                       file_name: str | None = None) -> Outcome:
    """« Importer depuis la comptabilité »: the payments of the bank journals of a FEC, one
    line per invoice, recorded as a batch (no file: the entries are already booked).
    ``data``: ``res`` (:class:`LedgerImportResult`), ``synthesis``."""
    ref = build_reference(dossier.dossier, dossier.ledger, register, use_ledger=False)
    res: LedgerImportResult = payments_from_ledger(frame, ref)
    data: dict[str, Any] = {"res": res}
    data["alerts"] = list(res.alerts)
    quiet = tuple(a for a in res.alerts if not a.is_blocking)  # rejected lines: listed, they block nothing else
    if not res.allocations:
        data["synthesis"] = synthesis(dossier.dossier, dossier.ledger, register)
        return Outcome(alerts=quiet, data=data)
    reference, _, n = batch_reference(register, now, (), prefix="RC-FEC-", with_file=False)
    batch = BatchDraft(kind=KIND, reference=reference, lines=register_lines(res.allocations),
                       meta={"source": "fec", "considered": res.considered, "ledger_file": file_name or ""})
    data["synthesis"] = synthesis(dossier.dossier, dossier.ledger, register, res.allocations)
    return Outcome(alerts=quiet, batch=batch, counters={REF_COUNTER: n}, data=data)
