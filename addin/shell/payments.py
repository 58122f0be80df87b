"""Customer payments, workbook side: read the template, check, import, write the outputs.

The same functions serve the ribbon (``xw.Book`` through ``as_workbook``) and the CLI
(``FileWorkbook``). Business rules live in ``reglo.core.payments``; this module only
translates: dossier + payment register → ``PaymentReference``, sheet → rows, results →
« Contrôle » (via the painter), « Synthèse chantiers » (with a bar chart on files),
« Écritures » and a FEC file of the payment entries, and batches in the register.

Payment register (``reglo-registre.sqlite`` beside the dossier): one batch of kind
``customer_payments`` per import; one line per payment, ``item_key = "invoice:<n°>"``,
``amount_cents`` = part allocated to the invoice, ``payment_key`` = the payment's
fingerprint (customer, invoice, date, amount) — unique among active batches, so that the
same payment can never be imported twice (from Excel or from the ledger); the overpayment
and the payment details are in the line's ``meta``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from reglo.addin.shell.register import DuplicatePaymentError, PaymentRegister, RegisterLine, StagedFiles
from reglo.addin.shell.settlements import LedgerUpdate, prepare_ledger_update, write_lettering_sheet
from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, Workbook, WorkbookError, as_workbook, atomic_write
from reglo.core.alerts import Alert, alert, count_by_severity, Severity
from reglo.core.entries import Settlement, entries_to_frame, fill_labels
from reglo.core.models import Entry
from reglo.core.fec import write_fec
from reglo.core.models import PaymentMethod
from reglo.core.money import ZERO, cents_to_money, format_display, to_cents
from reglo.core.payments import (
    KIND,
    Allocation,
    BankJournal,
    CheckResult,
    Customer,
    JobSite,
    OpenInvoice,
    Payment,
    PaymentReference,
    PriorImport,
    Synthesis,
    build_entries,
    check_rows,
    job_site_synthesis,
    payments_from_ledger,
)
from reglo.core.payments import ingest as t

CONTROL_SHEET = "Contrôle"
SYNTHESIS_SHEET = "Synthèse chantiers"
ENTRIES_SHEET = "Écritures"
LEDGER_SHEET = "Import comptabilité"
ALLOCATION_SHEET = "Imputations"
OWNER = "payments"
PCT_FORMAT = "0.0%"
CHECK_TITLE = "Contrôle des règlements clients — Reglo"


# ---------------------------------------------------------------------------
# dossier → reference
# ---------------------------------------------------------------------------

@dataclass
class PaymentsDossier:
    """What the payment workflow needs from a loaded dossier."""

    dossier: Any  # reglo.core.dossier.Dossier
    register: PaymentRegister
    folder: Path
    ledger: pd.DataFrame | None = None  # ledger frame of the dossier's FEC (lettering codes in use)
    alerts: list[Alert] = field(default_factory=list)
    fec_path: Path | None = None  # the dossier's FEC (its lettered copy is written beside it)

    @classmethod
    def load(cls, path: str | Path) -> "PaymentsDossier":
        """Load with ``reglo.addin.shell.dossier.load_dossier`` (folder or dossier.xlsx)."""
        from reglo.addin.shell.dossier import load_dossier

        return cls.from_loaded(load_dossier(path))

    @classmethod
    def from_loaded(cls, loaded: Any) -> "PaymentsDossier":
        """From an ``reglo.addin.shell.dossier.LoadedDossier``."""
        register = getattr(loaded, "register", None) or PaymentRegister.beside(loaded.folder)
        if not isinstance(register, PaymentRegister):
            register = PaymentRegister(register)
        ledger = getattr(loaded, "ledger", None)
        fec = getattr(loaded, "fec_path", None)
        return cls(loaded.dossier, register, Path(loaded.folder), ledger.frame if ledger is not None else None, list(getattr(loaded, "alerts", []) or []),
                   Path(fec) if fec else None)

    def used_lettering_codes(self) -> set[str]:
        if self.ledger is None or self.ledger.empty:
            return set()
        return set(self.ledger["lettering_code"].unique()) - {""}


def prior_imports(register: PaymentRegister) -> dict[str, PriorImport]:
    """Payment keys of the active customer-payment batches, with their batch and date."""
    known: dict[str, PriorImport] = {}
    for b in register.batches(kind=KIND, status="active"):
        day = b.created_at[:10]
        shown = f"{day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) == 10 else b.created_at
        for line in register.lines(b.id):
            if line.payment_key:
                known[line.payment_key] = PriorImport(batch=b.id, imported_on=shown)
    return known


def recorded_allocations(register: PaymentRegister) -> list[Allocation]:
    """Every allocation recorded by active batches (for the job-site synthesis)."""
    out: list[Allocation] = []
    for b in register.batches(kind=KIND, status="active"):
        for line in register.lines(b.id):
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


def known_amounts(register: PaymentRegister) -> dict[str, list[PriorImport]]:
    """Active template payments by ``customer|invoice|cents`` (any date)."""
    out: dict[str, list[PriorImport]] = {}
    for b in register.batches(kind=KIND, status="active"):
        day = b.created_at[:10]
        shown = f"{day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) == 10 else b.created_at
        for line in register.lines(b.id):
            m = line.meta
            if m.get("source", "excel") != "excel":
                continue
            cents = line.amount_cents + int(m.get("excess_cents", 0))
            out.setdefault(f"{line.party_code}|{line.document_ref}|{cents}", []).append(PriorImport(batch=b.id, imported_on=shown))
    return out


def build_reference(pd_: PaymentsDossier, *, use_ledger: bool = True) -> PaymentReference:
    """Open invoices, customers, banks. An invoice's open amount is TTC minus what the
    register already allocated, never more than what the dossier's ledger still shows
    open on its 411 lines (``use_ledger``; off for the import *from* that ledger, whose
    payment lines are the very payments being imported)."""
    from reglo.core.payments.ledger_open import ledger_open_amounts

    d = pd_.dossier
    paid = pd_.register.paid_cents_by_item(kind=KIND)
    numbers = [t.code(i.invoice_number) for i in d.invoices if i.gross > 0]
    in_ledger = ledger_open_amounts(pd_.ledger, numbers) if use_ledger else {}
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
                            known_keys=prior_imports(pd_.register), known_amounts=known_amounts(pd_.register))


def all_invoices(pd_: PaymentsDossier) -> list[OpenInvoice]:
    """Every invoice and credit note (for the « invoiced » column of the synthesis)."""
    return [OpenInvoice(invoice_number=t.code(i.invoice_number), customer_code=t.code(i.customer_code), invoice_date=i.invoice_date,
                        amount=i.gross, job_site_code=t.code(i.job_site_code)) for i in pd_.dossier.invoices]


# ---------------------------------------------------------------------------
# reading the template
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


def find_header(values: list[list[Any]]) -> tuple[int, dict[str, str]] | None:
    for i, line in enumerate(values[:30], start=1):
        labels = [str(v).strip() for v in line if v not in (None, "")]
        mapping = t.header_map(labels)
        if all(h in mapping.values() for h in t.REQUIRED):
            return i, mapping
    return None


def rows_from_values(sheet: str, values: list[list[Any]]) -> TemplateRows:
    found = find_header(values)
    missing: list[str] = []
    header_alerts: list[Alert] = []
    if found is None:  # a required column is missing: the best header row, its rows not checkable in full
        best = _best_header(values)
        header_row, mapping = best if best is not None else (1, t.header_map([str(v) for v in (values[0] if values else []) if v not in (None, "")]))
        missing = [h for h in t.REQUIRED if h not in mapping.values()]
        header_alerts = [alert("COLUMN_MISSING", sheet=sheet, row=header_row, name=h, expected=", ".join(t.HEADERS)) for h in missing]
        if best is None:  # no recognisable header: every non-empty row below is counted, not checked
            rows0 = [(n, {}) for n, line in enumerate(values[header_row:], start=header_row + 1) if any(v not in (None, "") for v in line)]
            return TemplateRows(sheet, header_row, {}, rows0, header_alerts, missing=missing)
    else:
        header_row, mapping = found
    header = values[header_row - 1]
    index = {mapping[str(v).strip()]: j for j, v in enumerate(header) if v not in (None, "") and str(v).strip() in mapping}
    rows: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(values[header_row:], start=header_row + 1):
        if not any(v not in (None, "") for v in line):
            continue
        rows.append((n, {h: (line[j] if j < len(line) else None) for h, j in index.items()}))
    alerts = header_alerts + ([] if rows else [alert("SHEET_EMPTY", sheet=sheet, name=sheet)])
    return TemplateRows(sheet, header_row, {v: k for k, v in mapping.items()}, rows, alerts, list(header), missing)


def _best_header(values: list[list[Any]]) -> tuple[int, dict[str, str]] | None:
    """The row (among the first 30) naming the most template columns, at least two."""
    best: tuple[int, dict[str, str]] | None = None
    for i, line in enumerate(values[:30], start=1):
        mapping = t.header_map([str(v).strip() for v in line if v not in (None, "")])
        if len(set(mapping.values())) >= 2 and (best is None or len(set(mapping.values())) > len(set(best[1].values()))):
            best = (i, mapping)
    return best


def template_sheet(names: list[str]) -> str | None:
    if t.SHEET in names:
        return t.SHEET
    for n in names:
        if t.fold(n) == t.fold(t.SHEET) or "reglement" in t.fold(n):
            return n
    return None


def read_template(book: Workbook) -> TemplateRows:
    names = book.sheet_names()
    sheet = template_sheet(names)
    if sheet is None:
        return TemplateRows(t.SHEET, 1, {}, [], [alert("SHEET_MISSING", sheet=t.SHEET, name=t.SHEET, found=", ".join(names) or "aucune")])
    return rows_from_values(sheet, book.read_values(sheet))


def _sheet_columns(alerts: Iterable[Alert], tpl: TemplateRows) -> list[Alert]:
    """Alerts name contract headers; point them at the header as written in the sheet."""
    out = []
    for a in alerts:
        if a.sheet == tpl.sheet and a.column in tpl.columns and tpl.columns[a.column] != a.column:
            a = a.model_copy(update={"column": tpl.columns[a.column]})
        elif a.sheet == t.SHEET and tpl.sheet != t.SHEET:
            a = a.model_copy(update={"sheet": tpl.sheet})
        out.append(a)
    return out


# ---------------------------------------------------------------------------
# check / import
# ---------------------------------------------------------------------------

def _step(progress: Any, label: str) -> None:
    """Advance an ``reglo.addin.backends.progress.Progress`` (CLI on big sheets) to a new stage."""
    if progress is not None:
        progress.phase(label.ljust(60))
        progress.update()


@dataclass
class PaymentsRun:
    """Outcome of a check or an import, for the handler / CLI to report."""

    summary: list[str]
    alerts: list[Alert]
    check: CheckResult | None = None
    applied: list[Allocation] = field(default_factory=list)
    batch_id: int | None = None
    synthesis: Synthesis | None = None
    outputs: list[str] = field(default_factory=list)
    paint: Any = None


def run_check(tpl: TemplateRows, pd_: PaymentsDossier, *, today: date, ref: PaymentReference | None = None) -> tuple[CheckResult, list[Alert]]:
    ref = ref if ref is not None else build_reference(pd_)
    result = check_rows(tpl.rows, ref, today=today, sheet=tpl.sheet)
    if tpl.missing:
        absent = [h for h in t.HEADERS if h not in tpl.columns]
        result = without_columns(result, sorted(set(tpl.missing) | set(absent)), shown=tpl.missing)
    alerts = tpl.alerts + _sheet_columns(result.alerts, tpl)
    return result, alerts


def without_columns(result: CheckResult, missing: list[str], *, shown: list[str] | None = None) -> CheckResult:
    """A required column is missing: nothing can be imported; the alerts about the absent
    cells are dropped (the column's alert says it), the other checks stay; rows without
    another blocking alert are counted « non vérifiées »."""
    from reglo.core.payments import RowStatus

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


def summary_lines(result: CheckResult) -> list[tuple[str, object]]:
    tt = result.totals
    return [
        ("Lignes lues", tt.get("rows", 0)),
        ("Lignes sans alerte", tt.get("ok", 0)),
        ("Lignes avec avertissement", tt.get("warning", 0)),
        ("Lignes bloquées (non importées)", tt.get("blocking", 0)),
        *([("Lignes non vérifiées (colonne obligatoire absente)", tt.get("unchecked", 0))] if tt.get("missing_columns") else []),
        ("Montant importable", tt.get("accepted_amount", ZERO)),
        ("dont imputé sur les factures", tt.get("applied_amount", ZERO)),
        ("dont trop-perçu (crédit client)", tt.get("excess_amount", ZERO)),
        ("Montant des lignes bloquées", tt.get("blocked_amount", ZERO)),
        ("Factures soldées", tt.get("settled_invoices", 0)),
    ]


def _paint(book: Workbook, alerts: list[Alert], result: CheckResult | None, title: str, extra: list[tuple[str, object]] = ()) -> Any:
    from reglo.addin.backends.paint import paint_alerts

    summary = (summary_lines(result) if result is not None else []) + list(extra)
    return paint_alerts(book, alerts, owner=OWNER, control_sheet=CONTROL_SHEET, title=title, summary=summary)


def check_payments(book: Any, pd_: PaymentsDossier, *, today: date) -> PaymentsRun:
    """« Contrôler »: check every row, paint red/yellow with notes, write « Contrôle »."""
    book = as_workbook(book)
    tpl = read_template(book)
    result, alerts = run_check(tpl, pd_, today=today)
    report = _paint(book, alerts, result, CHECK_TITLE)
    return PaymentsRun(check_summary(result, alerts), alerts, check=result, paint=report)


def check_summary(result: CheckResult, alerts: list[Alert]) -> list[str]:
    tt = result.totals
    c = count_by_severity(alerts)
    if tt.get("missing_columns"):
        return [
            f"{tt.get('rows', 0)} ligne(s) lue(s), aucune importable : colonne(s) obligatoire(s) absente(s) ({tt['missing_columns']}) ; "
            f"{tt.get('unchecked', 0)} ligne(s) non vérifiée(s) en entier (les contrôles qui ne dépendent pas de ces colonnes ont été faits).",
            f"{c[Severity.BLOCKING]} alerte(s) bloquante(s), {c[Severity.WARNING]} avertissement(s). Ajoutez la colonne puis relancez « Contrôler ».",
        ]
    return [
        f"{tt.get('rows', 0)} ligne(s) : {tt.get('ok', 0)} sans alerte, {tt.get('warning', 0)} avec avertissement, {tt.get('blocking', 0)} bloquée(s).",
        f"{c[Severity.BLOCKING]} alerte(s) bloquante(s), {c[Severity.WARNING]} avertissement(s) ; montant importable {format_display(tt.get('accepted_amount', ZERO))}.",
    ]


def account_labels(pd_: PaymentsDossier, ref: PaymentReference) -> dict[str, str]:
    """CompteLib of the accounts used by the entries: the dossier's FEC labels, else the
    bank's label / « Clients »."""
    labels: dict[str, str] = {b.ledger_account: b.label for b in ref.banks.values() if b.label}
    for c in ref.customers.values():
        labels.setdefault(c.control_account, "Clients")
    if pd_.ledger is not None and not pd_.ledger.empty:
        known = pd_.ledger.loc[pd_.ledger["ledger_account_label"] != "", ["ledger_account", "ledger_account_label"]].drop_duplicates("ledger_account")
        labels.update(dict(zip(known["ledger_account"], known["ledger_account_label"])))
    return labels


def recorded_lettering_codes(register: PaymentRegister) -> set[str]:
    """Lettering codes handed out by earlier imports (not yet in the ledger, maybe)."""
    return {l.meta["lettering"] for b in register.batches(kind=KIND) for l in register.lines(b.id) if l.meta.get("lettering")}


def entries_frame(entries: list[Entry], pd_: PaymentsDossier, ref: PaymentReference) -> pd.DataFrame:
    """Ledger rows of the payment entries, labels filled (``reglo.core.entries.fill_labels``), no
    lettering yet (``payment_settlements`` hands the codes out against the ledger)."""
    frame = entries_to_frame(entries)
    frame["lettering_code"] = ""
    frame["lettered_on"] = pd.Series(pd.NaT, index=frame.index).astype(frame["lettered_on"].dtype)
    journals = {b.journal_code: b.label for b in ref.banks.values()}
    names = {c.code: c.legal_name for c in ref.customers.values()}
    return fill_labels(frame, ledger=pd_.ledger, journal_labels=journals, party_names=names)


def _settled_invoices(allocations: list[Allocation]) -> list[Any]:
    """One payment per invoice paid by the run (the first one), in order: the settlements'
    order in ``payment_settlements``."""
    seen: dict[tuple[str, str], Any] = {}
    for a in allocations:
        if a.applied > ZERO:
            seen.setdefault((a.payment.customer_code, a.payment.invoice_number), a.payment)
    return list(seen.values())


def payment_settlements(ledger: pd.DataFrame, allocations: list[Allocation], entries: list[Entry]) -> list[Settlement]:
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
    for p in _settled_invoices(allocations):
        k = (p.customer_code, p.invoice_number)
        out.append(Settlement(account=p.customer_code, ledger_rows=tuple(invoice_rows.get(k, ())), entry_rows=tuple(paying.get(k, ())),
                              reason=f"Règlement de la facture {p.invoice_number}"))
    return out


def lettering_summary(update: LedgerUpdate, what: str = "facture(s)") -> str:
    res = update.lettering
    full = sum(1 for c in res.codes if c and not c.islower())
    part = sum(1 for c in res.codes if c and c.islower())
    later = getattr(update, "next_year", 0)
    left = sum(1 for c in res.codes if not c) - later
    where = f" ; grand livre lettré : {update.copy_path.name} (annulable : reglo letter « {update.copy_path.name} » --undo-last)" if update.copy_path else ""
    return (f"Lettrage : {full} {what} lettré(e)s" + (f", {part} partiellement (code en minuscules)" if part else "")
            + f", {left} non lettré(e)s (paiement partiel, pièce absente du grand livre ou déjà lettrée)"
            + (f", {later} payé(e)s après la clôture de l'exercice (écritures de l'exercice suivant, hors de la copie lettrée)" if later else "")
            + f" — détail dans « Lettrage »{where}.")


def _register_lines(allocations: list[Allocation], letters: dict[str, str] | None = None) -> list[RegisterLine]:
    letters = letters or {}
    lines = []
    for a in allocations:
        p = a.payment
        lines.append(RegisterLine(
            item_key=f"invoice:{p.invoice_number}", amount_cents=to_cents(a.applied), payment_key=p.payment_key,
            party_code=p.customer_code, document_ref=p.invoice_number,
            meta={"date": p.payment_date.isoformat(), "excess_cents": to_cents(a.excess), "method": p.method.value if p.method else "",
                  "reference": p.reference, "bank": p.bank_journal, "job_site": p.job_site_code, "source": p.source,
                  "source_row": p.source_row, "settles": a.settles_invoice,
                  "lettering": letters.get(p.invoice_number, "") if a.settles_invoice else ""},
        ))
    return lines


def import_payments(book: Any, pd_: PaymentsDossier, *, today: date, now: datetime, file_name: str | None = None, write_fec_file: bool = True,
                    save_book: bool = False, progress: Any = None) -> PaymentsRun:
    """« Importer »: check, apply the rows without blocking alert, record them, write outputs.

    Rows with a blocking alert stay in the sheet, marked; re-running is safe (a payment
    already recorded is blocking, so nothing is applied twice). All or nothing: the batch is
    committed to the register only once every output (sheets, entries FEC, lettered copy of
    the ledger and its journal, and the workbook itself with ``save_book``) is written; a
    failure takes the files back and records nothing, so that the re-run imports normally.
    """
    book = as_workbook(book)
    _step(progress, "Règlements : lecture du modèle")
    tpl = read_template(book)
    _step(progress, f"Règlements : contrôle de {len(tpl.rows)} ligne(s)")
    result, alerts = run_check(tpl, pd_, today=today)
    _step(progress, "Règlements : imputation, écritures, lettrage et enregistrement")
    run = PaymentsRun([], alerts, check=result)
    if not result.allocations:
        already = sum(1 for a in result.alerts if a.code == "PAY_ALREADY_IMPORTED")
        others = result.totals.get("blocking", 0) - already
        if result.totals.get("missing_columns"):
            run.summary.append(f"Rien n'a été importé : colonne(s) obligatoire(s) absente(s) ({result.totals['missing_columns']}) ; "
                               f"{result.rows} ligne(s) lue(s), dont {result.totals.get('unchecked', 0)} non vérifiée(s) en entier. Ajoutez la colonne puis relancez.")
            run.paint = _paint(book, alerts, result, "Import des règlements clients — Reglo", [("Règlements importés", 0)])
            return run
        if already:
            run.summary.append(f"Rien à importer : {already} règlement(s) de la feuille ont déjà été importés ; aucun n'a été appliqué une seconde fois.")
        if not result.rows:
            run.summary.append("La feuille ne contient aucun règlement à importer (ou ses colonnes obligatoires manquent : voir « Contrôle »).")
        elif others or not already:
            run.summary.append(f"{others} ligne(s) bloquée(s) : corrigez les cellules en rouge puis relancez l'import.")
        run.paint = _paint(book, alerts, result, "Import des règlements clients — Reglo", [("Règlements importés", 0)])
        return run
    ref_stamp = now.strftime("%Y%m%d-%H%M%S")
    reference = f"RC-{ref_stamp}"
    ref = build_reference(pd_)
    pe = build_entries(result.allocations, ref, used_lettering_codes=pd_.used_lettering_codes() | recorded_lettering_codes(pd_.register),
                       entry_prefix=f"RC{now:%y%m%d}-")
    frame = entries_frame(pe.entries, pd_, ref)
    update = prepare_ledger_update(pd_.fec_path, pd_.ledger if pd_.ledger is not None else frame.iloc[0:0], frame,
                                   lambda base: payment_settlements(base, result.allocations, pe.entries), now=now,
                                   fiscal_year_end=pd_.dossier.company.fiscal_year_end)
    alerts = alerts + update.alerts
    if any(a.is_blocking for a in update.alerts):  # the lettered copy is unreadable: never overwrite it
        run.alerts = alerts
        run.summary.append("Import annulé : la copie lettrée du grand livre est illisible (voir « Contrôle »). Rien n'a été enregistré ni écrit.")
        run.paint = _paint(book, alerts, result, "Import des règlements clients — Reglo", [("Règlements importés", 0)])
        return run
    frame = update.lettering.entries
    letters = {p.invoice_number: c for p, c in zip(_settled_invoices(result.allocations), update.lettering.codes) if c}
    pe.letterings = sorted(letters.items())
    run.batch_id = None
    syn = synthesis_for(pd_, result.allocations)  # read the register before its write transaction
    try:
        with pd_.register.pending_batch(KIND, _register_lines(result.allocations, letters), reference=reference, created_at=now, file_name=file_name,
                                        meta={"rows": result.totals.get("rows", 0), "source": "excel"}) as batch, StagedFiles() as staged:
            from reglo.addin.backends.entries_sheet import write_entries_sheet

            write_entries_sheet(book, frame, sheet=ENTRIES_SHEET)
            write_allocations(book, result.allocations, letters, batch)
            write_lettering_sheet(book, update)
            if write_fec_file:
                staged.write(pd_.folder / f"Reglements_clients_{ref_stamp}.txt", write_fec(frame))
                for path, data in update.files():
                    staged.write(path, data)
            run.synthesis = write_synthesis(book, pd_, syn=syn)
            if save_book:
                book.save()
            run.outputs += [str(p) for p in staged.paths]
    except DuplicatePaymentError as exc:  # another user imported the same payments meanwhile
        run.summary.append(f"Import annulé : {exc}. Relancez « Contrôler » pour voir les lignes concernées. Rien n'a été enregistré.")
        run.paint = _paint(book, alerts, result, "Import des règlements clients — Reglo")
        return run
    except OSError as exc:
        from reglo.addin.shell.errors import UserError

        raise UserError(f"Import annulé : un fichier n'a pas pu être écrit ({exc.filename or ''} : {exc.strerror or exc}). "
                        "Rien n'a été enregistré au registre ni écrit : fermez le fichier (Excel ?) ou libérez de la place, puis relancez l'import.") from exc
    run.batch_id, run.applied = batch, result.allocations
    tt = result.totals
    run.summary += [
        f"{len(result.allocations)} règlement(s) importé(s) pour {format_display(tt['accepted_amount'])} (lot {batch} du registre) ; {tt['settled_invoices']} facture(s) soldée(s).",
        f"{tt.get('blocking', 0)} ligne(s) bloquée(s) restent marquées en rouge dans la feuille : corrigez-les et relancez l'import.",
        f"{len(pe.entries)} écriture(s) de banque (512 / 411) dans « {ENTRIES_SHEET} »" + (f" et dans {Path(run.outputs[0]).name}." if run.outputs else "."),
        lettering_summary(update),
    ]
    run.alerts = alerts + pe.alerts
    run.paint = _paint(book, run.alerts, result, "Import des règlements clients — Reglo",
                       [("Règlements importés", len(result.allocations)), ("Lot du registre", batch), ("Écritures générées", len(pe.entries))])
    return run


def import_from_ledger(book: Any, pd_: PaymentsDossier, frame: pd.DataFrame, *, now: datetime, file_name: str | None = None) -> PaymentsRun:
    """« Importer depuis la comptabilité »: payments of the bank journals of a FEC, one line
    per invoice; non-conforming lines listed with the reason; no entries (already booked)."""
    book = as_workbook(book)
    ref = build_reference(pd_, use_ledger=False)
    res = payments_from_ledger(frame, ref)
    run = PaymentsRun([], list(res.alerts), applied=res.allocations)
    if res.allocations:
        try:
            run.batch_id = pd_.register.record_batch(KIND, _register_lines(res.allocations), reference=f"RC-FEC-{now:%Y%m%d-%H%M%S}", created_at=now,
                                                     file_name=file_name, meta={"source": "fec", "considered": res.considered})
        except DuplicatePaymentError as exc:
            run.summary.append(f"Import annulé : {exc}. Rien n'a été enregistré.")
            run.applied = []
    _write_ledger_sheet(book, res, frame)
    run.synthesis = write_synthesis(book, pd_)
    total = sum((a.payment.amount for a in run.applied), ZERO)
    run.summary += [
        f"{res.considered} ligne(s) de règlement client lue(s) dans les journaux de banque ; {len(run.applied)} importée(s) pour {format_display(total)}.",
        f"{len(res.rejected_rows)} ligne(s) non conforme(s) (une ligne par facture avec son n° est nécessaire) listée(s) dans « {CONTROL_SHEET} ».",
    ]
    from reglo.addin.backends.paint import write_control_sheet

    write_control_sheet(book, run.alerts, sheet=CONTROL_SHEET, title="Import des règlements depuis la comptabilité — Reglo",
                        summary=[("Lignes lues", res.considered), ("Règlements importés", len(run.applied)), ("Montant importé", total), ("Lignes non conformes", len(res.rejected_rows))])
    return run


def _write_ledger_sheet(book: Workbook, res: Any, frame: pd.DataFrame) -> None:
    header = [Column("Ligne FEC", None, 10), Column("Journal", None, 9), Column("Date", DATE_FORMAT, 12), Column("N° facture", None, 15),
              Column("Client", None, 10), Column("Montant", EURO_FORMAT, 14), Column("Imputé", EURO_FORMAT, 14), Column("Trop-perçu", EURO_FORMAT, 12),
              Column("Chantier", None, 11), Column("Libellé", None, 40)]
    rows = [[a.payment.source_row, a.payment.bank_journal, a.payment.payment_date, a.payment.invoice_number, a.payment.customer_code,
             a.payment.amount, a.applied, a.excess, a.payment.job_site_code, a.payment.comment] for a in res.allocations]
    book.write_sheet(LEDGER_SHEET, header, rows, title="Règlements importés depuis la comptabilité")


ALLOCATION_COLUMNS = [
    Column("Ligne", "0", 7), Column("Date règlement", DATE_FORMAT, 12), Column("N° facture", None, 15), Column("Client", None, 10),
    Column("Chantier", None, 10), Column("Montant reçu", EURO_FORMAT, 15), Column("Reste dû avant", EURO_FORMAT, 15),
    Column("Imputé", EURO_FORMAT, 15), Column("Trop-perçu", EURO_FORMAT, 12), Column("Reste dû après", EURO_FORMAT, 15),
    Column("Lettrage", None, 9), Column("Banque", None, 9), Column("Mode", None, 12), Column("Référence", None, 20),
]


def write_allocations(book: Workbook, allocations: list[Allocation], letters: dict[str, str], batch: int) -> None:
    """« Imputations »: what each imported payment did to its invoice (remaining amounts)."""
    rows = []
    for a in allocations:
        p = a.payment
        rows.append([p.source_row, p.payment_date, p.invoice_number, p.customer_code, p.job_site_code or None, p.amount, a.open_before,
                     a.applied, a.excess, a.open_after, letters.get(p.invoice_number) if a.settles_invoice else None, p.bank_journal,
                     p.method.value if p.method else None, p.reference or None])
    book.write_sheet(ALLOCATION_SHEET, ALLOCATION_COLUMNS, rows, title=f"Règlements imputés sur les factures (lot {batch} du registre)")


# ---------------------------------------------------------------------------
# synthesis
# ---------------------------------------------------------------------------

SYNTHESIS_COLUMNS = [
    Column("Code chantier", None, 13), Column("Chantier", None, 30), Column("Client", None, 12), Column("Factures", "0", 9),
    Column("Facturé TTC", EURO_FORMAT, 16), Column("Reçu", EURO_FORMAT, 16), Column("Reste dû", EURO_FORMAT, 16),
    Column("% reçu", PCT_FORMAT, 9), Column("Trop-perçu", EURO_FORMAT, 13), Column("Dernier règlement", DATE_FORMAT, 14),
]


def synthesis_rows(syn: Synthesis) -> list[list[Any]]:
    def line(l, code):
        return [code, l.label, l.customer_code, l.invoice_count, l.invoiced, l.received, l.due, l.received_ratio, l.excess, l.last_payment_date]

    return [line(l, l.job_site_code or "—") for l in syn.lines] + [line(syn.total, "TOTAL")]


def synthesis_for(pd_: PaymentsDossier, pending: list[Allocation] | None = None) -> Synthesis:
    """The job-site synthesis from every recorded allocation, plus ``pending`` (this run's,
    not committed yet: computed before the register transaction, which may keep readers out)."""
    ref = build_reference(pd_)
    return job_site_synthesis(all_invoices(pd_), recorded_allocations(pd_.register) + list(pending or []), job_sites=ref.job_sites)


def write_synthesis(book: Workbook, pd_: PaymentsDossier, *, pending: list[Allocation] | None = None, syn: Synthesis | None = None) -> Synthesis:
    """« Synthèse chantiers » (``synthesis_for`` unless ``syn`` is given)."""
    syn = syn if syn is not None else synthesis_for(pd_, pending)
    rows = synthesis_rows(syn)
    header_row = book.write_sheet(SYNTHESIS_SHEET, SYNTHESIS_COLUMNS, rows, title="Synthèse des chantiers : facturé, reçu, reste dû")
    wb = getattr(book, "wb", None)  # openpyxl backend: add the chart
    if wb is not None:
        _add_chart(wb[SYNTHESIS_SHEET], header_row, len(syn.lines))
    elif hasattr(book, "add_bar_chart"):  # fast file backend
        if syn.lines:
            from reglo.addin.backends.fastbook import BarChart

            book.add_bar_chart(SYNTHESIS_SHEET, BarChart(
                CHART_TITLE, 1, (6, 7), header_row, header_row + 1, header_row + len(syn.lines), (header_row, 12),
                y_title=CHART_Y_TITLE, y_format=CHART_Y_FORMAT, width_cm=_chart_width(len(syn.lines)), height_cm=9))
    elif getattr(book, "book", None) is not None and not getattr(book, "_officejs", True):
        _add_xlwings_chart(book.book, header_row, len(syn.lines))
    return syn


def _add_xlwings_chart(xwbook: Any, header_row: int, n: int) -> None:
    """Desktop Excel: the same stacked bar chart through xlwings (best effort: the
    synthesis table is complete without it; Office.js engines have no chart API)."""
    if n == 0:
        return
    try:
        sht = xwbook.sheets[SYNTHESIS_SHEET]
        for c in sht.charts:
            c.delete()
        chart = sht.charts.add(left=sht.range("L1").left, top=sht.range(f"A{header_row}").top, width=520, height=260)
        chart.chart_type = "column_stacked"
        chart.set_source_data(sht.range((header_row, 6), (header_row + n, 7)))
        chart.api[1].SeriesCollection(1).XValues = sht.range((header_row + 1, 1), (header_row + n, 1)).api
    except Exception:  # pragma: no cover - needs desktop Excel
        pass


CHART_TITLE = "Reçu et reste dû par chantier"
CHART_Y_TITLE = "€ TTC"
CHART_Y_FORMAT = "#,##0"


def _chart_width(n: int) -> float:
    """Chart width in cm for ``n`` job sites."""
    return max(16, min(40, 2 * n))


def _add_chart(ws: Any, header_row: int, n: int) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    last = header_row + n + 1
    for col in range(1, len(SYNTHESIS_COLUMNS) + 1):
        ws.cell(last, col).font = Font(bold=True)
    if n == 0:
        return
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = CHART_TITLE
    chart.y_axis.title = CHART_Y_TITLE
    chart.y_axis.numFmt = CHART_Y_FORMAT
    data = Reference(ws, min_col=6, max_col=7, min_row=header_row, max_row=header_row + n)
    cats = Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + n)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width, chart.height = _chart_width(n), 9
    ws.add_chart(chart, f"L{header_row}")



