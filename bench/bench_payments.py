"""Benchmark: check + paint a 50,000-row « Import règlements clients » template.

Run: ``python bench/bench_payments.py [--rows N] [--flagged 0.05] [--repeat R] [--no-xlwings]``

1. Builds, deterministically, a dossier with one open invoice per row and a template file
   (the real template of ``workbook_templates/payments.py`` filled with N rows, of which a
   share ``--flagged`` carries one seeded mistake: unknown invoice, impossible date,
   unreadable amount, unknown mode, unknown bank — red — or a partial payment, a job site
   mismatch — yellow). Saved in ``bench/data/`` (git-ignored), reused when present.
2. Times, in the same run, on copies of the same file:
   - the bare openpyxl ``load_workbook`` + ``save`` of the file (the reference);
   - ``reglo.addin.shell.payments.check_file``: the file backend ``reglo check`` chooses (here
     ``reglo.addin.backends.fastbook.FastFileWorkbook``: python-calamine read, patch-only save), dossier
     reference, every row check, allocation, then ``reglo.addin.backends.paint.paint_alerts`` (only the
     flagged cells' styles, the notes, « Contrôle » and the ``_reglo`` state are written).
3. Counts the xlwings actions for the same case: the same rows in an xlwings remote-engine
   book (``tests/conftest.py::make_book``), the « Contrôler » handler run on it, and the
   actions of ``book.json()`` counted by kind (fills are grouped by colour and contiguous
   range by ``reglo.addin.backends.xlbook``).
4. Prints a table and writes ``bench/out/payments.json``.

Target (issue 5): check + paint ≤ 8 s for 50,000 rows with 5 % flagged.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
SEED = 20250630
TARGET_SECONDS = 8.0
TODAY = date(2025, 6, 30)
MISTAKES = ("invoice", "date", "amount", "mode", "bank", "partial", "site")


def make_dossier(n: int):
    from reglo.core.dossier import Dossier, JobSite, SalesInvoice
    from reglo.core.models import AccountKind, Company, CompanyBankAccount, Party

    company = Company(
        legal_name="BENCH BTP SAS", siren="552100554", fiscal_year_start=date(2025, 1, 1), fiscal_year_end=date(2025, 12, 31),
        bank_accounts=(CompanyBankAccount(journal_code="BQ1", label="CIC", ledger_account="512100", iban="FR7630006000011234567890189"),
                       CompanyBankAccount(journal_code="BQ2", label="CA", ledger_account="512200", iban="FR1420041010050500013M02606")),
    )
    customers = tuple(Party(code=f"C{i:04d}", kind=AccountKind.CUSTOMER, legal_name=f"CLIENT {i}", control_account="411000") for i in range(200))
    sites = tuple(JobSite(code=f"CH{i:03d}", label=f"Chantier {i}", customer_code=f"C{i % 200:04d}") for i in range(60))
    rng = random.Random(SEED)
    invoices = []
    for i in range(n):
        gross = Decimal(rng.randint(10_000, 5_000_000)) / 100
        net = (gross / Decimal("1.2")).quantize(Decimal("0.01"))
        c = i % 200
        invoices.append(SalesInvoice(invoice_number=f"FA25-{i:06d}", customer_code=f"C{c:04d}", invoice_date=date(2025, 1, 1) + timedelta(days=i % 120),
                                     net=net, vat=gross - net, gross=gross, job_site_code=f"CH{(c * 7) % 60:03d}"))
    return Dossier(company=company, parties=customers, job_sites=sites, invoices=tuple(invoices))


def make_rows(dossier, share: float) -> tuple[list[list], int]:
    rng = random.Random(SEED + 1)
    rows, flagged = [], 0
    n = len(dossier.invoices)
    bad = set(rng.sample(range(n), int(n * share)))
    for i, inv in enumerate(dossier.invoices):
        day = datetime.combine(inv.invoice_date + timedelta(days=30), datetime.min.time())
        row = [day, inv.invoice_number, inv.customer_code, inv.gross, "Virement", f"VIR {i:06d}", "BQ1" if i % 3 else "BQ2", inv.job_site_code, None]
        if i in bad:
            flagged += 1
            kind = MISTAKES[i % len(MISTAKES)]
            if kind == "invoice":
                row[1] = f"FA25-X{i:06d}"
            elif kind == "date":
                row[0] = "31/02/2025"
            elif kind == "amount":
                row[3] = "12,3O"
            elif kind == "mode":
                row[4] = "Bitcoin"
            elif kind == "bank":
                row[6] = "BQ9"
            elif kind == "partial":
                row[3] = (inv.gross / 2).quantize(Decimal("0.01"))
            else:
                row[7] = "CH999"
        rows.append(row)
    return rows, flagged


def build_file(path: Path, rows: list[list]) -> None:
    import openpyxl

    from reglo.core.payments import ingest as t
    from reglo.workbook_templates.payments import DATE_FORMAT, EURO_FORMAT, build_template

    wb = openpyxl.load_workbook(io.BytesIO(build_template(["BQ1", "BQ2"])))
    ws = wb[t.SHEET]
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            cell = ws.cell(r, c, v)
            if c == 1:
                cell.number_format = DATE_FORMAT
            elif c == 4:
                cell.number_format = EURO_FORMAT
    ws.tables["Reglements"].ref = f"A1:I{len(rows) + 1}"
    DATA.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def time_openpyxl(path: Path) -> float:
    import openpyxl

    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(path)
    wb.save(path)
    return time.perf_counter() - t0


def time_check(path: Path, dossier) -> tuple[float, object]:
    import tempfile

    from reglo.addin.shell.payments import PaymentsDossier, check_file
    from reglo.addin.shell.register import PaymentRegister

    folder = Path(tempfile.mkdtemp(prefix="reglo-bench-"))
    pdo = PaymentsDossier(dossier, PaymentRegister.beside(folder), folder)
    t0 = time.perf_counter()
    run = check_file(path, pdo, today=TODAY)
    elapsed = time.perf_counter() - t0
    assert type(run.paint).__module__ == "reglo.addin.backends.paint"
    shutil.rmtree(folder, ignore_errors=True)
    return elapsed, run


def xlwings_actions(rows: list[list], dossier) -> dict:
    import tempfile

    from reglo.addin.entrypoints.handlers.payments import payments_check
    from reglo.addin.shell.payments import PaymentsDossier
    from reglo.addin.shell.register import PaymentRegister
    from reglo.core.payments import ingest as t
    from tests.conftest import make_book

    def cell(v):
        if isinstance(v, datetime):
            return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if isinstance(v, Decimal):
            return float(v)
        return "" if v is None else v

    book = make_book({t.SHEET: [list(t.HEADERS)] + [[cell(v) for v in r] for r in rows]})
    folder = Path(tempfile.mkdtemp(prefix="reglo-bench-xw-"))
    t0 = time.perf_counter()
    payments_check(book, dossier=PaymentsDossier(dossier, PaymentRegister.beside(folder), folder), today=TODAY)
    elapsed = time.perf_counter() - t0
    actions = book.json()["actions"]
    shutil.rmtree(folder, ignore_errors=True)
    by_func = Counter(a["func"] for a in actions)
    data_sheet = Counter(a["func"] for a in actions if a.get("sheet_position") == 0)
    return {"total": len(actions), "by_func": dict(by_func), "on_data_sheet": dict(data_sheet), "seconds": round(elapsed, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--flagged", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-xlwings", action="store_true")
    args = ap.parse_args()

    dossier = make_dossier(args.rows)
    rows, flagged = make_rows(dossier, args.flagged)
    source = DATA / f"payments_{args.rows}_{int(args.flagged * 1000)}.xlsx"
    if not source.exists():
        t0 = time.perf_counter()
        build_file(source, rows)
        print(f"fichier généré en {time.perf_counter() - t0:.1f} s : {source}")
    work = DATA / "payments_work.xlsx"

    ref_times, check_times, last = [], [], None
    for _ in range(args.repeat):
        shutil.copy(source, work)
        ref_times.append(time_openpyxl(work))
        shutil.copy(source, work)
        elapsed, last = time_check(work, dossier)
        check_times.append(elapsed)
    import openpyxl

    ws = openpyxl.load_workbook(work, read_only=False)["Import règlements clients"]
    red = sum(1 for row in ws.iter_rows(min_row=2) for c in row if c.fill is not None and c.fill.fill_type == "solid" and c.fill.fgColor.rgb == "FFFFC7CE")
    yellow = sum(1 for row in ws.iter_rows(min_row=2) for c in row if c.fill is not None and c.fill.fill_type == "solid" and c.fill.fgColor.rgb == "FFFFEB9C")
    notes = sum(1 for row in ws.iter_rows(min_row=2) for c in row if c.comment is not None and c.comment.text.startswith("Reglo —"))

    best_ref, best_check = min(ref_times), min(check_times)
    result = {
        "rows": args.rows,
        "flagged_rows": flagged,
        "flagged_share": args.flagged,
        "file_bytes": source.stat().st_size,
        "openpyxl_load_save_seconds": [round(x, 3) for x in ref_times],
        "check_paint_seconds": [round(x, 3) for x in check_times],
        "best_openpyxl_load_save_seconds": round(best_ref, 3),
        "best_check_paint_seconds": round(best_check, 3),
        "ratio_check_to_openpyxl": round(best_check / best_ref, 3),
        "target_seconds": TARGET_SECONDS,
        "within_target": best_check <= TARGET_SECONDS,
        "alerts": len(last.alerts),
        "rows_blocking": last.check.totals["blocking"],
        "rows_warning": last.check.totals["warning"],
        "painted_red_cells_read_back": red,
        "painted_yellow_cells_read_back": yellow,
        "notes_read_back": notes,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]},
    }
    if not args.no_xlwings:
        result["xlwings"] = xlwings_actions(rows, dossier)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "payments.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.rows} lignes, {flagged} signalées ({last.check.totals['blocking']} bloquées, {last.check.totals['warning']} avertissements)")
    print(f"openpyxl load+save : {best_ref:.2f} s (essais {', '.join(f'{x:.2f}' for x in ref_times)})")
    print(f"contrôle + peinture : {best_check:.2f} s (essais {', '.join(f'{x:.2f}' for x in check_times)}) — ratio {best_check / best_ref:.2f} ; cible ≤ {TARGET_SECONDS} s : {'OK' if best_check <= TARGET_SECONDS else 'DÉPASSÉ'}")
    print(f"relu : {red} cellules rouges, {yellow} jaunes, {notes} notes")
    if "xlwings" in result:
        x = result["xlwings"]
        print(f"xlwings (moteur distant) : {x['total']} actions {x['by_func']} en {x['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
