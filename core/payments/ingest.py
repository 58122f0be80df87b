"""Lenient reading of the « Import règlements clients » rows (house style §2, ingest).

The header labels below are the contract with the template
(``workbook_templates/payments.py``): renaming a header means editing ``HEADERS`` (and
its aliases) and nothing else. Values arrive as Excel gives them (datetime, float, str,
None); every problem becomes an alert on the row and column the user sees.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping

from reglo.core.alerts import Alert, alert
from reglo.core.models import PaymentMethod
from reglo.core.money import MoneyError, format_display, format_fr, parse_decimal, quantize, to_cents

SHEET = "Import règlements clients"
TABLE_NAME = "Reglements"

DATE = "Date règlement"
INVOICE = "N° facture"
CUSTOMER = "Code client"
AMOUNT = "Montant"
MODE = "Mode"
REFERENCE = "Référence"
BANK = "Banque (journal)"
JOB_SITE = "Chantier"
COMMENT = "Commentaire"

HEADERS = (DATE, INVOICE, CUSTOMER, AMOUNT, MODE, REFERENCE, BANK, JOB_SITE, COMMENT)
REQUIRED = (DATE, INVOICE, AMOUNT)
"""Columns without which the sheet cannot be read at all."""

# other spellings accepted for a header (normalised: no accent, casefolded, single spaces)
ALIASES: dict[str, str] = {
    "date": DATE, "date de reglement": DATE, "date reglement": DATE, "date du reglement": DATE,
    "n facture": INVOICE, "no facture": INVOICE, "numero de facture": INVOICE, "facture": INVOICE, "n° de facture": INVOICE,
    "client": CUSTOMER, "code tiers": CUSTOMER,
    "montant regle": AMOUNT, "montant recu": AMOUNT, "montant ttc": AMOUNT,
    "mode de reglement": MODE,
    "reference (n de cheque / virement)": REFERENCE, "n de cheque": REFERENCE, "ref": REFERENCE,
    "banque": BANK, "journal": BANK, "journal de banque": BANK,
    "code chantier": JOB_SITE,
    "commentaires": COMMENT,
}

MODE_ALIASES: dict[str, PaymentMethod] = {
    "virement": PaymentMethod.CREDIT_TRANSFER, "vir": PaymentMethod.CREDIT_TRANSFER, "vrt": PaymentMethod.CREDIT_TRANSFER,
    "cheque": PaymentMethod.CHEQUE, "chq": PaymentMethod.CHEQUE, "ch": PaymentMethod.CHEQUE,
    "prelevement": PaymentMethod.DIRECT_DEBIT, "prlv": PaymentMethod.DIRECT_DEBIT, "prel": PaymentMethod.DIRECT_DEBIT,
    "lcr": PaymentMethod.LCR, "traite": PaymentMethod.LCR,
    "carte": PaymentMethod.CARD, "cb": PaymentMethod.CARD, "carte bancaire": PaymentMethod.CARD,
    "especes": PaymentMethod.CASH, "esp": PaymentMethod.CASH,
}
MODE_LIST = tuple(m.value for m in PaymentMethod)
_MODES_EXACT = {m.value: m for m in PaymentMethod}

_EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$")
_COMPACT = re.compile(r"^(\d{8})$")


@lru_cache(maxsize=4096)
def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("°", "").replace("º", "")
    return " ".join(s.casefold().split())


def fold(text: Any) -> str:
    """Lower case, no accents, single spaces: how headers and list values are compared."""
    return _fold(str(text or ""))


def header_map(headers: Iterable[str]) -> dict[str, str]:
    """Map the sheet's header labels to the contract labels (``HEADERS``)."""
    wanted = {fold(h): h for h in HEADERS}
    wanted.update({fold(k): v for k, v in ALIASES.items()})
    out: dict[str, str] = {}
    for h in headers:
        target = wanted.get(fold(h))
        if target and target not in out.values():
            out[h] = target
    return out


def code(value: Any) -> str:
    """A code typed in a cell (invoice number, customer, journal): trimmed, upper case;
    a number Excel stored as 1234.0 becomes ``1234``."""
    if type(value) is str:
        v = value.strip()
        if "  " not in v and "\t" not in v and "\n" not in v and "\xa0" not in v:  # fast path, 50,000 rows
            return v.upper()
        return " ".join(v.split()).upper()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()).upper()


