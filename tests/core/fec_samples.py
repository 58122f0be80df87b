"""Small FEC files written as an accountant would see them, for the FEC reader tests."""
from __future__ import annotations

from reglo.core.ledger import FEC_NAMES

HEADER = list(FEC_NAMES)


def row(**fields: str) -> dict[str, str]:
    """One FEC line: a balanced-looking sales line unless fields are overridden."""
    base = {
        "JournalCode": "VT",
        "JournalLib": "Ventes",
        "EcritureNum": "VT1",
        "EcritureDate": "20250131",
        "CompteNum": "411000",
        "CompteLib": "Clients",
        "CompAuxNum": "C001",
        "CompAuxLib": "Bâtiments du Léman",
        "PieceRef": "F2025-001",
        "PieceDate": "20250131",
        "EcritureLib": "Facture F2025-001 été",
        "Debit": "1200,00",
        "Credit": "0,00",
        "EcritureLet": "",
        "DateLet": "",
        "ValidDate": "20250131",
        "Montantdevise": "",
        "Idevise": "",
    }
    base.update(fields)
    return base


def entry(number: str = "VT1", amount: str = "1200,00", **common: str) -> list[dict[str, str]]:
    """A balanced two-line sales entry."""
    second = {"CompteNum": "706000", "CompteLib": "Prestations", "CompAuxNum": "", "CompAuxLib": ""}
    return [
        row(**{"EcritureNum": number, "Debit": amount, "Credit": "0,00", **common}),
        row(**{**second, "EcritureNum": number, "Debit": "0,00", "Credit": amount, **common}),
    ]


def fec(
    rows: list[dict[str, str] | str],
    *,
    sep: str = "\t",
    header: list[str] | None = None,
    eol: str = "\r\n",
    encoding: str = "utf-8",
    bom: bool = False,
    final_eol: bool = True,
) -> bytes:
    """The bytes of a FEC: ``rows`` are dicts (by field name) or raw lines (str)."""
    names = header or HEADER
    lines = [sep.join(names)]
    for r in rows:
        if isinstance(r, str):
            lines.append(r)
        else:
            by_lower = {k.lower(): v for k, v in r.items()}
            lines.append(sep.join(r.get(n, by_lower.get(n.lower(), "")) for n in names))
    text = eol.join(lines) + (eol if final_eol else "")
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def clean() -> bytes:
    """A small compliant FEC: no alert at all."""
    return fec(entry("VT1") + entry("VT2", "350,40", PieceRef="F2025-002", EcritureLib="Facture F2025-002"))
