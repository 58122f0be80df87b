"""Alert messages of the workbook part of the foundation (see core/catalogue/__init__.py):
checks of sheets typed by hand (« Écritures ») and of ``reglo check``."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- « Écritures » sheet typed by hand ------------------------------------
    "AMOUNT_AS_TEXT": (W, "Montant « {value} » saisi comme texte : Reglo le lit {amount}, mais Excel ne le compte pas dans ses totaux. Convertissez la cellule en nombre (Données > Convertir, ou retapez le montant)."),
    "ENTRY_JOURNAL_MISSING": (B, "Code journal absent : chaque ligne doit porter le code du journal de son écriture (ex. VE, AC, BQ, OD)."),
    "ENTRY_NUMBER_MISSING": (B, "Numéro d'écriture absent : les lignes d'une même écriture partagent le même numéro ; sans lui, l'équilibre ne peut pas être contrôlé."),
    "ENTRY_LABEL_MISSING": (W, "Libellé d'écriture absent : saisissez un libellé explicite (ex. « Facture 2025-014 Dupont »)."),
    "ENTRY_DATES_DIFFER": (W, "L'écriture {entry} du journal {journal} porte plusieurs dates ({dates}) : toutes ses lignes devraient avoir la même date d'écriture."),
    "ENTRY_SENS_INVALID": (B, "Sens « {value} » invalide : attendu D (débit) ou C (crédit), ou +1 / -1."),
    # --- any workbook ---------------------------------------------------------
    "FORMULA_NOT_CACHED": (W, "Formules sans valeur enregistrée : {count} cellule(s) calculée(s) (première : {cell}) : le classeur a été écrit par un programme et jamais ouvert dans Excel, Reglo ne voit donc que le texte des formules. Ouvrez-le dans Excel, recalculez (F9) et enregistrez-le, puis relancez."),
    # --- reglo check --------------------------------------------------------
    "CHECK_NO_SHEET": (W, "Aucune feuille que Reglo sait contrôler dans ce classeur (feuilles présentes : {found}). Feuilles contrôlées : {known}."),
}
