"""reglo.addin.shell.register: ``pending_batch`` commits with the block or not at all; ``StagedFiles``."""
from __future__ import annotations

from datetime import datetime

import pytest

from reglo.addin.shell.register import DuplicatePaymentError, PaymentRegister, RegisterLine, StagedFiles

NOW = datetime(2025, 6, 30, 10, 0)


def _lines():
    return [RegisterLine("invoice:F1", 1000, payment_key="p1"), RegisterLine("invoice:F2", 2500, payment_key="p2")]


def test_pending_batch_commits_when_the_block_ends(tmp_path):
    reg = PaymentRegister(tmp_path / "r.sqlite")
    with reg.pending_batch("k", _lines(), reference="R1", created_at=NOW) as batch:
        assert reg.batches() == []  # another connection does not see it before the commit
    (b,) = reg.batches()
    assert (b.id, b.total_cents, b.line_count) == (batch, 3500, 2)
    assert reg.paid_cents_by_item() == {"invoice:F1": 1000, "invoice:F2": 2500}


def test_pending_batch_rolls_back_on_error_and_rerun_records(tmp_path):
    reg = PaymentRegister(tmp_path / "r.sqlite")
    with pytest.raises(OSError):
        with reg.pending_batch("k", _lines(), reference="R1", created_at=NOW):
            raise OSError(28, "No space left on device")
    assert reg.batches() == [] and reg.active_payment_keys() == set()
    assert reg.record_batch("k", _lines(), reference="R1", created_at=NOW) == 1
    with pytest.raises(DuplicatePaymentError):
        with reg.pending_batch("k", _lines(), reference="R2", created_at=NOW):
            pass
    assert len(reg.batches()) == 1


def test_staged_files_take_back_every_file_on_error(tmp_path):
    old = tmp_path / "old.txt"
    old.write_bytes(b"before")
    with pytest.raises(RuntimeError):
        with StagedFiles() as staged:
            staged.write(tmp_path / "new.txt", b"x")
            staged.write(old, b"after")
            raise RuntimeError("boom")
    assert not (tmp_path / "new.txt").exists() and old.read_bytes() == b"before"
    with StagedFiles() as staged:
        staged.write(tmp_path / "new.txt", b"x")
    assert (tmp_path / "new.txt").read_bytes() == b"x" and staged.paths == [tmp_path / "new.txt"]
