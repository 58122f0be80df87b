"""Supplier transfers core: selection, the seed example, negative-line rules, plan, entries."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from reglo.core.entries import check_entry
from reglo.core.transfers import (
    Edit,
    LineKind,
    PaidAllocation,
    apply_edits,
    assign_lettering,
    check_beneficiaries,
    check_selection,
    import_lines,
    plan_transfers,
    transfer_entries,
)
from reglo.core.writers.pain001 import check_pain001, write_pain001
from tests.core.transfer_fixtures import PARTIES, book, d, debit, invoice, ledger, params

M = Decimal
CREATED = datetime(2023, 3, 31, 10, 0, 0)
MSG = "VIR20230331100000"


def codes(alerts):
    return {a.code.value for a in alerts}


def edits_for(lines, changes=None):
    """Preview rows as the user leaves them: ``changes[line_no] = (selection, amount, group)``."""
    changes = changes or {}
    out = []
    for l in lines:
        sel, amount, group = changes.get(l.line_no, ("Oui" if l.selected else "Non", float(l.amount), l.group))
        out.append(Edit(l.line_no + 1, l.key, sel, amount, group))
    return out


def allocations_of(plan, batch_id: int, created: date) -> list[PaidAllocation]:
    """What ``reglo.addin.shell.transfers`` records in the register for a generated file."""
    out = []
    for t in plan.transfers:
        for l in t.lines:
            out.append(PaidAllocation(batch_id=batch_id, item_key=l.key, amount_cents=int(l.amount * 100), end_to_end_id=t.end_to_end_id, file_name=f"{plan.message_id}.xml", created_on=created))
    return out


# --- selection --------------------------------------------------------------

def test_selection_credits_in_period_and_journal_debits_whole_fiscal_year():
    frame = ledger(
        invoice("1", "F001", "FA1", "100.00", "2023-03-10"),
        invoice("2", "F001", "FA2", "200.00", "2023-04-10"),  # due after the period
        invoice("3", "F001", "FA3", "300.00", "2023-03-15", journal="OD"),  # journal not in filter
        debit("4", "F001", "AC1", "50.00", day="2023-01-05"),  # debit: any journal, any date of the year
        debit("5", "F001", "AC0", "70.00", day="2022-12-20"),  # previous fiscal year
    )
    res = import_lines(frame, params())
    got = [(l.document_ref, l.kind, l.amount) for l in res.lines]
    assert got == [("FA1", LineKind.INVOICE, M("100.00")), ("AC1", LineKind.DEBIT, M("-50.00"))]
    assert not import_lines(frame, params(import_debits=False)).lines[1:]


def test_lettered_lines_and_other_roots():
    frame = ledger(invoice("1", "F001", "FA1", "100.00", "2023-03-10"))
    frame.loc[0, "lettering_code"] = "AA"
    assert not import_lines(frame, params()).lines
    assert codes(import_lines(frame, params()).alerts) == {"NOTHING_IMPORTED"}
    salary = ledger(invoice("9", "", "PAIE03", "1800.00", "2023-03-31", journal="OD"))
    salary.loc[0, "ledger_account"] = "421000"
    res = import_lines(salary, params(other_roots=("421",), journals=("OD",)))
    assert [(l.beneficiary, l.amount) for l in res.lines] == [("421000", M("1800.00"))]
    assert not import_lines(salary, params(journals=("OD",))).lines  # 421 only with its root


def test_due_date_missing_falls_back_and_warns():
    frame = ledger(invoice("1", "F001", "FA1", "100.00", "2023-03-10"))
    frame.loc[0, "due_date"] = None
    res = import_lines(frame, params())
    assert [l.document_ref for l in res.lines] == ["FA1"]
    assert "DUE_DATE_MISSING" in codes(res.alerts)
    assert "DUE_DATE_MISSING" not in codes(import_lines(ledger(invoice("1", "F001", "FA1", "100.00", "2023-03-10")), params()).alerts)


def test_non_euro_line_is_not_selected_and_blocks_if_selected():
    frame = ledger(invoice("1", "F001", "FA1", "100.00", "2023-03-10"))
    frame.loc[0, "currency"] = "USD"
    res = import_lines(frame, params())
    assert not res.lines[0].selected and "CURRENCY_NOT_EUR" in codes(res.alerts)
    lines, _ = apply_edits(res.lines, edits_for(res.lines, **{"1": ("Oui", 100.0, "1")}) if False else edits_for(res.lines, {1: ("Oui", 100.0, "1")}))
    assert "CURRENCY_NOT_EUR" in codes(check_selection(lines))
    ok = import_lines(ledger(invoice("1", "F001", "FA1", "100.00", "2023-03-10")), params())
    assert "CURRENCY_NOT_EUR" not in codes(check_selection(ok.lines))


# --- the seed example ---------------------------------------------------------

def test_seed_example_invoice_1200_edited_to_1000_then_reimport_shows_1200_and_minus_1000():
    """Invoice 1 200 € due 29/03/2023, debits option on, transfer edited to 1 000 € and file
    generated on 31/03/2023; the March 2023 re-import shows the invoice 1 200 € and the
    payment −1 000 € (the invoice comes back because its transfer amount was edited)."""
    frame = ledger(invoice("12", "F001", "FA-2023-031", "1200.00", "2023-03-29"))
    p = params()
    first = import_lines(frame, p)
    assert [(l.document_ref, l.amount, l.original_amount) for l in first.lines] == [("FA-2023-031", M("1200.00"), M("1200.00"))]

    lines, alerts = apply_edits(first.lines, edits_for(first.lines, {1: ("Oui", 1000.0, "1")}))
    assert codes(alerts) == {"AMOUNT_EDITED"}
    assert lines[0].amount == M("1000.00") and lines[0].original_amount == M("1200.00")
    assert not check_selection(lines) and not check_beneficiaries(lines, PARTIES, p)

    plan = plan_transfers(lines, PARTIES, p, message_id=MSG, today=date(2023, 3, 31))
    assert not [a for a in plan.alerts if a.is_blocking]
    assert plan.execution_date == date(2023, 3, 31)
    assert [(t.amount, t.end_to_end_id) for t in plan.transfers] == [(M("1000.00"), "VIR20230331100000-0001")]
    xml = write_pain001(plan.batch, message_id=MSG, created_at=CREATED, version=p.version)
    assert check_pain001(xml, p.version) == []
    entries = transfer_entries(plan, p, transfers=assign_lettering(plan.transfers, {}))
    assert [(l.ledger_account, l.debit, l.credit, l.lettering_code) for l in entries[0].lines] == [("401000", M("1000.00"), M("0.00"), ""), ("512000", M("0.00"), M("1000.00"), "")]
    register = allocations_of(plan, 1, date(2023, 3, 31))

    booked = book(frame, entries)  # the accountant posts the bank entry: 1200 − 1000 = 200 left
    again = import_lines(booked, p, allocations=register)
    assert [(l.kind, l.document_ref, l.amount, l.original_amount) for l in again.lines] == [
        (LineKind.INVOICE, "FA-2023-031", M("1200.00"), M("1200.00")),
        (LineKind.DEBIT, "VIR20230331100000", M("-1000.00"), M("-1000.00")),  # piece of the file's bank entry
    ]
    assert sum(l.amount for l in again.lines) == M("200.00")
    assert all(l.selected and l.group == "1" for l in again.lines)


def test_seed_example_without_debits_or_before_booking_proposes_the_balance():
    frame = ledger(invoice("12", "F001", "FA-2023-031", "1200.00", "2023-03-29"))
    p = params()
    first = import_lines(frame, p)
    lines, _ = apply_edits(first.lines, edits_for(first.lines, {1: ("Oui", 1000.0, "1")}))
    plan = plan_transfers(lines, PARTIES, p, message_id=MSG, today=date(2023, 3, 31))
    register = allocations_of(plan, 1, date(2023, 3, 31))
    booked = book(frame, transfer_entries(plan, p))
    for frame_, p_ in ((frame, p), (booked, params(import_debits=False))):
        res = import_lines(frame_, p_, allocations=register)
        assert [(l.amount, l.open_amount, l.original_amount) for l in res.lines] == [(M("200.00"), M("200.00"), M("1200.00"))]
        assert "PARTLY_PAID" in codes(res.alerts)


def test_paying_the_balance_with_the_booked_payment_settles_everything():
    frame = ledger(invoice("12", "F001", "FA-2023-031", "1200.00", "2023-03-29"))
    p = params()
    lines, _ = apply_edits(import_lines(frame, p).lines, edits_for(import_lines(frame, p).lines, {1: ("Oui", 1000.0, "1")}))
    plan1 = plan_transfers(lines, PARTIES, p, message_id=MSG, today=date(2023, 3, 31))
    reg = allocations_of(plan1, 1, date(2023, 3, 31))
    booked = book(frame, transfer_entries(plan1, p))
    second = import_lines(booked, p, allocations=reg)
    lines2, _ = apply_edits(second.lines, edits_for(second.lines))
    plan2 = plan_transfers(lines2, PARTIES, p.model_copy(update={"requested_execution_date": date(2023, 4, 3)}), message_id="VIR20230403090000", today=date(2023, 4, 3))
    assert [t.amount for t in plan2.transfers] == [M("200.00")]
    reg += allocations_of(plan2, 2, date(2023, 4, 3))
    assert not import_lines(booked, p, allocations=reg).lines  # nothing left to pay
    assert not import_lines(booked, params(import_debits=False), allocations=reg).lines
    booked2 = book(booked, transfer_entries(plan2, p))  # once booked unlettered: total 0, nothing selected
    third = import_lines(booked2, p, allocations=reg)
    assert sum(l.amount for l in third.lines) == 0 and not any(l.selected for l in third.lines)


def test_cancelled_file_makes_invoices_payable_again():
    frame = ledger(invoice("12", "F001", "FA1", "500.00", "2023-03-20"))
    p = params()
    res = import_lines(frame, p)
    plan = plan_transfers(res.lines, PARTIES, p, message_id=MSG, today=date(2023, 3, 31))
    reg = allocations_of(plan, 1, date(2023, 3, 31))
    assert not import_lines(frame, p, allocations=reg).lines  # paid: gone
    assert [l.amount for l in import_lines(frame, p, allocations=[]).lines] == [M("500.00")]  # file cancelled: back


# --- negative-line rules -----------------------------------------------------------

def _two_lines(inv="300.00", dep="100.00"):
    frame = ledger(invoice("1", "F001", "FA1", inv, "2023-03-10"), debit("2", "F001", "AC1", dep))
    return import_lines(frame, params()).lines


def test_grouped_negative_with_positive_total_is_accepted():
    lines, _ = apply_edits(_two_lines(), edits_for(_two_lines()))
    assert check_selection(lines) == []
    plan = plan_transfers(lines, PARTIES, params(), message_id=MSG, today=date(2023, 3, 31))
    assert [t.amount for t in plan.transfers] == [M("200.00")]


def test_beneficiary_total_not_positive():
    base = _two_lines(inv="100.00", dep="300.00")
    assert not any(l.selected for l in base)  # default: a debit balance is not proposed
    lines, _ = apply_edits(base, edits_for(base, {1: ("Oui", 100.0, "1"), 2: ("Oui", -300.0, "1")}))
    assert {"BENEFICIARY_TOTAL_NOT_POSITIVE", "NEGATIVE_GROUP_NOT_POSITIVE"} <= codes(check_selection(lines))


def test_negative_line_alone():
    base = _two_lines()
    lines, _ = apply_edits(base, edits_for(base, {1: ("Non", 300.0, "1"), 2: ("Oui", -100.0, "1")}))
    assert "NEGATIVE_LINE_ALONE" in codes(check_selection(lines))


def test_negative_not_grouped():
    base = _two_lines()
    lines, _ = apply_edits(base, edits_for(base, {1: ("Oui", 300.0, ""), 2: ("Oui", -100.0, "")}))
    found = codes(check_selection(lines))
    assert "NEGATIVE_NOT_GROUPED" in found and "BENEFICIARY_TOTAL_NOT_POSITIVE" not in found


def test_negative_only_in_a_positive_group():
    base = _two_lines()
    lines, _ = apply_edits(base, edits_for(base, {1: ("Oui", 300.0, "A"), 2: ("Oui", -100.0, "B")}))
    assert "NEGATIVE_GROUP_NOT_POSITIVE" in codes(check_selection(lines))


def test_groups_are_per_beneficiary_and_ungrouped_lines_are_separate_transfers():
    frame = ledger(invoice("1", "F001", "FA1", "100.00", "2023-03-10"), invoice("2", "F001", "FA2", "50.00", "2023-03-11"), invoice("3", "F002", "R1", "70.00", "2023-03-12", name="Bauwerk"))
    base = import_lines(frame, params()).lines
    lines, _ = apply_edits(base, edits_for(base, {2: ("Oui", 50.0, "")}))
    plan = plan_transfers(lines, PARTIES, params(), message_id=MSG, today=date(2023, 3, 31))
    assert sorted((t.beneficiary, t.amount) for t in plan.transfers) == [("F001", M("50.00")), ("F001", M("100.00")), ("F002", M("70.00"))]
    assert all(t.amount > 0 for t in plan.transfers)  # the transfers sheet never has a negative line


# --- edits ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "selection, amount, code",
    [
        ("peut-être", 300.0, "SELECTION_INVALID"),
        ("Oui", "abc", "AMOUNT_INVALID"),
        ("Oui", "", "AMOUNT_MISSING"),
        ("Oui", 0.0, "AMOUNT_NOT_POSITIVE"),
        ("Oui", 350.0, "AMOUNT_EXCEEDS_OPEN"),
        ("Oui", -10.0, "AMOUNT_SIGN_CHANGED"),
        ("Oui", 299.999, "AMOUNT_ROUNDED"),
    ],
)
def test_edit_alerts(selection, amount, code):
    base = _two_lines()
    _, alerts = apply_edits(base, edits_for(base, {1: (selection, amount, "1")}))
    assert code in codes(alerts)
    _, fine = apply_edits(base, edits_for(base))
    assert code not in codes(fine)


def test_unknown_row_and_deleted_row():
    base = _two_lines()
    rows = edits_for(base)[:1] + [Edit(9, "AC|99|F001|X|C1", "Oui", 1.0, "")]
    lines, alerts = apply_edits(base, rows)
    assert codes(alerts) == {"LINE_UNKNOWN"}
    assert [l.selected for l in lines] == [True, False]  # a deleted row is not paid


# --- beneficiaries -------------------------------------------------------------------

def test_beneficiary_checks():
    from tests.core.transfer_fixtures import party

    frame = ledger(invoice("1", "F009", "X1", "10.00", "2023-03-10"))
    lines = import_lines(frame, params()).lines
    assert codes(check_beneficiaries(lines, PARTIES, params())) == {"BENEFICIARY_UNKNOWN"}
    cases = {
        "IBAN_MISSING": party("F009", "Sans RIB", None),
        "IBAN_INVALID": party("F009", "Faux", "FR7630006000011234567890188"),
        "RIB_KEY": party("F009", "Clé", "FR5430006000011234567890100"),
        "BIC_IBAN_MISMATCH": party("F009", "BIC", "FR7630006000011234567890189", bic="COBADEFFXXX"),
        "ADDRESS_REQUIRED": party("F009", "Sans ville", "FR7630006000011234567890189", town=""),
        "BIC_REQUIRED": party("F009", "Suisse", "CH9300762011623852957", town="Genève", country="CH"),
    }
    for code, who in cases.items():
        assert code in codes(check_beneficiaries(lines, {"F009": who}, params())), code
    # .03 needs the structured address only outside the EEA
    assert "ADDRESS_REQUIRED" not in codes(check_beneficiaries(lines, {"F009": cases["ADDRESS_REQUIRED"]}, params(version="pain.001.001.03")))
    assert check_beneficiaries(lines, {"F009": party("F009", "Bon", "FR7630006000011234567890189")}, params()) == []


# --- plan and entries -------------------------------------------------------------------

def test_execution_date_rolled_and_past():
    lines = _two_lines()
    plan = plan_transfers(lines, PARTIES, params(requested_execution_date=date(2023, 4, 7)), message_id=MSG, today=date(2023, 3, 31))
    assert plan.execution_date == date(2023, 4, 11) and "EXECUTION_DATE_ROLLED" in codes(plan.alerts)  # Good Friday + Easter Monday
    past = plan_transfers(lines, PARTIES, params(requested_execution_date=date(2023, 3, 30)), message_id=MSG, today=date(2023, 3, 31))
    assert past.batch is None and "EXECUTION_DATE_PAST" in codes(past.alerts)
    ok = plan_transfers(lines, PARTIES, params(), message_id=MSG, today=date(2023, 3, 31))
    assert not {"EXECUTION_DATE_ROLLED", "EXECUTION_DATE_PAST"} & codes(ok.alerts)


def test_debtor_account_invalid_blocks_the_file():
    plan = plan_transfers(_two_lines(), PARTIES, params(debtor_iban="FR7630006000011234567890188"), message_id=MSG, today=date(2023, 3, 31))
    assert plan.batch is None and "DEBTOR_ACCOUNT_INVALID" in codes(plan.alerts)


@pytest.mark.parametrize("booking, n_entries", [(True, 1), (False, 2)])
def test_entries_per_file_or_per_transfer_balance_and_letter_full_payments(booking, n_entries):
    frame = ledger(invoice("1", "F001", "FA1", "300.00", "2023-03-10"), debit("2", "F001", "AC1", "100.00"), invoice("3", "F002", "R1", "70.00", "2023-03-12", name="Bauwerk"))
    frame.loc[frame["subledger_account"] == "F002", "lettering_code"] = ""
    p = params(batch_booking=booking)
    res = import_lines(frame, p)
    plan = plan_transfers(res.lines, PARTIES, p, message_id=MSG, today=date(2023, 3, 31))
    transfers = assign_lettering(plan.transfers, {"F001": {"AA"}})
    assert [t.lettering_code for t in transfers] == ["AB", "AA"]
    entries = transfer_entries(plan, p, transfers=transfers)
    assert len(entries) == n_entries
    assert all(check_entry(e) == [] for e in entries)
    bank = [l for e in entries for l in e.lines if l.ledger_account == "512000"]
    assert sum(l.credit for l in bank) == M("270.00")
    assert len(bank) == (1 if booking else 2)  # S-G4: one bank line per PmtInf when batch booking
    assert plan.batch.groups[0].batch_booking is booking
