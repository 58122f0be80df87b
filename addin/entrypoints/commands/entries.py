"""``reglo entries import FILE --definition DEF``: journal entries from another package.

FILE is an .xlsx, .csv or .txt file; DEF a .json definition or a workbook with the
« Définition d'import » sheet. Each run writes, in a new dated folder « Import <fichier> <date> » beside FILE (or under
--out), one FEC per company, the rejects file (xlsx and csv), the analytical export when
the definition has a Projet column, and a workbook « … - écritures importées.xlsx ». Nothing
is ever overwritten; the dossier's FEC is changed only by ``reglo entries integrate``.
Exit code: 0 all lines imported, 1 some lines rejected, 2 unusable input.
"""
from __future__ import annotations

import argparse
import time

from reglo.addin.entrypoints.commands._common import command_with_actions

MAX_SHOWN = 20
LARGE_FILE = 5 * 1024 * 1024  # progress bar (on a terminal) from this input size


def register(sub: argparse._SubParsersAction) -> None:
    actions = command_with_actions(sub, "entries", help="import d'écritures depuis un autre logiciel (définition d'import, FEC, rejets)",
                                   description="Écritures comptables venant d'un autre logiciel : lecture selon une définition d'import, écritures équilibrées, rejets, FEC par société.")
    a = actions.add_parser("import", help="importer un fichier d'écritures (.xlsx, .csv, .txt)",
                           description="Importer un fichier d'écritures selon une définition d'import.")
    a.add_argument("file", metavar="FICHIER", help="fichier à importer (.xlsx, .csv, .txt)")
    a.add_argument("--definition", required=True, metavar="DEF", help="définition d'import : .json, ou classeur avec la feuille « Définition d'import »")
    a.add_argument("--out", default=None, metavar="DOSSIER", help="dossier sous lequel chaque lancement crée son dossier daté « Import … » (par défaut : celui du fichier importé) ; rien n'y est jamais écrasé")
    a.add_argument("--company", default=None, metavar="CODE", help="société courante : celle des lignes sans code société")
    a.add_argument("--sheet", default=None, metavar="FEUILLE", help="feuille à lire dans un classeur (par défaut : « Lignes à importer » ou la première)")
    a.add_argument("--dossier", default=None, metavar="DOSSIER", help="dossier Reglo de la société courante : son SIREN et sa date de clôture nomment le FEC (SIRENFECAAAAMMJJ.txt)")
    a.add_argument("--siren", default=None, metavar="SIREN", help="SIREN de la société courante (nom du FEC), si la définition ne le donne pas")
    a.set_defaults(func=run)
    g = actions.add_parser("integrate", help="« Intégrer au FEC du dossier » : ajouter les écritures d'un lancement d'import au FEC du dossier",
                           description="Ajoute au FEC du dossier les écritures d'un lancement « Import … » (après confirmation --oui, avec une sauvegarde, "
                                       "atomiquement, annulable par --annuler). Les à-nouveaux passent en tête seulement si le FEC n'a pas d'autres écritures ; "
                                       "une écriture datée avant la dernière de son journal est refusée ; une écriture déjà présente dans le FEC (même journal, date, "
                                       "pièce, comptes et montants) est refusée ; les numéros continuent chaque journal.")
    g.add_argument("run_folder", nargs="?", metavar="LANCEMENT", help="dossier « Import … » créé par reglo entries import")
    g.add_argument("--dossier", required=True, metavar="DOSSIER", help="dossier Reglo dont le FEC est complété")
    g.add_argument("--oui", action="store_true", help="confirmer (sans --oui : dit seulement ce qui serait fait)")
    g.add_argument("--annuler", action="store_true", help="défaire la dernière intégration (le FEC retrouve ses octets d'avant)")
    g.add_argument("--definition", default=None, metavar="DEF", help="définition d'import (ses journaux d'à-nouveaux), facultatif")
    g.add_argument("--forcer-doublons", action="store_true", dest="forcer_doublons",
                   help="intégrer aussi les écritures identiques à une écriture déjà dans le FEC (même journal, date, pièce, comptes et montants) : "
                        "refusées par défaut, pour ne jamais passer deux fois la même écriture")
    g.set_defaults(func=run_integrate)
    c = actions.add_parser("definition", help="enregistrer une définition d'import en JSON ou en feuille « Définition d'import »",
                           description="Convertit une définition d'import : classeur (feuille « Définition d'import ») → JSON, ou JSON → classeur. "
                                       "Sans DEF, écrit la définition prête à l'emploi choisie par --preset.")
    c.add_argument("source", nargs="?", metavar="DEF", help="définition .json ou classeur .xlsx (facultatif avec --preset)")
    c.add_argument("--preset", choices=["ventes", "ligne-unique", "paie-banque"], default=None, help="partir d'une présentation prête à l'emploi")
    c.add_argument("--out", required=True, metavar="FICHIER", help="fichier à écrire : .json, ou .xlsx (la feuille y est remplacée, le reste du classeur gardé)")
    c.set_defaults(func=run_definition)


