"""Recovery at every start, and orphan detection (see ``reglo.addin.shell.commit``).

Before any workflow of a dossier runs (``run_button`` calls :func:`recover` inside the dossier
lock; ``reglo.addin.shell.dossier.load_dossier`` calls :func:`recover_at_start`):

* a *pending* batch started on this machine in this dossier folder was interrupted (its
  process died: it no longer holds the lock). If all its files are present with the hashes
  recorded, it becomes *committed*; otherwise it is rolled back: its files whose hash matches
  are removed, its temporary files too, a half-replaced ledger gets its kept original bytes
  back, and it becomes *rolled_back*;
* a pending batch of another machine (or of another path to the dossier) is never rolled back
  blindly: its lines stay reserved (a pending batch counts) and a French warning says where
  and when it started, until it is resolved there or a user confirms in writing that its file
  was never sent (``reglo register cancel REF --non-envoye --reason …``, or :func:`resolve_never_sent`);
* stray temporary files of the protocol (``.~<name>.reglo-<id>.tmp`` / ``.orig``) of batches
  that are no longer pending are removed, as are those an older Reglo left
  (``.<name>.<random>.tmp`` of a Reglo output);
* a bank or entries file Reglo wrote (by its name pattern), found in the dossier's output
  folders but unknown to the register, is reported (``REGISTER_ORPHAN_FILE``, blocking for the
  payment workflows): ``reglo register repair`` records it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from reglo.addin.shell.registry.base import snapshot_of
from reglo.addin.shell.files import (
    ABSENT,
    TMP_MARK,
    folder_id,
    fsync_dir,
    open_register,
    orig_name,
    sha256_of,
    this_host,
    this_user,
    tmp_name,
)
from reglo.core.alerts import Alert, alert
from reglo.core.fec_names import parse_created_fec_name
from reglo.core.register_state import BatchState, FileRecord, RegisterSnapshot

OUTPUT_FOLDERS = ("", "virements", "reglements", "prelevements", "lcr", "decaissements", "imports", "ecritures")
"""Folders (relative to the dossier) where Reglo writes bank and entries files by default; the
folders of every file the register knows are searched too."""

REGLO_OUTPUT = re.compile(
    r"^(VIR\d{14}(-\d+)?(\.xml|-ecritures\.txt)"
    r"|Reglements_clients_\d{8}-\d{6}(-\d+)?\.txt"
    r"|(TEST)?Pre\d{10}[A-Z0-9]+(-\d+)?(\.xml|-ecritures\.txt)"  # direct debits (reglo.core.debits)
    r"|DEC\d{14}-[A-Za-z0-9]+(-\d+)?\.xml"  # disbursement wizard transfers (reglo.core.disbursement.outputs)
    r"|\d{9}FEC20\d{6}-.+\.txt)$"  # any FEC Reglo creates (reglo.core.fec_names.created_fec_name)
)
"""Names of the bank and entries files Reglo writes through the commit protocol: transfers
``VIR….xml``, direct debits ``Pre….xml``, and the entries files, named
``<SIREN>FEC<closing>-<reference>.txt`` (whatever the workflow) or, in older dossiers,
``VIR…-ecritures.txt``, ``Pre…-ecritures.txt``, ``Reglements_clients_….txt``. A workflow
converted to the protocol adds its own bank-file names here."""

_PROTOCOL_TMP = re.compile(r"^\.~(?P<name>.+)" + re.escape(TMP_MARK) + r"(?P<id>\d+)\.(tmp|orig)$")
_OLD_TMP = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{6,12}\.tmp$")  # tempfile.mkstemp of atomic_write


@dataclass
class RecoveryReport:
    committed: list[BatchState] = field(default_factory=list)
    rolled_back: list[BatchState] = field(default_factory=list)
    foreign: list[BatchState] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # stray temporary files removed
    orphans: list[Path] = field(default_factory=list)  # Reglo outputs unknown to the register
    alerts: list[Alert] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(a.is_blocking for a in self.alerts)


# ---------------------------------------------------------------------------
# paths of a batch's files
# ---------------------------------------------------------------------------

def record_path(dossier: Path, rec: FileRecord) -> Path:
    """Where a recorded file lives, seen from this machine (relative folders are resolved
    against ``dossier``; an absolute folder is a ledger the user named)."""
    folder = Path(rec.folder)
    return (folder if folder.is_absolute() else Path(dossier) / folder) / rec.name


def _is_replacement(rec: FileRecord) -> bool:
    return rec.replaces_sha256 is not None


def files_in_place(dossier: Path, files: Iterable[FileRecord]) -> bool:
    """Every file present with its recorded hash."""
    return all(sha256_of(record_path(dossier, r)) == r.sha256 for r in files)


def _clean_temporaries(dossier: Path, batch_id: int, files: Iterable[FileRecord]) -> None:
    for rec in files:
        path = record_path(dossier, rec)
        for extra in (path.parent / tmp_name(path.name, batch_id), path.parent / orig_name(path.name, batch_id)):
            try:
                extra.unlink()
            except FileNotFoundError:
                pass


def roll_back_files(dossier: Path, batch_id: int, files: Iterable[FileRecord]) -> list[Path]:
    """Undo what a batch wrote: remove its files whose hash matches (never another file),
    put back the original bytes of a replaced ledger, remove its temporary files. Returns the
    files found with another content (left in place)."""
    left: list[Path] = []
    folders: set[Path] = set()
    files = list(files)
    for rec in files:
        path = record_path(dossier, rec)
        folders.add(path.parent)
        tmp = path.parent / tmp_name(path.name, batch_id)
        orig = path.parent / orig_name(path.name, batch_id)
        current = sha256_of(path)
        if _is_replacement(rec):
            if current == rec.sha256 and rec.sha256 != rec.replaces_sha256:  # new bytes in place: restore
                if rec.replaces_sha256 == ABSENT:
                    path.unlink(missing_ok=True)
                elif orig.exists():
                    os.replace(orig, path)
                else:
                    left.append(path)
            elif current not in (rec.replaces_sha256, rec.sha256):
                left.append(path)
        elif current == rec.sha256:
            path.unlink(missing_ok=True)
        elif current != ABSENT:
            left.append(path)  # not ours (never overwritten): left alone
        for extra in (tmp, orig):
            try:
                extra.unlink()
            except FileNotFoundError:
                pass
    for f in folders:
        fsync_dir(f)
    return left


# ---------------------------------------------------------------------------
# recovery
# ---------------------------------------------------------------------------

def _started(b: BatchState) -> str:
    return f"{b.created_at:%d/%m/%Y à %H:%M}"


def recover(dossier: str | Path, store: Any, *, host: str | None = None, now: datetime | None = None) -> RecoveryReport:
    """Resolve this machine's pending batches, report the others, clean temporaries, find
    orphans. The caller holds the dossier lock (``store.lock``)."""
    folder = Path(dossier).resolve()
    host = host or this_host()
    now = now or datetime.now().replace(microsecond=0)
    me = folder_id(folder)
    report = RecoveryReport()
    snap: RegisterSnapshot = snapshot_of(store, lettering_lines=False)  # batches and files: the receipts' lines are not needed
    for b in snap.batches:
        if b.status != "pending":
            continue
        if b.host == host and b.folder == me:
            if files_in_place(folder, b.files):
                store.set_status(b.id, "committed", at=now)
                _clean_temporaries(folder, b.id, b.files)
                report.committed.append(b)
                report.alerts.append(alert("REGISTER_RECOVERED_COMMITTED", reference=b.reference, started=_started(b),
                                           files=", ".join(f.name for f in b.files) or "aucun fichier"))
            else:
                roll_back_files(folder, b.id, b.files)
                store.set_status(b.id, "rolled_back", at=now, reason="exécution interrompue avant la fin de l'écriture de ses fichiers")
                report.rolled_back.append(b)
                report.alerts.append(alert("REGISTER_RECOVERED_ROLLED_BACK", reference=b.reference, started=_started(b)))
        else:
            report.foreign.append(b)
            report.alerts.append(alert("REGISTER_PENDING_ELSEWHERE", reference=b.reference, date=_started(b), host=b.host or "inconnu",
                                       where=(b.folder or "?") + (f", utilisateur {b.user}" if b.user else "")))
    if report.committed or report.rolled_back:
        snap = snapshot_of(store, lettering_lines=False)
    report.removed = remove_stray_temporaries(folder, snap)
    report.orphans = orphan_files(folder, snap)
    report.alerts += [alert("REGISTER_ORPHAN_FILE", file=p.name, folder=str(p.parent), dossier=str(folder)) for p in report.orphans]
    return report


def output_folders(dossier: Path, snap: RegisterSnapshot) -> list[Path]:
    """The dossier's output folders that exist: the default ones and those of recorded files."""
    names = set(OUTPUT_FOLDERS)
    for b in snap.batches:
        for f in b.files:
            if not Path(f.folder).is_absolute():
                names.add(f.folder)
    out = []
    for n in sorted(names):
        p = (dossier / n) if n else dossier
        if p.is_dir():
            out.append(p)
    return out


