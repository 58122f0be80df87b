"""Ribbon button handlers: plain functions of a workbook (``xw.Book`` or ``Workbook``).

Register with ``@handler(tag, label=..., group=...)``; ``tag`` is the contract between
``customUI.xml`` (the button's ``tag``), the xlwings Lite scripts and the dispatcher.
A handler reads, calls ``core``, writes back and returns a ``HandlerResult`` (French
summary + alerts). No business rule in a handler.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from reglo.addin.shell.result import HandlerResult  # noqa: F401 - re-exported for the handlers
from reglo.addin.shell.workflows import RIBBON_GROUPS


@dataclass(frozen=True)
class HandlerInfo:
    tag: str
    func: Callable[[Any], HandlerResult]
    label: str  # French button label
    group: str  # ribbon group (French)
    image: str = "HappyFace"  # imageMso
    order: int = 100
    browser: bool = False  # runs in xlwings Lite (needs only the open workbook: no dossier folder, no register)


HANDLERS: dict[str, HandlerInfo] = {}

# Ribbon groups, in display order: one per workflow descriptor (reglo.addin.shell.workflows).
GROUPS = RIBBON_GROUPS


def handler(tag: str, *, label: str, group: str, image: str = "HappyFace", order: int = 100, browser: bool = False):
    if group not in GROUPS:
        raise ValueError(f"unknown ribbon group {group!r}")

    def wrap(func: Callable[[Any], HandlerResult]) -> Callable[[Any], HandlerResult]:
        if tag in HANDLERS and HANDLERS[tag].func is not func:
            raise ValueError(f"handler tag {tag!r} registered twice")
        HANDLERS[tag] = HandlerInfo(tag, func, label, group, image, order, browser)
        return func

    return wrap


def load_all() -> dict[str, HandlerInfo]:
    """Import every handler module so that all handlers are registered."""
    import reglo.addin.entrypoints.handlers as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"reglo.addin.entrypoints.handlers.{info.name}")
    return HANDLERS
