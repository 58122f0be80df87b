"""Copies of the demo dossier, transfer previews and payment templates, child ``reglo``
processes, and the invariants of the register: shared by the fault-injection and concurrency
tests (``test_faults_workflows.py``, ``test_concurrency_workflows.py``) and
``bench/bench_concurrency.py``."""
from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

NOW = "2026-01-02T09:00:00"  # a Friday after the demo's closing
EXECUTION = date(2026, 1, 5)
TODAY = "2026-01-06"
PERIODS = {  # due months of the demo's unlettered supplier invoices
    "2025-S1": (date(2025, 1, 1), date(2025, 6, 30)),
    "2025-S2": (date(2025, 7, 1), date(2025, 12, 31)),
    "2025": (date(2025, 1, 1), date(2025, 12, 31)),
    "2025-06/2026-01": (date(2025, 6, 1), date(2026, 1, 31)),
    "2026-01": (date(2026, 1, 1), date(2026, 1, 31)),
    "2026-02": (date(2026, 2, 1), date(2026, 2, 28)),
}
REGLO = str(Path(sys.executable).with_name("reglo"))


@functools.cache
def _demo():
    from reglo.core.demo import generate_demo

    return generate_demo()


def template_dossier(base: Path) -> Path:
    """The demo company's dossier (dossier.xlsx + FEC), written once under ``base``."""
    from reglo.addin.shell.dossier import write_dossier

    folder = base / "modele-dossier"
    if not (folder / "dossier.xlsx").exists():
        demo = _demo()
        write_dossier(folder, demo.dossier, demo.ledger_frame)
    return folder


def dossier_copy(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


# ---------------------------------------------------------------------------
# transfers
# ---------------------------------------------------------------------------

def transfers_preview(folder: Path, path: Path, period: str) -> set[str]:
    """Import a preview of ``period`` into a new workbook ``path`` (in this process), leave out the
    beneficiaries the rules block; returns the keys of the selected lines."""
    from reglo.addin.backends.sheets import FileWorkbook, read_table
    from reglo.addin.shell import transfers as at

    start, end = PERIODS[period]
    saved, at.now = at.now, (lambda: datetime.fromisoformat(NOW))
    try:
        book = FileWorkbook(path, create=True)
        at.ensure_params_sheet(book, {"Dossier": str(folder), "Période du": start, "Période au": end, "Importer les débits non lettrés": "Non",
                                      "Date d'exécution demandée": EXECUTION, "Remise": "Globale", "Version": "pain.001.001.09"})
        imported = at.import_transfers(book, dossier=folder)
        blocked_rows = {a.row for a in imported.alerts if a.is_blocking and a.sheet == at.PREVIEW_SHEET and a.row}
        table = read_table(book, at.PREVIEW_SHEET, required=["Clé", "Sélection"])
        blocked = {r.get("Bénéficiaire") for r in table.rows if r.excel_row in blocked_rows}
        col = table.column_index("Sélection")
        cells = {(r.excel_row, col): "Non" for r in table.rows if r.get("Clé") and r.get("Bénéficiaire") in blocked}
        if cells:
            book.write_cells(at.PREVIEW_SHEET, cells)
        book.save()
        return {str(r.get("Clé")).lstrip("'") for r in table.rows if r.get("Clé") and r.get("Bénéficiaire") not in blocked and r.get("Sélection") == "Oui"}
    finally:
        at.now = saved


def generate_args(workbook: Path, folder: Path, now: str = NOW) -> list[str]:
    return [REGLO, "transfers", "generate", str(workbook), "--dossier", str(folder), "--now", now]


# ---------------------------------------------------------------------------
# payments
# ---------------------------------------------------------------------------

@functools.cache
def _open_numbers() -> frozenset[str]:
    from reglo.core.payments.usecases import build_reference
    from reglo.core.register_state import RegisterSnapshot

    demo = _demo()
    ref = build_reference(demo.dossier, demo.ledger_frame, RegisterSnapshot())
    return frozenset(n for n, inv in ref.invoices.items() if not inv.settled_code and (inv.ledger_open is None or inv.ledger_open == inv.amount))


def open_invoices(n: int) -> list:
    """The ``n`` latest invoices of the demo dossier still wholly open in its ledger."""
    from reglo.core.payments import ingest as t

    demo = _demo()
    invoices = sorted((i for i in demo.dossier.invoices if i.gross > 0 and t.code(i.invoice_number) in _open_numbers()),
                      key=lambda i: (i.invoice_date, i.invoice_number))
    return invoices[-n:]


def payments_template(path: Path, invoices: Iterable) -> Path:
    """A « Import règlements clients » workbook paying each invoice in full on 06/01/2026."""
    import openpyxl

    from reglo.core.payments import ingest as t
    from reglo.workbook_templates.payments import build_template

    bank = _demo().dossier.company.bank_accounts[0].journal_code
    wb = openpyxl.load_workbook(io.BytesIO(build_template([b.journal_code for b in _demo().dossier.company.bank_accounts])))
    ws = wb[t.SHEET]
    for i, inv in enumerate(invoices, start=2):
        row = [datetime(2026, 1, 6), inv.invoice_number, inv.customer_code, float(inv.gross), "Virement", f"VIR {inv.invoice_number}", bank,
               inv.job_site_code or None, None]
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, v)
    wb.save(path)
    return path


