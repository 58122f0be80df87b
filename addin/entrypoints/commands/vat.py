"""``reglo vat receipts CLASSEUR``: TVA sur encaissements (CA3 cadre A / B) and the payment
data of e-invoicing (status 212 « Encaissée »): the sheets and the CSV « Données
d'encaissement » of every receipt the dossier's register knows (direct debits, LCR, with the
cancellations of rejects and un-validations). The work is in ``reglo.addin.shell.vat``."""
from __future__ import annotations

import argparse
from pathlib import Path

from reglo.addin.entrypoints.commands._common import command_with_actions, fix_clock, parse_date, print_alerts_and_outputs
from reglo.addin.shell.errors import UserError

MAX_SHOWN = 30


def register(sub: argparse._SubParsersAction) -> None:
    actions = command_with_actions(sub, "vat", help="TVA sur encaissements : déclaration CA3 et données d'encaissement (statut 212 « Encaissée »)",
                                   description="TVA sur encaissements depuis les encaissements enregistrés au registre du dossier.")
    text = "feuille CA3 (bases et TVA par ligne), répartition par encaissement, encaissements sans affectation, « Données d'encaissement » + CSV"
    a = actions.add_parser("receipts", help=text, description=text + ".")
    a.add_argument("workbook", metavar="CLASSEUR", help="classeur .xlsx « TVA sur encaissements » (créé s'il n'existe pas)")
    a.add_argument("--dossier", default=None, metavar="DOSSIER", help="dossier de la société (dossier.xlsx, FEC, registre)")
    a.add_argument("--from", dest="date_from", default=None, metavar="JJ/MM/AAAA", help="début de la période déclarée")
    a.add_argument("--until", default=None, metavar="JJ/MM/AAAA", help="fin de la période déclarée")
    a.add_argument("--accounts", default=None, metavar="445710=TN,…", help="comptes de TVA collectée et leur code TVA (TN, TI, TR, DN, DR)")
    a.add_argument("--customers", default=None, metavar="C001,C002", help="clients en TVA sur encaissements (par défaut : tous)")
    a.add_argument("--now", default=None, metavar="AAAA-MM-JJTHH:MM:SS", help="date et heure (par défaut : maintenant)")
    a.set_defaults(func=run)




def run(args: argparse.Namespace) -> int:
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError
    from reglo.addin.shell import debits as sd
    from reglo.addin.shell import vat as sv

    fix_clock(args.now)
    values = sv.period_values(parse_date(args.date_from, "Début de période") if args.date_from else None, parse_date(args.until, "Fin de période") if args.until else None)
    if args.accounts is not None:
        values[sv.ACCOUNTS] = args.accounts
    if args.customers is not None:
        values[sv.CUSTOMERS] = args.customers
    if args.dossier:
        values[sv.DOSSIER] = str(Path(args.dossier).resolve())
    path = Path(args.workbook)
    if path.is_dir():
        raise UserError(f"{path} est un dossier : indiquez un classeur .xlsx.")
    try:
        book = FileWorkbook(path, create=not path.exists())
        sv.ensure_workbook(book, values)
        result = sv.vat_receipts(book, dossier=args.dossier)
        book.save()
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    print(result.summary)
    print_alerts_and_outputs(result.alerts, result.outputs, limit=MAX_SHOWN, see="les feuilles du classeur")
    return result.exit_code
