"""Fault injection on the disbursement wizard: a child ``reglo disburse editer_bordereaux`` (the
slips with their pain.001 and cheque list) or ``reglo disburse comptabiliser`` (the entries)
kills itself (``REGLO_FAULT_AT=<step>``, SIGKILL) at a step of the commit protocol, before the
workbook is saved. The next start (recovery) leaves the dossier in the old state or the new one
— no orphan file, no stray temporary file, no pending batch, a consistent register — and the
same button clicked again on the unsaved workbook finishes the job without paying or posting
anything twice (a batch committed before the kill is recognised, not written again).

A quick set of steps by default; every step (each temporary file and rename of the issue's four
files, the posting's one) with ``REGLO_FULL=1``.
"""
from __future__ import annotations

import os
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.addin import trust_fixtures as tf

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

FULL = os.environ.get("REGLO_FULL") == "1"
ALL_ISSUE = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_tmp_write:2", "after_tmp_write:3",
             "after_rename:0", "after_rename:1", "after_rename:2", "after_rename:3", "before_committed", "after_committed"]
ALL_POSTING = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_rename:0", "before_committed", "after_committed"]
ISSUE = ALL_ISSUE if FULL else ["after_pending", "after_rename:1", "after_committed"]
POSTING = ALL_POSTING if FULL else ["after_tmp_write:0", "before_committed", "after_committed"]


def _prepare(folder: Path, *, until: int) -> Path:
    """A disbursement workbook in ``folder`` at step 4 (slips made, not printed) or at step 5
    (slips printed, nothing posted)."""
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.entrypoints.demo_steps import s80_disbursement as demo
    from reglo.addin.shell import disbursement as sd

    saved, sd.now = sd.now, (lambda: datetime(2026, 1, 5, 9, 0))
    try:
        path = folder / "Décaissement.xlsx"
        book = FileWorkbook(path, create=True)
        suppliers, banks, rules, items = demo.demo_inputs()
        sd.write_inputs(book, items=items, suppliers=suppliers, banks=banks, rules=rules, settings={
            "Référence": "DEC-F", "Utilisateur": "marie", "Date": demo.RUN_DATE, "Raison sociale": "BTP TEST", "Premier numéro d'écriture": 1,
            "SIREN": "552100554", "Fin d'exercice": date(2026, 12, 31),
        })
        sd.start(book, dossier=folder)
        for kind, fields in (("suivant", {}), ("preparer", {"keys": ("E01", "E02", "E05", "C01")}), ("suivant", {"confirmed": True})):
            sd.run_action(book, kind, sd.fields_for(kind, fields), dossier=folder)
        ids = tuple(p.payment_id for p in sd.load_state(book).payments)
        sd.run_action(book, "affecter_banque", sd.fields_for("affecter_banque", {"keys": ids, "bank": "SG"}), dossier=folder)
        sd.run_action(book, "suivant", {}, dossier=folder)
        for s in sd.load_state(book).slips:
            if s.mode == "CHQ":
                sd.run_action(book, "premier_cheque", sd.fields_for("premier_cheque", {"keys": (s.slip_id,), "number": 501}), dossier=folder)
        if until == 5:
            sd.run_action(book, "editer_bordereaux", {}, dossier=folder)
            sd.run_action(book, "suivant", {}, dossier=folder)
        book.save()
        return path
    finally:
        sd.now = saved


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    base = tmp_path_factory.mktemp("decaissement")
    out = {}
    for step in (4, 5):
        folder = base / f"etape{step}"
        folder.mkdir()
        _prepare(folder, until=step)
        out[step] = folder
    return out


def _copy(template: Path, dest: Path) -> tuple[Path, Path]:
    shutil.copytree(template, dest)
    return dest, dest / "Décaissement.xlsx"


def _again(wb: Path, folder: Path, kind: str):
    """The same button, in this process, on the workbook as the killed child left it (unsaved)."""
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import disbursement as sd

    book = FileWorkbook(wb)
    result = sd.run_action(book, kind, {}, dossier=folder)
    book.save()
    return result, sd.load_state(FileWorkbook(wb))


def _old_or_new(folder: Path, before: dict, kind: str) -> str:
    from reglo.addin.shell.recovery import recover_at_start

    recover_at_start(folder)  # what every start does first
    live = tf.check_register(folder, kind)
    if not live:
        after = tf.tree(folder)
        assert after == before, sorted(set(after.items()) ^ set(before.items()))
        return "old"
    (batch,) = live
    assert batch.status == "committed"
    return "new"


@pytest.mark.parametrize("step", ISSUE)
def test_issue_killed_at_each_step(templates, tmp_path, step):
    folder, wb = _copy(templates[4], tmp_path / "dossier")
    before = tf.tree(folder)
    killed = tf.run([tf.REGLO, "disburse", "editer_bordereaux", str(wb), "--dossier", str(folder)], REGLO_FAULT_AT=step)
    assert killed.returncode == -9, (killed.stdout + killed.stderr)[-1500:]
    state = _old_or_new(folder, before, "decaissement")
    if step in ("after_lock", "after_plan", "after_pending"):
        assert state == "old"
    if step == "after_committed":
        assert state == "new"
    result, run = _again(wb, folder, "editer_bordereaux")
    assert not [a for a in result.alerts if a.is_blocking], [str(a) for a in result.alerts]
    assert all(s.printed for s in run.slips)
    live = tf.check_register(folder, "decaissement")
    assert len(live) == 1
    paid = tf.paid_items(live)
    assert set(paid) == {"E01", "E02", "E05", "C01"} and max(paid.values()) == 1  # everything paid, nothing twice
    assert bool(result.outputs) == (state == "old")  # a committed issue is not written again
    banks = [p for p in (folder / "decaissements").iterdir() if p.suffix == ".xml"]
    assert len(banks) == 1  # one pain.001 on disk for the slip, whatever the kill


@pytest.mark.parametrize("step", POSTING)
def test_posting_killed_at_each_step(templates, tmp_path, step):
    from reglo.core.fec import read_fec
    from reglo.core.disbursement.models import PostingStatus

    folder, wb = _copy(templates[5], tmp_path / "dossier")
    before = tf.tree(folder)
    killed = tf.run([tf.REGLO, "disburse", "comptabiliser", str(wb), "--dossier", str(folder)], REGLO_FAULT_AT=step)
    assert killed.returncode == -9, (killed.stdout + killed.stderr)[-1500:]
    state = _old_or_new(folder, before, "decaissement_ecritures")
    if step in ("after_lock", "after_plan", "after_pending"):
        assert state == "old"
    if step == "after_committed":
        assert state == "new"
    result, run = _again(wb, folder, "comptabiliser")
    assert not [a for a in result.alerts if a.is_blocking], [str(a) for a in result.alerts]
    assert run.postings and all(b.status is PostingStatus.POSTED for b in run.postings)
    live = tf.check_register(folder, "decaissement_ecritures")
    assert len(live) == 1
    (entries,) = [f for f in live[0].files if f.role == "entries"]
    assert entries.name.startswith("552100554FEC20261231-DEC-F-")
    numbers = tf.entry_numbers(folder, live)
    assert max(numbers.values()) == 1  # every entry number once
    on_disk = [p for p in (folder / "decaissements").iterdir() if "FEC" in p.name]
    assert [p.name for p in on_disk] == [entries.name]  # no second entries file
    assert not [a for a in read_fec(on_disk[0].read_bytes(), filename=on_disk[0].name).alerts if a.is_blocking]
