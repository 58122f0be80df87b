"""Benchmark: check + paint a 50,000-row « Écritures » sheet (target ≤ 8 s).

    python bench/bench_check_paint.py [ROWS]

Builds a FEC-column workbook (write-only openpyxl, not timed), seeds one mistake every
100 rows (bad date, text amount, account typo, unbalanced entry), then times
``reglo check`` with the fast backend (calamine reads + patch-only save) and, for
comparison, with the openpyxl backend.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib",
           "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise"]


def build(path: Path, rows: int) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Écritures")
    ws.append(HEADERS)
    seeded = 0
    for i in range(rows):
        n = i // 2
        d = datetime(2025, 1 + n % 12, 1 + n % 28)
        debit, credit = (f"{100 + n % 900}.50", None) if i % 2 == 0 else (None, f"{100 + n % 900}.50")
        line = ["VE", "Ventes", f"VE{n:06d}", d, "411000" if i % 2 == 0 else "706000", "Clients", "", "", f"F{n}", d,
                f"Facture {n}", float(debit) if debit else None, float(credit) if credit else None, None, None, d, None, None]
        if i % 100 == 1:
            kind = (i // 100) % 4
            seeded += 1
            if kind == 0:
                line[3] = "31/02/2025"
            elif kind == 1:
                line[12] = "12O,50"
            elif kind == 2:
                line[4] = "7O6000"
            else:
                line[12] = (line[12] or 0) + 1
        ws.append(line)
    wb.save(path)
    return seeded


def timed(label: str, path: Path, engine: str) -> float:
    from reglo.addin.entrypoints.cli import main

    t0 = time.perf_counter()
    code = main(["check", str(path), "--moteur", engine])
    elapsed = time.perf_counter() - t0
    print(f"{label}: {elapsed:.2f} s (code {code})")
    return elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    tmp = Path(tempfile.mkdtemp(prefix="reglo-bench-"))
    src = tmp / "ecritures.xlsx"
    t0 = time.perf_counter()
    seeded = build(src, rows)
    print(f"{rows} lignes, {seeded} erreurs semées, classeur {src.stat().st_size / 1e6:.1f} Mo (construit en {time.perf_counter() - t0:.1f} s)")
    for engine in ("rapide", "openpyxl"):
        for run in (1, 2):
            target = tmp / f"{engine}.xlsx"
            if run == 1:
                shutil.copy(src, target)
            timed(f"reglo check --moteur {engine} (passage {run})", target, engine)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
