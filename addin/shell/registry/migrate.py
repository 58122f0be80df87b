"""``reglo register migrate --to URL``: move a dossier's SQLite register to a shared server.

Every change of the SQLite register (batches, lines, files, statuses, cancellations, counters,
history) is replayed under the dossier's id on the server, both registers locked; the copy is
compared with the source; then ``reglo-registre.json`` points the dossier to the server and
the SQLite file is renamed ``reglo-registre.sqlite.migre-<date>`` (kept, never used again).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reglo.addin.shell.files import move_aside
from reglo.addin.shell.registry.base import RegisterError
from reglo.addin.shell.registry.config import JOURNAL_FILE, REGISTER_FILE, read_pointer, resolve_dossier_id, write_pointer
from reglo.addin.shell.registry.journal import replay


@dataclass
class MigrateReport:
    dossier_id: str
    server: str
    batches: int
    changes: int
    kept: Path | None

    def lines_fr(self) -> list[str]:
        out = [f"Registre déplacé sur le serveur {self.server}, dossier « {self.dossier_id} » : {self.batches} lot(s), {self.changes} changement(s).",
               "Le dossier utilise désormais le registre partagé (fichier reglo-registre.json)."]
        if self.kept:
            out.append(f"L'ancien registre SQLite est conservé sous {self.kept.name} ; il n'est plus utilisé.")
        return out


def migrate(dossier: str | Path, url: str, *, dossier_id: str | None = None, now: datetime | None = None, timeout: float = 60.0) -> MigrateReport:
    from reglo.addin.shell.registry.postgres import PostgresStore, safe_url
    from reglo.addin.shell.registry.sqlite import open_sqlite

    dossier = Path(dossier)
    now = now or datetime.now().astimezone()
    pointer = read_pointer(dossier)
    if pointer and pointer.get("backend") == "postgresql":
        raise RegisterError(f"Le dossier {dossier} utilise déjà le registre partagé (dossier « {pointer.get('dossier_id')} ») : rien à déplacer.")
    ident = resolve_dossier_id(dossier, dossier_id)
    source = open_sqlite(dossier / REGISTER_FILE, journal=dossier / JOURNAL_FILE)
    target = PostgresStore(url, ident, journal=None, now=now)
    try:
        with source.lock(timeout), target.lock(timeout):
            if not target.is_empty():
                raise RegisterError(f"Le serveur {safe_url(url)} a déjà un registre pour le dossier « {ident} » : choisissez un autre identifiant (--dossier-id) "
                                    "ou demandez à l'administrateur de le supprimer.")
            entries = source.entries_from_db()
            replay(entries, target)
            before, after = source.snapshot(), target.snapshot()
            if before.batches != after.batches or before.counters != after.counters or len(source.history()) != len(target.history()):
                raise RegisterError(f"La copie du registre sur le serveur {safe_url(url)} diffère de l'original : le dossier reste sur son registre SQLite. "
                                    "Signalez-le à l'assistance Reglo.")
            write_pointer(dossier, ident)
            source.close()
            stamp = now.strftime("%Y%m%d-%H%M%S")
            kept = move_aside(dossier / REGISTER_FILE, f".migre-{stamp}")  # never over an earlier migrated copy
            return MigrateReport(ident, safe_url(url), len(after.batches), len(entries), kept)
    finally:
        source.close()
        target.close()
