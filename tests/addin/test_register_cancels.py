"""An outcome that cancels earlier batches (``Outcome.cancels``, a bank reject): the
cancellation is recorded with the pending batch and applied in the transaction that commits
it, on SQLite and PostgreSQL; a rolled-back batch cancels nothing; the journal replays it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reglo.addin.shell.commit import run_button
from reglo.addin.shell.registry import InvalidTransition
from reglo.addin.shell.registry.base import CANCELS_META
from reglo.addin.shell.registry.journal import Journal
from reglo.addin.shell.registry.repair import rebuild_from_journal
from reglo.core.outcome import BatchDraft, CancelDraft, Outcome, OutputFile, RegisterLineDraft
from reglo.core.register_state import FileRecord

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)


def _draft(ref: str, *keys: str, kind: str = "lcr") -> BatchDraft:
    return BatchDraft(kind=kind, reference=ref, lines=tuple(RegisterLineDraft(item_key=f"inv:{k}", amount_cents=1000, payment_key=k) for k in keys))


def _begin(store, ref: str, *keys: str, kind: str = "lcr", cancels=(), at: datetime = T0) -> int:
    return store.begin(_draft(ref, *keys, kind=kind), files=[FileRecord(folder="lcr", name=f"{ref}.txt", sha256="a" * 64, role="bank")],
                       counters={}, host="poste-1", folder="/d", user="marie", at=at, cancels=list(cancels))


@pytest.fixture
def store(store_backend, tmp_path):
    s = store_backend.open(tmp_path / "d")
    yield s
    s.close()


def _remittance(store) -> int:
    bid = _begin(store, "LCR1", "k1", "k2")
    store.set_status(bid, "committed", at=T0)
    return bid


def _statuses(store) -> dict[str, str]:
    return {b.reference: b.status for b in store.snapshot().batches}


def test_the_cancellation_is_applied_when_the_batch_carrying_it_is_committed(store, tmp_path):
    target = _remittance(store)
    rej = _begin(store, "REJ-LCR1", kind="lcr_rejet", cancels=[CancelDraft(batch_id=target, reference="LCR1", reason="rejet banque")], at=T1)
    pending = {b.reference: b for b in store.snapshot().batches}
    assert pending["REJ-LCR1"].meta[CANCELS_META] == [{"batch_id": target, "reference": "LCR1", "reason": "rejet banque"}]
    assert _statuses(store) == {"LCR1": "committed", "REJ-LCR1": "pending"}  # nothing cancelled while pending
    assert store.snapshot().paid_cents_by_item() == {"inv:k1": 1000, "inv:k2": 1000}
    store.set_status(rej, "committed", at=T1)
    snap = store.snapshot()
    lcr = next(b for b in snap.batches if b.reference == "LCR1")
    assert _statuses(store) == {"LCR1": "cancelled", "REJ-LCR1": "committed"}
    assert (lcr.cancelled_at, lcr.cancel_reason) == (T1, "rejet banque") and snap.paid_cents_by_item() == {}
    history = [(h["batch_id"], h["from"], h["to"]) for h in store.history()]
    assert history[-2:] == [(rej, "pending", "committed"), (target, "committed", "cancelled")]
    # the journal has one line per change: the rebuilt register is the same
    journal = tmp_path / "d" / "reglo-registre.journal"
    assert [(e["op"], e.get("batch_id"), e.get("to")) for e in Journal(journal).entries()][-2:] == [
        ("status", rej, "committed"), ("status", target, "cancelled")]
    rebuilt, rebuilt_history = rebuild_from_journal(journal)
    assert rebuilt.batches == snap.batches and rebuilt_history == store.history()
    store.set_status(rej, "committed", at=T1)  # idempotent
    assert len(store.history()) == len(history)


def test_a_rolled_back_or_abandoned_batch_cancels_nothing(store):
    target = _remittance(store)
    rej = _begin(store, "REJ-LCR1", kind="lcr_rejet", cancels=[CancelDraft(batch_id=target, reference="LCR1", reason="rejet")], at=T1)
    store.set_status(rej, "rolled_back", at=T1)
    assert _statuses(store) == {"LCR1": "committed", "REJ-LCR1": "rolled_back"}
    other = _begin(store, "REJ-LCR1-B", kind="lcr_rejet", cancels=[CancelDraft(batch_id=target, reference="LCR1", reason="rejet")], at=T1)
    store.set_status(other, "cancelled", at=T1, reason="jamais envoyé")  # written confirmation from another machine
    assert _statuses(store)["LCR1"] == "committed"


def test_a_target_cancelled_meanwhile_is_left_as_is(store):
    target = _remittance(store)
    rej = _begin(store, "REJ-LCR1", kind="lcr_rejet", cancels=[CancelDraft(batch_id=target, reference="LCR1", reason="rejet")], at=T1)
    store.set_status(target, "cancelled", at=T0, reason="annulé à la main")
    store.set_status(rej, "committed", at=T1)
    lcr = next(b for b in store.snapshot().batches if b.reference == "LCR1")
    assert (lcr.status, lcr.cancel_reason, lcr.cancelled_at) == ("cancelled", "annulé à la main", T0)


@pytest.mark.parametrize("case", ["unknown", "wrong_reference", "pending"])
def test_an_unknown_or_pending_target_records_nothing(store, case):
    target = _remittance(store)
    if case == "pending":
        target = _begin(store, "LCR2", "k3")
    ref = {"unknown": "LCR9", "wrong_reference": "LCR2", "pending": "LCR2"}[case]
    bid = target + 10 if case == "unknown" else target if case == "wrong_reference" else target
    before = store.snapshot()
    with pytest.raises(InvalidTransition) as err:
        _begin(store, "REJ", kind="lcr_rejet", cancels=[CancelDraft(batch_id=bid, reference=ref, reason="rejet")], at=T1)
    assert "Rien n'a été enregistré" in str(err.value) or "rien n'a été enregistré" in str(err.value)
    assert store.snapshot().batches == before.batches


def _plan_with_cancel(target: int, ref: str, *, files: bool = True):
    def plan(ctx):
        if not files:
            return Outcome(cancels=(CancelDraft(batch_id=target, reference=ref, reason="rejet"),))
        return Outcome(batch=BatchDraft(kind="lcr_rejet", reference=f"REJ-{ref}"), files=(OutputFile(folder="lcr", name=f"REJ-{ref}.txt", data=b"x\r\n"),),
                       cancels=(CancelDraft(batch_id=target, reference=ref, reason="rejet"),))
    return plan


def test_run_button_commits_the_files_and_the_cancellation_together(tmp_path):
    from tests.addin.register_view import snapshot

    def remit(ctx):
        return Outcome(batch=_draft("LCR1", "k1"), files=(OutputFile(folder="lcr", name="LCR1.txt", data=b"03\r\n"),))

    first = run_button(tmp_path, remit, now=T0, host="h1")
    res = run_button(tmp_path, _plan_with_cancel(first.batch_id, "LCR1"), now=T1, host="h1")
    assert res.committed and (tmp_path / "lcr" / "REJ-LCR1.txt").exists()
    assert {b.reference: b.status for b in snapshot(tmp_path).batches} == {"LCR1": "cancelled", "REJ-LCR1": "committed"}


def test_an_outcome_with_cancellations_only_cancels_under_the_lock(tmp_path):
    from tests.addin.register_view import snapshot

    def remit(ctx):
        return Outcome(batch=_draft("LCR1", "k1"), files=(OutputFile(folder="lcr", name="LCR1.txt", data=b"03\r\n"),))

    first = run_button(tmp_path, remit, now=T0, host="h1")
    res = run_button(tmp_path, _plan_with_cancel(first.batch_id, "LCR1", files=False), now=T1, host="h1")
    assert res.status == "committed" and res.batch_id is None and res.paths == []
    (b,) = snapshot(tmp_path).batches
    assert (b.status, b.cancel_reason) == ("cancelled", "rejet")
