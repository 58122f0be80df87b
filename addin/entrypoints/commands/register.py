"""``reglo register status|repair|migrate|cancel``: the dossier's payment register.

* ``status``: which register (SQLite file or shared server), batches per status, pending
  batches (where and when they were started), counters, files Reglo wrote that the register
  does not know (exit 1 when there are some: the payment workflows refuse to run);
* ``repair``: rebuild a damaged register from its journal, then record the files Reglo wrote
  that the register does not know (``reglo.addin.shell.registry.repair``);
* ``migrate --to URL``: move the register to a shared PostgreSQL server;
* ``cancel REF --reason …``: cancel a batch (bank reject, file never sent): its invoices become
  payable again. A *pending* batch started on another machine needs ``--non-envoye``.
"""
from __future__ import annotations

import argparse
import getpass
import socket
from collections import Counter
from datetime import datetime
from pathlib import Path

from reglo.addin.entrypoints.commands._common import command_with_actions
from reglo.addin.shell.errors import UserError

_STATUS_FR = {"pending": "en attente", "committed": "validés", "cancelled": "annulés", "rolled_back": "abandonnés"}


def register(sub: argparse._SubParsersAction) -> None:
    actions = command_with_actions(sub, "register", help="registre des règlements : état, réparation, passage sur un serveur PostgreSQL, annulation d'un lot",
                                   description="Registre des règlements du dossier (reglo-registre.sqlite ou registre partagé PostgreSQL).")
    status = actions.add_parser("status", help="état du registre : lots, lots en attente, fichiers inconnus du registre",
                                description="Affiche l'état du registre du dossier. Code de sortie 1 si des fichiers écrits par Reglo sont inconnus du registre.")
    repair = actions.add_parser("repair", help="reconstruire le registre (journal + fichiers écrits par Reglo)",
                                description="Reconstruit un registre absent, vide ou endommagé à partir de son journal (reglo-registre.journal), puis "
                                            "enregistre comme déjà émis les fichiers écrits par Reglo que le registre ne connaît pas.")
    migrate = actions.add_parser("migrate", help="déplacer le registre SQLite du dossier sur un serveur PostgreSQL partagé",
                                 description="Copie tout le registre SQLite du dossier (lots, lignes, statuts, annulations, compteurs, historique) sur le "
                                             "serveur, sous l'identifiant du dossier, puis fait pointer le dossier vers ce serveur (reglo-registre.json).")
    migrate.add_argument("--to", dest="url", default=None, metavar="URL",
                         help="adresse du serveur, postgresql://utilisateur@serveur/base (par défaut : REGLO_REGISTER_URL ou le fichier de configuration). "
                              "Mettez le mot de passe dans ~/.pgpass, pas sur la ligne de commande.")
    cancel = actions.add_parser("cancel", help="annuler un lot (rejet de la banque, fichier jamais envoyé) : ses factures redeviennent payables",
                                description="Annule un lot du registre avec son motif.")
    cancel.add_argument("reference", metavar="LOT", help="référence (MsgId), nom de fichier ou numéro du lot")
    cancel.add_argument("--reason", required=True, metavar="MOTIF", help="motif de l'annulation (ex. « rejet banque du 03/04/2026 »)")
    cancel.add_argument("--non-envoye", dest="never_sent", action="store_true",
                        help="confirmer par écrit que le fichier d'un lot en attente n'a jamais été envoyé à la banque")
    for parser in (status, repair, migrate, cancel):
        parser.add_argument("--dossier", required=True, metavar="DOSSIER", help="dossier de la société (celui qui contient dossier.xlsx)")
        parser.add_argument("--dossier-id", default=None, metavar="ID", help="identifiant du dossier sur le serveur partagé (par défaut : « Identifiant registre » de la feuille Société, sinon le nom du dossier)")
    status.set_defaults(func=run_status)
    repair.set_defaults(func=run_repair)
    migrate.set_defaults(func=run_migrate)
    cancel.set_defaults(func=run_cancel)


def _folder(text: str) -> Path:
    folder = Path(text)
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise UserError(f"Dossier introuvable : « {folder} ». Indiquez le dossier Reglo (celui qui contient « dossier.xlsx »).")
    return folder


def _fmt(at: datetime) -> str:
    return at.strftime("%d/%m/%Y %H:%M")


