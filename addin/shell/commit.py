"""The one commit protocol: every file Reglo writes for a workflow goes through :func:`run_button`.

A button's shell reads what it needs (workbook tables, dossier), then calls::

    result = run_button(dossier_folder, plan, now=now)

where ``plan(ctx: CommitContext) -> Outcome`` is a closure over what was read that calls the
pure use case of ``core/<workflow>/usecases.py`` with ``ctx.snapshot`` (the register read
*inside* the lock), ``ctx.now`` and ``ctx.names_in(folder)`` (the names already present in an
output folder). It must not write anything. ``run_button`` then:

1. opens the dossier's register (``reglo.addin.shell.registry.open_store``, unless ``store=``
   is given) and takes the dossier lock (``store.lock``: one commit at a time, across processes
   and, with PostgreSQL, across machines);
2. runs recovery of the dossier's pending batches (:func:`reglo.addin.shell.recovery.recover`):
   a crashed run of this machine is finished or rolled back before anything else;
3. re-reads the register (``store.snapshot()``) and calls ``plan(ctx)``;
4. if the outcome has no blocking alert and writes anything: records the batch *pending*
   (``store.begin``) with every file's target folder, name and sha256 and the counters the
   plan used (``Outcome.counters``: identifiers are never handed out twice);
5. writes each file under a temporary name **in its target folder**
   (``.~<name>.reglo-<batch id>.tmp``), fsyncs it and the folder, then gives it its final name
   without ever overwriting (POSIX: ``os.link`` then unlink the temporary name, which fails if
   the target exists; Windows: ``os.rename``, which fails too);
6. the ledger rewrite (``Outcome.ledger``: the only in-place replacement, e.g. the lettered
   copy of the FEC or ``letter --apply``): its current bytes must still have the hash the plan
   was computed from; they are kept beside it (``.~<name>.reglo-<batch id>.orig``), then the new
   bytes replace it (``os.replace``), with its undo journal (``LedgerRewrite.undo``) in the same
   commit;
7. marks the batch *committed* — in the same register transaction, cancels the earlier
   batches the outcome carries (``Outcome.cancels``, recorded with the pending batch, so that
   recovery completing it cancels them too) — removes the kept originals and releases the lock.

The caller then writes the workbook sheets (``Outcome.sheets``, :func:`write_sheets`):
outside the critical section, and a workbook that cannot be saved never un-pays a batch.

Fault injection: ``REGLO_FAULT_AT=<step>`` (:mod:`reglo.addin.shell.faults`) kills the process
at a named step; whatever the step, the next start leaves the dossier in the old state or the
new one (see ``docs/adr/0006-commit-protocol.md``).

An error while writing (disk full, file locked) rolls the batch back at once (files removed,
ledger restored, batch ``rolled_back``) and raises :class:`UserError` with a French message.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from reglo.addin.shell.errors import UserError
from reglo.addin.shell.faults import fault_point
from reglo.addin.shell.registry.base import snapshot_of
from reglo.addin.shell.files import (  # noqa: F401 - the file operations of the protocol, re-exported
    TMP_MARK,
    ABSENT,
    this_host,
    this_user,
    folder_id,
    resolve_folder,
    relative_folder,
    ledger_path,
    tmp_name,
    orig_name,
    sha256_of,
    fsync_dir,
    write_synced,
    place_without_overwrite,
    open_register,
)
from reglo.core.alerts import Alert, alert
from reglo.core.outcome import LedgerRewrite, Outcome, OutputFile, SheetOutput
from reglo.core.register_state import FileRecord, RegisterSnapshot

@dataclass
class CommitContext:
    """What a plan may use besides what its shell read: the register snapshot taken inside the
    lock, the time, the names present in the output folders, the recovery report."""

    folder: Path
    snapshot: RegisterSnapshot
    now: datetime
    host: str
    user: str
    recovery: Any = None  # reglo.addin.shell.recovery.RecoveryReport
    _names: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def names_in(self, folder: str) -> frozenset[str]:
        """File names present in an output folder (relative to the dossier), read once."""
        if folder not in self._names:
            p = resolve_folder(self.folder, folder)
            try:
                self._names[folder] = frozenset(e.name for e in os.scandir(p))
            except (FileNotFoundError, NotADirectoryError):
                self._names[folder] = frozenset()
        return self._names[folder]

    @property
    def warnings(self) -> list[Alert]:
        """Alerts of the recovery (another machine's pending batch, orphan files…)."""
        return list(getattr(self.recovery, "alerts", []) or [])


@dataclass
class CommitResult:
    """What :func:`run_button` did. ``status``: ``committed`` (files written, batch recorded),
    ``nothing`` (the outcome writes nothing), ``blocked`` (blocking alert: nothing written)."""

    outcome: Outcome
    status: str
    batch_id: int | None = None
    paths: list[Path] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)  # recovery warnings + the outcome's alerts
    snapshot: RegisterSnapshot | None = None  # the register as the plan saw it
    notices: list[Alert] = field(default_factory=list)  # the recovery's alerts alone (also in ``alerts``)

    @property
    def committed(self) -> bool:
        return self.status == "committed"


