"""« Bordereau d'accompagnement »: the printable slip that goes with a bank remittance of
direct debits or LCR (seed: proposed after the transfer, one per remittance; the glossary's
``remittance_slip``, not the SEPA ``Batch``).

Data: the company header (legal name, SIREN, address, ICS for direct debits), one block per
bank account of the company with its lines, totals per bank, count, grand total.
``layout_slip`` lays it out as a printable sheet (rows of cells with a style name, column
widths, merged title cells, print settings: one page wide); the shell writes it with
openpyxl and may export it to PDF with LibreOffice. Pure: no clock (``printed_on`` is a
parameter), no I/O.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.money import ZERO


class SlipKind(StrEnum):
    DIRECT_DEBIT = "Prélèvements"
    LCR = "LCR"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SlipLine(_Model):
    party_code: str
    name: str
    bank: str = ""  # the debtor's / drawee's bank (domiciliation) or masked IBAN
    reference: str = ""  # RUM + end-to-end id, or Réf. Tiré
    due_date: date
    amount: Decimal


class SlipRemittance(_Model):
    """One remittance to one bank account of the company."""

    bank_label: str  # e.g. « BPO - Banque Populaire »
    iban: str = ""
    remittance_ref: str
    remittance_date: date
    file_name: str = ""
    lines: tuple[SlipLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((l.amount for l in self.lines), ZERO)


class RemittanceSlip(_Model):
    kind: SlipKind
    company_name: str
    company_siren: str = ""
    company_address: str = ""
    creditor_id: str = ""  # ICS (direct debits)
    printed_on: date
    remittances: tuple[SlipRemittance, ...]

    @property
    def count(self) -> int:
        return sum(len(r.lines) for r in self.remittances)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.remittances), ZERO)

    def totals_per_bank(self) -> list[tuple[str, int, Decimal]]:
        """(bank, count, total) per bank account, in order of appearance."""
        acc: OrderedDict[str, list[Any]] = OrderedDict()
        for r in self.remittances:
            entry = acc.setdefault(r.bank_label, [0, ZERO])
            entry[0] += len(r.lines)
            entry[1] += r.total
        return [(bank, n, total) for bank, (n, total) in acc.items()]


def mask_iban(iban: str) -> str:
    """Show only the country, the bank code and the last 4 characters.

    >>> mask_iban("FR7630004008190001234567879")
    'FR76 3000 **** **** **** ***7 879'
    """
    compact = "".join(iban.split())
    if len(compact) < 12:
        return compact
    masked = compact[:8] + "*" * (len(compact) - 12) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


# --- the printable sheet --------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: Any
    style: str = "text"  # title, subtitle, label, header, text, date, money, count, total_label, total_money, total_count


@dataclass(frozen=True)
class SlipSheet:
    """A laid-out sheet: ``rows`` from row 1, ``merges`` as (row, first col, last col) 1-based."""

    name: str
    title: str
    rows: tuple[tuple[Cell, ...], ...]
    column_widths: tuple[int, ...]
    merges: tuple[tuple[int, int, int], ...] = ()
    fit_to_width: int = 1  # one page wide
    fit_to_height: int = 0  # as many pages as needed
    landscape: bool = False
    repeat_rows: tuple[int, int] | None = None
    footer: str = "Page &P / &N"
    number_formats: dict[str, str] = field(default_factory=lambda: {"money": "#,##0.00 €", "total_money": "#,##0.00 €", "date": "dd/mm/yyyy"})


COLUMNS = ("Compte", "Nom", "Banque", "Référence", "Échéance", "Montant")
WIDTHS = (12, 34, 26, 24, 12, 16)


def layout_slip(slip: RemittanceSlip) -> SlipSheet:
    """The slip as rows of styled cells, ready for openpyxl (see ``SlipSheet``)."""
    width = len(COLUMNS)
    what = "prélèvements" if slip.kind is SlipKind.DIRECT_DEBIT else "LCR"
    title = f"Bordereau d'accompagnement des remises de {what}"
    rows: list[tuple[Cell, ...]] = []
    merges: list[tuple[int, int, int]] = []

    def add(*cells: Cell, merge: bool = False) -> None:
        rows.append(tuple(cells))
        if merge:
            merges.append((len(rows), 1, width))

    add(Cell(title, "title"), merge=True)
    add(Cell(slip.company_name, "subtitle"), merge=True)
    details = " — ".join(p for p in (f"SIREN {slip.company_siren}" if slip.company_siren else "", slip.company_address, f"ICS {slip.creditor_id}" if slip.creditor_id else "") if p)
    if details:
        add(Cell(details, "label"), merge=True)
    add(Cell(f"Édité le {slip.printed_on:%d/%m/%Y}", "label"), merge=True)
    add()
    for r in slip.remittances:
        head = f"Banque : {r.bank_label}" + (f" — IBAN {r.iban}" if r.iban else "") + f" — Remise {r.remittance_ref} du {r.remittance_date:%d/%m/%Y}"
        add(Cell(head, "subtitle"), merge=True)
        if r.file_name:
            add(Cell(f"Fichier : {r.file_name}", "label"), merge=True)
        add(*(Cell(c, "header") for c in COLUMNS))
        for l in r.lines:
            add(Cell(l.party_code), Cell(l.name), Cell(l.bank), Cell(l.reference), Cell(l.due_date, "date"), Cell(l.amount, "money"))
        n = len(r.lines)
        add(Cell(f"Total {r.bank_label}", "total_label"), Cell(f"{n} {'opération' if n == 1 else 'opérations'}", "total_count"), Cell(""), Cell(""), Cell(""), Cell(r.total, "total_money"))
        add()
    add(Cell("Récapitulatif par banque", "subtitle"), merge=True)
    add(Cell("Banque", "header"), Cell("Nombre", "header"), Cell("", "header"), Cell("", "header"), Cell("", "header"), Cell("Montant", "header"))
    for bank, n, total in slip.totals_per_bank():
        add(Cell(bank), Cell(n, "count"), Cell(""), Cell(""), Cell(""), Cell(total, "money"))
    # the count as text, as on the per-bank totals: the cell beside « Total » reads as an amount otherwise
    n = slip.count
    add(Cell("Total général", "total_label"), Cell(f"{n} {'opération' if n == 1 else 'opérations'}", "total_count"), Cell(""), Cell(""), Cell(""),
        Cell(slip.total, "total_money"))
    add()
    add(Cell("Date et signature :", "label"), merge=True)
    # the title and the company repeat at the top of every printed page
    return SlipSheet(name=f"Bordereau {slip.kind.value}", title=title, rows=tuple(rows), column_widths=fitted_widths(rows, merges),
                     merges=tuple(merges), repeat_rows=(1, 2))


MAX_WIDTH = 50  # as the backends' FIT_MAX


def _shown(cell: Cell) -> str:
    v = cell.value
    if isinstance(v, Decimal):
        return f"{v:,.2f} €"
    if isinstance(v, date):
        return "00/00/0000"
    return "" if v is None else str(v)


def fitted_widths(rows: Sequence[tuple[Cell, ...]], merges: Sequence[tuple[int, int, int]] = ()) -> tuple[int, ...]:
    """``WIDTHS``, widened to the longest value of each column (titles of merged rows aside; at
    most ``MAX_WIDTH``): a long RUM, a masked IBAN no longer run into the next column."""
    merged = {r for r, _, _ in merges}
    widths = list(WIDTHS)
    for n, row in enumerate(rows, start=1):
        if n in merged:
            continue
        for j, cell in enumerate(row[: len(widths)]):
            widths[j] = max(widths[j], min(MAX_WIDTH, len(_shown(cell)) + 2))
    return tuple(widths)


def check_slip(slip: RemittanceSlip) -> list[Alert]:
    return [] if slip.count else [alert("SLIP_EMPTY", sheet=f"Bordereau {slip.kind.value}")]


# --- builders ---------------------------------------------------------------------------------


def lcr_slip(
    plan_rows: Sequence[Any],
    *,
    company_name: str,
    company_siren: str,
    company_address: str = "",
    bank_label: str,
    iban: str,
    remittance_ref: str,
    remittance_date: date,
    file_name: str,
    printed_on: date,
) -> RemittanceSlip:
    """The LCR slip of one remittance from its « Gestion des LCR » rows (``LcrRow``)."""
    lines = tuple(
        SlipLine(party_code=r.party_code, name=r.party_name, bank=r.bank_name or mask_iban(r.iban), reference=r.drawee_ref, due_date=r.due_date, amount=r.amount)
        for r in plan_rows
    )
    remittance = SlipRemittance(bank_label=bank_label, iban=mask_iban(iban), remittance_ref=remittance_ref, remittance_date=remittance_date, file_name=file_name, lines=lines)
    return RemittanceSlip(kind=SlipKind.LCR, company_name=company_name, company_siren=company_siren, company_address=company_address, printed_on=printed_on, remittances=(remittance,))
