"""Benchmark: the command an accountant runs, ``reglo letter --apply FEC``, on the 750,000-line
ledger of ``bench_lettering_ledger.py`` (10,000 third-party accounts), from the start of the
process to its exit, against the same-run references.

Run: ``python bench/bench_letter_command.py [--repeat 3] [--stages]``

``bench_lettering_ledger.py`` times the lettering library (read, propose, apply, ``write_fec``).
The command does more, and this is what the user waits for: it starts Python and imports
Reglo, recovers an interrupted commit of the folder, reads the FEC, letters, rewrites the FEC
in place keeping every byte it does not change (``frame_rewrite``), writes the undo journal
(``.lettrage.json``), records the customer receipts of the run in the register (« Données
d'encaissement ») and commits all of it through the one commit protocol (lock, register
batch, fsync, replace). Each repeat runs in a fresh folder (a copy of the FEC, no register)
in a child process started as the ``reglo`` console script starts it: its wall time and CPU
(user + system) are measured from outside. Reglo's modules should be byte-compiled, as an
installed wheel is (``python -m compileall -q core addin``; an editable checkout run with
``PYTHONDONTWRITEBYTECODE=1`` compiles them from source at every start).

Same-run references, in this process, between the repeats:
- the rule-based baseline letterer with the same read and ``write_fec`` around it
  (``bench_lettering_ledger.baseline_run``);
- copying the FEC (``shutil.copyfile``, then fsync): the floor of any rewrite of the file.

``--stages`` also runs the command once inside this process with a timer around each stage
(recovery and read, proposal, application, rewrite, journal, receipts, register, files) and
prints them, with the time a fresh process takes to import Reglo and build its parser. Writes ``bench/out/letter_command.json``.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "bench" / "out"

COMMAND = ["letter", "--apply", "--now", "2026-01-01T00:00:00"]
STAGES = [  # (module, function): the command's stages, timed by --stages
    ("reglo.addin.shell.lettering", "read_fec_once"),
    ("reglo.core.lettering", "propose_lettering"),
    ("reglo.core.lettering", "apply_lettering"),
    ("reglo.core.fec_rewrite", "frame_rewrite"),
    ("reglo.addin.shell.lettering", "journal_bytes"),
    ("reglo.addin.shell.lettering", "lettering_receipts"),
    ("reglo.addin.shell.lettering", "plan_apply"),
    ("reglo.core.lettering.receipts", "new_lines"),
    ("reglo.addin.shell.registry._sql", "SqlStore.begin"),
    ("reglo.addin.shell.commit", "_write_all"),
    ("reglo.addin.shell.lettering", "commit_ledger"),
]


def _child_cpu() -> float:
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ch.ru_utime + ch.ru_stime


def command_run(fec: Path) -> dict:
    """``reglo letter --apply`` in a fresh folder, in a child process (its workers included)."""
    with tempfile.TemporaryDirectory(prefix="reglo-bench-") as tmp:
        target = Path(tmp) / fec.name
        shutil.copyfile(fec, target)
        c0 = _child_cpu()
        t0 = time.perf_counter()
        # as the ``reglo`` console script runs it (``cli.entry``: no teardown of the interpreter)
        done = subprocess.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", *COMMAND, target.name], cwd=tmp, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        cpu = _child_cpu() - c0
        if done.returncode != 0:
            raise SystemExit(f"reglo letter failed ({done.returncode}):\n{done.stderr.decode('utf-8', 'replace')[-2000:]}")
        changed = target.stat().st_size
    return {"wall": wall, "cpu": cpu, "size_after": changed}


def copy_run(fec: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="reglo-bench-") as tmp:
        t0 = time.perf_counter()
        target = Path(tmp) / fec.name
        shutil.copyfile(fec, target)
        with open(target, "rb") as f:
            os.fsync(f.fileno())
        return time.perf_counter() - t0


def stages_run(fec: Path) -> list[tuple[str, float, float]]:
    """The command in this process with a timer around each stage: (stage, start, seconds)."""
    with tempfile.TemporaryDirectory(prefix="reglo-bench-") as tmp:
        target = Path(tmp) / fec.name
        shutil.copyfile(fec, target)
        code = "import time; t = time.perf_counter(); from reglo.addin.entrypoints import cli; cli.build_parser(); print(time.perf_counter() - t)"
        imports = float(subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, check=True).stdout)
        marks: list[tuple[str, float, float]] = [("imports and parser (child process)", 0.0, imports)]
        from reglo.addin.entrypoints import cli

        t0 = time.perf_counter()
        for mod_name, name in STAGES:
            mod = importlib.import_module(mod_name)
            owner, attr = (getattr(mod, name.split(".")[0]), name.split(".")[1]) if "." in name else (mod, name)
            f = getattr(owner, attr)

            def timed(*a, _f=f, _n=name, **k):
                s = time.perf_counter()
                try:
                    return _f(*a, **k)
                finally:
                    marks.append((_n, s - t0, time.perf_counter() - s))

            setattr(owner, attr, functools.wraps(f)(timed))
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            import contextlib
            import io

            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli.main([*COMMAND, target.name])
        finally:
            os.chdir(cwd)
        marks.append(("total", 0.0, time.perf_counter() - t0))
        return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="also time each stage of one run inside this process")
    args = parser.parse_args()
    from bench_lettering_ledger import baseline_run, fec_file
    from reglo.addin.shell.memory import small_pages

    small_pages()
    fec, _ = fec_file(args.accounts, args.seed)
    data = fec.read_bytes()
    cmd, base, copy = [], [], []
    for _ in range(args.repeat):  # alternated: the command, then the references
        cmd.append(command_run(fec))
        tb, _ = baseline_run(data, fec.name)
        base.append(tb)
        copy.append(copy_run(fec))
    best = min(cmd, key=lambda r: r["wall"])
    best_b = min(base, key=lambda t: t["end_to_end"])
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}, "fec": fec.name, "bytes": len(data),
              "command_seconds": [round(r["wall"], 2) for r in cmd], "command_cpu_seconds": [round(r["cpu"], 2) for r in cmd],
              "baseline_end_to_end_seconds": [round(t["end_to_end"], 2) for t in base], "copy_seconds": [round(c, 2) for c in copy],
              "best": {"command": round(best["wall"], 2), "command_cpu": round(best["cpu"], 2), "baseline_end_to_end": round(best_b["end_to_end"], 2),
                       "copy": round(min(copy), 2)}}
    print(f"{fec.name}: {len(data):,} bytes")
    print("reglo letter --apply (whole process): " + ", ".join(f"{r['wall']:.2f} s (CPU {r['cpu']:.2f})" for r in cmd))
    print("reference: baseline letterer, read + letter + write_fec: " + ", ".join(f"{t['end_to_end']:.2f} s" for t in base))
    print("reference: copy of the FEC + fsync: " + ", ".join(f"{c:.2f} s" for c in copy))
    print(f"best: command {best['wall']:.2f} s; baseline {best_b['end_to_end']:.2f} s; command / baseline = {best['wall'] / best_b['end_to_end']:.2f}")
    if args.stages:
        marks = stages_run(fec)
        report["stages"] = [{"stage": n, "start": round(s, 3), "seconds": round(d, 3)} for n, s, d in marks]
        for n, s, d in marks:
            print(f"  {s:7.2f}  {d:6.2f} s  {n}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "letter_command.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
