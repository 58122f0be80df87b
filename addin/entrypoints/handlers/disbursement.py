"""Ribbon group « Décaissements »: every action of the multi-supplier disbursement wizard is
a button. Rows are chosen with an « x » in the « Sélection » column of the step sheet;
amounts, rates, banks… come from the « Saisie décaissement » sheet. The work is in
``reglo.addin.shell.disbursement`` (workbook side) and ``reglo.core.disbursement`` (engine).

In the desktop add-in, Ctrl-Z (« Annuler (Ctrl-Z) ») and F5 (« Affecter (F5) ») are bound
by the VBA project while a wizard sheet is active (see ``KEYS``) and released when it is
left; Excel's own undo is untouched elsewhere.
"""
from __future__ import annotations

from typing import Any

from reglo.addin.entrypoints.handlers import HandlerResult, handler

GROUP = "Décaissements"

#: (tag, French label, wizard action, imageMso)
BUTTONS = (
    ("disburse_start", "Démarrer", "demarrer", "StartAfterPrevious"),
    ("disburse_save_params", "Sauvegarder les paramètres", "sauver_parametres", "FileSave"),
    ("disburse_restore_params", "Restaurer les paramètres", "restaurer_parametres", "FileOpen"),
    ("disburse_circuit", "Circuit de décaissement", "circuit", "FlowChart"),
    ("disburse_state_change", "Modifier un changement d'état", "changement_etat", "TableProperties"),
    ("disburse_next", "Suivant", "suivant", "GoRtl"),
    ("disburse_previous", "Précédent", "precedent", "GoLtr"),
    ("disburse_undo", "Annuler (Ctrl-Z)", "annuler", "Undo"),
    ("disburse_finish", "Terminer", "terminer", "Cancel"),
    ("disburse_prepare", "Préparer", "preparer", "MoveDown"),
    ("disburse_delete", "Supprimer", "supprimer", "Delete"),
    ("disburse_move", "Changer de mode", "deplacer", "TableDrawTable"),
    ("disburse_group", "Regrouper les effets pointés", "regrouper", "ObjectsGroup"),
    ("disburse_add_to_group", "Ajouter au regroupement", "ajouter_au_regroupement", "ObjectsRegroup"),
    ("disburse_edit_group", "Modifier le regroupement", "modifier_regroupement", "PropertySheet"),
    ("disburse_dissociate", "Dissocier les effets regroupés", "dissocier", "ObjectsUngroup"),
    ("disburse_delete_group", "Supprimer le regroupement", "supprimer_regroupement", "DeleteTable"),
    ("disburse_target", "Montant à pointer", "montant_a_pointer", "AutoSum"),
    ("disburse_deposit", "Acompte", "acompte", "CurrencyGallery"),
    ("disburse_difference", "Différence", "difference", "Calculator"),
    ("disburse_cancel_difference", "Annuler une différence", "annuler_difference", "DeleteComment"),
    ("disburse_dispute", "Contester un effet (F3)", "contester", "ReviewNewComment"),
    ("disburse_resolve", "Régler la contestation", "regler_contestation", "ReviewAcceptChange"),
    ("disburse_sign", "Bon à payer", "bon_a_payer", "SignatureLineInsert"),
    ("disburse_item_detail", "Détail de l'effet", "detail", "PropertySheet"),
    ("disburse_auto_discount", "Modifier escompte automatique", "escompte_auto", "Percent"),
    ("disburse_validate", "Valider les règlements préparés", "valider", "AcceptTask"),
    ("disburse_assign", "Affecter (F5)", "affecter", "AccountingFormat"),
    ("disburse_assign_to", "Affecter à la banque", "affecter_banque", "AccountingFormat"),
    ("disburse_unassign", "Désaffecter", "desaffecter", "Undo"),
    ("disburse_preselect", "Pré-pointage automatique", "pre_pointage", "AutoSum"),
    ("disburse_cancel_transaction", "Annuler la transaction", "annuler_transaction", "Cancel"),
    ("disburse_handler_filter", "Modifier le filtre gestionnaire", "filtre_gestionnaire", "Filter"),
    ("disburse_slip_date", "Date du bordereau", "date_bordereau", "DateAndTimeInsert"),
    ("disburse_first_cheque", "Premier numéro de chèque", "premier_cheque", "NumberInsert"),
    ("disburse_print", "Éditer les bordereaux", "editer_bordereaux", "FilePrint"),
    ("disburse_post", "Comptabiliser", "comptabiliser", "AccountingFormat"),
    ("disburse_post_test", "Comptabilisation en mode test", "comptabiliser_test", "AccountingFormat"),
    ("disburse_resume", "Reprise après incident", "reprendre", "Refresh"),
)

#: Keys bound while a wizard sheet is active (desktop add-in).
KEYS = {"^z": "disburse_undo", "{F5}": "disburse_assign", "{F3}": "disburse_dispute"}


def _make(kind: str):
    def run(book: Any, *, dossier: Any = None) -> HandlerResult:
        from reglo.addin.shell.disbursement import run_button

        if kind == "comptabiliser_test":
            return run_button(book, "comptabiliser", dossier=dossier, test=True)
        return run_button(book, kind, dossier=dossier)

    run.__name__ = f"disburse_{kind}"
    run.__doc__ = f"Disbursement wizard action « {kind} »."
    return run


for _order, (_tag, _label, _kind, _image) in enumerate(BUTTONS, start=1):
    handler(_tag, label=_label, group=GROUP, image=_image, order=_order * 10)(_make(_kind))
