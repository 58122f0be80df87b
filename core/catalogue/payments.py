"""Alert messages of the customer-payments workflow (import règlements clients).

See core/catalogue/__init__.py for the conventions. Codes start with ``PAY_``.
"""
B, W, I = "BLOQUANT", "AVERTISSEMENT", "INFORMATION"

_ONE_LINE_PER_INVOICE = (
    " Cette méthode d'import exige une ligne de règlement par facture portant le n° de facture"
    " (dans la référence de pièce ou le libellé) : sans cela, on ne peut pas savoir quelle facture"
    " et donc quel chantier est réglé. Ventilez le règlement en une ligne par facture dans votre"
    " comptabilité, ou saisissez-le dans le modèle « Import règlements clients »."
)

MESSAGES: dict[str, tuple[str, str]] = {
    # --- template rows: blocking -------------------------------------------
    "PAY_DATE_MISSING": (B, "Date de règlement absente. Saisissez la date à laquelle le règlement a été reçu (jj/mm/aaaa)."),
    "PAY_DATE_INVALID": (B, "Date de règlement impossible « {value} » : saisissez une date réelle au format jj/mm/aaaa (ex. 15/03/2025)."),
    "PAY_INVOICE_MISSING": (B, "N° de facture absent : indiquez la facture réglée (une ligne par facture ; ventilez un règlement qui couvre plusieurs factures)."),
    "PAY_INVOICE_UNKNOWN": (B, "Facture « {value} » inconnue du dossier (aucune facture de vente sous ce numéro). Vérifiez le numéro, ou mettez à jour la feuille « Factures » du dossier."),
    "PAY_INVOICE_OTHER_CUSTOMER": (B, "La facture {invoice} appartient au client {expected}, pas au client « {value} ». Corrigez le code client ou le n° de facture."),
    "PAY_AMOUNT_MISSING": (B, "Montant du règlement absent : saisissez le montant reçu (ex. 1234,56)."),
    "PAY_AMOUNT_INVALID": (B, "Montant illisible « {value} » : saisissez un nombre (ex. 1234,56), sans texte."),
    "PAY_AMOUNT_NOT_POSITIVE": (B, "Le montant d'un règlement doit être strictement positif (trouvé : {value}). Un remboursement ou un avoir ne s'importe pas ici."),
    "PAY_MODE_UNKNOWN": (B, "Mode de règlement « {value} » inconnu : choisissez dans la liste ({expected})."),
    "PAY_BANK_UNKNOWN": (B, "Banque « {value} » inconnue : indiquez le code journal d'une banque du dossier ({expected})."),
    "PAY_INVOICE_SETTLED_IN_LEDGER": (B, "La facture {invoice} est déjà soldée en comptabilité (lettrage {letter} du {date}) : ce règlement la paierait une seconde fois. Supprimez la ligne, ou, si la comptabilité est fausse, délettrez la facture puis réimportez le grand livre du dossier."),
    "PAY_DUPLICATE_IN_SHEET": (B, "Règlement en double : même facture, même date et même montant que la ligne {other}. Supprimez le doublon, ou regroupez les deux règlements en une ligne."),
    "PAY_ALREADY_IMPORTED": (I, "Importé le {imported_on} (lot {batch}) : ce règlement ({invoice}, {amount} € du {date}) est déjà enregistré ; il n'est pas importé une seconde fois. Rien à faire."),
    # --- template rows: warnings -------------------------------------------
    "PAY_PARTIAL": (W, "Règlement partiel de la facture {invoice} : {amount} € reçus sur {open} € restant dus ; il restera {rest} € à encaisser."),
    "PAY_OVERPAYMENT": (W, "Le règlement ({amount} €) dépasse le reste dû de la facture {invoice} ({open} €) : l'excédent de {excess} € restera au crédit du client {customer}. Vérifiez la facture ou le montant."),
    "PAY_DATE_BEFORE_INVOICE": (W, "Règlement daté du {value}, avant la facture {invoice} du {invoice_date} : acompte ou erreur de date ?"),
    "PAY_DATE_FUTURE": (W, "Règlement daté du {value}, dans le futur (aujourd'hui : {today}). Vérifiez la date."),
    "PAY_DATE_OUTSIDE_FISCAL_YEAR": (W, "Règlement daté du {value}, hors de l'exercice du {start} au {end} : l'écriture tombera sur un autre exercice."),
    "PAY_JOB_SITE_MISMATCH": (W, "Chantier « {value} » différent de celui de la facture {invoice} ({expected}) : c'est le chantier de la facture qui est retenu pour la synthèse."),
    "PAY_AMOUNT_ROUNDED": (W, "Montant « {value} » arrondi au centime : {rounded} €."),
    "PAY_BANK_DEFAULTED": (W, "Banque non renseignée : la banque par défaut {value} est retenue ({reason}). Renseignez la colonne si ce n'est pas la bonne."),
    # --- import from the accounting ledger (FEC) --------------------------
    "PAY_FEC_NO_BANK_LINE": (W, "Aucune ligne de règlement client trouvée dans les journaux de banque ({journals}) : rien à importer."),
    "PAY_FEC_NO_INVOICE_REF": (W, "Ligne de règlement de {amount} € ({customer}, « {label} ») sans n° de facture reconnu : non importée." + _ONE_LINE_PER_INVOICE),
    "PAY_FEC_SHORT_REF": (W, "N° de facture abrégé « {value} » dans le libellé : rapproché de la facture {invoice}, seule facture du client {customer} se terminant ainsi. Vérifiez ; mieux vaut saisir le n° complet en comptabilité."),
    "PAY_FEC_MULTI_INVOICE": (W, "Ligne de règlement de {amount} € citant plusieurs factures ({invoices}) : non importée." + _ONE_LINE_PER_INVOICE),
    "PAY_FEC_OTHER_CUSTOMER": (W, "Ligne de règlement du compte {value} citant la facture {invoice} du client {expected} : non importée. Vérifiez le compte ou la référence en comptabilité."),
    "PAY_FEC_NOT_RECEIPT": (W, "Ligne au débit du compte client {customer} dans le journal de banque ({amount} €, « {label} ») : remboursement ou rejet, non importé comme règlement."),
    "PAY_FEC_ALREADY_IMPORTED": (I, "Déjà importé (lot {batch}) : règlement de la facture {invoice} ({amount} € du {date}), déjà enregistré dans le registre ; il n'est pas importé une seconde fois."),
}
