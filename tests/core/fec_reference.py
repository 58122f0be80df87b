"""A plain-Python FEC formatter, line by line, written from the layout rules alone: the
reference the column-wise writer (``reglo.core.fec_write``) is compared with."""
from __future__ import annotations

import re

import pandas as pd

from reglo.core.ledger import CENTS_COLUMNS, DATE_COLUMNS, FEC_FIELDS, FEC_NAMES

_BREAKS = {"\t": r" *[\r\n\t]+[\r\n\t ]*", "|": r" *[\r\n\t|]+[\r\n\t| ]*"}


def amount(cents) -> str:
    """1234.56 € as 123456 cents → "1234,56"; -5 → "-0,05"; 0 → "0,00"."""
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y%m%d")


def text(value, separator: str) -> str:
    """Separators / line breaks (and the spaces around them) → one space; ends trimmed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return re.sub(_BREAKS[separator], " ", str(value)).strip()


def reference_fec(frame: pd.DataFrame, *, separator: str = "\t", encoding: str = "utf-8", due_date_field: str | None = None) -> bytes:
    names = list(FEC_NAMES) + ([due_date_field] if due_date_field else [])
    lines = [separator.join(names)]
    for record in frame.to_dict("records"):
        fields = []
        for _, col in FEC_FIELDS:
            value = record[col]
            if col in CENTS_COLUMNS:
                fields.append(amount(value))
            elif col == "foreign_amount":
                fields.append("" if value is None or pd.isna(value) else amount(value))
            elif col in DATE_COLUMNS:
                fields.append(day(value))
            else:
                fields.append(text(value, separator))
        if due_date_field:
            fields.append(day(record["due_date"]))
        lines.append(separator.join(fields))
    return "".join(line + "\r\n" for line in lines).encode(encoding, errors="replace")
