"""Identifiers and the already-paid rule of the pure plans (reglo.core.transfers.usecases,
reglo.core.payments.usecases): chosen from the register snapshot taken inside the lock."""
from __future__ import annotations

from datetime import date, datetime

from reglo.core.alerts import alert
from reglo.core.models import Entry, EntryLine
from reglo.core.money import to_money
from reglo.core.payments import usecases as pu
from reglo.core.register_state import BatchState, FileRecord, LineState, RegisterSnapshot
from reglo.core.transfers import usecases as tu
from reglo.core.transfers.models import LineKind, PreviewLine

NOW = datetime(2026, 1, 2, 9, 0, 0)


def _batch(id_, kind="virement", reference="R", status="committed", lines=(), files=()):
    return BatchState(id=id_, kind=kind, reference=reference, status=status, created_at=NOW, lines=tuple(lines), files=tuple(files))


def _line(key, paid_before=0):
    return PreviewLine(line_no=1, key=key, beneficiary="F1", ledger_account="401000", journal_code="AC", entry_number="1", entry_date=date(2025, 12, 1),
                       kind=LineKind.INVOICE, original_amount=to_money("100"), open_amount=to_money("100"), amount=to_money("100"), paid_before_cents=paid_before)


def test_msgid_is_the_timestamp_when_free_else_the_next_counter_value():
    empty = RegisterSnapshot()
    assert tu.message_id(empty, NOW) == ("VIR20260102090000", 1)
    taken = RegisterSnapshot(batches=(_batch(1, reference="VIR20260102090000"),), counters={"msgid:virement": 1})
    assert tu.message_id(taken, NOW) == ("VIR20260102090000-2", 2)
    # a name present in the folder (an orphan, a file from elsewhere) is never reused either
    assert tu.message_id(empty, NOW, existing=["VIR20260102090000.xml"]) == ("VIR20260102090000-1", 1)
    both = RegisterSnapshot(batches=(_batch(1, reference="VIR20260102090000"), _batch(2, reference="VIR20260102090000-2")), counters={"msgid:virement": 1})
    assert tu.message_id(both, NOW) == ("VIR20260102090000-3", 3)


def test_payment_key_does_not_depend_on_the_import_mark():
    other = _batch(1, lines=[LineState(item_key="OTHER", amount_cents=5, payment_key="OTHER@")])
    snap = RegisterSnapshot(batches=(other,))
    assert tu.payment_keys(snap, ["K"], 0) == tu.payment_keys(snap, ["K"], 1) == {"K": "K@"}
    partly = RegisterSnapshot(batches=(_batch(1, lines=[LineState(item_key="K", amount_cents=40, payment_key="K@")]),))
    assert tu.payment_keys(partly, ["K"], 1) == {"K": "K@1"}  # the balance of a partly paid line: a key of its own


def test_a_line_paid_since_the_import_or_with_the_same_key_is_already_paid():
    paid = RegisterSnapshot(batches=(_batch(3, reference="VIR1", lines=[LineState(item_key="K", amount_cents=100, payment_key="K@")],
                                            files=[FileRecord(folder="virements", name="VIR1.xml", sha256="0" * 64, role="bank")]),))
    assert tu.paid_since(paid, [_line("K")], mark=2) == {"K": ("VIR1.xml", NOW.date())}
    # a preview that knew the batch shows only the balance of K: its key (K@3) is another payment
    assert tu.paid_since(paid, [_line("K")], mark=5) == {}
    # the same payment key (same register state of the line) is already paid whatever the mark says
    twin = RegisterSnapshot(batches=(_batch(1, reference="VIR0", lines=[LineState(item_key="K", amount_cents=100, payment_key="K@")],
                                            files=[FileRecord(folder="virements", name="VIR0.xml", sha256="0" * 64, role="bank")]),))
    assert tu.payment_keys(twin, ["K"], 0) == {"K": "K@"} and tu.paid_since(twin, [_line("K")], mark=0) == {"K": ("VIR0.xml", NOW.date())}
    cancelled = RegisterSnapshot(batches=(paid.batches[0].model_copy(update={"status": "cancelled"}),))
    assert tu.paid_since(cancelled, [_line("K")], mark=0) == {}


def _entry(journal):
    return Entry(journal_code=journal, entry_date=date(2026, 1, 6), document_ref="X", label="x",
                 lines=(EntryLine(ledger_account="512000", debit=to_money("1")), EntryLine(ledger_account="411000", credit=to_money("1"))))


def test_payment_entry_numbers_continue_per_journal_across_imports():
    snap = RegisterSnapshot(counters={"entry:BQ1": 4})
    entries, counters = pu.number_per_journal([_entry("BQ1"), _entry("BQ2"), _entry("BQ1")], snap, "RC260106-")
    assert [e.entry_number for e in entries] == ["RC260106-5", "RC260106-1", "RC260106-6"]
    assert counters == {"entry:BQ1": 6, "entry:BQ2": 1}


def test_payment_batch_reference_and_file_name_are_suffixed_when_used():
    empty = RegisterSnapshot()
    assert pu.batch_reference(empty, NOW, ()) == ("RC-20260102-090000", "Reglements_clients_20260102-090000.txt", 1)
    used = RegisterSnapshot(batches=(_batch(1, kind="customer_payments", reference="RC-20260102-090000"),), counters={"ref:reglement": 1})
    assert pu.batch_reference(used, NOW, ()) == ("RC-20260102-090000-2", "Reglements_clients_20260102-090000-2.txt", 2)


def test_an_unreadable_dossier_fec_blocks_the_payments_import():
    bad = alert("FEC_SEPARATOR", sheet="FEC", row=1, found="aucun séparateur reconnu")
    (a,) = pu.fec_alerts([bad], "552100554FEC20251231.txt")
    assert a.code == "PAY_DOSSIER_FEC_UNREADABLE" and a.is_blocking and "552100554FEC20251231.txt" in a.message
    assert pu.fec_alerts([alert("DOSSIER_FEC_MISSING", sheet="FEC", folder="x")], None) == []
