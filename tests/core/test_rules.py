"""Dossier rules (``reglo.core.rules``): each with a triggering and a non-triggering case;
sepa.md rule ids in the names where one applies."""
from __future__ import annotations

from datetime import date

import pytest

from reglo.core.models import PostalAddress, SequenceType
from reglo.core.rules.address import check_address, sepa_address
from reglo.core.rules.bank import check_account, check_company_bank, check_party_bank
from reglo.core.rules.ics import check_ics
from reglo.core.rules.mandates import MandateUse, add_months, check_mandate, check_mandate_ids, choose_mandate
from tests.core.debit_fixtures import BANK_IBAN, IBAN_C001, company, customer, mandate


def codes(alerts) -> list[str]:
    return [a.code.value for a in alerts]


# --- bank details ----------------------------------------------------------

@pytest.mark.parametrize("iban, bic, expected", [
    (BANK_IBAN, None, []),
    ("FR76 3000 6000 0112 3456 7890 189", "AGRIFRPPXXX", []),
    ("", None, ["RULE_IBAN_MISSING"]),
    ("FR7630006000011234567890188", None, ["RULE_IBAN_INVALID"]),  # mod 97
    ("FR5430006000011234567890100", None, ["RULE_RIB_KEY"]),  # S-B2: mod 97 right, RIB key wrong
    ("US12345678901234567890", None, ["RULE_IBAN_INVALID"]),
    (BANK_IBAN, "AGRIFRPP1", ["RULE_BIC_INVALID"]),
    ("CH9300762011623852957", None, ["RULE_BIC_REQUIRED"]),  # S-B4: non-EEA SEPA country
    ("CH9300762011623852957", "UBSWCHZH80A", []),
])
def test_S_B1_S_B2_S_B3_S_B4_account(iban, bic, expected):
    assert codes(check_account(iban, bic, who="Client C1")[2]) == expected


def test_party_bank_missing_and_present():
    assert codes(check_party_bank(customer("C1", "A", None))) == ["RULE_IBAN_MISSING"]
    assert check_party_bank(customer("C1", "A", IBAN_C001)) == []


def test_company_bank_incomplete_and_ics():
    bank = company().bank_accounts[0]
    assert check_company_bank(bank, for_debits=True) == []
    assert codes(check_company_bank(bank.model_copy(update={"ledger_account": ""}), for_debits=True)) == ["RULE_BANK_INCOMPLETE"]
    assert codes(check_company_bank(company(ics=None).bank_accounts[0], for_debits=True)) == ["RULE_ICS_MISSING"]
    assert check_company_bank(company(ics=None).bank_accounts[0], for_debits=False) == []


# --- ICS -------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("FR72ZZZ123456", []), ("FR 72 ZZZ 123456", []), ("fr72zzz123456", []),
    ("FR00ZZZ123456", ["RULE_ICS_INVALID"]), ("", ["RULE_ICS_MISSING"]), (None, ["RULE_ICS_MISSING"]),
])
def test_S_I3_ics_checked_with_stdnum(value, expected):
    assert codes(check_ics(value, journal="BQ1")) == expected


def test_S_I2_business_code_is_skipped_by_the_check_digits():
    assert check_ics("FR72ABC123456", journal="BQ1") == []


def test_S_I1_french_national_part_is_six_characters():
    assert codes(check_ics("FR72ZZZ12345", journal="BQ1")) == ["RULE_ICS_INVALID"]
    assert codes(check_ics("FR72ZZZ1234567", journal="BQ1")) == ["RULE_ICS_INVALID"]


# --- mandates --------------------------------------------------------------

DAY = date(2023, 8, 28)


def test_S_M4_mandate_missing_or_signed_later():
    p = customer("C1", "A", IBAN_C001)
    assert codes(check_mandate(p, None, collection_date=DAY)) == ["RULE_MANDATE_MISSING"]
    assert codes(check_mandate(p, mandate("R1", "2023-09-01"), collection_date=DAY)) == ["RULE_MANDATE_SIGNED_LATER"]
    assert check_mandate(p, mandate("R1", "2023-08-28"), collection_date=DAY) == []


@pytest.mark.parametrize("rum", ["/R1", "R1/", "R//1", "R 1", "X" * 36, "RÉ1"])
def test_S_C4_S_L4_mandate_id_invalid(rum):
    assert codes(check_mandate(customer("C1", "A", IBAN_C001), mandate(rum), collection_date=DAY)) == ["RULE_MANDATE_ID_INVALID"]


