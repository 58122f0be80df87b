"""Fault injection on ``reglo letter FEC --apply`` and ``--undo-last``: a child process kills
itself (``REGLO_FAULT_AT=<step>``, SIGKILL) at a step of the commit protocol; the next start
leaves the FEC and its lettering journal in the old state or the new one (byte for byte), with
no stray temporary file and no pending batch, and ``--undo-last`` still gives back the
original bytes. A quick set of steps by default; every step with ``REGLO_FULL=1``."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from tests.addin import trust_fixtures as tf
from tests.addin.test_ledger_fidelity import VARIANTS, _variant

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

FULL = os.environ.get("REGLO_FULL") == "1"
ALL_STEPS = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_ledger_replace", "before_committed",
             "after_committed"]
STEPS = ALL_STEPS if FULL else ["after_pending", "after_ledger_replace", "before_committed"]
UNDO_STEPS = ALL_STEPS if FULL else ["after_ledger_replace"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _state(folder: Path) -> dict[str, str]:
    return {p.name: _sha(p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith("reglo-registre")}


def _next_start(fec: Path) -> None:
    from reglo.addin.shell.lettering import recover_folder

    recover_folder(fec)


def _pending(folder: Path) -> list[str]:
    snap = tf.snapshot(folder)
    return [b.reference for b in snap.batches if b.status == "pending"]


@pytest.fixture
def fec(tmp_path) -> Path:
    path = tmp_path / "552100554FEC20251231.txt"
    path.write_bytes(_variant(**VARIANTS[1]))  # extra columns, Montant/Sens, ISO-8859-15, pipe, LF, no final line break
    return path


def _letter(fec: Path, *args: str, **env: str):
    return tf.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", "letter", str(fec), *args], **env)


@pytest.mark.parametrize("step", STEPS)
def test_letter_apply_killed_at_each_step(fec, step):
    original = fec.read_bytes()
    done = _letter(fec, "--apply")  # the new state, for comparison
    assert done.returncode == 0, done.stdout + done.stderr
    lettered = fec.read_bytes()
    assert _letter(fec, "--undo-last").returncode == 0 and fec.read_bytes() == original
    before = _state(fec.parent)
    killed = _letter(fec, "--apply", REGLO_FAULT_AT=step)
    assert killed.returncode == -9, killed.stdout[-800:] + killed.stderr[-800:]
    _next_start(fec)
    assert tf.stray_temporaries(fec.parent) == [] and _pending(fec.parent) == []
    after = _state(fec.parent)
    if fec.read_bytes() == original:
        assert after == before  # old state: FEC and journal as they were
        state = "old"
    else:
        assert fec.read_bytes() == lettered  # new state: the lettered FEC and its journal
        from reglo.addin.shell.lettering import load_runs

        assert len(load_runs(fec)) == 1
        state = "new"
    if step in ("after_lock", "after_plan", "after_pending"):
        assert state == "old"
    if step == "after_committed":
        assert state == "new"
    if state == "new":
        assert _letter(fec, "--undo-last").returncode == 0
    assert fec.read_bytes() == original


@pytest.mark.parametrize("step", UNDO_STEPS)
def test_letter_undo_last_killed_at_each_step(fec, step):
    original = fec.read_bytes()
    assert _letter(fec, "--apply").returncode == 0
    lettered = fec.read_bytes()
    killed = _letter(fec, "--undo-last", REGLO_FAULT_AT=step)
    assert killed.returncode == -9, killed.stdout[-800:] + killed.stderr[-800:]
    _next_start(fec)
    assert tf.stray_temporaries(fec.parent) == [] and _pending(fec.parent) == []
    assert fec.read_bytes() in (original, lettered)
    if fec.read_bytes() == lettered:
        assert _letter(fec, "--undo-last").returncode == 0
    assert fec.read_bytes() == original
