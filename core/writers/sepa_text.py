"""SEPA text cleaning: EPC basic Latin character set, maximum lengths, identifiers,
remittance information packing and ISO 11649 creditor references.

Sources: EPC217-08 (character set), EPC132-08 (SCT customer-to-PSP guidelines), ISO 20022
lengths; rule ids refer to ``shared/specs/sepa.md`` (S-C1…S-C6, S-L1…S-L10).

Policy (project choices, S-C2): accented letters lose their accent (``é → e``), ligatures
are spelled out (``œ → oe``, ``ß → ss``), ``&`` becomes ``+``, typographic quotes become
``'``, ``€`` becomes ``EUR``, ``°`` becomes ``.``, ``_`` becomes ``-``; the other ASCII
characters outside the set and any unknown character become a space; spaces are collapsed.
Truncation happens after transliteration (S-C6). Every change is reported as a warning:
nothing is changed silently.

>>> transliterate("Société Générale & Fils — n° 42 «été»")
"Societe Generale + Fils - n. 42 'ete'"
>>> transliterate("Œuvre Straße")
'OEuvre Strasse'
>>> pack_remittance(["F2", "F1", "F1"], prefix="FACT")[0]
'FACT F1 F2'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

from stdnum import iso11649

from reglo.core.alerts import Alert, alert

SEPA_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
SEPA_RE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")  # S-C1 / S-C3
_ALLOWED = frozenset(SEPA_CHARS)

NAME_MAX = 70  # S-L6 (SEPA limit; the XSD would accept 140)
ID_MAX = 35  # S-L1..S-L4
REMITTANCE_MAX = 140  # S-L5
ADDRESS_LINE_MAX = 70  # S-L7
TOWN_MAX = 35  # S-L8
POSTCODE_MAX = 16
STREET_MAX = 70

# Explicit targets first (S-C2); what remains goes through NFKD + accent stripping.
_TABLE = str.maketrans(
    {
        "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS",
        "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
        "þ": "th", "Þ": "TH", "ı": "i",
        "&": "+", "’": "'", "‘": "'", "‚": "'", "`": "'", "´": "'",
        "«": "'", "»": "'", '"': "'", "“": "'", "”": "'", "„": "'", "‹": "'", "›": "'",
        "€": "EUR", "°": ".", "º": ".", "ª": "a",
        "_": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "\t": " ", "\n": " ", "\r": " ", "\u00a0": " ", "\u202f": " ",
        "…": "...",
    }
)
_SPACES = re.compile(r" {2,}")


@lru_cache(maxsize=65536)
def transliterate(value: str) -> str:
    """Map any text onto the SEPA basic Latin set (S-C1/S-C2), collapsing spaces.

    Cached: a file pays the same suppliers over and over (pure function of its input).
    """
    if SEPA_RE.fullmatch(value) and "  " not in value and value == value.strip():
        return value
    text = unicodedata.normalize("NFKD", value.translate(_TABLE))
    out = []
    for ch in text:
        if ch in _ALLOWED:
            out.append(ch)
        elif unicodedata.combining(ch):
            continue
        else:
            out.append(" ")
    return _SPACES.sub(" ", "".join(out)).strip()


def clean_text(
    value: object,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
) -> tuple[str, list[Alert]]:
    """Transliterate then truncate (S-C6) one text value; warn for every change.

    Returns:
        ``(clean_text, alerts)``: ``TEXT_TRANSLITERATED`` / ``TEXT_TRUNCATED`` warnings,
        ``TEXT_EMPTY`` (blocking) when ``required`` and nothing is left.
    """
    where = {"sheet": sheet, "row": row, "column": column}
    original = "" if value is None else str(value)
    clean = transliterate(original)
    alerts: list[Alert] = []
    if clean != original and clean != " ".join(original.split()):
        alerts.append(alert("TEXT_TRANSLITERATED", field=field, original=original, clean=clean, **where))
    if len(clean) > max_length:
        cut = clean[:max_length].rstrip()
        alerts.append(alert("TEXT_TRUNCATED", field=field, limit=max_length, length=len(clean), clean=cut, **where))
        clean = cut
    if required and not clean:
        alerts.append(alert("TEXT_EMPTY", field=field, original=original, **where))
    return clean, alerts


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be a SEPA identifier (S-C4, S-L1..S-L4), or None when fine.

    >>> identifier_problem("VIR-20230331-0001") is None
    True
    >>> identifier_problem("/A//B")
    'commence ou finit par « / »'
    """
    if not value:
        return "vide"
    if len(value) > ID_MAX:
        return f"{len(value)} caractères (35 au plus)"
    if not SEPA_RE.fullmatch(value) or " " in value:
        return "caractères hors du jeu SEPA ou espace"
    if value.startswith("/") or value.endswith("/"):
        return "commence ou finit par « / »"
    if "//" in value:
        return "contient « // »"
    return None


