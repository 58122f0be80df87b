"""``reglo transfers import|show|generate|cancel``: the « Virements fournisseurs » buttons on files.

Options given on the command line are written into the « Paramètres virements » sheet of
the workbook (created when missing), so that the workbook always tells what was run.
"""
from __future__ import annotations

import argparse
import calendar
import re
from datetime import date, datetime
from pathlib import Path

from reglo.addin.entrypoints.commands._common import command_with_actions, parse_now, print_alerts_and_outputs
from reglo.addin.shell.errors import UserError

MAX_SHOWN = 30


def register(sub: argparse._SubParsersAction) -> None:
    actions = command_with_actions(sub, "transfers", help="virements fournisseurs : import des lignes non lettrées, fichier SEPA pain.001, écritures",
                                   description="Virements fournisseurs SEPA depuis les écritures non lettrées du dossier.")
    helps = {
        "import": "importer les lignes non lettrées dans « Prévisualisation virements »",
        "show": "réafficher la prévisualisation sans réimporter (modifications conservées)",
        "generate": "générer le fichier SEPA validé, l'enregistrer au registre, écrire « Virements » et « Écritures »",
        "cancel": "annuler un fichier dans le registre (rejet de la banque) : ses factures redeviennent payables",
    }
    for name, text in helps.items():
        a = actions.add_parser(name, help=text, description=text)
        if name == "cancel":
            a.add_argument("reference", metavar="FICHIER", help="nom du fichier (VIR….xml), référence MsgId ou numéro de lot du registre")
            a.add_argument("--reason", default=None, help="motif (ex. « rejet banque du 03/04/2023 »)")
            a.add_argument("--workbook", default=None, metavar="CLASSEUR", help="classeur des virements (facultatif)")
        else:
            a.add_argument("workbook", metavar="CLASSEUR", help="classeur .xlsx des virements (créé s'il n'existe pas pour import)")
        a.add_argument("--dossier", default=None, metavar="DOSSIER", help="dossier de la société (dossier.xlsx, FEC, registre)")
        a.add_argument("--now", default=None, metavar="AAAA-MM-JJTHH:MM:SS", help="date et heure de génération (par défaut : maintenant)")
        if name in ("import", "generate"):
            a.add_argument("--period", default=None, metavar="PÉRIODE", help="période des échéances : 2023-03, 2023, ou 01/03/2023:31/03/2023")
            a.add_argument("--debits", dest="debits", action="store_true", default=None, help="importer les débits non lettrés (en négatif)")
            a.add_argument("--no-debits", dest="debits", action="store_false", help="ne pas importer les débits non lettrés")
            a.add_argument("--journals", default=None, metavar="AC,HA", help="journaux des factures (vide = tous)")
            a.add_argument("--roots", default=None, metavar="421,467", help="racines des comptes autres que fournisseurs")
            a.add_argument("--version", default=None, choices=["09", "03", "pain.001.001.09", "pain.001.001.03"], help="version du fichier (09 par défaut)")
            a.add_argument("--execution-date", default=None, metavar="JJ/MM/AAAA", help="date d'exécution demandée")
            a.add_argument("--booking", default=None, choices=["globale", "unitaire"], help="remise globale (une ligne au relevé) ou unitaire")
            a.add_argument("--iban", default=None, help="IBAN de la banque émettrice")
            a.add_argument("--bic", default=None, help="BIC de la banque émettrice")
        if name == "generate":
            a.add_argument("--out", default=None, metavar="DOSSIER", help="où écrire le fichier SEPA (par défaut : <dossier>/virements)")
        a.set_defaults(func=run)


