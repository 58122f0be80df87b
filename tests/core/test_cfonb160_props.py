"""Properties of the CFONB 160 writer and parser on random remittances: every record has 160
characters, the total is the sum of the bills, and the parser reads the bytes back to the
same data, with either separator (``REGLO_FULL=1`` for a longer run)."""
from __future__ import annotations

import os
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.writers.cfonb160 import MAX_CENTS, AcceptanceCode, CollectionOption, DaillyCode, LcrBill, LcrRemittance, RibAccount, write_lcr
from reglo.core.writers.cfonb160_parse import parse_lcr, split_records

FULL = os.environ.get("REGLO_FULL") == "1"
CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *().,/+-:"


def text(max_size: int, min_size: int = 0):
    # Clean values never start or end with a space (clean_text strips them).
    return st.text(alphabet=CHARS, min_size=min_size, max_size=max_size).map(lambda s: " ".join(s.split())).filter(lambda s: len(s) >= min_size)


digits = lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)  # noqa: E731
ribs = st.builds(RibAccount, bank_code=digits(5), branch_code=digits(5), account_code=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=11))
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
refs = st.one_of(st.just(""), st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=10).map(lambda s: s.rjust(10, "0")))
sirens = st.one_of(st.just(""), digits(9))

bills = st.builds(
    LcrBill,
    drawee_ref=refs, drawee_name=text(24, 1), drawee_bank_name=text(24), acceptance_code=st.sampled_from(list(AcceptanceCode)),
    drawee_account=ribs, amount_cents=st.integers(1, MAX_CENTS // 1000), due_date=dates, creation_date=dates, drawee_siren=sirens, drawer_ref=refs,
)


@st.composite
def remittances(draw):
    option = draw(st.sampled_from(list(CollectionOption)))
    return LcrRemittance(
        remittance_date=draw(dates), remittance_ref=draw(text(11, 1)), drawer_name=draw(text(24, 1)), drawer_bank_name=draw(text(24)),
        drawer_account=draw(ribs), drawer_siren=draw(sirens), collection_option=option, dailly_code=draw(st.sampled_from(list(DaillyCode))),
        convention_type=draw(text(6)), value_date=draw(dates) if option.is_discount else None, bills=tuple(draw(st.lists(bills, min_size=1, max_size=8))),
    )


@settings(max_examples=300 if FULL else 40)
@given(remittances(), st.sampled_from(["CRLF", "AUCUN"]))
def test_property_records_length_total_and_round_trip(remittance, line_ending):
    data = write_lcr(remittance, line_ending=line_ending)
    records, alerts = split_records(data)
    assert not alerts and all(len(r) == 160 for r in records) and len(records) == len(remittance.bills) + 2
    assert int(records[-1][102:114]) == sum(b.amount_cents for b in remittance.bills) == sum(int(r[102:114]) for r in records[1:-1])
    assert parse_lcr(data) == (remittance, [])
