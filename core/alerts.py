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
    counts = {Severity.BLOCKING: 0, Severity.WARNING: 0}
    for a in alerts:
        counts[a.severity] += 1
    return counts


def summary_fr(alerts: Iterable[Alert]) -> str:
    c = count_by_severity(alerts)
    b, w = c[Severity.BLOCKING], c[Severity.WARNING]
    return f"{b} alerte{'s' if b > 1 else ''} bloquante{'s' if b > 1 else ''}, {w} avertissement{'s' if w > 1 else ''}"
