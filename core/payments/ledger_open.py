"""What the accounting ledger still shows open on each sales invoice (411 lines).

An invoice's customer lines are the 41… lines whose PieceRef is the invoice number. Its
open amount in the ledger is:

* unlettered lines: their balance (debit − credit; a payment booked with the invoice
  number as PieceRef and not lettered yet reduces it);
* lettered lines: the lettering group (same account, same code) — balanced: settled;
  unbalanced (partial lettering): the group's remaining debit balance, shared among the
  group's invoice lines oldest first (the oldest invoices are paid first).

Nothing is paid twice: the payment import never lets a payment exceed what the ledger
still shows open, and refuses a payment on an invoice the ledger shows settled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

import pandas as pd

from reglo.core.money import cents_to_money


@dataclass(frozen=True, slots=True)
class LedgerOpen:
    open_amount: Decimal
    settled_code: str = ""
    settled_on: date | None = None
    found: bool = True


def _day(v) -> date | None:
    if v is None or pd.isna(v):
        return None
    return pd.Timestamp(v).date()


def ledger_open_amounts(frame: pd.DataFrame | None, invoice_numbers: Iterable[str]) -> dict[str, LedgerOpen]:
    """Per invoice number found on a 41… line of ``frame`` (``reglo.core.ledger.COLUMNS``): its open
    amount in the ledger. Invoices without any 41… line are absent (not known)."""
    wanted = set(invoice_numbers)
    if frame is None or frame.empty or not wanted:
        return {}
    cust = frame[frame["ledger_account"].str.startswith("41")]
    if cust.empty:
        return {}
    aux = cust["subledger_account"]
    cust = cust.assign(acct=aux.where(aux != "", cust["ledger_account"]), doc=cust["document_ref"].str.strip().str.upper(),
                       code=cust["lettering_code"].str.strip())
    mine = cust[cust["doc"].isin(wanted)]
    if mine.empty:
        return {}
    open_c: dict[str, int] = {}
    settled: dict[str, tuple[str, date | None]] = {}
    # unlettered lines of the invoice: their balance
    unl = mine[mine["code"] == ""]
    for doc, net in (unl["debit"] - unl["credit"]).groupby(unl["doc"]).sum().items():
        open_c[doc] = open_c.get(doc, 0) + int(net)
    # lettered debit lines: what their group leaves open
    let = mine[(mine["code"] != "") & (mine["debit"] > mine["credit"])]
    if not let.empty:
        groups = cust[cust["code"] != ""].groupby(["acct", "code"])
        balance = (groups["debit"].sum() - groups["credit"].sum()).to_dict()
        last_day = groups["lettered_on"].max().to_dict() if "lettered_on" in cust else {}
        last_entry = groups["entry_date"].max().to_dict()
        for (acct, code), sub in let.groupby(["acct", "code"]):
            left = max(int(balance.get((acct, code), 0)), 0)
            for rec in sub.sort_values(["entry_date", "source_row"]).itertuples(index=False):
                net = int(rec.debit) - int(rec.credit)
                part = min(net, left)
                left -= part
                open_c[rec.doc] = open_c.get(rec.doc, 0) + part
                if part < net:
                    settled[rec.doc] = (code, _day(last_day.get((acct, code))) or _day(last_entry.get((acct, code))))
    docs = set(mine["doc"])
    out: dict[str, LedgerOpen] = {}
    for doc in docs:
        cents = max(open_c.get(doc, 0), 0)
        code, day = settled.get(doc, ("", None))
        out[doc] = LedgerOpen(cents_to_money(cents), code if cents == 0 else "", day if cents == 0 else None)
    return out
