"""Letter codes (EcritureLet): AA, AB, … ZZ, AAA, … per account.

A complete lettering carries an upper-case code; a partial one (lettrage partiel) the same
letters in lower case, as French ledgers do. New codes continue after the highest code already
used in the account, whatever its case, so that a code is never given twice.
"""
from __future__ import annotations

import itertools
import string
from typing import Iterable, Iterator

_A = ord("A")
_LETTERS = string.ascii_uppercase


def code_rank(code: str) -> int | None:
    """Position of an alphabetic code in the sequence AA=0, AB=1, … ZZ=675, AAA=676 …; None for
    codes of another form (digits, one letter), which we leave alone."""
    c = code.strip().upper()
    if len(c) < 2 or not c.isascii() or not c.isalpha():
        return None
    base = sum(26**n for n in range(2, len(c)))
    value = 0
    for ch in c:
        value = value * 26 + (ord(ch) - _A)
    return base + value


def code_at(rank: int) -> str:
    """The inverse of ``code_rank``.

    >>> code_at(0), code_at(1), code_at(675), code_at(676)
    ('AA', 'AB', 'ZZ', 'AAA')
    """
    length = 2
    while rank >= 26**length:
        rank -= 26**length
        length += 1
    letters = []
    for _ in range(length):
        rank, r = divmod(rank, 26)
        letters.append(chr(_A + r))
    return "".join(reversed(letters))


def next_codes(existing: Iterable[str]) -> Iterator[str]:
    """Codes after the highest existing one (AA when none)."""
    ranks = [r for r in (code_rank(c) for c in existing) if r is not None]
    rank = max(ranks) + 1 if ranks else 0
    first = code_at(rank)
    length = len(first)
    skip = rank - sum(26**n for n in range(2, length))
    while True:
        for letters in itertools.islice(itertools.product(_LETTERS, repeat=length), skip, None):
            yield "".join(letters)
        length += 1
        skip = 0


def is_partial_code(code: str) -> bool:
    """A partial lettering: a lower-case alphabetic code."""
    return bool(code) and code.isalpha() and code.islower()
