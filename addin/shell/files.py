"""The file operations of the commit protocol, shared by the commit and by recovery: who
and where a run is, output folders kept inside the dossier, temporary names, synced writes
and renames that never overwrite, the dossier's register."""
from __future__ import annotations

import getpass
import hashlib
import os
import socket
from pathlib import Path
from typing import Any

from reglo.addin.shell.errors import UserError

TMP_MARK = ".reglo-"
ABSENT = ""  # ``LedgerRewrite.original_sha256`` / ``FileRecord.replaces_sha256`` of a file that did not exist


# ---------------------------------------------------------------------------
# identity of this run
# ---------------------------------------------------------------------------

def this_host() -> str:
    """The machine name recorded with a batch (recovery happens there)."""
    return os.environ.get("REGLO_HOST") or socket.gethostname() or "poste-inconnu"


def this_user() -> str:
    try:
        return os.environ.get("REGLO_USER") or getpass.getuser()
    except Exception:  # pragma: no cover - no login name (service account)
        return ""


def folder_id(folder: Path) -> str:
    """The dossier folder as recorded with a batch (absolute, resolved)."""
    return str(Path(folder).resolve())


# ---------------------------------------------------------------------------
# paths
# ---------------------------------------------------------------------------

def resolve_folder(dossier: Path, folder: str) -> Path:
    """An output folder relative to the dossier (``""`` = the dossier itself). Refuses a folder
    that leaves the dossier (``..``, an absolute path elsewhere)."""
    base = Path(dossier).resolve()
    target = (base / folder).resolve() if folder else base
    if target != base and base not in target.parents:
        raise UserError(f"Dossier de sortie « {folder} » hors du dossier de la société ({base}) : "
                        "Reglo n'écrit que dans le dossier de la société ou l'un de ses sous-dossiers.")
    return target


def relative_folder(dossier: Path, path: str | Path) -> str:
    """``path`` (absolute or relative to the dossier) as a folder relative to the dossier;
    :class:`UserError` when it leaves the dossier."""
    base = Path(dossier).resolve()
    p = Path(path)
    target = (p if p.is_absolute() else base / p).resolve()
    if target == base:
        return ""
    if base not in target.parents:
        raise UserError(f"Dossier de sortie « {path} » hors du dossier de la société ({base}) : "
                        "indiquez un sous-dossier du dossier de la société.")
    return target.relative_to(base).as_posix()


def ledger_path(dossier: Path, target: str) -> Path:
    """A ledger target: absolute (a ledger the user named) or relative to the dossier."""
    p = Path(target)
    return p if p.is_absolute() else resolve_folder(dossier, str(p.parent) if str(p.parent) != "." else "") / p.name


def tmp_name(name: str, batch_id: int) -> str:
    return f".~{name}{TMP_MARK}{batch_id}.tmp"


def orig_name(name: str, batch_id: int) -> str:
    return f".~{name}{TMP_MARK}{batch_id}.orig"


def sha256_of(path: Path) -> str:
    """sha256 of a file, :data:`ABSENT` when it does not exist."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except FileNotFoundError:
        return ABSENT
    return h.hexdigest()


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover - no directory fsync on Windows
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse it
        pass
    finally:
        os.close(fd)


def write_synced(path: Path, data: bytes) -> None:
    """Create ``path`` (never existing: a temporary name) with ``data``, fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)


def place_without_overwrite(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target``; :class:`FileExistsError` if ``target`` exists."""
    if os.name == "nt":  # pragma: no cover - os.rename refuses an existing target on Windows
        os.rename(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system (some network shares): we hold the lock
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.rename(tmp, target)
        return
    os.unlink(tmp)


def move_aside(path: Path, suffix: str) -> Path:
    """Rename ``path`` to ``<name><suffix>``, or ``<name><suffix>-2``, ``-3``… when that name is
    taken (two repairs in the same second, a fixed clock): a file kept aside never replaces
    another one. Returns its new path."""
    n = 1
    while True:
        aside = path.with_name(f"{path.name}{suffix}" + (f"-{n}" if n > 1 else ""))
        try:
            place_without_overwrite(path, aside)
            return aside
        except FileExistsError:
            n += 1


# ---------------------------------------------------------------------------
# context handed to the plan, result handed back
# ---------------------------------------------------------------------------


def open_register(dossier_folder: str | Path) -> Any:
    """The dossier's :class:`~reglo.addin.shell.registry.base.RegisterStore` (SQLite beside the
    dossier, or the PostgreSQL server configured). Its errors (``RegisterError``, a
    :class:`UserError` with a French message) reach the caller as they are, so that a
    workflow can tell an unreadable register from an unreachable dossier."""
    from reglo.addin.shell.registry import open_store

    return open_store(Path(dossier_folder))