def run(args: argparse.Namespace) -> int:
    from reglo.addin.shell import entry_import as ei

    from pathlib import Path

    from reglo.addin.backends.progress import Progress

    started = time.perf_counter()
    sd = ei.load_definition(args.definition)
    siren, closing, context = (ei.dossier_context(args.dossier) if args.dossier else (None, None, None))
    if args.siren:
        siren = ei.checked_siren(args.siren)
    size = Path(args.file).stat().st_size if Path(args.file).is_file() else 0
    with Progress(f"Import de {Path(args.file).name}", total=3, enabled=None if size > LARGE_FILE else False) as bar:
        run_ = ei.import_file(args.file, sd.definition, out_dir=args.out or sd.output_dir or None, company=args.company, sheet=args.sheet,
                              siren=siren, closing=closing, progress=bar, context=context, dossier=args.dossier)
    for line in run_.summary_lines():
        print(line)
    blocking = [a for a in run_.alerts if a.is_blocking]
    warnings = [a for a in run_.alerts if not a.is_blocking]
    for a in (blocking + warnings)[:MAX_SHOWN]:
        print(f"  {a}")
    if len(run_.alerts) > MAX_SHOWN:
        print(f"  … {len(run_.alerts) - MAX_SHOWN} autres alertes : voir la feuille « {ei.SUMMARY_SHEET} » et le fichier des rejets.")
    print("Fichiers écrits :")
    for o in run_.outputs:
        print(f"  → {o}")
    print(f"Durée : {time.perf_counter() - started:.1f} s")
    return 1 if run_.result.summary.lines_rejected or blocking else 0


def run_integrate(args: argparse.Namespace) -> int:
    from datetime import datetime

    from reglo.addin.shell import entry_import as ei
    from reglo.addin.shell.errors import UserError

    now = datetime.now().replace(microsecond=0)
    if args.annuler:
        res = ei.undo_integration(args.dossier, confirmed=args.oui, now=now)
    else:
        if not args.run_folder:
            raise UserError("Indiquez le dossier du lancement d'import à intégrer (LANCEMENT), ou --annuler.")
        definition = ei.load_definition(args.definition).definition if args.definition else None
        res = ei.integrate(args.run_folder, args.dossier, confirmed=args.oui, now=now, definition=definition,
                           allow_duplicates=getattr(args, "forcer_doublons", False))
    for line in res.summary:
        print(line)
    for a in res.alerts[:MAX_SHOWN]:
        print(f"  {a}")
    for p in res.written:
        print(f"  → {p}")
    return 0 if res.done else 1


def run_definition(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reglo.addin.shell import entry_import as ei
    from reglo.addin.shell.errors import UserError
    from reglo.addin.backends.sheets import FileWorkbook, atomic_write
    from reglo.core.entry_import import check_definition
    from reglo.core.entry_import.layout import PRESETS

    if args.source:
        sd = ei.load_definition(args.source)
    elif args.preset:
        sd = ei.SheetDefinition(PRESETS[args.preset]())
    else:
        raise UserError("Indiquez la définition à convertir (DEF) ou --preset.")
    out = Path(args.out)
    if out.suffix.lower() == ".json":
        atomic_write(out, ei.definition_to_json(sd.definition))
    elif out.suffix.lower() in (".xlsx", ".xlsm"):
        book = FileWorkbook(out, create=True)
        ei.write_definition_sheet(book, sd.definition, input_file=sd.input_file, output_dir=sd.output_dir)
        book.save()
    else:
        raise UserError(f"« {out.name} » : attendu un fichier .json ou .xlsx.")
    problems = check_definition(sd.definition)
    print(f"Définition écrite : {out}")
    for a in problems:
        print(f"  {a}")
    return 1 if problems else 0
