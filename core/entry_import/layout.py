"""Entries → rows of a given layout (the inverse of the import), and ready-made layouts.

Used to produce demo and benchmark files and by the property tests (any balanced entries
written in any supported layout are read back identical). Pure: returns headers and text
rows; the add-in writes them to csv / txt / xlsx.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from reglo.core.entry_import.definition import (
    AccountLayout,
    AccountRange,
    AccountTypeMode,
    AmountMode,
    CounterMode,
    DATE_FORMATS,
    ImportDefinition,
    JournalKind,
)
from reglo.core.models import Entry, EntryLine
from reglo.core.money import to_cents


@dataclass(frozen=True)
class RenderStyle:
    """Free choices of a layout that the definition does not fix."""

    minus_after: bool = False  # "210,00-" instead of "-210,00"
    plus_for_debit: bool = False  # "+1210,00"


def _fmt(cents: int, d: ImportDefinition, style: RenderStyle, signed: bool) -> str:
    neg = cents < 0
    a = abs(cents)
    whole = str(a // 100)
    if d.thousands_separator:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = d.thousands_separator.join([whole] + groups)
    text = f"{whole}{d.decimal_separator}{a % 100:02d}"
    if not signed:
        return text
    if neg:
        return text + "-" if style.minus_after else "-" + text
    return "+" + text if style.plus_for_debit else text


def _signed(line: EntryLine) -> int:
    return to_cents(line.debit) - to_cents(line.credit)


def headers_of(d: ImportDefinition) -> list[str]:
    """Input headers of a definition, in a natural order."""
    return d.required_headers()


def _kind_letter(line: EntryLine, d: ImportDefinition) -> str:
    if not line.subledger_account:
        return "G"
    return "C" if line.ledger_account == d.supplier_control_account or line.ledger_account.startswith("40") else "D"


def _vat_account_for(d: ImportDefinition, journal: str, cents: int) -> str:
    kind = d.journal_kind(journal)
    if kind is JournalKind.PURCHASES:
        return d.vat_account_purchases
    if kind is JournalKind.SALES:
        return d.vat_account
    return d.vat_account_purchases if cents > 0 else d.vat_account


def render_rows(entries: Sequence[Entry], d: ImportDefinition, *, companies: Sequence[str] | None = None, style: RenderStyle = RenderStyle()) -> tuple[list[str], list[list[str]]]:
    """Rows (text cells) that ``import_entries`` reads back as ``entries``."""
    headers = headers_of(d)
    rows: list[list[str]] = []
    date_fmt = DATE_FORMATS.get(d.date_format) or "%d/%m/%Y"
    for k, e in enumerate(entries):
        company = companies[k] if companies else ""
        for main, counter, vat in _collapse(e, d):
            cells: dict[str, str] = {}

            def put(field: str, value: str) -> None:
                header = getattr(d, field)
                if header:
                    cells[header] = value

            put("journal_column", e.journal_code)
            put("journal_label_column", e.journal_label)
            put("date_column", e.entry_date.strftime(date_fmt))
            put("entry_number_column", e.entry_number)
            put("document_ref_column", e.document_ref)
            put("document_date_column", (e.document_date or e.entry_date).strftime(date_fmt))
            put("label_column", main.label or e.label)
            put("company_column", company)
            put("due_date_column", main.due_date.strftime(date_fmt) if main.due_date else "")
            letter = _kind_letter(main, d)
            if d.account_layout is AccountLayout.ONE_COLUMN:
                put("account_column", main.subledger_account or main.ledger_account)
                put("account_label_column", main.subledger_label if main.subledger_account else main.ledger_account_label)
            else:
                put("account_column", main.ledger_account)
                put("account_label_column", main.subledger_label if main.subledger_account else main.ledger_account_label)
                if d.account_layout is AccountLayout.TWO_COLUMNS:
                    put("third_party_column", main.subledger_account)
                else:
                    put("customer_column", main.subledger_account if letter == "D" else "")
                    put("supplier_column", main.subledger_account if letter == "C" else "")
            if d.account_layout is not AccountLayout.THREE_COLUMNS and d.account_type_mode is AccountTypeMode.TYPE_COLUMN:
                put("account_type_column", letter if (main.subledger_account or d.account_layout is AccountLayout.ONE_COLUMN) else "")
            s = _signed(main)
            if d.amount_mode is AmountMode.SIGNED:
                put("amount_column", _fmt(s, d, style, True))
            elif d.amount_mode is AmountMode.SIGN_COLUMN:
                put("amount_column", _fmt(abs(s), d, style, False))
                put("sign_column", d.credit_symbol if s < 0 else d.debit_symbol)
            else:
                put("debit_column", _fmt(s, d, style, False) if s >= 0 else "")
                put("credit_column", _fmt(-s, d, style, False) if s < 0 else "")
            if d.vat_on_line:
                v = 0 if vat is None else _signed(vat)
                rel = -v if s < 0 else v
                put("vat_column", _fmt(rel, d, style, True) if v else "")
            if d.counter_mode is CounterMode.COLUMN:
                put("counter_account_column", "" if counter is None else (counter.subledger_account or counter.ledger_account))
            rows.append([cells.get(h, "") for h in headers])
    return headers, rows


def _collapse(e: Entry, d: ImportDefinition) -> list[tuple[EntryLine, EntryLine | None, EntryLine | None]]:
    """Group the lines of an entry into (row line, counter line, VAT line) as the layout allows."""
    lines = list(e.lines)
    if d.counter_mode is CounterMode.FIXED and len(lines) > 1 and lines[-1].ledger_account == d.counter_account and not lines[-1].subledger_account:
        lines = lines[:-1]
    if d.counter_mode is CounterMode.COLUMN:
        vat = lines[2] if len(lines) == 3 and d.vat_on_line else None
        if len(lines) == 2 or vat is not None:
            first, second = lines[0], lines[1]
            # the import puts a third-party counter line before a general line: not representable
            reordered = not first.subledger_account and bool(second.subledger_account)
            if not reordered and (vat is None or (_is_vat(vat, d, e.journal_code) and _signed(first) != 0)):
                return [(first, second, vat)]
    out: list[tuple[EntryLine, EntryLine | None, EntryLine | None]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if d.vat_on_line and nxt is not None and _signed(line) != 0 and _is_vat(nxt, d, e.journal_code) and not _is_vat(line, d, e.journal_code):
            out.append((line, None, nxt))
            i += 2
        else:
            out.append((line, None, None))
            i += 1
    return out


def _is_vat(line: EntryLine, d: ImportDefinition, journal: str) -> bool:
    return not line.subledger_account and line.ledger_account == _vat_account_for(d, journal, _signed(line))


# ---------------------------------------------------------------------------
# ready-made layouts (demo, template, benchmark)
# ---------------------------------------------------------------------------

def preset_sales_vat_on_line() -> ImportDefinition:
    """Sales invoices from an invoicing tool: one column of accounts typed by number ranges,
    debit / credit columns, the VAT on the revenue line (first worked example)."""
    return ImportDefinition(
        name="Ventes — TVA sur la ligne de produit",
        journal_column="Journal",
        date_column="Date",
        document_ref_column="N° facture",
        label_column="Libellé",
        account_column="Compte",
        account_label_column="Nom",
        account_type_mode=AccountTypeMode.RANGES,
        general_ranges=(AccountRange(start=100000, end=899999),),
        customer_ranges=(AccountRange(start=10000, end=19999),),
        supplier_ranges=(AccountRange(start=20000, end=29999),),
        amount_mode=AmountMode.DEBIT_CREDIT,
        debit_column="Montant débit",
        credit_column="Montant crédit",
        vat_on_line=True,
        vat_column="Montant TVA",
        thousands_separator=".",
    )


def preset_one_line() -> ImportDefinition:
    """One line per invoice: account, counter-account, signed amount and VAT (second worked
    example), several companies in one file, amounts with the minus after."""
    return ImportDefinition(
        name="Une ligne par facture — contrepartie et TVA sur la ligne",
        company_column="Société",
        journal_column="Journal",
        date_column="Date",
        document_ref_column="Pièce",
        label_column="Libellé",
        account_column="Compte",
        account_type_column="Type",
        account_type_mode=AccountTypeMode.TYPE_COLUMN,
        amount_mode=AmountMode.SIGNED,
        amount_column="Montant",
        vat_on_line=True,
        vat_column="Montant TVA",
        counter_mode=CounterMode.COLUMN,
        counter_account_column="Compte de contrepartie",
        decimal_separator=",",
        thousands_separator="",
    )


def preset_payroll() -> ImportDefinition:
    """Payroll / bank journal from another package: accounts on three columns, amount plus a
    sens column (D/C), entry numbers, ISO dates and decimal point."""
    return ImportDefinition(
        name="Paie et banque — comptes sur 3 colonnes, colonne de sens",
        journal_column="Code journal",
        date_column="Date écriture",
        entry_number_column="N° écriture",
        document_ref_column="Pièce",
        label_column="Libellé",
        account_layout=AccountLayout.THREE_COLUMNS,
        account_column="Compte général",
        customer_column="Client",
        supplier_column="Fournisseur",
        amount_mode=AmountMode.SIGN_COLUMN,
        amount_column="Montant",
        sign_column="Sens",
        debit_symbol="D",
        credit_symbol="C",
        decimal_separator=".",
        thousands_separator="",
        date_format="aaaa-mm-jj",
    )


PRESETS = {
    "ventes": preset_sales_vat_on_line,
    "ligne-unique": preset_one_line,
    "paie-banque": preset_payroll,
}
