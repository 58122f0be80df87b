"""Measure two commits in the same run: every benchmark script of the *base* commit and of
the *head* commit, alternately, each in its own checkout and virtual environment.

    python bench/compare_commits.py --base a1afff2 [--head HEAD] [--rounds 2] [--quick]

For each script that both commits have, the script runs ``--rounds`` times per commit,
base and head alternating (so that a load change on the machine hits both), and the best
value of every timing it writes to ``bench/out/*.json`` is kept. The table lists, per
script and per timing key, base, head and the ratio head / base: a ratio above 1.10 is a
path more than 10 % slower (issue 10). Peak-memory keys are compared the same way, and so is
``process:cpu_total_s``, the CPU time of the whole script run (user + system, measured from
outside), which a loaded machine disturbs far less than wall times.

Checkouts live in ``bench/data/commits/<sha>`` (git-ignored) with a venv each, reused, and
byte-compiled (``compileall``) as an installed wheel is.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "data" / "commits"
# the quick sizes keep each script under a minute on the 2-core machine
QUICK_ARGS = {
    "bench_fec_read.py": ["--lines", "200000", "--repeat", "2"],
    "bench_fec_write.py": ["--lines", "200000", "--repeat", "2"],
    "bench_lettering.py": ["--lines", "200000", "--skip-naive"],
    "bench_entry_import.py": ["--lines", "200000", "--no-reference"],
    "bench_payments.py": ["--rows", "10000", "--repeat", "2", "--no-xlwings"],
    "bench_transfers.py": ["--transfers", "20000", "--repeat", "2"],
    "bench_check_paint.py": [],
}
FULL_ARGS: dict[str, list[str]] = {name: [] for name in QUICK_ARGS}  # each script's own defaults
TIME_HINTS = ("_s", "seconds", "time", "elapsed", "wall", "reglo")
MEMORY_HINTS = ("mib", "mb", "rss", "peak", "memory")


def checkout(rev: str) -> tuple[Path, Path]:
    sha = subprocess.check_output(["git", "rev-parse", rev], cwd=ROOT, text=True).strip()
    folder = WORK / sha[:12]
    if not folder.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.check_call(["git", "worktree", "add", "--detach", str(folder), sha], cwd=ROOT)
    py = folder / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not py.exists():
        venv.EnvBuilder(with_pip=True).create(folder / ".venv")
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", f"{folder}[test]"])
    # byte-compiled, as an installed wheel is (pip compiles it): an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module from source in every run, and
    # charge a commit for the size of its sources rather than for what its code does
    sources = [str(folder / d) for d in ("core", "addin", "workbook_templates", "bench") if (folder / d).is_dir()]
    subprocess.check_call([str(py), "-m", "compileall", "-q", "-j", "0", *sources])
    # the lettering kernels prepared as an installation prepares them (bootstrap.py): compiled
    # ahead of time where the commit can, else into numba's cache; a commit is not charged for
    # a first compilation
    if (folder / "addin" / "shell" / "kernels.py").is_file():
        subprocess.call([str(py), "-m", "reglo.addin.shell.kernels"], cwd=folder, stdout=subprocess.DEVNULL)
    return folder, py


def flatten(data, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        out[prefix.rstrip(".")] = float(data)
    return out


def run(folder: Path, py: Path, script: str, args: list[str]) -> dict[str, float]:
    out_dir = folder / "bench" / "out"
    before = {p: p.stat().st_mtime for p in out_dir.glob("*.json")} if out_dir.exists() else {}
    cpu0 = _children_cpu()
    proc = subprocess.run([str(py), str(folder / "bench" / script), *args], cwd=folder, capture_output=True, text=True, timeout=3600)
    cpu = _children_cpu() - cpu0
    values: dict[str, float] = {}
    for p in out_dir.glob("*.json"):
        if before.get(p) != p.stat().st_mtime:
            values.update({f"{p.stem}:{k}": v for k, v in flatten(json.loads(p.read_text(encoding="utf-8"))).items()})
    if proc.returncode != 0:
        if not values:  # nothing measured: a failure
            print(f"  {script} a échoué dans {folder.name} :\n{proc.stderr[-800:]}", file=sys.stderr)
            return {}
        # measured, but the script reports a target not met (its exit code): the figures count
        print(f"  {script} dans {folder.name} : mesures écrites, cible non atteinte (code {proc.returncode})", file=sys.stderr)
    # the CPU time of the whole script (data generation, imports and every timed path): far less
    # sensitive than wall times to the other jobs of a shared machine
    values["process:cpu_total_s"] = cpu
    return values


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--head", default="HEAD")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="smaller inputs (a few minutes in all)")
    ap.add_argument("--scripts", nargs="*", default=None)
    ns = ap.parse_args()
    (base_dir, base_py), (head_dir, head_py) = checkout(ns.base), checkout(ns.head)
    table = QUICK_ARGS if ns.quick else FULL_ARGS
    scripts = ns.scripts or [s for s in table if (base_dir / "bench" / s).exists() and (head_dir / "bench" / s).exists()]
    report = {}
    for script in scripts:
        best: dict[str, dict[str, float]] = {"base": {}, "head": {}}
        for i in range(ns.rounds):
            order = (("base", base_dir, base_py), ("head", head_dir, head_py))
            for side, folder, py in (order if i % 2 == 0 else order[::-1]):  # alternate who goes first
                for k, v in run(folder, py, script, table.get(script, [])).items():
                    lower_is_better = any(h in k.lower() for h in TIME_HINTS + MEMORY_HINTS)
                    keep = min if lower_is_better else max
                    best[side][k] = keep(best[side].get(k, v), v)
        rows = []
        for k in sorted(best["base"].keys() & best["head"].keys()):
            b, h = best["base"][k], best["head"][k]
            if b > 0 and any(x in k.lower() for x in TIME_HINTS + MEMORY_HINTS):
                rows.append((k, b, h, h / b))
        report[script] = rows
        print(f"\n{script}")
        for k, b, h, r in rows:
            flag = "  <-- plus de 10 % plus lent" if r > 1.10 else ""
            print(f"  {k:70s} {b:12.3f} {h:12.3f}  x{r:5.2f}{flag}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare_commits.json").write_text(json.dumps({s: [list(r) for r in rows] for s, rows in report.items()}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
