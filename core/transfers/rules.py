"""Preview rules (issue 6, point 3): user edits read back, then blocking checks.

Selection rules, per beneficiary (the transfers sheet never has a negative line):

* the selected total of a beneficiary must be > 0 (``BENEFICIARY_TOTAL_NOT_POSITIVE``);
* a negative line cannot be selected alone (``NEGATIVE_LINE_ALONE``);
* several selected lines with a negative one must be grouped (``NEGATIVE_NOT_GROUPED``):
  a line without « Groupe » is a transfer of its own;
* a negative line is only allowed inside a group whose total is positive
  (``NEGATIVE_GROUP_NOT_POSITIVE``). Group ids are local to a beneficiary.

Beneficiary checks (blocking on that beneficiary): known party, valid IBAN (with French RIB
key), BIC consistent with the IBAN, BIC present outside the EEA (S-B4), structured address
(town + country) when the version requires it (S-P1/S-P2).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from reglo.core.alerts import Alert, alert
from reglo.core.banking import check_bic, check_iban
from reglo.core.models import Party
from reglo.core.money import MoneyError, format_fr, is_rounded, to_money
from reglo.core.transfers.models import PreviewLine, TransferParameters, total
from reglo.core.transfers.selection import SHEET

# EEA: EU 27 + Iceland, Liechtenstein, Norway (S-B4: BIC optional inside, required outside).
EEA = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO GF GP MQ RE YT".split())
YES = {"oui", "o", "x", "yes", "y", "1", "true", "vrai"}
NO = {"non", "n", "no", "0", "false", "faux", ""}


@dataclass(frozen=True)
class Edit:
    """One preview row as the user left it (raw cell values)."""

    excel_row: int
    key: str
    selection: Any
    amount: Any
    group: Any


def apply_edits(lines: Sequence[PreviewLine], edits: Iterable[Edit], *, sheet: str = SHEET) -> tuple[list[PreviewLine], list[Alert]]:
    """Merge the user's « Sélection » / « Montant » / « Groupe » into the snapshot lines.

    Snapshot lines without a row in the sheet (row deleted) are not selected. Rows whose key
    is not in the snapshot are rejected (``LINE_UNKNOWN``).
    """
    by_key = {l.key: l for l in lines}
    seen: dict[str, PreviewLine] = {}
    alerts: list[Alert] = []
    for e in edits:
        line = by_key.get(str(e.key or "").strip())
        if line is None or line.key in seen:
            alerts.append(alert("LINE_UNKNOWN", sheet=sheet, row=e.excel_row, column="Clé", key=e.key))
            continue
        update: dict[str, Any] = {"excel_row": e.excel_row}
        sel = _selection(e.selection)
        if sel is None:
            alerts.append(alert("SELECTION_INVALID", sheet=sheet, row=e.excel_row, column="Sélection", value=e.selection))
            sel = False
        update["selected"] = sel
        update["group"] = _group(e.group)
        amount, a = _amount(e.amount, line, sheet, e.excel_row, check=sel)
        alerts.extend(a)
        if amount is not None:
            update["amount"] = amount
        elif sel:
            update["selected"] = False
        seen[line.key] = line.model_copy(update=update)
    out = [seen.get(l.key) or l.model_copy(update={"selected": False}) for l in lines]
    return out, alerts


def _selection(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().casefold()
    if text.endswith(".0"):
        text = text[:-2]
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def _group(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel numbers come as floats
        return str(int(value))
    return str(value).strip()


def _amount(value: Any, line: PreviewLine, sheet: str, row: int, *, check: bool):
    where = {"sheet": sheet, "row": row, "column": "Montant"}
    if value in (None, ""):
        return (None, [alert("AMOUNT_MISSING", **where)] if check else [])
    try:
        amount = to_money(value)
        rounded = is_rounded(value)
    except MoneyError:
        return None, ([alert("AMOUNT_INVALID", value=value, **where)] if check else [])
    alerts: list[Alert] = []
    if rounded:
        alerts.append(alert("AMOUNT_ROUNDED", value=value, rounded=format_fr(amount), **where))
    if not check:
        return amount, alerts
    doc = line.document_ref or line.key
    ctx = {"value": format_fr(amount), "original": format_fr(line.open_amount), "document": doc}
    if amount == 0:
        alerts.append(alert("AMOUNT_NOT_POSITIVE", value=format_fr(amount), **where))
        return None, alerts
    if (amount > 0) != (line.open_amount > 0):
        alerts.append(alert("AMOUNT_SIGN_CHANGED", **ctx, **where))
        return None, alerts
    if abs(amount) > abs(line.open_amount):
        alerts.append(alert("AMOUNT_EXCEEDS_OPEN", **ctx, **where))
        return None, alerts
    if amount != line.open_amount:
        alerts.append(alert("AMOUNT_EDITED", balance=format_fr(line.open_amount - amount), **ctx, **where))
    return amount, alerts


def transfer_units(lines: Iterable[PreviewLine]) -> dict[tuple[str, str], list[PreviewLine]]:
    """Selected lines by transfer: (beneficiary, group) → lines; an ungrouped line alone."""
    units: dict[tuple[str, str], list[PreviewLine]] = defaultdict(list)
    for l in lines:
        if l.selected:
            units[(l.beneficiary, l.group if l.group else f"#{l.line_no}")].append(l)
    return units


def check_selection(lines: Sequence[PreviewLine], *, sheet: str = SHEET) -> list[Alert]:
    """The four negative-line rules of the preview (all blocking)."""
    alerts: list[Alert] = []
    by_beneficiary: dict[str, list[PreviewLine]] = defaultdict(list)
    for l in lines:
        if l.selected:
            by_beneficiary[l.beneficiary].append(l)
    for who, sel in by_beneficiary.items():
        name = sel[0].beneficiary_name or who
        first = sel[0]
        tot = total(sel)
        if tot <= 0:
            alerts.append(alert("BENEFICIARY_TOTAL_NOT_POSITIVE", sheet=sheet, row=first.excel_row, column="Sélection", name=name, total=format_fr(tot)))
        negatives = [l for l in sel if l.is_negative]
        if not negatives:
            continue
        if len(sel) == 1:
            n = negatives[0]
            alerts.append(alert("NEGATIVE_LINE_ALONE", sheet=sheet, row=n.excel_row, column="Sélection", name=name, document=n.document_ref or n.key, amount=format_fr(n.amount)))
            continue
        for n in negatives:
            if not n.group:
                alerts.append(alert("NEGATIVE_NOT_GROUPED", sheet=sheet, row=n.excel_row, column="Groupe", name=name, document=n.document_ref or n.key, amount=format_fr(n.amount)))
        groups: dict[str, list[PreviewLine]] = defaultdict(list)
        for l in sel:
            if l.group:
                groups[l.group].append(l)
        for gid, members in groups.items():
            if any(m.is_negative for m in members) and total(members) <= 0:
                row = next(m for m in members if m.is_negative).excel_row
                alerts.append(alert("NEGATIVE_GROUP_NOT_POSITIVE", sheet=sheet, row=row, column="Groupe", name=name, group=gid, total=format_fr(total(members))))
    for l in lines:
        if l.selected and l.currency.strip().upper() not in ("", "EUR"):
            alerts.append(alert("CURRENCY_NOT_EUR", sheet=sheet, row=l.excel_row, column="Montant", currency=l.currency, document=l.document_ref or l.key))
    return alerts


def check_beneficiaries(lines: Sequence[PreviewLine], parties: Mapping[str, Party], params: TransferParameters, *, sheet: str = SHEET) -> list[Alert]:
    """Bank details and address of every beneficiary with a selected line."""
    alerts: list[Alert] = []
    first: dict[str, PreviewLine] = {}
    for l in lines:
        if l.selected:
            first.setdefault(l.beneficiary, l)
    for who, line in first.items():
        alerts.extend(check_party(who, parties.get(who), params, sheet=sheet, row=line.excel_row, name=line.beneficiary_name))
    return alerts


def check_party(code: str, party: Party | None, params: TransferParameters, *, sheet: str | None, row: int | None, name: str = "") -> list[Alert]:
    where = {"sheet": sheet, "row": row}
    if party is None:
        return [alert("BENEFICIARY_UNKNOWN", column="Bénéficiaire", account=code, **where)]
    account = party.main_bank_account
    if account is None:
        return [alert("IBAN_MISSING", column="Bénéficiaire", **where)]
    iban, alerts = check_iban(str(account.iban), column="Bénéficiaire", **where)
    if iban is None:
        return alerts
    if account.bic is not None:
        _, bic_alerts = check_bic(str(account.bic), iban, column="Bénéficiaire", **where)
        alerts.extend(bic_alerts)
    outside_eea = iban.country_code not in EEA
    if outside_eea and account.bic is None:
        alerts.append(alert("BIC_REQUIRED", column="Bénéficiaire", name=party.legal_name, country=iban.country_code, **where))
    if (params.version == "pain.001.001.09" or outside_eea) and not party.address.is_structured:
        alerts.append(alert("ADDRESS_REQUIRED", column="Bénéficiaire", name=party.legal_name, town=party.address.town, country=party.address.country, version=params.version, **where))
    return alerts
