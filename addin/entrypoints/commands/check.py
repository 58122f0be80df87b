"""``reglo check WORKBOOK [--out FILE]``: check the workbook's known sheets and paint the
alerts (red/yellow cells with notes, « Contrôle » sheet).

Saves in place by default (atomically: the file is replaced only once fully written), or
to ``--out``. Exit codes: 0 no blocking alert, 1 blocking alerts remain, 2 unusable input.
"""
from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from reglo.core.alerts import Severity

from typing import Any

from reglo.addin.shell.errors import UserError
from reglo.addin.backends.fastbook import UnsupportedWorkbook, open_book
from reglo.addin.backends.sheets import WorkbookError

MAX_PRINTED = 30
_EXTENSIONS = (".xlsx", ".xlsm")
PROGRESS_FROM_BYTES = 1_000_000  # progress bar on a terminal from this file size on (about 15 000 lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check",
        help="contrôler un classeur (feuille « Écritures »…) et y peindre les alertes",
        description=(
            "Contrôle les feuilles connues du classeur (« Écritures » en colonnes FEC, et les feuilles "
            "des autres traitements), colore en rouge (bloquant) ou jaune (avertissement) les cellules "
            "en cause avec une note explicative, et écrit la feuille « Contrôle ». Relancer après "
            "correction efface les anciennes marques."
        ),
    )
    p.add_argument("workbook", metavar="CLASSEUR", help="classeur .xlsx à contrôler")
    p.add_argument("--out", metavar="FICHIER", help="écrire le classeur annoté dans ce fichier (par défaut : le classeur lui-même)")
    p.add_argument(
        "--moteur",
        choices=("auto", "rapide", "openpyxl"),
        default="auto",
        help="« rapide » lit avec calamine et ne réécrit que les cellules modifiées (gros classeurs) ; "
        "« openpyxl » recharge tout le classeur ; « auto » (défaut) choisit « rapide » à partir de 1 Mo",
    )
    p.set_defaults(func=run)


def open_workbook(path: Path, engine: str = "openpyxl") -> Any:
    if not path.exists():
        raise UserError(f"Classeur introuvable : {path}.")
    if path.is_dir():
        raise UserError(f"{path} est un dossier, pas un classeur .xlsx.")
    if path.suffix.lower() not in _EXTENSIONS:
        raise UserError(f"{path.name} n'est pas un classeur Excel .xlsx (extension « {path.suffix or 'aucune'} »). Enregistrez-le au format .xlsx dans Excel.")
    if path.stat().st_size == 0:
        raise UserError(f"Le fichier {path.name} est vide (0 octet) : ce n'est pas un classeur utilisable.")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path.name} n'est pas un classeur .xlsx lisible (fichier tronqué, protégé par mot de passe ou d'un autre format). Rouvrez-le dans Excel et enregistrez-le au format .xlsx.")
    try:
        return open_book(path, engine)  # « auto »: the fast backend from 1 MB on
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args, args.moteur)
    except UnsupportedWorkbook:
        if args.moteur == "openpyxl":
            raise
        return _run(args, "openpyxl")  # a layout the fast backend does not patch


def _run(args: argparse.Namespace, engine: str) -> int:
    path = Path(args.workbook)
    out = Path(args.out) if args.out else path
    if out.suffix.lower() not in _EXTENSIONS:
        raise UserError(f"Le fichier de sortie {out.name} doit avoir l'extension .xlsx.")
    from reglo.addin.backends.progress import Progress

    big = path.is_file() and path.stat().st_size >= PROGRESS_FROM_BYTES
    with Progress(f"Contrôle de {path.name}", total=3, enabled=None if big else False) as bar:
        bar.phase(f"Contrôle de {path.name} : lecture du classeur".ljust(70))
        book = open_workbook(path, engine)
        bar.update()
        result = _check_and_save(book, path, out, bar)
    print(result.summary)
    alerts = sorted(result.alerts, key=lambda a: (a.severity is not Severity.BLOCKING, a.sheet or "", a.row or 0))
    for a in alerts[:MAX_PRINTED]:
        print(f"  {a}")
    if len(alerts) > MAX_PRINTED:
        print(f"  … et {len(alerts) - MAX_PRINTED} autres alertes : voir la feuille « Contrôle » de {out.name}.")
    print(f"Classeur annoté : {out}")
    sys.stdout.flush()
    return result.exit_code


def _check_and_save(book: Any, path: Path, out: Path, bar: Any) -> Any:
    from reglo.addin.shell.checks import checks_for
    from reglo.addin.entrypoints.handlers.check import check

    try:
        found = checks_for(book)
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    if not found:
        from reglo.addin.shell.checks import SHEET_CHECKS

        names = ", ".join(f"« {n} »" for n in book.sheet_names()) or "aucune"
        known = ", ".join(f"« {r.sheet} »" for r in SHEET_CHECKS.values())
        raise UserError(f"Rien à contrôler dans {path.name} : aucune des feuilles présentes ({names}) n'est une feuille que Reglo sait contrôler ({known}).")
    bar.phase(f"Contrôle de {path.name} : contrôles et marquage des cellules".ljust(70))
    try:
        result = check(book)
    except UnsupportedWorkbook:
        raise
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    bar.update()
    bar.phase(f"Contrôle de {path.name} : enregistrement".ljust(70))
    try:
        book.save(out)
    except UnsupportedWorkbook:
        raise
    except PermissionError as exc:
        raise UserError(f"Impossible d'écrire {out} : le fichier est peut-être ouvert dans Excel. Fermez-le puis relancez.") from exc
    bar.update()
    return result
