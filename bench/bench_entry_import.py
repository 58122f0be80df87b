"""Benchmark: 1,000,000 input lines imported (read, grouped, checked, FEC written).

Budget (issue 7): ≤ 10 s and ≤ 1.5 GB peak on the reference machine.

The input is a deterministic ``;``-separated UTF-8 file in the « ventes, TVA sur la ligne »
layout extended with a company column: sales invoices (customer line + revenue line with
its VAT), purchase invoices (supplier + expense with VAT) and bank payments, for three
companies, with 0.1 % of entries deliberately broken (an unbalanced amount) so that the
rejects path runs too. The timed part runs in a fresh subprocess (peak memory measured there
with ``resource.getrusage``): read the file, import, write one FEC per company and the
rejects files (xlsx and csv) and the result workbook. A second child process writes the
same accepted lines again, once from the pyarrow table (``reglo.core.fec.write_fec_tables``, the
import's path) and once per company from ledger frames (``reglo.core.fec.write_fec``), and checks
the bytes are the same. Results go to ``bench/out/entry_import.json``.

Run: ``python bench/bench_entry_import.py [--lines 1000000]``
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_SECONDS = 10.0
BUDGET_MB = 1536.0


def definition():
    from reglo.core.entry_import.layout import preset_sales_vat_on_line

    return preset_sales_vat_on_line().model_copy(update={"company_column": "Société", "companies": {"ALPHA": "552100554", "BETA": "732829320", "GAMMA": "443061841"}})


def generate(path: Path, n_lines: int) -> dict:
    """Two input lines per entry; deterministic (no random generator)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    n_entries = n_lines // 2
    ent = np.repeat(np.arange(n_entries, dtype=np.int64), 2)
    first = np.tile(np.array([True, False]), n_entries)
    kind = ent % 3  # 0 sales, 1 purchases, 2 bank
    ht = (ent * 7919 % 900_000) + 1_000  # cents
    vat = ht // 5
    ttc = ht + vat
    broken = (ent % 1000) == 999  # 0.1 % of entries: a cent too much on the second line
    company = np.array(["ALPHA", "BETA", "GAMMA"], dtype=object)[(ent // 50_000) % 3]
    month = (ent * 12 // max(n_entries, 1)) + 1
    day = (ent % 28) + 1

    def fmt(cents: np.ndarray) -> pa.Array:
        a = pa.array(cents)
        whole = pc.cast(pc.divide(a, 100), pa.string())
        frac = pc.utf8_lpad(pc.cast(pc.subtract(a, pc.multiply(pc.divide(a, 100), 100)), pa.string()), width=2, padding="0")
        return pc.binary_join_element_wise(whole, ",", frac, "")

    def s(values) -> pa.Array:
        return pa.array(np.asarray(values, dtype=object), type=pa.string())

    journal = np.array(["VT", "AC", "BQ1"], dtype=object)[kind]
    third = np.where(kind == 1, 20000 + ent % 5000, 10000 + ent % 8000).astype(str).astype(object)
    other = np.array(["706000", "606100", "512000"], dtype=object)[kind]
    account = np.where(first, third, other)
    # amounts: sales → customer debit TTC, revenue credit HT + VAT; purchases → mirror;
    # bank → bank debit, customer credit (no VAT)
    second_amount = np.where(kind == 2, ttc, ht) + broken
    debit_c = np.where(first, np.where(kind == 1, 0, ttc), np.where(kind == 1, second_amount, np.where(kind == 2, second_amount, 0)))
    credit_c = np.where(first, np.where(kind == 1, ttc, 0), np.where(kind == 0, second_amount, 0))
    bank_second = (kind == 2) & ~first
    debit_c = np.where(bank_second, 0, debit_c)
    credit_c = np.where(bank_second, second_amount, credit_c)
    bank_first = (kind == 2) & first
    account = np.where(bank_first, "512000", np.where(bank_second, (10000 + ent % 8000).astype(str).astype(object), account))
    debit_s = pc.if_else(pa.array(debit_c > 0), fmt(debit_c), "")
    credit_s = pc.if_else(pa.array(credit_c > 0), fmt(credit_c), "")
    vat_s = pc.if_else(pa.array(~first & (kind != 2)), fmt(vat), "")
    date = pc.binary_join_element_wise(pc.utf8_lpad(pc.cast(pa.array(day), pa.string()), width=2, padding="0"), "/", pc.utf8_lpad(pc.cast(pa.array(month), pa.string()), width=2, padding="0"), "/2025", "")
    table = pa.table({
        "Société": s(company),
        "Journal": s(journal),
        "Date": date,
        "N° facture": pc.binary_join_element_wise(s(journal), pc.cast(pa.array(ent + 1), pa.string()), ""),
        "Libellé": s(np.array(["Facture client", "Facture fournisseur", "Règlement client"], dtype=object)[kind]),
        "Compte": s(account),
        "Nom": s(np.where(first, "Tiers " + third, "")),
        "Montant débit": debit_s,
        "Montant crédit": credit_s,
        "Montant TVA": vat_s,
    })
    with open(path, "wb") as f:
        f.write((";".join(table.column_names) + "\r\n").encode("utf-8"))
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none", eol="\r\n"))
    return {"lines": n_lines, "entries": n_entries, "broken_entries": int(broken[::2].sum())}


def timed(path: str, out_dir: str) -> dict:
    """The measured part (runs in its own process)."""
    import resource

    t0 = time.perf_counter()
    from reglo.addin.shell import entry_import as ei
    from reglo.core.entry_import import import_entries

    t_import_modules = time.perf_counter() - t0
    d = definition()
    t1 = time.perf_counter()
    inp = ei.read_delimited(Path(path).read_bytes(), d, name=Path(path).name)
    t2 = time.perf_counter()
    result = import_entries(inp.raw, d)
    t3 = time.perf_counter()
    outputs = ei.write_outputs(inp, result, d, Path(out_dir), stem="bench")
    t4 = time.perf_counter()
    s = result.summary
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds_total": round(t4 - t1, 3),
        "seconds_read": round(t2 - t1, 3),
        "seconds_import": round(t3 - t2, 3),
        "seconds_outputs": round(t4 - t3, 3),
        "seconds_module_import": round(t_import_modules, 3),
        "peak_mb": round(peak_kb / 1024, 1),
        "lines_read": s.lines_read,
        "lines_accepted": s.lines_accepted,
        "lines_rejected": s.lines_rejected,
        "entries_accepted": s.entries_accepted,
        "entries_rejected": s.entries_rejected,
        "lines_written": s.lines_written,
        "fec_bytes": sum(os.path.getsize(p) for p in outputs if "FEC" in Path(p).name),
        "outputs": [Path(p).name for p in outputs],
    }


def reference(path: str) -> dict:
    """The same accepted lines written from the pyarrow table and from ledger frames."""
    from reglo.addin.shell import entry_import as ei
    from reglo.core.entry_import import import_entries
    from reglo.core.fec import write_fec, write_fec_tables

    d = definition()
    inp = ei.read_delimited(Path(path).read_bytes(), d, name=Path(path).name)
    result = import_entries(inp.raw, d)
    t0 = time.perf_counter()
    from_table = write_fec_tables(result.table, by="company")
    t1 = time.perf_counter()
    frames = {c: result.frame(c) for c in result.companies()}
    t2 = time.perf_counter()
    from_frames = {c: write_fec(f) for c, f in frames.items()}
    t3 = time.perf_counter()
    return {
        "seconds_fec_from_table": round(t1 - t0, 3),
        "seconds_fec_from_frames": round(t3 - t2, 3),
        "fec_identical": from_table == from_frames,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--no-reference", action="store_true", help="skip the comparison with reglo.core.fec.write_fec on ledger frames")
    parser.add_argument("--child", nargs=2, metavar=("INPUT", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--reference-child", metavar="INPUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(timed(*args.child)))
        return 0
    if args.reference_child:
        print(json.dumps(reference(args.reference_child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="reglo-bench-import-") as tmp:
        path = Path(tmp) / "ecritures.csv"
        g0 = time.perf_counter()
        info = generate(path, args.lines)
        gen_s = time.perf_counter() - g0
        proc = subprocess.run([sys.executable, __file__, "--child", str(path), str(Path(tmp) / "out")], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures.update(info)
        if not args.no_reference:
            ref = subprocess.run([sys.executable, __file__, "--reference-child", str(path)], capture_output=True, text=True, cwd=ROOT)
            if ref.returncode == 0:
                figures["reference"] = json.loads(ref.stdout.strip().splitlines()[-1])
        figures["input_mb"] = round(path.stat().st_size / 1e6, 1)
    figures["seconds_generate"] = round(gen_s, 2)
    figures["budget_seconds"] = BUDGET_SECONDS
    figures["budget_mb"] = BUDGET_MB
    figures["within_budget"] = figures["seconds_total"] <= BUDGET_SECONDS and figures["peak_mb"] <= BUDGET_MB
    figures["cpu_count"] = os.cpu_count()
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "entry_import.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0 if figures["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