def run_status(args: argparse.Namespace) -> int:
    from reglo.addin.shell.registry import open_store
    from reglo.addin.shell.registry.repair import orphan_files

    folder = _folder(args.dossier)
    store = open_store(folder, dossier_id=args.dossier_id)
    try:
        snap = store.snapshot()
    finally:
        store.close()
    print(f"Registre : {store.description}")
    counts = Counter(b.status for b in snap.batches)
    tests = sum(1 for b in snap.batches if b.is_test)
    parts = ", ".join(f"{counts[s]} {_STATUS_FR[s]}" for s in ("committed", "pending", "cancelled", "rolled_back") if counts[s])
    print(f"Lots : {len(snap.batches)}" + (f" ({parts})" if parts else "") + (f", dont {tests} de test" if tests else ""))
    for b in snap.batches:
        if b.status == "pending":
            print(f"  En attente : lot {b.id} « {b.reference} » commencé le {_fmt(b.created_at)} sur le poste « {b.host or '?'} » ({b.folder or '?'})")
    if snap.counters:
        print("Compteurs : " + ", ".join(f"{k} = {v}" for k, v in sorted(snap.counters.items())))
    orphans = orphan_files(folder, snap)
    for rb in orphans:
        print(f"  Fichier écrit par Reglo inconnu du registre : {rb.folder}/{rb.path.name} ({rb.format})")
    if orphans:
        print(f"Les paiements sont bloqués : lancez « reglo register repair --dossier \"{folder}\" ».")
        return 1
    return 0


def run_repair(args: argparse.Namespace) -> int:
    from reglo.addin.shell.registry.repair import repair

    folder = _folder(args.dossier)
    report = repair(folder, dossier_id=args.dossier_id, host=socket.gethostname(), user=_user())
    for line in report.lines_fr():
        print(line)
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from reglo.addin.shell.registry.config import ENV_URL, config_path, configured_url
    from reglo.addin.shell.registry.migrate import migrate

    folder = _folder(args.dossier)
    url = args.url or configured_url()
    if not url:
        raise UserError(f"Indiquez le serveur : --to postgresql://utilisateur@serveur/base, la variable {ENV_URL} ou la section [registre] de {config_path()}.")
    if not url.startswith(("postgresql://", "postgres://")):
        raise UserError(f"Adresse de serveur non reconnue : attendu postgresql://utilisateur@serveur/base (trouvé « {url.split('://')[0]}://… »).")
    report = migrate(folder, url, dossier_id=args.dossier_id)
    for line in report.lines_fr():
        print(line)
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    from reglo.addin.shell.registry import open_store

    folder = _folder(args.dossier)
    reason = args.reason.strip()
    if not reason:
        raise UserError("Indiquez le motif de l'annulation (--reason « … »).")
    store = open_store(folder, dossier_id=args.dossier_id)
    try:
        with store.lock(timeout=60):
            snap = store.snapshot()
            ref = args.reference.strip()
            batch = snap.find(reference=ref) or snap.find(file_name=Path(ref).name)
            if batch is None and ref.isdigit():
                batch = next((b for b in snap.batches if b.id == int(ref)), None)
            if batch is None:
                raise UserError(f"Lot « {ref} » inconnu dans le {store.description}. Lancez « reglo register status --dossier \"{folder}\" » pour la liste.")
            if batch.status == "cancelled":
                print(f"Le lot {batch.id} « {batch.reference} » est déjà annulé ({batch.cancel_reason}) : rien n'a changé.")
                return 0
            if batch.status == "pending" and not args.never_sent:
                raise UserError(f"Le lot {batch.id} « {batch.reference} » est en attente (commencé le {_fmt(batch.created_at)} sur « {batch.host or '?'} ») : "
                                "relancez Reglo sur ce poste pour le terminer, ou ajoutez --non-envoye pour confirmer que son fichier n'a jamais été envoyé.")
            if batch.status not in ("pending", "committed"):
                raise UserError(f"Le lot {batch.id} « {batch.reference} » a été abandonné : il ne compte déjà pas, rien à annuler.")
            store.set_status(batch.id, "cancelled", at=datetime.now().astimezone(), reason=reason, by=_user())
    finally:
        store.close()
    print(f"Lot {batch.id} « {batch.reference} » annulé ({reason}) : ses {len(batch.lines)} ligne(s) redeviennent payables.")
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on this machine
        return ""
