"""Checks of an « Écritures » sheet typed by hand in FEC columns (pure: no Excel, no I/O).

Input is the sheet as a table: header labels and rows ``(excel_row, values)``. Headers are
the 18 FEC field names (``JournalCode`` … ``Idevise``, plus ``DateEcheance``) or the usual
French labels (Journal, Date, N° écriture, Compte, Libellé, Débit, Crédit…); the
``Montant`` + ``Sens`` variant of the FEC is accepted too.

Every problem becomes an ``Alert`` pointing at the Excel row and at the header label as
the user typed it, so the painter can flag the exact cell; nothing stops at the first
problem. Dates are accepted as real dates, Excel serial numbers or text (31/01/2025,
2025-01-31, 20250131 …); amounts as numbers or numeric text (French or English notation).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Sequence

from reglo.core.alerts import Alert, alert
from reglo.core.money import MoneyError, cents_to_money, format_fr, parse_decimal, quantize, to_cents

SHEET = "Écritures"

# field -> accepted header labels (compared without accents, case, spaces or punctuation)
ALIASES: dict[str, tuple[str, ...]] = {
    "JournalCode": ("JournalCode", "Journal", "Code journal", "Jnl"),
    "JournalLib": ("JournalLib", "Libellé journal", "Nom du journal"),
    "EcritureNum": ("EcritureNum", "N° écriture", "N° d'écriture", "Numéro d'écriture", "Numéro écriture", "No écriture", "Écriture"),
    "EcritureDate": ("EcritureDate", "Date", "Date écriture", "Date d'écriture", "Date comptable"),
    "CompteNum": ("CompteNum", "Compte", "N° compte", "N° de compte", "Numéro de compte", "Compte général"),
    "CompteLib": ("CompteLib", "Libellé compte", "Intitulé compte", "Intitulé du compte"),
    "CompAuxNum": ("CompAuxNum", "Compte auxiliaire", "Auxiliaire", "Compte tiers", "Tiers"),
    "CompAuxLib": ("CompAuxLib", "Libellé auxiliaire", "Nom du tiers"),
    "PieceRef": ("PieceRef", "Pièce", "N° pièce", "N° de pièce", "Référence pièce", "Référence"),
    "PieceDate": ("PieceDate", "Date pièce", "Date de pièce"),
    "EcritureLib": ("EcritureLib", "Libellé", "Libellé écriture"),
    "Debit": ("Debit", "Débit"),
    "Credit": ("Credit", "Crédit"),
    "EcritureLet": ("EcritureLet", "Lettrage", "Code lettrage"),
    "DateLet": ("DateLet", "Date lettrage", "Date de lettrage"),
    "ValidDate": ("ValidDate", "Date validation", "Date de validation"),
    "Montantdevise": ("Montantdevise", "Montant devise", "Montant en devise"),
    "Idevise": ("Idevise", "Devise", "Code devise"),
    "DateEcheance": ("DateEcheance", "Échéance", "Date échéance", "Date d'échéance"),
    "Montant": ("Montant",),
    "Sens": ("Sens",),
}
REQUIRED = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum")
DATE_FIELDS = ("EcritureDate", "PieceDate", "DateLet", "ValidDate", "DateEcheance")
# French labels used in messages for the expected columns
EXPECTED_FR = "JournalCode (Journal), EcritureNum (N° écriture), EcritureDate (Date), CompteNum (Compte), EcritureLib (Libellé), Debit (Débit), Credit (Crédit)"

_EXCEL_EPOCH = date(1899, 12, 30)
_TEXT_DATE = (
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})"), ("d", "m", "yy")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?"), ("y", "m", "d")),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), ("y", "m", "d")),
)
_ACCOUNT = re.compile(r"\d{3}")


def _key(text: Any) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()


_ALIAS_INDEX = {_key(a): field for field, labels in ALIASES.items() for a in labels}


def map_headers(headers: Sequence[Any]) -> dict[str, int]:
    """FEC field -> 0-based position of its column (first match wins)."""
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        field = _ALIAS_INDEX.get(_key(h))
        if field and field not in out:
            out[field] = i
    return out


class _Bad(ValueError):
    pass


def parse_sheet_date(value: Any) -> date | None:
    """A date typed in a cell: ``date``/``datetime``, Excel serial number or text.

    Returns None for an empty cell; raises ``ValueError`` for an impossible date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type(value) is datetime and 1900 <= value.year <= 2099:
        return value.date()
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, bool):
        raise _Bad(str(value))
    elif isinstance(value, (int, float, Decimal)):
        serial = int(value)  # fraction = time of day
        if serial < 1 or serial > 73415:  # 1900-01-01 .. 2100-12-31
            raise _Bad(str(value))
        d = _EXCEL_EPOCH + timedelta(days=serial)
    else:
        text = str(value).strip()
        d = None
        for pattern, order in _TEXT_DATE:
            m = pattern.fullmatch(text)
            if not m:
                continue
            parts = dict(zip(order, (int(g) for g in m.groups())))
            year = parts.get("y") or 2000 + parts["yy"]
            try:
                d = date(year, parts["m"], parts["d"])
            except ValueError as exc:
                raise _Bad(text) from exc
            break
        if d is None:
            raise _Bad(text)
    if not 1900 <= d.year <= 2099:
        raise _Bad(str(value))
    return d


