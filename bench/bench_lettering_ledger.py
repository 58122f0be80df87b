"""Benchmark: lettering a 750,000-line ledger of 10,000 third-party accounts end to end (read the
FEC, propose + apply, write the FEC), against the rule-based baseline letterer
(``bench/lettering_baseline.py``) doing the same read, lettering and write in the same run.

Run: ``python bench/bench_lettering_ledger.py [--accounts 10000] [--seed 7] [--repeat 1]``

Input: ``tests/lettering_bench/generator.py`` (the lettered-ledger generator of the quality
bench, every pattern of issue 13), letters stripped, written once as a FEC into
``bench/data/`` (git-ignored). Targets (issue 13): engine end to end ≤ 6 s and at most half
the baseline's time. Also prints the quality of both on this ledger. Writes
``bench/out/lettering_ledger.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"


VOLUME = 0.87  # ordinary invoices per account scaled so that 10,000 accounts make about 750,000 lines


def fec_file(accounts: int, seed: int):
    from reglo.core.fec import write_fec
    from tests.lettering_bench.generator import generate, stripped

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"552100554FEC20251231_ledger_{accounts}_{seed}_{VOLUME}.txt"
    bench = generate(seed, accounts, volume=VOLUME)
    if not path.exists():
        data = write_fec(stripped(bench), due_date_field="DateEcheance")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path, bench


def cpu() -> float:
    """CPU time of this process and of its finished children (the engine's search workers)."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def engine_run(data: bytes, name: str) -> tuple[dict, list]:
    """The engine as the add-in runs it: its per-account search in worker processes when the
    machine and the ledger's size allow it (``reglo.addin.shell.parallel``); the CPU figures
    add the workers' CPU to this process's."""
    from reglo.addin.shell.kernels import search_options
    from reglo.core.fec import read_fec, write_fec
    from reglo.core.lettering import LetteringOptions, apply_lettering, propose_lettering

    t = {}
    c0 = cpu()
    t0 = time.perf_counter()
    ledger = read_fec(data, name)
    t["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    c1 = cpu()
    proposal = propose_lettering(ledger.frame, LetteringOptions(), **search_options(len(ledger.frame)))
    t["propose"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    res = apply_lettering(ledger.frame, proposal, run_id="bench", lettered_on=date(2025, 12, 31))
    t["apply"] = time.perf_counter() - t2
    t["cpu_letter"] = cpu() - c1
    t3 = time.perf_counter()
    write_fec(res.frame, due_date_field="DateEcheance")
    t["write"] = time.perf_counter() - t3
    t["end_to_end"] = time.perf_counter() - t0
    t["cpu_end_to_end"] = cpu() - c0
    return t, [g.rows for g in proposal.groups if not g.ambiguous and not g.partial]


def baseline_run(data: bytes, name: str) -> tuple[dict, list]:
    """The baseline with the same read and write around it; its groups get codes AA, AB … per
    account (plain Python, as the baseline itself)."""
    from lettering_baseline import baseline_letter
    from reglo.core.fec import read_fec, write_fec
    from reglo.core.lettering import code_at

    t = {}
    c0 = time.process_time()
    t0 = time.perf_counter()
    ledger = read_fec(data, name)
    t["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    c1 = time.process_time()
    frame = ledger.frame
    groups = baseline_letter(frame)
    rows = frame["source_row"].to_numpy()
    pos = {r: i for i, r in enumerate(rows.tolist())}
    key = np.where(frame["subledger_account"].to_numpy(dtype=object) != "", frame["subledger_account"].to_numpy(dtype=object),
                   frame["ledger_account"].to_numpy(dtype=object))
    codes = frame["lettering_code"].to_numpy(dtype=object).copy()
    counter: dict[str, int] = {}
    for g in groups:
        acc = key[pos[g[0]]]
        n = counter.get(acc, 0)
        counter[acc] = n + 1
        for r in g:
            codes[pos[r]] = code_at(n)
    out = frame.copy()
    out["lettering_code"] = codes
    out["lettering_code"] = out["lettering_code"].astype(frame["lettering_code"].dtype)
    t["letter"] = time.perf_counter() - t1
    t["cpu_letter"] = time.process_time() - c1
    t3 = time.perf_counter()
    write_fec(out, due_date_field="DateEcheance")
    t["write"] = time.perf_counter() - t3
    t["end_to_end"] = time.perf_counter() - t0
    t["cpu_end_to_end"] = time.process_time() - c0
    return t, groups


def warm_up(data: bytes, name: str) -> None:
    """One untimed read and write before the timed runs. The first read and write of a process
    pay first-use costs (lazy imports, Arrow's and pandas' first calls, memory first taken from
    the system: 0.3-0.5 s here); they fell on whichever side ran first, always the engine. Both
    sides now run in the same warm process. The cold process a user starts is measured by
    ``bench_letter_command.py``."""
    from reglo.core.fec import read_fec, write_fec

    write_fec(read_fec(data, name).frame, due_date_field="DateEcheance")


def main() -> int:
    from tests.lettering_bench.generator import score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--processus", type=int, default=None, help="processes of the engine's search (REGLO_PROCESSUS; 1: none)")
    args = parser.parse_args()
    from reglo.addin.shell.memory import small_pages

    small_pages()  # as the command line and the ribbon do (ADR 0010)
    if args.processus is not None:
        os.environ["REGLO_PROCESSUS"] = str(args.processus)
    path, bench = fec_file(args.accounts, args.seed)
    data = path.read_bytes()
    warm_up(data, path.name)
    best_e = best_b = None
    for i in range(args.repeat):  # alternated: neither side always runs first
        if i % 2 == 0:
            te, ge = engine_run(data, path.name)
            tb, gb = baseline_run(data, path.name)
        else:
            tb, gb = baseline_run(data, path.name)
            te, ge = engine_run(data, path.name)
        if best_e is None or te["end_to_end"] < best_e[0]["end_to_end"]:
            best_e = (te, ge)
        if best_b is None or tb["end_to_end"] < best_b[0]["end_to_end"]:
            best_b = (tb, gb)
    te, ge = best_e
    tb, gb = best_b
    se, sb = score(bench, ge)["ALL"], score(bench, gb)["ALL"]
    from reglo.addin.shell.parallel import workers

    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "search_processes": workers()}, "lines": int(len(bench.frame)), "accounts": args.accounts,
              "engine_seconds": {k: round(v, 2) for k, v in te.items()}, "baseline_seconds": {k: round(v, 2) for k, v in tb.items()},
              "engine_quality": {k: round(se[k], 4) for k in ("precision", "recall", "exact_groups")},
              "baseline_quality": {k: round(sb[k], 4) for k in ("precision", "recall", "exact_groups")}}
    ratio = te["end_to_end"] / tb["end_to_end"]
    report["ratio_engine_over_baseline"] = round(ratio, 3)
    cpu_ratio = te["cpu_end_to_end"] / tb["cpu_end_to_end"]
    report["cpu_ratio_engine_over_baseline"] = round(cpu_ratio, 3)
    print(f"{len(bench.frame):,} lines, {args.accounts:,} accounts")
    print(f"engine   : " + ", ".join(f"{k} {v:.2f} s" for k, v in te.items()) + f" ; P {se['precision']:.3f} R {se['recall']:.3f} X {se['exact_groups']:.3f}")
    print(f"baseline : " + ", ".join(f"{k} {v:.2f} s" for k, v in tb.items()) + f" ; P {sb['precision']:.3f} R {sb['recall']:.3f} X {sb['exact_groups']:.3f}")
    ok = te["end_to_end"] <= 6.0 and ratio <= 0.5  # wall, as the issue states it; CPU beside it when the machine is shared
    print(f"engine / baseline = {ratio:.2f} (CPU {cpu_ratio:.2f}) ; targets (≤ 6 s, ≤ 0.5 × baseline): {'met' if ok else 'NOT met'}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "lettering_ledger.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