def read_ledger(pd_: PaymentsDossier, fec: str | Path | None = None) -> tuple[pd.DataFrame, str | None]:
    """The ledger to import from: a FEC file given, else the dossier's own ledger."""
    from reglo.addin.shell.errors import UserError
    from reglo.core.fec import FecError, read_fec

    if fec is None:
        if pd_.ledger is None:
            raise UserError("Le dossier n'a pas de FEC : indiquez le fichier des écritures à lire.")
        return pd_.ledger, None
    path = Path(fec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"FEC illisible : {path} ({exc.strerror or exc}).") from exc
    try:
        ledger = read_fec(data, filename=path.name)
    except FecError as exc:
        raise UserError(f"FEC inutilisable ({path.name}) : {exc}") from exc
    return ledger.frame, path.name


def check_file(path: str | Path, pd_: PaymentsDossier, *, today: date, engine: str = "auto", progress: Any = None) -> PaymentsRun:
    """« Contrôler » on an .xlsx file, saved in place: the same check and painting as
    ``check_payments`` (``reglo.addin.backends.paint.paint_alerts``, state kept in ``_reglo``), on the
    file backend ``reglo check`` would choose (``reglo.addin.backends.fastbook.open_book``: from 1 MB on,
    ``FastFileWorkbook`` reads with python-calamine and rewrites only the changed rows,
    notes, styles and the « Contrôle » / ``_reglo`` sheets). ``engine``: « auto »,
    « rapide » or « openpyxl »; a layout the fast backend does not patch falls back to
    openpyxl."""
    from reglo.addin.backends.fastbook import UnsupportedWorkbook

    try:
        return _check_file(Path(path), pd_, today, engine, progress)
    except UnsupportedWorkbook:
        if engine == "openpyxl":
            raise
        return _check_file(Path(path), pd_, today, "openpyxl", progress)


