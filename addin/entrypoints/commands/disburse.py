"""``reglo disburse ACTION CLASSEUR --dossier DOSSIER``: every button of the disbursement wizard
(décaissement multi-fournisseurs) on a workbook file.

Examples::

    reglo disburse demarrer decaissement.xlsx --dossier societe/
    reglo disburse suivant decaissement.xlsx
    reglo disburse preparer decaissement.xlsx --cles E1,E2
    reglo disburse regrouper decaissement.xlsx --cles G3,G4
    reglo disburse difference decaissement.xlsx --type escompte --courant G5 --taux 2
    reglo disburse suivant decaissement.xlsx --confirmer
    reglo disburse affecter decaissement.xlsx --cles R7,R8
    reglo disburse comptabiliser decaissement.xlsx --test
"""
from __future__ import annotations

import argparse
from pathlib import Path

from reglo.addin.entrypoints.commands._common import print_alerts_and_outputs
from reglo.addin.shell.errors import UserError

MAX_SHOWN = 30

ACTIONS = {
    "demarrer": "démarrer un décaissement depuis les feuilles d'entrée du classeur",
    "sauver_parametres": "sauvegarder les paramètres de sélection de l'utilisateur",
    "restaurer_parametres": "restaurer les paramètres de sélection de l'utilisateur (étape 1)",
    "circuit": "choisir le circuit de décaissement (--circuit, étape 1)",
    "changement_etat": "modifier un changement d'état du circuit (--etat C10, --mode, --actif oui|non ; étape 1)",
    "detail": "modifier le détail d'un effet (--cles E1 --champ iban=FR76… --champ due_date=31/03/2026)",
    "suivant": "étape suivante (à l'étape 2 : valide les règlements préparés, avec --confirmer)",
    "precedent": "étape précédente",
    "terminer": "terminer l'assistant (annule ce qui est en cours à l'étape 2)",
    "annuler": "annuler la dernière action (Ctrl-Z, un seul niveau)",
    "preparer": "préparer des effets (--cles ; --mode ; --sans-regroupement pour refuser le regroupement automatique)",
    "supprimer": "supprimer des règlements préparés (retour aux effets à payer)",
    "deplacer": "changer de mode de règlement (--cles, --mode)",
    "regrouper": "regrouper les effets pointés (--cles : effets ou regroupements)",
    "ajouter_au_regroupement": "ajouter des effets à un regroupement (--cles, --regroupement)",
    "modifier_regroupement": "modifier le libellé d'un regroupement (--regroupement, --libelle)",
    "dissocier": "dissocier un regroupement (--regroupement)",
    "supprimer_regroupement": "supprimer un regroupement et ses règlements préparés (--regroupement)",
    "montant_a_pointer": "préparer des effets jusqu'à un montant (--montant, --ordre priorite|echeance|tri)",
    "acompte": "saisir un acompte (--tiers, --montant, --tva, --mode)",
    "difference": "saisir une différence (--type escompte|reglement|change|od|partiel|reechelonnement, --courant, --cles, --montant, --taux, --compte, --date)",
    "annuler_difference": "supprimer une différence de la liste des effets générés (--id)",
    "contester": "contester des effets (--cles, --motif)",
    "regler_contestation": "régler la contestation d'effets (--cles)",
    "bon_a_payer": "signer le bon à payer d'effets (--cles)",
    "escompte_auto": "modifier l'escompte automatique (--cles, --taux ou --montant)",
    "valider": "valider une sélection de règlements préparés (--cles)",
    "affecter": "affecter des règlements à leur banque par défaut (F5) (--cles)",
    "affecter_banque": "affecter des règlements à une banque (--cles, --banque)",
    "desaffecter": "remettre des règlements dans le tableau du haut (--cles)",
    "pre_pointage": "pré-pointage automatique jusqu'à un montant (--montant, --ordre)",
    "annuler_transaction": "annuler la transaction de règlements (--cles)",
    "filtre_gestionnaire": "filtre gestionnaire (--utilisateur ; vide = tous)",
    "date_bordereau": "date des bordereaux (--cles, --date)",
    "premier_cheque": "premier numéro de chèque d'un bordereau (--cles B…, --numero)",
    "editer_bordereaux": "éditer les bordereaux (--cles, tous par défaut) : fichiers SEPA, liste des chèques, registre",
    "comptabiliser": "comptabiliser les séquences (--cles, toutes par défaut ; --test : mode test, rien n'est enregistré)",
    "reprendre": "reprise après incident d'une comptabilisation interrompue",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("disburse", help="décaissement multi-fournisseurs : l'assistant en cinq étapes",
                       description="Décaissement multi-fournisseurs : sélection, préparation, émission, bordereaux, comptabilisation.")
    p.add_argument("action", metavar="ACTION", choices=sorted(ACTIONS), help="action : " + ", ".join(sorted(ACTIONS)))
    p.add_argument("workbook", metavar="CLASSEUR", help="classeur .xlsx du décaissement")
    p.add_argument("--dossier", default=None, metavar="DOSSIER", help="dossier de la société (fichiers produits, registre)")
    p.add_argument("--cles", default=None, metavar="E1,E2", help="clés des effets, regroupements, règlements ou bordereaux concernés")
    p.add_argument("--mode", default=None, help="mode de règlement (VIR, CHQ, LCR, VIRINT)")
    p.add_argument("--montant", default=None, help="montant (1234,56)")
    p.add_argument("--taux", default=None, help="taux en %%")
    p.add_argument("--compte", default=None, help="compte comptable")
    p.add_argument("--banque", default=None, help="code de la banque")
    p.add_argument("--date", default=None, metavar="JJ/MM/AAAA", help="date (bordereau, nouvelle échéance)")
    p.add_argument("--numero", default=None, type=int, help="premier numéro de chèque")
    p.add_argument("--ordre", default=None, choices=["priorite", "echeance", "tri"], help="ordre d'affectation")
    p.add_argument("--tiers", default=None, help="code du tiers (acompte)")
    p.add_argument("--tva", default=None, help="code TVA (acompte)")
    p.add_argument("--motif", default=None, help="motif de contestation")
    p.add_argument("--type", default=None, dest="difference", help="type de différence")
    p.add_argument("--courant", default=None, help="ligne courante de la différence (effet ou regroupement)")
    p.add_argument("--regroupement", default=None, help="regroupement concerné")
    p.add_argument("--id", default=None, dest="diff_id", help="différence à supprimer")
    p.add_argument("--utilisateur", default=None, help="gestionnaire du filtre (vide = tous)")
    p.add_argument("--libelle", default=None, help="libellé du regroupement")
    p.add_argument("--champ", action="append", default=[], metavar="NOM=VALEUR", help="champ du détail de l'effet (iban, bic, label, due_date, cheque_number…), répétable")
    p.add_argument("--etat", default=None, help="état du circuit (changement d'état)")
    p.add_argument("--actif", default=None, choices=["oui", "non"], help="type de règlement actif ou non (changement d'état)")
    p.add_argument("--circuit", default=None, help="code du circuit de décaissement")
    p.add_argument("--confirmer", action="store_true", help="confirmer la validation des règlements préparés")
    p.add_argument("--sans-regroupement", action="store_true", help="refuser le regroupement automatique (Échap)")
    p.add_argument("--test", action="store_true", help="comptabilisation en mode test")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reglo.addin.backends.fastbook import UnsupportedWorkbook, open_book
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError
    from reglo.addin.shell import disbursement as sd

    path = Path(args.workbook)
    if not path.exists():
        raise UserError(f"Classeur introuvable : {path}. Créez-le avec les feuilles « Effets », « Fournisseurs », « Banques » (voir docs/disbursement.md) ou lancez « reglo demo ».")
    try:
        try:
            book = open_book(path, "rapide")  # the snapshot makes every action read and save the file: the fast backend patches it
        except UnsupportedWorkbook:
            book = FileWorkbook(path)
        if args.action == "demarrer":
            result = sd.start(book, dossier=args.dossier)
        elif args.action == "sauver_parametres":
            result = sd.save_user_params(book)
        elif args.action == "restaurer_parametres":
            result = sd.restore_user_params(book)
        else:
            values = {
                "keys": tuple(k.strip() for k in args.cles.split(",") if k.strip()) if args.cles else (),
                "mode": args.mode, "amount": args.montant, "rate": args.taux, "account": args.compte, "bank": args.banque, "date": args.date,
                "number": args.numero, "order": args.ordre, "supplier": args.tiers, "vat": args.tva, "reason": args.motif, "difference": args.difference,
                "current": args.courant, "group": args.regroupement, "diff_id": args.diff_id, "user": args.utilisateur, "label": args.libelle,
                "confirmed": args.confirmer, "auto_group": not args.sans_regroupement,
                "changes": dict(c.split("=", 1) for c in args.champ if "=" in c), "state": args.etat, "enabled": args.actif, "circuit": args.circuit,
            }
            result = sd.run_action(book, args.action, sd.fields_for(args.action, values), dossier=args.dossier, test=args.test)
        book.save()
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    print(result.summary)
    print_alerts_and_outputs(result.alerts, result.outputs, limit=MAX_SHOWN, see="le classeur")
    return result.exit_code