def check_identifier(value: str, *, field: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> list[Alert]:
    """Blocking alert for an identifier that must round-trip (never truncated, S-L10)."""
    reason = identifier_problem(value)
    if reason is None:
        return []
    return [alert("SEPA_ID_INVALID", field=field, value=value, reason=reason, sheet=sheet, row=row, column=column)]


def pack_remittance(
    refs: Iterable[str],
    *,
    prefix: str = "",
    limit: int = REMITTANCE_MAX,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
) -> tuple[str, list[Alert]]:
    """Unstructured remittance information (``Ustrd``) listing invoice references (S-L5).

    References are transliterated, de-duplicated and sorted (deterministic output whatever
    the order of the lines). When they do not all fit within ``limit``, as many as fit are
    kept, followed by ``+N`` (the number left out), and a warning is returned.
    """
    clean_refs = sorted({c for c in (transliterate(r) for r in refs if r) if c})
    head = transliterate(prefix)
    words = ([head] if head else []) + clean_refs
    text = " ".join(words)
    if len(text) <= limit:
        return text, []
    kept: list[str] = [head] if head else []
    for i, ref in enumerate(clean_refs):
        rest = len(clean_refs) - i - 1
        candidate = " ".join(kept + [ref])
        suffix = f" +{rest}" if rest else ""
        if len(candidate) + len(suffix) > limit:
            break
        kept.append(ref)
    n_kept = len(kept) - (1 if head else 0)
    rest = len(clean_refs) - n_kept
    text = " ".join(kept + [f"+{rest}"])[:limit]
    return text, [alert("REMITTANCE_TRUNCATED", kept=n_kept, total=len(clean_refs), clean=text, rest=rest, sheet=sheet, row=row, column=column)]


def looks_like_creditor_reference(value: str) -> bool:
    compact = "".join(value.split()).upper()
    return compact.startswith("RF") and len(compact) >= 5 and compact[2:4].isdigit() and compact.isalnum()


def creditor_reference(
    refs: Sequence[str], *, sheet: str | None = None, row: int | None = None, column: str | None = None
) -> tuple[str | None, list[Alert]]:
    """The ISO 11649 structured reference to send in ``Strd/CdtrRefInf`` (S-L9), if any.

    Only when the transfer pays exactly one distinct reference and it is a valid ``RF``
    reference (python-stdnum ``iso11649``). An ``RF…`` reference with a wrong check is
    sent as free text with a warning.

    >>> creditor_reference(["RF18 5390 0754 7034"])
    ('RF18539007547034', [])
    >>> creditor_reference(["RF18539007547034", "F2"])
    (None, [])
    """
    distinct = {"".join(r.split()).upper() for r in refs if r}
    if len(distinct) != 1:
        return None, []
    (ref,) = distinct
    if not looks_like_creditor_reference(ref):
        return None, []
    if iso11649.is_valid(ref) and len(ref) <= ID_MAX:
        return iso11649.compact(ref), []
    return None, [alert("CREDITOR_REFERENCE_INVALID", value=ref, sheet=sheet, row=row, column=column)]
