"""Regression harness for speed work on the lettering engine: the engine's output must not change.

``python bench/lettering_regression.py save [FILE]`` records, for two bench ledgers (the quick
test's ledger: seed 101, 120 accounts; a 149,217-line slice of the ledger bench: seed 7, 2,000
accounts), every proposed group (sorted rows, account, code, rule, score, ambiguity, partial,
gap, open amount, reason, alternatives, z, margin), the alerts and the applied codes, with the
CPU time of propose and apply; ``check [FILE]`` recomputes and says IDENTICAL or DIFFERENT
(with the first differences). Default FILE: ``/tmp/lettering_regression.pkl``. With
``REGLO_NOYAUX=1`` the engine runs with the compiled kernels (``reglo.addin.shell.kernels``):
the output must be the same as without.
"""
from __future__ import annotations

import hashlib
import pickle
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [("quick_101", 101, 120, None), ("ledger_slice_7", 7, 2000, 0.87)]


def snapshot() -> dict:
    import os

    from reglo.core.lettering import (
        LetteringOptions,
        apply_lettering,
        propose_lettering,
    )

    from tests.lettering_bench.generator import generate, stripped

    kw = {}
    if os.environ.get("REGLO_NOYAUX") == "1":
        from reglo.addin.shell.kernels import compiled

        kw = {"kernels": compiled()}
        assert kw["kernels"] is not None, "numba absent: no compiled kernels"
    out = {}
    for name, seed, accounts, volume in CASES:
        frame = stripped(generate(seed, accounts) if volume is None else generate(seed, accounts, volume=volume))
        c0 = time.process_time()
        p = propose_lettering(frame, LetteringOptions(), **kw)
        c1 = time.process_time()
        r = apply_lettering(frame, p, run_id="x", lettered_on=date(2025, 12, 31))
        c2 = time.process_time()
        groups = [(tuple(sorted(g.rows)), g.account, g.code, str(g.rule), g.confidence, g.ambiguous, g.partial, str(g.gap), str(g.open_amount),
                   g.reason, g.alternatives, g.z, g.margin) for g in p.groups]
        out[name] = (groups, [str(a) for a in p.alerts], r.frame["lettering_code"].tolist())
        digest = hashlib.md5(pickle.dumps(out[name])).hexdigest()
        print(f"{name}: {len(frame):,} lines; propose CPU {c1 - c0:.2f} s, apply {c2 - c1:.2f} s; {len(groups):,} groups; {digest}")
    return out


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    path = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/lettering_regression.pkl")
    out = snapshot()
    if mode == "save":
        path.write_bytes(pickle.dumps(out))
        return 0
    ref = pickle.loads(path.read_bytes())
    ok = True
    for name in ref:
        same = ref[name] == out.get(name)
        ok &= same
        print(name, "IDENTICAL" if same else "DIFFERENT")
        if not same:
            for part, (a, b) in zip(("groups", "alerts", "codes"), zip(ref[name], out[name])):
                if a != b:
                    print(f"  {part}: {len(a)} vs {len(b)};", [(x, y) for x, y in zip(a, b) if x != y][:3])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
