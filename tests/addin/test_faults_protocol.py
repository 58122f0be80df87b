"""Every fault step of the commit protocol on the dossier's real register (SQLite store, and the
PostgreSQL server of ``REGLO_TEST_PG_URL``): a child process running ``run_button`` is killed
at the step; recovery at the next start leaves the old state or the new one, and a re-run
records every line exactly once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reglo.addin.shell.faults import STEPS
from reglo.addin.shell.recovery import recover_at_start

from tests.addin.test_commit_protocol import FAULTS, NOW, _plan

HERE = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.addin.test_commit_protocol import _plan, NOW
from reglo.addin.shell.commit import run_button
run_button(Path({folder!r}), _plan(), now=NOW, host="h1")
"""


def test_faults_cover_every_step():
    assert {f.split(":")[0] for f in FAULTS} == set(STEPS)


@pytest.fixture(params=["sqlite", "postgresql"])
def register_env(request, tmp_path, monkeypatch) -> dict:
    """The dossier's SQLite register, or the PostgreSQL server of ``REGLO_TEST_PG_URL`` (the
    dossier points to it; the child process gets the server's address)."""
    if request.param == "sqlite":
        return {}
    import uuid

    from reglo.addin.shell.registry.config import write_pointer
    from tests.conftest import pg_test_url

    url = pg_test_url()
    if not url:
        pytest.skip("PostgreSQL : REGLO_TEST_PG_URL non défini")
    write_pointer(tmp_path, f"test-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("REGLO_REGISTER_URL", url)
    return {"REGLO_REGISTER_URL": url}


@pytest.mark.parametrize("step", FAULTS)
def test_register_kill_at_each_step(tmp_path, step, register_env):
    from tests.addin.register_view import snapshot

    (tmp_path / "ledger.txt").write_bytes(b"origin\n")
    env = {**os.environ, **register_env, "REGLO_FAULT_AT": step}
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(HERE), folder=str(tmp_path))], env=env, capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()[-800:]
    report = recover_at_start(tmp_path, host="h1", now=NOW)
    assert report is not None
    snap = snapshot(tmp_path)
    assert [b.status for b in snap.batches] in ([], ["rolled_back"], ["committed"])
    assert not [p.name for p in tmp_path.rglob("*") if ".reglo-" in p.name]
    new = [b.status for b in snap.batches] == ["committed"]
    outputs = sorted(p.name for p in (tmp_path / "virements").glob("*")) if (tmp_path / "virements").exists() else []
    assert outputs == (["T0001-0.xml", "T0001-1.xml"] if new else [])
    assert (tmp_path / "ledger.txt").read_bytes() == (b"origin\nrun 1\n" if new else b"origin\n")
    from reglo.addin.shell.commit import run_button

    run_button(tmp_path, _plan(), now=NOW, host="h1")
    live = snapshot(tmp_path).live()
    assert len(live) == 1 and sorted(l.item_key for l in live[0].lines) == ["F1", "F2"]
    assert not [p.name for p in tmp_path.rglob("*") if ".reglo-" in p.name]
