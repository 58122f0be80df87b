"""« Gestion des LCR »: one row per customer, built from the allocations, shown to the user
(Création / Échéance / Accept. / Réf. Tiré / Réf. Tireur editable) and read back.

Defaults (seed: « Accept. » is 1; project choices for the rest): the creation date is the
latest invoice date of the customer (a bill is not drawn before the invoices it settles),
the due date the latest invoice due date (else the remittance date), the drawee reference
the invoice number when the bill settles one invoice whose number is a valid reference.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Mapping, Sequence

from reglo.core.alerts import Alert, alert
from reglo.core.dossier import cell_date, cell_text
from reglo.core.lcr.models import ACCEPTANCE_LABELS, LcrAllocation, LcrRow, ManagementColumns as Col
from reglo.core.money import ZERO
from reglo.core.writers.cfonb160 import AcceptanceCode, clean_reference

SHEET = "Gestion des LCR"


def management_rows(allocations: Sequence[LcrAllocation], *, remittance_date: date) -> list[LcrRow]:
    """One row per customer (sorted by account), amounts summed exactly."""
    by_party: dict[str, list[LcrAllocation]] = defaultdict(list)
    for a in allocations:
        by_party[a.party_code].append(a)
    rows: list[LcrRow] = []
    for code in sorted(by_party):
        items = by_party[code]
        first = items[0]
        invoices = tuple(a.invoice for a in items)
        doc_dates = [i.document_date for i in invoices if i.document_date]
        due_dates = [i.due_date for i in invoices if i.due_date]
        drawee_ref = ""
        if len(invoices) == 1:
            ref, alerts = clean_reference(invoices[0].document_ref, field="Réf. Tiré")
            drawee_ref = invoices[0].document_ref if ref and not alerts else ""
        rows.append(
            LcrRow(
                party_code=code,
                party_name=first.party_name,
                control_account=first.control_account,
                account_label=first.account_label or first.party_name,
                iban=first.iban,
                bank_name=first.bank_name,
                siren=first.siren,
                amount=sum((i.amount for i in invoices), ZERO),
                currency=first.currency,
                creation_date=max(doc_dates) if doc_dates else remittance_date,
                due_date=max(due_dates) if due_dates else remittance_date,
                drawee_ref=drawee_ref,
                invoices=invoices,
                source_row=first.source_row,
            )
        )
    return rows


def management_sheet(rows: Sequence[LcrRow]) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """Headers and values of the sheet, in the order of ``ManagementColumns.ALL``."""
    values = [
        (
            r.party_code,
            r.party_name,
            r.iban,
            r.bank_name,
            r.siren,
            r.amount,
            r.creation_date,
            r.due_date,
            ACCEPTANCE_LABELS[r.acceptance],
            r.drawee_ref,
            r.drawer_ref,
            " ".join(i.document_ref for i in r.invoices),
        )
        for r in rows
    ]
    return Col.ALL, values


def _acceptance(value: Any) -> AcceptanceCode | None:
    text = cell_text(value).strip()
    if text == "":
        return AcceptanceCode.ACCEPTED
    head = text[0]
    try:
        return AcceptanceCode(head)
    except ValueError:
        return None


def read_management_sheet(
    records: Sequence[Mapping[str, Any]], rows: Sequence[LcrRow], *, row_numbers: Sequence[int] | None = None
) -> tuple[list[LcrRow], list[Alert]]:
    """Apply the user's edits (editable columns only) to the proposed rows.

    ``records`` are the sheet's rows as ``{header: value}``, matched to ``rows`` by « Compte ».
    Rows deleted by the user are dropped (not remitted). Invalid cells give blocking alerts
    and the row is kept unchanged in the result so that every problem is reported at once.
    """
    by_code = {r.party_code: r for r in rows}
    out: list[LcrRow] = []
    alerts: list[Alert] = []
    for n, rec in enumerate(records):
        excel_row = row_numbers[n] if row_numbers else n + 2
        code = cell_text(rec.get(Col.ACCOUNT))
        base = by_code.get(code)
        if base is None:
            continue
        where = {"sheet": SHEET, "row": excel_row}
        update: dict[str, Any] = {"source_row": excel_row}
        for column, field in ((Col.CREATION, "creation_date"), (Col.DUE, "due_date")):
            try:
                value = cell_date(rec.get(column))
            except ValueError:
                alerts.append(alert("LCR_DATE_INVALID", field=column, value=cell_text(rec.get(column)), column=column, **where))
                continue
            if value is None:
                alerts.append(alert("LCR_DATE_INVALID", field=column, value="", column=column, **where))
            else:
                update[field] = value
        acceptance = _acceptance(rec.get(Col.ACCEPTANCE))
        if acceptance is None:
            alerts.append(alert("LCR_ACCEPTANCE_INVALID", value=cell_text(rec.get(Col.ACCEPTANCE)), column=Col.ACCEPTANCE, **where))
        else:
            update["acceptance"] = acceptance
        for column, field in ((Col.DRAWEE_REF, "drawee_ref"), (Col.DRAWER_REF, "drawer_ref")):
            update[field] = cell_text(rec.get(column))
        out.append(base.model_copy(update=update))
    return out, alerts
