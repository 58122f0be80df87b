"""Reading a dossier's register in tests (a snapshot of its store)."""
from __future__ import annotations

from pathlib import Path

from reglo.core.register_state import BatchState, RegisterSnapshot


def snapshot(folder: str | Path) -> RegisterSnapshot:
    from reglo.addin.shell.registry import open_store

    store = open_store(Path(folder))
    try:
        return store.snapshot()
    finally:
        store.close()


def live(folder: str | Path, kind: str | None = None) -> list[BatchState]:
    """Batches that count (pending or committed, non-test)."""
    return snapshot(folder).live(kind)


def dossier_files(folder: str | Path) -> list[str]:
    """The names in the dossier folder, without the register's own files."""
    return sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("reglo-registre"))
