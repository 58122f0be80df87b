"""The ledger held column-wise: a pandas DataFrame with one row per FEC line.

Amounts are exact integer cents (``int64``), dates ``datetime64`` (NaT when empty),
text columns strings ("" when empty). Pydantic ``LedgerLine`` models are built only for
the rows a workflow touches (``to_lines``). ``source_row`` is the line number in the
source file (header = line 1) or the Excel row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from reglo.core.alerts import Alert
from reglo.core.models import LedgerLine
from reglo.core.money import cents_to_money

# FEC field name (A47 A-1 LPF order) -> ledger column
FEC_FIELDS: tuple[tuple[str, str], ...] = (
    ("JournalCode", "journal_code"),
    ("JournalLib", "journal_label"),
    ("EcritureNum", "entry_number"),
    ("EcritureDate", "entry_date"),
    ("CompteNum", "ledger_account"),
    ("CompteLib", "ledger_account_label"),
    ("CompAuxNum", "subledger_account"),
    ("CompAuxLib", "subledger_label"),
    ("PieceRef", "document_ref"),
    ("PieceDate", "document_date"),
    ("EcritureLib", "label"),
    ("Debit", "debit"),
    ("Credit", "credit"),
    ("EcritureLet", "lettering_code"),
    ("DateLet", "lettered_on"),
    ("ValidDate", "validated_on"),
    ("Montantdevise", "foreign_amount"),
    ("Idevise", "currency"),
)
FEC_NAMES = tuple(n for n, _ in FEC_FIELDS)
FIELD_TO_COLUMN = dict(FEC_FIELDS)
COLUMN_TO_FIELD = {c: n for n, c in FEC_FIELDS}

# Optional extra field many exports add; kept as the due date of the line.
DUE_DATE_FIELDS = ("DateEcheance", "EcheanceDate", "DateEch", "Echeance", "DateEcheanceReglement")

DATE_COLUMNS = ("entry_date", "document_date", "lettered_on", "validated_on", "due_date")
CENTS_COLUMNS = ("debit", "credit")
TEXT_COLUMNS = tuple(c for _, c in FEC_FIELDS if c not in DATE_COLUMNS + CENTS_COLUMNS + ("foreign_amount",))
COLUMNS = tuple(c for _, c in FEC_FIELDS) + ("due_date", "source_row")


@dataclass
class Ledger:
    """A ledger (grand livre) as read from a FEC or a workbook, with the alerts found."""

    frame: pd.DataFrame
    alerts: list[Alert] = field(default_factory=list)
    extra_fields: tuple[str, ...] = ()
    separator: str = "\t"
    encoding: str = "utf-8"
    lines_read: int = 0  # physical lines after the header (FEC): len(frame) + len(rejected_lines)
    rejected_lines: tuple[int, ...] = ()  # lines kept out of the frame, each named in an alert
    extra: pd.DataFrame | None = None  # values of the extra header fields, aligned with frame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def account_key(self) -> pd.Series:
        """Auxiliary account when present, else the general account (what lettering works on)."""
        aux = self.frame["subledger_account"]
        return aux.where(aux != "", self.frame["ledger_account"])

    def total_debit_cents(self) -> int:
        return exact_sum(self.frame["debit"])

    def total_credit_cents(self) -> int:
        return exact_sum(self.frame["credit"])


def exact_sum(values) -> int:
    """Exact sum of int64 cents as a Python int: no int64 overflow (each amount is below
    10^17 cents, 15 integer digits; the high and low 32-bit halves are summed apart)."""
    v = np.asarray(values, dtype=np.int64)
    if not len(v):
        return 0
    high = int(np.sum(v >> 32, dtype=np.int64))
    low = int(np.sum(v & 0xFFFFFFFF, dtype=np.int64))
    return (high << 32) + low


def empty_frame() -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for col in COLUMNS:
        if col in DATE_COLUMNS:
            data[col] = pd.Series([], dtype="datetime64[s]")
        elif col in CENTS_COLUMNS or col == "source_row":
            data[col] = pd.Series([], dtype="int64")
        elif col == "foreign_amount":
            data[col] = pd.Series([], dtype="Int64")
        else:
            data[col] = pd.Series([], dtype="str")
    return pd.DataFrame(data)


def as_date(value: object) -> date | None:
    """A frame cell (``Timestamp``, ``datetime64``, ``date``, None, NaT) → ``date`` or None."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def to_lines(frame: pd.DataFrame) -> list[LedgerLine]:
    """Build ``LedgerLine`` models for the given rows (only the rows a workflow touches)."""
    lines = []
    for rec in frame.to_dict("records"):
        fa = rec.get("foreign_amount")
        lines.append(
            LedgerLine(
                journal_code=rec["journal_code"],
                journal_label=rec["journal_label"],
                entry_number=rec["entry_number"],
                entry_date=as_date(rec["entry_date"]) or date(1900, 1, 1),
                ledger_account=rec["ledger_account"],
                ledger_account_label=rec["ledger_account_label"],
                subledger_account=rec["subledger_account"],
                subledger_label=rec["subledger_label"],
                document_ref=rec["document_ref"],
                document_date=as_date(rec["document_date"]),
                label=rec["label"],
                debit=cents_to_money(rec["debit"]),
                credit=cents_to_money(rec["credit"]),
                lettering_code=rec["lettering_code"],
                lettered_on=as_date(rec["lettered_on"]),
                validated_on=as_date(rec["validated_on"]),
                foreign_amount=None if fa is None or pd.isna(fa) else cents_to_money(int(fa)),
                currency=rec["currency"],
                due_date=as_date(rec.get("due_date")),
                source_row=int(rec["source_row"]),
            )
        )
    return lines


def from_lines(lines: list[LedgerLine]) -> pd.DataFrame:
    """The inverse of ``to_lines``: models to a ledger frame."""
    if not lines:
        return empty_frame()
    rows = []
    for i, l in enumerate(lines):
        rows.append(
            {
                "journal_code": l.journal_code,
                "journal_label": l.journal_label,
                "entry_number": l.entry_number,
                "entry_date": l.entry_date,
                "ledger_account": l.ledger_account,
                "ledger_account_label": l.ledger_account_label,
                "subledger_account": l.subledger_account,
                "subledger_label": l.subledger_label,
                "document_ref": l.document_ref,
                "document_date": l.document_date,
                "label": l.label,
                "debit": int(l.debit * 100),
                "credit": int(l.credit * 100),
                "lettering_code": l.lettering_code,
                "lettered_on": l.lettered_on,
                "validated_on": l.validated_on,
                "foreign_amount": None if l.foreign_amount is None else int(l.foreign_amount * 100),
                "currency": l.currency,
                "due_date": l.due_date,
                "source_row": l.source_row if l.source_row is not None else i + 2,
            }
        )
    df = pd.DataFrame(rows)
    for col in DATE_COLUMNS:
        df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")
    df["foreign_amount"] = df["foreign_amount"].astype("Int64")
    for col in CENTS_COLUMNS + ("source_row",):
        df[col] = df[col].astype("int64")
    return df[list(COLUMNS)]
