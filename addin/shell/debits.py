"""Customer direct debits, workbook side (« Prélèvements clients »).

Every button goes through the one commit protocol (``reglo.addin.shell.commit.run_button``):
lock the dossier, recover, re-read the register, run the pure plan of
``reglo.core.debits.usecases`` and, for « Générer », record the batch pending, write the
pain.008 file and the entries (tmp + fsync + rename without overwrite), replace the lettered
copy of the ledger, mark the batch committed. The sheets are written afterwards.

The workbook holds « Options » (Paramètre / Valeur), the main sheet, « Détail »
(assignments), « Échéanciers » and « Montants forcés » (what the user edits), and the sheets
the plans write (« Répartition », « Édition des erreurs », « Édition compte sans tiers »,
« Aperçu », « Pré-notification », « Bordereau », « Écritures prélèvements »).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, WorkbookError, as_workbook, read_table
from reglo.addin.backends.base import set_parameter_values
from reglo.addin.shell.result import HandlerResult
from reglo.addin.shell.commit import CommitContext, run_button
from reglo.addin.shell.errors import UserError
from reglo.core.alerts import Alert, alert
from reglo.core.debits import actions as act
from reglo.core.debits.allocation import invoices_of_years
from reglo.core.debits.models import Mode, parse_mode
from reglo.core.debits.tables import (
    DETAIL_COLUMNS,
    DETAIL_SHEET,
    FORCED_COLUMNS,
    FORCED_SHEET,
    MAIN_SHEET,
    OPTIONS,
    OPTIONS_SHEET,
    SCHEDULE_COLUMNS,
    SCHEDULE_SHEET,
    read_assignments,
    read_forced,
    read_options,
    read_schedules,
    schedule_text,
)
from reglo.core.debits.usecases import FOLDER, DebitInputs, plan_check, plan_generate, plan_prepare, plan_preview
from reglo.core.outcome import Outcome, SheetOutput

_FORMATS = {"amount": EURO_FORMAT, "date": DATE_FORMAT, "datetime": "dd/mm/yyyy hh:mm", "integer": "0", "percent": "0.0%"}
_FEC_NAME = re.compile(r"^(\d{9})FEC(\d{8})\.txt$", re.IGNORECASE)


def now() -> datetime:
    """The clock of the shell (the CLI's ``--now`` replaces it)."""
    return datetime.now().replace(microsecond=0)


# ---------------------------------------------------------------------------
# workbook
# ---------------------------------------------------------------------------

def ensure_workbook(book: Any, values: dict[str, Any] | None = None) -> None:
    """Create the sheets the user edits when missing; write ``values`` into « Options »."""
    book = as_workbook(book)
    names = book.sheet_names()
    if OPTIONS_SHEET not in names:
        rows = [[name, default, help_] for name, default, help_ in OPTIONS] + [["Dossier", "", "Dossier de la société (dossier.xlsx, FEC, registre)"]]
        book.write_sheet(OPTIONS_SHEET, [Column("Paramètre", None, 42), Column("Valeur", None, 30), Column("Aide", None, 90)], rows, title="Options des prélèvements clients")
    for sheet, cols in ((SCHEDULE_SHEET, SCHEDULE_COLUMNS), (FORCED_SHEET, FORCED_COLUMNS)):
        if sheet not in names:
            _write(book, SheetOutput(name=sheet, columns=cols, rows=(), title=sheet))
    if values:
        set_options(book, values)


def set_options(book: Any, values: dict[str, Any]) -> None:
    set_parameter_values(book, OPTIONS_SHEET, values)


def option_values(book: Any) -> dict[str, tuple[int | None, Any]]:
    if OPTIONS_SHEET not in book.sheet_names():
        return {}
    table = read_table(book, OPTIONS_SHEET, required=["Paramètre", "Valeur"])
    return {str(r.get("Paramètre") or "").strip(): (r.excel_row, r.get("Valeur")) for r in table.rows if r.get("Paramètre")}


def _rows(book: Any, sheet: str, required: list[str]) -> list[tuple[int, dict[str, Any]]]:
    if sheet not in book.sheet_names():
        return []
    table = read_table(book, sheet, required=required)
    return [(r.excel_row, r.values) for r in table.rows]


def _write(book: Any, sheet: SheetOutput) -> int:
    cols = [Column(c.header, _FORMATS.get(c.kind), c.width) for c in sheet.columns]
    header = book.write_sheet(sheet.name, cols, [list(r) for r in sheet.rows], title=sheet.title, preamble=[list(p) for p in sheet.preamble] or None)
    if sheet.hidden:
        book.hide_sheet(sheet.name)
    return header


def write_outcome_sheets(book: Any, outcome: Outcome) -> None:
    """The outcome's sheets, then the colours (forced amounts, green « V »)."""
    headers = {s.name: _write(book, s) for s in outcome.sheets}
    if MAIN_SHEET in headers or DETAIL_SHEET in headers:
        _validations(book, headers)
    for sheet, cells in (outcome.data.get("paint") or {}).items():
        if sheet not in headers:
            continue
        by_colour: dict[str, list[tuple[int, int]]] = {}
        for n, col, colour in cells:
            by_colour.setdefault(colour, []).append((headers[sheet] + 1 + n, col + 1))
        for colour, where in by_colour.items():
            book.fill(sheet, where, colour)


def _validations(book: Any, headers: dict[str, int]) -> None:
    from reglo.core.debits.models import MODES

    if DETAIL_SHEET in headers:
        first = headers[DETAIL_SHEET] + 1
        book.set_list_validation(DETAIL_SHEET, first, first + 5000, [c.header for c in DETAIL_COLUMNS].index("Mode") + 1, list(MODES),
                                 title="Mode de règlement", error="Choisissez un mode de la liste.")


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------

def dossier_folder(book: Any, override: str | Path | None) -> Path:
    if override:
        p = Path(override)
        return p if p.is_dir() else p.parent
    values = option_values(book)
    given = str(values.get("Dossier", (None, ""))[1] or "").strip()
    if given:
        p = Path(given)
        return p if p.is_dir() else p.parent
    path = getattr(book, "path", None)
    if path:
        return Path(path).resolve().parent
    raise UserError("Dossier de la société inconnu : indiquez-le dans « Options » (ligne Dossier) ou avec --dossier.")


def dossier_fecs(folder: Path, siren: str) -> list[tuple[date, Path]]:
    """The dossier's FEC files ``SIRENFECAAAAMMJJ.txt`` (closing date, path), oldest first."""
    found = []
    for p in folder.iterdir() if folder.is_dir() else []:
        m = _FEC_NAME.match(p.name)
        if m and p.is_file() and (not siren or m.group(1) == siren):
            try:
                found.append((datetime.strptime(m.group(2), "%Y%m%d").date(), p))
            except ValueError:
                continue
    return sorted(found)


def adjacent_fecs(folder: Path, siren: str, chosen: Path | None) -> list[Path]:
    """The FEC of the fiscal years just before and just after ``chosen`` (N and N+1), when the
    dossier holds them: their open invoices are collected and looked for too."""
    found = dossier_fecs(folder, siren)
    at = next((n for n, (_, p) in enumerate(found) if chosen is not None and p.resolve() == chosen.resolve()), None)
    if at is None:
        return []
    end = found[at][0]
    return [p for n, (e, p) in enumerate(found) if n in (at - 1, at + 1) and abs((e - end).days) <= 400]


def fec_for(folder: Path, siren: str, day: date | None, fallback: Path | None) -> tuple[Path | None, date | None]:
    """The dossier FEC of the fiscal year holding ``day``: N, or N+1 when the dossier holds it
    (files ``SIRENFECAAAAMMJJ.txt``, the date being the closing date)."""
    found = dossier_fecs(folder, siren)
    if not found:
        return fallback, None
    if day is not None:
        for end, p in found:
            if day <= end:
                return p, end
    return found[-1][1], found[-1][0]


class _Loaded:
    def __init__(self, book: Any, dossier: str | Path | None, *, collection_day: date | None = None):
        from reglo.addin.shell.dossier import load_dossier
        from reglo.core.fec import FecError, read_fec

        self.folder = dossier_folder(book, dossier)
        self.loaded = load_dossier(self.folder)
        self.dossier = self.loaded.dossier
        # the dossier loader drops an invalid IBAN / BIC (blocking alert on its row): it stays
        # blocking for a company bank and for a customer to collect (seed: contrôle bloquant)
        from reglo.core.debits.allocation import party_default_mode

        to_collect = {p.source_row for p in self.dossier.customers if party_default_mode(p) == Mode.DIRECT_DEBIT}
        self.alerts: list[Alert] = [a for a in self.loaded.alerts if a.is_blocking and (
            a.sheet == "Banques" or (a.sheet == "Tiers" and a.row in to_collect and a.column in ("IBAN", "BIC")))]
        self.fec_path, self.year_end = fec_for(self.loaded.folder, self.dossier.company.siren, collection_day, self.loaded.fec_path)
        self.ledger = self.loaded.ledger.frame
        if self.fec_path is not None and self.fec_path != self.loaded.fec_path:
            try:
                self.ledger = read_fec(self.fec_path.read_bytes(), filename=self.fec_path.name).frame
            except (FecError, OSError):
                self.fec_path, self.year_end = self.loaded.fec_path, None
        if self.year_end is None:
            self.year_end = self.dossier.company.fiscal_year_end
        self.other_ledgers = []  # N-1 / N+1 beside the fiscal year of the collection date
        for path in adjacent_fecs(self.loaded.folder, self.dossier.company.siren, self.fec_path):
            try:
                self.other_ledgers.append(read_fec(path.read_bytes(), filename=path.name).frame)
            except (FecError, OSError):
                self.alerts.append(alert("FILE_UNREADABLE", sheet="FEC", detail=path.name))
        self.banks = {b.journal_code for b in self.dossier.company.bank_accounts}

    def inputs(self, book: Any) -> DebitInputs:
        opts = read_options(option_values(book))
        assignments, a1 = read_assignments(_rows(book, DETAIL_SHEET, ["Clé"]), self.banks)
        schedules, a2 = read_schedules(_rows(book, SCHEDULE_SHEET, ["Clé"]))
        forced, a3 = read_forced(_rows(book, FORCED_SHEET, ["Code client"]), self.banks)
        invoices = invoices_of_years(self.ledger, self.other_ledgers)
        alerts = a1 + a2 + a3
        if not invoices:
            alerts.append(alert("DEBIT_NO_LEDGER", detail=self.fec_path.name if self.fec_path else "pas de FEC dans le dossier"))
        return DebitInputs(invoices=tuple(invoices), assignments=assignments, schedules=schedules, forced=forced, options=opts,
                           read_alerts=tuple(alerts) + tuple(self.alerts))


def _result(book: Any, outcome: Outcome, alerts: list[Alert], summary: str | None = None, outputs: Iterable[Path] = ()) -> HandlerResult:
    write_outcome_sheets(book, outcome)
    return HandlerResult(summary or outcome.summary, list(alerts), [str(p) for p in outputs])


def _book(book: Any) -> Any:
    try:
        return as_workbook(book)
    except WorkbookError as exc:  # pragma: no cover - xlwings without a book
        raise UserError(str(exc)) from exc


# ---------------------------------------------------------------------------
# buttons
# ---------------------------------------------------------------------------

def _writing_nothing(book: Any, dossier: str | Path | None, store: Any, plan: Any) -> HandlerResult:
    """A button that writes only sheets: ``plan(inputs, dossier, ctx)`` run inside the lock on
    the register read there, its sheets and alerts written back."""
    book = _book(book)
    ensure_workbook(book)
    d = _Loaded(book, dossier)
    inputs = d.inputs(book)
    res = run_button(d.folder, lambda ctx: plan(inputs, d.dossier, ctx), now=now(), store=store, block_on_orphans=False)
    return _result(book, res.outcome, res.alerts)


def prepare_debits(book: Any, *, dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """« Préparer »: checks, then the main sheet, « Détail », « Répartition » and the editions."""
    return _writing_nothing(book, dossier, store, lambda inputs, dossier_, ctx: plan_prepare(inputs, dossier_, ctx.snapshot, now=ctx.now))


def check_debits(book: Any, *, dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """« Contrôler »: the checks before the window opens, printable."""
    return _writing_nothing(book, dossier, store, lambda inputs, dossier_, ctx: plan_check(inputs, dossier_, ctx.snapshot, now=ctx.now))


def preview_debits(book: Any, *, mode: str = "Prélèvement", dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """« Aperçu » for a mode (Aucun: unassigned lines; Prélèvement: the file read back)."""
    parsed = parse_mode(mode) or Mode.DIRECT_DEBIT
    return _writing_nothing(book, dossier, store, lambda inputs, dossier_, ctx: plan_preview(inputs, dossier_, ctx.snapshot, now=ctx.now, mode=parsed,
                                                                                           existing_names=ctx.names_in(FOLDER)))


def generate_debits(book: Any, *, dossier: str | Path | None = None, store: Any = None, save_book: bool = False) -> HandlerResult:
    """« Générer »: pain.008 + entries + lettered copy + register batch, committed together."""
    from reglo.addin.shell.settlements import read_copy_state

    book = _book(book)
    ensure_workbook(book)
    opts = read_options(option_values(book))
    day = opts.params.collection_date if opts.params else None
    d = _Loaded(book, dossier, collection_day=day or now().date())
    inputs = d.inputs(book)

    def plan(ctx: CommitContext) -> Outcome:
        state = read_copy_state(d.fec_path, d.folder) if d.fec_path is not None else None
        return plan_generate(inputs, d.dossier, ctx.snapshot, now=ctx.now, existing_names=ctx.names_in(FOLDER), ledger=d.ledger, copy_state=state,
                             fiscal_year_end=d.year_end)

    res = run_button(d.folder, plan, now=now(), store=store)
    summary = res.outcome.summary
    if res.committed:
        summary += f" Enregistré au registre (lot {res.batch_id})."
    elif res.status == "blocked" and res.outcome.batch is not None:
        summary = "Aucun fichier généré : " + "; ".join(a.message for a in res.alerts if a.is_blocking)[:300]
    out = _result(book, res.outcome if res.committed or res.status != "blocked" else res.outcome.model_copy(update={"sheets": ()}), res.alerts, summary, res.paths)
    if save_book and res.committed:
        book.save()
    return out


ACTIONS = {
    "ne-pas-regler": "Ne pas régler les clients sélectionnés",
    "changer-banque": "Changer l'affectation de la banque dossier",
    "retirer-tout": "Retirer toutes les affectations de TOUS les clients",
    "appliquer-a-tous": "Appliquer à tous",
    "retirer-ligne": "Retirer l'affectation de la ligne",
}


def selected_customers(book: Any) -> list[str]:
    """Customers marked in the « Sél. » column of the main sheet."""
    if MAIN_SHEET not in book.sheet_names():
        return []
    table = read_table(book, MAIN_SHEET, required=["Code client"])
    return [str(r.get("Code client")) for r in table.rows if str(r.get("Sél.") or "").strip() and r.get("Code client")]


def action_debits(book: Any, action: str, *, customers: Iterable[str] | None = None, bank: str | None = None, mode: str | None = None,
                  key: str | None = None, confirm: bool = False, dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """The allocation actions; then « Préparer » again to refresh the sheets."""
    book = _book(book)
    ensure_workbook(book)
    d = _Loaded(book, dossier)
    inputs = d.inputs(book)
    assignments, forced = dict(inputs.assignments), dict(inputs.forced)
    customer_of = {i.key: i.customer_code for i in inputs.invoices}
    codes = list(customers) if customers else selected_customers(book)
    if action == "ne-pas-regler":
        if not codes:
            return HandlerResult("Aucun client sélectionné (colonne « Sél. » de la feuille principale).", [])
        assignments, forced = act.do_not_collect(assignments, forced, customer_of, codes)
    elif action == "changer-banque":
        if not bank or bank.upper() not in d.banks:
            raise UserError(f"Banque dossier « {bank or ''} » inconnue : banques {', '.join(sorted(d.banks)) or 'aucune'}.")
        assignments, forced = act.change_company_bank(assignments, forced, customer_of, bank.upper(), codes or None)
    elif action == "retirer-tout":
        if not confirm:
            return HandlerResult("Retrait de toutes les affectations non confirmé : rien n'a changé (confirmez pour retirer les affectations de TOUS les clients).", [])
        assignments, forced = act.remove_all(assignments, forced, confirmed=True)
        set_options(book, {"Affectation des prélèvements": "Non"})  # the lines stay at Aucun on the next « Préparer »
    elif action == "appliquer-a-tous":
        parsed = parse_mode(mode)
        if parsed is None or not codes:
            raise UserError("Appliquer à tous : indiquez un client et un mode (Aucun, Prélèvement, LCR, Virement, Chèque, Acompte).")
        for code in codes:
            assignments = act.apply_to_all(_complete(assignments, inputs, code), customer_of, code, parsed, bank.upper() if bank else None)
    elif action == "retirer-ligne":
        if not key:
            raise UserError("Retirer l'affectation de la ligne : indiquez la clé de la ligne (colonne Clé de « Détail »).")
        assignments = act.clear_line(assignments, key)
    else:
        raise UserError(f"Action « {action} » inconnue : {', '.join(ACTIONS)}.")
    _write_assignments(book, inputs, assignments)
    _write_forced(book, forced)
    result = prepare_debits(book, dossier=dossier, store=store)
    return HandlerResult(f"{ACTIONS[action]} : fait. {result.summary}", result.alerts, result.outputs)


def _complete(assignments: dict, inputs: DebitInputs, code: str) -> dict:
    from reglo.core.debits.models import Assignment

    out = dict(assignments)
    for i in inputs.invoices:
        if i.customer_code == code and i.key not in out:
            out[i.key] = Assignment(key=i.key)
    return out


def _write_assignments(book: Any, inputs: DebitInputs, assignments: dict) -> None:
    """Rewrite « Détail » with the new assignments (the next « Préparer » recomputes amounts)."""
    rows = []
    for inv in sorted(inputs.invoices, key=lambda i: (i.customer_code, i.entry_date, i.key)):
        a = assignments.get(inv.key)
        if a is None:
            continue
        rows.append((inv.key, inv.customer_code, inv.document_ref, inv.entry_date, inv.due_date, inv.label, inv.amount, None, a.mode.value,
                     a.company_bank or "", a.customer_iban or "", schedule_text(inputs.schedules.get(inv.key, ())), None, "V" if a.validated else ""))
    _write(book, SheetOutput(name=DETAIL_SHEET, columns=DETAIL_COLUMNS, rows=tuple(rows), title="Détail des factures non lettrées et de leur affectation"))


def _write_forced(book: Any, forced: dict) -> None:
    rows = tuple((f.customer_code, f.amount, f.mode.value, f.company_bank or "", f.customer_iban or "", f.reference, schedule_text(f.schedule))
                 for f in forced.values())
    _write(book, SheetOutput(name=FORCED_SHEET, columns=FORCED_COLUMNS, rows=rows, title=FORCED_SHEET))