def import_file(path: str | Path, pd_: PaymentsDossier, *, today: date, now: datetime, engine: str = "auto", progress: Any = None) -> PaymentsRun:
    """« Importer » on an .xlsx file, saved in place, on the backend ``check_file`` would
    choose (``reglo.addin.backends.fastbook.open_book``: the fast one from 1 MB on). The import is all or
    nothing (the workbook is saved inside the register transaction), so a layout the fast
    backend does not patch (``UnsupportedWorkbook``, at any step) leaves nothing recorded
    and the import is simply run again on openpyxl."""
    from reglo.addin.backends.fastbook import UnsupportedWorkbook, open_book

    p = Path(path)

    def once(engine_: str) -> PaymentsRun:
        _step(progress, f"Règlements : ouverture de {p.name}")
        book = open_book(p, engine_)
        run = import_payments(book, pd_, today=today, now=now, file_name=p.name, save_book=True, progress=progress)
        if run.batch_id is None:  # nothing imported: the painted sheet is still saved
            book.save()
        return run

    try:
        return once(engine)
    except UnsupportedWorkbook:
        if engine == "openpyxl":
            raise
        return once("openpyxl")


def _open_and_read(path: Path, engine: str) -> tuple[Workbook, TemplateRows]:
    from reglo.addin.backends.fastbook import open_book

    book = open_book(path, engine)
    return book, read_template(book)


def _check_file(path: Path, pd_: PaymentsDossier, today: date, engine: str, progress: Any = None) -> PaymentsRun:
    import gc
    from concurrent.futures import ThreadPoolExecutor

    # tens of thousands of short-lived objects: the cyclic GC would run hundreds of times
    # for nothing (no cycles are made here); it is switched back on right after.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # the sheet is read (python-calamine parses in Rust without holding the GIL) while
        # the dossier reference is built
        _step(progress, f"Règlements : lecture de {path.name} et du dossier")
        with ThreadPoolExecutor(max_workers=1) as pool:
            reading = pool.submit(_open_and_read, path, engine)
            ref = build_reference(pd_)
            book, tpl = reading.result()
        _step(progress, f"Règlements : contrôle de {len(tpl.rows)} ligne(s)")
        result, alerts = run_check(tpl, pd_, today=today, ref=ref)
        _step(progress, "Règlements : couleurs, notes et feuille « Contrôle »")
        report = _paint(book, alerts, result, CHECK_TITLE)
        _step(progress, f"Règlements : enregistrement de {path.name}")
        book.save()
    finally:
        if gc_was_enabled:
            gc.enable()
    return PaymentsRun(check_summary(result, alerts), alerts, check=result, paint=report)
