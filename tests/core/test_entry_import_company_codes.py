"""The import hands its own company codes to ImportResult: ``companies()`` and the latest entry
date per company (FEC names) computed from them are the same as from the company strings,
including a company whose every entry is rejected and companies that come back later."""
from __future__ import annotations

import random
from dataclasses import replace

import pyarrow.compute as pc
import pytest

from reglo.addin.shell.entry_import import _latest_dates
from reglo.core.entry_import import RawRows, import_entries
from reglo.core.entry_import.layout import preset_sales_vat_on_line

HEADERS = ["Société", "Journal", "Date", "N° facture", "Libellé", "Compte", "Nom", "Montant débit", "Montant crédit", "Montant TVA"]


def _rows(rnd: random.Random) -> list[list[str]]:
    rows = []
    for e in range(rnd.randint(1, 40)):
        company = rnd.choice(["ALPHA", "BETA", "GAMMA", "DELTA"])
        day, month = rnd.randint(1, 28), rnd.randint(1, 12)
        date = f"{day:02d}/{month:02d}/202{rnd.randint(4, 5)}"
        broken = company == "DELTA" or rnd.random() < 0.1  # DELTA: every entry unbalanced
        rows.append([company, "VT", date, f"F{e}", "Facture", f"1{e:04d}", f"Client {e}", "120,00", "", ""])
        rows.append([company, "VT", date, f"F{e}", "Facture", "706000", "", "", "100,01" if broken else "100,00", "20,00"])
    return rows


def _definition():
    return preset_sales_vat_on_line().model_copy(update={"company_column": "Société", "companies": {"ALPHA": "552100554", "BETA": "732829320",
                                                                                                 "GAMMA": "443061841", "DELTA": "542065479"}})


@pytest.mark.parametrize("seed", range(12))
def test_companies_and_latest_dates_from_codes(seed: int) -> None:
    result = import_entries(RawRows.from_records(HEADERS, _rows(random.Random(seed)), sheet="import.csv"), _definition())
    assert result.line_company_codes() is not None or result.table.num_rows == 0
    without = replace(result, company_codes=None, company_names=())
    assert result.companies() == without.companies() == [str(v) for v in pc.unique(result.table["company"]).to_pylist()]
    assert _latest_dates(result) == _latest_dates(without)
    assert "DELTA" not in result.companies()
