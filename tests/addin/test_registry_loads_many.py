"""The register decodes the meta of many lines in one JSON call, with the same result (and the
same error) as line by line."""
from __future__ import annotations

import json

import pytest

from reglo.addin.shell.registry._sql import _loads, _loads_many


def test_same_as_line_by_line():
    texts = [None, "", "{}", '{"a": 1, "b": "é, }{"}', '{"row": 12, "partial": false}'] * 40
    assert _loads_many(texts) == [_loads(t) for t in texts]
    assert _loads_many(texts[:3]) == [{}, {}, {}]


@pytest.mark.parametrize("bad", ['{"a": 1', '{}, {"b": 2}'])
def test_a_broken_text_fails_as_alone(bad):
    texts = ['{"a": 1}'] * 100 + [bad]
    with pytest.raises(ValueError) as many:
        _loads_many(texts)
    with pytest.raises(ValueError) as alone:
        _loads(bad)
    assert type(many.value) is type(alone.value) is json.JSONDecodeError


def test_the_journal_records_a_new_batch_as_the_register_reads_it_back(tmp_path):
    """The begin entry of the journal is built without LineState models: it must be the batch
    as the register gives it back (lines, meta normalised by JSON)."""
    from datetime import date, datetime

    from reglo.addin.shell.registry import open_store
    from reglo.addin.shell.registry.journal import Journal
    from reglo.core.outcome import BatchDraft, RegisterLineDraft

    store = open_store(tmp_path)
    lines = tuple(RegisterLineDraft(item_key=f"K{i}", amount_cents=100 + i, payment_key=f"P{i}" if i % 2 else None, party_code="C1",
                                    document_ref=f"FA{i}", original_cents=None if i % 3 else 7,
                                    meta={"date": date(2025, 1, 2), "rows": (1, 2), "n": i, "ok": True, "x": None} if i % 4 else {})
                  for i in range(10))
    at = datetime(2025, 1, 2, 3, 4, 5)
    batch_id = store.begin(BatchDraft(kind="virement", reference="VIR-1", lines=lines, meta={"a": date(2025, 1, 1)}), files=[], counters={},
                           host="h", folder="f", user="u", at=at)
    (entry,) = [e for e in Journal(tmp_path / "reglo-registre.journal").entries() if e.get("op") == "begin"]
    back = next(b for b in store.snapshot().batches if b.id == batch_id)
    assert entry["batch"] == json.loads(json.dumps(back.model_dump(mode="json"), default=str))
    assert entry["batch"]["lines"][1]["meta"] == {"date": "2025-01-02", "rows": [1, 2], "n": 1, "ok": True, "x": None}
