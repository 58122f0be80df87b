"""``reglo.core.fastmodel.constructor`` builds the instances ``model_construct`` and validation build."""
from __future__ import annotations

import pytest

from reglo.core.fastmodel import constructor
from reglo.core.outcome import RegisterLineDraft
from reglo.core.register_state import LineState


@pytest.mark.parametrize("cls", [RegisterLineDraft, LineState])
def test_same_instance_as_model_construct_and_validation(cls):
    values = dict(item_key="K>FA1", amount_cents=12345, payment_key=None, party_code="C001", document_ref="FA1", original_cents=None,
                  meta={"date": "2025-01-31", "partial": False, "row": 12})
    assert tuple(values) == tuple(cls.__pydantic_fields__)
    made = constructor(cls)(*values.values())
    assert made == cls.model_construct(**values) == cls(**values)
    assert made.model_dump() == cls(**values).model_dump() and made.model_dump(mode="json") == cls(**values).model_dump(mode="json")
    assert made.model_fields_set == set(values)
    assert made.model_copy(update={"amount_cents": 1}).amount_cents == 1 and made.amount_cents == 12345
    with pytest.raises(Exception):
        made.amount_cents = 3  # still frozen
    with pytest.raises(TypeError):
        constructor(cls)("K", 1)
