"""A child process for the register's concurrency tests (``python -m tests.addin.registry_child``).

    begin FOLDER REF KEYS [URL DOSSIER_ID]   record a batch with one line per key (KEYS: a,b,c);
                                            prints « ok ID » or « dup KEYS »
    hold FOLDER [URL DOSSIER_ID]             take the dossier lock, print « locked », sleep
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path


def _open(folder: str, rest: list[str]):
    from reglo.addin.shell.registry import open_store

    url, ident = (rest + [None, None])[:2]
    return open_store(Path(folder), url=url, dossier_id=ident)


def main(argv: list[str]) -> int:
    from reglo.addin.shell.registry import DuplicatePaymentError
    from reglo.core.outcome import BatchDraft, RegisterLineDraft
    from reglo.core.register_state import FileRecord

    action = argv[0]
    if action == "begin":
        folder, ref, keys, rest = argv[1], argv[2], argv[3].split(","), argv[4:]
        go = Path(folder) / "go"
        store = _open(folder, rest)
        while not go.exists():  # start together
            time.sleep(0.005)
        draft = BatchDraft(kind="virement", reference=ref, lines=tuple(RegisterLineDraft(item_key=f"item:{k}", amount_cents=100, payment_key=k) for k in keys))
        try:
            bid = store.begin(draft, files=[FileRecord(folder="virements", name=f"{ref}.xml", sha256="0" * 64)], counters={}, host="test", folder=folder,
                              user="", at=datetime(2026, 1, 1, tzinfo=timezone.utc))
        except DuplicatePaymentError as exc:
            print("dup", ",".join(exc.keys), flush=True)
            return 0
        print("ok", bid, flush=True)
        return 0
    if action == "hold":
        store = _open(argv[1], argv[2:])
        with store.lock(timeout=30):
            print("locked", flush=True)
            time.sleep(120)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
