"""The French *Plan comptable général* (ANC regulation 2014-03, book II, title IV: the list of
accounts), as package data (``reglo/core/data/pcg.csv``: account number; official label).

Labels are those of the consolidated text in force for fiscal years opened from 1 January 2025
(2014-03 as amended, notably by ANC 2022-06), checked account by account against the ANC's
consolidated PCG (edition of 1 January 2026, as extracted by the public ``arrhes/PCG`` project).
Accounts the current text no longer lists (671…, 771…, 6091…: older ledgers still use them)
keep the label of the last edition that had them. Editorial notes of the text (« même
ventilation que celle du compte … ») are left out; en dashes and ellipses are written ``-`` and
``...`` so that every label fits ISO-8859-15.

``pcg_label("607000")`` → « Achats de marchandises »: the label of the longest PCG account
that prefixes the number. A sub-account whose official label continues its parent's
(« 6152 sur biens immobiliers ») gets the parent's label before it.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def pcg_accounts() -> dict[str, str]:
    """Account number → label, every account of the table (1 to 6 digits)."""
    text = resources.files("reglo.core").joinpath("data", "pcg.csv").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        number, _, label = line.partition(";")
        out[number.strip()] = label.strip()
    for number in sorted(out, key=len):
        label = out[number]
        if label[:1].islower():  # « de matières premières », « sur biens immobiliers »: continues the parent
            parent = next((out[number[:k]] for k in range(len(number) - 1, 0, -1) if number[:k] in out), "")
            out[number] = f"{parent} {label}".strip()
    return out


def pcg_match(account: str) -> str | None:
    """The longest PCG account number that prefixes ``account`` (None when none does: the
    number does not start with a PCG class digit)."""
    table = pcg_accounts()
    digits = (account or "").strip()
    for k in range(min(len(digits), 6), 0, -1):
        if digits[:k] in table:
            return digits[:k]
    return None


def pcg_label(account: str, *, min_digits: int = 2) -> str | None:
    """The official label of the longest PCG account that prefixes ``account``; None when
    the longest match has fewer than ``min_digits`` digits (a class label such as « Comptes de
    tiers » says too little to name an account)."""
    match = pcg_match(account)
    if match is None or len(match) < min_digits:
        return None
    return pcg_accounts()[match]
