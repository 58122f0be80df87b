"""Alert messages of the dossier rules (``reglo.core.rules``): bank details, creditor
identifier (ICS), mandates and structured postal addresses. Shared by the direct-debit checks
and by « Contrôler le dossier » (``reglo check dossier.xlsx``)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- bank details (reglo.core.rules.bank) --------------------------------
    "RULE_IBAN_MISSING": (B, "Anomalie — {who} : IBAN absent. Saisissez l'IBAN de la banque par défaut."),
    "RULE_IBAN_INVALID": (B, "Anomalie — {who} : IBAN « {value} » invalide ({reason}). Vérifiez-le sur le RIB."),
    "RULE_RIB_KEY": (B, "Anomalie — {who} : IBAN « {value} » dont la clé RIB est fausse (les contrôles IBAN passent, mais le RIB français est faux). Vérifiez le numéro de compte sur le RIB."),
    "RULE_IBAN_NOT_SEPA": (B, "Anomalie — {who} : IBAN « {value} » d'un pays hors zone SEPA : un prélèvement SEPA est impossible."),
    "RULE_BIC_INVALID": (B, "Anomalie — {who} : BIC « {value} » invalide ({reason}). Attendu : 8 ou 11 caractères (ex. AGRIFRPPXXX)."),
    "RULE_BIC_REQUIRED": (B, "Anomalie — {who} : BIC obligatoire pour une banque hors Espace économique européen (pays {country}). Saisissez le BIC."),
    "RULE_BANK_INCOMPLETE": (B, "Banque du dossier {journal} : coordonnées incomplètes ({missing}). Complétez la feuille « Banques » du dossier."),
    # --- creditor identifier (reglo.core.rules.ics) --------------------------
    "RULE_ICS_MISSING": (B, "Banque du dossier {journal} sans identifiant créancier SEPA (ICS) : un prélèvement est impossible. Saisissez l'ICS (13 caractères, ex. FR72ZZZ123456) dans la feuille « Banques »."),
    "RULE_ICS_INVALID": (B, "Banque du dossier {journal} : identifiant créancier SEPA (ICS) « {value} » invalide ({reason}). Attendu : FRkkZZZnnnnnn, clé de contrôle ISO 7064 MOD 97-10."),
    # --- mandates (reglo.core.rules.mandates) -------------------------------
    "RULE_MANDATE_MISSING": (W, "Anomalie — {who} : aucun mandat de prélèvement valide (référence unique de mandat et date de signature). Le client n'est pas prélevé ; saisissez son mandat dans la feuille « Mandats »."),
    "RULE_MANDATE_ID_INVALID": (W, "Anomalie — {who} : référence de mandat (RUM) « {value} » invalide ({reason}). Le client n'est pas prélevé."),
    "RULE_MANDATE_SIGNED_LATER": (W, "Anomalie — {who} : mandat {rum} signé le {signed}, après la date de prélèvement {day}. Le client n'est pas prélevé."),
    "RULE_MANDATE_EXPIRED": (W, "Anomalie — {who} : mandat {rum} non utilisé depuis le {since} (plus de 36 mois) : il est caduc selon les règles SEPA. Faites signer un nouveau mandat ; le client n'est pas prélevé."),
    "RULE_MANDATE_REVOKED": (W, "Anomalie — {who} : mandat {rum} révoqué le {revoked}. Le client n'est pas prélevé."),
    "RULE_MANDATE_ONE_OFF_USED": (W, "Anomalie — {who} : mandat ponctuel (OOFF) {rum} déjà utilisé le {used} : un mandat ponctuel ne sert qu'une fois. Le client n'est pas prélevé."),
    "RULE_MANDATE_ENDED": (W, "Anomalie — {who} : mandat {rum} clos par un dernier prélèvement (FNAL) le {used}. Le client n'est pas prélevé."),
    "RULE_MANDATE_DUPLICATE": (W, "Anomalie — {who} : la référence de mandat {rum} est aussi celle de {other} (une RUM est unique pour un créancier, sans distinction de casse)."),
    # --- addresses (reglo.core.rules.address) -------------------------------
    "RULE_ADDRESS_UNSTRUCTURED": (W, "Anomalie — {who} : adresse sans ville ou sans pays (« {value} »). Depuis le 15 novembre 2026, une adresse SEPA doit avoir au moins la ville et le pays en champs séparés : l'adresse n'est pas transmise à la banque. Complétez la ville et le pays."),
    "RULE_ADDRESS_REQUIRED": (B, "Anomalie — {who} : adresse structurée (au moins ville et pays) obligatoire, la banque est hors Espace économique européen (pays {country}), et l'adresse actuelle ne la respecte pas (« {value} »)."),
    "RULE_ADDRESS_TOO_LONG": (W, "Anomalie — {who} : {field} « {value} » dépasse {limit} caractères ; il sera tronqué."),
}
