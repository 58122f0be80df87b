"""Reglo dans xlwings Lite : un script par bouton de l'onglet « Reglo ».

Fichier généré par « reglo addin customui » : ne pas le modifier à la main.
Collez-le dans l'onglet main.py d'xlwings Lite, et requirements.txt dans l'onglet
requirements.txt. Chaque script lance le même traitement que le bouton du ruban ;
dans le navigateur, les boutons qui ont besoin du dossier (FEC, registre) disent
pourquoi il faut le complément de bureau.
"""
import xlwings as xw
from xlwings import script

from reglo.addin.entrypoints.ribbon import run


@script(name="Contrôler le classeur")
def check(book: xw.Book):
    """Contrôle : Contrôler le classeur."""
    run("check", book)


@script(name="Modèle d'import")
def payments_template(book: xw.Book):
    """Règlements clients : Modèle d'import (complément de bureau)."""
    run("payments_template", book)


@script(name="Contrôler (Règlements clients)")
def payments_check(book: xw.Book):
    """Règlements clients : Contrôler (complément de bureau)."""
    run("payments_check", book)


@script(name="Importer (Règlements clients)")
def payments_import(book: xw.Book):
    """Règlements clients : Importer (complément de bureau)."""
    run("payments_import", book)


@script(name="Importer depuis la comptabilité")
def payments_from_ledger(book: xw.Book):
    """Règlements clients : Importer depuis la comptabilité (complément de bureau)."""
    run("payments_from_ledger", book)


@script(name="Importer (Virements fournisseurs)")
def transfers_import(book: xw.Book):
    """Virements fournisseurs : Importer (complément de bureau)."""
    run("transfers_import", book)


@script(name="Afficher")
def transfers_show(book: xw.Book):
    """Virements fournisseurs : Afficher (complément de bureau)."""
    run("transfers_show", book)


@script(name="Générer le fichier")
def transfers_generate(book: xw.Book):
    """Virements fournisseurs : Générer le fichier (complément de bureau)."""
    run("transfers_generate", book)


@script(name="Annuler un fichier")
def transfers_cancel(book: xw.Book):
    """Virements fournisseurs : Annuler un fichier (complément de bureau)."""
    run("transfers_cancel", book)


@script(name="Définition d'import")
def entry_import_definition(book: xw.Book):
    """Import d'écritures : Définition d'import (complément de bureau)."""
    run("entry_import_definition", book)


@script(name="Importer les écritures")
def entry_import_run(book: xw.Book):
    """Import d'écritures : Importer les écritures (complément de bureau)."""
    run("entry_import_run", book)


@script(name="Préparer (Prélèvements)")
def debits_prepare(book: xw.Book):
    """Prélèvements : Préparer (complément de bureau)."""
    run("debits_prepare", book)


@script(name="Contrôler (Prélèvements)")
def debits_check(book: xw.Book):
    """Prélèvements : Contrôler (complément de bureau)."""
    run("debits_check", book)


@script(name="Aperçu")
def debits_preview(book: xw.Book):
    """Prélèvements : Aperçu (complément de bureau)."""
    run("debits_preview", book)


@script(name="Aperçu non affectés")
def debits_preview_none(book: xw.Book):
    """Prélèvements : Aperçu non affectés (complément de bureau)."""
    run("debits_preview_none", book)


@script(name="Générer")
def debits_generate(book: xw.Book):
    """Prélèvements : Générer (complément de bureau)."""
    run("debits_generate", book)


@script(name="Ne pas régler les clients sélectionnés")
def debits_do_not_collect(book: xw.Book):
    """Prélèvements : Ne pas régler les clients sélectionnés (complément de bureau)."""
    run("debits_do_not_collect", book)


@script(name="Changer la banque dossier")
def debits_change_bank(book: xw.Book):
    """Prélèvements : Changer la banque dossier (complément de bureau)."""
    run("debits_change_bank", book)


@script(name="Retirer toutes les affectations")
def debits_remove_all(book: xw.Book):
    """Prélèvements : Retirer toutes les affectations (complément de bureau)."""
    run("debits_remove_all", book)


@script(name="Transfert LCR")
def lcr_transfer(book: xw.Book):
    """LCR et TVA : Transfert LCR (complément de bureau)."""
    run("lcr_transfer", book)


@script(name="Aperçu LCR")
def lcr_preview(book: xw.Book):
    """LCR et TVA : Aperçu LCR (complément de bureau)."""
    run("lcr_preview", book)


@script(name="Continuer (fichier LCR)")
def lcr_continue(book: xw.Book):
    """LCR et TVA : Continuer (fichier LCR) (complément de bureau)."""
    run("lcr_continue", book)


