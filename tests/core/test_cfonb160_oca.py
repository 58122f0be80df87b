"""Our CFONB 160 positions against an independent reading: OCA's ``account_banking_fr_lcr``.

Facts extracted by reading (not copied) OCA/l10n-france, pull request #560 head
``1e12045e19856a7b72bc9e35795509bf78269198`` (2024-10-04, Akretion,
« account_banking_fr_lcr: add hook to modify line separator »):
- ``models/account_payment_order.py`` ``_prepare_first_cfonb_line``: the header is the
  concatenation of pieces of these widths, in this order;
- ``models/account_payment.py`` ``_prepare_cfonb_line``: same for each detail record;
- ``_prepare_final_cfonb_line``: total record widths;
- ``tests/test_fr_lcr.py``: the byte positions its assertions read (header ``[78]`` code
  entrée, ``[79]`` code Dailly, ``[18:24]`` convention type ``"CONV1 "``, ``[118:124]``
  value date ``%d%m%y``; detail ``[78]`` acceptance code), its ``_fr_iban2rib`` expectation
  for ``FR89 1111 9999 8888 5555 9999 987`` and its ``_prepare_lcr_field`` reference cases.
The older OCA/bank-payment 7.0 wizard (``wizard/export_lcr.py``, commit ``aaf3c86b``) has
the same widths with the later zones blank (header ``16 + 6 + 10 + 15`` spaces, detail
``4 + 1 + 3 + 3 + 9`` spaces before the drawer reference).
Restated here as data: (OCA's piece name, width).
"""
from __future__ import annotations

from datetime import date

import pytest
from stdnum import iban as stdnum_iban

from reglo.core.lcr.rib import rib_from_iban
from reglo.core.writers.cfonb160 import DETAIL, HEADER, TOTAL, LcrRemittance, clean_reference, write_lcr
from tests.core.test_cfonb160 import SPEC_REMITTANCE

OCA_HEADER = [
    ("code_enregistrement", 2), ("code_operation", 2), ("numero_enregistrement", 8), ("numero_emetteur", 6),
    ("type_convention", 6), ("date_remise", 6), ("raison_sociale_cedant", 24), ("domiciliation_bancaire_cedant", 24),
    ("code_entree", 1), ("code_dailly", 1), ("code_monnaie", 1), ("rib bank", 5), ("rib branch", 5), ("rib account", 11),
    ("blank", 16), ("date_de_valeur", 6), ("blank", 10), ("siren_cedant", 15), ("ref_remise", 11),
]
OCA_DETAIL = [
    ("code_enregistrement", 2), ("code_operation", 2), ("numero_enregistrement", 8), ("blank", 6 + 2),
    ("reference_tire", 10), ("nom_tire", 24), ("nom_banque", 24), ("code_acceptation", 1), ("blank", 2),
    ("rib bank", 5), ("rib branch", 5), ("rib account", 11), ("zero_montant_centimes", 12), ("blank", 4),
    ("date_echeance", 6), ("date_creation", 6), ("blank", 4 + 1 + 3 + 3), ("siren_tire", 9), ("reference_tireur", 10),
]
OCA_TOTAL = [
    ("code_enregistrement", 2), ("code_operation", 2), ("numero_enregistrement", 8),
    ("blank", 6 + 12 + 24 + 24 + 1 + 2 + 5 + 5 + 11), ("zero_montant_total_centimes", 12), ("blank", 4 + 6 + 10 + 15 + 5 + 6),
]
# OCA piece → our model field (blanks ↔ our reserved zones).
OCA_TO_OURS = {
    "code_enregistrement": "record_code", "code_operation": "operation_code", "numero_enregistrement": "record_number",
    "numero_emetteur": "issuer_number", "type_convention": "convention_type", "date_remise": "remittance_date",
    "raison_sociale_cedant": "drawer_name", "domiciliation_bancaire_cedant": "drawer_bank_name", "code_entree": "collection_option",
    "code_dailly": "dailly_code", "code_monnaie": "currency_code", "date_de_valeur": "value_date", "siren_cedant": "drawer_siren",
    "ref_remise": "remittance_ref", "reference_tire": "drawee_ref", "nom_tire": "drawee_name", "nom_banque": "drawee_bank_name",
    "code_acceptation": "acceptance_code", "zero_montant_centimes": "amount_cents", "date_echeance": "due_date",
    "date_creation": "creation_date", "siren_tire": "drawee_siren", "reference_tireur": "drawer_ref",
    "zero_montant_total_centimes": "total_cents",
}
RIB_PIECES = {"rib bank": "_bank_code", "rib branch": "_branch_code", "rib account": "_account_code"}


def _oca_positions(pieces):
    """(piece, 0-based start, width) for every non-blank piece."""
    out, start = [], 0
    for name, width in pieces:
        if name != "blank":
            out.append((name, start, width))
        start += width
    assert start == 160
    return out


