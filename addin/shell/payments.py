"""Customer payments, workbook side: read the template, check, import, write the outputs.

The same functions serve the ribbon (``xw.Book`` through ``as_workbook``), the CLI
(``FileWorkbook``) and the demo step. Business rules live in ``reglo.core.payments``; the
buttons that record are the pure plans of ``reglo.core.payments.usecases`` (``plan_import``,
``plan_import_ledger``) run inside the commit protocol (``reglo.addin.shell.commit.run_button``:
dossier lock, register re-read, identifiers handed out, entries file and lettered copy
written, batch committed). This module reads the workbook and the dossier, and writes
« Contrôle » (via the painter), « Imputations », « Synthèse chantiers » (with a bar chart on
files), « Écritures » and « Lettrage » after the commit.

Payment register: one batch of kind ``customer_payments`` per import; one line per payment,
``item_key = "invoice:<n°>"``, ``amount_cents`` = part allocated to the invoice,
``payment_key`` = the payment's fingerprint (customer, invoice, date, amount) — unique among
live batches, so that the same payment can never be imported twice (from Excel or from the
ledger); the overpayment and the payment details are in the line's ``meta``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from reglo.addin.shell.commit import open_register, run_button, write_sheets
from reglo.addin.shell.settlements import LedgerUpdate, lettering_summary, read_copy_state
from reglo.core.payments import usecases as uc
from reglo.core.payments.usecases import TemplateRows, without_columns  # noqa: F401 - part of this module's API
from reglo.core.register_state import RegisterSnapshot
from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, Workbook, WorkbookError, as_workbook
from reglo.core.alerts import Alert, alert, count_by_severity, Severity
from reglo.core.entries import Settlement
from reglo.core.models import Entry
from reglo.core.money import ZERO, format_display
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
    """What the payment workflow needs from a loaded dossier. ``register`` is kept for
    callers that read it; the workflow itself opens the dossier's store (``folder``)."""

    dossier: Any  # reglo.core.dossier.Dossier
    register: Any
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
        ledger = getattr(loaded, "ledger", None)
        fec = getattr(loaded, "fec_path", None)
        return cls(loaded.dossier, _LazyRegister(Path(loaded.folder)), Path(loaded.folder), ledger.frame if ledger is not None else None,
                   list(getattr(loaded, "alerts", []) or []), Path(fec) if fec else None)

    def used_lettering_codes(self) -> set[str]:
        return self.view().used_lettering_codes()

    def view(self) -> uc.PaymentsDossierView:
        return uc.PaymentsDossierView(dossier=self.dossier, ledger=self.ledger, alerts=tuple(self.alerts), fec_name=self.fec_path.name if self.fec_path else None)

    def snapshot(self) -> RegisterSnapshot:
        """The register as it is now (outside the lock: for « Contrôler » and display)."""
        store = open_register(self.folder)
        try:
            return store.snapshot()
        finally:
            store.close()


