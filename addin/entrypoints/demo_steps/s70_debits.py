"""Demo step 70: customer direct debits (prélèvements clients) on the demo dossier.

1. « Préparer » with « Affectation des prélèvements »: the customers on mandates get mode
   Prélèvement and their default banks; the checks run first (« Édition des erreurs »).
2. The accountant spreads one invoice over three instalments (« Échéanciers », Reste = 0)
   and collects up to the end of January: the first two instalments only; and forces the
   amount of another customer (« Montants forcés »).
3. « Aperçu »: the file read back from its XML; a test file (TEST…): nothing recorded as
   collected, nothing lettered.
4. « Générer »: pain.008.001.08 validated against its XSD, entries, lettering, register.
5. « Générer » again: nothing is collected twice.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ORDER = 70
WORKBOOK = "Prélèvements clients.xlsx"


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell import debits as sd
    from reglo.core.writers.calendar import next_business_day

    folder = Path(ctx.dossier_path).parent if ctx.dossier_path else ctx.out_dir
    loaded = ctx.data.get("loaded_dossier")
    fy_end = loaded.dossier.company.fiscal_year_end if loaded is not None else date(2025, 12, 31)
    # fixed clock, like the other steps: the first business day after closing, 10:00
    demo_now = datetime.combine(next_business_day(fy_end + timedelta(days=1)), time(10, 0))
    saved, sd.now = sd.now, (lambda: demo_now)
    try:
        return _run(ctx, sd, folder, demo_now)
    finally:
        sd.now = saved


def _run(ctx: Any, sd: Any, folder: Path, now: datetime) -> list[str]:
    from reglo.addin.backends.sheets import FileWorkbook, read_table
    from reglo.core.debits.tables import DETAIL_SHEET

    path = ctx.out_dir / WORKBOOK
    if path.exists():
        path.unlink()
    until = date(now.year, now.month, 28) + timedelta(days=4)
    until = until - timedelta(days=until.day)  # end of the month of the run
    book = FileWorkbook(path, create=True)
    sd.ensure_workbook(book, {"Dossier": str(folder), "Affectation des prélèvements": "Oui", "Banque dossier": "BQ1",
                              "Liste des règlements jusqu'au": until, "Comptabilisation": "Global"})
    prepared = sd.prepare_debits(book)
    lines = [f"Préparer : {prepared.summary}"]
    ctx.blocking += sum(1 for a in prepared.alerts if a.is_blocking)

    detail = read_table(book, DETAIL_SHEET, required=["Clé"])
    collected = [r for r in detail.rows if r.get("Mode") == "Prélèvement" and Decimal(str(r.get("Montant") or 0)) > 0]
    customers = sorted({r.get("Code client") for r in collected})
    if collected:
        # one schedule: the largest invoice in three instalments, the last one after the period
        big = max(collected, key=lambda r: Decimal(str(r.get("Montant"))))
        amount = Decimal(str(big.get("Montant")))
        first, second = (amount / 2).quantize(Decimal("0.01")), (amount / 3).quantize(Decimal("0.01"))
        instalments = [(big.get("Date"), first), (until - timedelta(days=10), second), (until + timedelta(days=90), amount - first - second)]
        sd._write(book, _schedule_sheet(big.get("Clé"), big.get("Pièce"), instalments))
        lines.append(f"Échéancier de {big.get('Pièce')} ({amount} €) : 3 échéances, la dernière au {instalments[2][0]:%d/%m/%Y} hors période.")
        # one forced amount for another customer
        other = next((c for c in customers if c != big.get("Code client")), None)
        if other is not None:
            due = sum(Decimal(str(r.get("Montant"))) for r in collected if r.get("Code client") == other)
            forced = (due / 2).quantize(Decimal("0.01"))
            sd._write(book, _forced_sheet(other, forced))
            lines.append(f"Montant forcé du client {other} : {forced} € (au lieu de {due} €).")
    refreshed = sd.prepare_debits(book)
    lines.append(f"Préparer à nouveau : {refreshed.summary}")

    preview = sd.preview_debits(book)
    lines.append(f"Aperçu : {preview.summary}")
    sd.set_options(book, {"Génération d'un fichier test": "Oui"})
    test = sd.generate_debits(book)
    lines.append(f"Fichier de test : {test.summary}")
    lines += [f"  → {o}" for o in test.outputs]
    sd.set_options(book, {"Génération d'un fichier test": "Non"})
    generated = sd.generate_debits(book)
    lines.append(f"Générer : {generated.summary}")
    lines += [f"  → {o}" for o in generated.outputs]
    ctx.blocking += sum(1 for a in generated.alerts if a.is_blocking)
    again = sd.generate_debits(book)
    lines.append(f"Générer à nouveau : {again.summary} (rien n'est prélevé deux fois)")
    book.save()
    return lines


def _schedule_sheet(key: str, piece: str, instalments):
    from reglo.core.debits.tables import SCHEDULE_COLUMNS, SCHEDULE_SHEET
    from reglo.core.outcome import SheetOutput

    return SheetOutput(name=SCHEDULE_SHEET, columns=SCHEDULE_COLUMNS, rows=tuple((key, piece, d, a) for d, a in instalments), title=SCHEDULE_SHEET)


def _forced_sheet(code: str, amount: Decimal):
    from reglo.core.debits.tables import FORCED_COLUMNS, FORCED_SHEET
    from reglo.core.outcome import SheetOutput

    return SheetOutput(name=FORCED_SHEET, columns=FORCED_COLUMNS, rows=((code, amount, "Prélèvement", "BQ1", "", "DEMO-1", ""),), title=FORCED_SHEET)
