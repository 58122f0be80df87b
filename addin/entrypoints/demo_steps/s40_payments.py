"""Demo step 40: customer payments (règlements clients).

1. Import from the accounting ledger: the demo FEC's bank lines that name one invoice are
   applied; the others are listed with the one-line-per-invoice warning.
2. A week of payments typed in the template, with seeded mistakes (unknown invoice,
   invoice of another customer, impossible date, unreadable amount, unknown bank,
   duplicate row, partial payment, overpayment, job site mismatch, future date, an invoice
   the demo ledger already shows settled — lettered — so paying it would pay it twice), checked
   (fast file painter) then imported: blocked rows stay red, the others are applied.
3. The same import again: nothing is applied twice.
"""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ORDER = 40
WORKBOOK = "Import règlements clients.xlsx"
LEDGER_WORKBOOK = "Règlements depuis la comptabilité.xlsx"


def _demo_data(ctx: Any) -> Any:
    for v in ctx.data.values():
        if hasattr(v, "dossier") and hasattr(v, "ledger_frame"):
            return v
    from reglo.core.demo import generate_demo

    return generate_demo()


def _register(ctx: Any):
    from reglo.addin.shell.register import REGISTER_FILE, PaymentRegister

    path = ctx.register_path or (ctx.dossier_path.parent if ctx.dossier_path else ctx.out_dir) / REGISTER_FILE
    ctx.register_path = Path(path)
    return PaymentRegister(path)


def demo_rows(ref: Any, today: date) -> list[list[Any]]:
    """Template rows built from the invoices still open (register and demo ledger), with one
    seeded mistake per kind."""
    from reglo.core.money import to_money

    open_inv = sorted((i for i in ref.invoices.values() if i.open_amount > Decimal("100")), key=lambda i: (i.invoice_date or date.min, i.invoice_number))
    if len(open_inv) < 10:
        return []
    banks = sorted(ref.banks)
    bank = lambda inv: (ref.customers.get(inv.customer_code).default_bank_journal if ref.customers.get(inv.customer_code) and ref.customers[inv.customer_code].default_bank_journal else banks[0])  # noqa: E731
    day = lambda inv, n=7: max(inv.invoice_date or today, today - timedelta(days=20)) + timedelta(days=n)  # noqa: E731
    ok = open_inv[:4]
    rows: list[list[Any]] = []
    for inv in ok:
        rows.append([day(inv), inv.invoice_number, inv.customer_code, inv.open_amount, "Virement", f"VIR {inv.invoice_number}", bank(inv), inv.job_site_code or None, None])
    i = open_inv[4]
    rows.append([day(i), i.invoice_number, i.customer_code, to_money(i.open_amount / 3), "Chèque", "CHQ 0004512", bank(i), i.job_site_code or None, "Acompte"])  # partial
    i = open_inv[5]
    rows.append([day(i), i.invoice_number, i.customer_code, i.open_amount + Decimal("35.00"), "Virement", "VIR TROP PERCU", bank(i), i.job_site_code or None, None])  # overpayment
    i = open_inv[6]
    other_site = next((s for s in sorted(ref.job_sites) if s != i.job_site_code), "CH999")
    rows.append([day(i), i.invoice_number, i.customer_code, i.open_amount, "LCR", "LCR 2211", bank(i), other_site, None])  # job site mismatch
    rows.append([day(i), "FA-INCONNUE-01", i.customer_code, Decimal("1250.00"), "Virement", "VIR ?", bank(i), None, None])  # unknown invoice
    i = open_inv[7]
    other = next(c for c in sorted(ref.customers) if c != i.customer_code)
    rows.append([day(i), i.invoice_number, other, i.open_amount, "Virement", "VIR", bank(i), None, None])  # other customer
    i = open_inv[8]
    rows.append(["30/02/2025", i.invoice_number, i.customer_code, i.open_amount, "Chèque", "CHQ 0004513", bank(i), None, None])  # impossible date
    rows.append([day(i), i.invoice_number, i.customer_code, "1 2O4,50", "Chèque", "CHQ 0004514", bank(i), None, "Montant mal saisi"])  # O for 0
    i = open_inv[9]
    rows.append([day(i), i.invoice_number, i.customer_code, i.open_amount, "Virement", "VIR", "BQ9", None, None])  # unknown bank
    rows.append(list(rows[0]))  # the first payment typed twice
    rows.append([today + timedelta(days=10), open_inv[3].invoice_number, open_inv[3].customer_code, Decimal("10.00"), "Carte", "CB", bank(open_inv[3]), None, "Date future"])  # future
    settled = sorted((i for i in ref.invoices.values() if i.settled_in_ledger and i.settled_code), key=lambda i: (i.invoice_number != "FA24-1386", i.invoice_number))
    if settled:  # already paid and lettered in the ledger: blocked, never paid twice
        i = settled[0]
        rows.append([today - timedelta(days=13), i.invoice_number, i.customer_code, i.amount, "Virement", "VIR DEJA REGLE", bank(i), i.job_site_code or None, "Déjà soldée en comptabilité"])
    return rows


