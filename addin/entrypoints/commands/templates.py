"""``reglo templates [--out DIR]``: write every Excel template (« Dossier Reglo.xlsx », …)."""
from __future__ import annotations

import argparse
import sys

from reglo.addin.entrypoints.commands._common import output_folder
from reglo.addin.shell.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "templates",
        help="écrire les modèles de classeurs (dossier, imports…)",
        description="Écrit tous les modèles de classeurs Reglo dans le dossier choisi (par défaut : le dossier courant). Les fichiers existants du même nom sont remplacés.",
    )
    p.add_argument("--out", metavar="DOSSIER", default=".", help="dossier de sortie (par défaut : le dossier courant)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, *, out=None) -> int:
    from reglo.workbook_templates import build_all

    out = out or sys.stdout
    folder = output_folder(args.out)
    try:
        paths = build_all(folder)
    except PermissionError as exc:
        raise UserError(f"Impossible d'écrire dans {folder} ({exc.strerror or exc}) : le fichier est peut-être ouvert dans Excel.") from exc
    print(f"{len(paths)} modèle(s) écrit(s) dans {folder.resolve()} :", file=out)
    for path in paths:
        print(f"  {path.name}", file=out)
    return 0
