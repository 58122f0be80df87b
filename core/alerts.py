"""Alerts: what a check found, pointing at a sheet/row/column (house style §4).

Checks return lists of alerts and never stop at the first problem. Codes are stable
(tests assert on codes); French messages come from one catalogue, ``reglo.core.catalogue``,
split in one module per workflow so that each workflow owns its codes.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Iterable

from pydantic import BaseModel, ConfigDict

from reglo.core.catalogue import CATALOGUE


class Severity(StrEnum):
    BLOCKING = "BLOQUANT"  # the file / entry cannot be produced until fixed
    WARNING = "AVERTISSEMENT"  # produced, but the user should look
    INFO = "INFORMATION"  # routine, expected change (accents → SEPA set…): counted once per sheet, never painted


STATUS_CODES = frozenset({"PAY_ALREADY_IMPORTED"})
"""Information that is a row's status (« Importé le … (lot n) »): kept on its row and shown in
green with its note, never summarised away, never blocking."""

AlertCode = StrEnum("AlertCode", {code: code for code in CATALOGUE})  # type: ignore[misc]
"""Every stable alert code, e.g. ``AlertCode.IBAN_CHECKSUM``."""


class Alert(BaseModel):
    """One problem found by a check.

    ``row`` is the row number the user sees (Excel row, or FEC line number);
    ``column`` the header label (the I/O layer maps it to a letter).
    """

    model_config = ConfigDict(frozen=True)

    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    severity: Severity
    code: AlertCode
    message: str

    @property
    def is_blocking(self) -> bool:
        return self.severity is Severity.BLOCKING

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"[{self.severity.value}] {self.code.value} — {where + ' : ' if where else ''}{self.message}"


def alert(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    severity: Severity | None = None,
    **ctx: object,
) -> Alert:
    """Build an alert from the catalogue: default severity and French message with ``ctx``."""
    default_severity, template = CATALOGUE[code]
    return Alert(
        sheet=sheet,
        row=row,
        column=column,
        severity=severity or Severity(default_severity),
        code=AlertCode(code),
        message=template.format(**ctx),
    )


def has_blocking(alerts: Iterable[Alert]) -> bool:
    return any(a.is_blocking for a in alerts)


def count_by_severity(alerts: Iterable[Alert]) -> dict[Severity, int]:
    counts = {Severity.BLOCKING: 0, Severity.WARNING: 0, Severity.INFO: 0}
    for a in alerts:
        counts[a.severity] += 1
    return counts


def summary_fr(alerts: Iterable[Alert]) -> str:
    c = count_by_severity(alerts)
    b, w, i = c[Severity.BLOCKING], c[Severity.WARNING], c[Severity.INFO]
    text = f"{b} alerte{'s' if b > 1 else ''} bloquante{'s' if b > 1 else ''}, {w} avertissement{'s' if w > 1 else ''}"
    return text + (f", {i} information{'s' if i > 1 else ''}" if i else "")


def summarise_information(alerts: Iterable[Alert]) -> list[Alert]:
    """Routine conversions become one line per sheet and code: how many, and one example.

    Blocking alerts and warnings are kept as they are (and come first); information lines are
    never painted on a cell, so that they cannot drown a warning that needs a decision."""
    kept: list[Alert] = []
    groups: dict[tuple[str | None, str], list[Alert]] = {}
    for a in alerts:
        if a.severity is Severity.INFO and a.code.value not in STATUS_CODES:
            groups.setdefault((a.sheet, a.code.value), []).append(a)
        else:
            kept.append(a)
    for (sheet, _code), same in groups.items():
        first = same[0]
        where = f" (première : ligne {first.row}{', colonne « ' + first.column + ' »' if first.column else ''})" if first.row is not None else ""
        message = first.message if len(same) == 1 else f"{len(same)} cas{where} ; exemple : {first.message}"
        kept.append(first.model_copy(update={"row": None if len(same) > 1 else first.row, "column": None if len(same) > 1 else first.column, "message": message}))
    return kept