def test_S_M6_mandate_unused_for_36_months_is_expired():
    p = customer("C1", "A", IBAN_C001)
    never_used = mandate("R1", "2020-08-27")
    assert codes(check_mandate(p, never_used, collection_date=DAY)) == ["RULE_MANDATE_EXPIRED"]
    assert check_mandate(p, mandate("R1", "2020-08-28"), collection_date=DAY) == []  # exactly 36 months: still valid
    used = [MandateUse(rum="R1", collected_on=date(2020, 9, 1))]
    assert check_mandate(p, never_used, collection_date=DAY, history=used) == []  # last use 35 months ago
    old = [MandateUse(rum="R1", collected_on=date(2020, 8, 1))]
    assert codes(check_mandate(p, never_used, collection_date=DAY, history=old)) == ["RULE_MANDATE_EXPIRED"]
    # declared already used before Reglo: last use unknown, never declared expired
    assert check_mandate(p, mandate("R1", "2015-01-01", seq=SequenceType.RECURRING), collection_date=DAY) == []


def test_mandate_revoked_one_off_used_and_final():
    p = customer("C1", "A", IBAN_C001)
    revoked = mandate("R1").model_copy(update={"revoked_on": date(2023, 5, 1)})
    assert codes(check_mandate(p, revoked, collection_date=DAY)) == ["RULE_MANDATE_REVOKED"]
    use = [MandateUse(rum="R1", collected_on=date(2023, 5, 2), sequence_type="OOFF")]
    assert codes(check_mandate(p, mandate("R1", seq=SequenceType.ONE_OFF), collection_date=DAY, history=use)) == ["RULE_MANDATE_ONE_OFF_USED"]
    assert check_mandate(p, mandate("R1", seq=SequenceType.ONE_OFF), collection_date=DAY) == []
    final = [MandateUse(rum="R1", collected_on=date(2023, 5, 2), sequence_type="FNAL")]
    assert codes(check_mandate(p, mandate("R1"), collection_date=DAY, history=final)) == ["RULE_MANDATE_ENDED"]


def test_S_M7_rum_unique_case_insensitive():
    a = customer("C1", "A", IBAN_C001, mandates=[mandate("RUM-1")])
    b = customer("C2", "B", IBAN_C001, mandates=[mandate("rum-1")])
    c = customer("C3", "C", IBAN_C001, mandates=[mandate("RUM-3")])
    assert codes(check_mandate_ids([a, b, c])) == ["RULE_MANDATE_DUPLICATE"]
    assert check_mandate_ids([a, c]) == []


def test_choose_mandate_prefers_the_account_and_the_latest():
    p = customer("C1", "A", IBAN_C001, mandates=[mandate("OLD", "2020-01-01"), mandate("NEW", "2023-01-01"), mandate("ACC", "2019-01-01", iban=IBAN_C001)])
    assert choose_mandate(p, IBAN_C001).mandate_id == "ACC"
    assert choose_mandate(p, "FR0000").mandate_id == "NEW"
    assert choose_mandate(customer("C2", "B", IBAN_C001)) is None


def test_add_months_end_of_month():
    assert add_months(date(2020, 2, 29), 36) == date(2023, 2, 28)
    assert add_months(date(2020, 8, 28), 36) == date(2023, 8, 28)


# --- addresses ---------------------------------------------------------------

def test_S_P2_free_line_only_address_rejected_structured_accepted():
    free = PostalAddress(street="12 rue X 69002 Lyon", postcode="", town="", country="FR")
    assert codes(check_address(free, who="Client C1")) == ["RULE_ADDRESS_UNSTRUCTURED"]
    assert sepa_address(free) is None  # not sent
    good = PostalAddress(street="12 rue X", postcode="69002", town="Lyon", country="FR")
    assert check_address(good, who="Client C1") == []
    assert sepa_address(good).town == "Lyon"


def test_S_P1_address_required_outside_the_eea():
    assert codes(check_address(None, who="Client C1", bank_country="CH")) == ["RULE_ADDRESS_REQUIRED"]
    assert codes(check_address(PostalAddress(street="Bahnhofstrasse 1", town="", country="CH"), who="C", bank_country="CH")) == ["RULE_ADDRESS_REQUIRED"]
    assert check_address(PostalAddress(street="Bahnhofstrasse 1", postcode="8001", town="Zurich", country="CH"), who="C", bank_country="CH") == []
    assert check_address(None, who="Client C1", bank_country="FR") == []  # optional inside the EEA


def test_S_P2_per_bank_form_structured_hybrid_none():
    a = PostalAddress(street="Zone artisanale, batiment B", postcode="44000", town="Nantes", country="FR")
    structured, hybrid = sepa_address(a, "structured"), sepa_address(a, "hybrid")
    assert structured.street == "Zone artisanale, batiment B" and structured.lines == ()
    assert hybrid.street == "" and hybrid.lines == ("Zone artisanale, batiment B",) and hybrid.town == "Nantes"
    assert sepa_address(a, "none") is None
    assert check_address(a, who="C", form="none") == []
    assert codes(check_address(a, who="C", form="none", bank_country="GB")) == ["RULE_ADDRESS_REQUIRED"]


def test_address_too_long_warns():
    long_town = PostalAddress(street="1 rue", postcode="69002", town="X" * 36, country="FR")
    assert codes(check_address(long_town, who="C")) == ["RULE_ADDRESS_TOO_LONG"]
