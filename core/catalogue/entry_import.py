"""Alert messages of the entry_import workflow (see core/catalogue/__init__.py).

Reused foundation codes (not redefined here): FILE_UNREADABLE, FILE_EMPTY, FILE_ENCODING,
COLUMN_MISSING, AMOUNT_INVALID, AMOUNT_MISSING, AMOUNT_ROUNDED, DATE_INVALID, DATE_MISSING,
ACCOUNT_MISSING, ACCOUNT_INVALID, ENTRY_DEBIT_AND_CREDIT, ENTRY_NEGATIVE_AMOUNT.
"""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- the import definition ---------------------------------------------
    "IMPORT_DEFINITION_INVALID": (B, "Définition d'import incorrecte — {field} : {detail}"),
    "IMPORT_RANGES_OVERLAP": (B, "Les plages de numéros se chevauchent : {first} ({first_kind}) et {second} ({second_kind}). La détermination automatique du type de compte exige des séries distinctes ; corrigez les plages dans la définition d'import."),
    "IMPORT_COLUMNS_MISSING": (B, "Colonnes de la définition d'import absentes du fichier ({count}) : {names}. Colonnes trouvées dans la ligne d'en-tête : {found}. Corrigez l'en-tête du fichier ou les noms de colonnes de la définition, puis relancez l'import."),
    "IMPORT_NOT_TEXT": (B, "Le fichier « {name} » n'est pas un fichier texte d'écritures : c'est {kind}. Enregistrez les lignes à importer au format CSV (séparateur « ; ») ou texte (.txt), ou importez directement le classeur .xlsx."),
    # --- one line ------------------------------------------------------------
    "IMPORT_FIELD_COUNT": (B, "La ligne compte {found} champs au lieu de {expected} (souvent un séparateur « {sep} » dans un libellé, ou une ligne coupée) : elle est rejetée telle quelle. Corrigez-la dans le fichier des rejets puis réimportez-le."),
    "IMPORT_ACCOUNT_TYPE_INVALID": (B, "Type de compte « {value} » inconnu : attendu G (compte général), D (client) ou C (fournisseur)."),
    "IMPORT_ACCOUNT_TYPE_UNKNOWN": (B, "Le compte « {value} » n'entre dans aucune plage de numéros de la définition (comptes généraux, clients, fournisseurs) : impossible de savoir s'il s'agit d'un compte général, d'un client ou d'un fournisseur. Complétez les plages ou ajoutez une colonne de type G/D/C."),
    "IMPORT_THIRD_PARTY_TWICE": (B, "La ligne porte à la fois un code client (« {customer} ») et un code fournisseur (« {supplier} ») : une ligne ne concerne qu'un tiers ; videz l'une des deux colonnes."),
    "IMPORT_SIGN_INVALID": (B, "Sens « {value} » inconnu : attendu « {debit} » (débit) ou « {credit} » (crédit), comme indiqué dans la définition d'import."),
    "IMPORT_JOURNAL_MISSING": (B, "Code journal absent et aucun journal par défaut dans la définition d'import : renseignez le journal sur la ligne ou le « Journal par défaut »."),
    "IMPORT_COMPANY_UNKNOWN": (B, "Code société (administration) « {value} » inconnu : sociétés déclarées dans la définition : {known}. Corrigez le code ou déclarez la société."),
    "IMPORT_ZERO_AMOUNT": (W, "Ligne de montant nul : elle est importée telle quelle ; vérifiez qu'elle est utile."),
    # --- one entry -----------------------------------------------------------
    "IMPORT_ENTRY_UNBALANCED": (B, "L'écriture {entry} (journal {journal}, lignes {first}–{last}) n'est pas équilibrée : débit {debit} ≠ crédit {credit} (écart {diff}). Toute l'écriture est rejetée ; corrigez ses montants (ou la TVA / la contrepartie) puis réimportez-la."),
    "IMPORT_ENTRY_LINE_REJECTED": (B, "Ligne rejetée avec toute son écriture {entry} : la ligne {line} de cette écriture est en erreur ({reason}). Une écriture n'est importée que complète et équilibrée ; corrigez la ligne {line} et réimportez les lignes de l'écriture ensemble."),
    "IMPORT_INVOICE_FIRST_LINE": (B, "La facture {entry} du journal {journal} ({kind}) ne commence pas par la ligne du tiers : première ligne sur le compte {account}. Une facture s'écrit : 1) client ou fournisseur pour le total TTC, 2) produits ou charges (HT), 3) TVA. Remettez la ligne du tiers en tête."),
    "IMPORT_INVOICE_ORDER": (B, "Dans la facture {entry} du journal {journal}, la ligne de TVA (compte {vat_account}) précède une ligne de produits ou charges (compte {account}) : l'ordre attendu est tiers, puis produits/charges, puis TVA."),
    "IMPORT_ENTRY_NOT_CONTIGUOUS": (W, "Le numéro d'écriture {entry} du journal {journal} réapparaît ligne {line} alors que ses premières lignes (ligne {first}) ont déjà été lues : les lignes d'une même écriture doivent se suivre. Les deux parties sont traitées comme deux écritures ; triez le fichier par numéro d'écriture."),
    # --- the batch -----------------------------------------------------------
    "INTEGRATE_OPENING_REFUSED": (W, "Écriture d'à-nouveaux {entry} (journal {journal}) non intégrée : le FEC du dossier a déjà d'autres écritures, et les à-nouveaux viennent en premier. Intégrez-la en tête du FEC depuis votre logiciel comptable."),
    "INTEGRATE_DUPLICATE_REFUSED": (W, "Écriture {entry} du journal {journal} du {date} (pièce {piece}) non intégrée : le FEC du dossier a déjà une écriture identique (n° {existing} : même journal, même date, même pièce, mêmes comptes et montants). L'intégrer passerait la même écriture deux fois. Si c'est bien voulu, relancez avec --forcer-doublons."),
    "INTEGRATE_DATE_REFUSED": (W, "Écriture {entry} du journal {journal} datée du {date} non intégrée : elle précède la dernière écriture de ce journal dans le FEC du dossier ({last}) ; la numérotation d'un journal est continue et chronologique. Saisissez-la dans votre logiciel comptable ou changez sa date."),
    "IMPORT_ORDER_KIND": (W, "Société {company} : des écritures « {kind} » (journal {journal}, dès cette ligne) sont importées après des écritures « {after} ». Ordre conseillé : à-nouveaux, achats, ventes, banque, autres ; {reason}."),
    "IMPORT_VAT_SIDE": (B, "Écriture {entry} du journal {journal} ({kind}) : la TVA générée sur le compte {account} est au {side}, alors que l'écriture attend un {expected} (TVA déductible au débit d'une facture d'achat, TVA collectée au crédit d'une facture de vente, l'inverse pour un avoir). Vérifiez le réglage « Signe du montant de TVA » (actuellement « {setting} »)."),
    "IMPORT_ACCOUNT_LABEL_UNKNOWN": (B, "Écriture {entry} : aucun libellé pour le compte {account} (ni dans le FEC du dossier, ni dans le fichier, ni dans le plan comptable général). Ajoutez une colonne « Libellé du compte » ou le compte au FEC du dossier : un FEC sans CompteLib est déclaré non conforme par Test Compta Demat."),
    "IMPORT_PARTY_LABEL_MISSING": (W, "Compte auxiliaire {account} : aucun nom (ni dans « Tiers », ni dans le fichier) ; CompAuxLib reprend le code. Déclarez ce tiers dans la feuille « Tiers » du dossier pour un libellé parlant."),
    "IMPORT_AMOUNT_TOO_LARGE": (B, "Montant trop grand « {value} » : plus de 15 chiffres avant la virgule (au-delà de 999 999 999 999 999,99). Vérifiez la colonne (un numéro lu comme montant ?)."),
    "IMPORT_ORDER_BANK_BEFORE_INVOICES": (W, "Société {company}, période {period} : des écritures de banque ({bank}) sont importées avant des écritures d'achats ou de ventes ({invoices}) de la même période ; les factures correspondantes resteraient à tort non soldées. Ordre recommandé : à-nouveaux, achats, ventes, banque, autres."),
}
