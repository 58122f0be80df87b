"""What several sub-commands share: a command with required actions, the output folder
check, the printed alerts and written files. Not a command itself (the leading ``_`` keeps
``reglo.addin.entrypoints.cli`` from looking for ``register`` here)."""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Sequence

from reglo.addin.shell.errors import UserError


def command_with_actions(subparsers: argparse._SubParsersAction, name: str, *, help: str, description: str, dest: str = "action") -> argparse._SubParsersAction:
    """``reglo NAME ACTION …``: the command's parser and its (required) action sub-parsers."""
    parser = subparsers.add_parser(name, help=help, description=description)
    actions = parser.add_subparsers(dest=dest, metavar="ACTION")
    actions.required = True
    return actions


def output_folder(text: str) -> Path:
    """The ``--out`` folder: refused when a file of that name is in the way."""
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} existe et n'est pas un dossier : choisissez un autre --out.")
    return folder


def print_alerts_and_outputs(alerts: Sequence, outputs: Iterable, *, limit: int, see: str) -> None:
    """The first ``limit`` alerts, how many more and where to ``see`` them, the files written."""
    for a in alerts[:limit]:
        print(f"  {a}")
    if len(alerts) > limit:
        print(f"  … et {len(alerts) - limit} autre(s) alerte(s) : voir {see}.")
    for out in outputs:
        print(f"Fichier écrit : {out}")
    sys.stdout.flush()


def parse_date(text: str, what: str) -> date:
    """A date typed on the command line (jj/mm/aaaa, or what a cell accepts), else a French error."""
    from reglo.core.dossier import cell_date

    try:
        return cell_date(text)
    except ValueError as exc:
        raise UserError(f"{what} « {text} » illisible : jj/mm/aaaa attendu.") from exc


def parse_now(now_option: str | None) -> datetime | None:
    """``--now AAAA-MM-JJTHH:MM:SS`` read (None when absent); a clear French error otherwise."""
    if not now_option:
        return None
    try:
        return datetime.fromisoformat(now_option)
    except ValueError as exc:
        raise UserError(f"--now « {now_option} » illisible : AAAA-MM-JJTHH:MM:SS attendu.") from exc


def fix_clock(now_option: str | None) -> None:
    """``--now AAAA-MM-JJTHH:MM:SS``: the collection shells' clock fixed at that moment (demo,
    tests, a run dated after the fact)."""
    fixed = parse_now(now_option)
    if fixed is None:
        return
    from reglo.addin.shell import debits as sd

    sd.now = lambda: fixed
