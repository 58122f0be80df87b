"""The payment register (registre des règlements) behind one interface, two backends.

* :mod:`.base`: the :class:`RegisterStore` protocol every backend implements, and its errors;
* ``sqlite``: the default, an SQLite file in the dossier folder (``reglo-registre.sqlite``);
* ``postgres``: a shared PostgreSQL server (``REGLO_REGISTER_URL`` or the per-user
  configuration file), so that several people of a firm cannot pay the same invoice;
* ``journal``: every change is also appended to ``reglo-registre.journal`` in the dossier
  (one JSON line per change), enough with the files Reglo wrote to rebuild the register.
"""
from __future__ import annotations

from pathlib import Path

from reglo.addin.shell.registry.base import (
    CounterConflict,
    DuplicatePaymentError,
    DuplicateReferenceError,
    InvalidTransition,
    RegisterBusy,
    RegisterConfigError,
    RegisterError,
    RegisterStore,
    RegisterUnreadable,
)

REGISTER_FILE = "reglo-registre.sqlite"
JOURNAL_FILE = "reglo-registre.journal"
LOCK_FILE = "reglo-registre.lock"
POINTER_FILE = "reglo-registre.json"
OUTPUT_FOLDERS = ("virements", "reglements", "prelevements", "lcr", "decaissements", "imports")


def open_store(dossier_folder: str | Path, *, url: str | None = None, dossier_id: str | None = None) -> RegisterStore:
    """The register of the dossier in ``dossier_folder``.

    * SQLite (default): ``reglo-registre.sqlite`` in the folder; a v1 register (the former
      ``PaymentRegister``) is upgraded in place; a missing/empty/damaged file while the dossier
      already has Reglo outputs raises :class:`RegisterUnreadable` (``reglo register repair``).
    * PostgreSQL: when ``url`` is given, or the folder's ``reglo-registre.json`` says
      ``{"backend": "postgresql", "dossier_id": …}`` (credentials come from ``REGLO_REGISTER_URL``
      or the per-user configuration file, never from the dossier).

    The journal ``reglo-registre.journal`` always sits in the dossier folder.
    """
    from reglo.addin.shell.registry.config import open_configured

    return open_configured(Path(dossier_folder), url=url, dossier_id=dossier_id)


__all__ = [
    "CounterConflict", "DuplicatePaymentError", "DuplicateReferenceError", "InvalidTransition", "RegisterBusy",
    "RegisterConfigError", "RegisterError", "RegisterStore", "RegisterUnreadable", "open_store",
    "REGISTER_FILE", "JOURNAL_FILE", "LOCK_FILE", "POINTER_FILE", "OUTPUT_FOLDERS",
]
