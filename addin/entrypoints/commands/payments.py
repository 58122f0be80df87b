"""``reglo payments check|import|from-fec WORKBOOK --dossier DIR``: the « Règlements
clients » buttons on files."""
from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path

from reglo.addin.entrypoints.commands._common import command_with_actions, print_alerts_and_outputs
from reglo.addin.shell.errors import UserError

MAX_SHOWN = 30
PROGRESS_FROM_BYTES = 1_000_000  # a progress bar (stderr, terminal only) from this workbook size


def register(sub: argparse._SubParsersAction) -> None:
    actions = command_with_actions(sub, "payments", help="règlements clients : contrôle et import du modèle Excel, import depuis la comptabilité",
                                   description="Contrôle et import des règlements clients (modèle « Import règlements clients »).")
    for name, helptext in (("check", "contrôler le classeur (cellules en rouge/jaune, feuille « Contrôle »)"),
                           ("import", "importer les lignes sans alerte bloquante (registre, synthèse chantiers, écritures)"),
                           ("from-fec", "importer les règlements depuis les journaux de banque d'un FEC (une ligne par facture)")):
        a = actions.add_parser(name, help=helptext, description=helptext)
        a.add_argument("workbook", metavar="WORKBOOK", help="classeur .xlsx (modèle « Import règlements clients » ; créé s'il n'existe pas pour from-fec)")
        a.add_argument("--dossier", required=True, metavar="DIR", help="dossier de la société (dossier.xlsx, FEC, registre)")
        a.add_argument("--today", metavar="AAAA-MM-JJ", help="date du jour pour les contrôles (par défaut : aujourd'hui)")
        if name == "from-fec":
            a.add_argument("--fec", metavar="FICHIER", help="FEC à lire (par défaut : le FEC du dossier)")
        if name in ("check", "import"):
            a.add_argument("--openpyxl", action="store_true", help="peindre avec openpyxl au lieu de l'écriture rapide (plus lent)")
        a.set_defaults(func=run)


def _today(args: argparse.Namespace) -> date:
    if not args.today:
        return date.today()
    try:
        return date.fromisoformat(args.today)
    except ValueError as exc:
        raise UserError(f"Date --today invalide « {args.today} » : format AAAA-MM-JJ attendu.") from exc


def run(args: argparse.Namespace) -> int:
    from reglo.addin.shell import payments as ap
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError

    try:
        dossier = ap.PaymentsDossier.load(args.dossier)
    except (ImportError, FileNotFoundError) as exc:
        raise UserError(f"Dossier illisible : {args.dossier} ({exc}).") from exc
    path = Path(args.workbook)
    today = _today(args)
    now = datetime.now().replace(microsecond=0)
    if args.action != "from-fec" and not path.exists():
        raise UserError(f"Classeur introuvable : {path}.")
    from reglo.addin.backends.progress import Progress

    big = path.is_file() and path.stat().st_size >= PROGRESS_FROM_BYTES
    bar = Progress(f"Règlements — {path.name}", total=4, enabled=None if big else False)  # stderr, on a terminal only
    try:
        if args.action == "check" and not args.openpyxl:
            run_ = ap.check_file(path, dossier, today=today, progress=bar)
        elif args.action == "import":
            # fast backend on big files, openpyxl else or as a fallback (an import is committed once: safe to retry)
            run_ = ap.import_file(path, dossier, today=today, now=now, engine="openpyxl" if args.openpyxl else "auto", progress=bar)
        else:
            bar.phase(f"Règlements — lecture de {path.name}".ljust(60))
            book = FileWorkbook(path, create=args.action == "from-fec")
            if args.action == "check":
                run_ = ap.check_payments(book, dossier, today=today)
            elif args.action == "import":
                # committed through the register first; the workbook is saved after
                run_ = ap.import_payments(book, dossier, today=today, now=now, file_name=path.name, save_book=True)
            else:
                frame, name = ap.read_ledger(dossier, args.fec)
                run_ = ap.import_from_ledger(book, dossier, frame, now=now, file_name=name)
            if args.action != "import" or run_.batch_id is None:
                book.save()
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    finally:
        bar.close()
    for line in run_.summary:
        print(line)
    print_alerts_and_outputs(run_.alerts, run_.outputs, limit=MAX_SHOWN, see=f"la feuille « Contrôle » de {path.name}")
    blocking = any(a.is_blocking for a in run_.alerts)
    return 1 if blocking else 0