class _LazyRegister:
    """The former ``PaymentRegister`` of the dossier, opened on first use (callers that read it)."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._register: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._register is None:
            from reglo.addin.shell.register import PaymentRegister

            self._register = PaymentRegister.beside(self._folder)
        return getattr(self._register, name)


def prior_imports(snapshot: RegisterSnapshot) -> dict[str, PriorImport]:
    return uc.prior_imports(snapshot)


def recorded_allocations(snapshot: RegisterSnapshot) -> list[Allocation]:
    return uc.recorded_allocations(snapshot)


def known_amounts(snapshot: RegisterSnapshot) -> dict[str, list[PriorImport]]:
    return uc.known_amounts(snapshot)


def build_reference(pd_: PaymentsDossier, *, use_ledger: bool = True, snapshot: RegisterSnapshot | None = None) -> PaymentReference:
    """``reglo.core.payments.usecases.build_reference`` on the register as it is now."""
    return uc.build_reference(pd_.dossier, pd_.ledger, snapshot if snapshot is not None else pd_.snapshot(), use_ledger=use_ledger)


def all_invoices(pd_: PaymentsDossier) -> list[OpenInvoice]:
    return uc.all_invoices(pd_.dossier)


# ---------------------------------------------------------------------------
# reading the template
# ---------------------------------------------------------------------------

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
    return uc.sheet_columns(alerts, tpl)


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
    saved: bool = True  # False: committed, but the workbook could not be saved
    unsupported: bool = False  # committed, but the fast backend cannot write this workbook's sheets
    write_outputs: Any = None  # writes the sheets of a committed import into a workbook (and saves it)


def run_check(tpl: TemplateRows, pd_: PaymentsDossier, *, today: date, ref: PaymentReference | None = None) -> tuple[CheckResult, list[Alert]]:
    ref = ref if ref is not None else build_reference(pd_)
    return uc.check(tpl, ref, today=today)


def summary_lines(result: CheckResult) -> list[tuple[str, object]]:
    tt = result.totals
    return [
        ("Lignes lues", tt.get("rows", 0)),
        ("Lignes sans alerte", tt.get("ok", 0)),
        ("Lignes avec avertissement", tt.get("warning", 0)),
        ("Lignes bloquées (non importées)", tt.get("blocking", 0)),
        ("Lignes déjà importées (rien à faire)", tt.get("imported", 0)),
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
        f"{tt.get('rows', 0)} ligne(s) : {tt.get('ok', 0)} sans alerte, {tt.get('warning', 0)} avec avertissement, {tt.get('blocking', 0)} bloquée(s)"
        + (f", {tt['imported']} déjà importée(s)." if tt.get("imported") else "."),
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


def recorded_lettering_codes(snapshot: RegisterSnapshot) -> set[str]:
    return uc.recorded_lettering_codes(snapshot)


def payment_settlements(ledger: pd.DataFrame, allocations: list[Allocation], entries: list[Entry]) -> list[Settlement]:
    return uc.payment_settlements(ledger, allocations, entries)


def import_payments(book: Any, pd_: PaymentsDossier, *, today: date, now: datetime, file_name: str | None = None, write_fec_file: bool = True,
                    save_book: bool = False, progress: Any = None) -> PaymentsRun:
    """« Importer »: check, apply the rows without blocking alert, record them, write outputs.

    The plan (``reglo.core.payments.usecases.plan_import``) runs inside the dossier lock on the
    register as it is then; the entries file and the lettered copy are committed with the
    batch (``run_button``); the sheets (and the workbook with ``save_book``) are written after
    the commit: a workbook that cannot be saved never un-imports. Rows with a blocking alert
    stay in the sheet, marked; re-running is safe (a payment already recorded is blocking).
    """
    book = as_workbook(book)
    _step(progress, "Règlements : lecture du modèle")
    tpl = read_template(book)
    _step(progress, f"Règlements : contrôle de {len(tpl.rows)} ligne(s), imputation, écritures, lettrage et enregistrement")
    view = pd_.view()

    def plan(ctx):
        return uc.plan_import(tpl, view, ctx.snapshot, today=today, now=now, folder="", existing_names=ctx.names_in(""),
                              copy_state=read_copy_state(pd_.fec_path, pd_.folder) if write_fec_file else None,
                              write_entries_file=write_fec_file, workbook_name=file_name)

    res = run_button(pd_.folder, plan, now=now)
    out = res.outcome
    data = out.data
    result: CheckResult | None = data.get("result")
    alerts = list(res.notices) + list(data.get("alerts", res.alerts))
    run = PaymentsRun([], alerts, check=result)
    title = "Import des règlements clients — Reglo"
    if result is None:  # blocked before the plan ran (files unknown to the register)
        run.summary.append(out.summary)
        run.paint = _paint(book, alerts, None, title, [("Règlements importés", 0)])
        return run
    if not res.committed:
        if out.summary:
            run.summary.append(out.summary)
        elif any(a.code == "COMMIT_DUPLICATE_PAYMENT" for a in alerts):
            run.summary.append("Import annulé : ces règlements viennent d'être enregistrés par une autre exécution. Relancez « Contrôler » pour voir les lignes concernées. Rien n'a été enregistré.")
        else:
            already = result.totals.get("imported", 0)
            others = result.totals.get("blocking", 0)
            if result.totals.get("missing_columns"):
                run.summary.append(f"Rien n'a été importé : colonne(s) obligatoire(s) absente(s) ({result.totals['missing_columns']}) ; "
                                   f"{result.rows} ligne(s) lue(s), dont {result.totals.get('unchecked', 0)} non vérifiée(s) en entier. Ajoutez la colonne puis relancez.")
            else:
                if already:
                    run.summary.append(f"Rien à importer : {already} règlement(s) de la feuille ont déjà été importés ; aucun n'a été appliqué une seconde fois.")
                if not result.rows:
                    run.summary.append("La feuille ne contient aucun règlement à importer (ou ses colonnes obligatoires manquent : voir « Contrôle »).")
                elif others or not already:
                    run.summary.append(f"{others} ligne(s) bloquée(s) : corrigez les cellules en rouge puis relancez l'import.")
        run.paint = _paint(book, alerts, result, title, [("Règlements importés", 0)])
        return run
    batch = res.batch_id
    pe, frame, update, letters = data["entries"], data["frame"], data["update"], data["letters"]
    run.outputs = [str(p) for p in res.paths]
    run.batch_id, run.applied = batch, result.allocations
    tt = result.totals
    entries_file = data.get("file_name")
    run.summary += [
        f"{len(result.allocations)} règlement(s) importé(s) pour {format_display(tt['accepted_amount'])} (lot {batch} du registre) ; {tt['settled_invoices']} facture(s) soldée(s).",
        f"{tt.get('blocking', 0)} ligne(s) bloquée(s) restent marquées en rouge dans la feuille : corrigez-les et relancez l'import.",
        f"{len(pe.entries)} écriture(s) de banque (512 / 411) dans « {ENTRIES_SHEET} »" + (f" et dans {entries_file}." if entries_file else "."),
        lettering_summary(update),
    ]
    run.alerts = alerts + pe.alerts

    def write_outputs(target: Workbook) -> None:
        write_sheets(target, out.sheets[:1])  # « Écritures » (the plan's sheets)
        write_allocations(target, result.allocations, letters, batch)
        write_sheets(target, out.sheets[1:])  # « Lettrage »
        run.synthesis = write_synthesis(target, pd_, syn=data["synthesis"])
        run.paint = _paint(target, run.alerts, result, title,
                           [("Règlements importés", len(result.allocations)), ("Lot du registre", batch), ("Écritures générées", len(pe.entries))])
        if save_book:
            target.save()

    run.write_outputs = write_outputs
    from reglo.addin.backends.fastbook import UnsupportedWorkbook

    try:
        write_outputs(book)
    except UnsupportedWorkbook:  # committed: the caller writes the sheets with another backend (import_file)
        run.saved = False
        run.unsupported = True
    except (OSError, WorkbookError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        run.summary.append(f"ATTENTION : le classeur n'a pas pu être enregistré ({detail}) ; les règlements sont bien importés (lot {batch} du registre"
                           + (f", écritures dans {entries_file}" if entries_file else "") + ") : ne relancez pas l'import, rouvrez le classeur et cliquez « Contrôler ».")
        run.saved = False
    return run


def import_from_ledger(book: Any, pd_: PaymentsDossier, frame: pd.DataFrame, *, now: datetime, file_name: str | None = None) -> PaymentsRun:
    """« Importer depuis la comptabilité »: payments of the bank journals of a FEC, one line
    per invoice; non-conforming lines listed with the reason; no entries (already booked).
    Recorded through the commit protocol (``plan_import_ledger``)."""
    book = as_workbook(book)
    view = pd_.view()
    result = run_button(pd_.folder, lambda ctx: uc.plan_import_ledger(frame, view, ctx.snapshot, now=now, file_name=file_name), now=now)
    data = result.outcome.data
    if "res" not in data:  # blocked before the plan ran
        run = PaymentsRun([result.outcome.summary], list(result.alerts))
        from reglo.addin.backends.paint import write_control_sheet

        write_control_sheet(book, run.alerts, sheet=CONTROL_SHEET, title="Import des règlements depuis la comptabilité — Reglo", summary=[])
        return run
    res = data["res"]
    run = PaymentsRun([], list(result.notices) + data["alerts"], applied=res.allocations if result.committed else [])
    if result.committed:
        run.batch_id = result.batch_id
    elif res.allocations:
        run.summary.append("Import annulé : ces règlements viennent d'être enregistrés par une autre exécution. Rien n'a été enregistré.")
    _write_ledger_sheet(book, res, frame)
    run.alerts, listed, link = _write_fec_lines(book, run.alerts, frame)
    run.synthesis = write_synthesis(book, pd_, syn=data["synthesis"])
    total = sum((a.payment.amount for a in run.applied), ZERO)
    run.summary += [
        f"{res.considered} ligne(s) de règlement client lue(s) dans les journaux de banque ; {len(run.applied)} importée(s) pour {format_display(total)}.",
        f"{len(res.rejected_rows)} ligne(s) non conforme(s) (une ligne par facture avec son n° est nécessaire) listée(s) dans « {CONTROL_SHEET} ».",
    ]
    from reglo.addin.backends.paint import write_control_sheet

    write_control_sheet(book, run.alerts, sheet=CONTROL_SHEET, title="Import des règlements depuis la comptabilité — Reglo",
                        summary=[("Lignes lues", res.considered), ("Règlements importés", len(run.applied)), ("Montant importé", total), ("Lignes non conformes", len(res.rejected_rows)),
                                 ("Lignes du FEC signalées", link if listed else 0)])
    return run


def _write_fec_lines(book: Workbook, alerts: list[Alert], frame: pd.DataFrame) -> tuple[list[Alert], int, Any]:
    """« Lignes du FEC »: every FEC line an alert is about (number, journal, entry, date, …);
    the alerts are pointed at their line of that sheet, so that « Contrôle » links to it.
    Returns the alerts, how many lines are listed and a link to the listing."""
    from reglo.addin.backends.base import hyperlink_formula
    from reglo.core.payments.ledger_import import LINE_COLUMNS, LINES_SHEET, SHEET as FEC_SHEET, flagged_lines

    rows = flagged_lines(frame, alerts)
    widths = {"Ligne FEC": 10, "EcritureLib": 40, "Alertes": 30, "EcritureDate": 12, "Debit": 14, "Credit": 14}
    formats = {"EcritureDate": DATE_FORMAT, "Debit": EURO_FORMAT, "Credit": EURO_FORMAT}
    header = [Column(c, formats.get(c), widths.get(c, 13)) for c in LINE_COLUMNS]
    header_row = book.write_sheet(LINES_SHEET, header, rows, title="Lignes du FEC concernées par une alerte (import depuis la comptabilité)")
    where = {r[0]: header_row + 1 + i for i, r in enumerate(rows)}
    out = []
    for a in alerts:
        if a.sheet == FEC_SHEET:
            a = a.model_copy(update={"sheet": LINES_SHEET, "row": where.get(a.row) if a.row is not None else None,
                                     "column": a.column if a.row in where else None})
        out.append(a)
    link = hyperlink_formula(LINES_SHEET, header_row, 1, f"{len(rows)} ligne(s) : voir « {LINES_SHEET} »")
    return out, len(rows), link


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
    """The job-site synthesis from every recorded allocation, plus ``pending``."""
    return uc.synthesis(pd_.dossier, pd_.ledger, pd_.snapshot(), pending or [])


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
    choose (``reglo.addin.backends.fastbook.open_book``: the fast one from 1 MB on). A layout the
    fast backend does not patch (``UnsupportedWorkbook``): before the commit, the import is
    simply run again on openpyxl; after it, the committed import's sheets are written with
    openpyxl (never imported twice)."""
    from reglo.addin.backends.fastbook import UnsupportedWorkbook, open_book

    p = Path(path)

    def once(engine_: str) -> PaymentsRun:
        _step(progress, f"Règlements : ouverture de {p.name}")
        book = open_book(p, engine_)
        run = import_payments(book, pd_, today=today, now=now, file_name=p.name, save_book=True, progress=progress)
        if run.unsupported:  # committed; the fast backend cannot write these sheets: openpyxl does
            run.saved, run.unsupported = True, False
            run.write_outputs(open_book(p, "openpyxl"))
        elif run.batch_id is None:  # nothing imported: the painted sheet is still saved
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
