"""The disbursement wizard's register plans (pure): reservations of held items, items left out
because paid or held elsewhere, resume of a committed issue or posting, the entries file's name
(``<SIREN>FEC<closing>-<reference>.txt``), items listed for manual processing (other currency,
LCR, international transfer), and the transfers workflow's view of a held line."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from reglo.core.disbursement import actions as A
from reglo.core.disbursement.models import DifferenceKind
from reglo.core.disbursement.outputs import (
    RESERVATION_KIND,
    excluded_items,
    held_keys,
    plan_posting_files,
    plan_reservation,
    plan_slip_files,
)
from reglo.core.fec_names import parse_created_fec_name
from reglo.core.outcome import BatchDraft
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot
from reglo.core.transfers.usecases import held_by_disbursement

from .disbursement_fixtures import D, ITEMS, codes, item, ok, run

NOW = datetime(2026, 3, 2, 9, 30)
COMPANY = {"siren": "552100554", "fiscal_year_end": date(2025, 12, 31)}


def _batch(id, kind, keys, *, status="committed", run_id="", user="paul", is_test=False, reference=None, payment_keys=None, files=(), cents=10**9):
    # each line pays its item in full (more than any fixture item): a partial payment leaves the rest to pay
    lines = tuple(LineState(item_key=k, amount_cents=cents, payment_key=(payment_keys or {}).get(k)) for k in keys)
    return BatchState(id=id, kind=kind, reference=reference or f"{kind}-{id}", status=status, is_test=is_test, created_at=datetime(2026, 3, 1, 14, 5),
                      lines=lines, meta={"run_id": run_id, "user": user} if run_id else {}, files=files)


def _commit(snap: RegisterSnapshot, draft: BatchDraft, id: int) -> RegisterSnapshot:
    """The snapshot once ``draft`` is committed (what the shell does)."""
    b = BatchState(id=id, kind=draft.kind, reference=draft.reference, status="committed", is_test=draft.is_test, created_at=NOW, meta=draft.meta,
                   lines=tuple(LineState(item_key=l.item_key, amount_cents=l.amount_cents, payment_key=l.payment_key) for l in draft.lines))
    return snap.model_copy(update={"batches": snap.batches + (b,)})


# ---------------------------------------------------------------------------
# reservations
# ---------------------------------------------------------------------------

def test_reservation_is_recorded_then_unchanged_then_replaced_then_released():
    s = run()
    snap = RegisterSnapshot()
    out = plan_reservation(s, snap)
    assert out.batch.kind == RESERVATION_KIND and {l.item_key for l in out.batch.lines} == set(s.to_pay) and out.data["release"] == []
    assert out.files == () and out.batch.meta == {"run_id": "RUN1", "user": "marie"}
    snap = _commit(snap, out.batch, 1)
    assert not plan_reservation(s, snap).writes_anything  # nothing changed: nothing written
    # an item leaves the run (rescheduled at validation): a new reservation, the old one released
    s = ok(s, A.Prepare(keys=("E4",), auto_group=False))
    s = ok(s, A.AddDifference(difference=DifferenceKind.RESCHEDULE, current="E4", due_date=date(2026, 5, 31)))
    s = ok(s, A.Validate(units=("E4",)))
    out = plan_reservation(s, snap)
    assert "E4" not in {l.item_key for l in out.batch.lines} and out.data["release"] == [1]
    assert out.batch.reference != "RUN1-reserve-1"  # references are never reused
    snap = _commit(snap.model_copy(update={"batches": tuple(b.model_copy(update={"status": "cancelled"}) for b in snap.batches)}), out.batch, 2)
    # « Terminer »: the run holds nothing, its reservation is released, nothing new recorded
    s = ok(s, A.Finish())
    out = plan_reservation(s, snap, reason="décaissement terminé")
    assert out.batch is None and out.data == {"release": [2], "reason": "décaissement terminé"}


def test_held_items_are_to_pay_prepared_and_on_unprinted_slips_but_not_deposits():
    s = ok(run(), A.Deposit(supplier="F001", amount=D("300.00"), vat_code="TVA20"))
    deposit = next(i.key for i in s.items if i.is_deposit)
    s = ok(s, A.Prepare(keys=("E1", "E3", "C1"), auto_group=False))  # the deposit is prepared already
    assert deposit not in held_keys(s) and {"E1", "E3", "C1"} <= set(held_keys(s))
    s = ok(s, A.Next(confirmed=True))
    s = ok(s, A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments), bank="SG"))
    s = ok(s, A.Next())
    assert {"E1", "E3", "C1"} <= set(held_keys(s))  # on slips not printed yet
    chq = next(sl for sl in s.slips if sl.mode == "CHQ")
    s = ok(s, A.SetFirstCheque(slip_id=chq.slip_id, number=10))
    s = ok(s, A.PrintSlips())
    assert not ({"E1", "E3", "C1"} & set(held_keys(s)))  # printed: the issue batch pays them


def test_past_step_2_what_is_left_to_pay_or_sent_back_by_cancel_transaction_is_released():
    s = ok(run(), A.Prepare(keys=("E1", "E3"), auto_group=False))
    assert set(held_keys(s)) == set(s.to_pay) | {"E1", "E3"}
    s = ok(s, A.Next(confirmed=True))  # validation: the rest of the selection is released
    assert set(held_keys(s)) == {"E1", "E3"}
    s = ok(s, A.CancelTransaction(payment_ids=tuple(p.payment_id for p in s.payments if "E3" in p.keys)))
    assert "E3" in s.to_pay and set(held_keys(s)) == {"E1"}  # « Annuler la transaction » releases E3
    snap = _commit(RegisterSnapshot(), reservation_draft_of(s), 1)
    assert {l.item_key for l in snap.batches[0].lines} == {"E1"}


def reservation_draft_of(state):
    from reglo.core.disbursement.outputs import reservation_draft

    return reservation_draft(state)


def test_an_item_paid_elsewhere_meanwhile_is_not_reserved_and_said_so():
    s = run()
    snap = RegisterSnapshot(batches=(_batch(1, "virement", ["E2"], files=()),))
    out = plan_reservation(s, snap)
    assert "E2" not in {l.item_key for l in out.batch.lines} and "DSB_HELD_ELSEWHERE" in codes(out.alerts)
    assert not out.has_blocking


@pytest.mark.parametrize("holder, run_id, excluded", [
    (("virement", ""), "RUN1", True),  # a transfer file paid it
    (("decaissement", "RUN0"), "RUN1", True),  # an earlier disbursement paid it
    (("decaissement_reserve", "RUN0"), "RUN1", True),  # another open run holds it
    (("decaissement_reserve", "RUN1"), "RUN1", False),  # this run's own reservation
    (("decaissement", "RUN1"), "RUN1", False),  # this run's own issue (checked by payment key)
])
def test_items_paid_or_held_elsewhere_are_left_out(holder, run_id, excluded):
    kind, owner = holder
    snap = RegisterSnapshot(batches=(_batch(1, kind, ["E1"], run_id=owner),))
    kept, alerts = excluded_items(ITEMS, snap, run_id)
    assert ("E1" not in {i.key for i in kept}) == excluded
    assert bool(alerts) == excluded
    if excluded and kind != "virement":
        assert "RUN0 (paul, le 01/03/2026 à 14:05)" in alerts[0].message


@pytest.mark.parametrize("status, is_test, left_out", [("committed", False, True), ("pending", False, True), ("cancelled", False, False),
                                                        ("rolled_back", False, False), ("committed", True, False)])
def test_only_live_non_test_batches_count(status, is_test, left_out):
    snap = RegisterSnapshot(batches=(_batch(1, "virement", ["E1"], status=status, is_test=is_test),))
    kept, _ = excluded_items(ITEMS, snap, "RUN1")
    assert ("E1" not in {i.key for i in kept}) == left_out


def test_transfers_see_a_held_line_with_the_run_the_user_and_the_time():
    snap = RegisterSnapshot(batches=(_batch(1, "decaissement_reserve", ["K1"], run_id="DEC-7", user="marie"), _batch(2, "decaissement", ["K2"], run_id="DEC-6"),
                                     _batch(3, "decaissement_reserve", ["K3"], run_id="DEC-5", status="cancelled")))
    held = held_by_disbursement(snap, ["K1", "K2", "K3", "K4"])
    assert held == {"K1": "retenue par le décaissement en cours DEC-7 (marie, le 01/03/2026 à 14:05)",
                    "K2": "payée par le décaissement DEC-6 (paul, le 01/03/2026 à 14:05)"}


# ---------------------------------------------------------------------------
# issue and posting
# ---------------------------------------------------------------------------

def _printed(keys=("E1", "E2", "C1", "X1")):
    s = ok(run(), A.Prepare(keys=keys, auto_group=False))
    s = ok(s, A.Next(confirmed=True))
    s = ok(s, A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments), bank="SG"))
    s = ok(s, A.Next())
    for sl in s.slips:
        if sl.mode == "CHQ":
            s = ok(s, A.SetFirstCheque(slip_id=sl.slip_id, number=7001))
    return ok(s, A.PrintSlips())


def test_an_issue_committed_before_an_incident_is_not_written_again():
    s = _printed()
    out = plan_slip_files(s, company_name="BTP", created_at=NOW)
    snap = _commit(RegisterSnapshot(), out.batch, 1)
    again = plan_slip_files(s, company_name="BTP", created_at=NOW, register=snap)
    assert not again.writes_anything and not again.has_blocking and again.data == {"already": True}


def test_a_slip_printed_again_after_cancellation_gets_new_names():
    s = _printed()
    out = plan_slip_files(s, company_name="BTP", created_at=NOW)
    snap = _commit(RegisterSnapshot(), out.batch, 1)
    first = snap.batches[0].model_copy(update={"status": "cancelled", "files": tuple(
        __import__("reglo.core.register_state", fromlist=["FileRecord"]).FileRecord(folder=f.folder, name=f.name, sha256=f.sha256, role=f.role) for f in out.files)})
    snap = snap.model_copy(update={"batches": (first,), "counters": out.counters})
    again = plan_slip_files(s, company_name="BTP", created_at=NOW, register=snap, existing_names=[f.name for f in out.files])
    assert not ({f.name for f in again.files} & {f.name for f in out.files}) and again.batch.reference != out.batch.reference


@pytest.mark.parametrize("key, state, currency, code", [
    ("X1", "I10", "USD", "DSB_NON_EURO_MANUAL"),  # another currency: no SEPA file
    ("L1", "L10", "EUR", "DSB_MANUAL_MODE"),  # LCR: no SEPA file
    ("I1", "I10", "EUR", "DSB_MANUAL_MODE"),  # international transfer: no SEPA file
])
def test_items_without_sepa_file_are_listed_for_manual_processing_with_their_slip(key, state, currency, code):
    extra = item(key, "F004", "640.00", date(2026, 3, 25), state=state, currency=currency, main_amount=D("600.00") if currency != "EUR" else None)
    items = tuple(i for i in ITEMS if i.key != key) + (extra,)
    s = ok(run(items=items), A.Prepare(keys=(key, "E1"), auto_group=False))
    s = ok(s, A.Next(confirmed=True))
    s = ok(s, A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments), bank="SG"))
    s = ok(s, A.Next())
    s = ok(s, A.PrintSlips())
    out = plan_slip_files(s, company_name="BTP", created_at=NOW)
    assert code in codes(out.alerts) and not out.has_blocking
    slip = next(sl for sl in s.slips if any(key in p.keys for p in s.payments if p.payment_id in sl.payment_ids))
    manual = next(f for f in out.files if f.name.endswith("-a-traiter-manuellement.csv")).data.decode("utf-8-sig")
    assert slip.slip_id in manual and f"FA-{key}" in manual
    assert any(f.name == f"RUN1-{slip.slip_id}-bordereau.csv" for f in out.files)  # its slip
    xml = [f for f in out.files if f.role == "bank"]
    assert len(xml) == 1 and f"FA-{key}".encode() not in xml[0].data  # the SEPA file has E1 only
    assert key in {l.item_key for l in out.batch.lines}  # recorded as paid by this issue


def test_entries_file_is_named_for_the_dgfip_checker_and_a_committed_posting_is_only_confirmed():
    s = ok(_printed(), A.Next())
    s = ok(s, A.Post())
    out = plan_posting_files(s, **COMPANY)
    siren, closing, reference = parse_created_fec_name(out.files[0].name)
    # the slip date 02/03/2026 is in the fiscal year closing 31/12/2026 (the dossier's 31/12/2025, moved a year)
    assert (siren, closing) == ("552100554", date(2026, 12, 31)) and reference == out.batch.reference == "RUN1-1-4"
    assert out.counters == {"entry:decaissement:BQ2": 4}  # the next posting in BQ2 starts at 5
    snap = _commit(RegisterSnapshot(), out.batch, 1)
    again = plan_posting_files(s, register=snap, **COMPANY)
    assert not again.writes_anything and again.data["already"] == 1


def test_test_postings_are_test_batches_with_names_of_their_own():
    s = ok(_printed(), A.Next())
    first = plan_posting_files(s, test=True, **COMPANY)
    assert first.batch.is_test and first.files[0].is_test and parse_created_fec_name(first.files[0].name)[2] == "RUN1-TEST-1-4"
    snap = _commit(RegisterSnapshot(), first.batch, 1)
    second = plan_posting_files(s, test=True, register=snap, existing_names=[first.files[0].name], **COMPANY)
    assert second.files[0].name != first.files[0].name and second.batch.reference == "RUN1-TEST-1-4-2"
    assert first.counters == {}  # a test posting hands out no number
    assert snap.live() == []  # a test batch never counts as paid


@pytest.mark.parametrize("company", [{"siren": "", "fiscal_year_end": date(2025, 12, 31)}, {"siren": "552100554", "fiscal_year_end": None},
                                     {"siren": "12AB", "fiscal_year_end": date(2025, 12, 31)}])
def test_entries_without_a_siren_or_closing_are_refused_in_french(company):
    s = ok(ok(_printed(), A.Next()), A.Post())
    out = plan_posting_files(s, **company)
    assert out.has_blocking and not out.files and "DSB_COMPANY_MISSING" in codes(out.alerts)


# ---------------------------------------------------------------------------
# random sequences: what the register holds for a run
# ---------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .test_disbursement_props import EXAMPLES, STEPS, draw_action, items_strategy, rules_strategy  # noqa: E402


@settings(max_examples=max(20, EXAMPLES // 3), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(items=items_strategy(), rules=rules_strategy, data=st.data())
def test_random_sequences_never_reserve_and_pay_an_item_at_once(items, rules, data):
    """After any sequence: the reservation and the issue batch of the run never share an item, a
    held item is one of the run's own, a finished run holds nothing, and a reservation recorded
    then planned again is unchanged."""
    from reglo.core.disbursement.models import SelectionParams
    from reglo.core.disbursement.state import items_by_key

    from .disbursement_fixtures import BANKS, SUPPLIERS

    state, _ = A.start_run(run_id="P", user="u", run_date=date(2026, 3, 2), items=items, suppliers=SUPPLIERS, banks=BANKS, rules=tuple(rules), params=SelectionParams())
    state, _ = A.apply(state, A.Next())
    for _ in range(data.draw(st.integers(min_value=1, max_value=STEPS), label="length")):
        state, _ = A.apply(state, draw_action(data, state))
        held = held_keys(state)
        assert len(held) == len(set(held))
        own = items_by_key(state)
        assert all(k in own and not own[k].is_deposit for k in held)
        assert not (set(held) & set(state.closed))
        if state.finished:
            assert held == []
        printed = [sl for sl in state.slips if sl.printed]
        if printed:
            out = plan_slip_files(state, company_name="P", created_at=NOW, slip_ids=[sl.slip_id for sl in printed])
            if out.batch is not None:
                assert not ({l.item_key for l in out.batch.lines} & set(held))
    out = plan_reservation(state, RegisterSnapshot())
    if out.batch is not None:
        snap = _commit(RegisterSnapshot(), out.batch, 1)
        assert not plan_reservation(state, snap).writes_anything


def test_a_posting_whose_numbers_another_posting_used_meanwhile_moves_past_them():
    """Issue 10: entry numbers are chosen inside the lock. The numbers of « Comptabiliser » are
    handed out before it (state.next_entry_number); if another run of the dossier posted in BQ2
    meanwhile (the register's counter, read inside the lock, is at 6), the plan moves the pending
    sequences past it and hands the renumbered state back to the shell."""
    s = ok(ok(_printed(), A.Next()), A.Post())
    other = RegisterSnapshot(counters={"entry:decaissement:BQ2": 6})
    out = plan_posting_files(s, register=other, **COMPANY)
    lines = out.files[0].data.decode("latin-1").splitlines()
    sep = "\t" if "\t" in lines[0] else "|"
    numbers = [int(line.split(sep)[2]) for line in lines[1:]]
    assert min(numbers) == 7 and out.counters == {"entry:decaissement:BQ2": 10}
    assert out.batch.reference == "RUN1-7-10" and out.data["state"].next_entry_number == s.next_entry_number + 6
    # without a conflict, the numbers are kept
    same = plan_posting_files(s, register=RegisterSnapshot(counters={"entry:decaissement:BQ2": 0}), **COMPANY)
    assert same.batch.reference == "RUN1-1-4" and same.data["state"] is s
