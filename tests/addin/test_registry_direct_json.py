"""The register writes the metas of its lines and the lines of its journal's ``begin`` entries
as JSON directly (``_flat_json``, ``encoded_lines`` / ``entry_text``): the very text the JSON
encoder gives, byte for byte, for every value; anything else goes through the encoder."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.addin.shell.registry import _sql
from reglo.addin.shell.registry.journal import EncodedLines, Journal, encoded_lines, entry_text
from reglo.core.outcome import BatchDraft, RegisterLineDraft

DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | st.sampled_from(["", "é\"\\/\n\t\x00\x1f\u2028", "FA2025-00123"])
plain = st.one_of(texts, st.integers(-10**20, 10**20), st.booleans(), st.none())


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(texts, plain, max_size=7))
def test_a_flat_meta_is_written_as_the_encoder_writes_it(meta):
    assert _sql._flat_json(meta) == DUMPS(meta)
    back, text = _sql._meta_json(meta)
    assert text == DUMPS(meta) and back == json.loads(text)


@pytest.mark.parametrize("meta", [{"a": 1.5}, {"a": [1, 2]}, {"a": {"b": 1}}, {1: "x"}, {"d": datetime(2025, 1, 2)}])
def test_any_other_meta_goes_through_the_encoder(meta):
    assert _sql._flat_json(meta) is None
    back, text = _sql._meta_json(meta)
    assert text == DUMPS(meta) and back == json.loads(text)


lines = st.builds(RegisterLineDraft, item_key=texts, amount_cents=st.integers(-10**15, 10**15), payment_key=st.none() | texts, party_code=texts,
                  document_ref=texts, original_cents=st.none() | st.integers(-10**15, 10**15), meta=st.dictionaries(texts, plain, max_size=5))


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, max_size=8), st.dictionaries(texts, plain, max_size=3))
def test_a_begin_entry_with_encoded_lines_is_the_same_line_of_journal(drafts, batch_meta):
    metas = [_sql._meta_json(l.meta) for l in drafts]
    as_dicts = [{"item_key": l.item_key, "amount_cents": l.amount_cents, "payment_key": l.payment_key, "party_code": l.party_code,
                 "document_ref": l.document_ref, "original_cents": l.original_cents, "meta": m} for l, (m, _) in zip(drafts, metas)]
    enc = encoded_lines(drafts, [t for _, t in metas])
    assert isinstance(enc, EncodedLines)
    batch = {"id": 3, "kind": "lettrage", "meta": batch_meta, "reference": "lettrage x", "lines": None}
    entry = {"seq": 7, "op": "begin", "at": "2025-12-31T10:00:00", "counters": {"a": 1}}
    want = DUMPS({**entry, "batch": {**batch, "lines": as_dicts}})
    assert entry_text({**entry, "batch": {**batch, "lines": enc}}) == want
    assert json.loads(want)["batch"]["lines"] == as_dicts


def test_lines_of_another_type_are_given_as_dicts():
    line = RegisterLineDraft.model_construct(item_key=12, amount_cents=1, payment_key=None, party_code="", document_ref="", original_cents=None, meta={})
    assert encoded_lines([line], ["{}"]) is None


def test_the_register_and_its_journal_hold_the_same_as_before(tmp_path):
    """A batch recorded through the direct writing reads back from the database and from the
    journal (replay) exactly as written."""
    from reglo.addin.shell.registry import open_store
    from reglo.addin.shell.registry.journal import replay

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    reg = open_store(tmp_path / "a")
    drafts = tuple(RegisterLineDraft(item_key=f"k{i}", amount_cents=100 + i, payment_key=None if i % 2 else f"p{i}", party_code="C001",
                                     document_ref=f"FA{i}", original_cents=None if i % 3 else i, meta={"row": i, "code": "AB", "partial": i % 2 == 0,
                                                                                                      "date": "2025-01-02", "x": None})
                   for i in range(50))
    at = datetime(2025, 12, 31, 10, 0, 0)
    bid = reg.begin(BatchDraft(kind="lettrage", reference="lettrage test", lines=drafts, meta={"fichier": "f.txt"}), files=[], counters={},
                    host="h", folder=str(tmp_path / "a"), user="u", at=at)
    reg.set_status(bid, "committed", at=at)
    snap = reg.snapshot()
    (b,) = [b for b in snap.batches if b.id == bid]
    assert [(l.item_key, l.amount_cents, l.payment_key, l.document_ref, l.original_cents, l.meta) for l in b.lines] == \
        [(d.item_key, d.amount_cents, d.payment_key, d.document_ref, d.original_cents, d.meta) for d in drafts]
    journal = Journal(reg.journal.path)
    (begin,) = [e for e in journal.entries() if e["op"] == "begin" and e["batch"]["id"] == bid]
    assert [l["meta"] for l in begin["batch"]["lines"]] == [d.meta for d in drafts]
    fresh = open_store(tmp_path / "b")
    replay(journal.entries(), fresh)
    assert fresh.snapshot().model_dump() == snap.model_dump()


# ---------------------------------------------------------------------------
# the lettering journal's groups (reglo.addin.shell.lettering.group_text)
# ---------------------------------------------------------------------------

from datetime import date  # noqa: E402

from reglo.addin.shell.lettering import _ENC, group_text, journal_bytes  # noqa: E402
from reglo.core.lettering.models import AppliedGroup, LetteringRun, Rule  # noqa: E402

from tests.addin.lettering_journal_oracle import journal_by_the_encoder  # noqa: E402

groups = st.builds(AppliedGroup, account=texts, code=texts, rows=st.lists(st.integers(0, 10**9), max_size=6).map(tuple),
                   previous_codes=st.lists(texts, max_size=6).map(tuple), previous_dates=st.lists(st.none() | st.dates(), max_size=6).map(tuple),
                   rule=st.none() | st.sampled_from(list(Rule)), added_rows=st.lists(st.integers(0, 10**9), max_size=2).map(tuple),
                   score=st.none() | st.integers(0, 100), reason=texts)


@settings(max_examples=500, deadline=None)
@given(groups)
def test_a_lettering_group_is_written_as_the_encoder_writes_it(g):
    assert group_text(g) == _ENC(g.to_json())


def test_a_group_of_unexpected_values_goes_through_the_encoder():
    g = AppliedGroup(account="C1", code="AA", rows=(1,), previous_codes=("",), previous_dates=("2025-01-01",), rule=Rule.EXACT)
    with pytest.raises(AttributeError):
        g.to_json()  # a date as text: to_json itself cannot write it
    g = AppliedGroup(account="C1", code="AA", rows=(1.0,), previous_codes=("",), previous_dates=(None,), rule=Rule.EXACT)
    assert group_text(g) == _ENC(g.to_json())  # a float row: the encoder's text


def test_the_lettering_journal_of_a_real_run_is_the_same_bytes():
    from reglo.core.lettering import LetteringOptions, apply_lettering, propose_lettering
    from tests.lettering_bench.generator import REPORT_SEEDS, generate, stripped

    frame = stripped(generate(REPORT_SEEDS[2], 60))
    res = apply_lettering(frame, propose_lettering(frame, LetteringOptions(tolerance="1.00")), run_id="r1", created_at="2025-12-31T10:00:00",
                          lettered_on=date(2025, 12, 31))
    runs = [res.run, LetteringRun(run_id="r0", created_at="", lettered_on=None, groups=res.run.groups[:3])]
    raw = {"r1": {"before": "x", "previous": {"1": ["", None]}}, "r0": {}}
    assert len(res.run.groups) > 300
    assert journal_bytes("552100554FEC20251231.txt", runs, raw) == journal_by_the_encoder("552100554FEC20251231.txt", runs, raw)
