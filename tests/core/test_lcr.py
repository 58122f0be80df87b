"""LCR plan: RIB from IBAN and its key, Réf. Tiré / Tireur, value date rules, « Gestion des
LCR » rows, treasury entries (grouped / detailed), label fields, receipts, parser errors."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from schwifty import IBAN
from stdnum import iban as stdnum_iban

from reglo.core.alerts import has_blocking
from reglo.core.lcr.label import LabelFields, check_template, render_label
from reglo.core.lcr.management import management_rows, management_sheet, read_management_sheet
from reglo.core.lcr.models import LcrAllocation
from reglo.core.lcr.plan import plan_lcr
from reglo.core.lcr.rib import rib_from_iban
from reglo.core.writers.cfonb160 import AcceptanceCode, CollectionOption, clean_reference, write_lcr
from reglo.core.writers.cfonb160_parse import parse_lcr, parse_records, readback_rows
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_PARAMS, SPEC_ROWS, TODAY, inv
from tests.core.test_cfonb160 import SPEC_REMITTANCE


def codes(alerts):
    return [a.code.value for a in alerts]


def _with_iban_check_digits(bban: str) -> str:
    """A French IBAN whose mod-97 check digits are right for ``bban``, whatever its RIB key."""
    numeric = int("".join(str(int(c, 36)) for c in bban + "FR00"))
    return f"FR{98 - numeric % 97:02d}{bban}"


# --- RIB ------------------------------------------------------------------------------------


def test_rib_key_check_rejects_a_wrong_key_that_iban_mod_97_accepts():
    # RIB 30006 / 00001 / 12345678901 has key 89 (spec example); write 88 and fix the IBAN digits.
    wrong = _with_iban_check_digits("30006000011234567890188")
    assert stdnum_iban.is_valid(wrong)  # python-stdnum accepts it
    IBAN(wrong)  # schwifty's default parse accepts it too
    rib, key, alerts = rib_from_iban(wrong, field="Tiré")
    assert rib is None and key is None and codes(alerts) == ["LCR_RIB_KEY"] and alerts[0].is_blocking
    good = _with_iban_check_digits("30006000011234567890189")
    rib, key, alerts = rib_from_iban(good, field="Tiré")
    assert (rib.bank_code, rib.branch_code, rib.account_code, key, alerts) == ("30006", "00001", "12345678901", "89", [])


@pytest.mark.parametrize(
    "value, code",
    [
        ("", "LCR_IBAN_MISSING"),
        ("DE89370400440532013000", "LCR_IBAN_NOT_FR"),  # valid German IBAN: LCR is domestic (F10)
        ("FR76300060000112345678901", "LCR_IBAN_NOT_FR"),  # 25 characters
        ("FR0030006000011234567890189", "LCR_IBAN_INVALID"),  # wrong mod-97
    ],
)
def test_rib_from_iban_refusals(value, code):
    rib, _key, alerts = rib_from_iban(value, field="Tiré")
    assert rib is None and codes(alerts) == [code]


def test_rib_with_letters_in_the_account_number():
    rib, key, alerts = rib_from_iban("FR14 2004 1010 0505 0001 3M02 606", field="Tiré")
    assert (rib.account_code, key, alerts) == ("0500013M026", "06", [])


# --- references -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("451", "0000000451"),
        ("F2026011", "00F2026011"),
        ("f2026011", "00F2026011"),
        ("ABCDEFGHIJ", "ABCDEFGHIJ"),
        ("", ""),
        (None, ""),
        (451, "0000000451"),
    ],
)
def test_reference_is_left_padded_with_zeros(raw, expected):
    assert clean_reference(raw, field="Réf. Tiré") == (expected, [])


@pytest.mark.parametrize("raw", ["ABCDEFGHIJK", "F 2026", "F-2026", "F/2026", "FACTURÉ", "F_1", "12345678901"])
def test_reference_with_more_than_10_characters_spaces_or_specials_is_blocking(raw):
    clean, alerts = clean_reference(raw, field="Réf. Tireur", row=4, column="Réf. Tireur")
    assert clean == "" and codes(alerts) == ["LCR_REFERENCE_INVALID"] and alerts[0].is_blocking
    assert (alerts[0].row, alerts[0].column) == (4, "Réf. Tireur")


def test_invalid_reference_blocks_the_file():
    rows = (SPEC_ROWS[0].model_copy(update={"drawee_ref": "F/2026/011"}), SPEC_ROWS[1])
    plan = plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    assert plan.files == {} and plan.entries == () and "LCR_REFERENCE_INVALID" in codes(plan.alerts)


# --- value date, codes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value_date, expected_codes, written",
    [
        (CollectionOption.DISCOUNT, None, ["LCR_VALUE_DATE_MISSING"], None),
        (CollectionOption.DISCOUNT_VALUE, date(2026, 3, 1), ["LCR_VALUE_DATE_PAST"], None),
        (CollectionOption.DISCOUNT, date(2026, 3, 2), [], b"020326"),
        (CollectionOption.COLLECTION, date(2026, 3, 5), ["LCR_VALUE_DATE_IGNORED"], b"      "),
        (CollectionOption.COLLECTION_DELAY, None, [], b"      "),
    ],
)
def test_value_date_rules(option, value_date, expected_codes, written):
    params = SPEC_PARAMS.model_copy(update={"collection_option": option, "value_date": value_date})
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, params, today=TODAY, now=NOW)
    assert codes(plan.alerts) == expected_codes
    if written is None:
        assert plan.files == {}
    else:
        (data,) = plan.files.values()
        assert data[118:124] == written and data[78:79] == option.value.encode()


def test_discount_books_to_5114_and_collection_to_5113():
    collection = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    discount = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS.model_copy(update={"collection_option": CollectionOption.DISCOUNT, "value_date": TODAY}), today=TODAY, now=NOW)
    assert collection.entries[0].lines[0].ledger_account == "511300"
    assert discount.entries[0].lines[0].ledger_account == "511400"


@pytest.mark.parametrize(
    "update, code",
    [
        ({"amount": Decimal("0.00"), "invoices": ()}, "LCR_AMOUNT_INVALID"),
        ({"amount": Decimal("10000000000.00"), "invoices": ()}, "LCR_AMOUNT_INVALID"),
        ({"currency": "USD"}, "LCR_CURRENCY"),
        ({"due_date": date(2026, 2, 1)}, "LCR_DUE_BEFORE_CREATION"),
        ({"party_name": "  "}, "LCR_TEXT_EMPTY"),
        ({"amount": Decimal("100.00")}, "LCR_AMOUNT_INVALID"),  # differs from its invoices
    ],
)
def test_blocking_row_problems_point_at_the_row(update, code):
    rows = (SPEC_ROWS[0].model_copy(update=update), SPEC_ROWS[1])
    plan = plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    assert plan.files == {} and code in codes(plan.alerts)
    assert next(a for a in plan.alerts if a.code.value == code).row == 2


def test_warnings_do_not_block():
    rows = (SPEC_ROWS[0].model_copy(update={"siren": "123456789", "due_date": date(2026, 3, 1), "creation_date": date(2026, 2, 1)}), SPEC_ROWS[1])
    plan = plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    assert sorted(codes(plan.alerts)) == ["LCR_DUE_DATE_PAST", "LCR_SIREN_INVALID"]
    (data,) = plan.files.values()
    assert data.split(b"\r\n")[1][141:150] == b" " * 9  # invalid SIREN left blank


def test_no_rows_is_blocking():
    plan = plan_lcr((), SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    assert codes(plan.alerts) == ["LCR_NO_BILLS"] and plan.files == {}


# --- « Gestion des LCR » --------------------------------------------------------------------


def _allocations():
    common = {"party_name": "MARTIN ET FILS SA", "iban": "FR1420041010050500013M02606", "bank_name": "LA BANQUE POSTALE"}
    return [
        LcrAllocation(party_code="C2", party_name="BOULANGERIE", iban="FR7630004008190001234567879", invoice=inv("F12", "42.00", date(2026, 2, 16), date(2026, 3, 31)), source_row=7),
        LcrAllocation(party_code="C1", invoice=inv("F10", "100.00", date(2026, 2, 1), date(2026, 3, 15)), source_row=5, **common),
        LcrAllocation(party_code="C1", invoice=inv("F11", "12.00", date(2026, 2, 15), date(2026, 3, 31)), source_row=6, **common),
    ]


def test_management_rows_one_per_customer_with_defaults():
    rows = management_rows(_allocations(), remittance_date=TODAY)
    assert [(r.party_code, r.amount, r.creation_date, r.due_date, r.acceptance, r.drawee_ref) for r in rows] == [
        ("C1", Decimal("112.00"), date(2026, 2, 15), date(2026, 3, 31), AcceptanceCode.ACCEPTED, ""),
        ("C2", Decimal("42.00"), date(2026, 2, 16), date(2026, 3, 31), AcceptanceCode.ACCEPTED, "F12"),
    ]
    headers, values = management_sheet(rows)
    assert headers[8] == "Accept." and values[0][8] == "1 - Acceptée" and values[0][11] == "F10 F11"


def test_reading_back_the_edited_sheet():
    rows = management_rows(_allocations(), remittance_date=TODAY)
    records = [
        {"Compte": "C1", "Création": "20/02/2026", "Échéance": date(2026, 4, 30), "Accept.": "2 - Billet à ordre", "Réf. Tiré": "f10", "Réf. Tireur": "9"},
        {"Compte": "C2", "Création": "31/02/2026", "Échéance": "", "Accept.": "7", "Réf. Tiré": "", "Réf. Tireur": ""},
        {"Compte": "INCONNU"},
    ]
    edited, alerts = read_management_sheet(records, rows, row_numbers=[2, 3, 4])
    assert [(a.code.value, a.row, a.column) for a in alerts] == [
        ("LCR_DATE_INVALID", 3, "Création"),
        ("LCR_DATE_INVALID", 3, "Échéance"),
        ("LCR_ACCEPTANCE_INVALID", 3, "Accept."),
    ]
    c1 = edited[0]
    assert (c1.creation_date, c1.due_date, c1.acceptance, c1.drawee_ref, c1.drawer_ref, c1.source_row) == (date(2026, 2, 20), date(2026, 4, 30), AcceptanceCode.PROMISSORY_NOTE, "f10", "9", 2)
    assert len(edited) == 2  # unknown accounts are ignored; deleted rows are not remitted


def test_every_bill_a_promissory_note_names_the_file_bor():
    rows = tuple(r.model_copy(update={"acceptance": AcceptanceCode.PROMISSORY_NOTE}) for r in SPEC_ROWS)
    plan = plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    assert list(plan.files) == ["BOR260302093000BQ1.txt"]


# --- entries, labels, receipts, register ----------------------------------------------------


def test_grouped_entry_one_line_per_third_party_and_balanced():
    rows = management_rows(_allocations(), remittance_date=TODAY)
    plan = plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    (entry,) = plan.entries
    assert entry.is_balanced and entry.total_debit == Decimal("154.00")
    assert [(l.ledger_account, l.subledger_account, l.debit, l.credit) for l in entry.lines] == [
        ("511300", "", Decimal("154.00"), Decimal("0.00")),
        ("411000", "C1", Decimal("0.00"), Decimal("112.00")),
        ("411000", "C2", Decimal("0.00"), Decimal("42.00")),
    ]
    assert (entry.journal_code, entry.entry_date, entry.document_ref) == ("BQ1", date(2026, 3, 2), "LCR2603001")


def test_detailed_entry_one_line_per_invoice():
    rows = management_rows(_allocations(), remittance_date=TODAY)
    plan = plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS.model_copy(update={"group_entries": False}), today=TODAY, now=NOW)
    (entry,) = plan.entries
    assert entry.is_balanced
    assert [(l.subledger_account, l.credit, l.label) for l in entry.lines[1:]] == [
        ("C1", Decimal("100.00"), "F10"),
        ("C1", Decimal("12.00"), "F11"),
        ("C2", Decimal("42.00"), "F12"),
    ]


def test_label_dynamic_fields_and_31_characters():
    f = LabelFields(on=date(2026, 3, 2), document="F1", company="SARL EXEMPLE DUPONT", account="Client")
    assert render_label("{DATE} {JOUR}{MOIS}{ANNEE} {PIECE}", f) == ("02/03/2026 02032026 F1", [])
    assert render_label("{piece} {LIBELLE_COMPTE}", f) == ("F1 Client", [])
    text, alerts = render_label("{RAISON_SOCIALE} {RAISON_SOCIALE}", f)
    assert len(text) == 31 and codes(alerts) == ["LCR_LABEL_TRUNCATED"]
    assert render_label("", LabelFields(on=date(2026, 3, 2), document="F1", invoice_label="Maintenance")) == ("F1 Maintenance", [])
    assert codes(check_template("LCR {NUMERO}")) == ["LCR_LABEL_FIELD_UNKNOWN"]


def test_unknown_label_field_blocks():
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS.model_copy(update={"counterparty_label": "{FOO}"}), today=TODAY, now=NOW)
    assert plan.files == {} and codes(plan.alerts) == ["LCR_LABEL_FIELD_UNKNOWN"]


def test_receipts_dated_at_due_date_and_reconciling_with_the_entry():
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS.model_copy(update={"lettering": True}), today=TODAY, now=NOW)
    assert [(r.invoice_number, r.amount, r.receipt_date, r.is_lettered, r.source.value) for r in plan.receipts] == [
        ("F2026011", Decimal("112.00"), date(2026, 3, 31), True, "LCR"),
        ("F2026012", Decimal("42.00"), date(2026, 3, 31), True, "LCR"),
    ]
    assert sum(r.amount for r in plan.receipts) == plan.entries[0].total_debit


def test_register_record_and_readback_table_come_from_the_written_bytes():
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    rec = plan.register_record
    assert (rec.total, rec.count, rec.sha256[:8], rec.file_name) == (Decimal("154.00"), 2, "471557c3", "LCR260302093000BQ1.txt")
    assert [row[1] for row in plan.readback] == ["Émetteur", "LCR", "LCR", "Total"]
    assert plan.readback[-1][9] == Decimal("154.00")


def test_line_ending_setting_none():
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS.model_copy(update={"line_ending": "AUCUN"}), today=TODAY, now=NOW)
    (data,) = plan.files.values()
    assert len(data) == 4 * 160 and b"\r" not in data


# --- parser errors --------------------------------------------------------------------------


def _lines():
    return write_lcr(SPEC_REMITTANCE).decode("ascii").split("\r\n")


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda l: l[:1] + [l[1][:159]] + l[2:], "LCR_RECORD_LENGTH"),
        (lambda l: [l[1]] + l[1:], "LCR_RECORD_CODE"),
        (lambda l: l[:1] + [l[1][:4] + "00000009" + l[1][12:]] + l[2:], "LCR_RECORD_NUMBER"),
        (lambda l: l[:3] + [l[3][:102] + "000000015401" + l[3][114:]], "LCR_TOTAL_MISMATCH"),
        (lambda l: l[:1] + [l[1][:118] + "310226"[:0] + "320326" + l[1][124:]] + l[2:], "LCR_RECORD_FIELD"),
        (lambda l: l[:1] + [l[1][:12] + "X" + l[1][13:]] + l[2:], "LCR_RECORD_FIELD"),  # reserved zone not blank
        (lambda l: [l[0]], "LCR_RECORD_CODE"),
    ],
)
def test_parser_refuses_malformed_files(mutate, code):
    data = "\r\n".join(mutate(_lines())).encode("ascii")
    remittance, alerts = parse_lcr(data)
    assert remittance is None and code in codes(alerts) and has_blocking(alerts)


def test_parser_reads_lf_and_trailing_newline_too():
    data = "\n".join(_lines()).encode("ascii") + b"\n"
    assert parse_lcr(data) == (SPEC_REMITTANCE, [])


def test_parser_refuses_non_ascii():
    remittance, alerts = parse_lcr("é".encode("utf-8") + b" " * 158)
    assert remittance is None and codes(alerts) == ["LCR_FILE_ENCODING"]


def test_readback_rows_of_a_broken_file_report_alerts():
    rows, alerts = readback_rows(b"0360")
    assert codes(alerts) == ["LCR_RECORD_LENGTH"]
    parsed, alerts = parse_records(b"")
    assert parsed == [] and alerts
