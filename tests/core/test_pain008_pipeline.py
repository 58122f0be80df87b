"""``write_checked_pain008``: writing and XSD validation overlapped (slices validated in threads
while the next ones are written) gives the bytes of ``write_pain008`` and the verdict of a
whole-document validation against the official XSD — valid documents pass, any invalid value
in any slice is caught, with located errors."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reglo.core.writers import pain008
from reglo.core.writers.pain008 import VERSIONS, DirectDebitGroup, validate_pain008, write_checked_pain008, write_pain008
from tests.core.test_pain008 import CREATED, batch, debit


def big(n: int, bad: int | None = None, field: str = "iban"):
    debits = []
    for i in range(n):
        d = debit(i + 1, f"{1 + i % 97}.{i % 100:02d}", address=None if i % 2 else debit(1, "1").debtor_address)
        if i == bad:
            d = d.model_copy(update={"debtor_iban": "fr14 2004"} if field == "iban" else {"debtor_bic": "AGRI-FR"})
        debits.append(d)
    half = max(1, n // 3)
    if n == 1:
        return batch(groups=(DirectDebitGroup(payment_info_id="P-1", collection_date=date(2023, 8, 28), sequence_type="FRST", debits=tuple(debits)),))
    groups = (DirectDebitGroup(payment_info_id="P-1", collection_date=date(2023, 8, 28), sequence_type="FRST", debits=tuple(debits[:half])),
              DirectDebitGroup(payment_info_id="P-2", collection_date=date(2023, 8, 28), sequence_type="RCUR", scheme="B2B", debits=tuple(debits[half:])))
    return batch(groups=groups)


@pytest.fixture(autouse=True)
def pipeline_for_small_batches(monkeypatch):
    monkeypatch.setattr(pain008, "PIPELINE_MIN_TRANSACTIONS", 0)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("n, slice_size", [(1, 1), (7, 2), (40, 3), (40, 1000)])
def test_same_bytes_and_valid(version, n, slice_size):
    b = big(n)
    data, errors = write_checked_pain008(b, message_id="PRE1", created_at=CREATED, version=version, workers=2, slice_size=slice_size)
    assert data == write_pain008(b, message_id="PRE1", created_at=CREATED, version=version)
    assert errors == [] and validate_pain008(data, version) == []


@pytest.mark.parametrize("bad", [0, 12, 13, 39])  # first slice, a slice edge in each block, the last one
@pytest.mark.parametrize("field", ["iban", "bic"])
def test_an_invalid_value_in_any_slice_is_caught_with_its_location(bad, field):
    b = big(40, bad=bad, field=field)
    data, errors = write_checked_pain008(b, message_id="PRE1", created_at=CREATED, version=VERSIONS[0], workers=2, slice_size=3)
    assert errors and errors == validate_pain008(data, VERSIONS[0])[: len(errors)]
    assert any(f"PRE20230810093000-{bad + 1:05d}" in e or "ligne" in e for e in errors)


def test_one_worker_validates_in_one_piece():
    b = big(10, bad=4)
    data, errors = write_checked_pain008(b, message_id="PRE1", created_at=CREATED, version=VERSIONS[0], workers=1)
    assert data == write_pain008(b, message_id="PRE1", created_at=CREATED, version=VERSIONS[0]) and errors


def test_amounts_in_the_file_add_up():
    b = big(25)
    data, _ = write_checked_pain008(b, message_id="PRE1", created_at=CREATED, version=VERSIONS[0], workers=2, slice_size=4)
    assert f"<CtrlSum>{b.control_sum:.2f}</CtrlSum>".encode() in data and data.count(b"<DrctDbtTxInf>") == 25
    assert b.control_sum == sum((d.amount for g in b.groups for d in g.debits), Decimal(0))
