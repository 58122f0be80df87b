"""Alert messages of the customer direct-debit workflow (« Prélèvements clients »).

The bank-detail, ICS, mandate and address rules have their own codes (``rules.py``); the
pain.008 writer shares the SEPA text and XSD codes of ``transfers.py``.
"""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- checks before the window opens -------------------------------------
    "DEBIT_NO_PARTY": (W, "Compte client {account} ({label}) sans fiche tiers : il n'est pas repris dans les prélèvements. Créez le tiers dans la feuille « Tiers » du dossier (voir « Édition compte sans tiers »)."),
    "DEBIT_NO_DEFAULT_BANK": (W, "Anomalie — {who} sans banque par défaut (pas d'IBAN) : il n'est pas repris dans les prélèvements. Saisissez l'IBAN du client dans la feuille « Tiers » (voir « Édition compte sans tiers »)."),
    "DEBIT_SEVERAL_ACCOUNTS": (W, "Tiers {party} ({name}) rattaché à plusieurs comptes clients ({accounts}) : il n'est pas repris. Un tiers ne doit correspondre qu'à un compte client."),
    "DEBIT_NO_COMPANY_BANK": (B, "Aucune banque du dossier « {journal} » : banques connues {known}. Choisissez la banque dans les options ou complétez la feuille « Banques » du dossier."),
    "DEBIT_NO_LEDGER": (W, "Aucune facture client non lettrée dans le grand livre du dossier ({detail}) : rien à prélever."),
    # --- options and allocation ----------------------------------------------
    "DEBIT_OPTION_INVALID": (B, "Option « {name} » invalide : « {value} ». Attendu : {expected}."),
    "DEBIT_RANGE_INVERTED": (B, "Intervalle « {name} » inversé : du {start} au {end}. Le début doit précéder la fin."),
    "DEBIT_MODE_INVALID": (B, "Ligne {document} : mode de règlement « {value} » inconnu. Modes : {expected}."),
    "DEBIT_BANK_UNKNOWN": (B, "Ligne {document} : banque du dossier « {value} » inconnue (banques : {known})."),
    "DEBIT_LINE_UNKNOWN": (W, "Ligne {document} de la feuille « {sheet_name} » absente du grand livre (lettrée ou supprimée depuis la préparation) : ignorée. Relancez « Préparer »."),
    "DEBIT_SCHEDULE_REMAINDER": (B, "Échéancier de la pièce {document} ({amount} €) : « Reste » = {rest} €. Pour valider, le reste doit être 0 (échéancier complet) ou {amount} € (pas d'échéancier)."),
    "DEBIT_SCHEDULE_LINE_INVALID": (B, "Échéancier de la pièce {document} : {detail}."),
    "DEBIT_FORCED_INVALID": (B, "Montant forcé du client {customer} invalide : « {value} ». Attendu : un montant positif avec au plus 2 décimales."),
    "DEBIT_FORCED_UNKNOWN_CUSTOMER": (B, "Montant forcé pour le client {customer} inconnu du dossier."),
    "DEBIT_ALREADY_COLLECTED": (W, "Pièce {document} du client {customer} déjà prélevée ({amount} € par {files}) : elle n'est pas reprise."),
    "DEBIT_TOTAL_NOT_POSITIVE": (W, "Client {customer} : total à prélever {total} € ≤ 0 (avoirs supérieurs aux factures) : il n'est pas prélevé."),
    "DEBIT_AMOUNT_TOO_LARGE": (B, "Client {customer} : montant {total} € au-delà du maximum SEPA (999 999 999,99 €)."),
    "DEBIT_NOTHING_TO_COLLECT": (W, "Aucun prélèvement à générer sur la banque {journal} (aucune ligne en mode Prélèvement affectée à cette banque, ni montant forcé)."),
    "DEBIT_CUSTOMER_EXCLUDED": (W, "Client {customer} écarté de la génération : {reason}."),
    # --- generation ---------------------------------------------------------
    "DEBIT_COLLECTION_DATE_MOVED": (W, "Date de prélèvement {requested} reportée au {moved} : {reason}."),
    "DEBIT_COLLECTION_TOO_FAR": (B, "Date de prélèvement {day} trop lointaine : la banque accepte une remise au plus tôt {horizon} jours avant la date de prélèvement (règles SEPA), or elle est dans {gap} jours. Générez le fichier à partir du {earliest}, ou augmentez « Horizon de la banque (jours) » si votre banque l'accepte."),
    "DEBIT_OTHER_YEAR_NOT_LETTERED": (W, "Pièces de l'autre exercice : {count} pièce(s) prélevée(s) viennent du FEC de l'autre exercice ({pieces}) : elles sont prélevées et enregistrées, mais pas lettrées dans {file} (exercice de la date de prélèvement). Lettrez-les dans le FEC de leur exercice."),
    "DEBIT_PRENOTIFICATION_SHORT": (W, "Pré-notification : le débiteur doit être informé {days} jours avant le prélèvement du {day} (règles SEPA, sauf accord plus court) ; la pré-notification part le {today}, soit {gap} jour(s) avant. Vérifiez l'accord avec les clients ou reportez la date."),
    "DEBIT_AMENDMENT": (W, "Anomalie — {who} : IBAN modifié depuis le dernier prélèvement ({old} → {new}) : le prélèvement porte l'indicateur de modification du mandat (AmdmntInd) avec l'ancien compte."),
    "DEBIT_BANK_CHANGED": (W, "Anomalie — {who} : nouvelle banque depuis le dernier prélèvement ({old} → {new}) : modification du mandat SMNDA, le prélèvement est envoyé en premier prélèvement (FRST)."),
    "DEBIT_LABEL_TRUNCATED": (W, "Libellé « {value} » limité à 31 caractères : « {kept} »."),
    "DEBIT_LABEL_FIELD_UNKNOWN": (B, "Libellé : champ dynamique {field} inconnu. Champs : {{DATE}} {{JOUR}} {{MOIS}} {{ANNEE}} {{PIECE}} {{RAISON_SOCIALE}} {{LIBELLE_COMPTE}}."),
    "DEBIT_TEST_FILE": (W, "Fichier de test {file} : il n'est pas à envoyer pour encaissement ; rien n'est compté comme prélevé ni lettré."),
    "DEBIT_LETTERING_SKIPPED": (W, "Lettrage : {detail}."),
    "DEBIT_MANDATE_DECLARED_USED": (W, "Anomalie — {who} : mandat {rum} déclaré déjà utilisé avant Reglo (feuille « Mandats », séquence RCUR) : prélèvement récurrent (RCUR)."),
    "DEBIT_ALREADY_GENERATED": (W, "Rien de nouveau à prélever : les lignes retenues sont déjà prélevées par {files}."),
}