@script(name="Bordereau LCR")
def lcr_slip(book: xw.Book):
    """LCR et TVA : Bordereau LCR (complément de bureau)."""
    run("lcr_slip", book)


@script(name="Bordereau prélèvements")
def debits_slip(book: xw.Book):
    """LCR et TVA : Bordereau prélèvements (complément de bureau)."""
    run("debits_slip", book)


@script(name="Dévalider la ligne en cours")
def lcr_unvalidate_line(book: xw.Book):
    """LCR et TVA : Dévalider la ligne en cours (complément de bureau)."""
    run("lcr_unvalidate_line", book)


@script(name="Dévalider toutes les lignes du client")
def lcr_unvalidate_customer(book: xw.Book):
    """LCR et TVA : Dévalider toutes les lignes du client (complément de bureau)."""
    run("lcr_unvalidate_customer", book)


@script(name="Dévalider TOUS les clients")
def lcr_unvalidate_all(book: xw.Book):
    """LCR et TVA : Dévalider TOUS les clients (complément de bureau)."""
    run("lcr_unvalidate_all", book)


@script(name="Rejet d'une remise LCR")
def lcr_reject(book: xw.Book):
    """LCR et TVA : Rejet d'une remise LCR (complément de bureau)."""
    run("lcr_reject", book)


@script(name="TVA sur encaissements")
def vat_receipts(book: xw.Book):
    """LCR et TVA : TVA sur encaissements (complément de bureau)."""
    run("vat_receipts", book)


@script(name="Démarrer")
def disburse_start(book: xw.Book):
    """Décaissements : Démarrer (complément de bureau)."""
    run("disburse_start", book)


@script(name="Sauvegarder les paramètres")
def disburse_save_params(book: xw.Book):
    """Décaissements : Sauvegarder les paramètres (complément de bureau)."""
    run("disburse_save_params", book)


@script(name="Restaurer les paramètres")
def disburse_restore_params(book: xw.Book):
    """Décaissements : Restaurer les paramètres (complément de bureau)."""
    run("disburse_restore_params", book)


@script(name="Circuit de décaissement")
def disburse_circuit(book: xw.Book):
    """Décaissements : Circuit de décaissement (complément de bureau)."""
    run("disburse_circuit", book)


@script(name="Modifier un changement d'état")
def disburse_state_change(book: xw.Book):
    """Décaissements : Modifier un changement d'état (complément de bureau)."""
    run("disburse_state_change", book)


@script(name="Suivant")
def disburse_next(book: xw.Book):
    """Décaissements : Suivant (complément de bureau)."""
    run("disburse_next", book)


@script(name="Précédent")
def disburse_previous(book: xw.Book):
    """Décaissements : Précédent (complément de bureau)."""
    run("disburse_previous", book)


@script(name="Annuler (Ctrl-Z)")
def disburse_undo(book: xw.Book):
    """Décaissements : Annuler (Ctrl-Z) (complément de bureau)."""
    run("disburse_undo", book)


@script(name="Terminer")
def disburse_finish(book: xw.Book):
    """Décaissements : Terminer (complément de bureau)."""
    run("disburse_finish", book)


@script(name="Préparer (Décaissements)")
def disburse_prepare(book: xw.Book):
    """Décaissements : Préparer (complément de bureau)."""
    run("disburse_prepare", book)


@script(name="Supprimer")
def disburse_delete(book: xw.Book):
    """Décaissements : Supprimer (complément de bureau)."""
    run("disburse_delete", book)


@script(name="Changer de mode")
def disburse_move(book: xw.Book):
    """Décaissements : Changer de mode (complément de bureau)."""
    run("disburse_move", book)


@script(name="Regrouper les effets pointés")
def disburse_group(book: xw.Book):
    """Décaissements : Regrouper les effets pointés (complément de bureau)."""
    run("disburse_group", book)


@script(name="Ajouter au regroupement")
def disburse_add_to_group(book: xw.Book):
    """Décaissements : Ajouter au regroupement (complément de bureau)."""
    run("disburse_add_to_group", book)


@script(name="Modifier le regroupement")
def disburse_edit_group(book: xw.Book):
    """Décaissements : Modifier le regroupement (complément de bureau)."""
    run("disburse_edit_group", book)


@script(name="Dissocier les effets regroupés")
def disburse_dissociate(book: xw.Book):
    """Décaissements : Dissocier les effets regroupés (complément de bureau)."""
    run("disburse_dissociate", book)


@script(name="Supprimer le regroupement")
def disburse_delete_group(book: xw.Book):
    """Décaissements : Supprimer le regroupement (complément de bureau)."""
    run("disburse_delete_group", book)


