"""Hand-built ledgers for the lettering tests, written as the accountant reads them.

``ledger(TABLE)`` turns a pipe table into a ledger frame (``reglo.core.ledger.COLUMNS``):

    | row | account | aux  | date       | ref       | label                | debit   | credit  | let | due        |
    | 10  | 411000  | C001 | 2025-01-10 | FA25-0012 | Facture FA25-0012    | 1200,00 |         |     | 2025-02-10 |

Amounts are French (comma); ``let`` is the existing letter code; empty cells are empty.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from reglo.core.ledger import COLUMNS
from reglo.core.money import parse_decimal


def _cents(text: str) -> int:
    text = text.strip()
    return int(parse_decimal(text) * 100) if text else 0


def ledger(table: str) -> pd.DataFrame:
    lines = [l.strip() for l in table.strip().splitlines() if l.strip()]
    head = [h.strip() for h in lines[0].strip("|").split("|")]
    recs = []
    for l in lines[1:]:
        cells = [c.strip() for c in l.strip("|").split("|")]
        recs.append(dict(zip(head, cells)))
    n = len(recs)

    def col(name, default=""):
        return [r.get(name, default) or default for r in recs]

    dates = pd.to_datetime(col("date", "2025-01-01")).astype("datetime64[s]")
    due = pd.to_datetime([d or None for d in col("due")]).astype("datetime64[s]")
    let_on = pd.to_datetime([d or None for d in col("let_on")]).astype("datetime64[s]")
    lets = col("let")
    # a lettered line without DateLet gets the latest entry date of its group (as software writes it)
    auxes = col("aux")
    group_day: dict[tuple[str, str], pd.Timestamp] = {}
    for a, c, d in zip(auxes, lets, dates):
        if c:
            group_day[(a, c)] = max(group_day.get((a, c), d), d)
    let_on = pd.Series([lo if (not c or not pd.isna(lo)) else group_day[(a, c)] for a, c, lo in zip(auxes, lets, let_on)]).astype("datetime64[s]")
    frame = pd.DataFrame({
        "journal_code": col("journal", "OD"), "journal_label": "", "entry_number": [f"E{r}" for r in col("row")],
        "entry_date": dates, "ledger_account": col("account", "411000"), "ledger_account_label": "",
        "subledger_account": col("aux"), "subledger_label": [f"Tiers {a}" if a else "" for a in col("aux")],
        "document_ref": col("ref"), "document_date": dates, "label": col("label"),
        "debit": np.array([_cents(x) for x in col("debit")], dtype="int64"),
        "credit": np.array([_cents(x) for x in col("credit")], dtype="int64"),
        "lettering_code": lets, "lettered_on": let_on.to_numpy(), "validated_on": dates, "foreign_amount": pd.array([None] * n, dtype="Int64"),
        "currency": "", "due_date": due, "source_row": np.array([int(r) for r in col("row")], dtype="int64"),
    })
    frame["lettered_on"] = frame["lettered_on"].astype("datetime64[s]")
    return frame[list(COLUMNS)]


def groups_of(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[int, ...]]:
    """(account, code) -> source rows, for the lettered lines of a frame."""
    key = frame["subledger_account"].where(frame["subledger_account"] != "", frame["ledger_account"])
    out: dict[tuple[str, str], list[int]] = {}
    for k, c, r in zip(key, frame["lettering_code"], frame["source_row"]):
        if c:
            out.setdefault((k, c), []).append(int(r))
    return {k: tuple(sorted(v)) for k, v in out.items()}