def import_args(workbook: Path, folder: Path) -> list[str]:
    return [REGLO, "payments", "import", str(workbook), "--dossier", str(folder), "--today", TODAY]


# ---------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------

def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("REGLO_FAULT")}
    out.update(extra)
    return out


def run(args: list[str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env(**extra), capture_output=True, text=True, timeout=600)


def start(args: list[str], **extra: str) -> subprocess.Popen:
    return subprocess.Popen(args, env=env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ---------------------------------------------------------------------------
# invariants
# ---------------------------------------------------------------------------

def snapshot(folder: Path):
    from tests.addin.register_view import snapshot as snap

    return snap(folder)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stray_temporaries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if ".reglo-" in p.name or (p.name.startswith(".") and p.name.endswith(".tmp")))


def check_register(folder: Path, kind: str) -> list:
    """The invariants after any run, crash or race: every live batch's files are on disk with
    their recorded hash (nothing overwritten, nothing missing), no file of the output folders is
    unknown to the register, no stray temporary file, no pending batch left, no payment key and
    no item paid by two live batches, references and file names used once. Returns the live
    batches of ``kind``."""
    from reglo.addin.shell.recovery import orphan_files, record_path

    snap = snapshot(folder)
    assert [b.reference for b in snap.batches if b.status == "pending"] == []
    live = snap.live(kind)
    for b in snap.batches:
        if b.status in ("committed", "cancelled"):
            for f in b.files:
                if f.role in ("ledger", "journal"):
                    continue  # replaced in place by later runs
                p = record_path(folder, f)
                assert p.is_file(), f"{p} (lot {b.reference}) absent"
                assert sha(p) == f.sha256, f"{p} (lot {b.reference}) modifié"
    assert orphan_files(folder, snap) == []
    assert stray_temporaries(folder) == []
    refs = Counter(b.reference for b in snap.batches)
    assert [r for r, n in refs.items() if n > 1] == []
    names = Counter((f.folder, f.name) for b in snap.batches if b.status != "rolled_back" for f in b.files if f.role not in ("ledger", "journal"))
    assert [n for n, c in names.items() if c > 1] == []
    keys = Counter(l.payment_key for b in live for l in b.lines if l.payment_key)
    assert [k for k, n in keys.items() if n > 1] == []
    return live


def paid_items(live: list) -> Counter:
    return Counter(l.item_key for b in live for l in b.lines if l.amount_cents > 0)


def entry_numbers(folder: Path, live: list) -> Counter:
    """(journal, entry number) of every entries file of the live batches."""
    from reglo.addin.shell.recovery import record_path
    from reglo.core.fec import read_fec

    out: Counter = Counter()
    for b in live:
        for f in b.files:
            if f.role == "entries":
                frame = read_fec(record_path(folder, f).read_bytes()).frame
                for j, n in frame[["journal_code", "entry_number"]].drop_duplicates().itertuples(index=False):
                    out[(j, n)] += 1
    return out


def copy_workbook(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest


def tree(folder: Path) -> dict[str, str]:
    """Every file of the dossier (but the register's own) with its hash."""
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith("reglo-registre")}
