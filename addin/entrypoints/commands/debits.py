"""``reglo debits prepare|check|preview|generate|action CLASSEUR``: the « Prélèvements » buttons
on files (customer direct debits, pain.008).

Options given on the command line are written into the « Options » sheet of the workbook
(created when missing), so that the workbook always tells what was run.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from reglo.addin.entrypoints.commands._common import command_with_actions, fix_clock, parse_date, print_alerts_and_outputs
from reglo.addin.shell.errors import UserError

MAX_SHOWN = 30


def register(sub: argparse._SubParsersAction) -> None:
    actions = command_with_actions(sub, "debits", help="prélèvements clients : affectation, contrôles, fichier SEPA pain.008, écritures, lettrage",
                                   description="Prélèvements clients SEPA (CORE et B2B) depuis les factures non lettrées du dossier.")
    helps = {
        "prepare": "contrôler les comptes clients puis écrire la feuille des clients, « Détail », « Répartition » et les éditions",
        "check": "contrôler les comptes clients et les banques (« Édition des erreurs », « Édition compte sans tiers »)",
        "preview": "aperçu : lignes non affectées (--mode Aucun) ou contenu exact du fichier de prélèvement relu depuis le XML",
        "generate": "générer le fichier pain.008 validé, les écritures de trésorerie, le lettrage, et l'enregistrer au registre",
        "action": "actions d'affectation : ne-pas-regler, changer-banque, retirer-tout, appliquer-a-tous, retirer-ligne",
    }
    for name, text in helps.items():
        a = actions.add_parser(name, help=text, description=text)
        a.add_argument("workbook", metavar="CLASSEUR", help="classeur .xlsx « Prélèvements clients » (créé s'il n'existe pas)")
        a.add_argument("--dossier", default=None, metavar="DOSSIER", help="dossier de la société (dossier.xlsx, FEC, registre)")
        a.add_argument("--now", default=None, metavar="AAAA-MM-JJTHH:MM:SS", help="date et heure (par défaut : maintenant)")
        a.add_argument("--bank", default=None, metavar="JOURNAL", help="banque dossier qui prélève (code journal, ex. BQ1)")
        a.add_argument("--from", dest="date_from", default=None, metavar="JJ/MM/AAAA", help="choix de la date : factures à partir du")
        a.add_argument("--until", default=None, metavar="JJ/MM/AAAA", help="choix de la date : liste des règlements jusqu'au")
        a.add_argument("--assign", dest="assign", action="store_true", default=None, help="affectation des prélèvements (mode et banques par défaut)")
        a.add_argument("--no-assign", dest="assign", action="store_false", help="pas d'affectation automatique")
        if name in ("generate", "preview", "prepare"):
            a.add_argument("--date", default=None, metavar="JJ/MM/AAAA", help="date de prélèvement demandée (reportée selon le délai de la banque)")
            a.add_argument("--horizon", default=None, type=int, metavar="JOURS",
                           help="horizon de la banque : jours calendaires avant la date de prélèvement où la remise est acceptée (14 par défaut)")
            a.add_argument("--booking", default=None, choices=["global", "unitaire"], help="comptabilisation globale (une ligne par lot) ou unitaire")
            a.add_argument("--version", default=None, choices=["08", "02", "pain.008.001.08", "pain.008.001.02"], help="version du fichier (08 par défaut)")
            a.add_argument("--scheme", default=None, choices=["CORE", "B2B"], help="schéma (par défaut : celui du mandat)")
            a.add_argument("--test", dest="test", action="store_true", default=None, help="fichier de test (TEST…, rien n'est prélevé ni lettré)")
            a.add_argument("--no-test", dest="test", action="store_false", help="fichier réel")
            a.add_argument("--label", default=None, metavar="LIBELLÉ", help="libellé ({DATE} {JOUR} {MOIS} {ANNEE} {PIECE} {RAISON_SOCIALE} {LIBELLE_COMPTE})")
            a.add_argument("--mode", default="Prélèvement", help="mode de l'aperçu : Prélèvement (par défaut) ou Aucun")
        if name == "action":
            a.add_argument("name", metavar="ACTION", choices=["ne-pas-regler", "changer-banque", "retirer-tout", "appliquer-a-tous", "retirer-ligne"],
                           help="l'action à appliquer")
            a.add_argument("--customers", default=None, metavar="C001,C002", help="clients (par défaut : ceux marqués dans la colonne Sél.)")
            a.add_argument("--to-bank", default=None, metavar="JOURNAL", help="nouvelle banque dossier (changer-banque, appliquer-a-tous)")
            a.add_argument("--to-mode", default=None, metavar="MODE", help="mode (appliquer-a-tous)")
            a.add_argument("--key", default=None, metavar="CLÉ", help="clé de la ligne (retirer-ligne)")
            a.add_argument("--yes", action="store_true", help="confirmer (retirer-tout)")
        a.set_defaults(func=run)
    from reglo.addin.entrypoints.commands._lcr import register as register_lcr  # LCR magnétique and slips (issue 15)

    register_lcr(actions)




def _values(args: argparse.Namespace) -> dict:
    v: dict = {}
    if args.dossier:
        v["Dossier"] = str(Path(args.dossier).resolve())
    if args.bank:
        v["Banque dossier"] = args.bank.upper()
    if args.date_from:
        v["Date début"] = parse_date(args.date_from, "Date")
    if args.until:
        v["Liste des règlements jusqu'au"] = parse_date(args.until, "Date")
    if args.assign is not None:
        v["Affectation des prélèvements"] = "Oui" if args.assign else "Non"
    if getattr(args, "date", None):
        v["Date de prélèvement"] = parse_date(args.date, "Date de prélèvement")
    if getattr(args, "horizon", None) is not None:
        v["Horizon de la banque (jours)"] = args.horizon
    if getattr(args, "booking", None):
        v["Comptabilisation"] = args.booking.capitalize()
    if getattr(args, "version", None):
        v["Version"] = args.version if args.version.startswith("pain") else f"pain.008.001.{args.version}"
    if getattr(args, "scheme", None):
        v["Schéma"] = args.scheme
    if getattr(args, "test", None) is not None:
        v["Génération d'un fichier test"] = "Oui" if args.test else "Non"
    if getattr(args, "label", None) is not None:
        v["Libellé"] = args.label
    return v


def run(args: argparse.Namespace) -> int:
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError
    from reglo.addin.shell import debits as sd

    fix_clock(args.now)
    try:
        book = FileWorkbook(Path(args.workbook), create=not Path(args.workbook).exists())
        sd.ensure_workbook(book, _values(args))
        if args.action == "prepare":
            result = sd.prepare_debits(book, dossier=args.dossier)
        elif args.action == "check":
            result = sd.check_debits(book, dossier=args.dossier)
        elif args.action == "preview":
            result = sd.preview_debits(book, mode=args.mode, dossier=args.dossier)
        elif args.action == "generate":
            result = sd.generate_debits(book, dossier=args.dossier)
        else:
            customers = [c.strip() for c in args.customers.split(",") if c.strip()] if args.customers else None
            result = sd.action_debits(book, args.name, customers=customers, bank=args.to_bank, mode=args.to_mode, key=args.key, confirm=args.yes,
                                      dossier=args.dossier)
        book.save()
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    print(result.summary)
    print_alerts_and_outputs(result.alerts, result.outputs, limit=MAX_SHOWN, see="la feuille « Édition des erreurs »")
    return result.exit_code