Plan = Callable[[CommitContext], Outcome]


# ---------------------------------------------------------------------------
# the protocol
# ---------------------------------------------------------------------------

@contextmanager
def register_session(dossier_folder: str | Path, *, now: datetime, host: str | None = None, store: Any = None,
                     lock_timeout: float = 60.0) -> Iterator[tuple[Any, Any]]:
    """The dossier's register under its lock, after recovery, for a change that writes no file
    (cancelling a batch, resolving another machine's pending batch): yields ``(store, report)``."""
    from reglo.addin.shell.recovery import recover

    folder = Path(dossier_folder).resolve()
    own = store is None
    store = store if store is not None else open_register(folder)
    try:
        with store.lock(timeout=lock_timeout):
            report = recover(folder, store, host=host or this_host(), now=now)
            yield store, report
    finally:
        if own:
            store.close()


def run_button(
    dossier_folder: str | Path,
    plan: Plan,
    *,
    now: datetime,
    host: str | None = None,
    user: str | None = None,
    store: Any = None,
    lock_timeout: float = 300.0,
    block_on_orphans: bool = True,
    lettering_lines: bool = False,
) -> CommitResult:
    """Lock, recover, re-read the register, plan, and commit the outcome (module docstring).

    ``block_on_orphans``: a Reglo bank or entries file unknown to the register (found by
    recovery) turns into a blocking alert and the plan is not run (payment workflows).
    ``lock_timeout``: how long to wait for another run's commit (its plan runs inside the lock).

    Raises:
        UserError: register unusable or busy, output folder outside the dossier, a file could
            not be written (the batch is then rolled back: nothing recorded as paid).
    """
    from reglo.addin.shell.recovery import recover
    from reglo.addin.shell.registry.base import DuplicatePaymentError, DuplicateReferenceError, RegisterError

    folder = Path(dossier_folder).resolve()
    host = host or this_host()
    user = user if user is not None else this_user()
    own_store = store is None
    store = store if store is not None else open_register(folder)
    try:
        try:
            lock = store.lock(timeout=lock_timeout)
            lock.__enter__()
        except RegisterError as exc:  # busy (another run commits), unreadable, server down: a French message
            raise UserError(str(exc)) from exc
        try:
            fault_point("after_lock")
            report = recover(folder, store, host=host, now=now)
            snap = snapshot_of(store, lettering_lines=lettering_lines)  # the receipts' lines only for the plans that read them
            ctx = CommitContext(folder=folder, snapshot=snap, now=now, host=host, user=user, recovery=report)
            if block_on_orphans and report.blocking:
                blocked = Outcome(alerts=tuple(report.alerts), summary="Rien n'a été généré : des fichiers de Reglo sont inconnus du registre.")
                return CommitResult(blocked, "blocked", alerts=list(report.alerts), snapshot=snap, notices=list(report.alerts))
            outcome = plan(ctx)
            fault_point("after_plan")
            alerts = report.alerts + list(outcome.alerts)
            notices = list(report.alerts)
            if outcome.has_blocking:
                return CommitResult(outcome, "blocked", alerts=alerts, snapshot=snap, notices=notices)
            if not outcome.writes_anything:
                return CommitResult(outcome, "nothing", alerts=alerts, snapshot=snap, notices=notices)
            try:
                batch_id, paths = _commit(folder, store, outcome, snap, now=now, host=host, user=user)
            except DuplicatePaymentError as exc:  # the plan checked the snapshot: only a foreign writer gets here
                dup = alert("COMMIT_DUPLICATE_PAYMENT", count=len(exc.keys), keys=", ".join(exc.keys[:5]))
                return CommitResult(outcome.model_copy(update={"alerts": outcome.alerts + (dup,)}), "blocked", alerts=alerts + [dup], snapshot=snap,
                                    notices=notices + [dup])
            except DuplicateReferenceError as exc:
                dup = alert("COMMIT_DUPLICATE_PAYMENT", count=len(exc.names), keys=", ".join(exc.names[:5]))
                return CommitResult(outcome.model_copy(update={"alerts": outcome.alerts + (dup,)}), "blocked", alerts=alerts + [dup], snapshot=snap,
                                    notices=notices + [dup])
            return CommitResult(outcome, "committed", batch_id, paths, alerts, snapshot=snap, notices=notices)
        finally:
            lock.__exit__(None, None, None)
    finally:
        if own_store:
            try:
                store.close()
            except Exception:  # pragma: no cover - closing is best effort
                pass


