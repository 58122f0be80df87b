"""The ``reglo`` command line: the same handlers as the ribbon, run on .xlsx / FEC files.

Sub-commands live in ``addin/commands/*.py``; each module defines ``register(subparsers)``
and sets ``func`` on its parser(s). ``func(args) -> int`` returns the exit code:
0 no blocking alert, 1 blocking alerts remain, 2 unusable input.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from typing import Sequence

from reglo.addin.entrypoints import argparse_fr
from reglo.addin.shell.errors import explain as explain_known, user_message
from reglo.addin.shell.memory import small_pages

EXIT_OK, EXIT_BLOCKING, EXIT_UNUSABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    argparse_fr.install()
    parser = argparse.ArgumentParser(
        prog="reglo",
        description="Reglo — règlements, lettrage, virements et prélèvements SEPA, imports d'écritures, depuis Excel.",
        epilog="Codes de sortie : 0 = aucune alerte bloquante, 1 = alertes bloquantes, 2 = entrée inutilisable.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")
    sub.required = True
    import reglo.addin.entrypoints.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared helpers (``_common``), not commands
            continue
        module = importlib.import_module(f"reglo.addin.entrypoints.commands.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_console()
    parser = build_parser()
    small_pages()  # NumPy is imported by now (the commands' modules): no cost of its own
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's final flush
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # the edge handler: a French message, never a class name or a traceback
        if explain_known(exc) is None:
            logging.getLogger("reglo").exception("erreur interne")
        print(f"Erreur : {user_message(exc, dossier=getattr(args, 'dossier', None))}", file=sys.stderr)
        return EXIT_UNUSABLE


def _closed_pipe() -> int:
    """The reader of our output went away (``reglo fec check F | head -1``): stop quietly.

    Python flushes stdout again at exit, which would raise once more; pointing stdout at
    devnull avoids it (recipe of the ``signal`` module documentation)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests, IDE)
        pass
    return EXIT_OK


def _utf8_console() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass


def entry() -> None:
    """The process's entry point (the ``reglo`` console script, ``python -m
    reglo.addin.entrypoints.cli``): ``main``, then the process ends without the interpreter's
    teardown.

    After a big run the teardown frees every object one by one (a lettering of a 750,000-line
    ledger: about 0.3 s of the user's wait) to hand memory back to a system that takes it back
    anyway. Everything a command writes is already committed by then (the commit protocol
    fsyncs and closes its files and register), so the output streams and the log handlers are
    flushed here and the process exits at once. ``main`` itself returns normally: the tests and
    the add-in call it in-process."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said there
            pass
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
