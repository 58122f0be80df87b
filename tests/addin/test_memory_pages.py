"""``reglo.addin.shell.memory.small_pages``: the command line and the ribbon turn NumPy's
transparent huge page requests off (ADR 0010), unless the user's ``NUMPY_MADVISE_HUGEPAGE``
decides. Checked on the memory map itself: a big array made after the switch lies in a mapping
without the « hg » (MADV_HUGEPAGE) flag."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent("""
    import sys
    import numpy as np
    from reglo.addin.shell.memory import small_pages

    def huge_flag(a):
        address = a.__array_interface__["data"][0] + a.nbytes // 2  # NumPy advises the 2 MiB-aligned middle only
        with open("/proc/self/smaps") as f:
            inside = False
            for line in f:
                head = line.split()[0]
                if "-" in head and ":" not in head:
                    lo, hi = (int(x, 16) for x in head.split("-"))
                    inside = lo <= address < hi
                elif inside and line.startswith("VmFlags:"):
                    return "hg" in line.split()[1:]
        raise SystemExit("mapping not found")

    before = np.ones(8 << 20)  # 64 MiB: far above NumPy's 4 MiB threshold
    print(huge_flag(before))
    print(small_pages())
    after = np.ones(8 << 20)
    print(huge_flag(after))
""")


def _probe(env_extra: dict[str, str]) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    env.update(env_extra)
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


linux_smaps = pytest.mark.skipif(not Path("/proc/self/smaps").is_file(), reason="carte mémoire de Linux (/proc/self/smaps) absente")


@linux_smaps
def test_small_pages_turns_numpy_huge_page_requests_off():
    before, done, after = _probe({})
    if before != "True":
        pytest.skip("ce noyau ne reçoit pas de demandes de grandes pages de NumPy (THP absent)")
    assert done == "True"
    assert after == "False"


@linux_smaps
def test_the_users_numpy_setting_is_left_as_it_is():
    before, done, after = _probe({"NUMPY_MADVISE_HUGEPAGE": "1"})
    assert done == "False"
    assert after == before  # still NumPy's own choice
    _, done0, after0 = _probe({"NUMPY_MADVISE_HUGEPAGE": "0"})
    assert (done0, after0) == ("False", "False")


def test_the_command_line_and_the_ribbon_turn_it_on_before_the_work(monkeypatch, tmp_path):
    from reglo.addin.entrypoints import cli, ribbon
    from reglo.addin.entrypoints.handlers import (
        HANDLERS,
        HandlerInfo,
        HandlerResult,
        load_all,
    )

    calls: list[str] = []
    monkeypatch.setattr(cli, "small_pages", lambda: calls.append("cli") or True)
    monkeypatch.setattr(ribbon, "small_pages", lambda: calls.append("ribbon") or True)
    fec = tmp_path / "vide.txt"
    fec.write_bytes(b"")
    cli.main(["fec", "check", str(fec)])
    assert calls == ["cli"]

    load_all()
    seen: list[list[str]] = []
    monkeypatch.setitem(HANDLERS, "t_pages", HandlerInfo("t_pages", lambda book: seen.append(list(calls)) or HandlerResult("ok", []), "Test", "Contrôle"))
    monkeypatch.setattr(ribbon, "_show", lambda *a, **k: None)
    assert ribbon.run("t_pages", object()) is not None
    assert seen == [["cli", "ribbon"]]  # set before the handler ran
