"""EPC character set, lengths, identifiers, remittance packing, RF references (S-C, S-L)."""
import re

import pytest

from reglo.core.writers.sepa_text import (
    SEPA_RE,
    check_identifier,
    clean_text,
    creditor_reference,
    pack_remittance,
    transliterate,
)


def codes(alerts):
    return {a.code.value for a in alerts}


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Société Générale", "Societe Generale"),
        ("ÉCOLE Ça Où", "ECOLE Ca Ou"),
        ("Œuvres & Cœur", "OEuvres + Coeur"),
        ("Straße", "Strasse"),
        ("Ægir æ", "AEgir ae"),
        ("l’atelier «bois»", "l'atelier 'bois'"),
        ("n° 42", "n. 42"),
        ("100 €", "100 EUR"),
        ("a_b*c%d#e@f;g!h=i<j>k[l]m{n}o\\p|q~r^s$t", "a-b c d e f g h i j k l m n o p q r s t"),
        ("tab\there\nnew  line  ", "tab here new line"),
        ("Łódź Ørsted", "Lodz Orsted"),
        ("日本", ""),
    ],
)
def test_S_C2_transliteration(raw, clean):
    assert transliterate(raw) == clean
    assert SEPA_RE.fullmatch(transliterate(raw))


def test_S_C3_unidecode_traps_are_handled():
    for ch in "&%*_;!=<>@#":
        assert re.fullmatch(r"[A-Za-z0-9/\-?:().,'+ ]*", transliterate(f"a{ch}b"))
    assert transliterate("n° 42") != "ndeg 42"


def test_clean_text_warns_for_every_change_and_truncates_after_transliteration():
    assert clean_text("Dupont SA", field="Nom", max_length=70) == ("Dupont SA", [])
    text, alerts = clean_text("Crème brûlée", field="Nom", max_length=70)
    assert text == "Creme brulee" and codes(alerts) == {"TEXT_TRANSLITERATED"}
    # S-C6: ß → ss lengthens the text; the cut happens after transliteration
    text, alerts = clean_text("ß" * 40, field="Nom", max_length=70)
    assert text == "s" * 70 and codes(alerts) == {"TEXT_TRANSLITERATED", "TEXT_TRUNCATED"}
    _, alerts = clean_text("日本", field="Nom", max_length=70, required=True)
    assert "TEXT_EMPTY" in codes(alerts)
    assert "TEXT_EMPTY" not in codes(clean_text("A", field="Nom", max_length=70, required=True)[1])


@pytest.mark.parametrize("value", ["/ABC", "ABC/", "A//B", "X" * 36, "A B", "É1", ""])
def test_S_C4_S_L10_bad_identifiers_are_refused_not_truncated(value):
    assert codes(check_identifier(value, field="EndToEndId")) == {"SEPA_ID_INVALID"}


def test_S_C4_good_identifier():
    assert check_identifier("VIR20230331100000-0001", field="EndToEndId") == []
    assert check_identifier("X" * 35, field="EndToEndId") == []


def test_S_L5_remittance_packing_is_deterministic_and_within_140():
    refs = [f"FA-2023-{i:04d}" for i in range(30)]
    a, alerts = pack_remittance(refs, prefix="FACT")
    b, _ = pack_remittance(list(reversed(refs)), prefix="FACT")
    assert a == b and len(a) <= 140 and SEPA_RE.fullmatch(a)
    assert codes(alerts) == {"REMITTANCE_TRUNCATED"}
    kept = a.split()[1:-1]
    assert a.endswith(f"+{30 - len(kept)}") and kept == sorted(refs)[: len(kept)]
    short, alerts = pack_remittance(["F2", "F1", "F1", ""], prefix="FACT")
    assert short == "FACT F1 F2" and alerts == []


def test_S_L9_creditor_reference():
    assert creditor_reference(["RF18 5390 0754 7034"]) == ("RF18539007547034", [])
    assert creditor_reference(["RF18539007547034", "RF18539007547034"])[0] == "RF18539007547034"
    ref, alerts = creditor_reference(["RF19539007547034"])
    assert ref is None and codes(alerts) == {"CREDITOR_REFERENCE_INVALID"}
    assert creditor_reference(["FA-2023-031"]) == (None, [])
    assert creditor_reference(["RF18539007547034", "FA1"]) == (None, [])