def text(value: Any) -> str:
    if type(value) is str:
        v = value.strip()
        if "  " not in v and "\t" not in v and "\n" not in v and "\xa0" not in v:
            return v
        return " ".join(v.split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def parse_date(value: Any) -> date:
    """A date as Excel or a user gives it: date/datetime, Excel serial number, or text
    ``jj/mm/aaaa``, ``jj/mm/aa``, ``jj.mm.aaaa``, ``aaaa-mm-jj``, ``jjmmaaaa``.

    Raises:
        ValueError: not a real date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float, Decimal)):
        if not 1 <= value < 2958466:
            raise ValueError(value)
        return _EXCEL_EPOCH + timedelta(days=int(value))
    s = str(value).strip()
    m = _DMY.match(s)
    if m:
        d, mth, y = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            y += 2000
        return date(y, mth, d)
    m = _ISO.match(s)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _COMPACT.match(s)
    if m:
        return date(int(s[4:]), int(s[2:4]), int(s[:2]))
    raise ValueError(s)


def eur(amount: Decimal) -> str:
    """Amount as shown in messages: ``12 480,00`` (thousands separated, no currency sign)."""
    return format_display(amount).removesuffix(" €")


def fr_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def payment_key(customer_code: str, invoice_number: str, payment_date: date, amount: Decimal) -> str:
    """Stable fingerprint of one payment: customer, invoice, date and amount.

    Mode, bank and reference are left out on purpose so that a payment imported from the
    template and the same payment later read from the accounting ledger (which carries
    neither) get the same key and are never counted twice. Two payments of the same
    amount for the same invoice on the same day are therefore one payment: enter them as
    one row with the total.
    """
    raw = f"{customer_code}|{invoice_number}|{payment_date.isoformat()}|{to_cents(amount)}"
    return "RC-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


@dataclass
class ParsedRow:
    """One template row after lenient parsing (None = missing or unreadable)."""

    source_row: int
    payment_date: date | None = None
    invoice_number: str = ""
    customer_code: str = ""
    amount: Decimal | None = None
    method: PaymentMethod | None = None
    reference: str = ""
    bank: str = ""
    job_site: str = ""
    comment: str = ""
    alerts: list[Alert] = field(default_factory=list)


def parse_row(source_row: int, values: Mapping[str, Any], *, sheet: str = SHEET) -> ParsedRow:
    """Parse the value-level fields of a row (no comparison with the dossier yet)."""
    row = ParsedRow(source_row)
    add = row.alerts.append

    raw = values.get(DATE)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        add(alert("PAY_DATE_MISSING", sheet=sheet, row=source_row, column=DATE))
    else:
        try:
            row.payment_date = parse_date(raw)
        except (ValueError, OverflowError):
            add(alert("PAY_DATE_INVALID", sheet=sheet, row=source_row, column=DATE, value=text(raw)))

    row.invoice_number = code(values.get(INVOICE))
    row.customer_code = code(values.get(CUSTOMER))

    raw = values.get(AMOUNT)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        add(alert("PAY_AMOUNT_MISSING", sheet=sheet, row=source_row, column=AMOUNT))
    else:
        try:
            exact = parse_decimal(raw)
        except MoneyError:
            add(alert("PAY_AMOUNT_INVALID", sheet=sheet, row=source_row, column=AMOUNT, value=text(raw)))
        else:
            amount = quantize(exact)
            if amount <= 0:
                add(alert("PAY_AMOUNT_NOT_POSITIVE", sheet=sheet, row=source_row, column=AMOUNT, value=format_fr(amount)))
            else:
                row.amount = amount
                if amount != exact:
                    add(alert("PAY_AMOUNT_ROUNDED", sheet=sheet, row=source_row, column=AMOUNT, value=str(exact).replace(".", ","), rounded=format_fr(amount)))

    raw_mode = text(values.get(MODE))
    row.method = _MODES_EXACT.get(raw_mode) or MODE_ALIASES.get(fold(raw_mode))
    if row.method is None:
        add(alert("PAY_MODE_UNKNOWN", sheet=sheet, row=source_row, column=MODE, value=raw_mode or "(vide)", expected=", ".join(MODE_LIST)))

    row.reference = text(values.get(REFERENCE))
    row.bank = code(values.get(BANK))
    row.job_site = code(values.get(JOB_SITE))
    row.comment = text(values.get(COMMENT))
    return row