@script(name="Montant à pointer")
def disburse_target(book: xw.Book):
    """Décaissements : Montant à pointer (complément de bureau)."""
    run("disburse_target", book)


@script(name="Acompte")
def disburse_deposit(book: xw.Book):
    """Décaissements : Acompte (complément de bureau)."""
    run("disburse_deposit", book)


@script(name="Différence")
def disburse_difference(book: xw.Book):
    """Décaissements : Différence (complément de bureau)."""
    run("disburse_difference", book)


@script(name="Annuler une différence")
def disburse_cancel_difference(book: xw.Book):
    """Décaissements : Annuler une différence (complément de bureau)."""
    run("disburse_cancel_difference", book)


@script(name="Contester un effet (F3)")
def disburse_dispute(book: xw.Book):
    """Décaissements : Contester un effet (F3) (complément de bureau)."""
    run("disburse_dispute", book)


@script(name="Régler la contestation")
def disburse_resolve(book: xw.Book):
    """Décaissements : Régler la contestation (complément de bureau)."""
    run("disburse_resolve", book)


@script(name="Bon à payer")
def disburse_sign(book: xw.Book):
    """Décaissements : Bon à payer (complément de bureau)."""
    run("disburse_sign", book)


@script(name="Détail de l'effet")
def disburse_item_detail(book: xw.Book):
    """Décaissements : Détail de l'effet (complément de bureau)."""
    run("disburse_item_detail", book)


@script(name="Modifier escompte automatique")
def disburse_auto_discount(book: xw.Book):
    """Décaissements : Modifier escompte automatique (complément de bureau)."""
    run("disburse_auto_discount", book)


@script(name="Valider les règlements préparés")
def disburse_validate(book: xw.Book):
    """Décaissements : Valider les règlements préparés (complément de bureau)."""
    run("disburse_validate", book)


@script(name="Affecter (F5)")
def disburse_assign(book: xw.Book):
    """Décaissements : Affecter (F5) (complément de bureau)."""
    run("disburse_assign", book)


@script(name="Affecter à la banque")
def disburse_assign_to(book: xw.Book):
    """Décaissements : Affecter à la banque (complément de bureau)."""
    run("disburse_assign_to", book)


@script(name="Désaffecter")
def disburse_unassign(book: xw.Book):
    """Décaissements : Désaffecter (complément de bureau)."""
    run("disburse_unassign", book)


@script(name="Pré-pointage automatique")
def disburse_preselect(book: xw.Book):
    """Décaissements : Pré-pointage automatique (complément de bureau)."""
    run("disburse_preselect", book)


@script(name="Annuler la transaction")
def disburse_cancel_transaction(book: xw.Book):
    """Décaissements : Annuler la transaction (complément de bureau)."""
    run("disburse_cancel_transaction", book)


@script(name="Modifier le filtre gestionnaire")
def disburse_handler_filter(book: xw.Book):
    """Décaissements : Modifier le filtre gestionnaire (complément de bureau)."""
    run("disburse_handler_filter", book)


@script(name="Date du bordereau")
def disburse_slip_date(book: xw.Book):
    """Décaissements : Date du bordereau (complément de bureau)."""
    run("disburse_slip_date", book)


@script(name="Premier numéro de chèque")
def disburse_first_cheque(book: xw.Book):
    """Décaissements : Premier numéro de chèque (complément de bureau)."""
    run("disburse_first_cheque", book)


@script(name="Éditer les bordereaux")
def disburse_print(book: xw.Book):
    """Décaissements : Éditer les bordereaux (complément de bureau)."""
    run("disburse_print", book)


@script(name="Comptabiliser")
def disburse_post(book: xw.Book):
    """Décaissements : Comptabiliser (complément de bureau)."""
    run("disburse_post", book)


@script(name="Comptabilisation en mode test")
def disburse_post_test(book: xw.Book):
    """Décaissements : Comptabilisation en mode test (complément de bureau)."""
    run("disburse_post_test", book)


@script(name="Reprise après incident")
def disburse_resume(book: xw.Book):
    """Décaissements : Reprise après incident (complément de bureau)."""
    run("disburse_resume", book)


@script(name="Proposer le lettrage")
def lettering_propose(book: xw.Book):
    """Lettrage : Proposer le lettrage."""
    run("lettering_propose", book)


@script(name="Appliquer le lettrage")
def lettering_apply(book: xw.Book):
    """Lettrage : Appliquer le lettrage (complément de bureau)."""
    run("lettering_apply", book)


@script(name="Délettrer")
def lettering_undo(book: xw.Book):
    """Lettrage : Délettrer (complément de bureau)."""
    run("lettering_undo", book)
