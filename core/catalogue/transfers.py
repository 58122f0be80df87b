"""Alert messages of the supplier transfers workflow (see core/catalogue/__init__.py).

Also holds the codes of the SEPA text cleaning and of the pain.001 writer
(``reglo.core.writers.sepa_text``, ``reglo.core.writers.pain001``), shared with other SEPA writers.
"""
B, W, I = "BLOQUANT", "AVERTISSEMENT", "INFORMATION"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- SEPA text, identifiers, dates (reglo.core.writers) ----------------------
    "TEXT_TRANSLITERATED": (I, "Texte adapté au jeu de caractères SEPA ({field}) : caractères remplacés (« {original} » → « {clean} »). Les banques n'acceptent que les lettres sans accent, les chiffres, l'espace et / - ? : ( ) . , ' +."),
    "TEXT_TRUNCATED": (W, "Texte tronqué ({field}) à {limit} caractères (longueur {length}) : « {clean} ». Raccourcissez le texte à la source si la fin compte."),
    "TEXT_EMPTY": (B, "Texte obligatoire vide ({field}) (ou vide après nettoyage de « {original} ») : renseignez-le."),
    "SEPA_ID_INVALID": (B, "Identifiant {field} « {value} » refusé : {reason}. Attendu : 1 à 35 caractères du jeu SEPA, sans « / » au début ou à la fin ni « // »."),
    "REMITTANCE_TRUNCATED": (W, "Libellé du virement limité à 140 caractères : {kept} référence(s) sur {total} citées (« {clean} ») ; les autres sont résumées par « +{rest} »."),
    "CREDITOR_REFERENCE_INVALID": (W, "La référence « {value} » ressemble à une référence créancier structurée (RF, ISO 11649) mais sa clé est fausse : elle est envoyée comme libellé libre. Vérifiez-la auprès du fournisseur."),
    "EXECUTION_DATE_ROLLED": (W, "Date d'exécution {requested} : jour non ouvré TARGET2 (week-end, 1er janvier, Vendredi saint, lundi de Pâques, 1er mai, 25 ou 26 décembre) ; reportée au {rolled}."),
    "EXECUTION_DATE_PAST": (B, "Date d'exécution demandée {requested} antérieure à la date du jour {today} : une banque refuse une date passée. Saisissez une date à partir du {today}."),
    "AMOUNT_OUT_OF_RANGE": (B, "Montant de virement {value} hors des bornes SEPA (0,01 à 999 999 999,99 €)."),
    "XSD_INVALID": (B, "Le fichier {version} généré ne respecte pas le schéma XSD officiel : {detail}. Aucun fichier n'a été écrit ; signalez ce cas au support avec le classeur."),
    # --- parameters sheet ---------------------------------------------------
    "TRANSFER_PARAM_MISSING": (B, "Paramètre « {name} » absent dans la feuille « Paramètres virements » : {hint}."),
    "TRANSFER_PARAM_INVALID": (B, "Paramètre « {name} » invalide : « {value} ». Attendu : {expected}."),
    "TRANSFER_PERIOD_INVERTED": (B, "Période inversée : du {start} au {end}. La date de début doit précéder la date de fin."),
    # --- import -------------------------------------------------------------
    "CURRENCY_NOT_EUR": (B, "Ligne en devise {currency} ({document}) : un virement SEPA est en euros uniquement. Réglez-la hors SEPA ou écartez-la (Sélection = Non)."),
    "DUE_DATE_MISSING": (W, "Ligne {document} sans date d'échéance : la date de pièce {used} est utilisée pour le filtre de période."),
    "PARTLY_PAID": (W, "Facture {document} déjà virée en partie : {paid} € par le(s) fichier(s) {files}. Montant proposé : le solde {balance} € sur {original} €."),
    "NOTHING_IMPORTED": (W, "Aucune ligne non lettrée à payer sur la période du {start} au {end} (racines {roots}, journaux {journals})."),
    # --- preview rules (bloquant on the preview) ----------------------------
    "BENEFICIARY_TOTAL_NOT_POSITIVE": (B, "Sélection de {name} : total {total} € ≤ 0. Un virement doit être positif ; désélectionnez le débit (acompte, avoir, règlement) ou ajoutez des factures."),
    "NEGATIVE_LINE_ALONE": (B, "Ligne négative {document} ({amount} €) sélectionnée seule pour {name} : un débit ne se vire pas. Regroupez-la avec des factures du même bénéficiaire (même Groupe) ou mettez Sélection = Non."),
    "NEGATIVE_NOT_GROUPED": (B, "Bénéficiaire {name} : plusieurs lignes sélectionnées dont une négative ({document}, {amount} €) sans regroupement. Donnez le même Groupe à la ligne négative et aux factures qu'elle compense."),
    "NEGATIVE_GROUP_NOT_POSITIVE": (B, "Groupe {group} de {name} : total {total} € ≤ 0. Une ligne négative n'est admise que dans un groupe de total positif."),
    "BENEFICIARY_UNKNOWN": (B, "Compte {account} absent de la feuille Tiers du dossier : pas d'IBAN ni de nom pour le virer. Créez le tiers ou désélectionnez ses lignes."),
    "ADDRESS_REQUIRED": (B, "Adresse de {name} incomplète (ville « {town} », pays « {country} ») : la version {version} exige une adresse structurée (ville et pays au minimum). Complétez la feuille Tiers."),
    "BIC_REQUIRED": (B, "BIC absent pour {name} : la banque du bénéficiaire est hors EEE ({country}), le BIC est alors obligatoire. Saisissez-le dans la feuille Tiers."),
    "SELECTION_INVALID": (B, "Sélection « {value} » : saisissez Oui ou Non."),
    "AMOUNT_EXCEEDS_OPEN": (B, "Montant saisi {value} € supérieur au montant d'origine {original} € de la ligne {document} : on ne vire pas plus que le dû."),
    "AMOUNT_SIGN_CHANGED": (B, "Montant saisi {value} € de signe contraire au montant d'origine {original} € ({document}) : une facture reste positive, un débit négatif."),
    "AMOUNT_EDITED": (W, "Montant modifié pour {document} : {value} € au lieu de {original} €. Le solde de {balance} € reviendra au prochain import."),
    "LINE_UNKNOWN": (B, "Ligne inconnue de l'import (clé « {key} ») : ne pas ajouter de lignes à la prévisualisation ; relancez « Importer »."),
    "ALREADY_PAID": (W, "Ligne {document} ({name}) déjà payée par le fichier {file} du {date} : ligne ignorée. Annulez ce fichier dans le registre s'il a été rejeté par la banque."),
    "NOTHING_SELECTED": (W, "Aucune ligne à virer : rien n'est sélectionné (ou tout est déjà payé). Aucun fichier généré."),
    "PREVIEW_MISSING": (B, "Aucun import de virements dans ce classeur : cliquez d'abord sur « Importer »."),
    "DEBTOR_ACCOUNT_INVALID": (B, "Compte de la banque émettrice invalide : {detail}. Corrigez l'IBAN/BIC dans « Paramètres virements »."),
    # --- register -------------------------------------------------------------
    "TRANSFER_FILE_UNKNOWN": (B, "Fichier de virements « {value} » introuvable dans le registre (référence, nom de fichier ou numéro de lot). Fichiers actifs : {known}."),
    "TRANSFER_FILE_ALREADY_CANCELLED": (I, "Fichier {file} déjà annulé dans le registre le {date} ({reason}) : rien n'a changé."),
    "TRANSFER_PERIOD_OPTION": (B, "Période des échéances absente : indiquez-la avec --period, par exemple --period 2025-12 (un mois), --period 2025 (une année) ou --period 01/12/2025:28/02/2026 (du … au …) ; ou saisissez « Période du » et « Période au » dans la feuille « Paramètres virements »."),
    "TRANSFER_FILE_CANCELLED": (W, "Fichier {file} annulé dans le registre ({reason}) : ses {count} facture(s) redeviennent payables au prochain import."),
    # --- lettered copy of the ledger (payments and transfers) ------------------
    "LETTERED_COPY_UNREADABLE": (B, "La copie lettrée du grand livre « {file} » est illisible ({detail}) : elle contient peut-être des écritures de Reglo absentes du FEC du dossier, elle n'est donc ni écrasée ni reconstruite. Réparez-la, ou renommez-la si vous êtes sûr de pouvoir la perdre, puis relancez."),
    "LETTERED_COPY_REBUILT": (W, "Le FEC du dossier « {fec} » a changé depuis la dernière copie lettrée « {file} » : la copie est reconstruite à partir de lui. {count} écriture(s) Reglo absente(s) du nouveau FEC reportée(s) : {carried}. Lettrage non repris (facture déjà lettrée ou modifiée dans le nouveau FEC) : {dropped}. Le journal d'annulation repart de zéro."),
    "ENTRIES_NEXT_FISCAL_YEAR": (W, "Écritures datées après la clôture de l'exercice ({end}), {count} au total : {entries}. Elles figurent dans le fichier d'écritures à importer, mais pas dans la copie lettrée de l'exercice « {file} » : elles appartiennent à l'exercice suivant, où leurs factures seront lettrées (reglo letter sur le FEC de cet exercice)."),
}
