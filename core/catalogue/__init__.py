"""The French alert catalogue: one entry per stable code.

Each workflow module defines ``MESSAGES = {"CODE": (severity, "message {placeholder}")}``
where severity is ``"BLOQUANT"`` or ``"AVERTISSEMENT"`` (the default; a check may override).
Messages say what is wrong, the value found, what was expected and how to fix it.
To add a workflow: create its module here and list it in ``_MODULES``.
"""
from __future__ import annotations

from importlib import import_module

_MODULES = (
    "foundation",
    "workbook",
    "dossier",
    "lettering",
    "payments",
    "transfers",
    "entry_import",
    "addin",
    "commit",
    "register",
    "rules",
    "debits",
    "lcr",
    "lcr_shell",
    "disbursement",
)

CATALOGUE: dict[str, tuple[str, str]] = {}
for _name in _MODULES:
    _messages = import_module(f"reglo.core.catalogue.{_name}").MESSAGES
    _clash = CATALOGUE.keys() & _messages.keys()
    if _clash:  # pragma: no cover - programming error
        raise RuntimeError(f"alert codes defined twice: {sorted(_clash)}")
    CATALOGUE.update(_messages)
