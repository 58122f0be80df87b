"""Names of the FEC files Reglo creates.

The DGFiP's own checker (« Test Compta Demat », the tool tax inspectors use) refuses a file whose
name does not start with ``<SIREN>FEC<AAAAMMJJ>`` (article A. 47 A-1 of the Livre des procédures
fiscales: SIREN of the company, then « FEC », then the closing date of the fiscal year). Every FEC
Reglo *creates* (entries of a transfer run, of a payments import, of a debit collection, of a
disbursement posting, of an entry import) is therefore named::

    <SIREN>FEC<closing AAAAMMJJ>-<reference>.txt

where ``<reference>`` is the batch reference that makes the name unique in the dossier
(``VIR2612061530``, ``RC-20261206-153000``, ``Pre2612061530BQ1``…). The checker reads the SIREN
and the closing date from the start of the name and ignores the rest.

The closing date is the end of the fiscal year that holds the entries (the dossier's
« Fin d'exercice », moved by whole years when the entries are dated in another fiscal year).
"""
from __future__ import annotations

import re
from datetime import date

_NAME = re.compile(r"^(?P<siren>\d{9})FEC(?P<closing>20\d{6})-(?P<reference>.+)\.txt$", re.IGNORECASE)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def closing_date(fiscal_year_end: date, entry_date: date) -> date:
    """The closing date of the fiscal year holding ``entry_date``, for a dossier whose fiscal year
    ends on ``fiscal_year_end`` (same day and month every year)."""
    end = fiscal_year_end
    while entry_date > end:
        end = _add_years(end, 1)
    while entry_date <= _add_years(end, -1):
        end = _add_years(end, -1)
    return end


def created_fec_name(siren: str, closing: date, reference: str) -> str:
    """``<SIREN>FEC<AAAAMMJJ>-<reference>.txt``: a name the DGFiP checker accepts."""
    siren = (siren or "").replace(" ", "")
    if not re.fullmatch(r"\d{9}", siren):
        raise ValueError(f"SIREN invalide pour un nom de FEC : {siren!r}")
    reference = reference.removesuffix(".txt")
    if not reference or "/" in reference or "\\" in reference:
        raise ValueError(f"référence invalide pour un nom de FEC : {reference!r}")
    return f"{siren}FEC{closing:%Y%m%d}-{reference}.txt"


def parse_created_fec_name(name: str) -> tuple[str, date, str] | None:
    """(SIREN, closing date, reference) of a name made by :func:`created_fec_name`, else None."""
    m = _NAME.match(name)
    if not m:
        return None
    c = m.group("closing")
    try:
        closing = date(int(c[:4]), int(c[4:6]), int(c[6:]))
    except ValueError:
        return None
    return m.group("siren"), closing, m.group("reference")


__all__ = ["closing_date", "created_fec_name", "parse_created_fec_name"]
