"""CFONB 160 LCR writer: the spec's example byte for byte, its 11 checkable statements on
every file we produce, golden files, padding / rejection rules and the parser round trip.

Statements are numbered as in ``shared/specs/cfonb-lcr.md`` « Checkable statements ».
Regenerate golden files with ``REGLO_UPDATE_GOLDEN=1``.
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reglo.core.lcr.plan import plan_lcr
from reglo.core.writers.cfonb160 import (
    DETAIL,
    HEADER,
    LAYOUTS,
    TOTAL,
    AcceptanceCode,
    CollectionOption,
    Kind,
    LcrBill,
    LcrRemittance,
    RibAccount,
    clean_text,
    render,
    transliterate,
    write_lcr,
)
from reglo.core.writers.cfonb160_parse import parse_lcr, split_records
from tests.core.lcr_fixtures import GOLDEN_CASES, NOW, SPEC_DRAWER, SPEC_EXAMPLE_SHA256, SPEC_PARAMS, SPEC_ROWS, TODAY

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "cfonb160"
# The spec's example file, copied byte for byte (its sha256 is the one the spec gives); the
# original is compared too when ``shared/`` is beside the repository (or its worktree).
SPEC_EXAMPLE = GOLDEN / "spec_lcr_remise_example.txt"
SHARED_EXAMPLES = [base / "shared" / "specs" / "examples" / "lcr_remise_example.txt" for base in (ROOT.parent, ROOT.parent.parent)]

# The spec's example, built field by field from the spec's « Inputs that produce it ».
SPEC_REMITTANCE = LcrRemittance(
    remittance_date=date(2026, 3, 2),
    remittance_ref="LCR2603001",
    drawer_name="SARL EXEMPLE DUPONT",
    drawer_bank_name="CREDIT LYONNAIS",
    drawer_account=RibAccount(bank_code="30002", branch_code="00550", account_code="0000157841Z"),
    drawer_siren="123456782",
    collection_option=CollectionOption.COLLECTION,
    bills=(
        LcrBill(
            drawee_ref="00F2026011", drawee_name="MARTIN ET FILS SA", drawee_bank_name="LA BANQUE POSTALE",
            acceptance_code=AcceptanceCode.NOT_ACCEPTED, drawee_account=RibAccount(bank_code="20041", branch_code="01005", account_code="0500013M026"),
            amount_cents=11200, due_date=date(2026, 3, 31), creation_date=date(2026, 2, 15), drawee_siren="987654324", drawer_ref="0000000451",
        ),
        LcrBill(
            drawee_ref="00F2026012", drawee_name="BOULANGERIE L OLIVIER", acceptance_code=AcceptanceCode.NOT_ACCEPTED,
            drawee_account=RibAccount(bank_code="30004", branch_code="00819", account_code="00012345678"),
            amount_cents=4200, due_date=date(2026, 3, 31), creation_date=date(2026, 2, 16), drawer_ref="0000000452",
        ),
    ),
)
SPEC_IBANS = {"header": "FR3330002005500000157841Z25", 1: "FR1420041010050500013M02606", 2: "FR7630004008190001234567879"}


def _plan(case: str):
    rows, drawer, params = GOLDEN_CASES[case]
    return plan_lcr(rows, drawer, params, today=TODAY, now=NOW)


def _golden_bytes(case: str) -> bytes:
    plan = _plan(case)
    assert not plan.is_blocked, [str(a) for a in plan.alerts]
    (data,) = plan.files.values()
    return data


def _all_files() -> dict[str, bytes]:
    files = {"spec_example": SPEC_EXAMPLE.read_bytes()}
    files.update({case: _golden_bytes(case) for case in GOLDEN_CASES})
    return files


FILES = _all_files()
ALL = pytest.mark.parametrize("name", sorted(FILES))


def _records(name: str) -> list[str]:
    records, alerts = split_records(FILES[name])
    assert not alerts
    return records


# --- the spec's example, byte for byte ---------------------------------------------------


def test_spec_example_sha256_is_the_one_given_by_the_spec():
    assert hashlib.sha256(SPEC_EXAMPLE.read_bytes()).hexdigest() == SPEC_EXAMPLE_SHA256
    for original in SHARED_EXAMPLES:
        if original.exists():
            assert original.read_bytes() == SPEC_EXAMPLE.read_bytes()


def test_writer_reproduces_the_spec_example_byte_for_byte():
    data = write_lcr(SPEC_REMITTANCE)
    assert hashlib.sha256(data).hexdigest() == SPEC_EXAMPLE_SHA256
    assert data == SPEC_EXAMPLE.read_bytes()


def test_plan_from_the_management_sheet_rows_reproduces_the_spec_example():
    """Through the whole plan: IBAN → RIB, « F2026011 » and « 451 » zero-padded, cents, dates."""
    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    assert plan.alerts == ()
    (data,) = plan.files.values()
    assert hashlib.sha256(data).hexdigest() == SPEC_EXAMPLE_SHA256
    assert plan.remittance == SPEC_REMITTANCE


def test_spec_example_has_crlf_between_records_and_none_after_the_last():
    data = SPEC_EXAMPLE.read_bytes()
    assert data.count(b"\r\n") == 3 and not data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")


# --- the 11 checkable statements, on every file -------------------------------------------


@ALL
def test_statement_01_every_record_is_160_characters_and_there_are_n_plus_2(name):
    records = _records(name)
    assert all(len(r) == 160 for r in records)
    parsed, alerts = parse_lcr(FILES[name])
    assert not alerts
    assert len(records) == len(parsed.bills) + 2


@ALL
def test_statement_02_record_codes_0360_then_0660_then_0860(name):
    records = _records(name)
    assert [r[0:4] for r in records] == ["0360"] + ["0660"] * (len(records) - 2) + ["0860"]


@ALL
def test_statement_03_record_numbers_run_without_gaps(name):
    records = _records(name)
    assert [r[4:12] for r in records] == [f"{i:08d}" for i in range(1, len(records) + 1)]


@ALL
def test_statement_04_total_equals_sum_of_details(name):
    records = _records(name)
    assert int(records[-1][102:114]) == sum(int(d[102:114]) for d in records[1:-1])


@ALL
def test_statement_05_only_the_cfonb_character_set(name):
    assert all(re.fullmatch(r"[A-Z0-9 *().,/+\-:]{160}", r) for r in _records(name))


@ALL
def test_statement_06_header_codes(name):
    header = _records(name)[0]
    assert header[78] in "1234"
    assert header[79] in " 0123"
    assert header[80] == "E"


def _is_jjmmaa(text: str) -> bool:
    try:
        datetime.strptime(text, "%d%m%y")
    except ValueError:
        return False
    return True


@ALL
def test_statement_07_value_date_only_for_discount(name):
    header = _records(name)[0]
    if header[78] in "12":
        assert _is_jjmmaa(header[118:124])
    else:
        assert header[118:124] == " " * 6


@ALL
def test_statement_08_detail_acceptance_code_and_reserved(name):
    for d in _records(name)[1:-1]:
        assert d[78] in "012"
        assert d[79:81] == "  "


def _ibans(name: str) -> dict:
    if name == "spec_example":
        return SPEC_IBANS
    rows, drawer, _params = GOLDEN_CASES[name]
    return {"header": drawer.iban, **{i: r.iban for i, r in enumerate(rows, 1)}}


@ALL
def test_statement_09_bank_details_are_the_iban_bban_without_key(name):
    records, ibans = _records(name), _ibans(name)
    assert records[0][81:102] == ibans["header"][4:25]
    for i, d in enumerate(records[1:-1], 1):
        assert d[81:102] == ibans[i][4:25]


@ALL
def test_statement_10_due_and_creation_dates_are_jjmmaa(name):
    for d in _records(name)[1:-1]:
        assert _is_jjmmaa(d[118:124]) and _is_jjmmaa(d[124:130])


@ALL
def test_statement_11_reserved_zones_are_spaces(name):
    records = _records(name)
    header, details, total = records[0], records[1:-1], records[-1]
    assert header[102:118].strip() == "" and header[124:134].strip() == ""
    for d in details:
        assert d[12:20].strip() == "" and d[114:118].strip() == "" and d[130:141].strip() == ""
    assert total[12:102].strip() == "" and total[114:160].strip() == ""


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_file(case):
    data = _golden_bytes(case)
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("REGLO_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"missing golden file {path} (REGLO_UPDATE_GOLDEN=1 to create it)"
    assert data == path.read_bytes(), f"golden file differs: {path} (REGLO_UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_file_reads_back_to_the_same_data(case):
    plan = _plan(case)
    parsed, alerts = parse_lcr((GOLDEN / f"{case}.txt").read_bytes())
    assert alerts == [] and parsed == plan.remittance


def test_golden_several_drawees_has_accepted_not_accepted_and_promissory_note():
    codes = [d[78] for d in _records("several_drawees")[1:-1]]
    assert codes == ["1", "0", "2"]
    header = _records("several_drawees")[0]
    assert (header[78], header[79], header[18:24], header[118:124]) == ("1", "1", "CONV1 ", "050326")


def test_golden_no_line_break_is_records_end_to_end():
    data = FILES["no_line_break"]
    assert b"\r" not in data and b"\n" not in data and len(data) == 3 * 160


def test_golden_long_names_are_transliterated_and_cut_with_alerts_never_silently():
    plan = _plan("long_names_accents")
    codes = [(a.code.value, a.row, a.column) for a in plan.alerts]
    assert ("LCR_TEXT_TRUNCATED", 2, "Nom") in codes and ("LCR_TEXT_TRANSLITERATED", 3, "Nom") in codes
    assert ("LCR_TEXT_TRUNCATED", None, None) in codes  # the drawer's name, on the parameters
    detail = _records("long_names_accents")[1]
    assert detail[30:54] == "SOCIETE GENERALE D-EQUIP"
    assert detail[20:30] == "00F2026301"  # lower-case reference upper-cased, zero padded
    # Every shortened value has its own warning: as many cuts as TRUNCATED alerts.
    truncated = [a for a in plan.alerts if a.code.value == "LCR_TEXT_TRUNCATED"]
    assert len(truncated) == 5  # drawer name and bank, two drawee names, one drawee bank


# --- layouts, padding and rejection -------------------------------------------------------


# Positions restated from the spec's tables (1-based start, length) for a line-by-line check.
SPEC_ZONES = {
    "03": [("A", 1, 2), ("B1", 3, 2), ("B2", 5, 8), ("B3", 13, 6), ("C1", 19, 6), ("C2", 25, 6), ("C3", 31, 24), ("D1", 55, 24), ("D2-1", 79, 1), ("D2-2", 80, 1), ("D2-3", 81, 1), ("D3", 82, 5), ("D4", 87, 5), ("D5", 92, 11), ("E", 103, 16), ("F1", 119, 6), ("F2", 125, 10), ("F3", 135, 15), ("G1", 150, 11)],
    "06": [("A", 1, 2), ("B1", 3, 2), ("B2", 5, 8), ("B3", 13, 8), ("C1", 21, 10), ("C2", 31, 24), ("D1", 55, 24), ("D2-1", 79, 1), ("D2-2", 80, 2), ("D3", 82, 5), ("D4", 87, 5), ("D5", 92, 11), ("E1", 103, 12), ("E2", 115, 4), ("F1", 119, 6), ("F2", 125, 6), ("F3", 131, 11), ("F4", 142, 9), ("G1", 151, 10)],
    "08": [("A", 1, 2), ("B1", 3, 2), ("B2", 5, 8), ("B3-D5", 13, 90), ("E1", 103, 12), ("E2-G1", 115, 46)],
}


@pytest.mark.parametrize("code", sorted(LAYOUTS))
def test_layout_zones_match_the_spec_tables_and_cover_160_characters(code):
    layout = LAYOUTS[code]
    assert [(z.zone, z.start, z.length) for z in layout.zones] == SPEC_ZONES[code]
    assert sum(z.length for z in layout.zones) == 160


def test_numeric_zones_are_zero_padded_on_the_left_and_text_zones_space_padded_on_the_right():
    line = render(TOTAL, {"record_number": 7, "total_cents": 5})
    assert line[4:12] == "00000007" and line[102:114] == "000000000005"
    bill = render(DETAIL, {"record_number": 2, "drawee_name": "AB", "drawee_bank_code": "1", "amount_cents": 1, "due_date": date(2026, 1, 2), "creation_date": date(2026, 1, 1), "acceptance_code": "1", "drawee_branch_code": "2", "drawee_account_code": "X"})
    assert bill[30:54] == "AB" + " " * 22
    assert bill[81:86] == "00001" and bill[91:102] == "X" + " " * 10
    assert bill[118:130] == "020126010126"


@pytest.mark.parametrize(
    "layout, values, why",
    [
        (TOTAL, {"record_number": 1, "total_cents": 10**12}, "amount over 12 digits"),
        (TOTAL, {"record_number": -1, "total_cents": 1}, "negative number"),
        (HEADER, {"drawer_name": "x" * 3}, "lower case"),
        (HEADER, {"drawer_name": "A" * 25}, "too long: never cut silently"),
        (HEADER, {"drawer_name": "CAFÉ"}, "accent"),
        (DETAIL, {"due_date": "310326"}, "a date zone takes a date"),
    ],
)
def test_renderer_rejects_values_that_do_not_fit_their_zone(layout, values, why):
    base = {"record_number": 1, "total_cents": 1}
    with pytest.raises(ValueError):
        render(layout, {**base, **values})


@pytest.mark.parametrize(
    "cents",
    [0, -1, 10**12],
)
def test_model_rejects_amounts_outside_1_cent_to_9_999_999_999_99(cents):
    with pytest.raises(ValueError):
        SPEC_REMITTANCE.bills[0].model_validate({**SPEC_REMITTANCE.bills[0].model_dump(), "amount_cents": cents})


def test_value_date_is_required_for_discount_and_forbidden_otherwise():
    data = SPEC_REMITTANCE.model_dump()
    with pytest.raises(ValueError):
        LcrRemittance.model_validate({**data, "collection_option": "1"})
    with pytest.raises(ValueError):
        LcrRemittance.model_validate({**data, "value_date": date(2026, 3, 5)})
    ok = LcrRemittance.model_validate({**data, "collection_option": "2", "value_date": date(2026, 3, 5)})
    assert write_lcr(ok)[118:124] == b"050326"


@pytest.mark.parametrize("kind", [Kind.RESERVED])
def test_reserved_zones_are_written_as_spaces_whatever_the_values(kind):
    line = render(HEADER, {"record_number": 1, "issuer_number": 0, "drawer_name": "A", "drawer_bank_code": "1", "drawer_branch_code": "1", "drawer_account_code": "1", "collection_option": "3", "": "XXXX"})
    for z in HEADER.zones:
        if z.kind is kind:
            assert line[z.slice] == " " * z.length


# --- text cleaning --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('42:üûéèàÉÈ?@"^', "42:UUEEAEE----"),  # OCA _prepare_lcr_field test map
        ("({non %*€})", "(-NON -*EUR-)"),
        ("_Niña$;,[]", "-NINA--,--"),
        ("ça va /pas!.\\|", "CA VA /PAS-.--"),
        ("narrow white space:\u2009.", "NARROW WHITE SPACE: ."),
        ("Boulangerie l'Olivier", "BOULANGERIE L-OLIVIER"),
        ("Œuvre Straße", "OEUVRE STRASSE"),
    ],
)
def test_transliteration_to_the_cfonb_set(raw, expected):
    assert transliterate(raw) == expected


def test_upper_casing_alone_is_not_reported_but_any_other_change_is():
    assert clean_text("martin et fils", max_length=24) == ("MARTIN ET FILS", [])
    clean, alerts = clean_text("Martin & Fils", max_length=24, field="Nom")
    assert clean == "MARTIN - FILS" and [a.code.value for a in alerts] == ["LCR_TEXT_TRANSLITERATED"]
    assert alerts[0].severity.value == "AVERTISSEMENT"


def test_dropping_accents_is_routine_information():
    clean, alerts = clean_text("Société Générale — 5 €", max_length=24, field="Nom")
    assert clean == "SOCIETE GENERALE - 5 EUR" and [a.code.value for a in alerts] == ["LCR_TEXT_TRANSLITERATED"]
    clean, alerts = clean_text("Crédit Agricole Île", max_length=24, field="Nom")
    assert clean == "CREDIT AGRICOLE ILE" and [(a.code.value, a.severity.value) for a in alerts] == [("LCR_TEXT_ACCENTS", "INFORMATION")]


def test_required_text_left_empty_is_blocking():
    _clean, alerts = clean_text("   ", max_length=24, field="Nom", required=True)
    assert [(a.code.value, a.is_blocking) for a in alerts] == [("LCR_TEXT_EMPTY", True)]


@given(st.text(max_size=80))
def test_clean_text_always_fits_its_zone_and_renders_160_characters(text):
    clean, alerts = clean_text(text, max_length=24, field="Nom")
    assert len(clean) <= 24
    line = render(DETAIL, {"record_number": 2, "drawee_name": clean, "drawee_bank_code": "1", "drawee_branch_code": "1", "drawee_account_code": "1", "amount_cents": 1, "due_date": date(2026, 1, 1), "creation_date": date(2026, 1, 1), "acceptance_code": "0"})
    assert len(line) == 160
    if clean != " ".join(text.split()).upper():
        assert alerts  # nothing changed silently
