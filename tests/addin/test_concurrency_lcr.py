"""Two people press « Continuer » (LCR magnétique) on the same dossier at the same moment, from
two workbooks: one CFONB 160 file, one live LCR batch, every bill remitted once; the other run
finds nothing left to remit (or is refused in French) and writes nothing. Three pairs by default,
10 with ``REGLO_FULL=1``."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reglo.addin.shell.dossier import write_dossier

from tests.addin import register_view as rv
from tests.addin import trust_fixtures as tf
from tests.addin.test_debits_shell import strict
from tests.addin.test_lcr_shell import lcr_dossier, lcr_ledger

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX subprocess race")
PAIRS = 10 if os.environ.get("REGLO_FULL") == "1" else 3
TOTAL = 234570  # cents of the fixture's bills


def _argv(folder: Path, step: str, book: str) -> list[str]:
    return [sys.executable, "-m", "reglo.addin.entrypoints.cli", "debits", "lcr", step, str(folder / book), "--dossier", str(folder),
            "--now", "2023-08-10T09:30:00", "--assign"]


def _live(folder: Path):
    return rv.live(folder, "lcr")


@pytest.mark.parametrize("pair", range(PAIRS))
def test_two_continues_at_once_remit_each_bill_once(tmp_path, pair):
    folder = tmp_path / "dossier"
    write_dossier(folder, strict(lcr_dossier()), lcr_ledger())
    first = subprocess.run(_argv(folder, "transfer", "LCR.xlsx"), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    shutil.copy(folder / "LCR.xlsx", folder / "LCR bis.xlsx")  # a colleague's copy of the same workbook
    procs = [subprocess.Popen(_argv(folder, "continue", b), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for b in ("LCR.xlsx", "LCR bis.xlsx")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert "Traceback" not in out + err, (out + err)[-1500:]
        if p.returncode != 0:  # the later run: told in French why nothing was remitted
            assert "déjà remis" in out + err or "a changé" in out + err, (out + err)[-800:]
    assert any(p.returncode == 0 for p in procs), outs
    live = _live(folder)
    assert len(live) == 1, outs
    assert live[0].status == "committed" and sum(l.amount_cents for l in live[0].lines) == TOTAL
    keys = [l.item_key for l in live[0].lines]
    assert len(keys) == len(set(keys))
    files = list((folder / "lcr").glob("LCR*.txt"))
    assert len(files) == 1 and files[0].name in {f.name for f in live[0].files}
    assert tf.stray_temporaries(folder) == []
