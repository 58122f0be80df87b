"""The name of an entries file a workflow creates (transfers, payments import).

Every FEC Reglo creates is named :func:`reglo.core.fec_names.created_fec_name`
(``<SIREN>FEC<closing>-<reference>.txt``), the only form the DGFiP checker accepts. The closing
date is that of the fiscal year holding the file's first entry (the dossier's « Fin d'exercice »
moved by whole years; 31 December when the dossier gives none). Without a valid SIREN (a view
built without the company, as some tests do) no such name exists: the workflow's former name
``legacy`` is used instead; dossiers keep files of both forms, and recovery and repair recognise
both.
"""
from __future__ import annotations

import re
from datetime import date

from reglo.core.fec_names import closing_date, created_fec_name


def entries_file_name(siren: str | None, fiscal_year_end: date | None, entry_date: date, reference: str, *, legacy: str) -> str:
    siren = (siren or "").replace(" ", "")
    if not re.fullmatch(r"\d{9}", siren):
        return legacy
    end = fiscal_year_end or date(entry_date.year, 12, 31)
    return created_fec_name(siren, closing_date(end, entry_date), reference)


__all__ = ["entries_file_name"]
