"""``reglo debits lcr transfer|continue|unvalidate|reject CLASSEUR`` and ``reglo debits slip
CLASSEUR``: the LCR magnétique buttons and the remittance slips, on files.

Registered by ``commands/debits.py`` (a few lines) under its ``debits`` command; the work is in
``reglo.addin.shell.lcr``. Options given on the command line are written into the workbook's
« Paramètres LCR », so that the workbook tells what was run."""
from __future__ import annotations

import argparse
from pathlib import Path

from reglo.addin.entrypoints.commands._common import fix_clock, parse_date, print_alerts_and_outputs
from reglo.addin.shell.errors import UserError

MAX_SHOWN = 30
WORKBOOK_HELP = "classeur .xlsx « Prélèvements clients » (lignes en mode LCR de « Détail »)"


def _common(a: argparse.ArgumentParser) -> None:
    a.add_argument("workbook", metavar="CLASSEUR", help=WORKBOOK_HELP)
    a.add_argument("--dossier", default=None, metavar="DOSSIER", help="dossier de la société (dossier.xlsx, FEC, registre)")
    a.add_argument("--now", default=None, metavar="AAAA-MM-JJTHH:MM:SS", help="date et heure (par défaut : maintenant)")


def register(actions: argparse._SubParsersAction) -> None:
    """Add ``lcr`` and ``slip`` to the actions of ``reglo debits``."""
    text = "LCR magnétique (CFONB 160) : gestion des LCR, fichier, écritures, dévalidation, rejet"
    lcr = actions.add_parser("lcr", help=text, description=text + ". Le fichier est écrit par le protocole d'enregistrement du registre (jamais deux fois la même facture).")
    steps = lcr.add_subparsers(dest="lcr_action", metavar="ÉTAPE")
    steps.required = True
    helps = {
        "transfer": "« Transfert » : feuille « Gestion des LCR », une ligne par client (dates, Accept., Réf. Tiré / Tireur modifiables)",
        "preview": "« Aperçu » : le fichier tel qu'il serait écrit, relu, et le journal provisoire des écritures ; rien n'est écrit ni enregistré",
        "continue": "« Continuer » : fichier CFONB 160, écritures de trésorerie, registre, fichier relu, journal provisoire, bordereau",
        "unvalidate": "dévalider des lignes LCR ou prélevées (--kind) : la ligne en cours (--key), toutes les lignes d'un client (--customer) ou TOUS les clients (--yes --yes)",
        "reject": "rejet par la banque d'une remise entière : contre-passation, annulation au registre et des données d'encaissement",
    }
    for name, help_ in helps.items():
        a = steps.add_parser(name, help=help_, description=help_)
        _common(a)
        if name in ("transfer", "preview", "continue"):
            a.add_argument("--bank", default=None, metavar="JOURNAL", help="banque dossier qui reçoit la remise (code journal, ex. BQ1)")
            a.add_argument("--date", default=None, metavar="JJ/MM/AAAA", help="date de remise (en-tête du fichier, date de l'écriture)")
            a.add_argument("--reference", default=None, metavar="RÉF", help="référence de la remise (11 caractères ; par défaut L + AAMMJJ + numéro)")
            a.add_argument("--code-entree", default=None, choices=["1", "2", "3", "4"], help="1 escompte, 2 escompte en valeur, 3 encaissement (défaut), 4 encaissement à délai fixe")
            a.add_argument("--dailly", default=None, choices=["0", "1", "2", "3"], help="code Dailly (vide par défaut)")
            a.add_argument("--value-date", default=None, metavar="JJ/MM/AAAA", help="date de valeur (obligatoire avec les codes entrée 1 et 2)")
            a.add_argument("--lettering", dest="lettering", action="store_true", default=None, help="lettrer les factures réglées (N et N+1)")
            a.add_argument("--no-lettering", dest="lettering", action="store_false", help="ne pas lettrer")
            a.add_argument("--group", dest="group", action="store_true", default=None, help="une ligne d'écriture par tiers (défaut)")
            a.add_argument("--no-group", dest="group", action="store_false", help="une ligne d'écriture par facture")
            a.add_argument("--label", default=None, metavar="LIBELLÉ", help="libellé de contrepartie, 31 caractères ({DATE} {JOUR} {MOIS} {ANNEE} {PIECE} {RAISON_SOCIALE} {LIBELLE_COMPTE})")
            a.add_argument("--line-ending", default=None, choices=["CRLF", "AUCUN"], help="fin de ligne du fichier selon la banque")
            a.add_argument("--assign", dest="assign", action="store_true", default=None,
                           help="affectation des prélèvements : mode (LCR) et banques par défaut de la fiche tiers (option « Affectation des prélèvements »)")
            a.add_argument("--no-assign", dest="assign", action="store_false", help="pas d'affectation automatique")
        if name == "unvalidate":
            a.add_argument("--scope", required=True, choices=["ligne", "client", "tous"], help="ligne en cours, toutes les lignes du client, ou TOUS les clients")
            a.add_argument("--key", default=None, metavar="CLÉ", help="clé de la ligne (colonne Clé de « Détail ») pour --scope ligne")
            a.add_argument("--customer", default=None, metavar="CODE", help="code client pour --scope client")
            a.add_argument("--yes", action="count", default=0, help="confirmer ; --scope tous demande deux confirmations (--yes --yes)")
            a.add_argument("--kind", default="lcr", choices=["lcr", "prelevement", "tous"],
                           help="lignes remises en LCR (défaut), lignes prélevées (prelevement) ou les deux (tous)")
        if name == "reject":
            a.add_argument("--reference", required=True, metavar="RÉF", help="référence de la remise ou nom de son fichier")
            a.add_argument("--reason", default="rejet de la banque", metavar="MOTIF", help="motif du rejet")
        a.set_defaults(func=run_lcr)

    text = "bordereau d'accompagnement imprimable d'une remise de prélèvements ou de LCR (PDF par LibreOffice)"
    s = actions.add_parser("slip", help=text, description=text + ".")
    _common(s)
    s.add_argument("--kind", default="lcr", choices=["lcr", "prelevement"], help="remise de LCR (défaut) ou de prélèvements")
    s.add_argument("--reference", default=None, metavar="RÉF", help="référence ou nom de fichier de la remise (par défaut : la dernière)")
    s.add_argument("--pdf", action="store_true", help="exporter aussi le bordereau en PDF (LibreOffice requis)")
    s.set_defaults(func=run_slip)




