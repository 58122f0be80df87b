"""Alert messages of LCR (CFONB 160), remittance slips, VAT on receipts and the payment data
of e-invoicing (status 212 « Encaissée »)."""
B, W, I = "BLOQUANT", "AVERTISSEMENT", "INFORMATION"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- CFONB 160 text and references -------------------------------------------------
    "LCR_TEXT_ACCENTS": (I, "Accents retirés pour le fichier LCR ({field}) : « {original} » sera écrit « {clean} »."),
    "LCR_TEXT_TRANSLITERATED": (W, "Texte modifié pour le fichier LCR ({field}) : « {original} » sera écrit « {clean} » (le fichier LCR n'admet que les majuscules sans accent, les chiffres, l'espace et * ( ) . , / + - : ; les autres caractères deviennent « - »). Corrigez le texte si ce n'est pas lisible."),
    "LCR_TEXT_TRUNCATED": (W, "Texte raccourci pour le fichier LCR ({field}) : « {original} » compte {length} caractères, la zone CFONB en admet {limit} ; il sera écrit « {clean} ». Abrégez-le vous-même si ce n'est pas lisible."),
    "LCR_TEXT_EMPTY": (B, "Donnée obligatoire pour le fichier LCR : {field} (trouvé : « {original} »). Renseignez-le."),
    "LCR_REFERENCE_INVALID": (B, "Référence refusée ({field}) : « {value} » ({reason}) : 10 caractères alphanumériques au plus, sans espace ni caractère spécial (elle sera complétée par des 0 à gauche). Corrigez-la ou laissez-la vide."),
    # --- bank details ------------------------------------------------------------------
    "LCR_IBAN_MISSING": (B, "IBAN absent pour {field} : une LCR est domiciliée sur un compte français ; saisissez l'IBAN (ou demandez un RIB)."),
    "LCR_IBAN_INVALID": (B, "IBAN invalide pour {field} ({reason}) : {value}. Vérifiez la saisie ou demandez un RIB."),
    "LCR_IBAN_NOT_FR": (B, "L'IBAN {value} ({field}) n'est pas un IBAN français de 27 caractères : la LCR est un instrument domestique entre comptes français. Utilisez un autre mode de règlement pour ce tiers."),
    "LCR_RIB_KEY": (B, "Clé RIB incorrecte dans l'IBAN {value} ({field}) : clé {found}, attendue {expected}. L'IBAN passe le contrôle international mais le RIB est faux ; demandez un RIB au tiers."),
    # --- amounts, dates, codes ---------------------------------------------------------
    "LCR_AMOUNT_INVALID": (B, "Montant de la LCR refusé ({value}) : il doit être positif et au plus 9 999 999 999,99 €."),
    "LCR_CURRENCY": (B, "Devise {value} : le fichier LCR n'accepte que l'euro."),
    "LCR_DATE_INVALID": (B, "Date invalide ({field}) : « {value} » : saisissez une date réelle au format jj/mm/aaaa."),
    "LCR_DUE_BEFORE_CREATION": (B, "Date d'échéance {due} antérieure à la date de création {created} : corrigez l'une des deux."),
    "LCR_DUE_DATE_PAST": (W, "Date d'échéance {due} antérieure à la date de remise {remitted} : la banque peut rejeter la LCR."),
    "LCR_VALUE_DATE_MISSING": (B, "Date de valeur obligatoire avec le code entrée {option} (escompte) : saisissez-la."),
    "LCR_VALUE_DATE_PAST": (B, "Date de valeur {value} dans le passé (remise du {today}) : elle doit être aujourd'hui ou plus tard."),
    "LCR_VALUE_DATE_IGNORED": (W, "Date de valeur {value} ignorée : elle ne sert qu'à l'escompte (codes entrée 1 et 2) et reste vide avec le code entrée {option}."),
    "LCR_ACCEPTANCE_INVALID": (B, "Accept. « {value} » invalide : 0 (non acceptée), 1 (acceptée) ou 2 (billet à ordre)."),
    "LCR_CODE_INVALID": (B, "Code invalide ({field}) : « {value} » ; valeurs admises {expected}."),
    "LCR_SIREN_INVALID": (W, "SIREN « {value} » ({field}) invalide : 9 chiffres avec clé de Luhn attendus. La zone SIREN restera vide."),
    "LCR_NO_BILLS": (B, "Aucune LCR à remettre : la feuille « Gestion des LCR » ne contient aucune ligne valide."),
    "LCR_LABEL_FIELD_UNKNOWN": (B, "Libellé de contrepartie « {template} » : le champ {{{name}}} n'existe pas. Champs possibles : {expected}."),
    "LCR_LABEL_TRUNCATED": (W, "Libellé de contrepartie « {label} » : {length} caractères, 31 au plus ; il sera écrit « {clean} »."),
    "LCR_READBACK_MISMATCH": (B, "Le fichier LCR relu ne redonne pas les données saisies ({detail}) : il n'a pas été enregistré. Signalez ce cas."),
    # --- reading a CFONB 160 file ------------------------------------------------------
    "LCR_FILE_ENCODING": (B, "Fichier LCR illisible : il doit être en ASCII ({detail})."),
    "LCR_RECORD_LENGTH": (B, "Enregistrement {index} de {length} caractères : chaque enregistrement CFONB 160 en compte exactement 160."),
    "LCR_RECORD_CODE": (B, "Enregistrement {index} : code « {value} » inattendu ({expected} attendu)."),
    "LCR_RECORD_NUMBER": (B, "Enregistrement {index} : numéro {value}, attendu {expected} (les numéros se suivent sans trou)."),
    "LCR_RECORD_FIELD": (B, "Enregistrement {index}, zone {zone} ({label}) : « {value} » illisible."),
    "LCR_TOTAL_MISMATCH": (B, "Le total du fichier ({total}) n'est pas la somme des LCR ({expected})."),
    # --- VAT on receipts ---------------------------------------------------------------
    "VAT_RECEIPT_NO_ALLOCATION": (W, "Encaissement de {amount} du {date} ({party}) sans répartition de TVA : ni facture retrouvée ni saisie. Répartissez-le (code opération, code TVA) pour qu'il figure sur la CA3."),
    "VAT_ALLOCATION_REMAINDER": (B, "Répartition de l'encaissement de {amount} ({party}) incomplète : reste à répartir {remainder}. Ajoutez des lignes jusqu'à un reste de 0."),
    "VAT_CODE_UNKNOWN": (B, "Code TVA « {value} » inconnu : codes possibles {expected}."),
    "VAT_OPERATION_CODE_UNKNOWN": (B, "Code opération « {value} » inconnu : codes possibles {expected}."),
    "VAT_RECEIPTS_EXCEED_INVOICE": (W, "Les encaissements de la facture {invoice} ({received}) dépassent son montant TTC ({total}) : l'excédent ({excess}) n'est pas réparti en TVA."),
    "VAT_INVOICE_NO_BREAKDOWN": (W, "La facture {invoice} n'a pas de ventilation par taux de TVA exploitable dans le grand livre (aucune ligne de TVA, ou un taux au total négatif) : l'encaissement doit être réparti à la main."),
    # --- payment data (status 212 « Encaissée ») ----------------------------------------
    "CASHED_SELLER_SIREN": (B, "SIREN du vendeur « {value} » invalide : les données d'encaissement ne peuvent pas être produites. Corrigez la fiche société."),
    "CASHED_NOT_LETTERED": (W, "Encaissements non lettrés : {count} encaissement(s) pour {amount} ne sont pas encore lettrés avec leur facture : ils seront déclarés en global (sans numéro de facture) et à corriger à la période suivante. Lettrez-les pour une déclaration exacte."),
    "CASHED_NO_INVOICE_DATE": (W, "Facture {invoice} sans date de facture : la colonne restera vide."),
    # --- un-validation and bank reject ------------------------------------------------
    "UNVALIDATE_CONFIRMATION_REQUIRED": (B, "Dévalider TOUS les clients demande deux confirmations (reçues : {count}) : confirmez deux fois pour rouvrir toutes les LCR validées."),
    "UNVALIDATE_OTHER_YEAR": (W, "La ligne {item} est lettrée le {lettered}, hors de l'exercice en cours : elle n'est pas dévalidée. Délettrez-la dans son exercice si nécessaire."),
    "UNVALIDATE_NOTHING": (W, "Rien à dévalider ({scope}) : aucune ligne validée ne correspond."),
    "LCR_REJECT_NOT_FOUND": (B, "Aucune remise « {value} » au registre : vérifiez la référence ou le nom du fichier rejeté."),
    "LCR_REJECT_NOT_LCR": (B, "La remise « {value} » n'est pas une remise LCR (type {kind}) : annulez-la depuis son propre module."),
    "LCR_REJECT_NOT_LIVE": (B, "La remise « {value} » est déjà {status} : rien à annuler."),
    # --- slips -------------------------------------------------------------------------
    "SLIP_EMPTY": (W, "Bordereau d'accompagnement vide : aucune remise à imprimer."),
}
