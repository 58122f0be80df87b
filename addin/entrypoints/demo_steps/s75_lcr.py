"""Demo step 75: LCR magnétique (CFONB 160), the remittance slips and VAT on receipts.

On the workbook of step 70 (« Prélèvements clients.xlsx »), same fixed clock:

1. three customers paying by cheque or transfer, with a French bank account, are switched to
   mode LCR (« Appliquer à tous », bank BQ1);
2. « Transfert »: « Gestion des LCR »; the accountant sets one bill « Non acceptée », one
   « Billet à ordre », a drawer reference, and the due dates (end of the next month);
3. « Continuer »: the CFONB 160 file (read back in « Fichier LCR »), its treasury entries (FEC
   named for the DGFiP checker), the register batch, the provisional journal and the slip;
   « Continuer » again collects nothing twice;
4. « Bordereau d'accompagnement » of the LCR and of the direct debits of step 70 (printable
   sheets; PDF with ``reglo debits slip --pdf`` when LibreOffice is installed);
5. « TVA sur encaissements » over the fiscal year of the run: the CA3 sheet and the receipts
   data (« Données d'encaissement » sheet + CSV), which reconciles to the cent with the
   treasury entries of the direct debits and of the LCR.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ORDER = 75
WORKBOOK = "Prélèvements clients.xlsx"
VAT_WORKBOOK = "TVA sur encaissements.xlsx"
LCR_CUSTOMERS = 3


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell import debits as sd
    from reglo.core.writers.calendar import next_business_day

    folder = Path(ctx.dossier_path).parent if ctx.dossier_path else ctx.out_dir
    loaded = ctx.data.get("loaded_dossier")
    fy_end = loaded.dossier.company.fiscal_year_end if loaded is not None else date(2025, 12, 31)
    # the clock of step 70, five minutes later
    demo_now = datetime.combine(next_business_day(fy_end + timedelta(days=1)), time(10, 5))
    saved, sd.now = sd.now, (lambda: demo_now)
    try:
        return _run(ctx, folder, demo_now)
    finally:
        sd.now = saved


def _lcr_customers(book: Any, dossier: Any) -> list[str]:
    """Customers with an open invoice not collected by direct debit and a French account."""
    from reglo.addin.backends.sheets import read_table
    from reglo.core.debits.tables import DETAIL_SHEET

    parties = {p.code: p for p in dossier.parties}
    detail = read_table(book, DETAIL_SHEET, required=["Clé"])
    by_customer: dict[str, set[str]] = {}
    for r in detail.rows:
        by_customer.setdefault(str(r.get("Code client")), set()).add(str(r.get("Mode") or ""))
    out = []
    for code in sorted(by_customer):
        p = parties.get(code)
        account = p.main_bank_account if p is not None else None
        if "Prélèvement" in by_customer[code] or account is None or not str(account.iban).startswith("FR"):
            continue
        if any(Decimal(str(r.get("Montant") or 0)) > 0 for r in detail.rows if str(r.get("Code client")) == code):
            out.append(code)
    return out[:LCR_CUSTOMERS]


def _run(ctx: Any, folder: Path, now: datetime) -> list[str]:
    from reglo.addin.backends.sheets import FileWorkbook, read_table
    from reglo.addin.shell import debits as sd
    from reglo.addin.shell import lcr as sl
    from reglo.addin.shell import vat as sv
    from reglo.addin.shell.dossier import load_dossier

    path = ctx.out_dir / WORKBOOK
    book = FileWorkbook(path, create=not path.exists())
    sd.ensure_workbook(book, {"Dossier": str(folder), "Affectation des prélèvements": "Oui", "Banque dossier": "BQ1"})
    dossier = load_dossier(folder).dossier
    sd.prepare_debits(book)
    customers = _lcr_customers(book, dossier)
    lines = []
    if customers:
        switched = sd.action_debits(book, "appliquer-a-tous", customers=customers, mode="LCR", bank="BQ1")
        lines.append(f"Mode LCR pour {', '.join(customers)} : {switched.summary}")
    sl.ensure_params(book, {"Date de remise": now.date(), "Libellé de contrepartie": "LCR {PIECE}", "Journal de trésorerie": "BQ1"})
    transfer = sl.transfer_lcr(book)
    lines.append(f"Transfert : {transfer.summary}")
    table = read_table(book, "Gestion des LCR", required=["Compte"])
    edits = {}
    if table.rows:
        edits[(table.rows[0].excel_row, table.column_index("Réf. Tireur"))] = "452"
    if len(table.rows) > 1:
        edits[(table.rows[1].excel_row, table.column_index("Accept."))] = "0 - Non acceptée"
    if len(table.rows) > 2:
        edits[(table.rows[2].excel_row, table.column_index("Accept."))] = "2 - Billet à ordre"
    # bills fall due at the end of the month after the remittance (overdue invoices included)
    due = (now.date().replace(day=28) + timedelta(days=4)).replace(day=1) + timedelta(days=31)
    due = due.replace(day=1) - timedelta(days=1)
    for r in table.rows:
        edits[(r.excel_row, table.column_index("Échéance"))] = due
    if edits:
        book.write_cells("Gestion des LCR", edits)
    done = sl.continue_lcr(book)
    ctx.blocking += sum(1 for a in done.alerts if a.is_blocking)
    lines.append(f"Continuer : {done.summary}")
    lines += [f"  → {o}" for o in done.outputs]
    again = sl.continue_lcr(book)
    lines.append(f"Continuer à nouveau : {again.summary} (aucune LCR remise deux fois)")
    for kind in ("lcr", "prelevement"):
        s = sl.slip(book, kind=kind)
        ctx.blocking += sum(1 for a in s.alerts if a.is_blocking)
        lines.append(f"Bordereau : {s.summary}")
    book.save()

    vat_path = ctx.out_dir / VAT_WORKBOOK
    if vat_path.exists():
        vat_path.unlink()
    vbook = FileWorkbook(vat_path, create=True)
    year_start = dossier.company.fiscal_year_start.replace(year=now.year)
    year_end = dossier.company.fiscal_year_end.replace(year=now.year)
    sv.ensure_workbook(vbook, {sv.DOSSIER: str(folder), sv.ACCOUNTS: "445710=TN", **sv.period_values(year_start, year_end)})
    vat = sv.vat_receipts(vbook)
    ctx.blocking += sum(1 for a in vat.alerts if a.is_blocking)
    lines.append(f"TVA sur encaissements : {vat.summary}")
    lines += [f"  → {o}" for o in vat.outputs]
    vbook.save()
    ctx.data["lcr"] = {"continue": done, "vat": vat, "workbook": path, "vat_workbook": vat_path}
    return lines
