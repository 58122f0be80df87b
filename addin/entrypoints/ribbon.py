"""The button boundary: from a ribbon click (or an xlwings Lite script) to a handler.

Desktop: every button of the "Reglo" tab calls the frozen VBA callback
``RibbonMyAddin.OnAction`` which runs
``RunPython "import reglo.addin.entrypoints.ribbon; reglo.addin.entrypoints.ribbon.dispatch('<tag>')"``.
xlwings Lite: each ``@script`` of ``addin/entrypoints/lite/main.py`` calls :func:`run` with the book
Lite injects.

Whatever happens, the user gets a short French message box (``app.alert``) and never a
Python traceback: an unknown tag, a :class:`~reglo.addin.shell.errors.UserError` (unusable input) or
a bug all end up as an alert, with the details in the log file (``reglo.log``).
"""
from __future__ import annotations

import logging
import sys
from typing import Any

from reglo.addin.shell.errors import explain, report_unexpected
from reglo.addin.shell.memory import small_pages
from reglo.addin.entrypoints.handlers import HandlerInfo, HandlerResult, load_all
from reglo.core.alerts import alert

log = logging.getLogger("reglo")

TITLE = "Reglo"
MAX_LISTED_ALERTS = 5  # alerts quoted in the message box; the rest are in the workbook


def dispatch(tag: str, book: Any = None) -> HandlerResult | None:
    """Entry point of the VBA callback: run the handler ``tag`` on the calling workbook."""
    if book is None:
        try:
            import xlwings as xw

            book = xw.Book.caller()
        except Exception:  # no workbook to talk to: the log is all we have
            log.exception("bouton %r : classeur appelant introuvable", tag)
            return None
    return run(tag, book)


def run(tag: str, book: Any) -> HandlerResult | None:
    """Run the handler registered under ``tag`` on ``book`` and report to the user.

    Returns the handler's result, or ``None`` when it could not run (the user was told why).
    Never raises.
    """
    try:
        handlers = load_all()
    except Exception as exc:
        log.exception("chargement des traitements")
        _show(book, _internal_error("chargement des traitements", exc), "critical")
        return None
    info = handlers.get(tag)
    if info is None:
        log.error("bouton inconnu : %r (traitements connus : %s)", tag, ", ".join(sorted(handlers)))
        message = alert("UNKNOWN_HANDLER", tag=tag, known=len(handlers)).message
        _show(book, message, "critical")
        return None
    if in_browser() and not info.browser:
        _show(book, alert("LITE_DESKTOP_ONLY", label=info.label, group=info.group).message, "critical", info)
        return None
    log.info("bouton %s : début", tag)
    small_pages()
    try:
        result = info.func(book)
    except Exception as exc:  # UserError, WorkbookError… explained; a bug logged
        log.exception("bouton %s : échec", tag)
        _show(book, _internal_error(info.label, exc), "critical", info)
        return None
    if not isinstance(result, HandlerResult):
        log.error("bouton %s : le traitement a renvoyé %r au lieu d'un HandlerResult", tag, type(result))
        _show(book, _internal_error(info.label, TypeError("résultat inattendu")), "critical", info)
        return None
    log.info("bouton %s : %s", tag, result.summary)
    _show(book, summary_message(result), "critical" if result.exit_code else "info", info)
    return result


def in_browser() -> bool:
    """True in xlwings Lite (Pyodide, WebAssembly): no dossier folder on disk, no register."""
    return sys.platform == "emscripten"


def summary_message(result: HandlerResult) -> str:
    """The French text of the end-of-run message box."""
    lines = [result.summary.strip()]
    if result.alerts:  # the summary already counts them: quote the first ones, blocking first
        lines.append("")
        ordered = sorted(result.alerts, key=lambda a: (not a.is_blocking, a.sheet or "", a.row or 0))
        for item in ordered[:MAX_LISTED_ALERTS]:
            where = item.where()
            lines.append(f"• {where + ' : ' if where else ''}{item.message}")
        if len(ordered) > MAX_LISTED_ALERTS:
            rest = len(ordered) - MAX_LISTED_ALERTS
            lines.append(f"… et {rest} autre{'s' if rest > 1 else ''} alerte{'s' if rest > 1 else ''}, signalée{'s' if rest > 1 else ''} dans le classeur.")
    if result.outputs:
        lines.append("")
        lines.append("Fichier(s) écrit(s) :")
        lines += [f"• {path}" for path in result.outputs]
    return "\n".join(lines)


def _internal_error(action: str, exc: BaseException) -> str:
    """The French message of the edge handler: known failures explained, a bug logged (the
    message names the log file, never a class name)."""
    return explain(exc) or f"{action} : {report_unexpected(exc)}"


def _show(book: Any, message: str, mode: str, info: HandlerInfo | None = None) -> None:
    title = f"{TITLE} — {info.label}" if info else TITLE
    try:
        book.app.alert(message, title=title, mode=mode)
    except Exception:  # the message box itself failed: keep the message in the log
        log.exception("impossible d'afficher le message : %s", message)
