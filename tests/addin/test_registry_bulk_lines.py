"""A batch's lines go into the register in bulk (many rows per INSERT on SQLite, ``COPY`` on
PostgreSQL) and their metas and journal texts are written column by column: the same rows
(ids, values, types, live flags, claims) as one INSERT per line, the same texts as the JSON
encoder, the same integrity errors, the same journal bytes."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.addin.shell.registry import DuplicatePaymentError, _sql
from reglo.addin.shell.registry.journal import EncodedLines, Journal, encoded_columns, encoded_lines, entry_text
from reglo.core.outcome import BatchDraft, RegisterLineDraft

DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8) | st.sampled_from(["", "%s", "%(a)s %%", "é\"\\/\n\t\x00\u2028"])
plain = st.one_of(texts, st.integers(-10**20, 10**20), st.booleans(), st.none())
other = st.one_of(st.floats(allow_nan=False), st.lists(plain, max_size=2), st.dictionaries(texts, plain, max_size=2))


@st.composite
def same_keys(draw, values=plain):
    """Metas of one set of keys (inserted in any order), values of any plain type per key."""
    keys = draw(st.lists(texts, unique=True, max_size=6))
    rows = draw(st.lists(st.fixed_dictionaries({k: values for k in keys}), min_size=1, max_size=12))
    return [dict(draw(st.permutations(list(m.items())))) for m in rows]


@settings(max_examples=400, deadline=None)
@given(same_keys())
def test_metas_of_one_set_of_keys_are_written_key_by_key_as_the_encoder_writes_them(metas):
    assert _sql._same_keys_texts(tuple(metas)) == [DUMPS(m) for m in metas]
    assert _sql._meta_texts(tuple(metas), _sql._dumps) == [DUMPS(m) for m in metas]


@settings(max_examples=300, deadline=None)
@given(st.one_of(same_keys(st.one_of(plain, other)), st.lists(st.dictionaries(texts, st.one_of(plain, other), max_size=4), min_size=1, max_size=8)))
def test_any_other_metas_are_written_one_by_one_as_before(metas):
    metas = tuple(metas)
    assert _sql._meta_texts(metas, _sql._dumps) == [DUMPS(m) for m in metas]
    assert _sql._meta_texts(metas, _sql._begin_meta_text) == [_sql._meta_json(m)[1] if m else "{}" for m in metas]


def test_metas_that_are_not_all_dicts_of_the_same_keys_are_left_to_the_caller():
    assert _sql._same_keys_texts(({"a": 1}, {"b": 1})) is None  # other keys
    assert _sql._same_keys_texts(({"a": 1}, {"a": 1, "b": 2})) is None  # more keys
    assert _sql._same_keys_texts(({"a": 1}, {"a": 1.5})) is None  # a float
    assert _sql._same_keys_texts(({1: "x"}, {1: "y"})) is None  # a key that is not a string
    assert _sql._same_keys_texts(({"a": True}, {"a": 1})) == ['{"a": true}', '{"a": 1}']  # a bool is not an int
    assert _sql._meta_texts((None, {}, [1]), _sql._begin_meta_text) == ["{}", "{}", "[1]"]  # as begin always wrote them
    assert _sql._meta_texts((None, {}), _sql._dumps) == ["null", "{}"]  # as record and replay always wrote them


lines = st.builds(RegisterLineDraft, item_key=texts, amount_cents=st.integers(-10**15, 10**15), payment_key=st.none() | texts, party_code=texts,
                  document_ref=texts, original_cents=st.none() | st.integers(-10**15, 10**15), meta=st.dictionaries(texts, plain, max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, max_size=10))
def test_lines_written_column_by_column_are_the_encoders_dicts(drafts):
    metas = [_sql._meta_json(l.meta)[1] if l.meta else "{}" for l in drafts]
    enc = encoded_lines(drafts, metas)
    assert isinstance(enc, EncodedLines)
    assert list(enc) == [DUMPS({"item_key": l.item_key, "amount_cents": l.amount_cents, "payment_key": l.payment_key, "party_code": l.party_code,
                                "document_ref": l.document_ref, "original_cents": l.original_cents, "meta": json.loads(m)}) for l, m in zip(drafts, metas)]


def test_a_column_of_another_type_leaves_the_lines_to_the_encoder():
    assert encoded_columns(("a",), (True,), (None,), ("",), ("",), (None,), ["{}"]) is None  # a bool amount
    assert encoded_columns(("a",), (1,), (3,), ("",), ("",), (None,), ["{}"]) is None  # a payment key that is not text
    assert list(encoded_columns(("a", "b"), (1, 2), ("k", None), ("", ""), ("", ""), (None, 7), ["{}", "{}"])) == [
        '{"amount_cents": 1, "document_ref": "", "item_key": "a", "meta": {}, "original_cents": null, "party_code": "", "payment_key": "k"}',
        '{"amount_cents": 2, "document_ref": "", "item_key": "b", "meta": {}, "original_cents": 7, "party_code": "", "payment_key": null}']


def test_the_journal_appends_each_entry_as_its_text_and_a_newline(tmp_path):
    metas = ['{"a": 1}', "{}"]
    drafts = [RegisterLineDraft(item_key="k1", amount_cents=1, meta={"a": 1}), RegisterLineDraft(item_key="k2", amount_cents=2, payment_key="p")]
    enc = encoded_lines(drafts, metas)
    entries = [{"seq": 1, "op": "begin", "at": "x", "batch": {"id": 1, "lines": enc}, "counters": {}},
               {"seq": 2, "op": "status", "at": "x", "batch_id": 1, "from": "pending", "to": "committed"}]
    journal = Journal(tmp_path / "j")
    journal.append(entries)
    want = "".join(entry_text(e) + "\n" for e in entries).encode()
    assert (tmp_path / "j").read_bytes() == want
    assert json.loads(want.splitlines()[0])["batch"]["lines"][1] == {"item_key": "k2", "amount_cents": 2, "payment_key": "p", "party_code": "",
                                                                       "document_ref": "", "original_cents": None, "meta": {}}
    (tmp_path / "j").write_bytes(want + b'{"seq": 3, "op"')  # a line cut by a crash
    journal.append(entries[1:])
    assert (tmp_path / "j").read_bytes() == want + b'{"seq": 3, "op"\n' + (entry_text(entries[1]) + "\n").encode()


@pytest.fixture
def store(store_backend, tmp_path):
    s = store_backend.open(tmp_path / "d")
    yield s
    s.close()


def _lines_draft(ref: str, n: int, *, is_test: bool = False) -> BatchDraft:
    """``n`` lines: payment keys absent, repeated (one claim) or alone; metas of several shapes."""
    return BatchDraft(kind="lettrage", reference=ref, is_test=is_test, lines=tuple(
        RegisterLineDraft(item_key=f"{ref}:{i}", amount_cents=100 * i - 7, payment_key=None if i % 3 == 0 else f"{ref}-p{i // 2}", party_code=f"C{i % 4}",
                          document_ref=f"FA{i}", original_cents=None if i % 2 else i, meta={"row": i, "code": "AB", "partial": i % 2 == 0, "x": None})
        for i in range(n)))


def _rows(store, batch_id: int) -> list[tuple]:
    with store._read() as cur:
        return [tuple(r) for r in store._x(cur, "SELECT seq, item_key, payment_key, party_code, document_ref, amount_cents, original_cents, meta, live, claims "
                                                "FROM lines WHERE dossier_id = ? AND batch_id = ? ORDER BY seq", (store.dossier_id, batch_id)).fetchall()]


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 200])
def test_a_batchs_lines_are_the_rows_one_insert_per_line_gave(store, n):
    d = _lines_draft("L", n)
    bid = store.begin(d, files=[], counters={}, host="h", folder="f", user="u", at=T0)
    claimed: set[str] = set()
    want = []
    for i, l in enumerate(d.lines):
        claims = 1 if l.payment_key and l.payment_key not in claimed else 0
        claimed.add(l.payment_key or "")
        want.append((i, l.item_key, l.payment_key, l.party_code, l.document_ref, l.amount_cents, l.original_cents, DUMPS(l.meta), 1, claims))
    assert _rows(store, bid) == want
    assert all(type(v) is type(w) for r, s in zip(_rows(store, bid), want) for v, w in zip(r, s))
    if store.backend == "sqlite":  # the same rows in the same order: the same rowids, the same storage types
        got = store.con.execute("SELECT rowid, typeof(seq), typeof(amount_cents), typeof(original_cents), typeof(payment_key), typeof(meta), typeof(live) "
                                "FROM lines WHERE batch_id = ? ORDER BY rowid", (bid,)).fetchall()
        assert [r[0] for r in got] == list(range(1, n + 1))
        assert {r[1:] for r in got} <= {("integer", "integer", t, k, "text", "integer") for t in ("integer", "null") for k in ("text", "null")}
    # the register read back holds the draft's lines
    (b,) = store.snapshot().batches
    assert [(l.item_key, l.amount_cents, l.payment_key, l.party_code, l.document_ref, l.original_cents, l.meta) for l in b.lines] == \
        [(l.item_key, l.amount_cents, l.payment_key, l.party_code, l.document_ref, l.original_cents, l.meta) for l in d.lines]


def test_status_changes_set_the_live_flag_of_every_line(store):
    a = store.begin(_lines_draft("A", 70), files=[], counters={}, host="h", folder="f", user="u", at=T0)
    t = store.begin(_lines_draft("T", 5, is_test=True), files=[], counters={}, host="h", folder="f", user="u", at=T0)
    assert {r[8] for r in _rows(store, a)} == {1} and {r[8] for r in _rows(store, t)} == {0}
    store.set_status(a, "committed", at=T0)
    store.set_status(t, "committed", at=T0)
    assert {r[8] for r in _rows(store, a)} == {1} and {r[8] for r in _rows(store, t)} == {0}
    store.set_status(a, "cancelled", at=T0, reason="x")
    assert {r[8] for r in _rows(store, a)} == {0}
    b = store.begin(_lines_draft("A2", 3), files=[], counters={}, host="h", folder="f", user="u", at=T0)
    store.set_status(b, "rolled_back", at=T0)
    assert {r[8] for r in _rows(store, b)} == {0}


def test_a_key_the_check_missed_is_refused_by_the_database_and_diagnosed(store, monkeypatch):
    """Another run's key that the read before the insert did not see (a race): the bulk insert
    (or copy) breaks the unique index, and the error says which payment is already recorded."""
    store.begin(_lines_draft("A", 80), files=[], counters={}, host="h", folder="f", user="u", at=T0)
    live_keys, calls = type(store)._live_keys, []

    def missed_once(self, cur, keys):  # the check before the insert sees nothing; the diagnosis reads again
        calls.append(keys)
        return set() if len(calls) == 1 else live_keys(self, cur, keys)

    monkeypatch.setattr(type(store), "_live_keys", missed_once)
    d = BatchDraft(kind="virement", reference="B", lines=tuple(RegisterLineDraft(item_key=f"b{i}", amount_cents=1, payment_key=f"B-p{i}") for i in range(70))
                   + (RegisterLineDraft(item_key="dup", amount_cents=1, payment_key="A-p10"),))
    with pytest.raises(DuplicatePaymentError) as err:
        store.begin(d, files=[], counters={}, host="h", folder="f", user="u", at=T0)
    assert err.value.keys == ["A-p10"] and len(calls) == 2
    monkeypatch.undo()
    assert [b.reference for b in store.snapshot().batches] == ["A"]  # nothing of B written
    assert not _rows(store, 2)
