"""Demo step 10: « reglo check » on an « Écritures » sheet typed by hand with seeded mistakes.

Writes ``ecritures_a_controler.xlsx`` (FEC columns, a few entries of a construction company
with an impossible date, a text amount, an account typo and an unbalanced entry), runs the
check handler on it and saves the painted workbook. The blocking alerts found here are the
point of the demo: they are not added to ``ctx.blocking``.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from reglo.core.alerts import summary_fr

ORDER = 10
TITLE = "Contrôle d'une feuille d'écritures"
FILE_NAME = "ecritures_a_controler.xlsx"

_D = Decimal


def _line(journal, jlib, num, day, account, alabel, aux, auxlib, ref, label, debit=None, credit=None, typed_date=None):
    when = datetime(2025, 3, day)
    entry_date = typed_date if typed_date is not None else when
    return [journal, jlib, num, entry_date, account, alabel, aux, auxlib, ref, when, label, debit, credit, None, None, when, None, None]


def rows() -> list[list[Any]]:
    return [
        _line("VE", "Ventes", "VE0001", 3, "411000", "Clients", "CDUPONT", "Dupont Immobilier", "F2025-031", "Situation n°2 chantier Les Tilleuls", _D("14400.00")),
        _line("VE", "Ventes", "VE0001", 3, "704000", "Travaux", None, None, "F2025-031", "Situation n°2 chantier Les Tilleuls", None, _D("12000.00")),
        _line("VE", "Ventes", "VE0001", 3, "445710", "TVA collectée", None, None, "F2025-031", "Situation n°2 chantier Les Tilleuls", None, _D("2400.00")),
        # seeded: 31/02 does not exist
        _line("AC", "Achats", "AC0001", 5, "601000", "Achats matériaux", None, None, "BL-8841", "Béton prêt à l'emploi", _D("3250.00"), typed_date="31/02/2025"),
        _line("AC", "Achats", "AC0001", 5, "445660", "TVA déductible", None, None, "BL-8841", "Béton prêt à l'emploi", _D("650.00")),
        _line("AC", "Achats", "AC0001", 5, "401000", "Fournisseurs", "FBETON", "Béton du Centre", "BL-8841", "Béton prêt à l'emploi", None, _D("3900.00")),
        # seeded: amount typed as text with a letter O instead of a zero
        _line("BQ", "Banque", "BQ0001", 10, "512000", "Banque", None, None, "VIR-0310", "Règlement Dupont Immobilier", "14 4OO,00"),
        _line("BQ", "Banque", "BQ0001", 10, "411000", "Clients", "CDUPONT", "Dupont Immobilier", "VIR-0310", "Règlement Dupont Immobilier", None, _D("14400.00")),
        # seeded: account typo, and an unbalanced entry (credit 1 euro short)
        _line("OD", "Opérations diverses", "OD0001", 31, "64I000", "Rémunérations", None, None, "PAIE-03", "Salaires mars", _D("18500.00")),
        _line("OD", "Opérations diverses", "OD0001", 31, "421000", "Personnel", None, None, "PAIE-03", "Salaires mars", None, _D("18499.00")),
        # a rounded amount (warning)
        _line("BQ", "Banque", "BQ0002", 14, "627000", "Frais bancaires", None, None, "REL-03", "Frais de tenue de compte", 12.555),
        _line("BQ", "Banque", "BQ0002", 14, "512000", "Banque", None, None, "REL-03", "Frais de tenue de compte", None, _D("12.56")),
    ]


def run(ctx: Any) -> list[str]:
    from reglo.addin.backends.entries_sheet import HEADERS, SHEET
    from reglo.addin.entrypoints.handlers.check import check
    from reglo.addin.backends.sheets import DATE_FORMAT, Column, FileWorkbook

    path = ctx.out_dir / FILE_NAME
    if path.exists():
        path.unlink()
    book = FileWorkbook(path, create=True)
    header = []
    for name in HEADERS[:18]:
        if name in ("Debit", "Credit", "Montantdevise"):
            header.append(Column(name, "#,##0.00", 13))
        elif name.endswith("Date") or name == "DateLet":
            header.append(Column(name, DATE_FORMAT, 12))
        elif name in ("EcritureLib", "CompteLib", "CompAuxLib"):
            header.append(Column(name, None, 28))
        else:
            header.append(Column(name, None, 12))
    book.write_sheet(SHEET, header, rows())
    result = check(book)
    book.save()
    codes = sorted({a.code.value for a in result.alerts})
    ctx.data["check_demo"] = {"path": path, "alerts": result.alerts}
    return [
        f"{path.name} : feuille « {SHEET} » saisie à la main avec des erreurs volontaires",
        f"reglo check : {summary_fr(result.alerts)}, attendus ({', '.join(codes)})",
        "cellules en rouge/jaune avec note explicative, synthèse et liens dans la feuille « Contrôle »",
    ]
