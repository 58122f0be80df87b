"""Alert messages of the payment register (``reglo.addin.shell.registry``, ``reglo register``).

The register's errors (:mod:`reglo.addin.shell.registry.base`) carry their own French
message; these codes are for the alerts a workflow shell or ``reglo register status`` shows.
"""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "REGISTER_UNREADABLE": (B, "Le registre des règlements est illisible : {detail} Rien n'a été généré. Lancez « reglo register repair --dossier \"{folder}\" » : il reconstruit le registre à partir de son journal et des fichiers écrits par Reglo."),
    "REGISTER_BUSY": (B, "Une autre exécution de Reglo enregistre en ce moment dans ce dossier ({detail}). Rien n'a été généré : réessayez quand elle aura fini."),
    "REGISTER_CONFIG": (B, "Le registre partagé n'est pas utilisable : {detail}"),
    "REGISTER_ORPHAN_FILE": (B, "Le fichier « {file} » ({folder}) a été écrit par Reglo mais le registre ne le connaît pas (exécution interrompue ?). Pour ne rien payer deux fois, les paiements sont bloqués : lancez « reglo register repair --dossier \"{dossier}\" », qui l'enregistre comme déjà émis, puis relancez."),
    "REGISTER_PENDING_ELSEWHERE": (W, "Le lot {reference} a été commencé le {date} sur le poste « {host} » ({where}) et n'y est pas encore terminé : ses factures restent réservées. Relancez Reglo sur ce poste, ou annulez le lot (« reglo register cancel {reference} --non-envoye --reason … ») si vous confirmez que son fichier n'a jamais été envoyé."),
    "REGISTER_REPAIRED_BATCH": (W, "Le lot {reference} a été reconstitué par « reglo register repair » à partir du fichier {file} : vérifiez ses lignes (montants et bénéficiaires relus dans le fichier)."),
}
