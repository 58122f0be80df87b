"""CFONB 160 « LCR magnétique »: remittance of LCR / BOR (lettres de change relevé, billets
à ordre relevé), one header record ``03``, one detail record ``06`` per bill, one total
record ``08``.

Source: ``shared/specs/cfonb-lcr.md`` (restating the CFONB customer brochure *Effets de
commerce — LCR-BOR* and OCA's ``account_banking_fr_lcr``); rule ids F1…F12 and the zone ids
(A, B1, B2 … G1) are the spec's. House style §6: each record layout is **data** (zone id,
1-based position, length, kind, model field); one generic renderer turns a layout and its
values into a line, so a line has 160 characters by construction and the tables can be
read against the spec line by line.

``write_lcr(remittance, line_ending=...)`` is pure and assumes clean input (texts already
in the CFONB character set and within their lengths, see ``clean_text`` /
``reglo.core.lcr.prepare``): a value that does not fit its zone is a programming error and
raises ``ValueError``, it is never cut silently.

>>> format_date(date(2026, 3, 31))
'310326'
>>> clean_text("Boulangerie l'Olivier & fils — 2 €", max_length=40)[0]
'BOULANGERIE L-OLIVIER - FILS - 2 EUR'
>>> render(TOTAL, {"record_number": 4, "total_cents": 15400})[102:114]
'000000015400'
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reglo.core.alerts import Alert, alert

RECORD_LENGTH = 160  # F2
ENCODING = "ascii"  # F4: plain ASCII (the character set of F3 is a subset)
# F4: OCA separates records with CR LF and writes none after the last record; some banks
# refuse line breaks altogether, so the separator is a bank setting.
LINE_ENDINGS: dict[str, str] = {"CRLF": "\r\n", "AUCUN": ""}
DEFAULT_LINE_ENDING = "CRLF"
OPERATION_CODE = "60"  # zone B1: LCR / BOR remittance
MAX_CENTS = 999_999_999_999  # F7: 12 digits

ALLOWED_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *().,/+-:")  # F3
_ALLOWED_RE = re.compile(r"[A-Z0-9 *().,/+\-:]*")
REFERENCE_LENGTH = 10  # « Réf. Tiré » C1 and « Réf. Tireur » G1 of the detail record


class CollectionOption(StrEnum):
    """Code entrée (header D2-1, position 79): the collection option of the remittance."""

    DISCOUNT = "1"  # escompte
    DISCOUNT_VALUE = "2"  # escompte en valeur
    COLLECTION = "3"  # encaissement, crédit forfaitaire après l'échéance (default)
    COLLECTION_DELAY = "4"  # encaissement, crédit après un délai fixe

    @property
    def is_discount(self) -> bool:
        """Discount options need a value date (header F1)."""
        return self in (CollectionOption.DISCOUNT, CollectionOption.DISCOUNT_VALUE)


class DaillyCode(StrEnum):
    """Code Dailly (header D2-2, position 80); a space when there is no Dailly agreement."""

    NONE = " "
    NO_INDICATION = "0"
    ASSIGNMENT_DISCOUNT = "1"  # cession escompte dans le cadre d'une convention Dailly
    PLEDGE = "2"  # nantissement de créance dans le cadre d'une convention Dailly
    OUTSIDE_AGREEMENT = "3"  # cession ou nantissement hors convention Dailly


class AcceptanceCode(StrEnum):
    """Code acceptation (detail D2-1, position 79)."""

    NOT_ACCEPTED = "0"  # LCR non acceptée (LCR directe)
    ACCEPTED = "1"  # LCR acceptée
    PROMISSORY_NOTE = "2"  # BOR, billet à ordre relevé


# --- layouts as data --------------------------------------------------------------------


class Kind(StrEnum):
    CONSTANT = "constant"  # fixed by the standard (record code, operation code)
    NUMERIC = "numeric"  # digits, right aligned, zero padded (F6)
    TEXT = "text"  # F3 characters, left aligned, space padded (F6)
    DATE = "date"  # JJMMAA (F8) or spaces when there is none
    RESERVED = "reserved"  # spaces (F6, statement 11)


@dataclass(frozen=True)
class Zone:
    """One zone of a record: ``start`` is 1-based as in the brochure."""

    zone: str
    start: int
    length: int
    kind: Kind
    field: str  # model field / value key ("" for reserved zones)
    label: str  # French name, as on the brochure (used by the read-back table)
    constant: str = ""

    @property
    def slice(self) -> slice:
        return slice(self.start - 1, self.start - 1 + self.length)


@dataclass(frozen=True)
class Layout:
    record_code: str
    name: str
    zones: tuple[Zone, ...]

    def zone(self, field: str) -> Zone:
        return next(z for z in self.zones if z.field == field)


def _layout(record_code: str, name: str, *rows: tuple) -> Layout:
    zones, start = [], 1
    for zone_id, length, kind, field, label, *constant in rows:
        zones.append(Zone(zone_id, start, length, kind, field, label, constant[0] if constant else ""))
        start += length
    layout = Layout(record_code, name, tuple(zones))
    if start - 1 != RECORD_LENGTH:  # pragma: no cover - checked at import
        raise AssertionError(f"layout {record_code} covers {start - 1} characters")
    return layout


C, N, T, D, R = Kind.CONSTANT, Kind.NUMERIC, Kind.TEXT, Kind.DATE, Kind.RESERVED

HEADER = _layout(
    "03",
    "Enregistrement émetteur",
    ("A", 2, C, "record_code", "Code enregistrement", "03"),
    ("B1", 2, C, "operation_code", "Code opération", OPERATION_CODE),
    ("B2", 8, N, "record_number", "Numéro d'enregistrement"),
    ("B3", 6, N, "issuer_number", "Numéro d'émetteur"),
    ("C1", 6, T, "convention_type", "Type de convention"),
    ("C2", 6, D, "remittance_date", "Date de remise"),
    ("C3", 24, T, "drawer_name", "Raison sociale du cédant"),
    ("D1", 24, T, "drawer_bank_name", "Domiciliation bancaire du cédant"),
    ("D2-1", 1, T, "collection_option", "Code entrée"),
    ("D2-2", 1, T, "dailly_code", "Code Dailly"),
    ("D2-3", 1, C, "currency_code", "Code monnaie", "E"),  # F9
    ("D3", 5, N, "drawer_bank_code", "Code banque du cédant"),
    ("D4", 5, N, "drawer_branch_code", "Code guichet du cédant"),
    ("D5", 11, T, "drawer_account_code", "Numéro de compte du cédant"),
    ("E", 16, R, "", "Zone réservée"),
    ("F1", 6, D, "value_date", "Date de valeur"),
    ("F2", 10, R, "", "Zone réservée"),
    ("F3", 15, T, "drawer_siren", "SIREN du cédant"),
    ("G1", 11, T, "remittance_ref", "Référence de la remise"),
)

DETAIL = _layout(
    "06",
    "Enregistrement destinataire",
    ("A", 2, C, "record_code", "Code enregistrement", "06"),
    ("B1", 2, C, "operation_code", "Code opération", OPERATION_CODE),
    ("B2", 8, N, "record_number", "Numéro d'enregistrement"),
    ("B3", 8, R, "", "Zone réservée"),
    ("C1", 10, T, "drawee_ref", "Référence tiré"),
    ("C2", 24, T, "drawee_name", "Nom du tiré"),
    ("D1", 24, T, "drawee_bank_name", "Domiciliation bancaire du tiré"),
    ("D2-1", 1, T, "acceptance_code", "Code acceptation"),
    ("D2-2", 2, R, "", "Zone réservée"),
    ("D3", 5, N, "drawee_bank_code", "Code banque du tiré"),
    ("D4", 5, N, "drawee_branch_code", "Code guichet du tiré"),
    ("D5", 11, T, "drawee_account_code", "Numéro de compte du tiré"),
    ("E1", 12, N, "amount_cents", "Montant (centimes)"),
    ("E2", 4, R, "", "Zone réservée"),
    ("F1", 6, D, "due_date", "Date d'échéance"),
    ("F2", 6, D, "creation_date", "Date de création"),
    ("F3", 11, R, "", "Zone réservée"),
    ("F4", 9, T, "drawee_siren", "SIREN du tiré"),
    ("G1", 10, T, "drawer_ref", "Référence tireur"),
)

TOTAL = _layout(
    "08",
    "Enregistrement total",
    ("A", 2, C, "record_code", "Code enregistrement", "08"),
    ("B1", 2, C, "operation_code", "Code opération", OPERATION_CODE),
    ("B2", 8, N, "record_number", "Numéro d'enregistrement"),
    ("B3-D5", 90, R, "", "Zone réservée"),
    ("E1", 12, N, "total_cents", "Montant total (centimes)"),
    ("E2-G1", 46, R, "", "Zone réservée"),
)

LAYOUTS: dict[str, Layout] = {layout.record_code: layout for layout in (HEADER, DETAIL, TOTAL)}


# --- the generic renderer ---------------------------------------------------------------


def format_date(value: date | None) -> str:
    """JJMMAA (F8); six spaces for no date."""
    return value.strftime("%d%m%y") if value is not None else " " * 6


def _render_zone(zone: Zone, value: object) -> str:
    if zone.kind is Kind.CONSTANT:
        return zone.constant
    if zone.kind is Kind.RESERVED:
        return " " * zone.length
    if zone.kind is Kind.DATE:
        if value is not None and not isinstance(value, date):
            raise ValueError(f"zone {zone.zone} ({zone.field}): date attendue, trouvé {value!r}")
        return format_date(value)  # type: ignore[arg-type]
    if zone.kind is Kind.NUMERIC:
        text = str(value)
        if not text.isdigit() or len(text) > zone.length:
            raise ValueError(f"zone {zone.zone} ({zone.field}): {text!r} ne tient pas en {zone.length} chiffres")
        return text.rjust(zone.length, "0")
    text = "" if value is None else str(value)
    if len(text) > zone.length or not _ALLOWED_RE.fullmatch(text):
        raise ValueError(f"zone {zone.zone} ({zone.field}): {text!r} hors jeu CFONB ou plus de {zone.length} caractères")
    return text.ljust(zone.length, " ")


def render(layout: Layout, values: Mapping[str, object]) -> str:
    """One 160-character record from its layout and a mapping ``field → value``."""
    line = "".join(_render_zone(z, values.get(z.field)) for z in layout.zones)
    assert len(line) == RECORD_LENGTH  # by construction of the layouts
    return line


# --- clean values (the input of the writer) ----------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RibAccount(_Model):
    """The French bank details written in a record (the RIB without its key)."""

    bank_code: str = Field(pattern=r"^\d{5}$")
    branch_code: str = Field(pattern=r"^\d{5}$")
    account_code: str = Field(pattern=r"^[0-9A-Z]{11}$")


class LcrBill(_Model):
    """One bill (detail record 06), with clean values."""

    drawee_ref: str = Field(default="", max_length=10)
    drawee_name: str = Field(min_length=1, max_length=24)
    drawee_bank_name: str = Field(default="", max_length=24)
    acceptance_code: AcceptanceCode = AcceptanceCode.ACCEPTED
    drawee_account: RibAccount
    amount_cents: int = Field(gt=0, le=MAX_CENTS)  # F7
    due_date: date
    creation_date: date
    drawee_siren: str = Field(default="", pattern=r"^(\d{9})?$")
    drawer_ref: str = Field(default="", max_length=10)


class LcrRemittance(_Model):
    """One remittance: one drawer (cédant) account, its bills (F1)."""

    remittance_date: date
    remittance_ref: str = Field(min_length=1, max_length=11)
    drawer_name: str = Field(min_length=1, max_length=24)
    drawer_bank_name: str = Field(default="", max_length=24)
    drawer_account: RibAccount
    drawer_siren: str = Field(default="", pattern=r"^(\d{9})?$")
    collection_option: CollectionOption = CollectionOption.COLLECTION
    dailly_code: DaillyCode = DaillyCode.NONE
    convention_type: str = Field(default="", max_length=6)
    value_date: date | None = None
    bills: tuple[LcrBill, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _value_date_iff_discount(self) -> "LcrRemittance":
        # Statement 7: a value date when (and only when) code entrée is 1 or 2.
        if self.collection_option.is_discount != (self.value_date is not None):
            raise ValueError("date de valeur requise pour les codes entrée 1 et 2, et seulement pour eux")
        return self

    @property
    def total_cents(self) -> int:
        return sum(b.amount_cents for b in self.bills)  # F11: exact integer cents


def header_values(r: LcrRemittance) -> dict[str, object]:
    return {
        "record_number": 1,
        "issuer_number": 0,  # B3: not used for LCR (OCA writes 000000)
        "convention_type": r.convention_type,
        "remittance_date": r.remittance_date,
        "drawer_name": r.drawer_name,
        "drawer_bank_name": r.drawer_bank_name,
        "collection_option": r.collection_option.value,
        "dailly_code": r.dailly_code.value,
        "drawer_bank_code": r.drawer_account.bank_code,
        "drawer_branch_code": r.drawer_account.branch_code,
        "drawer_account_code": r.drawer_account.account_code,
        "value_date": r.value_date,
        "drawer_siren": r.drawer_siren,  # 9 digits left aligned + 6 spaces, or 15 spaces
        "remittance_ref": r.remittance_ref,
    }


def detail_values(bill: LcrBill, record_number: int) -> dict[str, object]:
    return {
        "record_number": record_number,
        "drawee_ref": bill.drawee_ref,
        "drawee_name": bill.drawee_name,
        "drawee_bank_name": bill.drawee_bank_name,
        "acceptance_code": bill.acceptance_code.value,
        "drawee_bank_code": bill.drawee_account.bank_code,
        "drawee_branch_code": bill.drawee_account.branch_code,
        "drawee_account_code": bill.drawee_account.account_code,
        "amount_cents": bill.amount_cents,
        "due_date": bill.due_date,
        "creation_date": bill.creation_date,
        "drawee_siren": bill.drawee_siren,
        "drawer_ref": bill.drawer_ref,
    }


def records(remittance: LcrRemittance) -> list[str]:
    """The ``n + 2`` records of a remittance (F1, F5), without separators."""
    lines = [render(HEADER, header_values(remittance))]
    lines += [render(DETAIL, detail_values(b, i)) for i, b in enumerate(remittance.bills, start=2)]
    lines.append(render(TOTAL, {"record_number": len(remittance.bills) + 2, "total_cents": remittance.total_cents}))
    return lines


def write_lcr(remittance: LcrRemittance, *, line_ending: str = DEFAULT_LINE_ENDING) -> bytes:
    """The CFONB 160 file of one remittance, as bytes (F4: ASCII; separator per bank).

    Args:
        remittance: clean values (see ``reglo.core.lcr.prepare``).
        line_ending: ``"CRLF"`` (records separated by CR LF, none after the last one) or
            ``"AUCUN"`` (records end to end), keys of ``LINE_ENDINGS``.
    """
    return LINE_ENDINGS[line_ending].join(records(remittance)).encode(ENCODING)


# --- text cleaning (before writing; never silent) ----------------------------------------

# Explicit targets first; what remains goes through NFKD (accents dropped). € → EUR (F3).
_TABLE = str.maketrans(
    {
        "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O",
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
        "€": "EUR", "\t": " ", "\n": " ", "\r": " ", "\u00a0": " ", "\u202f": " ",
    }
)


def _strip_accents(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.translate(_TABLE)).upper()
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def transliterate(value: str) -> str:
    """Map text onto the CFONB set (F3): upper case, accents dropped, others → ``-``.

    >>> transliterate('42:üûéèàÉÈ?@"^')
    '42:UUEEAEE----'
    >>> transliterate("ça va /pas!.\\\\|")
    'CA VA /PAS-.--'
    """
    text = unicodedata.normalize("NFKD", value.translate(_TABLE)).upper()
    out = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        out.append(ch if ch in ALLOWED_CHARS else "-")
    return "".join(out)


def clean_text(
    value: object,
    *,
    max_length: int,
    field: str = "",
    required: bool = False,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
) -> tuple[str, list[Alert]]:
    """Transliterate (F3), collapse spaces, then shorten to ``max_length``; warn for each change.

    Upper-casing alone is routine and not reported; dropping accents is
    ``LCR_TEXT_ACCENTS`` (information); replacing a character by ``-`` is a
    ``LCR_TEXT_TRANSLITERATED`` warning; a cut is a ``LCR_TEXT_TRUNCATED`` warning, and a
    required value left empty is ``LCR_TEXT_EMPTY`` (blocking).
    """
    where = {"sheet": sheet, "row": row, "column": column}
    original = "" if value is None else str(value)
    collapsed = " ".join(original.split())
    clean = " ".join(transliterate(collapsed).split())
    alerts: list[Alert] = []
    if clean != collapsed.upper():
        # Dropping accents (é → E, € → EUR) is routine: information, counted once per sheet.
        # Replacing a character by « - » changes the text: a warning.
        routine = clean == " ".join(_strip_accents(collapsed).split())
        code = "LCR_TEXT_ACCENTS" if routine else "LCR_TEXT_TRANSLITERATED"
        alerts.append(alert(code, field=field, original=original, clean=clean, **where))
    if len(clean) > max_length:
        cut = clean[:max_length].rstrip()
        alerts.append(alert("LCR_TEXT_TRUNCATED", field=field, limit=max_length, length=len(clean), original=clean, clean=cut, **where))
        clean = cut
    if required and not clean:
        alerts.append(alert("LCR_TEXT_EMPTY", field=field, original=original, **where))
    return clean, alerts


def clean_reference(
    value: object,
    *,
    field: str,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
) -> tuple[str, list[Alert]]:
    """« Réf. Tiré » / « Réf. Tireur »: at most 10 letters or digits, left-padded with zeros.

    Blank stays blank (the zone is written as spaces). Lower-case letters are upper-cased.
    Spaces, special characters, accents or more than 10 characters are a blocking
    ``LCR_REFERENCE_INVALID``: a reference must round-trip, so it is never cut or rewritten.

    >>> clean_reference("F2026011", field="Réf. Tiré")
    ('00F2026011', [])
    >>> clean_reference("", field="Réf. Tiré")
    ('', [])
    >>> clean_reference("FA/2024", field="Réf. Tiré")[1][0].code.value
    'LCR_REFERENCE_INVALID'
    """
    text = "" if value is None else str(value).strip()
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    if not text:
        return "", []
    upper = text.upper()
    if not re.fullmatch(r"[A-Z0-9]{1,10}", upper):
        reason = "plus de 10 caractères" if len(text) > REFERENCE_LENGTH else "espace ou caractère spécial"
        return "", [alert("LCR_REFERENCE_INVALID", field=field, value=text, reason=reason, sheet=sheet, row=row, column=column)]
    return upper.rjust(REFERENCE_LENGTH, "0"), []
