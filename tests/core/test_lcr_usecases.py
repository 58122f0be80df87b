"""The LCR button plans (``reglo.core.lcr.usecases``) with plain values, and one triggering
example per alert code of ``core/catalogue/lcr_shell.py``."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from reglo.core.catalogue.lcr_shell import MESSAGES
from reglo.core.lcr import usecases as uc
from reglo.core.lcr.unvalidate import Scope
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot
from reglo.core.vat_receipts.usecases import parse_vat_accounts, plan_vat
from tests.core.debit_fixtures import inputs, ledger, sale
from tests.addin.test_lcr_shell import lcr_dossier, lcr_ledger

D = Decimal
NOW = datetime(2023, 8, 10, 9, 30)


def _inputs():
    return inputs(lcr_ledger())


def _batch(id_, kind, ref, lines, status="committed", **meta):
    return BatchState(id=id_, kind=kind, reference=ref, status=status, created_at=NOW, lines=tuple(lines), meta=meta)


def _continue(snapshot=RegisterSnapshot(), records=None, existing_names=frozenset(), **values):
    d = lcr_dossier()
    transfer = uc.plan_transfer(_inputs(), d, snapshot, bank="BQ1", remittance_date=NOW.date())
    if records is None:
        sheet = transfer.sheets[0]
        records = [dict(zip([c.header for c in sheet.columns], r)) for r in sheet.rows]
    return uc.plan_continue(_inputs(), d, snapshot, records=records, row_numbers=None, param_values=values, bank="BQ1", now=NOW,
                            fiscal_year_end=date(2023, 12, 31), existing_names=existing_names)


def _committed(out, id_=1):
    lines = [LineState(item_key=l.item_key, amount_cents=l.amount_cents, payment_key=l.payment_key, party_code=l.party_code, document_ref=l.document_ref,
                       meta=l.meta) for l in out.batch.lines]
    return _batch(id_, out.batch.kind, out.batch.reference, lines, **out.batch.meta)


def test_continue_keys_the_register_by_ledger_line_and_names_the_fec_for_the_dgfip():
    out = _continue()
    assert not out.has_blocking, out.alerts
    bank, fec = out.files
    assert bank.name == "LCR230810093000BQ1.txt" and fec.name == "732829320FEC20231231-LCR230810093000BQ1.txt"
    keys = {i.key: i.document_ref for i in _inputs().invoices}
    assert {l.item_key for l in out.batch.lines} <= set(keys) and len(out.batch.lines) == 3
    assert out.batch.reference == "L2308100001" and out.batch.total_cents == 234570


def test_collected_lines_are_not_proposed_again_and_reopened_ones_are():
    first = _continue()
    batch = _committed(first)
    snap = RegisterSnapshot(batches=(batch,))
    assert uc.plan_transfer(_inputs(), lcr_dossier(), snap, bank="BQ1", remittance_date=NOW.date()).sheets[0].rows == ()
    unval = uc.plan_unvalidate(snap, Scope.PARTY, now=NOW, fiscal_year=(date(2023, 1, 1), date(2023, 12, 31)), seller_siren="732829320", party_code="L002")
    assert [l.amount_cents for l in unval.batch.lines] == [-84520] and unval.batch.kind == "lcr_devalidation"
    reopen = _batch(2, unval.batch.kind, unval.batch.reference, [LineState(item_key=l.item_key, amount_cents=l.amount_cents, party_code=l.party_code,
                                                                              document_ref=l.document_ref, meta=l.meta) for l in unval.batch.lines])
    snap = RegisterSnapshot(batches=(batch, reopen))
    rows = uc.plan_transfer(_inputs(), lcr_dossier(), snap, bank="BQ1", remittance_date=NOW.date()).sheets[0].rows
    assert [r[0] for r in rows] == ["L002"]
    again = _continue(snap)
    assert not again.has_blocking and again.batch.reference == "L2308100002"
    assert [l.payment_key.rsplit("#", 1)[1] for l in again.batch.lines] == ["1"]  # a new generation: the old key stays live
    # un-validating the same line twice re-opens nothing
    twice = uc.plan_unvalidate(snap, Scope.PARTY, now=NOW, fiscal_year=(date(2023, 1, 1), date(2023, 12, 31)), seller_siren="732829320", party_code="L002")
    assert twice.batch is None and [a.code.value for a in twice.alerts] == ["UNVALIDATE_NOTHING"]


def test_unvalidate_never_touches_lines_lettered_in_another_year():
    batch = _committed(_continue())
    key = batch.lines[0].item_key
    out = uc.plan_unvalidate(RegisterSnapshot(batches=(batch,)), Scope.ALL, now=NOW, fiscal_year=(date(2023, 1, 1), date(2023, 12, 31)), seller_siren="732829320",
                             lettered_on={key: date(2022, 12, 20)}, confirmations=2)
    assert key not in {l.item_key for l in out.batch.lines} and len(out.batch.lines) == 2
    assert "UNVALIDATE_OTHER_YEAR" in [a.code.value for a in out.alerts]


def test_register_receipts_cancel_what_was_rejected_or_unvalidated():
    batch = _committed(_continue())
    live = uc.register_receipts(RegisterSnapshot(batches=(batch,)))
    assert sum(r.amount for r in live) == D("2345.70") and {r.receipt_date for r in live} == {date(2023, 8, 10)} | {r.receipt_date for r in live}
    rejected = batch.model_copy(update={"status": "cancelled", "cancelled_at": NOW})
    got = uc.register_receipts(RegisterSnapshot(batches=(rejected,)))
    assert sum(r.amount for r in got if not r.cancels) == sum(r.amount for r in got if r.cancels) == D("2345.70")


def test_bank_reject_reverses_and_is_idempotent_after_a_crash():
    batch = _committed(_continue())
    snap = RegisterSnapshot(batches=(batch,))
    out = uc.plan_bank_reject(snap, lcr_dossier(), now=NOW, reason="rejet", reference=batch.reference, fiscal_year_end=date(2023, 12, 31))
    assert out.data["cancel_batch_id"] == 1 and out.batch.kind == "lcr_rejet" and len(out.files) == 2
    done = _batch(2, "lcr_rejet", out.batch.reference, [], **out.batch.meta)
    again = uc.plan_bank_reject(RegisterSnapshot(batches=(batch, done)), lcr_dossier(), now=NOW, reason="rejet", reference=batch.reference,
                                fiscal_year_end=date(2023, 12, 31))
    assert again.files == () and again.batch is None and again.data["cancel_batch_id"] == 1


def test_slip_from_the_register_totals_per_bank():
    batch = _committed(_continue())
    out = uc.plan_slip(RegisterSnapshot(batches=(batch,)), lcr_dossier(), kind="lcr", reference=None, now=NOW)
    slip = out.data["slip_model"]
    assert slip.count == 2 and slip.total == D("2345.70") and slip.totals_per_bank() == [("Crédit Agricole", 2, D("2345.70"))]


def test_unique_names():
    from reglo.core.outcome import free_name

    assert free_name("a.csv", set()) == "a.csv" and free_name("a.csv", {"a.csv"}) == "a-2.csv" and free_name("REF", {"REF"}) == "REF-2"


def test_vat_plan_on_the_register_gives_the_ca3_and_a_batch():
    batch = _committed(_continue())
    lines = [l for l in __import__("reglo.core.ledger", fromlist=["to_lines"]).to_lines(lcr_ledger())]
    out = plan_vat(RegisterSnapshot(batches=(batch,)), lines, seller_siren="732829320", period=(date(2023, 8, 1), date(2023, 12, 31)),
                   vat_accounts={"445710": "TN"}, now=NOW)
    assert out.batch.kind == "tva_encaissements" and out.files[0].name.endswith("_20230810-093000.csv")
    assert sum(l.amount for l in out.data["allocation"].lines) == 0  # no VAT line in this ledger: receipts listed without allocation
    assert len(out.data["allocation"].unallocated) == 3


def _bank_two_banks():
    d = lcr_dossier()
    bank = d.company.bank_accounts[0]
    other = bank.model_copy(update={"journal_code": "BQ2"})
    return d.model_copy(update={"company": d.company.model_copy(update={"bank_accounts": (bank, other)})})


def _two_bank_inputs():
    from reglo.core.debits.models import Assignment

    inp = _inputs()
    key = next(i.key for i in inp.invoices if i.document_ref == "FA203")
    return inp.model_copy(update={"assignments": {key: Assignment(key=key, mode="LCR", company_bank="BQ2", source_row=5)}})


EXAMPLES = {
    "LCR_BANK_UNKNOWN": lambda: uc.plan_transfer(_inputs(), lcr_dossier(), RegisterSnapshot(), bank="ZZ", remittance_date=NOW.date()).alerts,
    "LCR_BANK_REQUIRED": lambda: uc.plan_transfer(_two_bank_inputs(), _bank_two_banks(), RegisterSnapshot(), bank=None, remittance_date=NOW.date()).alerts,
    "LCR_ROW_NOTHING_TO_COLLECT": lambda: _continue(records=[{"Compte": "X999"}]).alerts,
    "LCR_REFERENCE_USED": lambda: _continue(RegisterSnapshot(batches=(_batch(1, "virement", "R1", []),)), **{"Référence de la remise": "R1"}).alerts,
    "SLIP_NOT_FOUND": lambda: uc.plan_slip(RegisterSnapshot(), lcr_dossier(), kind="lcr", reference="X", now=NOW).alerts,
    "SLIP_PDF_UNAVAILABLE": lambda: _pdf_alerts(None),
    "SLIP_PDF_FAILED": lambda: _pdf_alerts("/bin/false"),
    "VAT_PERIOD_INVALID": lambda: plan_vat(RegisterSnapshot(), [], seller_siren="732829320", period=(date(2023, 2, 1), date(2023, 1, 1)), vat_accounts={}, now=NOW).alerts,
    "VAT_ACCOUNT_MAPPING_INVALID": lambda: parse_vat_accounts("445710=ZZ")[1],
    "VAT_MANUAL_AMOUNT_INVALID": lambda: _manual_alerts(),
    "VAT_NO_RECEIPTS": lambda: plan_vat(RegisterSnapshot(), [], seller_siren="732829320", period=(date(2023, 1, 1), date(2023, 1, 31)), vat_accounts={}, now=NOW).alerts,
}


def _pdf_alerts(exe):
    from reglo.addin.shell import lcr as sl

    batch = _committed(_continue())
    slip = uc.plan_slip(RegisterSnapshot(batches=(batch,)), lcr_dossier(), kind="lcr", reference=None, now=NOW).data["slip"]
    mp = pytest.MonkeyPatch()
    mp.setattr(sl.shutil, "which", lambda name: exe)
    try:
        return sl.slip_pdf(slip)[1]
    finally:
        mp.undo()


def _manual_alerts():
    import tempfile
    from pathlib import Path

    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import vat as sv

    with tempfile.TemporaryDirectory() as tmp:
        book = FileWorkbook(Path(tmp) / "t.xlsx", create=True)
        sv.ensure_workbook(book)
        book.write_cells(sv.MANUAL_SHEET, {(4, 1): "R1", (4, 2): "A1", (4, 3): "TN", (4, 4): "douze"})
        return sv._manual(book)[1]


def test_every_code_has_an_example():
    assert set(EXAMPLES) == set(MESSAGES)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_triggers_its_code(code):
    alerts = EXAMPLES[code]()
    assert code in [a.code.value for a in alerts], alerts
    a = next(a for a in alerts if a.code.value == code)
    assert a.severity.value == MESSAGES[code][0] and not re.search(r"\{[a-z_]+\}", a.message)


def test_a_taken_file_name_gets_a_suffix_everywhere():
    out = _continue(existing_names=frozenset({"LCR230810093000BQ1.txt"}))
    assert [f.name for f in out.files] == ["LCR230810093000BQ1-2.txt", "732829320FEC20231231-LCR230810093000BQ1-2.txt"]
    assert out.batch.meta["file_name"] == "LCR230810093000BQ1-2.txt" and "LCR230810093000BQ1-2.txt" in out.sheets[0].title


def test_preview_writes_nothing_and_keeps_the_sheets():
    out = uc.preview_of(_continue())
    assert out.files == () and out.batch is None and not out.writes_anything
    assert {s.name for s in out.sheets} == {"Fichier LCR", "Écritures LCR (provisoire)"} and out.data["slip"] is not None


def test_register_receipts_of_a_payments_import_at_the_bank_date():
    line = LineState(item_key="invoice:F1", amount_cents=12000, party_code="C1", document_ref="F1", meta={"date": "2023-07-28", "lettering": "AB"})
    live = _batch(1, "customer_payments", "RC-1", [line])
    (r,) = uc.register_receipts(RegisterSnapshot(batches=(live,)))
    assert (r.receipt_date, r.amount, r.invoice_number, r.is_lettered, r.source.value) == (date(2023, 7, 28), D("120.00"), "F1", True, "Import des règlements")
    cancelled = live.model_copy(update={"status": "cancelled", "cancelled_at": NOW})
    got = uc.register_receipts(RegisterSnapshot(batches=(cancelled,)))
    assert [x.cancels for x in got] == [None, "RC-1-0001"]