def remove_stray_temporaries(dossier: Path, snap: RegisterSnapshot) -> list[Path]:
    """Remove temporary files of the protocol whose batch is not pending (and older Reglo
    temporaries of Reglo outputs). Pending batches of another machine keep theirs."""
    pending = {b.id for b in snap.batches if b.status == "pending"}
    folders = output_folders(dossier, snap)
    for b in snap.batches:  # ledgers the user named, outside the dossier
        for f in b.files:
            if Path(f.folder).is_absolute() and Path(f.folder).is_dir():
                folders.append(Path(f.folder))
    removed: list[Path] = []
    for folder in dict.fromkeys(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            m = _PROTOCOL_TMP.match(e.name)
            stray = (m is not None and int(m.group("id")) not in pending)
            if not stray:
                old = _OLD_TMP.match(e.name)
                stray = old is not None and (REGLO_OUTPUT.match(old.group("name")) is not None or old.group("name").endswith(" - lettré.txt"))
            if stray and e.is_file(follow_symlinks=False):
                try:
                    os.unlink(e.path)
                    removed.append(Path(e.path))
                except OSError:  # pragma: no cover - locked by another program: next start
                    pass
    return removed


def _reference_of(name: str) -> str | None:
    """The batch reference a Reglo output name carries (``VIR…`` MsgId, ``RC-<stamp>``, the
    ``<reference>`` of ``<SIREN>FEC<closing>-<reference>.txt``)."""
    created = parse_created_fec_name(name)
    if created is not None:
        return created[2]
    if name.startswith("VIR"):
        return name[:-len("-ecritures.txt")] if name.endswith("-ecritures.txt") else name.rsplit(".", 1)[0]
    if name.startswith("Reglements_clients_"):
        return "RC-" + name[len("Reglements_clients_"):].rsplit(".", 1)[0]
    return None


def orphan_files(dossier: Path, snap: RegisterSnapshot) -> list[Path]:
    """Reglo bank / entries files in the output folders that no live, cancelled or pending
    batch of the register knows (a rolled-back batch's files do not count as known). A file
    named after a known batch reference counts as known (registers of an older Reglo recorded
    the bank file only, not the entries file beside it)."""
    known: set[tuple[str, str]] = set()
    refs: set[str] = set()
    for b in snap.batches:
        if b.status == "rolled_back":
            continue
        refs.add(b.reference)
        for f in b.files:
            known.add((str(record_path(dossier, f).parent.resolve()), f.name))
    out = []
    for folder in output_folders(dossier, snap):
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.is_file())
        except OSError:
            continue
        where = str(folder.resolve())
        for n in names:
            if REGLO_OUTPUT.match(n) and (where, n) not in known and _reference_of(n) not in refs:
                out.append(folder / n)
    return out


