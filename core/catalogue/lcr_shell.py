"""Alert messages of the LCR buttons (« Transfert », « Continuer », dévalidation, rejet),
the slips' PDF export and the « TVA sur encaissements » button (issue 15, entry points)."""
B, W, I = "BLOQUANT", "AVERTISSEMENT", "INFORMATION"

MESSAGES: dict[str, tuple[str, str]] = {
    "LCR_BANK_UNKNOWN": (B, "Banque dossier « {value} » inconnue pour la remise LCR : banques du dossier {known}. Indiquez le code journal d'une banque de la feuille « Banques » du dossier."),
    "LCR_BANK_REQUIRED": (B, "Des LCR sont affectées à plusieurs banques dossier ({banks}) : une remise va à une seule banque. Choisissez la banque (« Journal de trésorerie » dans « Paramètres LCR », ou --bank)."),
    "LCR_ROW_NOTHING_TO_COLLECT": (W, "Le client {party} n'a plus rien à remettre par LCR (déjà remis ou plus affecté en mode LCR) : sa ligne est ignorée. Relancez « Transfert » pour rafraîchir la feuille."),
    "LCR_REFERENCE_USED": (B, "La référence de remise « {value} » est déjà celle d'une remise du registre : une référence ne sert qu'une fois. Changez « Référence de la remise » dans « Paramètres LCR » ou laissez-la vide (Reglo en choisit une)."),
    "SLIP_NOT_FOUND": (B, "Aucune remise de {kind} enregistrée au registre pour « {value} » : générez d'abord la remise, ou vérifiez sa référence ou le nom de son fichier."),
    "SLIP_PDF_UNAVAILABLE": (W, "Export PDF impossible : LibreOffice n'est pas installé sur ce poste (commande « soffice » introuvable). Le bordereau est dans la feuille « {slip_sheet} » : imprimez-le depuis Excel ou installez LibreOffice."),
    "SLIP_PDF_FAILED": (W, "Export PDF du bordereau échoué ({detail}). Le bordereau est dans la feuille « {slip_sheet} » : imprimez-le depuis Excel."),
    "VAT_PERIOD_INVALID": (B, "Période de TVA illisible : {detail}. Indiquez les dates de début et de fin au format jj/mm/aaaa (début avant la fin)."),
    "VAT_ACCOUNT_MAPPING_INVALID": (B, "Correspondance compte → code TVA illisible : « {value} ». Écrivez par exemple 445710=TN,445711=TI (codes : {codes})."),
    "VAT_MANUAL_AMOUNT_INVALID": (B, "Montant TTC illisible pour l'encaissement {receipt} : « {value} ». Saisissez un montant en euros (ex. 1 200,00)."),
    "VAT_NO_RECEIPTS": (W, "Aucun encaissement enregistré au registre du dossier sur la période du {start} au {end} : la déclaration est vide."),
}
