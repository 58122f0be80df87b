"""Benchmark: write a 1,000,000-line ledger as a FEC (``reglo.core.fec.write_fec``).

Run: ``python bench/bench_fec_write.py [--lines N] [--repeat R]``

1. Reads the FEC of ``bench_fec_read.py`` (generated into ``bench/data/`` when absent,
   fixed seed) into a ledger frame with ``read_fec``.
2. Times, on that frame: ``write_fec`` (18 fields + ``DateEcheance``, tab, UTF-8) and
   ``write_fec_table`` (the same lines as a pyarrow table, the entry import's path), and
   checks the bytes written equal the file read (the generator writes the legal layout).
3. For scale: the plain-Python line-by-line reference formatter of the tests
   (``tests/core/fec_reference.py``) on the first 100,000 lines.
4. Peak memory of reading + writing in a fresh child process (``VmHWM``).
5. Prints a table and writes ``bench/out/fec_write.json``.

Target: ``write_fec`` ≤ 2 s on 1,000,000 lines (the former pandas string formatter took
about 10 s).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_fec_read import DATA, OUT, _best  # noqa: E402

TARGET_SECONDS = 2.0
REFERENCE_LINES = 100_000


def _child_peak(path: Path) -> dict:
    code = (
        "import sys, time; sys.path.insert(0, %r)\n"
        "from reglo.core.fec import read_fec, write_fec\n"
        "ledger = read_fec(open(%r, 'rb').read())\n"
        "t0 = time.perf_counter()\n"
        "raw = write_fec(ledger.frame, due_date_field='DateEcheance')\n"
        "seconds = time.perf_counter() - t0\n"
        "hwm = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
        "print(seconds, len(raw), hwm)\n"
    ) % (str(ROOT), str(path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, size, hwm_kib = proc.stdout.split()
    return {"seconds_cold": float(seconds), "bytes": int(size), "vmhwm_bytes": int(hwm_kib) * 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    path = DATA / f"552100554FEC20251231_{args.lines}.txt"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench_fec_read.py"), "--generate-only", "--lines", str(args.lines)], check=True)
    mem = _child_peak(path) if sys.platform.startswith("linux") else {}

    import pandas as pd
    import pyarrow as pa

    from reglo.core.fec import read_fec, write_fec, write_fec_table
    from tests.core.fec_reference import reference_fec

    data = path.read_bytes()
    frame = read_fec(data).frame
    results: dict[str, dict] = {}

    t, raw, cpu = _best(lambda: write_fec(frame, due_date_field="DateEcheance"), args.repeat)
    results["write_fec"] = {"seconds": t, "cpu_seconds": cpu, "rows": len(frame), "bytes": len(raw), "identical_to_input": raw == data}
    del raw
    table = pa.Table.from_pandas(frame, preserve_index=False)
    t, raw, cpu = _best(lambda: write_fec_table(table, due_date_field="DateEcheance"), args.repeat)
    results["write_fec_table"] = {"seconds": t, "cpu_seconds": cpu, "rows": table.num_rows, "identical_to_input": raw == data}
    del raw, table
    head = frame.iloc[:REFERENCE_LINES]
    t, raw, cpu = _best(lambda: reference_fec(head, due_date_field="DateEcheance"), 1)
    results["reference_python"] = {"seconds": t, "cpu_seconds": cpu, "rows": len(head), "identical": raw == write_fec(head, due_date_field="DateEcheance")}
    del raw

    report = {
        "file": str(path.relative_to(ROOT)),
        "lines": len(frame),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "pandas": pd.__version__, "pyarrow": pa.__version__},
        "repeat": args.repeat,
        "results": results,
        "child": mem,
        "target_seconds": TARGET_SECONDS,
        "met": results["write_fec"]["seconds"] <= TARGET_SECONDS and results["write_fec"]["identical_to_input"],
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "fec_write.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")

    labels = {
        "write_fec": "write_fec (cadre pandas)",
        "write_fec_table": "write_fec_table (table pyarrow)",
        "reference_python": "référence Python ligne à ligne",
    }
    def num(x: int) -> str:
        return f"{x:,}".replace(",", "\u202f")

    print(f"\n{path.name} : {num(len(frame))} lignes, meilleur de {args.repeat}")
    print(f"{'mesure':<34}{'secondes':>10}{'CPU (s)':>10}{'lignes':>12}")
    for key, label in labels.items():
        r = results[key]
        print(f"{label:<34}{r['seconds']:>10.2f}{r['cpu_seconds']:>10.2f}{num(r['rows']):>12}")
    print(f"octets identiques au fichier lu : {results['write_fec']['identical_to_input']}")
    if mem:
        print(f"processus séparé (lecture + écriture) : VmHWM {mem['vmhwm_bytes'] / 2**20:.0f} Mio, écriture à froid {mem['seconds_cold']:.2f} s")
    print(f"charge moyenne (1 min) : {report['load_average_1min']}")
    print(f"objectif ≤ {TARGET_SECONDS:.0f} s : {'atteint' if report['met'] else 'NON atteint'}")
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