@pytest.mark.parametrize("layout, pieces", [(HEADER, OCA_HEADER), (DETAIL, OCA_DETAIL), (TOTAL, OCA_TOTAL)], ids=["03", "06", "08"])
def test_every_oca_field_lands_on_our_zone_of_the_same_meaning(layout, pieces):
    prefix = "drawer" if layout is HEADER else "drawee"
    for name, start, width in _oca_positions(pieces):
        field = OCA_TO_OURS.get(name) or prefix + RIB_PIECES[name]
        zone = layout.zone(field)
        assert (zone.start - 1, zone.length) == (start, width), f"{name} → {field}"


@pytest.mark.parametrize("layout, pieces", [(HEADER, OCA_HEADER), (DETAIL, OCA_DETAIL), (TOTAL, OCA_TOTAL)], ids=["03", "06", "08"])
def test_oca_blanks_are_exactly_our_reserved_zones(layout, pieces):
    oca_blank, start = set(), 0
    for name, width in pieces:
        if name == "blank":
            oca_blank.update(range(start, start + width))
        start += width
    ours = {i for z in layout.zones if z.kind.value == "reserved" for i in range(z.start - 1, z.start - 1 + z.length)}
    assert ours == oca_blank


# Positions asserted by OCA's tests/test_fr_lcr.py, restated.
OCA_TEST_POSITIONS = {
    "header code entrée": (HEADER, 78, 1),
    "header code dailly": (HEADER, 79, 1),
    "header type de convention": (HEADER, 18, 6),
    "header date de valeur": (HEADER, 118, 6),
    "detail code acceptation": (DETAIL, 78, 1),
}


@pytest.mark.parametrize("what", sorted(OCA_TEST_POSITIONS))
def test_positions_read_by_oca_tests(what):
    layout, start, width = OCA_TEST_POSITIONS[what]
    field = {"header code entrée": "collection_option", "header code dailly": "dailly_code", "header type de convention": "convention_type",
             "header date de valeur": "value_date", "detail code acceptation": "acceptance_code"}[what]
    zone = layout.zone(field)
    assert (zone.start - 1, zone.length) == (start, width)


def _variant(acceptance: str, **header) -> LcrRemittance:
    data = SPEC_REMITTANCE.model_dump()
    data.update(header)
    data["bills"] = [{**b, "acceptance_code": acceptance} for b in data["bills"]]
    return LcrRemittance.model_validate(data)


def test_oca_dailly_scenario_values_at_oca_positions():
    """OCA test_lcr_accepted_dailly: code entrée 3, Dailly 1, convention "CONV1 ", no value date, acceptance 1."""
    remittance = _variant(dailly_code="1", convention_type="CONV1", acceptance="1")
    lines = write_lcr(remittance).decode("ascii").split("\r\n")
    assert (lines[0][78], lines[0][79], lines[0][18:24], lines[0][118:124]) == ("3", "1", "CONV1 ", " " * 6)
    assert all(line[78] == "1" for line in lines[1:-1])


def test_oca_promissory_note_scenario_values_at_oca_positions():
    """OCA test_promissory_note: code entrée 2 with a value date (%d%m%y), acceptance 2."""
    remittance = _variant(collection_option="2", value_date=date(2026, 3, 4), acceptance="2")
    lines = write_lcr(remittance).decode("ascii").split("\r\n")
    assert (lines[0][78], lines[0][79], lines[0][118:124]) == ("2", " ", "040326")
    assert all(line[78] == "2" for line in lines[1:-1])


def test_oca_iban2rib_slices_and_its_example_fails_the_rib_key():
    """OCA's test expects bank 11119, branch 99988, account 88555599999, key 87 for this IBAN.

    Our slices agree; but the key 87 is wrong (the RIB key of 11119/99988/88555599999 is 30):
    the IBAN passes mod-97, so only a RIB key check catches it. Reglo refuses it.
    """
    iban = "FR8911119999888855559999987"
    assert stdnum_iban.is_valid(iban)
    assert (iban[4:9], iban[9:14], iban[14:25], iban[25:27]) == ("11119", "99988", "88555599999", "87")
    rib, key, alerts = rib_from_iban(iban, field="Tiré")
    assert rib is None and [a.code.value for a in alerts] == ["LCR_RIB_KEY"]
    assert "attendue 30" in alerts[0].message


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Fa/24-0055", None),  # OCA strips "/" and "-" and pads → 00FA240055; the seed refuses special characters: blocking
        ("FA240055", "00FA240055"),  # same padding as OCA once typed without special characters
        ("FA20240055", "FA20240055"),
        ("FA202400555", None),  # OCA keeps the last 10; the seed caps at 10: blocking, never cut
    ],
)
def test_reference_rule_versus_oca(raw, expected):
    clean, alerts = clean_reference(raw, field="Réf. Tiré")
    if expected is None:
        assert [a.code.value for a in alerts] == ["LCR_REFERENCE_INVALID"] and alerts[0].is_blocking
    else:
        assert (clean, alerts) == (expected, [])
