"""Direct debits: allocation (date range, schedules, forced amounts, répartition, actions),
generation (dates, names, labels, sequence types, amendments, grouping, entries, register,
test file, collecting twice). sepa.md rule ids in the names where one applies."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree

from reglo.core.debits import actions as act
from reglo.core.debits import generation as gen
from reglo.core.debits.allocation import check_schedule, detail_rows, due_in_period, schedule_rest
from reglo.core.debits.models import Assignment, ForcedAmount, Instalment, Mode, SelectionOptions
from reglo.core.debits.tables import DETAIL_SHEET, ENTRIES_SHEET, MAIN_SHEET, PREVIEW_SHEET, PRENOTIFICATION_SHEET, REPARTITION_SHEET, SLIP_SHEET, read_options
from reglo.core.debits.usecases import plan_generate, plan_prepare, plan_preview
from reglo.core.fec import read_fec
from reglo.core.models import PaymentMethod, SequenceType
from reglo.core.register_state import RegisterSnapshot
from reglo.core.writers.pain008 import read_pain008, validate_pain008
from tests.core.debit_fixtures import (
    ICS,
    IBAN_C001,
    IBAN_C001_SAME_BANK,
    IBAN_OTHER_BANK,
    NOW,
    customer,
    default_ledger,
    default_parties,
    dossier,
    inputs,
    key_of,
    ledger,
    mandate,
    sale,
    snapshot_with,
)

EMPTY = RegisterSnapshot()
D = Decimal


def i(day: str, amount: str) -> Instalment:
    return Instalment(due_date=date.fromisoformat(day), amount=D(amount))


SEED_SCHEDULE = (i("2023-06-05", "3000.00"), i("2023-08-17", "2000.00"), i("2023-10-28", "1000.00"))


def sheet(outcome, name):
    return next(s for s in outcome.sheets if s.name == name)


def codes(outcome) -> list[str]:
    return [a.code.value for a in outcome.alerts]


def seed_inputs(**options):
    base = inputs()
    return inputs(options={"Liste des règlements jusqu'au": "17/08/2023", **options}, schedules={key_of(base, "FA-101"): SEED_SCHEDULE})


# --- the seed's schedule example ---------------------------------------------------

def test_seed_schedule_example_collects_the_first_two_instalments():
    """6 000 € on 05/06/2023 in three instalments; collecting up to 17/08/2023 takes the first
    two and leaves the one of 28/10/2023 (seed 003)."""
    inp = seed_inputs()
    details = {d.invoice.document_ref: d for d in plan_prepare_details(inp)}
    assert details["FA-101"].amount_due == D("5000.00")
    assert [x.due_date for x in details["FA-101"].instalments] == [date(2023, 6, 5), date(2023, 8, 17)]
    out = plan_generate(inp, dossier(), EMPTY, now=NOW)
    line = next(l for l in out.batch.lines if l.document_ref == "FA-101")
    assert line.amount_cents == 500000
    assert [x[0] for x in line.meta["instalments"]] == ["2023-06-05", "2023-08-17"]
    # the next collection, up to the end of October, takes the 28/10 instalment only
    later = seed_inputs(**{"Liste des règlements jusqu'au": "31/10/2023"})
    again = plan_generate(later, dossier(), snapshot_with(out.batch), now=datetime(2023, 10, 20, 9, 0))
    assert [(l.document_ref, l.amount_cents) for l in again.batch.lines] == [("FA-101", 100000)]


def plan_prepare_details(inp):
    parties = {p.code: p for p in dossier().parties}
    assignments = {k: Assignment(key=k, schedule=s) for k, s in inp.schedules.items()}
    return detail_rows(inp.invoices, assignments, parties, inp.options.selection, {})


@pytest.mark.parametrize("schedule, ok", [
    ((), True),  # Reste = invoice amount: no schedule
    (SEED_SCHEDULE, True),  # Reste = 0
    (SEED_SCHEDULE[:2], False),  # Reste = 1 000
    ((i("2023-06-05", "7000.00"),), False),  # more than the invoice
])
def test_schedule_editor_reste(schedule, ok):
    alerts = check_schedule("FA-101", D("6000.00"), schedule)
    assert (not alerts) is ok
    if not ok:
        assert alerts[0].code.value == "DEBIT_SCHEDULE_REMAINDER" and alerts[0].is_blocking
    assert schedule_rest(D("6000.00"), SEED_SCHEDULE) == 0


def test_incomplete_schedule_blocks_generation():
    base = inputs()
    out = plan_generate(inputs(schedules={key_of(base, "FA-101"): SEED_SCHEDULE[:2]}), dossier(), EMPTY, now=NOW)
    assert "DEBIT_SCHEDULE_REMAINDER" in codes(out) and out.batch is None and out.files == ()


def test_due_in_period_deducts_what_the_register_collected():
    due, taken = due_in_period(D("6000.00"), date(2023, 6, 5), SEED_SCHEDULE, start=None, end=date(2023, 10, 31), collected_cents=350000)
    assert due == D("2500.00") and [(x.due_date, x.amount) for x in taken] == [(date(2023, 8, 17), D("1500.00")), (date(2023, 10, 28), D("1000.00"))]


# --- options --------------------------------------------------------------------

def test_choix_de_la_date_keeps_invoices_dated_in_the_range():
    out = plan_prepare(inputs(options={"Date début": "01/07/2023", "Liste des règlements jusqu'au": "10/07/2023"}), dossier(), EMPTY, now=NOW)
    assert [r[2] for r in sheet(out, DETAIL_SHEET).rows] == ["FA-102"]


def test_affectation_des_prelevements_gives_default_mode_and_banks():
    off = plan_prepare(inputs(options={"Affectation des prélèvements": "Non"}), dossier(), EMPTY, now=NOW)
    assert {r[8] for r in sheet(off, DETAIL_SHEET).rows} == {"Aucun"}
    on = plan_prepare(inputs(), dossier(), EMPTY, now=NOW)
    rows = {r[2]: r for r in sheet(on, DETAIL_SHEET).rows}
    assert rows["FA-101"][8:11] == ("Prélèvement", "BQ1", IBAN_C001)
    assert rows["FA-104"][8] == "Aucun"  # cheque customer: not a debit mode
    # a line the user set to Virement keeps it
    kept = plan_prepare(inputs(assignments={key_of(inputs(), "FA-102"): Assignment(key=key_of(inputs(), "FA-102"), mode=Mode.TRANSFER)}), dossier(), EMPTY, now=NOW)
    assert {r[2]: r[8] for r in sheet(kept, DETAIL_SHEET).rows}["FA-102"] == "Virement"


def test_deposits_hidden_unless_all_modes_and_never_collected():
    k = key_of(inputs(), "FA-102")
    dep = {k: Assignment(key=k, mode=Mode.DEPOSIT, company_bank="BQ1")}
    hidden = plan_prepare(inputs(assignments=dep), dossier(), EMPTY, now=NOW)
    assert "FA-102" not in [r[2] for r in sheet(hidden, DETAIL_SHEET).rows]
    shown = plan_prepare(inputs(assignments=dep, options={"Afficher tous les types de règlement": "Oui"}), dossier(), EMPTY, now=NOW)
    assert "FA-102" in [r[2] for r in sheet(shown, DETAIL_SHEET).rows]
    out = plan_generate(inputs(assignments=dep, options={"Afficher tous les types de règlement": "Oui"}), dossier(), EMPTY, now=NOW)
    assert "FA-102" not in [l.document_ref for l in out.batch.lines]


def test_grouping_code_range():
    out = plan_prepare(inputs(options={"Regroupement début": "C002", "Regroupement fin": "C002"}), dossier(), EMPTY, now=NOW)
    assert [r[1] for r in sheet(out, MAIN_SHEET).rows] == ["C002"]


def test_avoid_parties_without_entries():
    extra = default_parties() + (customer("C010", "Sans écriture", IBAN_C001, mandates=[mandate("RUM-C010")]),)
    assert "C010" not in [r[1] for r in sheet(plan_prepare(inputs(), dossier(*extra), EMPTY, now=NOW), MAIN_SHEET).rows]
    shown = plan_prepare(inputs(options={"Éviter les tiers sans écritures": "Non"}), dossier(*extra), EMPTY, now=NOW)
    assert "C010" in [r[1] for r in sheet(shown, MAIN_SHEET).rows]


def test_show_validated_lines_with_green_v():
    first = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    snap = snapshot_with(first.batch)
    hidden = plan_prepare(inputs(), dossier(), snap, now=NOW)
    assert [r[2] for r in sheet(hidden, DETAIL_SHEET).rows] == ["FA-104"]
    shown = plan_prepare(inputs(options={"Afficher les écritures validées": "Oui"}), dossier(), snap, now=NOW)
    rows = {r[2]: r for r in sheet(shown, DETAIL_SHEET).rows}
    assert rows["FA-101"][-1] == "V" and rows["FA-104"][-1] == ""
    assert any(col == 13 for _, col, _ in shown.data["paint"][DETAIL_SHEET])
    # the generate outcome marks what it collected
    assert {r[2]: r[-1] for r in sheet(first, DETAIL_SHEET).rows}["FA-101"] == "V"


def test_invalid_options_are_blocking():
    opts = read_options({"Comptabilisation": (5, "Mensuelle"), "Date début": (2, "31/12/2023"), "Liste des règlements jusqu'au": (3, "01/01/2023"),
                         "Version": (6, "pain.008.001.99")})
    assert sorted(a.code.value for a in opts.alerts) == ["DEBIT_OPTION_INVALID", "DEBIT_OPTION_INVALID", "DEBIT_RANGE_INVERTED"]


# --- forced amounts, répartition, actions -----------------------------------------

def test_forced_amount_replaces_the_computed_amount_and_is_coloured():
    forced = {"C001": ForcedAmount(customer_code="C001", amount=D("500.00"), company_bank="BQ1", reference="F1")}
    out = plan_prepare(inputs(forced=forced), dossier(), EMPTY, now=NOW)
    row = {r[1]: r for r in sheet(out, MAIN_SHEET).rows}["C001"]
    assert row[6:9] == (D("7200.00"), D("500.00"), D("500.00"))
    assert (0, 7, "BDD7EE") in out.data["paint"][MAIN_SHEET]
    with_schedule = {"C001": forced["C001"].model_copy(update={"schedule": (i("2023-08-01", "300.00"), i("2023-09-30", "200.00"))})}
    out2 = plan_prepare(inputs(forced=with_schedule), dossier(), EMPTY, now=NOW)
    assert (0, 7, "F8CBAD") in out2.data["paint"][MAIN_SHEET]
    gen_out = plan_generate(inputs(forced=forced), dossier(), EMPTY, now=NOW)
    c001 = [l for l in gen_out.batch.lines if l.party_code == "C001"]
    assert [(l.item_key, l.amount_cents) for l in c001] == [("force|C001|F1", 50000)]
    # forced amount kept until generation: collected once
    again = plan_generate(inputs(forced=forced), dossier(), snapshot_with(gen_out.batch), now=NOW)
    assert again.batch is None or "C001" not in {l.party_code for l in again.batch.lines}


def test_repartition_per_bank_total_and_rest():
    out = plan_prepare(inputs(), dossier(), EMPTY, now=NOW)
    assert sheet(out, REPARTITION_SHEET).rows == (("BQ1", D("8050.40")), ("Total à payer", D("8050.40")), ("Reste à affecter", D("300.00")))


def test_actions():
    inp = inputs()
    customer_of = {x.key: x.customer_code for x in inp.invoices}
    a = {k: Assignment(key=k, mode=Mode.DIRECT_DEBIT, company_bank="BQ1") for k in customer_of}
    f = {"C001": ForcedAmount(customer_code="C001", amount=D("10.00"), company_bank="BQ1")}
    a2, f2 = act.do_not_collect(a, f, customer_of, ["C001"])
    assert {a2[k].mode for k, c in customer_of.items() if c == "C001"} == {Mode.NONE} and f2 == {}
    assert {a2[k].mode for k, c in customer_of.items() if c == "C002"} == {Mode.DIRECT_DEBIT}
    a3, f3 = act.change_company_bank(a, f, customer_of, "BQ2", ["C002"])
    assert {a3[k].company_bank for k, c in customer_of.items() if c == "C002"} == {"BQ2"} and f3["C001"].company_bank == "BQ1"
    a4, f4 = act.change_company_bank(a, f, customer_of, "BQ2")  # on all, forced amounts included
    assert {x.company_bank for x in a4.values()} == {"BQ2"} and f4["C001"].company_bank == "BQ2"
    assert act.remove_all(a, f, confirmed=False) == (a, f)
    a5, f5 = act.remove_all(a, f, confirmed=True)
    assert {x.mode for x in a5.values()} == {Mode.NONE} and f5 == {}
    a6 = act.apply_to_all(a, customer_of, "C001", Mode.LCR)
    assert {a6[k].mode for k, c in customer_of.items() if c == "C001"} == {Mode.LCR}
    k = key_of(inp, "FA-101")
    assert act.clear_line(a, k)[k].mode == Mode.NONE


def test_preview_aucun_lists_unassigned_lines_with_subtotals():
    out = plan_preview(inputs(), dossier(), EMPTY, now=NOW, mode=Mode.NONE)
    assert sheet(out, PREVIEW_SHEET).rows == (("C003", "FA-104", date(2023, 7, 20), "Facture FA-104", D("300.00")),
                                              ("Sous-total C003", "", None, "1 ligne(s)", D("300.00")), ("Total", "", None, "", D("300.00")))


def test_preview_prelevement_is_read_back_from_the_xml_and_writes_nothing():
    out = plan_preview(inputs(), dossier(), EMPTY, now=NOW)
    assert not out.writes_anything
    rows = sheet(out, PREVIEW_SHEET).rows
    assert [(r[4], r[-1]) for r in rows[:-1]] == [("PRE20230810093000-00001", D("7200.00")), ("PRE20230810093000-00002", D("850.40"))]
    assert "relu depuis le XML" in sheet(out, PREVIEW_SHEET).title


# --- dates, identifiers, labels ----------------------------------------------------

@pytest.mark.parametrize("requested, today, lead, expected, moved", [
    (None, date(2023, 8, 10), 2, date(2023, 8, 14), True),  # today + 2 T2 business days (Thu → Mon)
    (date(2023, 8, 28), date(2023, 8, 10), 2, date(2023, 8, 28), False),
    (date(2023, 8, 26), date(2023, 8, 10), 2, date(2023, 8, 28), True),  # Saturday → Monday
    (date(2026, 4, 3), date(2026, 3, 20), 2, date(2026, 4, 7), True),  # Good Friday, Easter Monday closed
    (date(2026, 5, 8), date(2026, 4, 20), 2, date(2026, 5, 8), False),  # 8 May is a T2 business day
    (date(2025, 12, 24), date(2025, 12, 23), 1, date(2025, 12, 24), False),
    (date(2025, 12, 24), date(2025, 12, 23), 2, date(2025, 12, 29), True),  # 25, 26 Dec closed
])
def test_S_D2_S_D4_S_D6_collection_date(requested, today, lead, expected, moved):
    day, alerts = gen.collection_date(requested, today, lead)
    assert day == expected and bool(alerts) is moved


def test_S_D5_b2b_collections_follow_the_same_lead_time_and_calendar():
    parties = (customer("C001", "Dupont", IBAN_C001, mandates=[mandate("RUM-C001", scheme="B2B")]),)
    out = plan_generate(inputs(ledger(sale("1", "C001", "FA-1", "10.00", "2023-07-01")), options={"Date de prélèvement": "12/08/2023"}),
                        dossier(*parties), EMPTY, now=NOW)
    (d,) = read_pain008(out.files[0].data).debits
    assert (d.scheme, d.collection_date) == ("B2B", date(2023, 8, 14)) and "DEBIT_COLLECTION_DATE_MOVED" in codes(out)


def test_S_D7_prenotification_fourteen_days():
    assert [a.code.value for a in gen.check_prenotification(date(2023, 8, 20), date(2023, 8, 10), 14)] == ["DEBIT_PRENOTIFICATION_SHORT"]
    assert gen.check_prenotification(date(2023, 8, 24), date(2023, 8, 10), 14) == []
    assert gen.check_prenotification(date(2023, 8, 14), date(2023, 8, 10), 2) == []


def test_prenotification_sheet_per_customer():
    out = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    rows = sheet(out, PRENOTIFICATION_SHEET).rows
    assert [(r[0], r[3], r[4], r[5], r[6], r[9]) for r in rows] == [
        ("C001", D("7200.00"), date(2023, 8, 28), "RUM-C001", ICS, date(2023, 8, 14)),
        ("C002", D("850.40"), date(2023, 8, 28), "RUM-C002", ICS, date(2023, 8, 14))]
    assert rows[0][2] == "c001@example.fr"


def test_file_name_pre_date_time_journal_with_suffix_when_taken():
    now = datetime(2023, 8, 10, 9, 30)
    assert gen.file_name(now, "BQ1", set(), test=False) == "Pre2308100930BQ1.xml"
    assert gen.file_name(now, "BQ1", {"Pre2308100930BQ1.xml"}, test=False) == "Pre2308100930BQ1-2.xml"
    assert gen.file_name(now, "BQ1", {"Pre2308100930BQ1.xml", "Pre2308100930BQ1-2.xml"}, test=False) == "Pre2308100930BQ1-3.xml"
    assert gen.file_name(now, "BQ1", set(), test=True) == "TESTPre2308100930BQ1.xml"
    out = plan_generate(inputs(), dossier(), EMPTY, now=NOW, existing_names={"Pre2308100930BQ1.xml"})
    assert out.files[0].name == "Pre2308100930BQ1-2.xml"


@pytest.mark.parametrize("template, expected", [
    ("", "FA-101 Facture"),
    ("{PIECE} {RAISON_SOCIALE}", "FA-101 Dupont"),
    ("Prel {JOUR}/{MOIS}/{ANNEE} {LIBELLE_COMPTE}", "Prel 28/08/2023 Compte"),
    ("{DATE}", "28/08/2023"),
])
def test_label_dynamic_fields(template, expected):
    assert gen.render_label(template, day=date(2023, 8, 28), piece="FA-101", name="Dupont", account_label="Compte", invoice_label="Facture") == expected


def test_label_at_most_31_characters_and_unknown_field_blocking():
    out = plan_generate(inputs(options={"Libellé": "{PIECE} {RAISON_SOCIALE} prélèvement du {DATE}"}), dossier(), EMPTY, now=NOW)
    assert "DEBIT_LABEL_TRUNCATED" in codes(out)
    assert all(len(r[6]) <= 31 for r in sheet(out, ENTRIES_SHEET).rows)
    bad = plan_generate(inputs(options={"Libellé": "{PIECE} {CLIENT}"}), dossier(), EMPTY, now=NOW)
    assert "DEBIT_LABEL_FIELD_UNKNOWN" in codes(bad) and bad.files == ()


# --- sequence types and amendments ----------------------------------------------------

def seqs(out) -> dict[str, str]:
    return {d.debtor_iban: d.sequence_type for d in read_pain008(out.files[0].data).debits}


def test_S_M2_first_collection_is_FRST_and_the_second_RCUR():
    first = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    assert set(seqs(first).values()) == {"FRST"}
    frame = ledger(sale("9", "C001", "FA-201", "99.00", "2023-09-01"), sale("10", "C002", "FA-202", "10.00", "2023-09-01"))
    second = plan_generate(inputs(frame), dossier(), snapshot_with(first.batch), now=datetime(2023, 9, 4, 9, 0))
    assert set(seqs(second).values()) == {"RCUR"}


def test_mandate_declared_used_before_reglo_is_RCUR():
    parties = (customer("C001", "Dupont", IBAN_C001, mandates=[mandate("RUM-C001", seq=SequenceType.RECURRING)]),) + default_parties()[1:]
    out = plan_generate(inputs(), dossier(*parties), EMPTY, now=NOW)
    assert seqs(out)[IBAN_C001] == "RCUR" and "DEBIT_MANDATE_DECLARED_USED" in codes(out)


def test_S_M1_one_off_and_final_mandates():
    parties = (customer("C001", "Dupont", IBAN_C001, mandates=[mandate("RUM-C001", seq=SequenceType.ONE_OFF)]),
               customer("C002", "Muller", "DE89370400440532013000", mandates=[mandate("RUM-C002", seq=SequenceType.FINAL)]))
    out = plan_generate(inputs(), dossier(*parties), EMPTY, now=NOW)
    assert sorted(seqs(out).values()) == ["FNAL", "OOFF"]
    again = plan_generate(inputs(ledger(sale("9", "C001", "FA-9", "5.00", "2023-09-01"), sale("10", "C002", "FA-10", "5.00", "2023-09-01"))),
                          dossier(*parties), snapshot_with(out.batch), now=datetime(2023, 9, 4, 9, 0))
    assert {"RULE_MANDATE_ONE_OFF_USED", "RULE_MANDATE_ENDED"} <= set(codes(again)) and again.batch is None


def changed(iban: str):
    first = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    parties = (customer("C001", "Dupont", iban, mandates=[mandate("RUM-C001")]),) + default_parties()[1:]
    frame = ledger(sale("9", "C001", "FA-201", "99.00", "2023-09-01"))
    return plan_generate(inputs(frame), dossier(*parties), snapshot_with(first.batch), now=datetime(2023, 9, 4, 9, 0))


def test_S_M5_debtor_account_change_at_the_same_bank_is_an_amendment():
    out = changed(IBAN_C001_SAME_BANK)
    d = read_pain008(out.files[0].data).debits[0]
    assert (d.amended, d.original_account, d.sequence_type) == (True, IBAN_C001, "RCUR")
    assert "DEBIT_AMENDMENT" in codes(out)


def test_S_M3_change_of_bank_is_SMNDA_and_FRST():
    out = changed(IBAN_OTHER_BANK)
    d = read_pain008(out.files[0].data).debits[0]
    assert (d.amended, d.original_account, d.sequence_type) == (True, "SMNDA", "FRST")
    assert "DEBIT_BANK_CHANGED" in codes(out)


def test_unchanged_account_is_not_an_amendment():
    d = read_pain008(changed(IBAN_C001).files[0].data).debits[0]
    assert (d.amended, d.original_account) == (False, "")


def test_iban_on_the_mandate_differs_from_the_current_one():
    parties = (customer("C001", "Dupont", IBAN_C001_SAME_BANK, mandates=[mandate("RUM-C001", iban=IBAN_C001)]),) + default_parties()[1:]
    d = read_pain008(plan_generate(inputs(), dossier(*parties), EMPTY, now=NOW).files[0].data).debits[0]
    assert d.amended and d.original_account == IBAN_C001


# --- grouping, booking, entries ---------------------------------------------------------

def test_S_G2_one_block_per_sequence_type_and_scheme():
    parties = (customer("C001", "Dupont", IBAN_C001, mandates=[mandate("RUM-C001", scheme="B2B")]),
               customer("C002", "Muller", "DE89370400440532013000", mandates=[mandate("RUM-C002", seq=SequenceType.RECURRING)]))
    frame = ledger(*default_ledger_groups(), sale("5", "C002", "FA-105", "1.00", "2023-07-13"))
    read = read_pain008(plan_generate(inputs(frame), dossier(*parties), EMPTY, now=NOW).files[0].data)
    blocks = {(d.payment_info_id, d.sequence_type, d.scheme) for d in read.debits}
    assert sorted((s, sc) for _, s, sc in blocks) == [("FRST", "B2B"), ("RCUR", "CORE")] and len(blocks) == 2
    forced_scheme = read_pain008(plan_generate(inputs(frame, options={"Schéma": "CORE"}), dossier(*parties), EMPTY, now=NOW).files[0].data)
    assert {d.scheme for d in forced_scheme.debits} == {"CORE"}


def default_ledger_groups():
    return [sale("1", "C001", "FA-101", "6000.00", "2023-06-05"), sale("2", "C001", "FA-102", "1200.00", "2023-07-03"),
            sale("3", "C002", "FA-103", "850.40", "2023-07-12")]


def entry_rows(out):
    return sheet(out, ENTRIES_SHEET).rows


@pytest.mark.parametrize("booking, grouped, entries, bank_lines", [
    ("Global", "Non", 1, [D("8050.40")]),  # one bank line per PmtInf (S-G4)
    ("Unitaire", "Non", 2, [D("7200.00"), D("850.40")]),  # one per customer
    ("Unitaire", "Oui", 1, [D("7200.00"), D("850.40")]),  # « Regrouper les prélèvements »: one entry
])
def test_S_G3_S_G4_booking_and_entries(booking, grouped, entries, bank_lines):
    out = plan_generate(inputs(options={"Comptabilisation": booking, "Regrouper les prélèvements": grouped}), dossier(), EMPTY, now=NOW)
    read = read_pain008(out.files[0].data)
    assert {d.batch_booking for d in read.debits} == {booking == "Global"}
    rows = entry_rows(out)
    assert len({r[1] for r in rows}) == entries
    assert [r[7] for r in rows if r[3] == "512100"] == bank_lines
    assert sum(r[8] or 0 for r in rows if r[3] == "411000") == D("8050.40")


def test_entries_pass_fec_check_and_balance():
    out = plan_generate(inputs(options={"Comptabilisation": "Unitaire"}), dossier(), EMPTY, now=NOW)
    entries = next(f for f in out.files if f.role == "entries")
    led = read_fec(entries.data, entries.name)
    assert not [a for a in led.alerts if a.is_blocking]
    assert int(led.frame["debit"].sum()) == int(led.frame["credit"].sum()) == 805040


def test_generated_file_valid_in_both_versions():
    for version in ("pain.008.001.08", "pain.008.001.02"):
        out = plan_generate(inputs(options={"Version": version}), dossier(), EMPTY, now=NOW)
        assert validate_pain008(out.files[0].data, version) == []
        assert out.batch.meta["version"] == version


def test_slip_and_summary():
    out = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    slip = sheet(out, SLIP_SHEET)
    assert slip.title == "Bordereau d'accompagnement des remises de prélèvements"
    assert slip.rows[-1][-1] == D("8050.40") and ("ICS", ICS) in slip.preamble
    assert "2 prélèvement(s)" in out.summary


# --- register: test file, collecting twice --------------------------------------------

def test_test_file_changes_nothing_in_the_register():
    out = plan_generate(inputs(options={"Génération d'un fichier test": "Oui"}), dossier(), EMPTY, now=NOW)
    assert out.batch.is_test and all(l.payment_key is None for l in out.batch.lines)
    assert out.files[0].name.startswith("TEST") and out.files[0].is_test
    assert read_pain008(out.files[0].data).message_id.startswith("TEST")
    assert [f.role for f in out.files] == ["bank"] and out.ledger is None  # no entries, nothing lettered
    assert "DEBIT_TEST_FILE" in codes(out)
    snap = snapshot_with(out.batch)
    assert snap.paid_cents_by_item("prelevement") == {}
    real = plan_generate(inputs(), dossier(), snap, now=NOW)
    assert real.batch.total_cents == 805040 and not real.batch.is_test


def test_collecting_twice_collects_nothing_the_second_time():
    first = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    for status in ("committed", "pending"):
        second = plan_generate(inputs(), dossier(), snapshot_with(first.batch, status=status), now=NOW)
        assert second.batch is None and second.files == () and "DEBIT_ALREADY_GENERATED" in codes(second)
    # a cancelled batch no longer counts: the invoices are collectable again
    assert plan_generate(inputs(), dossier(), snapshot_with(first.batch, status="cancelled"), now=NOW).batch is not None


def test_payment_keys_depend_on_the_register_state_not_on_the_time():
    a = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    b = plan_generate(inputs(), dossier(), EMPTY, now=datetime(2023, 8, 10, 11, 0))
    assert {l.payment_key for l in a.batch.lines} == {l.payment_key for l in b.batch.lines}


def test_credit_note_reduces_the_collection_and_negative_total_is_skipped():
    frame = ledger(sale("1", "C001", "FA-1", "100.00", "2023-07-01"), sale("2", "C001", "AV-1", "-30.00", "2023-07-02"),
                   sale("3", "C002", "FA-3", "10.00", "2023-07-01"), sale("4", "C002", "AV-3", "-20.00", "2023-07-02"))
    out = plan_generate(inputs(frame), dossier(), EMPTY, now=NOW)
    assert [(d.debtor_iban, d.amount) for d in read_pain008(out.files[0].data).debits] == [(IBAN_C001, D("70.00"))]
    assert "DEBIT_TOTAL_NOT_POSITIVE" in codes(out)


@pytest.mark.parametrize("day, horizon, blocked", [
    (date(2023, 8, 24), 14, False),  # 14 calendar days ahead: the interbank horizon
    (date(2023, 8, 25), 14, True),  # 15 days: too early for a bank keeping to 14
    (date(2023, 8, 28), 30, False),  # a bank that accepts files 30 days ahead
    (date(2023, 9, 8), 30, False),
    (date(2023, 9, 11), 30, True),
])
def test_S_D8_collection_date_horizon(day, horizon, blocked):
    """S-D8: a collection is presented at the earliest 14 calendar days before its date; each
    bank sets how far ahead it accepts a file (« Horizon de la banque (jours) »)."""
    assert bool(gen.check_horizon(day, date(2023, 8, 10), horizon)) is blocked
    out = plan_generate(inputs(options={"Date de prélèvement": day.isoformat(), "Horizon de la banque (jours)": horizon}), dossier(), EMPTY, now=NOW)
    assert ("DEBIT_COLLECTION_TOO_FAR" in codes(out)) is blocked
    assert bool(out.files) is not blocked and (out.batch is None) is blocked
    if blocked:
        a = next(a for a in out.alerts if a.code.value == "DEBIT_COLLECTION_TOO_FAR")
        assert a.is_blocking and f"{day - timedelta(days=horizon):%d/%m/%Y}" in a.message


def test_S_D8_default_horizon_is_fourteen_days():
    opts = read_options({"Banque dossier": (None, "BQ1")})
    assert opts.settings["BQ1"].horizon_days == 14


def test_S_I4_the_collection_file_names_the_creditor_by_its_ics():
    """S-I4 in « Générer »: ``InitgPty/Id`` is the company bank's ICS unless the bank gave another id."""
    out = plan_generate(inputs(), dossier(), EMPTY, now=NOW)
    root = etree.fromstring(out.files[0].data)
    ns = {"p": etree.QName(root).namespace}
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id", namespaces=ns) == ICS
