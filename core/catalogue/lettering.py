"""Alert messages of the lettering workflow (see core/catalogue/__init__.py)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    "LET_GROUP_UNBALANCED": (
        W,
        "Lettrage {letter} du compte {account} déséquilibré : débit {debit}, crédit {credit} (écart {gap}). "
        "Un lettrage complet doit solder ses lignes : ces lignes sont laissées telles quelles ; délettrez-les puis relettrez-les.",
    ),
    "LET_CODE_REUSED": (
        W,
        "Code de lettrage {letter} du compte {account} utilisé pour des lettrages distincts (dates de lettrage {dates}). "
        "Chaque lettrage doit avoir son propre code : ces lignes sont laissées telles quelles ; délettrez puis relettrez le compte.",
    ),
    "LET_DEBIT_AND_CREDIT": (
        W,
        "Ligne du compte {account} avec un débit ({debit}) et un crédit ({credit}) à la fois. "
        "Une ligne porte un seul sens : elle n'est pas lettrée ; corrigez l'écriture dans la comptabilité.",
    ),
    "LET_ALERTS_TRUNCATED": (
        W,
        "Alertes {what} : {count} de plus, non détaillées, par exemple lignes {rows}. Corrigez d'abord les premières : "
        "ce sont souvent les mêmes causes.",
    ),
    "LET_NO_SCOPE": (
        W,
        "Aucune ligne des comptes {roots} dans le fichier : rien à lettrer. Vérifiez les racines de comptes demandées (ex. 411,401).",
    ),
    "LET_BUDGET_EXCEEDED": (
        W,
        "Compte {account} : la recherche de combinaisons s'est arrêtée sur son budget ({budget} opérations) ; "
        "{left} ligne(s) ouverte(s) n'ont pas toutes été examinées. Lettrez-les à la main ou relancez avec un budget plus grand.",
    ),
    "LET_AMBIGUOUS": (
        W,
        "Compte {account} : proposition {letter} ambiguë ({reason}) ; autres possibilités : {alternatives}. "
        "Elle n'est pas appliquée automatiquement : choisissez « Oui » dans « Appliquer » si elle est juste.",
    ),
    "LET_WRITE_OFF": (
        W,
        "Compte {account} : lettrage {letter} avec un écart de règlement de {gap}, passé en {write_off_account} par une écriture d'OD proposée. "
        "Mettez « Non » dans « Appliquer » pour refuser l'écart.",
    ),
    "LET_PROPOSAL_STALE": (
        B,
        "Proposition {letter} du compte {account} : la ligne {source_row} n'est plus ouverte ou a changé depuis la proposition. "
        "Relancez « Proposer le lettrage ».",
    ),
    "LET_PROPOSAL_UNBALANCED": (
        B,
        "Proposition {letter} du compte {account} : les lignes retenues ne se soldent pas (écart {gap}). "
        "Ne retirez pas de lignes d'une proposition : mettez « Non » pour la refuser entièrement.",
    ),
    "LET_CHOICE_INVALID": (
        W,
        "Valeur « {value} » dans « Appliquer » : « Oui » ou « Non » attendu. La proposition n'est pas appliquée.",
    ),
    "LET_UNDO_NOT_FOUND": (
        W,
        "Rien à délettrer pour {what} : aucun lettrage correspondant dans le fichier. Vérifiez le code, le compte ou le numéro de lancement.",
    ),
    "LET_UNDO_CHANGED": (
        B,
        "Ligne {source_row} : son lettrage ({found}) a changé depuis le lancement {run_id} (attendu {expected}). "
        "Le délettrage de ce lancement n'est pas fait ; délettrez d'abord par code.",
    ),
}
