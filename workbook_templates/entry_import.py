"""Template « Import d'écritures.xlsx »: the « Définition d'import » sheet (ready-made layout:
sales invoices, VAT on the revenue line), the « Lignes à importer » sheet with the first
worked example of the help page, and « Instructions » in French.

Open it, paste the lines exported by the other software into « Lignes à importer » (or name
the file in « Fichier à importer »), adapt the definition, then click « Importer les
écritures » (or run ``reglo entries import``).
"""
from __future__ import annotations

import io
from datetime import datetime

FILE_NAME = "Import d'écritures.xlsx"

INSTRUCTIONS = [
    ["Import d'écritures — mode d'emploi"],
    [""],
    ["1. « Définition d'import » dit comment lire le fichier : en-têtes des colonnes, comptes sur 1, 2 ou 3 colonnes,"],
    ["   type de compte (colonne G/D/C ou plages de numéros distinctes), montants (signé, colonne de sens, débit/crédit),"],
    ["   séparateurs décimal et de milliers, TVA et compte de contrepartie sur la même ligne, société (administration)."],
    ["2. Collez les lignes dans « Lignes à importer » (ou indiquez le « Fichier à importer » : .xlsx, .csv ou .txt)."],
    ["3. Cliquez « Importer les écritures » : « Écritures importées », « Rejets » et « Résumé import » sont écrits ici ;"],
    ["   un FEC par société et le fichier des rejets (xlsx et csv) vont dans le « Dossier de sortie »."],
    [""],
    ["Règles"],
    ["• Une nouvelle écriture commence quand le journal, la date, le n° d'écriture, le n° de pièce ou la société change :"],
    ["  les lignes d'une même écriture doivent se suivre."],
    ["• Une écriture n'est importée que complète et équilibrée : une ligne en erreur fait rejeter toute son écriture."],
    ["• Une facture (journal d'achats ou de ventes) commence par le tiers (montant TTC), puis produits/charges (HT), puis TVA."],
    ["• Ordre d'import recommandé : à-nouveaux, achats, ventes, banque, autres (sinon les factures resteraient non soldées)."],
    ["• Montant TVA sur la même ligne : positif = même sens que la ligne, négatif = sens opposé."],
    ["  Ex. client 1 210,00 avec contrepartie 706000 et TVA -210,00 → 411 débit 1 210,00 ; 706 crédit 1 000,00 ; TVA crédit 210,00."],
    ["• Les rejets gardent les lignes telles quelles, dans leur ordre, avec le motif : corrigez-les et réimportez le fichier des rejets."],
]


def build_template() -> bytes:
    from reglo.addin.shell import entry_import as ei
    from reglo.addin.backends.sheets import Column, FileWorkbook
    from reglo.core.entry_import.layout import preset_sales_vat_on_line

    d = preset_sales_vat_on_line()
    book = FileWorkbook("/nonexistent/Import d'écritures.xlsx", create=True)
    headers = d.required_headers()
    example = [
        ["VT", datetime(2025, 1, 31), "FA2025-0001", "Facture FA2025-0001", 10032, "Client Durand", 1210.00, None, None],
        ["VT", datetime(2025, 1, 31), "FA2025-0001", "Facture FA2025-0001", 706000, "Ventes", None, 1000.00, 210.00],
    ]
    formats = {"Date": "dd/mm/yyyy", "Montant débit": "#,##0.00", "Montant crédit": "#,##0.00", "Montant TVA": "#,##0.00"}
    book.write_sheet(ei.DATA_SHEET, [Column(h, formats.get(h), 16) for h in headers], example)
    ei.write_definition_sheet(book, d)
    book.write_sheet("Instructions", [Column("Import d'écritures", None, 120)], INSTRUCTIONS[1:], freeze=False)
    buf = io.BytesIO()
    book.wb.save(buf)
    return buf.getvalue()
