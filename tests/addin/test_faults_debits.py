"""Fault injection on « Générer » (customer direct debits): a child ``reglo debits generate``
kills itself at a step of the commit (bank file, treasury entries FEC, lettered copy); the next
start leaves the dossier in the old state or the new one (no stray temporary file, at most one
live direct-debit batch, whose files all exist, and no bank file the register does not know),
and running it again never collects an invoice twice. Quick set by default, every step with
``REGLO_FULL=1``."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reglo.addin.shell.dossier import load_dossier, write_dossier

from tests.addin import register_view as rv
from tests.addin.test_debits_shell import strict
from tests.core.debit_fixtures import default_ledger, dossier

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
# four files: the bank file and the entries FEC (new files, renamed), the lettered copy and its
# lettering journal (rewritten in place, « after_ledger_replace »)
ALL = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_tmp_write:2", "after_tmp_write:3",
       "after_rename:0", "after_rename:1", "after_ledger_replace", "before_committed", "after_committed"]
STEPS = ALL if os.environ.get("REGLO_FULL") == "1" else ["after_rename:1", "after_ledger_replace"]
TOTAL = 805040  # cents collected by the fixture's run


def _reglo(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "reglo.addin.entrypoints.cli", "debits", *args[:1], str(folder / "Prélèvements.xlsx"), "--dossier", str(folder),
            "--now", "2023-08-10T09:30:00", *args[1:]]
    return subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


def _live(folder: Path):
    return rv.live(folder, "prelevement")


def _lettered(folder: Path) -> bytes:
    """The lettered copy, the remittance reference set back to the first one: a run rolled back
    by recovery has used its reference, and the next run takes « …-2 » (references are never
    handed out twice)."""
    (copy,) = folder.glob("*lettré.txt")
    return re.sub(rb"PRE20230810093000-[2-9](?=[-\t])", b"PRE20230810093000", copy.read_bytes())


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> bytes:
    """The lettered copy after a run nobody killed."""
    folder = tmp_path_factory.mktemp("ref") / "dossier"
    write_dossier(folder, strict(dossier()), default_ledger())
    assert _reglo(folder, "prepare", "--bank", "BQ1", "--assign", "--date", "28/08/2023", "--horizon", "30").returncode == 0
    assert _reglo(folder, "generate", "--no-test").returncode == 0
    return _lettered(folder)


def _bank_files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "prelevements").glob("Pre*.xml")) if (folder / "prelevements").exists() else []


@pytest.mark.parametrize("step", STEPS)
def test_killed_generate_leaves_old_or_new_state_and_never_collects_twice(tmp_path, step, reference):
    folder = tmp_path / "dossier"
    write_dossier(folder, strict(dossier()), default_ledger())
    prep = _reglo(folder, "prepare", "--bank", "BQ1", "--assign", "--date", "28/08/2023", "--horizon", "30")
    assert prep.returncode == 0, prep.stdout + prep.stderr
    killed = _reglo(folder, "generate", "--no-test", env={"REGLO_FAULT_AT": step})
    assert killed.returncode != 0, killed.stdout + killed.stderr
    load_dossier(folder)  # the next start: recovery
    assert not [p for p in folder.rglob("*") if ".reglo-" in p.name]
    live = _live(folder)
    assert len(live) <= 1
    for b in live:
        assert all((folder / f.folder / f.name).exists() for f in b.files)
        assert b.total_cents == TOTAL
    known = {f.name for b in live for f in b.files}
    assert all(p.name in known for p in _bank_files(folder)), "a bank file the register does not know"
    again = _reglo(folder, "generate", "--no-test")
    assert again.returncode == 0, again.stdout + again.stderr
    live = _live(folder)
    assert len(live) == 1, again.stdout + again.stderr
    assert live[0].total_cents == TOTAL and live[0].status == "committed"
    assert len(_bank_files(folder)) == 1
    assert all((folder / f.folder / f.name).exists() for f in live[0].files)
    assert _lettered(folder) == reference  # lettered once, byte for byte as an uninterrupted run
    third = _reglo(folder, "generate", "--no-test")  # nothing left to collect
    assert third.returncode == 0 and len(_live(folder)) == 1 and len(_bank_files(folder)) == 1