def _records(folder: Path, outcome: Outcome) -> tuple[list[tuple[OutputFile, Path]], list[FileRecord]]:
    placed: list[tuple[OutputFile, Path]] = []
    records: list[FileRecord] = []
    for f in outcome.files:
        if not f.name or "/" in f.name or "\\" in f.name or f.name in (".", ".."):
            raise UserError(f"Nom de fichier de sortie invalide : « {f.name} ».")
        target = resolve_folder(folder, f.folder) / f.name
        if os.path.lexists(target):
            raise UserError(f"Le fichier {target} existe déjà : Reglo n'écrase jamais un fichier. Rien n'a été enregistré ; "
                            "déplacez ce fichier ou lancez « reglo register repair » s'il vient d'une exécution interrompue.")
        placed.append((f, target))
        records.append(FileRecord(folder=f.folder, name=f.name, sha256=f.sha256, role=f.role))
    return placed, records


def _ledger_records(folder: Path, ledger: LedgerRewrite) -> tuple[list[tuple[Path, bytes, str]], list[FileRecord]]:
    """(path, new bytes, original sha) for the ledger and its undo journal, and their records."""
    out: list[tuple[Path, bytes, str]] = []
    records: list[FileRecord] = []
    target = ledger_path(folder, ledger.target)
    current = sha256_of(target)
    if current != (ledger.original_sha256 or ABSENT):
        raise UserError(f"{target.name} a changé depuis sa lecture (autre programme ou autre poste) : rien n'a été enregistré ni écrit. Relancez.")
    rec_folder = str(target.parent) if Path(ledger.target).is_absolute() else relative_folder(folder, target.parent)
    out.append((target, ledger.data, current))
    records.append(FileRecord(folder=rec_folder, name=target.name, sha256=ledger.sha256, role="ledger", replaces_sha256=current))
    if ledger.undo is not None:
        u = ledger.undo
        upath = (target.parent / u.name) if Path(ledger.target).is_absolute() and not u.folder else resolve_folder(folder, u.folder) / u.name
        ufolder = str(upath.parent) if Path(ledger.target).is_absolute() and not u.folder else u.folder
        ucur = sha256_of(upath)
        out.append((upath, u.data, ucur))
        records.append(FileRecord(folder=ufolder, name=u.name, sha256=u.sha256, role="journal", replaces_sha256=ucur))
    return out, records


