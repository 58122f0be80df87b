"""The « Données d'encaissement » sheet rows and the CSV bytes (pure: returns bytes).

One row per receipt and VAT rate (long format: a platform import maps it column by column),
a receipt without allocation on one row with the rate left blank. CSV: UTF-8, « ; »
separator, CR LF line ends (RFC 4180), ISO dates (AAAA-MM-JJ), amounts with a decimal point
by default (``decimal_comma=True`` for a French spreadsheet).
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any, Sequence

from reglo.core.csv_text import csv_cell
from reglo.core.cashed_status.records import CashedRecord

HEADERS = (
    "Type",
    "Statut",
    "SIREN vendeur",
    "N° facture",
    "Date facture",
    "Date d'encaissement",
    "Montant encaissé",
    "Devise",
    "Taux TVA",
    "Montant encaissé au taux",
    "Base HT au taux",
    "TVA au taux",
    "Partiel / Total",
    "Lettré",
    "Origine",
    "Réf. encaissement",
    "Annule",
)


def sheet_rows(records: Sequence[CashedRecord]) -> list[tuple[Any, ...]]:
    """Rows in the order of ``HEADERS`` (dates and Decimals as values, for the sheet)."""
    rows: list[tuple[Any, ...]] = []
    for c in records:
        head = (c.record_type.value, c.status_code, c.seller_siren, c.invoice_number, c.invoice_date, c.receipt_date, c.amount, c.currency)
        tail = (c.completeness.value, "Oui" if c.is_lettered else "Non", c.source, c.receipt_id, c.cancels)
        if c.per_rate:
            for p in c.per_rate:
                rows.append(head + (p.rate, p.amount, p.base, p.vat) + tail)
        else:
            rows.append(head + (None, None, None, None) + tail)
    return rows


RATE_COLUMN = HEADERS.index("Taux TVA")


def _text(value: Any, *, decimal_comma: bool, is_rate: bool = False) -> str:
    """``20`` / ``5.5`` for rates, ``1234.50`` for amounts, ISO dates, '' for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}" if is_rate else f"{value:.2f}"
        return text.replace(".", ",") if decimal_comma else text
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def write_cashed_csv(records: Sequence[CashedRecord], *, decimal_comma: bool = False) -> bytes:
    """The CSV of the payment data, as bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADERS)
    for row in sheet_rows(records):
        writer.writerow([csv_cell(_text(v, decimal_comma=decimal_comma, is_rate=i == RATE_COLUMN)) for i, v in enumerate(row)])
    return buffer.getvalue().encode("utf-8")
