"""Demo step 60: entry import (import d'écritures) from three layouts.

A deterministic generator writes three files as other packages would export them, each
read through its own import definition (``reglo.core.entry_import.layout.PRESETS``):

1. ``ventes.xlsx`` — sales invoices from an invoicing tool: accounts on one column typed by
   number ranges, debit / credit columns, the VAT on the revenue line (first worked example
   of the help page); one invoice has its VAT off by one cent and is rejected whole;
2. ``ecritures-societes.txt`` — tab-separated, Windows-1252, two companies in one file, one
   line per invoice or payment with its counter-account and its VAT (second worked
   example); one company's bank receipts come before its invoices of the same month
   (warning with the recommended order);
3. ``paie-banque.csv`` — payroll and bank payments: accounts on three columns, amount +
   sens column, ISO dates, decimal point; one line carries an unknown sens.

Each import writes its FEC per company (named with the demo dossier's SIREN and closing date
for the lines of the current company), its rejects (xlsx and csv) and its result workbook
into ``<out>/import-ecritures/``; the summary lines are printed.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ORDER = 60
TITLE = "Import d'écritures"
FOLDER = "import-ecritures"


def _line(account: str, cents: int, sub: str = "", label: str = "", sub_label: str = "") -> Any:
    from reglo.core.models import EntryLine

    amount = (Decimal(abs(cents)) / 100).quantize(Decimal("0.01"))
    return EntryLine(ledger_account=account, subledger_account=sub, subledger_label=sub_label, label=label, debit=amount if cents > 0 else Decimal("0.00"), credit=amount if cents < 0 else Decimal("0.00"))


def _entry(journal: str, day: date, number: str, document: str, label: str, lines: list[Any]) -> Any:
    from reglo.core.models import Entry

    return Entry(journal_code=journal, entry_number=number, entry_date=day, document_ref=document, label=label, lines=tuple(lines))


def sales_entries(n: int = 12) -> list[Any]:
    """Sales invoices (customers 10001…), VAT 20 % or 10 %, deterministic amounts."""
    out = []
    names = ["Durand Bâtiment", "Martin & Fils", "SCI Les Tilleuls", "Mairie de Vienne", "Petit Rénovation"]
    for k in range(n):
        ht = 1_000_00 + (k * 73_919) % 900_000
        vat = ht * (20 if k % 4 else 10) // 100
        customer = str(10001 + k % len(names))
        label = f"Facture FA2025-{k + 1:04d}"
        out.append(_entry("VT", date(2025, 1 + k % 3, 5 + k), "", f"FA2025-{k + 1:04d}", label, [
            _line("411000", ht + vat, customer, label, names[k % len(names)]),
            _line("706000" if k % 3 else "704000", -ht, "", label),
            _line("445710", -vat, "", label),
        ]))
    return out


def company_entries() -> tuple[list[Any], list[str]]:
    """Two companies: invoices with their VAT and payments, one line per entry in the file."""
    entries, companies = [], []
    for c, company in enumerate(("ALPHA", "BETA")):
        month = date(2025, 3, 1)
        bank_first = company == "BETA"  # BETA's bank lines come first: warning expected
        invoices, payments = [], []
        for k in range(5):
            ht = 2_000_00 + 37_500 * k + 10_000 * c
            vat = ht // 5
            day = month + timedelta(days=3 + 4 * k)
            customer = f"C{100 + k:03d}"
            invoices.append(_entry("VT", day, "", f"{company[0]}F{k + 1}", f"Facture {company[0]}F{k + 1}", [_line("411000", ht + vat, customer, "Vente"), _line("706000", -ht, "", "Vente"), _line("445710", -vat, "", "Vente")]))
            supplier = f"F{200 + k:03d}"
            invoices.append(_entry("AC", day, "", f"{company[0]}A{k + 1}", f"Achat {company[0]}A{k + 1}", [_line("401000", -(ht // 2 + vat // 2), supplier, "Achat"), _line("606100", ht // 2, "", "Achat"), _line("445660", vat // 2, "", "Achat")]))
            payments.append(_entry("BQ1", day + timedelta(days=1), "", f"{company[0]}R{k + 1}", "Règlement client", [_line("411000", -(ht + vat), customer, "Règlement"), _line("512000", ht + vat, "", "Règlement")]))
        ordered = payments + invoices if bank_first else invoices + payments
        entries += ordered
        companies += [company] * len(ordered)
    return entries, companies


def payroll_entries() -> list[Any]:
    out = []
    for m in range(1, 4):
        gross, net = 48_500_00 + m * 1_000_00, 37_830_00 + m * 780_00
        day = date(2025, m, 28)
        out.append(_entry("PA", day, f"PA{m:03d}", f"PAIE{m:02d}", f"Salaires {m:02d}/2025", [_line("641000", gross), _line("421000", -net), _line("431000", -(gross - net))]))
        out.append(_entry("BQ1", day + timedelta(days=2), f"BQ{m:03d}", f"VIR{m:02d}", "Virement des salaires", [_line("421000", net), _line("512000", -net)]))
        out.append(_entry("BQ1", day + timedelta(days=3), f"BQ{m + 10:03d}", f"FRS{m:02d}", "Règlement fournisseur", [_line("401000", 3_600_00 + m, "F203", "Règlement"), _line("512000", -(3_600_00 + m))]))
    return out


def write_inputs(folder: Path) -> dict[str, tuple[Path, Any]]:
    """The three demo input files and their definitions (JSON written beside)."""
    from reglo.addin.shell import entry_import as ei
    from reglo.addin.backends.sheets import FileWorkbook, atomic_write
    from reglo.core.entry_import.layout import PRESETS, RenderStyle, render_rows

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[Path, Any]] = {}

    d = PRESETS["ventes"]()
    headers, rows = render_rows(sales_entries(), d)
    vat = rows[7][headers.index("Montant TVA")]
    rows[7][headers.index("Montant TVA")] = vat[:-1] + str((int(vat[-1]) + 1) % 10)  # VAT off by a few cents
    book = FileWorkbook(folder / ".nouveau.xlsx", create=True)
    book.write_sheet(ei.DATA_SHEET, headers, [[_typed(h, v) for h, v in zip(headers, r)] for r in rows])
    ei.write_definition_sheet(book, d)
    book.save(folder / "ventes.xlsx")
    files["ventes"] = (folder / "ventes.xlsx", d)

    d = PRESETS["ligne-unique"]().model_copy(update={"companies": {"ALPHA": "552100554", "BETA": "732829320"}, "current_company": "ALPHA"})
    entries, companies = company_entries()
    headers, rows = render_rows(entries, d, companies=[("" if c == "ALPHA" else c) for c in companies], style=RenderStyle(minus_after=True))
    text = "\r\n".join("\t".join(r) for r in [headers] + rows) + "\r\n"
    atomic_write(folder / "ecritures-societes.txt", text.encode("cp1252"))
    atomic_write(folder / "ecritures-societes.json", ei.definition_to_json(d))
    files["ligne-unique"] = (folder / "ecritures-societes.txt", d)

    d = PRESETS["paie-banque"]()
    headers, rows = render_rows(payroll_entries(), d)
    rows[-1][headers.index("Sens")] = "X"  # unknown sens: the whole payment is rejected
    text = "\r\n".join(";".join(r) for r in [headers] + rows) + "\r\n"
    atomic_write(folder / "paie-banque.csv", text.encode("utf-8"))
    atomic_write(folder / "paie-banque.json", ei.definition_to_json(d))
    files["paie-banque"] = (folder / "paie-banque.csv", d)
    return files


def _typed(header: str, value: str) -> Any:
    """Cells as a user types them in Excel: amounts and dates as numbers / dates."""
    from datetime import datetime

    if not value:
        return None
    if header == "Date":
        return datetime.strptime(value, "%d/%m/%Y")
    if header.startswith("Montant"):
        return float(value.replace(".", "").replace(",", "."))  # float ok: an Excel cell
    if header == "Compte":
        return int(value)
    return value


def demo_now(ctx: Any) -> Any:
    """The demo's clock for this step: the first business day after closing, 11:00."""
    from datetime import datetime, time

    from reglo.core.writers.calendar import next_business_day

    loaded = ctx.data.get("loaded_dossier")
    fy_end = loaded.dossier.company.fiscal_year_end if loaded is not None else date(2025, 12, 31)
    return datetime.combine(next_business_day(fy_end + timedelta(days=1)), time(11, 0))


