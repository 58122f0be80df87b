"""Benchmark: read and structurally check a 1,000,000-line FEC into the ledger.

Run: ``python bench/bench_fec_read.py [--lines N] [--repeat R]``

1. Generates, deterministically (fixed seed), a realistic FEC of a French company
   (journals AN/VT/AC/BQ1/BQ2/OD, balanced entries of 2 to 5 lines, customer and
   supplier auxiliary accounts, accented labels, lettering codes, a ``DateEcheance``
   field) into ``bench/data/`` (git-ignored). The file is reused when already present.
2. Times, in the same run and on the same bytes:
   - ``reglo.core.fec.read_fec`` (decode + parse + structural checks + balance per entry → ``Ledger``);
   - for scale: pandas' C reader alone, pandas ``engine="pyarrow"``, ``pyarrow.csv`` alone
     (parsing only: no typing of amounts or dates, no check).
3. Measures the peak memory of ``read_fec`` in a separate child process
   (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``), including reading the file.
4. Prints a table and writes ``bench/out/fec_read.json``.

Targets (issue 2): ``read_fec`` ≤ 2 s and ≤ 1 GB peak memory on the 2-core machine.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
SEED = 20251231
TARGET_SECONDS = 2.0
TARGET_BYTES = 1 << 30

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
    "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise\tDateEcheance"
)

_CUSTOMERS = [
    "BÂTIMENTS DU LÉMAN", "SCI LES TERRASSES", "MAIRIE DE SAINT-ÉTIENNE", "CONSEIL DÉPARTEMENTAL", "HÔPITAL NORD",
    "PROMOGIM", "NEXITY IMMOBILIER", "OPH DE L'ISÈRE", "SCI BEAUREGARD", "COLLÈGE JEAN-MOULIN",
]
_SUPPLIERS = [
    "POINT.P MATÉRIAUX", "LAFARGE BÉTONS", "KILOUTOU", "CEDEO SANITAIRE", "REXEL ÉLECTRICITÉ",
    "TOTALÉNERGIES", "ORANGE BUSINESS", "URSSAF RHÔNE-ALPES", "MAÇONNERIE GÉNÉRALE", "CHARPENTES DU FOREZ",
]


def _fmt_cents(c: np.ndarray) -> np.ndarray:
    c = c.astype(np.int64)
    return np.char.add(np.char.add((c // 100).astype(str), ","), np.char.zfill((c % 100).astype(str), 2))


def generate(lines: int, path: Path, seed: int = SEED) -> None:
    """Write a deterministic realistic FEC of about ``lines`` lines (UTF-8, tab, CRLF)."""
    rng = np.random.default_rng(seed)
    n_done = 0
    entry = 0
    day0 = np.datetime64("2025-01-01")
    # precomputed pools
    cust_names = [f"{_CUSTOMERS[i % len(_CUSTOMERS)]} {i:03d}" for i in range(300)]
    supp_names = [f"{_SUPPLIERS[i % len(_SUPPLIERS)]} {i:03d}" for i in range(300)]
    chunks = []
    while n_done < lines:
        batch = min(50_000, lines - n_done)
        rows: list[str] = []
        kinds = rng.choice(4, size=batch, p=[0.35, 0.35, 0.2, 0.1])
        days = rng.integers(0, 365, size=batch)
        amounts = rng.integers(5_000, 5_000_000, size=batch)
        parties = rng.integers(0, 300, size=batch)
        lettered = rng.random(size=batch) < 0.4
        i = 0
        while len(rows) < batch and i < batch:
            entry += 1
            kind = int(kinds[i])
            d = day0 + int(days[i])
            ds = str(d).replace("-", "")
            due = str(d + 45).replace("-", "")
            ht = int(amounts[i])
            tva = ht * 20 // 100
            ttc = ht + tva
            p = int(parties[i])
            let = f"A{entry % 17576:04d}" if lettered[i] else ""
            dlet = str(d + 30).replace("-", "") if let else ""
            if kind == 0:  # sale
                num, jc, jl = f"VT{entry:07d}", "VT", "Ventes"
                name = cust_names[p]
                piece = f"F2025-{entry:06d}"
                lib = f"Facture {piece} {name}"
                lines_ = [
                    ("411000", "Clients", f"C{p:04d}", name, ttc, 0, let, dlet, due),
                    ("704000", "Travaux", "", "", 0, ht, "", "", ""),
                    ("445710", "TVA collectée", "", "", 0, tva, "", "", ""),
                ]
            elif kind == 1:  # purchase
                num, jc, jl = f"AC{entry:07d}", "AC", "Achats"
                name = supp_names[p]
                piece = f"FA{entry:07d}"
                lib = f"Facture fournisseur {name} n° {piece}"
                lines_ = [
                    ("401000", "Fournisseurs", f"F{p:04d}", name, 0, ttc, let, dlet, due),
                    ("601000", "Achats de matériaux", "", "", ht, 0, "", "", ""),
                    ("445660", "TVA déductible sur ABS", "", "", tva, 0, "", "", ""),
                ]
            elif kind == 2:  # bank
                num, jc, jl = f"BQ{entry:07d}", "BQ1", "Banque Crédit Agricole"
                name = cust_names[p]
                piece = f"REL{entry:07d}"
                lib = f"Règlement {name} facture F2025-{max(entry - 7, 1):06d}"
                lines_ = [
                    ("512100", "Crédit Agricole", "", "", ttc, 0, "", "", ""),
                    ("411000", "Clients", f"C{p:04d}", name, 0, ttc, let, dlet, ""),
                ]
            else:  # miscellaneous: salaries
                num, jc, jl = f"OD{entry:07d}", "OD", "Opérations diverses"
                piece = f"PAIE{entry:06d}"
                lib = "Salaires et charges sociales — régularisation"
                half = ht // 2
                lines_ = [
                    ("641000", "Rémunérations du personnel", "", "", ht, 0, "", "", ""),
                    ("645000", "Charges de sécurité sociale", "", "", half, 0, "", "", ""),
                    ("421000", "Personnel — rémunérations dues", "", "", 0, ht - half // 3, "", "", ""),
                    ("431000", "Sécurité sociale", "", "", 0, half + half // 3, "", "", ""),
                ]
            for acc, acc_lib, aux, aux_lib, deb, cre, l, dl, echeance in lines_:
                rows.append(
                    f"{jc}\t{jl}\t{num}\t{ds}\t{acc}\t{acc_lib}\t{aux}\t{aux_lib}\t{piece}\t{ds}\t{lib}\t"
                    f"{deb // 100},{deb % 100:02d}\t{cre // 100},{cre % 100:02d}\t{l}\t{dl}\t{ds}\t\t\t{echeance}"
                )
            i += 1
        n_done += len(rows)
        chunks.append("\r\n".join(rows) + "\r\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\r\n")
        for c in chunks:
            fh.write(c)
    os.replace(tmp, path)


def _best(fn, repeat: int) -> tuple[float, object, float]:
    """Best wall time, the result, and the CPU time (all threads) of that best run."""
    best, result, cpu = float("inf"), None, 0.0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall, used = time.perf_counter() - t0, time.process_time() - c0
        if wall < best:
            best, cpu = wall, used
    return best, result, cpu


def _broken_copy(data: bytes) -> bytes:
    """The same file with about 1 line in 1000 broken: a tab inside the label (wrong field
    count) or amounts with a decimal point — the slow path (serial re-parse, alerts)."""
    lines = data.split(b"\r\n")
    for i in range(5, len(lines) - 1, 997):
        lines[i] = lines[i].replace(b"Facture", b"Fac\tture", 1).replace(b"Salaires", b"Sal\taires", 1).replace(b"R\xc3\xa8glement", b"R\xc3\xa8gle\tment", 1)
    for i in range(7, len(lines) - 1, 1009):
        lines[i] = lines[i].replace(b",", b".")
    return b"\r\n".join(lines)


def _child_peak(path: Path) -> dict:
    """Peak memory of ``read_fec`` (file read included) in a fresh child process.

    Linux folds the parent's resident size at fork into the child's ``ru_maxrss``, so this
    is called while the parent is still small (before it reads the file or imports pandas);
    the child also reports its own high-water mark (``VmHWM``), which exec resets.
    """
    code = (
        "import sys, time, resource; sys.path.insert(0, %r)\n"
        "from reglo.core.fec import read_fec\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t0 = time.perf_counter()\n"
        "data = open(%r, 'rb').read()\n"
        "ledger = read_fec(data, filename='552100554FEC20251231.txt')\n"
        "seconds = time.perf_counter() - t0\n"
        "hwm = 0\n"
        "try:\n"
        "    hwm = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
        "except (OSError, StopIteration):\n"
        "    pass\n"
        "print(seconds, len(ledger), base, hwm)\n"
    ) % (str(ROOT), str(path))
    parent_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, rows, base_kib, hwm_kib = proc.stdout.split()
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return {
        "peak_bytes": peak_kib * scale,
        "child_vmhwm_bytes": int(hwm_kib) * 1024,
        "parent_rss_at_fork_bytes": parent_kib * scale,
        "child_after_imports_bytes": int(base_kib) * scale,
        "seconds_cold": float(seconds),
        "rows": int(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    path = DATA / f"552100554FEC20251231_{args.lines}.txt"
    if args.generate_only:
        generate(args.lines, path)
        return 0
    if args.regenerate or not path.exists():
        t0 = time.perf_counter()  # in a child: the parent must stay small for the memory figure
        subprocess.run([sys.executable, __file__, "--generate-only", "--lines", str(args.lines)], check=True)
        print(f"FEC généré : {path} ({time.perf_counter() - t0:.1f} s)")
    mem = _child_peak(path)
    data = path.read_bytes()
    n_lines = data.count(b"\n") - 1

    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from reglo.core.fec import read_fec

    results: dict[str, dict] = {}

    t, ledger, cpu = _best(lambda: read_fec(data, filename="552100554FEC20251231.txt"), args.repeat)
    results["read_fec"] = {"seconds": t, "cpu_seconds": cpu, "rows": len(ledger), "alerts": len(ledger.alerts)}

    broken = _broken_copy(data)
    t, bad_ledger, cpu = _best(lambda: read_fec(broken, filename="552100554FEC20251231.txt"), 1)
    results["read_fec_broken"] = {
        "seconds": t, "cpu_seconds": cpu, "rows": len(bad_ledger), "rejected_lines": len(bad_ledger.rejected_lines),
        "alerts": len(bad_ledger.alerts),
    }
    del broken, bad_ledger

    def _pandas(engine: str):
        kw = {"engine": engine, "sep": "\t", "dtype": str, "keep_default_na": False}
        if engine == "c":
            kw["quoting"] = 3
        return pd.read_csv(io.BytesIO(data), **kw)

    t, df, cpu = _best(lambda: _pandas("c"), args.repeat)
    results["pandas_c"] = {"seconds": t, "cpu_seconds": cpu, "rows": len(df)}
    t, df, cpu = _best(lambda: _pandas("pyarrow"), args.repeat)
    results["pandas_pyarrow"] = {"seconds": t, "cpu_seconds": cpu, "rows": len(df)}
    del df

    def _arrow():
        return pacsv.read_csv(
            io.BytesIO(data),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in HEADER.split("\t")}),
        )

    t, table, cpu = _best(_arrow, args.repeat)
    results["pyarrow_csv"] = {"seconds": t, "cpu_seconds": cpu, "rows": table.num_rows}
    del table

    results["read_fec"]["peak_bytes"] = mem["peak_bytes"]
    results["read_fec"]["child"] = mem

    report = {
        "file": str(path.relative_to(ROOT)),
        "bytes": len(data),
        "lines": n_lines,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                     "pandas": pd.__version__, "pyarrow": pa.__version__},
        "repeat": args.repeat,
        "results": results,
        "targets": {"seconds": TARGET_SECONDS, "peak_bytes": TARGET_BYTES},
        "met": results["read_fec"]["seconds"] <= TARGET_SECONDS and mem["peak_bytes"] <= TARGET_BYTES,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "fec_read.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")

    def num(x: float) -> str:
        return f"{x:,}".replace(",", "\u202f")

    print(f"\nFichier : {path.name} — {num(n_lines)} lignes, {len(data) / 1e6:.0f} Mo, {os.cpu_count()} cœurs, meilleur de {args.repeat}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report["load_average_1min"] = load
    (OUT / "fec_read.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"{'mesure':<36}{'secondes':>10}{'CPU (s)':>10}{'lignes':>12}")
    labels = {
        "read_fec": "read_fec (lecture + contrôles)",
        "read_fec_broken": "read_fec, 2 ‰ de lignes fautives",
        "pandas_c": "pandas, moteur C (découpage seul)",
        "pandas_pyarrow": "pandas, engine=pyarrow",
        "pyarrow_csv": "pyarrow.csv seul",
    }
    for key, label in labels.items():
        r = results[key]
        print(f"{label:<36}{r['seconds']:>10.2f}{r['cpu_seconds']:>10.2f}{num(r['rows']):>12}")
    print(
        f"mémoire de pointe de read_fec, lecture du fichier comprise (processus séparé) : "
        f"ru_maxrss {mem['peak_bytes'] / 2**20:.0f} Mio, VmHWM {mem['child_vmhwm_bytes'] / 2**20:.0f} Mio "
        f"(imports seuls : {mem['child_after_imports_bytes'] / 2**20:.0f} Mio) ; à froid {mem['seconds_cold']:.2f} s"
    )
    print(f"charge moyenne de la machine (1 min) pendant la mesure : {load:.1f} sur {os.cpu_count()} cœurs")
    print(f"objectifs ≤ {TARGET_SECONDS:.0f} s et ≤ 1 Gio : {'atteints' if report['met'] else 'NON atteints'}")
    print(f"résultats : {(OUT / 'fec_read.json').relative_to(ROOT)}")
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
