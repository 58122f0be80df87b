"""Template « Dossier Reglo.xlsx »: the sheets of dossier.xlsx, empty, with an « Instructions »
sheet in French (contract: ``docs/dossier.md``; headers from ``reglo.core.dossier.SHEETS``)."""
from __future__ import annotations

from pathlib import Path

from reglo.core.dossier import (
    BANKS_SHEET,
    COMPANY_PARAMETERS,
    COMPANY_SHEET,
    INVOICES_SHEET,
    MANDATES_SHEET,
    PARTIES_SHEET,
    SHEETS,
    SITES_SHEET,
)
from reglo.core.models import PaymentMethod, SequenceType
from reglo.workbook_templates import register_template

FILE_NAME = "Dossier Reglo.xlsx"
INSTRUCTIONS = "Instructions"
VALIDATED_ROWS = 5000

INSTRUCTIONS_TEXT: list[tuple[str, str | None]] = [
    ("Dossier Reglo — mode d'emploi", "title"),
    ("", None),
    ("Un dossier Reglo est un répertoire qui contient ce classeur, renommé « dossier.xlsx », et le FEC de la société (fichier SIRENFECAAAAMMJJ.txt).", None),
    ("Reglo y crée aussi le registre des paiements (reglo-registre.sqlite) : ne le supprimez pas, il empêche de payer deux fois la même facture.", None),
    ("Gardez les noms des feuilles et les libellés d'en-tête tels quels : ce sont eux que Reglo lit. L'ordre des colonnes est libre.", None),
    ("", None),
    ("Société (obligatoire)", "head"),
    ("Une ligne par paramètre, valeur dans la colonne « Valeur ». Raison sociale, SIREN (9 chiffres) et dates d'exercice (jj/mm/aaaa) sont obligatoires.", None),
    ("Tiers (obligatoire)", "head"),
    ("Une ligne par client ou fournisseur. « Code tiers » = compte auxiliaire du FEC (CompAuxNum), ex. C001 ou F001. « Type » : Client ou Fournisseur.", None),
    ("Compte collectif : 411xxx pour un client, 401xxx pour un fournisseur (411000 / 401000 si vide). Adresse structurée : rue, code postal, ville, pays (FR).", None),
    ("IBAN / BIC : obligatoires pour payer un fournisseur par virement ou prélever un client ; l'IBAN est contrôlé (clé IBAN et clé RIB), le BIC doit être celui de la banque de l'IBAN.", None),
    ("Banque par défaut : code journal d'une ligne de la feuille Banques (ex. BQ1). Mode de règlement : " + ", ".join(m.value for m in PaymentMethod) + ".", None),
    ("Priorité : 0 (le plus prioritaire) à 99, utilisée pour choisir les factures à payer. Centrale : code tiers du siège qui paie ou encaisse pour ce tiers.", None),
    ("Banques", "head"),
    ("Les comptes bancaires de la société : code journal (BQ1…), compte 512xxx, IBAN, BIC, ICS (identifiant créancier SEPA, pour les prélèvements), plafond d'un bordereau en euros.", None),
    ("Mandats", "head"),
    ("Les mandats de prélèvement SEPA des clients : RUM (35 caractères au plus), date de signature, séquence (" + ", ".join(s.value for s in SequenceType) + "), schéma CORE ou B2B, IBAN du débiteur.", None),
    ("Chantiers", "head"),
    ("Les chantiers : code, libellé, code du client, ville. Les factures peuvent y être rattachées.", None),
    ("Factures", "head"),
    ("Les factures de vente telles qu'émises par l'outil de facturation (un avoir a des montants négatifs). Montant HT + TVA = Montant TTC.", None),
    ("", None),
    ("Contrôle : toute erreur est signalée avec la feuille, la ligne et la colonne (rouge = bloquant, jaune = avertissement). Aucune ligne n'est ignorée sans explication.", None),
]


@register_template(FILE_NAME)
def build(path: Path) -> None:
    """Write the empty dossier template at ``path`` (atomically)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from reglo.addin.shell.dossier import TEXT, columns
    from reglo.addin.backends.sheets import FileWorkbook

    book = FileWorkbook(path.with_name(f".{path.name}.new"), create=True)  # built from scratch, saved atomically
    for sheet in SHEETS:
        rows = [[p, None] for p in COMPANY_PARAMETERS] if sheet == COMPANY_SHEET else []
        book.write_sheet(sheet, columns(sheet), rows)
    wb = book.wb
    for sheet in SHEETS:  # column formats for what the user will type (text keeps leading zeros)
        ws = wb[sheet]
        for j, col in enumerate(columns(sheet), start=1):
            if col.number_format and sheet != COMPANY_SHEET:
                ws.column_dimensions[get_column_letter(j)].number_format = col.number_format
    ws = wb[COMPANY_SHEET]
    for i, name in enumerate(COMPANY_PARAMETERS, start=2):
        ws.cell(i, 1).font = Font(bold=True)
        ws.cell(i, 2).number_format = "dd/mm/yyyy" if "exercice" in name else TEXT

    def listed(sheet: str, header: str, values: list[str], title: str) -> None:
        j = SHEETS[sheet].index(header) + 1
        letter = get_column_letter(j)
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True, showErrorMessage=True,
                            errorTitle=title, error=f"Choisissez dans la liste : {', '.join(values)}.")
        dv.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        wb[sheet].add_data_validation(dv)

    listed(PARTIES_SHEET, "Type", ["Client", "Fournisseur"], "Type de tiers")
    listed(PARTIES_SHEET, "Mode de règlement", [m.value for m in PaymentMethod], "Mode de règlement")
    listed(MANDATES_SHEET, "Séquence", [s.value for s in SequenceType], "Séquence")
    listed(MANDATES_SHEET, "Schéma", ["CORE", "B2B"], "Schéma")
    prio = DataValidation(type="whole", operator="between", formula1="0", formula2="99", allow_blank=True, showErrorMessage=True,
                          errorTitle="Priorité", error="Un entier de 0 (le plus prioritaire) à 99.")
    letter = get_column_letter(SHEETS[PARTIES_SHEET].index("Priorité") + 1)
    prio.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    wb[PARTIES_SHEET].add_data_validation(prio)
    for sheet, header in ((MANDATES_SHEET, "Date de signature"), (INVOICES_SHEET, "Date facture"), (INVOICES_SHEET, "Échéance")):
        dates = DataValidation(type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True, showErrorMessage=True,
                               errorTitle=header, error="Saisissez une date au format jj/mm/aaaa (entre 2000 et 2099).")
        letter = get_column_letter(SHEETS[sheet].index(header) + 1)
        dates.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        wb[sheet].add_data_validation(dates)

    help_ws = wb.create_sheet(INSTRUCTIONS, 0)
    help_ws.column_dimensions["A"].width = 100
    help_ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed on one page wide
    help_ws.page_setup.fitToWidth, help_ws.page_setup.fitToHeight = 1, 0
    for i, (text, style) in enumerate(INSTRUCTIONS_TEXT, start=1):
        cell = help_ws.cell(i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = -(-len(text) // 105) if text else 1  # readers do not recompute wrapped row heights
        if lines > 1:
            help_ws.row_dimensions[i].height = 15 * lines
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "head":
            cell.font = Font(bold=True, size=12, color="1F4E78")
    wb.active = 0
    _ = (BANKS_SHEET, SITES_SHEET)  # every sheet of the contract is written above
    book.save(path)
