"""Demo step 50: supplier transfers (virements fournisseurs) on the demo dossier.

1. « Importer »: unlettered supplier invoices of the fiscal year and the two following
   months, with the unlettered debits (deposits, credit notes, partial payments) negative.
2. The accountant leaves out the beneficiaries with a blocking alert (as one would before
   asking for a RIB), then « Afficher » shows the preview again without re-importing.
3. « Générer le fichier »: pain.001.001.09 validated against its XSD, written, recorded in
   the register; « Virements » and « Écritures » filled.
4. The same preview again: nothing is paid twice.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

ORDER = 50
WORKBOOK = "Virements fournisseurs.xlsx"
REIMPORT_WORKBOOK = "Virements fournisseurs (réimport).xlsx"


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell import transfers as at
    from reglo.core.writers.calendar import next_business_day

    folder = Path(ctx.dossier_path).parent if ctx.dossier_path else ctx.out_dir
    loaded = ctx.data.get("loaded_dossier")
    company = loaded.dossier.company if loaded is not None else None
    fy_start = company.fiscal_year_start if company else date(2025, 1, 1)
    fy_end = company.fiscal_year_end if company else date(2025, 12, 31)
    period_end = (fy_end + timedelta(days=63)).replace(day=1) - timedelta(days=1)  # end of the 2nd month after closing
    # the demo runs on a fixed clock: the first business day after closing, 09:00
    # (same file names and dates at every run, like the payments step)
    demo_now = datetime.combine(next_business_day(fy_end + timedelta(days=1)), time(9, 0))
    saved_clock, at.now = at.now, (lambda: demo_now)
    try:
        return _run(ctx, at, folder, fy_start, period_end, next_business_day(demo_now.date(), 1))
    finally:
        at.now = saved_clock


def _run(ctx: Any, at: Any, folder: Path, fy_start: date, period_end: date, execution: date) -> list[str]:
    from reglo.addin.backends.sheets import FileWorkbook, read_table

    path = ctx.out_dir / WORKBOOK
    if path.exists():
        path.unlink()
    book = FileWorkbook(path, create=True)
    at.ensure_params_sheet(book, {
        "Dossier": str(folder), "Période du": fy_start, "Période au": period_end, "Importer les débits non lettrés": "Oui",
        "Date d'exécution demandée": execution, "Remise": "Globale", "Version": "pain.001.001.09",
    })
    imported = at.import_transfers(book)
    lines = [f"Import : {imported.summary}"]

    # leave out the beneficiaries the rules block (what the accountant does before asking for a RIB)
    blocked_rows = {a.row for a in imported.alerts if a.is_blocking and a.sheet == at.PREVIEW_SHEET and a.row}
    table = read_table(book, at.PREVIEW_SHEET, required=["Clé", "Sélection"])
    blocked = {r.get("Bénéficiaire") for r in table.rows if r.excel_row in blocked_rows}
    col = table.column_index("Sélection")
    cells = {(r.excel_row, col): "Non" for r in table.rows if r.get("Clé") and r.get("Bénéficiaire") in blocked}
    # one transfer paid in part, as in the product example (1 200 € → 1 000 €): the balance comes back
    edited = next((r for r in table.rows if r.get("Clé") and r.get("Type") == "Facture" and r.get("Sélection") == "Oui"
                   and r.get("Bénéficiaire") not in blocked and float(r.get("Montant") or 0) > 1000), None)  # float ok: an Excel cell value
    if edited is not None:
        cells[(edited.excel_row, table.column_index("Montant"))] = round(float(edited.get("Montant")) - 200, 2)  # float ok
    book.write_cells(at.PREVIEW_SHEET, cells)
    shown = at.show_transfers(book)
    lines.append(f"Afficher : {shown.summary} ({len(blocked)} bénéficiaire(s) écarté(s) pour alerte bloquante)")
    before = ctx.out_dir / "Virements fournisseurs (avant génération).xlsx"
    book.save(before)

    generated = at.generate_transfers(book)
    lines.append(f"Générer : {generated.summary}")
    lines += [f"  → {o}" for o in generated.outputs]
    book.save()
    ctx.blocking += sum(1 for a in generated.alerts if a.is_blocking)

    again = at.generate_transfers(FileWorkbook(before))
    skipped = sum(1 for a in again.alerts if a.code.value == "ALREADY_PAID")
    lines.append(f"Même prévisualisation relancée : {skipped} ligne(s) déjà payée(s) ignorée(s), aucun nouveau fichier.")
    before.unlink(missing_ok=True)

    if edited is not None:  # re-import into a second workbook: the invoice paid in part comes back with its balance
        second = FileWorkbook(ctx.out_dir / REIMPORT_WORKBOOK, create=True)
        at.ensure_params_sheet(second, {
            "Dossier": str(folder), "Période du": fy_start, "Période au": period_end, "Importer les débits non lettrés": "Oui",
            "Date d'exécution demandée": execution,
        })
        again = at.import_transfers(second)
        second.save()
        back = [a for a in again.alerts if a.code.value == "PARTLY_PAID"]
        lines.append(f"Réimport : {again.summary} " + (back[0].message if back else ""))
    return lines
