"""Alert messages of the Excel add-in layer (dispatcher, ribbon)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "INTERNAL_ERROR": (B, "Erreur interne de Reglo pendant « {action} » : {detail}. Le détail est dans le journal {log}. Vérifiez le classeur (le traitement a pu s'arrêter en cours de route ; aucun fichier de sortie n'est écrit à moitié), puis relancez ; si l'erreur revient, transmettez ce journal au support."),
    "LITE_DESKTOP_ONLY": (B, "Le bouton « {label} » ({group}) a besoin du dossier de la société sur le disque (FEC, registre des règlements) : dans le navigateur, xlwings Lite ne peut pas les lire, et Reglo ne paie ni n'importe jamais sans le registre, qui garantit qu'une facture n'est pas payée deux fois. Utilisez le complément Excel de bureau (reglo.xlam) pour ce bouton ; ici, seuls les contrôles du classeur ouvert sont disponibles."),
    "UNKNOWN_HANDLER": (B, "Le bouton « {tag} » ne correspond à aucun des {known} traitements de cette version de Reglo. Le complément reglo.xlam et le paquet Python reglo ne sont pas de la même version : reconstruisez le complément (reglo addin build) ou mettez à jour le paquet, puis redémarrez Excel."),
}
