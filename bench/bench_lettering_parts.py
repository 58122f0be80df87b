"""Benchmark: CPU time of each column-wise part of the lettering engine (issue 13 speed work).

Run: ``python bench/bench_lettering_parts.py FEC_FILE [--repeat 2]``, e.g. on the FEC written by
``bench_lettering_ledger.py`` into ``bench/data/`` (2,000 accounts: 149,217 lines; 10,000
accounts: 746,620 lines).

Times (``time.process_time``, best of ``--repeat``) ``read_fec``, the whole-scope parts of
``propose_lettering`` (scope checks, open lines, units, unit features, history, reference keys
and edges, same-amount counts, fast path, instalment markers, group codes) by wrapping the
module functions, the per-account search as the rest of ``propose_lettering``, then
``apply_lettering``, ``write_fec`` and ``frame_rewrite`` (the byte-preserving rewrite
``letter --apply`` writes). To compare two checkouts in one sitting, run it with
``PYTHONPATH`` pointing at a folder whose ``reglo/`` links to the other checkout's folders.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(ROOT))

PARTS = [("engine", "_examine"), ("engine", "_open_lines"), ("engine", "_build_units"), ("engine", "_unit_features"), ("engine", "_history"),
         ("matching", "scope_keys"), ("matching", "reference_keys"), ("matching", "reference_edges"), ("matching", "_same_amount_counts"), ("matching", "_side_counts"),
         ("matching", "fast_path"), ("matching", "instalment_markers"), ("engine", "_finish_prep"), ("engine", "_finish_part"), ("engine", "_groups")]


def one_run(data: bytes, name: str) -> dict[str, float]:
    from reglo.core.fec import read_fec, write_fec
    from reglo.core.lettering import LetteringOptions, apply_lettering, engine, matching, propose_lettering

    mods = {"engine": engine, "matching": matching}
    spent: dict[str, float] = {}
    saved = []

    def wrap(mod, fname):
        f = getattr(mod, fname)

        def timed(*a, **k):
            c = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[fname] = spent.get(fname, 0.0) + time.process_time() - c
        saved.append((mod, fname, f))
        setattr(mod, fname, timed)

    t = {}
    c = time.process_time()
    ledger = read_fec(data, name)
    t["read_fec"] = time.process_time() - c
    for m, f in PARTS:
        if hasattr(mods[m], f):
            wrap(mods[m], f)
    try:
        c = time.process_time()
        proposal = propose_lettering(ledger.frame, LetteringOptions())
        t["propose"] = time.process_time() - c
    finally:
        for mod, fname, f in saved:
            setattr(mod, fname, f)
    t.update(spent)
    inner = spent.get("reference_keys", 0.0) + spent.get("scope_keys", 0.0)
    t["reference_edges (without keys)"] = spent.get("reference_edges", 0.0) - inner
    t["column-wise parts"] = sum(v for k, v in spent.items() if k not in ("reference_keys", "scope_keys"))
    t["per-account search (rest)"] = t["propose"] - t["column-wise parts"]
    c = time.process_time()
    res = apply_lettering(ledger.frame, proposal, run_id="bench", lettered_on=date(2025, 12, 31))
    t["apply"] = time.process_time() - c
    c = time.process_time()
    write_fec(res.frame, due_date_field="DateEcheance")
    t["write_fec"] = time.process_time() - c
    # what `letter --apply` writes: the byte-preserving rewrite of the file read (addin/shell/lettering.py)
    from reglo.core.fec_rewrite import frame_rewrite
    c = time.process_time()
    frame_rewrite(data, ledger.frame, res.frame)
    t["frame_rewrite (letter --apply)"] = time.process_time() - c
    t["column-wise + apply"] = t["column-wise parts"] + t["apply"]
    return t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fec")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from reglo.addin.shell.memory import small_pages

    small_pages()  # as the command line and the ribbon do (ADR 0010)
    import reglo.core
    path = Path(args.fec)
    data = path.read_bytes()
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for k, v in one_run(data, path.name).items():
            best[k] = min(best.get(k, v), v)
    print(f"code: {Path(reglo.core.__file__).resolve().parent.parent}")
    for k, v in best.items():
        print(f"  {k:32s} {v:7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
