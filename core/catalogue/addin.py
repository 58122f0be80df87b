"""Alert messages of the Excel add-in layer (dispatcher, ribbon)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "INTERNAL_ERROR": (B, "Erreur interne de Reglo pendant « {action} » : {detail}. Le détail est dans le journal {log}. Aucun fichier n'a été modifié."),
}
