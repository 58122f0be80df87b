"""« TVA sur encaissements », workbook side: « Options TVA » (period, VAT accounts, customers
on receipts), « Encaissement - Saisie TVA » (manual distributions, optional); the pure plan
``reglo.core.vat_receipts.usecases.plan_vat`` runs on the register read inside the lock and
its CSV of the payment data (« Données d'encaissement ») is committed through
``run_button``; then the sheets « CA3 - TVA sur encaissements », « TVA sur encaissements »,
« Encaissements sans TVA affectée » and « Données d'encaissement » are written.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from reglo.addin.backends.sheets import Column, as_workbook, read_table
from reglo.addin.backends.base import set_parameter_values
from reglo.addin.shell import debits as sd
from reglo.addin.shell.commit import CommitContext, run_button
from reglo.addin.shell.errors import UserError
from reglo.addin.shell.result import HandlerResult
from reglo.core.alerts import alert
from reglo.core.dossier import cell_date, cell_text
from reglo.core.money import to_money
from reglo.core.outcome import Outcome
from reglo.core.vat_receipts.models import ManualAllocation, ManualAllocationLine
from reglo.core.vat_receipts.usecases import DEFAULT_VAT_ACCOUNTS, ledger_lines_of, parse_vat_accounts, plan_vat

OPTIONS_SHEET = "Options TVA"
MANUAL_SHEET = "Encaissement - Saisie TVA"
START, END, ACCOUNTS, CUSTOMERS, DOSSIER = "Début de période", "Fin de période", "Comptes de TVA collectée", "Clients en TVA sur encaissements", "Dossier"
OPTIONS = (
    (START, "", "jj/mm/aaaa : premier jour de la période déclarée"),
    (END, "", "jj/mm/aaaa : dernier jour de la période déclarée"),
    (ACCOUNTS, DEFAULT_VAT_ACCOUNTS, "compte de TVA collectée = code TVA (TN 20 %, TI 10 %, TR 5,5 %, DN 8,5 %, DR 2,1 %)"),
    (CUSTOMERS, "", "codes clients séparés par des virgules ; vide : tous les clients"),
    (DOSSIER, "", "dossier de la société (dossier.xlsx, FEC, registre)"),
)
MANUAL_HEADERS = ("Réf. encaissement", "Code opération", "Code TVA", "Montant TTC")


def ensure_workbook(book: Any, values: dict[str, Any] | None = None) -> None:
    book = as_workbook(book)
    if OPTIONS_SHEET not in book.sheet_names():
        book.write_sheet(OPTIONS_SHEET, [Column("Paramètre", None, 36), Column("Valeur", None, 40), Column("Aide", None, 80)], [list(o) for o in OPTIONS],
                         title="Options de la TVA sur encaissements")
    if MANUAL_SHEET not in book.sheet_names():
        book.write_sheet(MANUAL_SHEET, [Column(h, None, 20) for h in MANUAL_HEADERS], [], title="Répartition manuelle des encaissements (jusqu'à un reste de 0)")
    if values:
        set_parameter_values(book, OPTIONS_SHEET, values)


def _options(book: Any) -> dict[str, Any]:
    table = read_table(book, OPTIONS_SHEET, required=["Paramètre", "Valeur"])
    return {str(r.get("Paramètre") or "").strip(): r.get("Valeur") for r in table.rows if r.get("Paramètre")}


def _manual(book: Any) -> tuple[list[ManualAllocation], list]:
    alerts = []
    if MANUAL_SHEET not in book.sheet_names():
        return [], alerts
    table = read_table(book, MANUAL_SHEET, required=list(MANUAL_HEADERS[:1]))
    by_receipt: dict[str, list[ManualAllocationLine]] = {}
    for r in table.rows:
        rid = cell_text(r.get(MANUAL_HEADERS[0])).strip()
        if not rid:
            continue
        try:
            amount = to_money(r.get(MANUAL_HEADERS[3]))
        except (ValueError, ArithmeticError, TypeError):
            alerts.append(alert("VAT_MANUAL_AMOUNT_INVALID", receipt=rid, value=cell_text(r.get(MANUAL_HEADERS[3])), sheet=MANUAL_SHEET, row=r.excel_row,
                                column=MANUAL_HEADERS[3]))
            continue
        by_receipt.setdefault(rid, []).append(ManualAllocationLine(operation_code=cell_text(r.get(MANUAL_HEADERS[1])).strip().upper() or "A1",
                                                                   vat_code=cell_text(r.get(MANUAL_HEADERS[2])).strip().upper(), amount=amount, source_row=r.excel_row))
    return [ManualAllocation(receipt_id=k, lines=tuple(v)) for k, v in by_receipt.items()], alerts


def vat_receipts(book: Any, *, dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """« TVA sur encaissements »: CA3 sheet, allocations, receipts without allocation and the
    « Données d'encaissement » sheet + CSV (folder ``tva`` of the dossier)."""
    from reglo.addin.shell.dossier import load_dossier

    book = sd._book(book)
    ensure_workbook(book)
    opts = _options(book)
    given = str(opts.get(DOSSIER) or "").strip()
    folder = Path(dossier) if dossier else (Path(given) if given else (Path(book.path).resolve().parent if getattr(book, "path", None) else None))
    if folder is None:
        raise UserError("Dossier de la société inconnu : indiquez-le dans « Options TVA » (ligne Dossier) ou avec --dossier.")
    if folder.is_file():
        folder = folder.parent
    try:
        start, end = cell_date(opts.get(START)), cell_date(opts.get(END))
    except ValueError:
        alerts = [alert("VAT_PERIOD_INVALID", detail=f"{cell_text(opts.get(START))} – {cell_text(opts.get(END))}", sheet=OPTIONS_SHEET)]
        return HandlerResult("TVA sur encaissements non calculée : période illisible.", alerts)
    if start is None or end is None:
        return HandlerResult("TVA sur encaissements non calculée : période incomplète.",
                             [alert("VAT_PERIOD_INVALID", detail="début ou fin de période vide", sheet=OPTIONS_SHEET)])
    accounts, alerts = parse_vat_accounts(cell_text(opts.get(ACCOUNTS)) or DEFAULT_VAT_ACCOUNTS)
    if alerts:
        return HandlerResult("TVA sur encaissements non calculée.", alerts)
    customers = {c.strip() for c in cell_text(opts.get(CUSTOMERS)).split(",") if c.strip()} or None
    manual, read_alerts = _manual(book)
    loaded = load_dossier(folder)
    lines = ledger_lines_of(loaded.ledger.frame)
    company = loaded.dossier.company
    names = {p.code: p.legal_name for p in loaded.dossier.parties}

    def plan(ctx: CommitContext) -> Outcome:
        out = plan_vat(ctx.snapshot, lines, seller_siren=company.siren, period=(start, end), vat_accounts=accounts, now=ctx.now, parties=customers,
                       manual=manual, names=names, existing_names=ctx.names_in("tva"))
        return out.model_copy(update={"alerts": tuple(read_alerts) + out.alerts})

    res = run_button(folder, plan, now=sd.now(), store=store, block_on_orphans=False, lettering_lines=True)
    for s in res.outcome.sheets:
        sd._write(book, s)
    text = res.outcome.summary
    if res.committed:
        text += f" Données d'encaissement : {res.paths[0].name} (lot {res.batch_id})."
    return HandlerResult(text, list(res.alerts), [str(p) for p in res.paths])


def period_values(start: date | None, end: date | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if start:
        out[START] = start
    if end:
        out[END] = end
    return out
