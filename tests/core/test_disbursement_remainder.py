"""The wizard offers the remainder of an item other payments settled in part (seed 004, step 1,
like the supplier-transfers preview's « reste à payer »), and refuses a key at issue only when
this run plus the other live payments would exceed the item's original amount.

Register lines are in euro cents under the ledger key; a remainder the wizard generates itself
(partial payment) keeps the key it comes from, so both kinds of remainder count against one
original amount (never twice)."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reglo.core.disbursement import actions as A
from reglo.core.disbursement.models import DifferenceKind
from reglo.core.disbursement.outputs import (
    payment_rows,
    plan_reservation,
    plan_slip_files,
    reservation_draft,
)
from reglo.core.disbursement.remainder import excess, other_payments, remainders
from reglo.core.money import format_fr
from reglo.core.outcome import RegisterLineDraft
from reglo.core.register_state import (
    BatchState,
    FileRecord,
    LineState,
    RegisterSnapshot,
)

from .disbursement_fixtures import D, codes, item, ok, run
from .test_disbursement_props import EXAMPLES

NOW = datetime(2026, 3, 2, 9, 30)
AT = datetime(2026, 1, 5, 10, 0)


def batch(id, kind, lines, *, run_id="", user="paul", status="committed", is_test=False):
    """A register batch; ``lines`` = [(key, cents)]."""
    files = (FileRecord(folder="virements", name=f"VIR{id}.xml", sha256="0" * 64, role="bank"),) if kind == "virement" else ()
    return BatchState(id=id, kind=kind, reference=f"{kind}-{id}", status=status, is_test=is_test, created_at=AT, files=files,
                      lines=tuple(LineState(item_key=k, amount_cents=c) for k, c in lines), meta={"run_id": run_id, "user": user} if run_id else {})


def snap(*batches):
    return RegisterSnapshot(batches=tuple(batches))


INVOICE = item("K", "F001", "1000.00")


# ---------------------------------------------------------------------------
# step 1: what is left of each item
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case, batches, offered, code", [
    ("nothing paid", [], "1000.00", None),
    ("transfer paid 600", [batch(1, "virement", [("K", 60000)])], "400.00", "DSB_PARTLY_PAID"),
    ("transfer 600 + other run 100", [batch(1, "virement", [("K", 60000)]), batch(2, "decaissement", [("K", 10000)], run_id="RUN0")], "300.00", "DSB_PARTLY_PAID"),
    ("paid in full", [batch(1, "virement", [("K", 100000)])], None, "DSB_EXCLUDED_HELD"),
    ("over-paid", [batch(1, "virement", [("K", 60000)]), batch(2, "virement", [("K", 60000)])], None, "DSB_EXCLUDED_HELD"),
    ("held in full by another open run", [batch(1, "decaissement_reserve", [("K", 100000)], run_id="RUN0")], None, "DSB_EXCLUDED_HELD"),
    ("held in part by another open run", [batch(1, "decaissement_reserve", [("K", 25000)], run_id="RUN0")], "750.00", "DSB_PARTLY_PAID"),
    ("this run's own reservation", [batch(1, "decaissement_reserve", [("K", 100000)], run_id="RUN1")], "1000.00", None),
    ("this run's own issue", [batch(1, "decaissement", [("K", 100000)], run_id="RUN1")], "1000.00", None),
    ("cancelled transfer", [batch(1, "virement", [("K", 60000)], status="cancelled")], "1000.00", None),
    ("test batch", [batch(1, "decaissement", [("K", 60000)], run_id="RUN0", is_test=True)], "1000.00", None),
    ("another key", [batch(1, "virement", [("K2", 60000)])], "1000.00", None),
])
def test_step_1_offers_what_other_payments_leave(case, batches, offered, code):
    kept, alerts = remainders([INVOICE], snap(*batches), "RUN1")
    assert [str(i.amount) for i in kept] == ([offered] if offered else []), case
    assert codes(alerts) == ({code} if code else set()), case
    if offered and code:  # the remainder remembers the invoice's original amount
        assert kept[0].original_main == D("1000.00") and kept[0].register_key == "K"


def test_the_partly_paid_alert_names_who_paid_what_and_what_is_left():
    _, (a,) = remainders([INVOICE.model_copy(update={"source_row": 7})], snap(batch(1, "virement", [("K", 60000)])), "RUN1")
    assert not a.is_blocking and (a.sheet, a.row) == ("Effets", 7)
    assert "600,00 € payé par le fichier de virements VIR1.xml du 05/01/2026" in a.message
    assert "reste 400,00 € proposé" in a.message and f"{format_fr(D('1000.00'))} €" in a.message


def test_a_held_item_names_the_run_the_user_and_the_time():
    _, (a,) = remainders([INVOICE], snap(batch(1, "decaissement_reserve", [("K", 100000)], run_id="DEC-A", user="marie")), "RUN1")
    assert "retenu par le décaissement DEC-A (marie, le 05/01/2026 à 10:00)" in a.message


@pytest.mark.parametrize("paid, code", [(0, None), (30000, "DSB_PARTLY_PAID_CURRENCY"), (83000, "DSB_EXCLUDED_HELD")])
def test_an_item_in_another_currency_is_never_lowered_by_a_guess(paid, code):
    """The register counts in euros; the rest in dollars is unknown (the other payment's rate):
    the item is left out with a message saying so, never lowered by a guessed conversion."""
    usd = item("X", "F004", "900.00", currency="USD", main_amount=D("830.00"), state="I10")
    kept, alerts = remainders([usd], snap(batch(1, "virement", [("X", paid)])) if paid else snap(), "RUN1")
    assert codes(alerts) == ({code} if code else set())
    assert kept == ([usd] if not code else [])


def test_a_remainder_generated_by_an_earlier_run_shares_the_invoice_with_what_others_paid():
    """Invoice 1 000: a transfer paid 600, an earlier run paid 100 of the 400 left (its partial
    payment generated the remainder K-D1 of 300, carried over). The next run offers K-D1 for 300,
    and the invoice itself (typed again) for nothing more: never 600 for 300 left."""
    k_d1 = INVOICE.model_copy(update={"key": "K-D1", "amount": D("300.00"), "origin_key": "K", "original_amount": D("1000.00")})
    register = snap(batch(1, "virement", [("K", 60000)]), batch(2, "decaissement", [("K", 10000)], run_id="RUN0"))
    kept, alerts = remainders([k_d1, INVOICE], register, "RUN1")
    assert [(i.key, str(i.amount)) for i in kept] == [("K-D1", "300.00")]
    assert codes(alerts) == {"DSB_EXCLUDED_HELD"} and "proposé par l'effet K-D1 de ce décaissement" in alerts[0].message
    # the transfer was cancelled (bank reject): K-D1 300 and 600 more of the invoice
    register = snap(batch(1, "virement", [("K", 60000)], status="cancelled"), batch(2, "decaissement", [("K", 10000)], run_id="RUN0"))
    kept, _ = remainders([k_d1, INVOICE], register, "RUN1")
    assert [(i.key, str(i.amount)) for i in kept] == [("K-D1", "300.00"), ("K", "600.00")]


def test_other_payments_sum_each_batch_per_key():
    register = snap(batch(1, "virement", [("K", 100), ("K", 200), ("J", 5)]), batch(2, "decaissement_reserve", [("K", 50)], run_id="RUN1"))
    held = other_payments(register, "RUN1")
    assert {k: [(h.batch.id, h.cents) for h in v] for k, v in held.items()} == {"K": [(1, 300)], "J": [(1, 5)]}


@pytest.mark.parametrize("paying, others, own, refused", [
    (40000, 60000, 0, False),  # exactly what is left
    (40001, 60000, 0, True),  # one cent more
    (30000, 60000, 10000, False),  # this run's earlier slip 100 + 300 now
    (30000, 60000, 10001, True),
    (100000, 0, 0, False),
    (100001, 0, 0, True),  # more than the invoice, nobody else involved
])
def test_excess_is_what_this_run_and_the_others_pay_beyond_the_original(paying, others, own, refused):
    register = snap(batch(1, "virement", [("K", others)])) if others else snap()
    over = excess([RegisterLineDraft(item_key="K", amount_cents=paying, original_cents=100000)], register, "RUN1", own={"K": own} if own else None)
    assert ("K" in over) == refused


# ---------------------------------------------------------------------------
# issue: the slip is refused only beyond the original amount
# ---------------------------------------------------------------------------

def _printed(items, keys, partial=None):
    s = run(items=items)
    s = ok(s, A.Prepare(keys=keys, auto_group=False))
    if partial:
        s = ok(s, A.AddDifference(difference=DifferenceKind.PARTIAL, current=partial[0], amount=D(partial[1])))
    s = ok(s, A.Next(confirmed=True))
    s = ok(s, A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments), bank="SG"))
    s = ok(s, A.Next())
    return ok(s, A.PrintSlips())


def _step1(register, items=(INVOICE,)):
    kept, _ = remainders(items, register, "RUN1")
    return kept


def test_the_remainder_is_paid_and_recorded_with_the_invoice_original_amount():
    register = snap(batch(1, "virement", [("K", 60000)]))
    s = _printed(_step1(register), ("K",))
    out = plan_slip_files(s, register=register, company_name="BTP", created_at=NOW)
    assert not out.has_blocking, [str(a) for a in out.alerts]
    (line,) = out.batch.lines
    assert (line.item_key, line.amount_cents, line.original_cents) == ("K", 40000, 100000)


@pytest.mark.parametrize("meanwhile, code", [
    (None, None),
    (batch(2, "virement", [("K", 10000)]), "DSB_EXCEEDS_REMAINDER"),  # another 100 paid since step 1: 400 no longer fit
    (batch(2, "virement", [("K", 40000)]), "DSB_ALREADY_PAID"),  # the rest was paid meanwhile
    (batch(2, "decaissement", [("K", 40000)], run_id="RUN0"), "DSB_ALREADY_PAID"),
    (batch(2, "decaissement_reserve", [("K", 100)], run_id="RUN0"), "DSB_EXCEEDS_REMAINDER"),
    (batch(2, "decaissement_reserve", [("K", 40000)], run_id="RUN1"), None),  # this run's own reservation
])
def test_the_slip_is_refused_only_when_the_payments_would_exceed_the_invoice(meanwhile, code):
    register = snap(batch(1, "virement", [("K", 60000)]))
    s = _printed(_step1(register), ("K",))
    later = snap(*register.batches, *((meanwhile,) if meanwhile else ()))
    rows = payment_rows(s, 4)
    out = plan_slip_files(s, register=later, company_name="BTP", created_at=NOW, rows=rows)
    if code is None:
        assert not out.has_blocking and out.batch is not None
        return
    assert out.has_blocking and not out.files and out.batch is None and code in codes(out.alerts)
    a = next(a for a in out.alerts if a.code.value == code)
    pid = s.payments[0].payment_id
    assert (a.sheet, a.row, a.column) == ("Étape 4 - Bordereaux", rows[pid], "Règlement") and rows[pid] == 4
    if code == "DSB_EXCEEDS_REMAINDER":
        assert "400,00 €" in a.message and f"{format_fr(D('1000.00'))} €" in a.message


def test_a_partial_payment_inside_the_wizard_of_a_remainder_left_by_a_transfer():
    """Invoice 1 000, transfer 600: the wizard offers 400 and pays 100 of it (« Règlement
    partiel »). The register then holds 600 + 100 under K (the transfers preview offers 300);
    the wizard's own remainder K-D… of 300 carries K and 1 000 as its origin: a later run offers
    it for 300, not 300 twice."""
    register = snap(batch(1, "virement", [("K", 60000)]))
    s = _printed(_step1(register), ("K",), partial=("K", "100.00"))
    (gen,) = s.generated
    assert (gen.amount, gen.origin_key, gen.original_main) == (D("300.00"), "K", D("1000.00"))
    out = plan_slip_files(s, register=register, company_name="BTP", created_at=NOW)
    (line,) = out.batch.lines
    assert (line.item_key, line.amount_cents, line.original_cents) == ("K", 10000, 100000)
    after = snap(*register.batches, BatchState(id=2, kind="decaissement", reference="RUN1-B", status="committed", created_at=NOW, meta={"run_id": "RUN1"},
                                                 lines=tuple(LineState(**l.model_dump(exclude={"meta"})) for l in out.batch.lines)))
    assert sum(l.amount_cents for b in after.live() for l in b.lines if l.item_key == "K") == 70000
    # a later run: the carried remainder and the ledger line both come back, 300 in all
    kept, _ = remainders([gen, INVOICE], after, "RUN2")
    assert [(i.key, str(i.amount)) for i in kept] == [(gen.key, "300.00")]
    # and paying both in one run would be refused at issue
    s2 = _printed([gen, INVOICE.model_copy(update={"amount": D("300.00"), "original_amount": D("1000.00")})], (gen.key, "K"))
    s2 = s2.model_copy(update={"run_id": "RUN2"})
    out2 = plan_slip_files(s2, register=after, company_name="BTP", created_at=NOW)
    assert out2.has_blocking and "DSB_EXCEEDS_REMAINDER" in codes(out2.alerts)


def test_a_difference_on_a_remainder_is_booked_on_what_is_left():
    """An escompte on the 400 left is computed on the 400 (not on the invoice's 1 000) and the
    register records what the payment settles (400 less nothing carried)."""
    register = snap(batch(1, "virement", [("K", 60000)]))
    s = run(items=_step1(register))
    s = ok(s, A.Prepare(keys=("K",), auto_group=False))
    s = ok(s, A.AddDifference(difference=DifferenceKind.DISCOUNT, current="K", rate=D("2")))
    assert s.differences[0].amount == D("8.00")


def test_the_reservation_holds_the_remainder_and_drops_what_no_longer_fits():
    register = snap(batch(1, "virement", [("K", 60000)]))
    s = run(items=_step1(register))
    (line,) = reservation_draft(s).lines
    assert (line.item_key, line.amount_cents, line.original_cents) == ("K", 40000, 100000)
    assert not plan_reservation(s, register).alerts  # 600 + 400 = 1 000: fits
    more = snap(*register.batches, batch(2, "virement", [("K", 5000)]))
    out = plan_reservation(s, more)
    assert "DSB_HELD_ELSEWHERE" in codes(out.alerts) and not out.has_blocking and out.batch is None
    assert "il n'en reste que 350,00 €" in out.alerts[0].message


def test_a_generated_part_is_reserved_under_the_invoice_key():
    gen = INVOICE.model_copy(update={"key": "K-D1", "amount": D("300.00"), "origin_key": "K", "original_amount": D("1000.00")})
    s = run(items=[gen])
    (line,) = reservation_draft(s).lines
    assert (line.item_key, line.amount_cents, line.meta) == ("K", 30000, {"item": "K-D1"})


def test_a_foreign_currency_item_is_recorded_in_euros():
    usd = item("X", "F004", "900.00", currency="USD", main_amount=D("830.00"), state="I10")
    s = _printed([usd, item("E", "F004", "10.00")], ("X",))
    out = plan_slip_files(s, company_name="BTP", created_at=NOW)
    (line,) = out.batch.lines
    assert (line.item_key, line.amount_cents, line.original_cents) == ("X", 83000, 83000)


# ---------------------------------------------------------------------------
# invariant: what step 1 offers never exceeds what the others leave
# ---------------------------------------------------------------------------

_KINDS = st.sampled_from([("virement", ""), ("decaissement", "RUN0"), ("decaissement_reserve", "RUN0"), ("decaissement_reserve", "RUN1"), ("decaissement", "RUN1")])


@settings(max_examples=EXAMPLES, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=200000), min_size=1, max_size=3),
       paid=st.lists(st.tuples(_KINDS, st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=150000)), max_size=4))
def test_step_1_never_offers_more_than_the_others_leave(amounts, paid):
    """Items K0..K2 (and a generated part of K0 carried from an earlier run): whatever the live
    batches record, the amounts offered per register key plus what other runs and transfer
    files recorded never exceed the key's original amount, no item grows, and an item nobody
    else touched comes whole."""
    from reglo.core.money import cents_to_money

    items = [item(f"K{n}", "F001", str(cents_to_money(a))) for n, a in enumerate(amounts)]
    part = items[0].model_copy(update={"key": "K0-D1", "amount": cents_to_money(max(1, amounts[0] // 2)), "origin_key": "K0", "original_amount": items[0].amount})
    register = snap(*(batch(n + 1, kind, [(f"K{k % len(amounts)}", c)], run_id=run_id) for n, ((kind, run_id), k, c) in enumerate(paid)))
    kept, _ = remainders([part, *items], register, "RUN1")
    others = other_payments(register, "RUN1")
    offered: dict[str, int] = {}
    for i in kept:
        offered[i.register_key] = offered.get(i.register_key, 0) + round(i.amount * 100)
    for key, cents in offered.items():
        original = amounts[int(key[1:])]
        assert cents + sum(h.cents for h in others.get(key, [])) <= original
    source = {i.key: i for i in [part, *items]}
    assert all(i.amount <= source[i.key].amount for i in kept)
    for i in items[1:]:
        if i.key not in others:
            assert i in kept
