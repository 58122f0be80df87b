"""reglo.addin.shell.commit / recovery / faults on a test register (JsonStore): the protocol
itself, independent of any workflow. Workflow-level tests: test_faults_workflows.py,
test_concurrency_*.py."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from reglo.addin.shell.commit import CommitContext, run_button, tmp_name
from reglo.addin.shell.errors import UserError
from reglo.addin.shell.faults import STEPS
from reglo.addin.shell.recovery import recover, resolve_never_sent
from reglo.core.outcome import BatchDraft, LedgerRewrite, Outcome, OutputFile, RegisterLineDraft

from tests.addin.commit_fakes import JsonStore

NOW = datetime(2026, 3, 2, 10, 0, 0)
HERE = Path(__file__).resolve().parents[2]


def _plan(n_files: int = 2, *, ledger: bool = True, items: tuple[str, ...] = ("F1", "F2")):
    def plan(ctx: CommitContext) -> Outcome:
        k = ctx.snapshot.counter("msgid:test") + 1
        paid = ctx.snapshot.paid_cents_by_item()
        lines = tuple(RegisterLineDraft(item_key=i, amount_cents=100, payment_key=i) for i in items if i not in paid)
        if not lines:
            return Outcome(summary="rien")
        files = tuple(OutputFile(folder="virements", name=f"T{k:04d}-{j}.xml", data=f"file {k} {j}".encode(), role="bank") for j in range(n_files))
        led = None
        if ledger:
            target = ctx.folder / "ledger.txt"
            old = target.read_bytes() if target.exists() else b""
            led = LedgerRewrite(target="ledger.txt", original_sha256=hashlib.sha256(old).hexdigest() if target.exists() else "",
                                data=old + f"run {k}\n".encode(), undo=OutputFile(folder="", name="ledger.txt.journal", data=f"undo {k}".encode(), role="journal"))
        return Outcome(batch=BatchDraft(kind="test", reference=f"T{k:04d}", lines=lines), files=files, ledger=led, counters={"msgid:test": k})
    return plan


def _store(folder: Path) -> JsonStore:
    return JsonStore(folder / "reg.json")


def test_commit_writes_every_file_records_and_never_overwrites(tmp_path):
    (tmp_path / "ledger.txt").write_bytes(b"origin\n")
    store = _store(tmp_path)
    res = run_button(tmp_path, _plan(), now=NOW, store=store, host="h1")
    assert res.committed and res.batch_id == 1
    snap = store.snapshot()
    (b,) = snap.batches
    assert b.status == "committed" and b.host == "h1" and b.folder == str(tmp_path.resolve())
    assert sorted(f.name for f in b.files) == ["T0001-0.xml", "T0001-1.xml", "ledger.txt", "ledger.txt.journal"]
    assert (tmp_path / "ledger.txt").read_bytes() == b"origin\nrun 1\n" and snap.counter("msgid:test") == 1
    assert not [p for p in tmp_path.rglob("*") if ".reglo-" in p.name]
    # second run: nothing left to pay
    again = run_button(tmp_path, _plan(), now=NOW, store=store, host="h1")
    assert again.status == "nothing" and len(store.snapshot().batches) == 1


def test_an_existing_target_is_never_overwritten(tmp_path):
    (tmp_path / "virements").mkdir()
    (tmp_path / "virements" / "T0001-1.xml").write_bytes(b"someone else's")
    store = _store(tmp_path)
    with pytest.raises(UserError, match="existe déjà"):
        run_button(tmp_path, _plan(ledger=False), now=NOW, store=store)
    assert (tmp_path / "virements" / "T0001-1.xml").read_bytes() == b"someone else's"
    assert store.snapshot().batches == () and not (tmp_path / "virements" / "T0001-0.xml").exists()


def test_output_folder_outside_the_dossier_is_refused(tmp_path):
    def plan(ctx):
        return Outcome(batch=BatchDraft(kind="t", reference="R"), files=(OutputFile(folder="../ailleurs", name="x.xml", data=b"x"),))

    with pytest.raises(UserError, match="hors du dossier"):
        run_button(tmp_path / "d", plan, now=NOW, store=_store(tmp_path))
    assert not (tmp_path / "ailleurs").exists()


def test_a_ledger_changed_since_it_was_read_is_not_replaced(tmp_path):
    (tmp_path / "ledger.txt").write_bytes(b"origin\n")

    def plan(ctx):
        out = _plan()(ctx)
        (tmp_path / "ledger.txt").write_bytes(b"edited meanwhile\n")
        return out

    store = _store(tmp_path)
    with pytest.raises(UserError, match="a changé"):
        run_button(tmp_path, plan, now=NOW, store=store)
    assert (tmp_path / "ledger.txt").read_bytes() == b"edited meanwhile\n" and store.snapshot().batches == ()


def test_a_write_error_rolls_the_batch_back(tmp_path, monkeypatch):
    import reglo.addin.shell.commit as commit

    real = commit.place_without_overwrite
    calls = []

    def flaky(tmp, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(target))
        real(tmp, target)

    monkeypatch.setattr(commit, "place_without_overwrite", flaky)
    (tmp_path / "ledger.txt").write_bytes(b"origin\n")
    store = _store(tmp_path)
    with pytest.raises(UserError, match="Rien n'a été enregistré comme payé"):
        run_button(tmp_path, _plan(), now=NOW, store=store)
    (b,) = store.snapshot().batches
    assert b.status == "rolled_back" and not list((tmp_path / "virements").iterdir())
    assert (tmp_path / "ledger.txt").read_bytes() == b"origin\n"


def test_foreign_pending_batch_is_reserved_and_resolved_in_writing(tmp_path):
    store = _store(tmp_path)
    with store.lock():
        store.begin(BatchDraft(kind="test", reference="T9999", lines=(RegisterLineDraft(item_key="F1", amount_cents=100, payment_key="F1"),)),
                    files=[], counters={}, host="autre-poste", folder="/ailleurs", user="marie", at=NOW)
    res = run_button(tmp_path, _plan(ledger=False), now=NOW, store=store, host="h1")
    assert res.committed
    assert [l.item_key for l in store.snapshot().batches[1].lines] == ["F2"]  # F1 stays reserved
    warn = [a for a in res.alerts if a.code == "REGISTER_PENDING_ELSEWHERE"]
    assert warn and "autre-poste" in warn[0].message and "02/03/2026 à 10:00" in warn[0].message and not warn[0].is_blocking
    a = resolve_never_sent(tmp_path, "T9999", "clé USB perdue, jamais transmis", store=store, user="paul", now=NOW)
    assert a.code == "REGISTER_RESOLVED_NEVER_SENT" and store.snapshot().batches[0].status == "cancelled"
    assert run_button(tmp_path, _plan(ledger=False, items=("F1",)), now=NOW, store=store, host="h1").committed


def test_orphan_reglo_file_blocks(tmp_path):
    (tmp_path / "virements").mkdir()
    (tmp_path / "virements" / "VIR20260302100000.xml").write_bytes(b"<xml/>")
    store = _store(tmp_path)
    res = run_button(tmp_path, _plan(ledger=False), now=NOW, store=store)
    assert res.status == "blocked" and [a.code for a in res.alerts] == ["REGISTER_ORPHAN_FILE"]
    assert "reglo register repair" in res.alerts[0].message and store.snapshot().batches == ()


_CHILD = """
import sys
from datetime import datetime
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.addin.test_commit_protocol import _plan, _store, NOW
from reglo.addin.shell.commit import run_button
folder = Path({folder!r})
run_button(folder, _plan(), now=NOW, store=_store(folder), host="h1")
"""

FAULTS = ["after_lock", "after_plan", "after_pending", "after_tmp_write", "after_tmp_write:2", "after_tmp_write:3",
          "after_rename", "after_rename:1", "after_ledger_replace", "before_committed", "after_committed"]


def test_every_fault_step_is_exercised():
    assert {f.split(":")[0] for f in FAULTS} == set(STEPS)


@pytest.mark.parametrize("step", FAULTS)
def test_kill_at_each_step_leaves_old_or_new_state(tmp_path, step):
    (tmp_path / "ledger.txt").write_bytes(b"origin\n")
    env = {**os.environ, "REGLO_FAULT_AT": step}
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(HERE), folder=str(tmp_path))], env=env, capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()[-800:]
    store = _store(tmp_path)
    with store.lock():
        recover(tmp_path, store, host="h1", now=NOW)
    snap = store.snapshot()
    leftovers = [p.name for p in tmp_path.rglob("*") if ".reglo-" in p.name]
    assert leftovers == []
    outputs = sorted(p.name for p in (tmp_path / "virements").glob("*")) if (tmp_path / "virements").exists() else []
    ledger = (tmp_path / "ledger.txt").read_bytes()
    statuses = [b.status for b in snap.batches]
    if statuses in ([], ["rolled_back"]):  # old state
        assert outputs == [] and ledger == b"origin\n" and not (tmp_path / "ledger.txt.journal").exists()
    else:  # new state
        assert statuses == ["committed"] and outputs == ["T0001-0.xml", "T0001-1.xml"] and ledger == b"origin\nrun 1\n"
    # a re-run pays nothing twice and leaves one live batch
    run_button(tmp_path, _plan(), now=NOW, store=store, host="h1")
    snap = store.snapshot()
    live = [b for b in snap.batches if b.counts]
    assert len(live) == 1 and sorted(l.item_key for l in live[0].lines) == ["F1", "F2"]
    assert not [p.name for p in tmp_path.rglob("*") if ".reglo-" in p.name]


def test_files_named_after_a_known_batch_are_not_orphans(tmp_path):
    """A register upgraded from an older Reglo knows the bank file of a batch, not the entries
    file written beside it: a file named after a known reference is not an orphan."""
    from reglo.addin.shell.recovery import orphan_files
    from reglo.core.register_state import BatchState, FileRecord, RegisterSnapshot

    (tmp_path / "virements").mkdir()
    for name in ("VIR20250102090000.xml", "VIR20250102090000-ecritures.txt", "VIR20250103090000.xml"):
        (tmp_path / "virements" / name).write_bytes(b"x")
    (tmp_path / "Reglements_clients_20250630-100000.txt").write_bytes(b"x")
    snap = RegisterSnapshot(batches=(
        BatchState(id=1, kind="virement", reference="VIR20250102090000", status="committed", created_at=NOW,
                   files=(FileRecord(folder="virements", name="VIR20250102090000.xml", sha256="0" * 64, role="bank"),)),
        BatchState(id=2, kind="customer_payments", reference="RC-20250630-100000", status="cancelled", created_at=NOW),
        BatchState(id=3, kind="virement", reference="VIR20250103090000", status="rolled_back", created_at=NOW),
    ))
    assert [p.name for p in orphan_files(tmp_path, snap)] == ["VIR20250103090000.xml"]
