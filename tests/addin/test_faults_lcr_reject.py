"""Fault injection on the bank reject of an LCR remittance (``reglo debits lcr reject``): the
reversal entries, the cancellation records and the cancellation of the remittance are one
commit (``Outcome.cancels``). A child process kills itself at a step of that commit; once
Reglo starts again the dossier is in the old state (remittance live, no reversal file) or in
the new one (remittance cancelled, reject batch committed, both files present), never in
between; running the reject again ends in the new state with one reversal. SQLite, and the
PostgreSQL server of ``REGLO_TEST_PG_URL``. Quick set by default, every step with
``REGLO_FULL=1``."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from reglo.addin.shell.commit import open_register, sha256_of
from reglo.addin.shell.dossier import load_dossier, write_dossier
from tests.addin.test_debits_shell import strict
from tests.addin.test_lcr_shell import lcr_dossier, lcr_ledger

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
ALL = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_rename:0", "after_rename:1", "before_committed",
       "after_committed"]
STEPS = ALL if os.environ.get("REGLO_FULL") == "1" else ["after_pending", "before_committed"]


def _reglo(folder: Path, action: str, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "reglo.addin.entrypoints.cli", "debits", "lcr", action, str(folder / "LCR.xlsx"), "--dossier", str(folder),
            "--now", "2023-08-10T09:30:00", *extra]
    return subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


def _batches(folder: Path):
    store = open_register(folder)
    try:
        return store.snapshot().batches
    finally:
        store.close()


def _remit(folder: Path, env: dict) -> str:
    write_dossier(folder, strict(lcr_dossier()), lcr_ledger())
    if env.get("REGLO_REGISTER_URL"):
        from reglo.addin.shell.registry.config import write_pointer

        write_pointer(folder, f"test-{uuid.uuid4().hex[:12]}")
    for action in ("transfer", "continue"):
        done = _reglo(folder, action, "--assign", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    (lcr,) = [b for b in _batches(folder) if b.kind == "lcr"]
    assert lcr.status == "committed"
    return lcr.reference


@pytest.fixture(scope="module")
def remitted(tmp_path_factory) -> tuple[Path, str]:
    """A dossier with one committed LCR remittance (SQLite register), copied for each step."""
    folder = tmp_path_factory.mktemp("lcr-reject") / "dossier"
    return folder, _remit(folder, {})


@pytest.fixture(params=["sqlite", "postgresql"])
def dossier(request, tmp_path, monkeypatch, remitted) -> tuple[Path, str, dict]:
    folder = tmp_path / "dossier"
    if request.param == "sqlite":
        shutil.copytree(remitted[0], folder)
        return folder, remitted[1], {}
    from tests.conftest import pg_test_url

    url = pg_test_url()
    if not url:
        pytest.skip("PostgreSQL : REGLO_TEST_PG_URL non défini")
    monkeypatch.setenv("REGLO_REGISTER_URL", url)
    env = {"REGLO_REGISTER_URL": url}
    return folder, _remit(folder, env), env


def _reject_outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "lcr").glob("*") if "REJ-" in p.name or p.name.startswith("Rejet_"))


def _state(folder: Path, reference: str) -> str:
    """« old » or « new »; fails on anything in between."""
    assert not [p.name for p in folder.rglob("*") if ".reglo-" in p.name]  # no stray temporary / kept file
    batches = _batches(folder)
    (lcr,) = [b for b in batches if b.kind == "lcr"]
    rejects = [b for b in batches if b.kind == "lcr_rejet" and b.status in ("pending", "committed")]
    outputs = _reject_outputs(folder)
    if lcr.status == "committed":
        assert rejects == [] and outputs == [], (rejects, outputs)
        return "old"
    assert lcr.status == "cancelled" and lcr.cancel_reason == "rejet banque"
    (rej,) = rejects
    assert rej.status == "committed" and rej.meta["rejected"] == reference
    assert sorted(f.name for f in rej.files) == outputs and len(outputs) == 2
    for f in rej.files:
        assert sha256_of(folder / f.folder / f.name) == f.sha256
    return "new"


@pytest.mark.parametrize("step", STEPS)
def test_killed_reject_leaves_the_old_state_or_the_new_one(dossier, step):
    folder, reference, env = dossier
    killed = _reglo(folder, "reject", "--reference", reference, "--reason", "rejet banque", env={**env, "REGLO_FAULT_AT": step})
    assert killed.returncode != 0, killed.stdout + killed.stderr
    load_dossier(folder)  # the next start: recovery
    state = _state(folder, reference)
    assert state == ("new" if step == "after_committed" else "old" if step in ("after_lock", "after_plan") else state)
    if step in ("before_committed", "after_rename:1"):  # every file in place: recovery completes the batch, and its cancellation
        assert state == "new"
    again = _reglo(folder, "reject", "--reference", reference, "--reason", "rejet banque", env=env)
    assert _state(folder, reference) == "new", again.stdout + again.stderr
    if state == "new":
        assert "LCR_REJECT_NOT_LIVE" in again.stdout + again.stderr
    else:
        assert again.returncode == 0, again.stdout + again.stderr


def test_without_fault_the_reject_is_one_commit(dossier):
    folder, reference, env = dossier
    done = _reglo(folder, "reject", "--reference", reference, "--reason", "rejet banque", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _state(folder, reference) == "new"
    store = open_register(folder)
    try:
        history = store.history()
    finally:
        store.close()
    (rej,) = [b for b in _batches(folder) if b.kind == "lcr_rejet"]
    (lcr,) = [b for b in _batches(folder) if b.kind == "lcr"]
    assert [(h["batch_id"], h["to"]) for h in history[-2:]] == [(rej.id, "committed"), (lcr.id, "cancelled")]


def test_register_repair_gives_back_the_rejected_remittance(tmp_path, remitted):
    """An emptied register after a reject: ``reglo register repair`` replays the journal, and the
    remittance comes back cancelled with the reject batch committed (one journal line each)."""
    from reglo.addin.shell.registry.repair import repair

    folder = tmp_path / "dossier"
    shutil.copytree(remitted[0], folder)
    done = _reglo(folder, "reject", "--reference", remitted[1], "--reason", "rejet banque")
    assert done.returncode == 0, done.stdout + done.stderr
    before = _batches(folder)
    (folder / "reglo-registre.sqlite").write_bytes(b"")
    repair(folder)
    assert _batches(folder) == before
    assert _state(folder, remitted[1]) == "new"
