"""Accounting entries (écritures) ⇄ ledger frames, and their balance check.

Generated entries (payments, transfers, imports) become ledger rows with
``entries_to_frame`` so that the FEC writer and the « Écritures » sheet share one path.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.alerts import Alert, alert
from core.ledger import COLUMNS, DATE_COLUMNS, empty_frame
from core.models import Entry
from core.money import format_fr


def check_entry(entry: Entry, *, sheet: str | None = None) -> list[Alert]:
    """A blocking alert when the entry does not balance (on its first source row)."""
    if entry.is_balanced:
        return []
    return [
        alert(
            "ENTRY_UNBALANCED",
            sheet=sheet,
            row=entry.source_row if entry.source_row is not None else (entry.lines[0].source_row if entry.lines else None),
            entry=entry.entry_number or entry.document_ref,
            debit=format_fr(entry.total_debit),
            credit=format_fr(entry.total_credit),
            diff=format_fr(entry.total_debit - entry.total_credit),
        )
    ]


def number_entries(entries: list[Entry], *, start: int = 1, prefix: str = "") -> list[Entry]:
    """Give entries without a number a continuous one (per call), keeping the order."""
    out, n = [], start
    for e in entries:
        if e.entry_number:
            out.append(e)
        else:
            out.append(e.model_copy(update={"entry_number": f"{prefix}{n}"}))
            n += 1
    return out


def entries_to_frame(entries: list[Entry], *, validated_on: date | None = None, account_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Ledger rows (``core.ledger.COLUMNS``) for entries, in order, ready for ``write_fec``."""
    labels = account_labels or {}
    rows = []
    for e in entries:
        for l in e.lines:
            rows.append(
                {
                    "journal_code": e.journal_code,
                    "journal_label": e.journal_label,
                    "entry_number": e.entry_number,
                    "entry_date": e.entry_date,
                    "ledger_account": l.ledger_account,
                    "ledger_account_label": l.ledger_account_label or labels.get(l.ledger_account, ""),
                    "subledger_account": l.subledger_account,
                    "subledger_label": l.subledger_label,
                    "document_ref": e.document_ref,
                    "document_date": e.document_date or e.entry_date,
                    "label": l.label or e.label,
                    "debit": int(l.debit * 100),
                    "credit": int(l.credit * 100),
                    "lettering_code": l.lettering_code,
                    "lettered_on": l.lettered_on,
                    "validated_on": validated_on or e.entry_date,
                    "foreign_amount": None,
                    "currency": "",
                    "due_date": l.due_date,
                    "source_row": l.source_row if l.source_row is not None else (e.source_row or 0),
                }
            )
    if not rows:
        return empty_frame()
    df = pd.DataFrame(rows)
    for col in DATE_COLUMNS:
        df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")
    df["foreign_amount"] = df["foreign_amount"].astype("Int64")
    for col in ("debit", "credit", "source_row"):
        df[col] = df[col].astype("int64")
    for col in COLUMNS:
        if df[col].dtype == object:
            df[col] = df[col].fillna("").astype("str")
    return df[list(COLUMNS)]