def recover_at_start(dossier: str | Path, *, store: Any = None, host: str | None = None, now: datetime | None = None,
                     timeout: float = 2.0) -> RecoveryReport | None:
    """Recovery when a dossier is loaded, before any workflow runs. Returns None when the
    register cannot be opened or another run holds the lock (it recovers itself, and every
    commit recovers inside the lock anyway)."""
    from reglo.addin.shell.errors import UserError
    from reglo.addin.shell.registry.base import RegisterError

    from reglo.addin.shell.registry import POINTER_FILE, REGISTER_FILE

    folder = Path(dossier).resolve()
    own = store is None
    if own and not (folder / REGISTER_FILE).exists() and not (folder / POINTER_FILE).exists():
        return None  # no register yet: nothing was ever recorded, nothing to recover
    try:
        if own:
            store = open_register(folder)
    except (UserError, RegisterError, OSError):
        return None
    try:
        try:
            with store.lock(timeout=timeout):
                return recover(folder, store, host=host, now=now)
        except (RegisterError, OSError):
            return None
    finally:
        if own:
            try:
                store.close()
            except Exception:  # pragma: no cover
                pass


def resolve_never_sent(dossier: str | Path, reference: str, reason: str, *, store: Any = None, user: str | None = None,
                       now: datetime | None = None) -> Alert:
    """A user confirms in writing that the file of another machine's pending batch was never
    sent: the batch is cancelled (its lines become payable again) and its files, when they
    are in this dossier with the recorded hash, are removed.

    Raises:
        UserError: no such pending batch, or an empty reason.
    """
    from reglo.addin.shell.errors import UserError

    reason = (reason or "").strip()
    if not reason:
        raise UserError("Indiquez par écrit pourquoi le fichier n'a jamais été envoyé (--reason \"raison\").")
    folder = Path(dossier).resolve()
    now = now or datetime.now().replace(microsecond=0)
    user = user if user is not None else this_user()
    own = store is None
    store = store if store is not None else open_register(folder)
    try:
        with store.lock(timeout=60):
            snap = store.snapshot()
            batch = next((b for b in snap.batches if b.status == "pending" and (b.reference == reference or str(b.id) == reference
                                                                                 or any(f.name == reference for f in b.files))), None)
            if batch is None:
                pending = ", ".join(f"{b.reference} ({b.host})" for b in snap.batches if b.status == "pending") or "aucun"
                raise UserError(f"Aucun lot en attente « {reference} » dans le registre (lots en attente : {pending}).")
            roll_back_files(folder, batch.id, batch.files)
            store.set_status(batch.id, "cancelled", at=now, reason=f"jamais envoyé (confirmé par {user or 'utilisateur'}) : {reason}", by=user)
            return alert("REGISTER_RESOLVED_NEVER_SENT", reference=batch.reference, host=batch.host or "inconnu", user=user or "l'utilisateur", reason=reason)
    finally:
        if own:
            store.close()
