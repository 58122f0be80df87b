"""« Continuer » in mode LCR magnétique: the pure plan.

``plan_lcr(rows, drawer, params, today=…, now=…)`` returns everything the shell commits:
the CFONB 160 file (bytes and intended name), its content read back from those bytes as a
table, the treasury entry (grouped per third party or detailed per invoice), the register
record and the receipts (for VAT on receipts and the payment data of e-invoicing). A
blocking alert means no file and no entry. The file is parsed back and compared with the
data it was built from before it is offered (``LCR_READBACK_MISMATCH`` otherwise).

Treasury entry (PCG, spec « Accounting context »): debit 5113 *effets à l'encaissement*
(code entrée 3/4) or 5114 *effets à l'escompte* (1/2), credit 411 per customer.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, has_blocking
from reglo.core.alerts import alert as make_alert
from reglo.core.lcr.label import LabelFields, check_template, render_label
from reglo.core.lcr.management import SHEET
from reglo.core.lcr.models import Drawer, LcrParams, LcrRow
from reglo.core.lcr.prepare import PARAMS, prepare_remittance
from reglo.core.models import Entry, EntryLine
from reglo.core.money import ZERO, cents_to_money
from reglo.core.vat_receipts.models import Receipt, ReceiptSource
from reglo.core.writers.cfonb160 import AcceptanceCode, LcrRemittance, write_lcr
from reglo.core.writers.cfonb160_parse import READBACK_HEADERS, parse_lcr, readback_rows

READBACK_SHEET = "Fichier LCR"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class LcrRegisterBill(_Model):
    party_code: str
    amount: Decimal
    due_date: date
    invoice_refs: tuple[str, ...] = ()


class LcrRegisterRecord(_Model):
    """What the register keeps of a remittance (a bank reject cancels it as a whole)."""

    kind: str = "LCR"
    remittance_ref: str
    remittance_date: date
    journal_code: str
    remittance_account: str = "511300"
    file_name: str
    sha256: str
    total: Decimal
    count: int
    bills: tuple[LcrRegisterBill, ...]


class LcrPlan(_Model):
    files: dict[str, bytes] = {}
    remittance: LcrRemittance | None = None
    readback_headers: tuple[str, ...] = READBACK_HEADERS
    readback: tuple[tuple[Any, ...], ...] = ()
    entries: tuple[Entry, ...] = ()
    register_record: LcrRegisterRecord | None = None
    receipts: tuple[Receipt, ...] = ()
    alerts: tuple[Alert, ...] = ()

    @property
    def is_blocked(self) -> bool:
        return has_blocking(self.alerts)


def file_name(params: LcrParams, rows: Sequence[LcrRow], now: datetime) -> str:
    """``LCR`` (``BOR`` when every bill is a promissory note) + AAMMJJ + HHMMSS + journal."""
    prefix = "BOR" if rows and all(r.acceptance is AcceptanceCode.PROMISSORY_NOTE for r in rows) else "LCR"
    return f"{prefix}{now:%y%m%d}{now:%H%M%S}{params.journal_code}.txt"


def treasury_entry(rows: Sequence[LcrRow], drawer: Drawer, params: LcrParams) -> tuple[Entry, list[Alert]]:
    """The treasury entry of the remittance, grouped per third party or detailed per invoice."""
    alerts: list[Alert] = []
    lines: list[EntryLine] = []

    def label(document: str, account: str, invoice_label: str, row: int | None) -> str:
        text, a = render_label(
            params.counterparty_label,
            LabelFields(on=params.remittance_date, document=document, company=drawer.legal_name, account=account, invoice_label=invoice_label),
            sheet=PARAMS if row is None else SHEET,
            row=row,
            column="Libellé de contrepartie",
        )
        alerts.extend(a)
        return text

    for r in rows:
        common = {"ledger_account": r.control_account, "subledger_account": r.party_code, "subledger_label": r.party_name, "due_date": r.due_date, "source_row": r.source_row}
        if params.group_entries or not r.invoices:
            refs = " ".join(i.document_ref for i in r.invoices)
            lines.append(EntryLine(label=label(refs, r.account_label or r.party_name, r.invoices[0].label if len(r.invoices) == 1 else "", r.source_row), credit=r.amount, **common))
        else:
            for inv in r.invoices:
                lines.append(EntryLine(label=label(inv.document_ref, r.account_label or r.party_name, inv.label, r.source_row), credit=inv.amount, **common))
    total = sum((l.credit for l in lines), ZERO)
    lines.insert(0, EntryLine(ledger_account=params.remittance_account, label=label(params.remittance_ref, drawer.legal_name, "Remise LCR", None), debit=total))
    entry = Entry(
        journal_code=params.journal_code,
        entry_date=params.remittance_date,
        document_ref=params.remittance_ref,
        document_date=params.remittance_date,
        label=f"Remise LCR {params.remittance_ref}",
        lines=tuple(lines),
    )
    return entry, alerts


def receipts(rows: Sequence[LcrRow], params: LcrParams) -> list[Receipt]:
    """One receipt per invoice settled (date: the due date, when the money is received)."""
    out: list[Receipt] = []
    n = 0
    for r in rows:
        parts = [(i.document_ref, i.amount) for i in r.invoices] or [("", r.amount)]
        for ref, amount in parts:
            n += 1
            out.append(
                Receipt(
                    receipt_id=f"{params.remittance_ref}-{n:04d}",
                    source=ReceiptSource.LCR,
                    party_code=r.party_code,
                    party_name=r.party_name,
                    receipt_date=r.due_date,
                    amount=amount,
                    invoice_number=ref,
                    is_lettered=params.lettering and bool(ref),
                    source_row=r.source_row,
                )
            )
    return out


def plan_lcr(rows: Sequence[LcrRow], drawer: Drawer, params: LcrParams, *, today: date, now: datetime) -> LcrPlan:
    """Everything « Continuer » produces, or only alerts when one is blocking."""
    alerts: list[Alert] = list(check_template(params.counterparty_label, sheet=PARAMS, column="Libellé de contrepartie"))
    for r in rows:
        if r.invoices and r.invoices_total != r.amount:
            # The sheet's amount is the sum of the invoices: an edit elsewhere broke it.
            alerts.append(make_alert("LCR_AMOUNT_INVALID", value=f"{r.amount} ≠ factures {r.invoices_total}", sheet=SHEET, row=r.source_row, column="Montant"))
    remittance, a = prepare_remittance(rows, drawer, params, today=today)
    alerts += a
    if remittance is None or has_blocking(alerts):
        return LcrPlan(alerts=tuple(alerts))
    data = write_lcr(remittance, line_ending=params.line_ending)
    parsed, parse_alerts = parse_lcr(data)
    if parse_alerts or parsed != remittance:
        detail = parse_alerts[0].message if parse_alerts else "données relues différentes"
        return LcrPlan(alerts=tuple(alerts + [make_alert("LCR_READBACK_MISMATCH", detail=detail)]))
    table, _ = readback_rows(data)
    entry, label_alerts = treasury_entry(rows, drawer, params)
    alerts += label_alerts
    name = file_name(params, rows, now)
    record = LcrRegisterRecord(
        remittance_ref=remittance.remittance_ref,
        remittance_date=remittance.remittance_date,
        journal_code=params.journal_code,
        remittance_account=params.remittance_account,
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        total=cents_to_money(remittance.total_cents),
        count=len(remittance.bills),
        bills=tuple(LcrRegisterBill(party_code=r.party_code, amount=r.amount, due_date=r.due_date, invoice_refs=tuple(i.document_ref for i in r.invoices)) for r in rows),
    )
    return LcrPlan(
        files={name: data},
        remittance=remittance,
        readback=tuple(table),
        entries=(entry,),
        register_record=record,
        receipts=tuple(receipts(rows, params)),
        alerts=tuple(alerts),
    )
