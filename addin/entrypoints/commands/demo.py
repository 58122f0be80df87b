"""``reglo demo [--out DIR]``: write the demo dossier and run every workflow on it.

Runs the steps of ``reglo.addin.entrypoints.demo_steps`` in ``ORDER`` (the dossier first), prints a French
summary. A failing step is reported and the others still run; it counts as a blocking
problem (exit 1) so that CI notices. Exit codes: 0 nothing blocking, 1 blocking alerts
left (or a step failed), 2 the dossier itself could not be written.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

from reglo.addin.entrypoints.commands._common import output_folder
from reglo.addin.shell.errors import UserError, log_path

DEFAULT_OUT = "reglo_demo"
TITLE = "Reglo — dossier de démonstration"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="écrire le dossier de démonstration et y exécuter tous les traitements",
        description=(
            "Génère le dossier de démonstration (Batiroc Construction SAS, exercice 2025 : "
            "dossier.xlsx, FEC, registre des paiements) puis exécute chaque traitement disponible "
            "sur ce dossier et affiche un résumé."
        ),
    )
    p.add_argument("--out", metavar="DOSSIER", default=DEFAULT_OUT, help=f"dossier de sortie (par défaut : {DEFAULT_OUT})")
    p.set_defaults(func=run)


def _step_name(module) -> str:
    return getattr(module, "TITLE", None) or module.__name__.rsplit(".", 1)[-1]


def run(args: argparse.Namespace, *, out=None) -> int:
    from reglo.addin.entrypoints.demo_steps import DemoContext, steps

    out = out or sys.stdout
    folder = output_folder(args.out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Impossible de créer le dossier {folder} ({exc.strerror or exc}).") from exc
    ctx = DemoContext(out_dir=folder)
    print(f"{TITLE} → {folder.resolve()}", file=out)
    failed: list[str] = []
    for module in steps():  # each step's lines are printed as soon as it ends: that is the progress
        started = time.monotonic()
        try:
            lines = module.run(ctx) or []
        except Exception as exc:  # a step's bug must not hide the other steps
            logging.getLogger("reglo").exception("étape de démonstration %s", module.__name__)
            name = _step_name(module)
            failed.append(name)
            print(f"  ✗ Étape « {name} » en échec : {type(exc).__name__} : {exc} (détail dans {log_path()}).", file=out)
            if getattr(module, "ORDER", None) == 0:
                print("Le dossier de démonstration n'a pas pu être écrit : les autres étapes ne peuvent pas s'exécuter.", file=out)
                return 2
            ctx.blocking += 1
            continue
        for line in lines:
            print(f"  {line}", file=out)
        logging.getLogger("reglo").info("demo step %s: %.1f s", module.__name__, time.monotonic() - started)
    if failed:
        print(f"Étapes en échec : {', '.join(failed)}.", file=out)
    if ctx.blocking:
        print(f"Résultat : {ctx.blocking} alerte(s) bloquante(s) ou étape(s) en échec.", file=out)
        return 1
    print("Résultat : aucune alerte bloquante.", file=out)
    return 0
