"""Alert messages of the dossier (``dossier.xlsx`` read by ``reglo.addin.shell.dossier.load_dossier``).

Generic problems (missing sheet or column, invalid IBAN/BIC/ICS/SIREN, unreadable amount or
date) use the foundation codes; the codes below are specific to the dossier's sheets.
"""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "DOSSIER_FILE_MISSING": (B, "Classeur du dossier introuvable : {path}. Un dossier Reglo est un dossier contenant « dossier.xlsx » (créez-le avec « reglo templates » ou « reglo demo »)."),
    "DOSSIER_FOLDER_MISSING": (B, "Dossier introuvable : « {path} » n'existe pas. Indiquez le dossier Reglo (celui qui contient « dossier.xlsx »), vérifiez l'orthographe du chemin, ou créez le dossier avec « reglo templates » ou « reglo demo »."),
    "DOSSIER_SHEET_OPTIONAL_MISSING": (W, "La feuille « {name} » est absente du dossier : {consequence}. Ajoutez-la depuis le modèle « Dossier Reglo.xlsx » si vous en avez besoin."),
    "DOSSIER_COMPANY_VALUE": (B, "Société : le paramètre « {name} » est absent ou invalide (trouvé : « {value} »). Renseignez-le dans la colonne « Valeur » de la feuille Société."),
    "DOSSIER_FISCAL_YEAR": (B, "Exercice incohérent : début {start} après la fin {end}. Corrigez les dates d'exercice dans la feuille Société."),
    "DOSSIER_CODE_MISSING": (B, "Code absent : la ligne est ignorée. Chaque ligne doit porter un code (ex. C001 pour un client, F001 pour un fournisseur)."),
    "DOSSIER_CODE_DUPLICATE": (B, "Le code « {value} » apparaît déjà ligne {first} : cette ligne est ignorée. Un code ne doit figurer qu'une fois."),
    "DOSSIER_PARTY_TYPE": (B, "Type de tiers « {value} » inconnu : attendu « Client », « Fournisseur », « Salarié », « Associé », « Organisme social » ou « Autre ». La ligne est ignorée."),
    "DOSSIER_CONTROL_ACCOUNT": (B, "Compte collectif « {value} » invalide pour un {kind} : attendu un compte {expected} (ex. {example}). La ligne est ignorée."),
    "DOSSIER_NAME_MISSING": (B, "Raison sociale absente pour le tiers {party} : la ligne est ignorée."),
    "DOSSIER_PAYMENT_METHOD": (W, "Mode de règlement « {value} » inconnu : attendu {expected}. Le tiers est repris sans mode de règlement."),
    "DOSSIER_PRIORITY": (W, "Priorité « {value} » invalide : attendu un entier de 0 (le plus prioritaire) à 99. La priorité 50 est retenue."),
    "DOSSIER_HEAD_OFFICE_UNKNOWN": (W, "Centrale « {value} » inconnue : aucun tiers ne porte ce code. Le tiers est repris sans centrale."),
    "DOSSIER_BANK_UNKNOWN": (W, "Banque par défaut « {value} » inconnue : aucun journal de ce code dans la feuille Banques ({known}). Le tiers est repris sans banque par défaut."),
    "DOSSIER_POSTCODE_PADDED": (W, "Code postal « {value} » lu comme un nombre : Excel a supprimé le zéro initial, il est lu « {padded} ». Formatez la colonne en texte."),
    "DOSSIER_UNKNOWN_PARTY": (B, "Code tiers « {value} » inconnu dans la feuille Tiers : la ligne est ignorée. Créez le tiers ou corrigez le code."),
    "DOSSIER_UNKNOWN_CUSTOMER": (W, "Code client « {value} » inconnu (ou qui n'est pas un client) dans la feuille Tiers. La ligne est reprise ; corrigez le code."),
    "DOSSIER_UNKNOWN_JOB_SITE": (W, "Code chantier « {value} » inconnu dans la feuille Chantiers. La facture est reprise sans chantier."),
    "DOSSIER_MANDATE_ID": (B, "RUM « {value} » invalide : 1 à 35 caractères parmi lettres, chiffres, espace et / - ? : ( ) . , ' +. La ligne est ignorée."),
    "DOSSIER_SEQUENCE": (W, "Séquence « {value} » inconnue : attendu FRST, RCUR, OOFF ou FNAL. FRST est retenu (première présentation)."),
    "DOSSIER_SCHEME": (W, "Schéma « {value} » inconnu : attendu CORE ou B2B. CORE est retenu."),
    "DOSSIER_INVOICE_TOTAL": (B, "Facture {number} : HT {net} + TVA {vat} ≠ TTC {gross}. La ligne est ignorée ; corrigez les montants."),
    "DOSSIER_FEC_MISSING": (W, "Aucun FEC dans le dossier {folder} (fichier SIRENFECAAAAMMJJ.txt attendu) : le grand livre est vide."),
    "DOSSIER_FEC_SEVERAL": (W, "Plusieurs FEC dans le dossier ({found}) : « {chosen} » est retenu (SIREN de la société, clôture la plus récente)."),
}
