"""Doctests of the LCR, VAT-on-receipts and slip modules (tiny helpers with real examples)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "reglo.core.writers.cfonb160",
    "reglo.core.lcr.rib",
    "reglo.core.lcr.label",
    "reglo.core.vat_receipts.allocation",
    "reglo.core.slips",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