def _values(args: argparse.Namespace) -> dict:
    from reglo.core.lcr.params import Keys

    v: dict = {}
    if getattr(args, "bank", None):
        v[Keys.JOURNAL] = args.bank.upper()
    if getattr(args, "date", None):
        v[Keys.REMITTANCE_DATE] = parse_date(args.date, "Date de remise")
    if getattr(args, "reference", None) and args.lcr_action != "reject":
        v[Keys.REMITTANCE_REF] = args.reference
    if getattr(args, "code_entree", None):
        v[Keys.COLLECTION_OPTION] = args.code_entree
    if getattr(args, "dailly", None):
        v[Keys.DAILLY] = args.dailly
    if getattr(args, "value_date", None):
        v[Keys.VALUE_DATE] = parse_date(args.value_date, "Date de valeur")
    if getattr(args, "lettering", None) is not None:
        v[Keys.LETTERING] = "Oui" if args.lettering else "Non"
    if getattr(args, "group", None) is not None:
        v[Keys.GROUP] = "Oui" if args.group else "Non"
    if getattr(args, "label", None) is not None:
        v[Keys.LABEL] = args.label
    if getattr(args, "line_ending", None):
        v[Keys.LINE_ENDING] = args.line_ending
    return v


def _open(args: argparse.Namespace):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import debits as sd

    path = Path(args.workbook)
    if path.exists() and path.is_dir():
        raise UserError(f"{path} est un dossier : indiquez le classeur .xlsx « Prélèvements clients ».")
    book = FileWorkbook(path, create=not path.exists())
    options = {"Dossier": str(Path(args.dossier).resolve())} if args.dossier else {}
    if getattr(args, "assign", None) is not None:
        options["Affectation des prélèvements"] = "Oui" if args.assign else "Non"
    sd.ensure_workbook(book, options or None)
    return book


def _finish(book, result) -> int:
    book.save()
    print(result.summary)
    print_alerts_and_outputs(result.alerts, result.outputs, limit=MAX_SHOWN, see="les feuilles du classeur")
    return result.exit_code


def run_lcr(args: argparse.Namespace) -> int:
    from reglo.addin.backends.sheets import WorkbookError
    from reglo.addin.shell import lcr as sl

    fix_clock(args.now)
    try:
        values = _values(args)
        book = _open(args)
        sl.ensure_params(book, values)
        if args.lcr_action == "transfer":
            result = sl.transfer_lcr(book, dossier=args.dossier)
        elif args.lcr_action == "preview":
            result = sl.preview_lcr(book, dossier=args.dossier)
        elif args.lcr_action == "continue":
            result = sl.continue_lcr(book, dossier=args.dossier)
        elif args.lcr_action == "unvalidate":
            result = sl.unvalidate(book, args.scope, party=args.customer or "", key=args.key or "", confirmations=args.yes, kind=args.kind,
                                    dossier=args.dossier)
        else:
            result = sl.reject(book, reference=args.reference, reason=args.reason, dossier=args.dossier)
        return _finish(book, result)
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc


def run_slip(args: argparse.Namespace) -> int:
    from reglo.addin.backends.sheets import WorkbookError
    from reglo.addin.shell import lcr as sl

    fix_clock(args.now)
    try:
        book = _open(args)
        result = sl.slip(book, kind=args.kind, reference=args.reference, pdf=args.pdf, dossier=args.dossier)
        return _finish(book, result)
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