def parse_period(text: str) -> tuple[date, date]:
    """``2023-03`` (month), ``2023`` (year), ``A:B`` with dates jj/mm/aaaa or aaaa-mm-jj."""
    from reglo.core.transfers.params import parse_date

    t = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t) or re.fullmatch(r"(\d{1,2})/(\d{4})", t)
    try:
        if m:
            y, mth = (int(m.group(1)), int(m.group(2))) if len(m.group(1)) == 4 else (int(m.group(2)), int(m.group(1)))
            return date(y, mth, 1), date(y, mth, calendar.monthrange(y, mth)[1])
        if re.fullmatch(r"\d{4}", t):
            return date(int(t), 1, 1), date(int(t), 12, 31)
        if ":" in t:
            a, b = t.split(":", 1)
            return parse_date(a), parse_date(b)
    except ValueError:
        pass
    raise UserError(f"Période « {text} » illisible : écrivez 2023-03, 2023 ou 01/03/2023:31/03/2023.")


def _values(args: argparse.Namespace) -> dict:
    from reglo.core.transfers.params import parse_date

    v: dict = {}
    if getattr(args, "dossier", None):
        v["Dossier"] = str(Path(args.dossier).resolve())
    if getattr(args, "period", None):
        v["Période du"], v["Période au"] = parse_period(args.period)
    if getattr(args, "debits", None) is not None:
        v["Importer les débits non lettrés"] = "Oui" if args.debits else "Non"
    if getattr(args, "journals", None) is not None:
        v["Journaux"] = args.journals
    if getattr(args, "roots", None) is not None:
        v["Racines des comptes (autres que fournisseurs)"] = args.roots
    if getattr(args, "version", None):
        v["Version"] = args.version if args.version.startswith("pain") else f"pain.001.001.{args.version}"
    if getattr(args, "execution_date", None):
        try:
            v["Date d'exécution demandée"] = parse_date(args.execution_date)
        except ValueError as exc:
            raise UserError(f"Date d'exécution « {args.execution_date} » illisible : jj/mm/aaaa attendu.") from exc
    if getattr(args, "booking", None):
        v["Remise"] = args.booking.capitalize()
    if getattr(args, "iban", None):
        v["Banque émettrice : IBAN"] = args.iban
    if getattr(args, "bic", None):
        v["Banque émettrice : BIC"] = args.bic
    return v


def _name_the_period_option(result):
    """On the command line, a missing period is the --period option: say so, with examples."""
    from reglo.core.alerts import alert

    missing = [a for a in result.alerts if a.code.value == "TRANSFER_PARAM_MISSING" and "Période" in a.message]
    if not missing:
        return result
    alerts = [alert("TRANSFER_PERIOD_OPTION")] + [a for a in result.alerts if a not in missing]
    return type(result)(result.summary, alerts, list(result.outputs))


def run(args: argparse.Namespace) -> int:
    from reglo.addin.shell import transfers as at
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError

    fixed = parse_now(args.now)
    if fixed is not None:
        at.now = lambda: fixed
    try:
        if args.action == "cancel":
            book = FileWorkbook(args.workbook) if args.workbook else None
            result = at.cancel_transfer_file(book, reference=args.reference, reason=args.reason, dossier=args.dossier)
            if book is not None:
                book.save()
        else:
            path = Path(args.workbook)
            if args.action != "import" and not path.exists():
                raise UserError(f"Classeur introuvable : {path}. Lancez d'abord « reglo transfers import {path} … ».")
            book = FileWorkbook(path, create=args.action == "import")
            values = _values(args)
            if args.action in ("import", "generate"):
                at.ensure_params_sheet(book, values)
            if args.action == "import":
                result = at.import_transfers(book, dossier=args.dossier)
            elif args.action == "show":
                result = at.show_transfers(book, dossier=args.dossier)
            else:
                # committed through the register first; the workbook is saved after (never un-pays)
                result = at.generate_transfers(book, dossier=args.dossier, out_dir=args.out, save_book=True)
            if args.action != "generate" or not result.outputs:
                book.save()
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    if args.action in ("import", "generate") and not getattr(args, "period", None):
        result = _name_the_period_option(result)
    print(result.summary)
    print_alerts_and_outputs(result.alerts, result.outputs, limit=MAX_SHOWN, see="la feuille « Contrôle »")
    return result.exit_code
