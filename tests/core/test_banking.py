import pytest

from reglo.core.banking import check_bic, check_creditor_id, check_iban, check_siren, rib_key


def codes(alerts):
    return {a.code.value for a in alerts}


def test_rib_key_spec_example():
    # cfonb-lcr.md: bank 30006, guichet 00001, account 12345678901 -> 89
    assert rib_key("30006", "00001", "12345678901") == "89"


def test_rib_key_letters_in_account():
    # letters map to digits (A,J->1 ... I,R,Z->9): "0000A000000" == "00001000000"
    assert rib_key("20041", "01005", "0000A000000") == rib_key("20041", "01005", "00001000000")


@pytest.mark.parametrize("iban", ["FR76 3000 6000 0112 3456 7890 189", "fr7630006000011234567890189", "DE89370400440532013000"])
def test_valid_ibans(iban):
    parsed, alerts = check_iban(iban)
    assert parsed is not None and alerts == []


def test_iban_checksum_error():
    parsed, alerts = check_iban("FR7630006000011234567890188")
    assert parsed is None and codes(alerts) == {"IBAN_INVALID"}


def test_iban_with_wrong_rib_key_but_valid_mod97():
    # Build an IBAN whose RIB key is wrong (88 instead of 89) and recompute mod-97 digits.
    bban = "30006000011234567890188"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    check = 98 - int(digits) % 97
    parsed, alerts = check_iban(f"FR{check:02d}{bban}")
    assert parsed is None and codes(alerts) == {"RIB_KEY"}


def test_missing_iban():
    assert codes(check_iban("")[1]) == {"IBAN_MISSING"}


def test_non_sepa_iban():
    # Brazil is not in the SEPA zone
    parsed, alerts = check_iban("BR1800360305000010009795493C1")
    assert "IBAN_NOT_SEPA" in codes(alerts)


def test_bic_matches_iban():
    iban, _ = check_iban("FR7630006000011234567890189")
    assert check_bic("AGRIFRPP", iban)[1] == []
    assert codes(check_bic("DEUTDEFF", iban)[1]) == {"BIC_IBAN_MISMATCH"}
    assert codes(check_bic("XX", iban)[1]) == {"BIC_INVALID"}


def test_creditor_id_and_siren():
    assert check_creditor_id("FR72ZZZ123456") == []
    assert codes(check_creditor_id("FR00ZZZ123456")) == {"CREDITOR_ID_INVALID"}
    assert check_siren("552100554") == []  # SIREN example used by stdnum docs
    assert codes(check_siren("552100555")) == {"SIREN_INVALID"}
