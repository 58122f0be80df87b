"""From « Gestion des LCR » rows to the clean CFONB 160 remittance, with every alert.

Rules (``shared/specs/cfonb-lcr.md`` and the seed):
- texts transliterated to the CFONB set and cut to their zone, each change a warning (F3, F6);
- Réf. Tiré / Réf. Tireur: ≤ 10 letters or digits, zero-padded on the left, else blocking;
- bank details: French IBAN of 27 characters, RIB key checked (F10);
- amounts in cents, > 0 and ≤ 9 999 999 999,99 €, EUR only (F7, F9);
- value date: required and not in the past for code entrée 1 / 2, blank otherwise (statement 7);
- due date not before creation date (blocking), not before the remittance date (warning);
- SIREN: 9 digits with a valid Luhn key, else left blank with a warning.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

from stdnum.fr import siren as stdnum_siren

from reglo.core.alerts import Alert, alert, has_blocking
from reglo.core.lcr.management import SHEET
from reglo.core.lcr.models import Drawer, LcrParams, LcrRow, ManagementColumns as Col
from reglo.core.lcr.rib import rib_from_iban
from reglo.core.money import format_display, to_cents
from reglo.core.writers.cfonb160 import MAX_CENTS, LcrBill, LcrRemittance, clean_reference, clean_text

PARAMS = "Paramètres LCR"


def _siren(value: str, *, field: str, **where: object) -> tuple[str, list[Alert]]:
    text = "".join(str(value or "").split())
    if not text:
        return "", []
    if stdnum_siren.is_valid(text):
        return text, []
    return "", [alert("LCR_SIREN_INVALID", value=text, field=field, **where)]  # type: ignore[arg-type]


def prepare_header(drawer: Drawer, params: LcrParams, *, today: date) -> tuple[dict, list[Alert]]:
    """The header values (zone fields of record 03) and their alerts."""
    where = {"sheet": PARAMS}
    alerts: list[Alert] = []
    name, a = clean_text(drawer.legal_name, max_length=24, field="Raison sociale du cédant", required=True, **where)
    alerts += a
    bank_name, a = clean_text(drawer.bank_name, max_length=24, field="Domiciliation bancaire du cédant", **where)
    alerts += a
    ref, a = clean_text(params.remittance_ref, max_length=11, field="Référence de la remise", required=True, **where)
    alerts += a
    convention, a = clean_text(params.convention_type, max_length=6, field="Type de convention", **where)
    alerts += a
    rib, _key, a = rib_from_iban(drawer.iban, field="Compte du cédant", sheet=PARAMS, column="IBAN")
    alerts += a
    siren, a = _siren(drawer.siren, field="SIREN du cédant", **where)
    alerts += a
    value_date = params.value_date
    code = params.collection_option.value
    if params.collection_option.is_discount:
        if value_date is None:
            alerts.append(alert("LCR_VALUE_DATE_MISSING", option=code, column="Date de valeur", **where))
        elif value_date < today:
            alerts.append(alert("LCR_VALUE_DATE_PAST", value=value_date.strftime("%d/%m/%Y"), today=today.strftime("%d/%m/%Y"), column="Date de valeur", **where))
    elif value_date is not None:
        alerts.append(alert("LCR_VALUE_DATE_IGNORED", value=value_date.strftime("%d/%m/%Y"), option=code, column="Date de valeur", **where))
        value_date = None
    header = {
        "remittance_date": params.remittance_date,
        "remittance_ref": ref,
        "drawer_name": name,
        "drawer_bank_name": bank_name,
        "drawer_account": rib,
        "drawer_siren": siren,
        "collection_option": params.collection_option,
        "dailly_code": params.dailly_code,
        "convention_type": convention,
        "value_date": value_date,
    }
    return header, alerts


def prepare_bill(row: LcrRow, params: LcrParams) -> tuple[LcrBill | None, list[Alert]]:
    """One detail record from one sheet row (None when a blocking alert was found)."""
    where = {"sheet": SHEET, "row": row.source_row}
    alerts: list[Alert] = []
    name, a = clean_text(row.party_name, max_length=24, field="Nom du tiré", required=True, column=Col.NAME, **where)
    alerts += a
    bank_name, a = clean_text(row.bank_name, max_length=24, field="Domiciliation du tiré", column=Col.BANK, **where)
    alerts += a
    drawee_ref, a = clean_reference(row.drawee_ref, field="Réf. Tiré", column=Col.DRAWEE_REF, **where)
    alerts += a
    drawer_ref, a = clean_reference(row.drawer_ref, field="Réf. Tireur", column=Col.DRAWER_REF, **where)
    alerts += a
    rib, _key, a = rib_from_iban(row.iban, field=f"Tiré {row.party_code}", column=Col.IBAN, **where)
    alerts += a
    siren, a = _siren(row.siren, field="SIREN du tiré", column=Col.SIREN, **where)
    alerts += a
    if row.currency.upper() != "EUR":
        alerts.append(alert("LCR_CURRENCY", value=row.currency, column=Col.AMOUNT, **where))
    cents = to_cents(row.amount)
    if cents <= 0 or cents > MAX_CENTS:
        alerts.append(alert("LCR_AMOUNT_INVALID", value=format_display(row.amount), column=Col.AMOUNT, **where))
    if row.due_date < row.creation_date:
        alerts.append(alert("LCR_DUE_BEFORE_CREATION", due=row.due_date.strftime("%d/%m/%Y"), created=row.creation_date.strftime("%d/%m/%Y"), column=Col.DUE, **where))
    elif row.due_date < params.remittance_date:
        alerts.append(alert("LCR_DUE_DATE_PAST", due=row.due_date.strftime("%d/%m/%Y"), remitted=params.remittance_date.strftime("%d/%m/%Y"), column=Col.DUE, **where))
    if has_blocking(alerts):
        return None, alerts
    bill = LcrBill(
        drawee_ref=drawee_ref,
        drawee_name=name,
        drawee_bank_name=bank_name,
        acceptance_code=row.acceptance,
        drawee_account=rib,
        amount_cents=cents,
        due_date=row.due_date,
        creation_date=row.creation_date,
        drawee_siren=siren,
        drawer_ref=drawer_ref,
    )
    return bill, alerts


def prepare_remittance(rows: Sequence[LcrRow], drawer: Drawer, params: LcrParams, *, today: date) -> tuple[LcrRemittance | None, list[Alert]]:
    """The clean remittance, or None when any alert is blocking (all alerts are returned)."""
    header, alerts = prepare_header(drawer, params, today=today)
    bills = []
    for row in rows:
        bill, a = prepare_bill(row, params)
        alerts += a
        if bill is not None:
            bills.append(bill)
    if not rows:
        alerts.append(alert("LCR_NO_BILLS", sheet=SHEET))
    if has_blocking(alerts):
        return None, alerts
    return LcrRemittance(bills=tuple(bills), **header), alerts
