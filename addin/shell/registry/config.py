"""Which register a dossier uses, and where the shared server's address comes from.

* ``reglo-registre.json`` in the dossier folder (nothing secret, it is copied with the
  dossier): ``{"backend": "postgresql", "dossier_id": "…"}`` after ``reglo register migrate``.
  Without it the register is the SQLite file of the folder.
* The server address (with its credentials) comes only from the environment variable
  ``REGLO_REGISTER_URL`` or from the per-user configuration file
  (``~/.config/reglo/config.toml``, ``%APPDATA%\\Reglo\\config.toml``; ``REGLO_CONFIG`` names
  another one)::

      [registre]
      url = "postgresql://reglo@serveur.cabinet.local/reglo"

  The password is best kept in the user's ``~/.pgpass`` / ``%APPDATA%\\postgresql\\pgpass.conf``.
* The dossier's identifier on the server: ``--dossier-id``, else the pointer file, else the
  « Identifiant registre » parameter of the « Société » sheet of ``dossier.xlsx``, else the
  folder's name.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from reglo.addin.shell.registry.base import RegisterConfigError, RegisterStore

REGISTER_FILE = "reglo-registre.sqlite"
JOURNAL_FILE = "reglo-registre.journal"
POINTER_FILE = "reglo-registre.json"
ENV_URL = "REGLO_REGISTER_URL"
ENV_CONFIG = "REGLO_CONFIG"
DOSSIER_ID_PARAMETER = "Identifiant registre"


def config_path() -> Path:
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "Reglo" / "config.toml"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reglo" / "config.toml"


def configured_url() -> str | None:
    """The shared register's URL: ``REGLO_REGISTER_URL``, else the per-user configuration file."""
    url = (os.environ.get(ENV_URL) or "").strip()
    if url:
        return url
    path = config_path()
    if not path.is_file():
        return None
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RegisterConfigError(f"Le fichier de configuration de Reglo {path} est illisible. "
                                  "Corrigez-le : section [registre], clé url = \"postgresql://…\".") from exc
    section = data.get("registre") or data.get("register") or {}
    url = str(section.get("url") or "").strip() if isinstance(section, dict) else ""
    return url or None


def read_pointer(folder: Path) -> dict[str, Any] | None:
    path = folder / POINTER_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegisterConfigError(f"Le fichier {path} est illisible : il doit contenir {{\"backend\": \"postgresql\", \"dossier_id\": \"…\"}}.") from exc
    if not isinstance(data, dict):
        raise RegisterConfigError(f"Le fichier {path} est illisible : il doit contenir {{\"backend\": \"postgresql\", \"dossier_id\": \"…\"}}.")
    return data


def write_pointer(folder: Path, dossier_id: str) -> Path:
    """Point the dossier to the shared register (atomic write; nothing secret in it)."""
    path = folder / POINTER_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"backend": "postgresql", "dossier_id": dossier_id}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def workbook_dossier_id(folder: Path) -> str | None:
    """« Identifiant registre » in the « Société » sheet of ``dossier.xlsx`` (None when absent)."""
    book = folder / "dossier.xlsx"
    if not book.is_file():
        return None
    try:
        from openpyxl import load_workbook

        wb = load_workbook(book, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - an unreadable workbook is reported by the workflows, not here
        return None
    try:
        if "Société" not in wb.sheetnames:
            return None
        for row in wb["Société"].iter_rows(min_row=1, max_row=200, max_col=2, values_only=True):
            if row and str(row[0] or "").strip().casefold() == DOSSIER_ID_PARAMETER.casefold():
                value = str(row[1] or "").strip() if len(row) > 1 else ""
                return value or None
        return None
    finally:
        wb.close()


def resolve_dossier_id(folder: Path, explicit: str | None = None) -> str:
    if explicit:
        return explicit.strip()
    pointer = read_pointer(folder) or {}
    if pointer.get("dossier_id"):
        return str(pointer["dossier_id"]).strip()
    return workbook_dossier_id(folder) or folder.resolve().name


def open_configured(folder: Path, *, url: str | None = None, dossier_id: str | None = None) -> RegisterStore:
    folder = Path(folder)
    if folder.suffix.lower() in (".xlsx", ".xlsm", ".txt", ".sqlite") and not folder.is_dir():
        folder = folder.parent
    pointer = read_pointer(folder)
    backend = (pointer or {}).get("backend", "sqlite")
    if url or backend == "postgresql":
        url = url or configured_url()
        if not url:
            raise RegisterConfigError(
                f"Le dossier {folder} utilise le registre partagé PostgreSQL ({POINTER_FILE}), mais aucun serveur n'est configuré sur ce poste : "
                f"définissez la variable d'environnement {ENV_URL}=postgresql://… ou la section [registre] du fichier {config_path()}.")
        from reglo.addin.shell.registry.postgres import PostgresStore

        store = PostgresStore(url, resolve_dossier_id(folder, dossier_id), journal=folder / JOURNAL_FILE)
        store.sync_journal()
        return store
    if backend != "sqlite":
        raise RegisterConfigError(f"Le fichier {folder / POINTER_FILE} indique un registre « {backend} » inconnu : attendu « postgresql ».")
    from reglo.addin.shell.registry.sqlite import open_sqlite

    return open_sqlite(folder / REGISTER_FILE, journal=folder / JOURNAL_FILE)
