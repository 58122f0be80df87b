"""A small file-backed register for testing the commit protocol without a real backend
(test helper, not product code): a JSON file, a ``fcntl`` lock, the RegisterStore protocol."""
from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from reglo.addin.shell.registry.base import CounterConflict, DuplicatePaymentError, RegisterBusy
from reglo.core.outcome import BatchDraft
from reglo.core.register_state import BatchState, FileRecord, LineState, RegisterSnapshot


class JsonStore:
    dossier_id = "test"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.description = f"registre de test {self.path}"
        self._fd: int | None = None

    @contextmanager
    def lock(self, timeout: float = 60.0):
        fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise RegisterBusy("registre occupé")
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _load(self) -> dict:
        if not self.path.exists():
            return {"batches": [], "counters": {}}
        return json.loads(self.path.read_text())

    def _save(self, data: dict) -> None:
        tmp = self.path.with_suffix(".new")
        tmp.write_text(json.dumps(data, default=str))
        os.replace(tmp, self.path)

    def snapshot(self) -> RegisterSnapshot:
        data = self._load()
        return RegisterSnapshot(dossier_id="test", batches=tuple(BatchState.model_validate(b) for b in data["batches"]), counters=data["counters"])

    def begin(self, draft: BatchDraft, *, files, counters, host, folder, user, at: datetime, expected_counters=None) -> int:
        data = self._load()
        snap = self.snapshot()
        for k, v in (expected_counters or {}).items():
            if data["counters"].get(k, 0) != v:
                raise CounterConflict(k)
        live = snap.live_payment_keys()
        dup = [l.payment_key for l in draft.lines if l.payment_key and l.payment_key in live and not draft.is_test]
        if dup:
            raise DuplicatePaymentError(dup)
        bid = max((b["id"] for b in data["batches"]), default=0) + 1
        state = BatchState(id=bid, kind=draft.kind, reference=draft.reference, status="pending", is_test=draft.is_test, created_at=at, host=host,
                           folder=folder, user=user, files=tuple(files), lines=tuple(LineState(**l.model_dump()) for l in draft.lines), meta=draft.meta)
        data["batches"].append(state.model_dump(mode="json"))
        data["counters"].update(counters)
        self._save(data)
        return bid

    def set_status(self, batch_id, status, *, at, reason=None, by=""):
        data = self._load()
        for b in data["batches"]:
            if b["id"] == batch_id:
                b["status"] = status
                if reason:
                    b["cancel_reason"] = reason
        self._save(data)

    def close(self) -> None:
        pass
