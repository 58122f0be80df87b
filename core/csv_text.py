"""Text cells of the CSV files Reglo writes for people to open in Excel (slips, payment data):
a cell that Excel would take for a formula (« =… », « @… », « +… » / « -… » that is not a
number, or one starting with a tab or a carriage return) is written with a leading apostrophe,
the usual CSV-injection guard: Excel shows the text as typed and never evaluates it (a supplier
named ``=HYPERLINK("http://…";"Payer")`` in « Tiers » must not become a link in a slip).

Numbers (« -12,50 », « +3 ») are left as they are. Files meant to be read back by a program
byte for byte (the rejects CSV of an entry import, re-importable as it was) do not use this:
their .xlsx twin is the one to open.
"""
from __future__ import annotations

import re

_NUMBER = re.compile(r"[+-]?\d[\d\s.,]*")
_TRIGGERS = ("=", "@", "+", "-", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` unchanged unless it is text Excel would evaluate: then ``'`` + the text."""
    if not isinstance(value, str) or not value or not value.startswith(_TRIGGERS):
        return value
    if value[0] in "+-" and _NUMBER.fullmatch(value):
        return value
    return "'" + value