def write_demo_workbook(path: Path, rows: list[list[Any]], banks: list[str]) -> None:
    import openpyxl

    from reglo.addin.backends.sheets import atomic_write
    from reglo.core.payments import ingest as t
    from reglo.workbook_templates.payments import build_template

    wb = openpyxl.load_workbook(io.BytesIO(build_template(banks)))
    ws = wb[t.SHEET]
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(path, buf.getvalue())


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell.payments import PaymentsDossier, build_reference, check_file, import_from_ledger, import_payments
    from reglo.addin.backends.sheets import FileWorkbook

    loaded = ctx.data.get("loaded_dossier")
    if loaded is not None:  # the dossier as written and read back by step 0
        pdo = PaymentsDossier.from_loaded(loaded)
    else:
        data = _demo_data(ctx)
        folder = ctx.dossier_path.parent if ctx.dossier_path else ctx.out_dir
        pdo = PaymentsDossier(data.dossier, _register(ctx), Path(folder), data.ledger_frame)
    d = pdo.dossier
    today = d.company.fiscal_year_end
    now = datetime.combine(today, datetime.min.time()).replace(hour=18)
    lines = ["Règlements clients :"]

    book = FileWorkbook(ctx.out_dir / LEDGER_WORKBOOK, create=True)
    run1 = import_from_ledger(book, pdo, pdo.ledger, now=now, file_name=ctx.fec_path.name if ctx.fec_path else None)
    book.save()
    lines += ["  Import depuis la comptabilité : " + s for s in run1.summary]

    ref = build_reference(pdo)
    rows = demo_rows(ref, today)
    if not rows:
        return lines + ["  Pas assez de factures ouvertes pour la démonstration de l'import Excel."]
    path = ctx.out_dir / WORKBOOK
    write_demo_workbook(path, rows, sorted(ref.banks))
    chk = check_file(path, pdo, today=today)
    lines += ["  Contrôle du modèle : " + s for s in chk.summary]
    book = FileWorkbook(path)
    imp = import_payments(book, pdo, today=today, now=now + timedelta(minutes=5), file_name=path.name)
    book.save()
    lines += ["  Import : " + s for s in imp.summary]
    book = FileWorkbook(path)
    again = import_payments(book, pdo, today=today, now=now + timedelta(minutes=10), file_name=path.name)
    book.save()
    lines += ["  Second import du même classeur : " + again.summary[0]]
    if imp.synthesis is not None:
        tot = imp.synthesis.total
        from reglo.core.money import format_display

        lines.append(f"  Synthèse chantiers : facturé {format_display(tot.invoiced)}, reçu {format_display(tot.received)}, reste dû {format_display(tot.due)}.")
    lines += [f"  Fichiers : {path.name}, {LEDGER_WORKBOOK}" + "".join(f", {Path(o).name}" for o in imp.outputs)]
    ctx.data["payments"] = {"check": chk, "import": imp, "again": again, "ledger": run1}
    return lines
