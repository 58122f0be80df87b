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


@pytest.mark.parametrize("cls", [RegisterLineDraft, LineState])
def test_the_shared_set_of_fields_given_never_changes(cls):
    """Every instance shares one set of the fields given (all of them): copying one with changes,
    dumping it, comparing it, leave that set, and every other instance's, whole."""
    make = constructor(cls)
    a = make("K>FA1", 100, None, "C001", "FA1", None, {"row": 1})
    b = make("K>FA2", 200, None, "C002", "FA2", None, {"row": 2})
    names = set(cls.__pydantic_fields__)
    c = a.model_copy(update={"amount_cents": 5})
    d = b.model_copy(deep=True)
    assert c.model_fields_set == d.model_fields_set == names
    assert a.model_dump(exclude_unset=True) == a.model_dump() and b.model_dump(exclude_unset=True) == b.model_dump()
    assert a.model_fields_set == b.model_fields_set == names
    assert a.model_fields_set is b.model_fields_set  # shared: the point of it
    assert c.model_fields_set is not a.model_fields_set  # a copy gets its own
