"""Alert messages of the commit protocol and of recovery at start (see core/catalogue/__init__.py).

Used by ``reglo.addin.shell.commit`` and ``reglo.addin.shell.recovery`` for every workflow.
"""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "COMMIT_DUPLICATE_PAYMENT": (B, "Lignes déjà enregistrées dans un lot actif du registre ({count} : {keys}) : rien n'a été écrit ni enregistré. Relancez « Importer » pour repartir de l'état du registre."),
    "REGISTER_RECOVERED_COMMITTED": (W, "Lot {reference} interrompu le {started} après l'écriture de tous ses fichiers : il est enregistré comme terminé ({files})."),
    "REGISTER_RECOVERED_ROLLED_BACK": (W, "Lot {reference} interrompu le {started} avant la fin de l'écriture de ses fichiers : il est annulé, ses fichiers partiels sont retirés et ses lignes redeviennent payables."),
    "REGISTER_RESOLVED_NEVER_SENT": (W, "Lot {reference} du poste « {host} » annulé sur confirmation écrite de {user} (fichier jamais envoyé : {reason}) : ses lignes redeviennent payables."),
    "PAY_DOSSIER_FEC_UNREADABLE": (B, "Le FEC du dossier ({file}) est illisible ou lu avec {count} anomalie(s) bloquante(s) : {detail} L'import des règlements s'appuie sur lui (factures déjà soldées, copie lettrée) : rien n'est importé. Remplacez-le par un export valide de votre logiciel comptable puis relancez."),
}
