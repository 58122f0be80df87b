"""Sheet-check registry: which check runs on which sheet, for ``reglo check`` / the
« Contrôler le classeur » button.

A workflow registers the checks of the sheets it owns::

    @sheet_check("Import règlements clients")
    def check_payment_import(book: Workbook) -> list[Alert]: ...

The check handler runs every registered check whose sheet is present in the workbook
(sheet names compared without case/space differences) and paints all the alerts.
Checks are plain functions of a ``Workbook``; they read through ``reglo.addin.backends.sheets`` and
call pure rules in ``core``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from reglo.core.alerts import Alert, alert
from reglo.core.entry_sheet_rules import DATE_FIELDS, SHEET as ENTRIES_SHEET, check_entry_sheet, map_headers

from reglo.addin.backends.sheets import FORMULA_CHARS, Workbook, needs_quote, read_table

SheetCheck = Callable[[Workbook], list[Alert]]


@dataclass(frozen=True)
class RegisteredCheck:
    sheet: str
    func: SheetCheck
    label: str


SHEET_CHECKS: dict[str, RegisteredCheck] = {}

# modules that register sheet checks (imported by ``load_checks``); workflows append theirs
CHECK_MODULES: list[str] = ["reglo.addin.shell.checks"]


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def sheet_check(sheet: str, *, label: str | None = None) -> Callable[[SheetCheck], SheetCheck]:
    """Register ``func(book) -> list[Alert]`` as the check of ``sheet``."""

    def wrap(func: SheetCheck) -> SheetCheck:
        key = _norm(sheet)
        if key in SHEET_CHECKS and SHEET_CHECKS[key].func is not func:
            raise ValueError(f"sheet check for {sheet!r} registered twice")
        SHEET_CHECKS[key] = RegisteredCheck(sheet, func, label or f"Contrôle de la feuille « {sheet} »")
        return func

    return wrap


def load_checks() -> dict[str, RegisteredCheck]:
    """Import the modules that register checks (handlers included)."""
    for name in CHECK_MODULES:
        importlib.import_module(name)
    try:
        from reglo.addin.entrypoints.handlers import load_all

        load_all()  # handler modules may register sheet checks too
    except Exception:  # pragma: no cover - a broken workflow module must not stop the check
        import logging

        logging.getLogger("reglo").exception("chargement des contrôles")
    return SHEET_CHECKS


def checks_for(book: Workbook) -> list[tuple[str, RegisteredCheck]]:
    """(actual sheet name, check) for every registered check whose sheet is in ``book``."""
    load_checks()
    out = []
    for name in book.sheet_names():
        reg = SHEET_CHECKS.get(_norm(name))
        if reg is not None:
            out.append((name, reg))
    return out


# ---------------------------------------------------------------------------
# « Écritures »: entries typed by hand in FEC columns
# ---------------------------------------------------------------------------

@sheet_check(ENTRIES_SHEET, label="Écritures saisies (colonnes FEC)")
def check_entries_sheet(book: Workbook, sheet: str = ENTRIES_SHEET) -> list[Alert]:
    sheet = next((n for n in book.sheet_names() if _norm(n) == _norm(sheet)), sheet)
    values = book.read_values(sheet)
    header_row = _entries_header_row(values)
    headers = list(values[header_row - 1]) if len(values) >= header_row else []
    rows = [(i, line) for i, line in enumerate(values[header_row:], start=header_row + 1) if _non_empty(line)]
    return check_entry_sheet(headers, rows, sheet=sheet) + formula_text_alerts(headers, rows, sheet=sheet)


_NOT_TEXT = set(DATE_FIELDS) | {"Debit", "Credit", "Montant", "Montantdevise"}


def formula_text_alerts(headers: list, rows: list[tuple[int, list]], *, sheet: str) -> list[Alert]:
    """FORMULA_INJECTION: text fields (label, document ref, account label…) starting with
    =, +, -, @. Excel takes such text for a formula when it is typed or pasted again, and a
    ``=HYPERLINK(…)`` from an imported file is a known trap. Reglo keeps the exact text
    (written as non-evaluated text in its sheets, as is in the FEC): the user decides."""
    labels = [str(h).strip() if h not in (None, "") else "" for h in headers]
    skip = {pos for field, pos in map_headers(labels).items() if field in _NOT_TEXT}
    cols = [j for j, h in enumerate(labels) if h and j not in skip]
    out: list[Alert] = []
    for i, line in rows:
        for j in cols:
            v = line[j] if j < len(line) else None
            if type(v) is str and v[:1] in FORMULA_CHARS and needs_quote(v):
                shown = v if len(v) <= 60 else v[:57] + "…"
                out.append(alert("FORMULA_INJECTION", sheet=sheet, row=i, column=labels[j], value=shown, char=repr(v[0]) if v[0] in "\t\r" else f"« {v[0]} »"))
    return out


def _non_empty(line: list) -> bool:
    for v in line:
        if v is None or (type(v) is str and not v.strip()):
            continue
        return True
    return False


def _entries_header_row(values: list[list]) -> int:
    """The row (among the first 20) that maps to the most FEC fields."""
    best, best_n = 1, 0
    for i, line in enumerate(values[:20], start=1):
        n = len(map_headers(line))
        if n > best_n:
            best, best_n = i, n
    return best


__all__ = ["sheet_check", "SHEET_CHECKS", "load_checks", "checks_for", "read_table"]


# ---------------------------------------------------------------------------
# « Contrôler le dossier »: dossier.xlsx (Tiers, Banques, Mandats) checked by the dossier rules
# ---------------------------------------------------------------------------

def check_dossier_book(book: Any) -> list[Alert]:
    """IBAN/BIC, RIB key, ICS, mandates (id, signature date, 36-month expiry) and the
    structured postal address rule on the dossier workbook, with the rules every workflow
    reuses (``reglo.core.rules``)."""
    from datetime import date as _date

    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.rules.dossier import check_dossier

    path = getattr(book, "path", None)
    if path is None:  # a live workbook: the dossier rules need the file (reglo check dossier.xlsx)
        return []
    loaded = load_dossier(path)
    seen = {(a.code, a.sheet, a.row, a.column) for a in loaded.alerts}
    rules = [a for a in check_dossier(loaded.dossier, today=_date.today()) if (a.code, a.sheet, a.row, a.column) not in seen]
    return [a for a in loaded.alerts if a.sheet in ("Société", "Tiers", "Banques", "Mandats")] + rules


sheet_check("Tiers", label="Dossier : tiers, banques, mandats (règles SEPA)")(check_dossier_book)
