"""The Plan comptable général table (ANC 2014-03) shipped as package data: longest-prefix labels."""
from __future__ import annotations

import pytest

from reglo.core.pcg import pcg_accounts, pcg_label, pcg_match


@pytest.mark.parametrize("account, label", [
    ("607000", "Achats de marchandises"),
    ("607", "Achats de marchandises"),
    ("706000", "Prestations de services"),
    ("445660", "TVA sur autres biens et services"),
    ("445710", "TVA collectée"),
    ("411000", "Clients"),
    ("401000", "Fournisseurs"),
    ("421000", "Personnel - Rémunérations dues"),
    ("512000", "Banques"),
    ("658000", "Pénalités et autres charges"),  # ANC 2022-06, fiscal years from 2025
    ("101300", "Capital souscrit - appelé, versé"),
    ("615200", "Entretien et réparation sur biens immobiliers"),
    ("474000", "Différences d'évaluation - Actif"),
    ("422000", "Comité social et économique"),
    ("653000", "Rémunérations de l'activité des administrateurs et des gérants"),
    ("671200", "Pénalités, amendes fiscales et pénales"),  # no longer in the current text: the label of the version that had it
])
def test_longest_prefix_label(account, label):
    assert pcg_label(account) == label


def test_unknown_or_too_short_matches_have_no_label():
    assert pcg_label("999999") is None and pcg_match("ABC") is None
    assert pcg_label("4") is None  # a class says too little


def test_every_one_to_three_digit_account_of_classes_1_to_7_is_there():
    table = pcg_accounts()
    for cls in "1234567":
        assert cls in table and sum(1 for k in table if k.startswith(cls) and len(k) == 2) >= 5
    assert sum(1 for k in table if len(k) == 3) > 250
    assert all(label and label[0].isupper() for label in table.values())
