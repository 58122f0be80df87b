"""What an entry import knows of the target dossier: account, party and journal labels, and
the last entry number of each journal (to continue its sequence). Pure data, read by the
shell from the dossier's FEC and « Tiers » sheet."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from reglo.core.entry_import.definition import JournalKind

# JournalLib when neither the file nor the dossier names the journal
DEFAULT_JOURNAL_LABELS = {"VT": "Ventes", "AC": "Achats", "BQ": "Banque", "OD": "Opérations diverses", "AN": "À-nouveaux"}
KIND_JOURNAL_LABELS = {
    JournalKind.OPENING: "À-nouveaux",
    JournalKind.PURCHASES: "Achats",
    JournalKind.SALES: "Ventes",
    JournalKind.BANK: "Banque",
    JournalKind.OTHER: "Opérations diverses",
}


@dataclass(frozen=True)
class ImportContext:
    account_labels: Mapping[str, str] = field(default_factory=dict)  # CompteNum -> CompteLib of the dossier FEC
    party_labels: Mapping[str, str] = field(default_factory=dict)  # CompAuxNum / code tiers -> name (« Tiers », dossier FEC)
    journal_labels: Mapping[str, str] = field(default_factory=dict)  # JournalCode -> JournalLib (dossier journals, FEC)
    last_numbers: Mapping[str, str] = field(default_factory=dict)  # JournalCode -> last EcritureNum of the target FEC


def journal_label(code: str, kind: JournalKind, context: ImportContext) -> str:
    code = code.strip()
    return (context.journal_labels.get(code) or DEFAULT_JOURNAL_LABELS.get(code.upper()) or KIND_JOURNAL_LABELS[kind])


def _number_form(last: str | None) -> tuple[str, int, int]:
    m = re.fullmatch(r"(.*?)(\d+)", (last or "").strip())
    if not m:
        return ((last or "").strip() + "-" if (last or "").strip() else ""), 0, 0
    return m.group(1), int(m.group(2)), len(m.group(2))


def next_numbers(last: str | None, count: int) -> list[str]:
    """``count`` entry numbers after ``last``, in its form: « VT000041 » → « VT000042 »…,
    « 2025-17 » → « 2025-18 »; no last number: « 1 », « 2 »…"""
    return next_numbers_array(last, count).to_pylist()


def next_numbers_array(last: str | None, count: int):
    """:func:`next_numbers` as a pyarrow string array, computed column-wise (an import numbers
    hundreds of thousands of entries)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    prefix, start, width = _number_form(last)
    digits = pc.cast(pa.array(np.arange(start + 1, start + count + 1, dtype=np.int64)), pa.string())
    if width:
        digits = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "") if prefix else digits
