"""reglo.core.entries: labels of generated entries and lettering of the invoices they pay."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from reglo.core.entries import Settlement, default_account_label, entries_to_frame, fill_labels, ledger_labels
from reglo.core.settlement_lettering import letter_settlements
from reglo.core.ledger import from_lines
from reglo.core.lettering import undo_lettering
from reglo.core.models import Entry, EntryLine, LedgerLine

DAY = date(2025, 3, 1)


def _ledger():
    lines = [
        LedgerLine(journal_code="AC", journal_label="Achats", entry_number="1", entry_date=DAY, ledger_account="401000", ledger_account_label="Fournisseurs FR",
                   subledger_account="F1", subledger_label="ACME", document_ref="FA1", credit=D("100.00")),
        LedgerLine(journal_code="AC", journal_label="Achats", entry_number="1", entry_date=DAY, ledger_account="607000", document_ref="FA1", debit=D("100.00")),
        LedgerLine(journal_code="AC", entry_number="2", entry_date=DAY, ledger_account="401000", ledger_account_label="Fournisseurs",
                   subledger_account="F1", subledger_label="ACME SA", document_ref="FA2", credit=D("50.00"), lettering_code="ab"),
        LedgerLine(journal_code="BQ", entry_number="3", entry_date=DAY, ledger_account="401000", ledger_account_label="Fournisseurs FR",
                   subledger_account="F1", subledger_label="ACME", document_ref="FA2", debit=D("20.00"), lettering_code="ab"),
        LedgerLine(journal_code="AC", entry_number="4", entry_date=DAY, ledger_account="401000", subledger_account="F1", document_ref="FA3",
                   credit=D("30.00"), lettering_code="AZ"),
    ]
    return from_lines([l.model_copy(update={"source_row": 10 + i}) for i, l in enumerate(lines)])


def _entries(*amounts):
    return entries_to_frame([
        Entry(journal_code="BQ", entry_number=f"E{i}", entry_date=date(2025, 4, 1), document_ref=f"V{i}",
              lines=(EntryLine(ledger_account="401000", subledger_account="F1", debit=D(a)), EntryLine(ledger_account="512000", credit=D(a))))
        for i, a in enumerate(amounts)
    ])


def test_labels_ledger_most_frequent_then_entry_then_pcg():
    led = _ledger()
    assert ledger_labels(led)[1]["401000"] == "Fournisseurs FR" and ledger_labels(led)[2]["F1"] == "ACME"
    out = fill_labels(_entries("10.00"), ledger=led, journal_labels={"BQ": "Banque BNP"}, party_names={"F1": "ACME (dossier)"})
    assert out["journal_label"].tolist() == ["Banque BNP", "Banque BNP"]
    assert out["ledger_account_label"].tolist() == ["Fournisseurs FR", "Banque"]
    assert out["subledger_label"].tolist() == ["ACME", ""]
    bare = fill_labels(_entries("10.00"), party_names={"F1": "ACME (dossier)"})
    assert bare["journal_label"].tolist() == ["BQ", "BQ"] and bare["subledger_label"].tolist() == ["ACME (dossier)", ""]
    assert bare["ledger_account_label"].tolist() == ["Fournisseurs", "Banque"]
    assert (default_account_label("411100"), default_account_label("4011"), default_account_label("999")) == ("Clients", "Fournisseurs", "Compte 999")


def test_full_settlement_gets_next_code_after_highest_on_both_sides():
    led = _ledger()
    res = letter_settlements(led, _entries("100.00"), [Settlement(account="F1", ledger_rows=(10,), entry_rows=(0,))], run_id="r1")
    assert res.codes == ["BA"]  # after AZ (ab is partial: the same rank space, lower than AZ)
    f = res.ledger
    assert f["source_row"].tolist() == list(range(2, 9))
    assert f.loc[f["lettering_code"] == "BA", "source_row"].tolist() == [2, 7]
    assert str(f.loc[0, "lettered_on"])[:10] == "2025-04-01"
    assert res.entries["lettering_code"].tolist() == ["BA", ""]
    assert [(l.fec_line, l.code, l.generated, l.credit, l.debit) for l in res.lines] == [(2, "BA", False, D("100.00"), D("0")), (7, "BA", True, D("0"), D("100.00"))]
    undone = undo_lettering(f, [res.run], run_id="r1")
    assert (undone.frame["lettering_code"] == "BA").sum() == 0 and undone.frame.loc[2, "lettering_code"] == "ab"


def test_part_payment_not_lettered_unless_asked_then_lower_case():
    led = _ledger()
    s = [Settlement(account="F1", ledger_rows=(10,), entry_rows=(0,))]
    res = letter_settlements(led, _entries("60.00"), s, run_id="r1")
    assert res.codes == [""] and not res.run.groups and (res.ledger["lettering_code"] == "BA").sum() == 0
    res = letter_settlements(led, _entries("60.00"), s, run_id="r1", partial=True)
    assert res.codes == ["ba"] and res.ledger.loc[res.ledger["source_row"].isin([2, 7]), "lettering_code"].tolist() == ["ba", "ba"]


def test_partial_lettering_completed_and_bad_groups_skipped():
    led = _ledger()
    # FA2: 50 due, 20 already paid (partial « ab »): a 30 payment settles the three lines
    res = letter_settlements(led, _entries("30.00", "150.00", "30.00"), [
        Settlement(account="F1", ledger_rows=(12,), entry_rows=(0,)),
        Settlement(account="F1", ledger_rows=(10,), entry_rows=(2,)),  # paid more than due: left alone
        Settlement(account="F1", ledger_rows=(14,), entry_rows=(4,)),  # already lettered in full (AZ)
        Settlement(account="F1", ledger_rows=(99,), entry_rows=(0,)),  # unknown line
    ], run_id="r1")
    assert res.codes == ["BA", "", "", ""]
    f = res.ledger
    assert f.loc[f["lettering_code"] == "BA", "source_row"].tolist() == [4, 5, 7]
