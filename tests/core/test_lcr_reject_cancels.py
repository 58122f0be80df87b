"""The LCR bank reject's plan carries the cancellation of the remittance (``Outcome.cancels``)
so that the shell commits both at once; a reject rolled back by a crash keeps its reference
and file name in the register's history, and the next one takes fresh ones."""
from __future__ import annotations

from datetime import date

from reglo.core.lcr import usecases as uc
from reglo.core.outcome import CancelDraft
from reglo.core.register_state import FileRecord, RegisterSnapshot
from tests.addin.test_lcr_shell import lcr_dossier
from tests.core.test_lcr_usecases import NOW, _batch, _committed, _continue

YEAR_END = date(2023, 12, 31)


def _reject(snap: RegisterSnapshot, reference: str):
    return uc.plan_bank_reject(snap, lcr_dossier(), now=NOW, reason="rejet banque", reference=reference, fiscal_year_end=YEAR_END)


def test_the_reject_carries_the_cancellation_of_the_remittance():
    batch = _committed(_continue())
    out = _reject(RegisterSnapshot(batches=(batch,)), batch.reference)
    assert out.cancels == (CancelDraft(batch_id=batch.id, reference=batch.reference, reason="rejet banque"),)
    assert out.batch.reference == f"REJ-{batch.reference}" and out.writes_anything


def test_a_register_left_half_done_by_the_former_two_steps_gets_the_cancellation_alone():
    batch = _committed(_continue())
    out = _reject(RegisterSnapshot(batches=(batch,)), batch.reference)
    done = _batch(2, "lcr_rejet", out.batch.reference, [], **out.batch.meta)
    again = _reject(RegisterSnapshot(batches=(batch, done)), batch.reference)
    assert again.files == () and again.batch is None
    assert again.cancels == (CancelDraft(batch_id=batch.id, reference=batch.reference, reason="rejet banque"),) and again.writes_anything


def test_a_rolled_back_reject_does_not_block_the_next_one():
    batch = _committed(_continue())
    first = _reject(RegisterSnapshot(batches=(batch,)), batch.reference)
    fec, csv = first.files
    rolled = _batch(2, "lcr_rejet", first.batch.reference, [], status="rolled_back", **first.batch.meta).model_copy(
        update={"files": (FileRecord(folder="lcr", name=fec.name, sha256=fec.sha256, role="entries"),
                          FileRecord(folder="lcr", name=csv.name, sha256=csv.sha256, role="data"))})
    again = _reject(RegisterSnapshot(batches=(batch, rolled)), batch.reference)
    assert not again.has_blocking, again.alerts
    assert again.batch.reference == f"REJ-{batch.reference}-2"
    assert {f.name for f in again.files}.isdisjoint({fec.name, csv.name})
    assert again.files[0].name.endswith(f"-REJ-{batch.reference}-2.txt") and again.cancels[0].batch_id == batch.id
