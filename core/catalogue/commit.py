"""Alert messages of the commit protocol and of recovery at start (see core/catalogue/__init__.py).

Used by ``reglo.addin.shell.commit`` and ``reglo.addin.shell.recovery`` for every workflow.
"""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "COMMIT_DUPLICATE_PAYMENT": (B, "Lignes déjà enregistrées dans un lot actif du registre ({count} : {keys}) : rien n'a été écrit ni enregistré. Relancez « Importer » pour repartir de l'état du registre."),
    "REGISTER_FOREIGN_PENDING": (W, "Lot {reference} ({kind}) commencé le {started} sur le poste « {host} » (dossier {folder}{user}) et jamais terminé : ses {count} ligne(s) restent réservées et ne seront pas payées une seconde fois. "
                                    "Relancez Reglo sur ce poste pour le terminer ou l'annuler ; si son fichier n'a jamais été envoyé à la banque, confirmez-le par écrit : reglo register resolve {reference} --jamais-envoye \"raison\"."),
    "REGISTER_ORPHAN_FILE": (B, "Le fichier {file} (dossier {folder}) a été écrit par Reglo mais le registre ne le connaît pas (exécution interrompue, registre remplacé ou restauré). "
                                "Tant qu'il n'est pas enregistré, aucun fichier de paiement ni import de règlements n'est fait, pour ne rien payer deux fois : lancez « reglo register repair » sur le dossier, "
                                "ou déplacez ce fichier hors du dossier s'il ne doit pas compter."),
    "REGISTER_RECOVERED_COMMITTED": (W, "Lot {reference} interrompu le {started} après l'écriture de tous ses fichiers : il est enregistré comme terminé ({files})."),
    "REGISTER_RECOVERED_ROLLED_BACK": (W, "Lot {reference} interrompu le {started} avant la fin de l'écriture de ses fichiers : il est annulé, ses fichiers partiels sont retirés et ses lignes redeviennent payables."),
    "REGISTER_RESOLVED_NEVER_SENT": (W, "Lot {reference} du poste « {host} » annulé sur confirmation écrite de {user} (fichier jamais envoyé : {reason}) : ses lignes redeviennent payables."),
}