def _display(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g").replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class _Amount:
    cents: int | None  # None: unreadable
    alerts: tuple[Alert, ...]


_NO_AMOUNT = _Amount(0, ())


def _amount(value: Any, *, sheet: str, row: int, column: str, side: str) -> _Amount:
    if value is None or (isinstance(value, str) and not value.strip()):
        return _NO_AMOUNT
    alerts: list[Alert] = []
    try:
        raw = parse_decimal(value)
    except MoneyError:
        return _Amount(None, (alert("AMOUNT_INVALID", sheet=sheet, row=row, column=column, value=_display(value)),))
    money = quantize(raw)
    if type(value) is not str and money == raw and money >= 0:  # the common case: a plain number in cents
        return _Amount(int(money * 100), ())
    if isinstance(value, str):
        alerts.append(alert("AMOUNT_AS_TEXT", sheet=sheet, row=row, column=column, value=value.strip(), amount=format_fr(money)))
    if money != raw:
        alerts.append(alert("AMOUNT_ROUNDED", sheet=sheet, row=row, column=column, value=_display(value), rounded=format_fr(money)))
    if money < 0:
        other = "crédit" if side == "débit" else "débit"
        alerts.append(alert("ENTRY_NEGATIVE_AMOUNT", sheet=sheet, row=row, column=column, side=side, value=format_fr(money), other=other, abs_value=format_fr(-money)))
    return _Amount(to_cents(money), tuple(alerts))


def check_entry_sheet(
    headers: Sequence[Any],
    rows: Iterable[tuple[int, Sequence[Any]]],
    *,
    sheet: str = SHEET,
) -> list[Alert]:
    """Every problem of a hand-typed entries sheet.

    ``headers``: the header row as typed; ``rows``: ``(excel_row, values)`` for each
    non-empty data row, values aligned on ``headers``."""
    alerts: list[Alert] = []
    labels = [str(h).strip() if h not in (None, "") else "" for h in headers]
    pos = map_headers(labels)
    for field in REQUIRED:
        if field not in pos:
            alerts.append(alert("COLUMN_MISSING", sheet=sheet, name=f"{field} ({ALIASES[field][1]})", expected=EXPECTED_FR))
    has_dc = "Debit" in pos and "Credit" in pos
    has_ms = "Montant" in pos and "Sens" in pos
    if not has_dc and not has_ms:  # the Montant + Sens variant replaces Debit + Credit
        for field in ("Debit", "Credit"):
            if field not in pos:
                alerts.append(alert("COLUMN_MISSING", sheet=sheet, name=f"{field} ({ALIASES[field][1]})", expected=EXPECTED_FR))
    if "EcritureLib" not in pos:
        alerts.append(alert("COLUMN_MISSING", sheet=sheet, name="EcritureLib (Libellé)", expected=EXPECTED_FR))

    def label(field: str) -> str:
        return labels[pos[field]]

    width = len(labels)
    ix = {f: pos.get(f, width) for f in ALIASES}  # an absent field reads the None past the end
    date_fields = [(f, ix[f], labels[pos[f]]) for f in DATE_FIELDS if f in pos]
    i_journal, i_number, i_account, i_label, i_debit, i_credit = (ix[f] for f in ("JournalCode", "EcritureNum", "CompteNum", "EcritureLib", "Debit", "Credit"))

    # entry key -> [rows], totals, dates, readable?
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    seen = 0
    for excel_row, values in rows:
        seen += 1
        vals = [None if type(v) is str and not v.strip() else v for v in values]
        if len(vals) <= width:
            vals.extend([None] * (width + 1 - len(vals)))
        journal = _text(vals[i_journal])
        number = _text(vals[i_number])
        if "JournalCode" in pos and not journal:
            alerts.append(alert("ENTRY_JOURNAL_MISSING", sheet=sheet, row=excel_row, column=label("JournalCode")))
        if "EcritureNum" in pos and not number:
            alerts.append(alert("ENTRY_NUMBER_MISSING", sheet=sheet, row=excel_row, column=label("EcritureNum")))
        # dates
        entry_date: date | None = None
        for field, i, column in date_fields:
            raw = vals[i]
            try:
                d = parse_sheet_date(raw)
            except ValueError:
                alerts.append(alert("DATE_INVALID", sheet=sheet, row=excel_row, column=column, value=_display(raw)))
                continue
            if field == "EcritureDate":
                if d is None:
                    alerts.append(alert("DATE_MISSING", sheet=sheet, row=excel_row, column=label(field)))
                entry_date = d
        # account
        if "CompteNum" in pos:
            account = _text(vals[i_account])
            if not account:
                alerts.append(alert("ACCOUNT_MISSING", sheet=sheet, row=excel_row, column=label("CompteNum")))
            elif not _ACCOUNT.match(account):
                alerts.append(alert("ACCOUNT_INVALID", sheet=sheet, row=excel_row, column=label("CompteNum"), value=account))
        if "EcritureLib" in pos and not _text(vals[i_label]):
            alerts.append(alert("ENTRY_LABEL_MISSING", sheet=sheet, row=excel_row, column=label("EcritureLib")))
        # currency pair
        if "Montantdevise" in pos or "Idevise" in pos:
            fa, cur = vals[ix["Montantdevise"]], _text(vals[ix["Idevise"]])
            if (fa is None) != (not cur):
                col = label("Idevise") if fa is not None and "Idevise" in pos else label("Montantdevise") if "Montantdevise" in pos else label("Idevise")
                alerts.append(alert("FEC_CURRENCY_INCOMPLETE", sheet=sheet, row=excel_row, column=col))
        # amounts
        debit = credit = None
        if has_dc:
            d_amt = _amount(vals[i_debit], sheet=sheet, row=excel_row, column=label("Debit"), side="débit")
            c_amt = _amount(vals[i_credit], sheet=sheet, row=excel_row, column=label("Credit"), side="crédit")
            alerts.extend(d_amt.alerts + c_amt.alerts)
            debit, credit = d_amt.cents, c_amt.cents
            if debit is not None and credit is not None:
                if debit < 0:  # a negative debit is a credit
                    debit, credit = 0, credit - debit
                if credit < 0:
                    debit, credit = debit - credit, 0
                if debit and credit:
                    alerts.append(alert("ENTRY_DEBIT_AND_CREDIT", sheet=sheet, row=excel_row))
                elif not debit and not credit:
                    alerts.append(alert("ENTRY_NO_AMOUNT", sheet=sheet, row=excel_row))
        elif has_ms:
            m_amt = _amount(vals[ix["Montant"]], sheet=sheet, row=excel_row, column=label("Montant"), side="débit")
            alerts.extend(a for a in m_amt.alerts if a.code.value != "ENTRY_NEGATIVE_AMOUNT")
            sens = _text(vals[ix["Sens"]]).upper()
            if sens in ("D", "+1", "1"):
                debit, credit = (abs(m_amt.cents), 0) if m_amt.cents is not None else (None, None)
            elif sens in ("C", "-1"):
                debit, credit = (0, abs(m_amt.cents)) if m_amt.cents is not None else (None, None)
            else:
                alerts.append(alert("ENTRY_SENS_INVALID", sheet=sheet, row=excel_row, column=label("Sens"), value=_text(vals[ix["Sens"]])))
            if m_amt.cents == 0:
                alerts.append(alert("ENTRY_NO_AMOUNT", sheet=sheet, row=excel_row))
        # balance bookkeeping
        if journal and number and (has_dc or has_ms):
            e = entries.setdefault((journal, number), {"rows": [], "debit": 0, "credit": 0, "ok": True, "dates": set()})
            e["rows"].append(excel_row)
            if debit is None or credit is None:
                e["ok"] = False
            else:
                e["debit"] += debit
                e["credit"] += credit
            if entry_date is not None:
                e["dates"].add(entry_date)
                e.setdefault("dated", []).append(excel_row)
    if seen == 0:
        alerts.append(alert("SHEET_EMPTY", sheet=sheet, name=sheet))
    for (journal, number), e in entries.items():
        if e["ok"] and e["debit"] != e["credit"]:
            d, c = cents_to_money(e["debit"]), cents_to_money(e["credit"])
            for r in e["rows"]:
                alerts.append(
                    alert(
                        "ENTRY_UNBALANCED",
                        sheet=sheet,
                        row=r,
                        entry=f"{number} du journal {journal}",
                        debit=format_fr(d),
                        credit=format_fr(c),
                        diff=format_fr(abs(d - c)),
                    )
                )
        if len(e["dates"]) > 1:
            dates = ", ".join(x.strftime("%d/%m/%Y") for x in sorted(e["dates"]))
            for r in e["dated"]:
                alerts.append(alert("ENTRY_DATES_DIFFER", sheet=sheet, row=r, column=label("EcritureDate"), entry=number, journal=journal, dates=dates))
    return alerts