EXPECTED_REJECTED = {"ventes": 2, "ligne-unique": 0, "paie-banque": 2}


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell import entry_import as ei

    folder = Path(ctx.out_dir) / FOLDER
    files = write_inputs(folder)
    lines: list[str] = []
    # the demo company's SIREN and closing date name the FEC of the lines without company code
    # (and its FEC and « Tiers » give the labels and continue each journal's numbering)
    siren, closing, context = ei.dossier_context(ctx.dossier_path) if ctx.dossier_path else (None, None, None)
    dossier = Path(ctx.dossier_path).parent if ctx.dossier_path else None
    now = demo_now(ctx)  # fixed clock: the result folders have the same names at every run
    for key, (path, d) in files.items():
        run_ = ei.import_file(path, d, out_dir=folder / f"résultat-{key}", siren=siren, closing=closing, context=context, dossier=dossier, now=now)
        s = run_.result.summary
        lines.append(f"{path.name} ({d.name}) :")
        lines += [f"  {line}" for line in run_.summary_lines()]
        warnings = [a for a in run_.alerts if not a.is_blocking]
        for a in [a for a in run_.alerts if a.is_blocking][:3] + warnings[:2]:
            lines.append(f"  {a}")
        lines.append(f"  → {', '.join(Path(o).name for o in run_.outputs)}")
        if s.lines_rejected != EXPECTED_REJECTED[key]:
            ctx.blocking += 1
            lines.append(f"  ! {s.lines_rejected} lignes rejetées au lieu de {EXPECTED_REJECTED[key]} attendues")
    return lines
