"""Read a CFONB 160 LCR / BOR remittance back (``shared/specs/cfonb-lcr.md``).

Used to show the user what was written, parsed from the bytes themselves (« Continuer »
displays the file as a readable table), and to check that the file round-trips to the data
it was built from. The zones come from the same layout tables as the writer
(``reglo.core.writers.cfonb160``); the parser never guesses: a record of the wrong length,
an unexpected record code, a gap in the numbering, an unreadable date or amount, or a total
that is not the sum of the bills is a blocking alert with the record's index.

Both separators of F4 are read: records separated by CR LF (or LF), or end to end.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from reglo.core.alerts import Alert, alert
from reglo.core.money import cents_to_money
from reglo.core.writers.cfonb160 import (
    DETAIL,
    ENCODING,
    HEADER,
    LAYOUTS,
    RECORD_LENGTH,
    TOTAL,
    Kind,
    Layout,
    LcrBill,
    LcrRemittance,
    RibAccount,
)


def split_records(data: bytes) -> tuple[list[str], list[Alert]]:
    """The records of a file, whatever its separator (CR LF, LF or none)."""
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as exc:
        return [], [alert("LCR_FILE_ENCODING", detail=f"octet {exc.start + 1}")]
    if "\n" in text or "\r" in text:
        lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        while lines and lines[-1] == "":
            lines.pop()
    else:
        lines = [text[i : i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    alerts = [alert("LCR_RECORD_LENGTH", index=i, length=len(line)) for i, line in enumerate(lines, 1) if len(line) != RECORD_LENGTH]
    return lines, alerts


def parse_date(text: str) -> date | None:
    """JJMMAA → date (years 2000-2099); blank → None.

    Raises:
        ValueError: when the text is not a real date.
    """
    if text.strip() == "":
        return None
    if not text.isdigit() or len(text) != 6:
        raise ValueError(text)
    return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))


def parse_record(layout: Layout, line: str, index: int) -> tuple[dict[str, Any], list[Alert]]:
    """Zones of one record → ``{field: value}`` (text right-stripped, numbers as int, dates)."""
    values: dict[str, Any] = {}
    alerts: list[Alert] = []
    for zone in layout.zones:
        raw = line[zone.slice]
        if zone.kind is Kind.RESERVED:
            if raw.strip():
                alerts.append(alert("LCR_RECORD_FIELD", index=index, zone=zone.zone, label=zone.label, value=raw))
            continue
        try:
            if zone.kind is Kind.CONSTANT:
                if raw != zone.constant:
                    raise ValueError(raw)
                continue
            if zone.kind is Kind.NUMERIC:
                if not raw.isdigit():
                    raise ValueError(raw)
                values[zone.field] = raw if zone.field.endswith("_code") else int(raw)
            elif zone.kind is Kind.DATE:
                values[zone.field] = parse_date(raw)
            else:
                values[zone.field] = raw.rstrip(" ")
        except ValueError:
            alerts.append(alert("LCR_RECORD_FIELD", index=index, zone=zone.zone, label=zone.label, value=raw))
    return values, alerts


def parse_records(data: bytes) -> tuple[list[tuple[Layout, dict[str, Any]]], list[Alert]]:
    """Every record with its layout and values, checking order (F1) and numbering (F5)."""
    lines, alerts = split_records(data)
    if alerts:
        return [], alerts
    parsed: list[tuple[Layout, dict[str, Any]]] = []
    for index, line in enumerate(lines, 1):
        expected = "03" if index == 1 else ("08" if index == len(lines) else "06")
        code = line[0:2]
        if code != expected or line[2:4] != "60":
            alerts.append(alert("LCR_RECORD_CODE", index=index, value=line[0:4], expected=expected + "60"))
            continue
        layout = LAYOUTS[code]
        values, field_alerts = parse_record(layout, line, index)
        alerts += field_alerts
        if values.get("record_number") not in (None, index):
            alerts.append(alert("LCR_RECORD_NUMBER", index=index, value=line[4:12], expected=f"{index:08d}"))
        parsed.append((layout, values))
    if len(lines) < 3:
        alerts.append(alert("LCR_RECORD_CODE", index=len(lines) + 1, value="(fin)", expected="0660 puis 0860"))
    return parsed, alerts


def parse_lcr(data: bytes) -> tuple[LcrRemittance | None, list[Alert]]:
    """A whole remittance back as the writer's model (``None`` with alerts when unreadable)."""
    parsed, alerts = parse_records(data)
    if alerts:
        return None, alerts
    header = parsed[0][1]
    details = [values for layout, values in parsed[1:-1]]
    total = parsed[-1][1]["total_cents"]
    expected = sum(d["amount_cents"] for d in details)
    if total != expected:
        return None, [alert("LCR_TOTAL_MISMATCH", total=total, expected=expected)]
    try:
        bills = tuple(
            LcrBill(
                drawee_ref=d["drawee_ref"],
                drawee_name=d["drawee_name"],
                drawee_bank_name=d["drawee_bank_name"],
                acceptance_code=d["acceptance_code"],
                drawee_account=RibAccount(bank_code=d["drawee_bank_code"], branch_code=d["drawee_branch_code"], account_code=d["drawee_account_code"]),
                amount_cents=d["amount_cents"],
                due_date=d["due_date"],
                creation_date=d["creation_date"],
                drawee_siren=d["drawee_siren"],
                drawer_ref=d["drawer_ref"],
            )
            for d in details
        )
        remittance = LcrRemittance(
            remittance_date=header["remittance_date"],
            remittance_ref=header["remittance_ref"],
            drawer_name=header["drawer_name"],
            drawer_bank_name=header["drawer_bank_name"],
            drawer_account=RibAccount(bank_code=header["drawer_bank_code"], branch_code=header["drawer_branch_code"], account_code=header["drawer_account_code"]),
            drawer_siren=header["drawer_siren"],
            collection_option=header["collection_option"],
            dailly_code=header["dailly_code"] or " ",
            convention_type=header["convention_type"],
            value_date=header["value_date"],
            bills=bills,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        return None, [alert("LCR_RECORD_FIELD", index=0, zone="-", label=".".join(str(p) for p in first["loc"]), value=str(first.get("input", "")))]
    return remittance, []


# --- the readable table shown after « Continuer » ----------------------------------------

READBACK_HEADERS = (
    "N° enr.",
    "Type",
    "Réf. Tiré",
    "Nom",
    "Domiciliation",
    "Accept. / Code entrée",
    "Banque",
    "Guichet",
    "Compte",
    "Montant",
    "Échéance",
    "Création / Remise",
    "SIREN",
    "Réf. Tireur / Remise",
)


def readback_rows(data: bytes) -> tuple[list[tuple[Any, ...]], list[Alert]]:
    """One row per record of the file, parsed from its bytes (amounts in euros as text cents → Decimal by the caller)."""
    parsed, alerts = parse_records(data)
    rows: list[tuple[Any, ...]] = []
    for layout, v in parsed:
        if layout is HEADER:
            rows.append((v["record_number"], "Émetteur", "", v["drawer_name"], v["drawer_bank_name"], v["collection_option"] + (f" / Dailly {v['dailly_code']}" if v["dailly_code"] else ""), v["drawer_bank_code"], v["drawer_branch_code"], v["drawer_account_code"], None, v["value_date"], v["remittance_date"], v["drawer_siren"], v["remittance_ref"]))
        elif layout is DETAIL:
            rows.append((v["record_number"], "LCR", v["drawee_ref"], v["drawee_name"], v["drawee_bank_name"], v["acceptance_code"], v["drawee_bank_code"], v["drawee_branch_code"], v["drawee_account_code"], cents_to_money(v["amount_cents"]), v["due_date"], v["creation_date"], v["drawee_siren"], v["drawer_ref"]))
        elif layout is TOTAL:
            rows.append((v["record_number"], "Total", "", "", "", "", "", "", "", cents_to_money(v["total_cents"]), None, None, "", ""))
    return rows, alerts