def _commit(folder: Path, store: Any, outcome: Outcome, snap: RegisterSnapshot, *, now: datetime, host: str, user: str) -> tuple[int | None, list[Path]]:
    if outcome.batch is None and outcome.cancels and not outcome.files and outcome.ledger is None:
        # cancellations alone (no file): each one is a single register change under the lock
        for c in outcome.cancels:
            target = next((b for b in snap.batches if b.id == c.batch_id), None)
            if target is not None and target.reference == c.reference and target.status == "committed":
                store.set_status(c.batch_id, "cancelled", at=now, reason=c.reason, by=user)
        return None, []
    if outcome.batch is None:
        raise ValueError("an outcome that writes files must carry its batch (every file Reglo writes is recorded)")
    placed, records = _records(folder, outcome)
    replaced: list[tuple[Path, bytes, str]] = []
    if outcome.ledger is not None:
        replaced, more = _ledger_records(folder, outcome.ledger)
        records += more
    expected = {name: snap.counter(name) for name in outcome.counters}
    extra = {"cancels": list(outcome.cancels)} if outcome.cancels else {}  # applied when the batch becomes committed
    batch_id = store.begin(outcome.batch, files=records, counters=dict(outcome.counters), host=host, folder=folder_id(folder), user=user,
                           at=now, expected_counters=expected, **extra)
    fault_point("after_pending")
    try:
        paths = _write_all(batch_id, placed, replaced)
    except BaseException as exc:
        from reglo.addin.shell.recovery import roll_back_files

        try:
            roll_back_files(folder, batch_id, records)
            store.set_status(batch_id, "rolled_back", at=now, reason=f"écriture interrompue : {exc}"[:300])
        except Exception:  # pragma: no cover - the next start's recovery finishes the job
            pass
        if isinstance(exc, OSError):
            raise UserError(f"Impossible d'écrire {getattr(exc, 'filename', None) or 'un fichier'} ({exc.strerror or exc}). Rien n'a été enregistré comme payé "
                            "ni laissé sur le disque : fermez le fichier (Excel ?) ou libérez de la place, puis relancez.") from exc
        raise
    fault_point("before_committed")
    store.set_status(batch_id, "committed", at=now)
    fault_point("after_committed")
    for path, _, _ in replaced:  # the kept originals are no longer needed
        try:
            (path.parent / orig_name(path.name, batch_id)).unlink(missing_ok=True)
        except OSError:  # pragma: no cover - recovery removes it later
            pass
    return batch_id, paths


def _write_all(batch_id: int, placed: list[tuple[OutputFile, Path]], replaced: list[tuple[Path, bytes, str]]) -> list[Path]:
    tmps: list[tuple[Path, Path]] = []
    i = 0
    for f, target in placed:
        tmp = target.parent / tmp_name(target.name, batch_id)
        write_synced(tmp, f.data)
        tmps.append((tmp, target))
        fault_point("after_tmp_write", i)
        i += 1
    ledger_tmps: list[tuple[Path, Path, str]] = []
    for path, data, original in replaced:
        tmp = path.parent / tmp_name(path.name, batch_id)
        write_synced(tmp, data)
        ledger_tmps.append((tmp, path, original))
        fault_point("after_tmp_write", i)
        i += 1
    for folder in {t.parent for t, _ in tmps} | {t.parent for t, _, _ in ledger_tmps}:
        fsync_dir(folder)
    paths: list[Path] = []
    for j, (tmp, target) in enumerate(tmps):
        place_without_overwrite(tmp, target)
        paths.append(target)
        fault_point("after_rename", j)
    # the new names are durable before the batch is marked committed: one fsync per folder (a
    # crash between two renames leaves a pending batch, which recovery completes or rolls back)
    for folder in {t.parent for _, t in tmps}:
        fsync_dir(folder)
    for tmp, path, original in ledger_tmps:
        if sha256_of(path) != original:
            raise UserError(f"{path.name} a changé pendant l'enregistrement : rien n'a été remplacé. Relancez.")
        if original != ABSENT:  # keep the bytes it replaces until the batch is committed
            keep = path.parent / orig_name(path.name, batch_id)
            keep.unlink(missing_ok=True)
            if _can_link(path):
                os.link(path, keep)  # the old inode keeps the original bytes
            else:  # pragma: no cover - Windows
                write_synced(keep, path.read_bytes())
            fsync_dir(path.parent)
            os.replace(tmp, path)
        else:
            place_without_overwrite(tmp, path)
        fsync_dir(path.parent)
        paths.append(path)
    if ledger_tmps:
        fault_point("after_ledger_replace")
    return paths


def _can_link(path: Path) -> bool:
    return os.name != "nt" and hasattr(os, "link")


# ---------------------------------------------------------------------------
# after the commit
# ---------------------------------------------------------------------------

def write_sheets(book: Any, sheets: Iterable[SheetOutput]) -> None:
    """Write the outcome's sheets into the workbook (after the commit, outside the lock)."""
    from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column

    formats = {"amount": EURO_FORMAT, "date": DATE_FORMAT, "datetime": "dd/mm/yyyy hh:mm", "integer": "0", "percent": "0.0%"}
    for s in sheets:
        cols = [Column(c.header, formats.get(c.kind), c.width) for c in s.columns]
        book.write_sheet(s.name, cols, [list(r) for r in s.rows], title=s.title, preamble=[list(p) for p in s.preamble] or None)
        if s.hidden:
            book.hide_sheet(s.name)
