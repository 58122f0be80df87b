"""Outputs of the disbursement wizard: pain.001 (XSD-valid), cheque list, slips, non-euro
list, FEC entries (pass the FEC checks), register batches and the already-paid check."""
from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from reglo.core.alerts import Severity
from reglo.core.disbursement import actions as A
from reglo.core.disbursement.models import DifferenceKind
from reglo.core.disbursement.outputs import plan_posting_files, plan_slip_files, reservation_draft
from reglo.core.fec import read_fec
from reglo.core.register_state import BatchState, LineState, RegisterSnapshot
from reglo.core.writers.pain001 import DEFAULT_VERSION, validate_pain001

from .disbursement_fixtures import D, codes, ok, run

NOW = datetime(2026, 3, 2, 9, 30)


def _printed():
    s = ok(run(), A.Prepare(keys=("E1", "E2", "E3", "C1", "C2", "X1"), auto_group=False))
    s = ok(s, A.Group(units=("E1", "E2")))
    s = ok(s, A.AddDifference(difference=DifferenceKind.PARTIAL, current="E3", amount=D("100.00")))
    s = ok(s, A.Next(confirmed=True))
    s = ok(s, A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments), bank="SG"))
    s = ok(s, A.Next())
    chq = next(sl for sl in s.slips if sl.mode == "CHQ")
    s = ok(s, A.SetFirstCheque(slip_id=chq.slip_id, number=7001))
    return ok(s, A.PrintSlips())


def test_slip_files_pain001_valid_cheque_list_and_non_euro_list():
    s = _printed()
    out = plan_slip_files(s, company_name="BTP Rhône-Alpes SAS", created_at=NOW, register=RegisterSnapshot(counters={"msgid:decaissement": 41}))
    assert not out.has_blocking
    names = {f.name: f for f in out.files}
    xml = next(f for f in out.files if f.role == "bank")
    assert xml.name.startswith("DEC20260302000042") and out.counters == {"msgid:decaissement": 42}
    assert validate_pain001(xml.data, DEFAULT_VERSION) == []
    doc = etree.fromstring(xml.data)
    ns = {"p": doc.nsmap[None]}
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "1600.00"  # E1+E2 group 1500, E3 partial 100
    assert any(n.endswith("-cheques.csv") for n in names)
    cheques = next(f for f in out.files if f.name.endswith("-cheques.csv")).data.decode("utf-8-sig")
    assert "7001" in cheques and "7002" in cheques
    assert sum(1 for f in out.files if f.role == "slip") == 3
    assert any(n.endswith("-a-traiter-manuellement.csv") for n in names)
    assert "DSB_NON_EURO_MANUAL" in codes(out.alerts)
    assert not any(f.name.endswith(".xml") and "VIRINT" in f.name for f in out.files)
    # the register batch records what each item settles (E3: 100 of 300)
    settled = {l.item_key: l.amount_cents for l in out.batch.lines}
    assert settled["E3"] == 10000 and settled["E1"] == 100000 and out.batch.kind == "decaissement"


def test_already_paid_items_are_refused():
    s = _printed()
    paid = BatchState(id=1, kind="virement", reference="VIR1", status="committed", created_at=NOW, lines=(LineState(item_key="E1", amount_cents=100000),))
    out = plan_slip_files(s, company_name="BTP", created_at=NOW, register=RegisterSnapshot(batches=(paid,)))
    assert out.has_blocking and not out.files and not out.batch and "DSB_ALREADY_PAID" in codes(out.alerts)


def test_posting_files_pass_the_fec_checks_and_test_mode_is_a_test_batch():
    s = ok(_printed(), A.Next())
    company = {"siren": "552100554", "fiscal_year_end": date(2026, 12, 31)}
    test = plan_posting_files(s, test=True, **company)
    assert test.batch.is_test and test.files[0].is_test and "TEST" in test.files[0].name
    s = ok(s, A.Post())
    out = plan_posting_files(s, **company)
    assert not out.batch.is_test and out.files[0].role == "entries"
    ledger = read_fec(out.files[0].data, filename=out.files[0].name)
    assert not [a for a in ledger.alerts if a.severity is Severity.BLOCKING], [str(a) for a in ledger.alerts][:5]
    # the test file has the same entries as the real one
    assert test.files[0].data == out.files[0].data


def test_reservation_holds_prepared_and_unissued_items():
    s = ok(run(), A.Prepare(keys=("E1", "E2")))
    s = ok(s, A.Validate(units=("E1",)))
    s = ok(s, A.Prepare(keys=("E3",)))
    held = {l.item_key for l in reservation_draft(s).lines}
    assert {"E1", "E2", "E3"} <= held  # prepared, validated not issued
    assert held == set(s.to_pay) | {"E1", "E2", "E3"}  # and what is still to pay
