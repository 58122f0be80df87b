"""One triggering example per alert code of ``core/catalogue/lcr.py`` (house style §9): a new
code cannot ship without one."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import re

import pytest

from reglo.core.cashed_status.records import cashed_records
from reglo.core.catalogue.lcr import MESSAGES
from reglo.core.lcr import plan as plan_module
from reglo.core.lcr.label import LabelFields, check_template, render_label
from reglo.core.lcr.management import read_management_sheet
from reglo.core.lcr.params import Keys, read_params
from reglo.core.lcr.plan import plan_lcr
from reglo.core.lcr.rib import rib_from_iban
from reglo.core.lcr.unvalidate import Scope, plan_reject, plan_unvalidation
from reglo.core.register_state import RegisterSnapshot
from reglo.core.slips import RemittanceSlip, SlipKind, check_slip
from reglo.core.vat_receipts.allocation import allocate_receipts
from reglo.core.vat_receipts.models import Invoice, ManualAllocation, ManualAllocationLine, Receipt, ReceiptSource, VatLine
from reglo.core.writers.cfonb160 import CollectionOption, clean_reference, clean_text, write_lcr
from reglo.core.writers.cfonb160_parse import parse_lcr
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_PARAMS, SPEC_ROWS, TODAY
from tests.core.test_cfonb160 import SPEC_REMITTANCE
from tests.core.test_lcr_unvalidate import _snapshot

D = Decimal
ROW = SPEC_ROWS[0]
LINES = write_lcr(SPEC_REMITTANCE).decode("ascii").split("\r\n")


def _plan(rows=SPEC_ROWS, **params):
    return plan_lcr(rows, SPEC_DRAWER, SPEC_PARAMS.model_copy(update=params), today=TODAY, now=NOW).alerts


def _row(**update):
    return _plan((ROW.model_copy(update=update),))


def _parse(lines):
    return parse_lcr("\r\n".join(lines).encode("ascii"))[1]


def _receipt(rid="R1", amount="10.00", invoice="F1", lettered=True):
    return Receipt(receipt_id=rid, source=ReceiptSource.LETTERING, party_code="C1", receipt_date=date(2026, 3, 1), amount=D(amount), invoice_number=invoice, is_lettered=lettered)


INVOICE = Invoice(invoice_number="F1", party_code="C1", lines=(VatLine(vat_code="TN", base=D("5.00"), vat=D("1.00")),))


def _readback_mismatch(monkeypatch):
    monkeypatch.setattr(plan_module, "parse_lcr", lambda data: (None, []))
    return _plan()


EXAMPLES = {
    "LCR_TEXT_ACCENTS": lambda mp: clean_text("Crédit", max_length=24)[1],
    "LCR_TEXT_TRANSLITERATED": lambda mp: clean_text("A & B", max_length=24)[1],
    "LCR_TEXT_TRUNCATED": lambda mp: clean_text("A" * 30, max_length=24)[1],
    "LCR_TEXT_EMPTY": lambda mp: clean_text("", max_length=24, required=True)[1],
    "LCR_REFERENCE_INVALID": lambda mp: clean_reference("A B", field="Réf. Tiré")[1],
    "LCR_IBAN_MISSING": lambda mp: rib_from_iban("", field="Tiré")[2],
    "LCR_IBAN_INVALID": lambda mp: rib_from_iban("FR0030006000011234567890189", field="Tiré")[2],
    "LCR_IBAN_NOT_FR": lambda mp: rib_from_iban("DE89370400440532013000", field="Tiré")[2],
    "LCR_RIB_KEY": lambda mp: rib_from_iban("FR8911119999888855559999987", field="Tiré")[2],
    "LCR_AMOUNT_INVALID": lambda mp: _row(amount=D("0.00"), invoices=()),
    "LCR_CURRENCY": lambda mp: _row(currency="USD"),
    "LCR_DATE_INVALID": lambda mp: read_management_sheet([{"Compte": ROW.party_code, "Création": "32/01/2026"}], [ROW])[1],
    "LCR_DUE_BEFORE_CREATION": lambda mp: _row(due_date=date(2026, 1, 1)),
    "LCR_DUE_DATE_PAST": lambda mp: _row(due_date=date(2026, 3, 1)),
    "LCR_VALUE_DATE_MISSING": lambda mp: _plan(collection_option=CollectionOption.DISCOUNT),
    "LCR_VALUE_DATE_PAST": lambda mp: _plan(collection_option=CollectionOption.DISCOUNT, value_date=date(2026, 1, 1)),
    "LCR_VALUE_DATE_IGNORED": lambda mp: _plan(value_date=date(2026, 4, 1)),
    "LCR_ACCEPTANCE_INVALID": lambda mp: read_management_sheet([{"Compte": ROW.party_code, "Création": TODAY, "Échéance": TODAY, "Accept.": "9"}], [ROW])[1],
    "LCR_CODE_INVALID": lambda mp: read_params({Keys.REMITTANCE_REF: "R", Keys.JOURNAL: "B", Keys.COLLECTION_OPTION: "9"}, today=TODAY)[1],
    "LCR_SIREN_INVALID": lambda mp: _row(siren="123456789"),
    "LCR_NO_BILLS": lambda mp: _plan(()),
    "LCR_LABEL_FIELD_UNKNOWN": lambda mp: check_template("{X}"),
    "LCR_LABEL_TRUNCATED": lambda mp: render_label("X" * 40, LabelFields(on=TODAY))[1],
    "LCR_READBACK_MISMATCH": _readback_mismatch,
    "LCR_FILE_ENCODING": lambda mp: parse_lcr("é".encode("utf-8"))[1],
    "LCR_RECORD_LENGTH": lambda mp: _parse([LINES[0][:100]] + LINES[1:]),
    "LCR_RECORD_CODE": lambda mp: _parse([LINES[1]] + LINES[1:]),
    "LCR_RECORD_NUMBER": lambda mp: _parse([LINES[0][:4] + "00000002" + LINES[0][12:]] + LINES[1:]),
    "LCR_RECORD_FIELD": lambda mp: _parse([LINES[0][:24] + "999999" + LINES[0][30:]] + LINES[1:]),
    "LCR_TOTAL_MISMATCH": lambda mp: _parse(LINES[:3] + [LINES[3][:102] + "000000000001" + LINES[3][114:]]),
    "VAT_RECEIPT_NO_ALLOCATION": lambda mp: allocate_receipts([_receipt(invoice="")], []).alerts,
    "VAT_ALLOCATION_REMAINDER": lambda mp: allocate_receipts([_receipt()], [], manual=[ManualAllocation(receipt_id="R1", lines=(ManualAllocationLine(operation_code="A1", vat_code="TN", amount=D("1.00")),))]).alerts,
    "VAT_CODE_UNKNOWN": lambda mp: allocate_receipts([_receipt()], [], manual=[ManualAllocation(receipt_id="R1", lines=(ManualAllocationLine(operation_code="A1", vat_code="ZZ", amount=D("10.00")),))]).alerts,
    "VAT_OPERATION_CODE_UNKNOWN": lambda mp: allocate_receipts([_receipt()], [], manual=[ManualAllocation(receipt_id="R1", lines=(ManualAllocationLine(operation_code="ZZ", vat_code="TN", amount=D("10.00")),))]).alerts,
    "VAT_RECEIPTS_EXCEED_INVOICE": lambda mp: allocate_receipts([_receipt()], [INVOICE]).alerts,
    "VAT_INVOICE_NO_BREAKDOWN": lambda mp: allocate_receipts([_receipt()], [Invoice(invoice_number="F1", party_code="C1")]).alerts,
    "CASHED_SELLER_SIREN": lambda mp: cashed_records([_receipt()], [], [], seller_siren="1")[1],
    "CASHED_NOT_LETTERED": lambda mp: cashed_records([_receipt(lettered=False)], [], [], seller_siren="123456782")[1],
    "CASHED_NO_INVOICE_DATE": lambda mp: cashed_records([_receipt()], [INVOICE], [], seller_siren="123456782")[1],
    "UNVALIDATE_CONFIRMATION_REQUIRED": lambda mp: plan_unvalidation(RegisterSnapshot(), Scope.ALL, on=TODAY, fiscal_year=(TODAY, TODAY)).alerts,
    "UNVALIDATE_OTHER_YEAR": lambda mp: plan_unvalidation(_snapshot()[0], Scope.PARTY, party_code="C0451", on=TODAY, fiscal_year=(date(2026, 1, 1), date(2026, 12, 31)), lettered_on={"C0451:F2026011": date(2025, 6, 1)}).alerts,
    "UNVALIDATE_NOTHING": lambda mp: plan_unvalidation(RegisterSnapshot(), Scope.PARTY, party_code="X", on=TODAY, fiscal_year=(TODAY, TODAY)).alerts,
    "LCR_REJECT_NOT_FOUND": lambda mp: plan_reject(RegisterSnapshot(), on=TODAY, reason="", reference="X").alerts,
    "LCR_REJECT_NOT_LCR": lambda mp: plan_reject(_snapshot()[0], on=TODAY, reason="", reference="VIR1").alerts,
    "LCR_REJECT_NOT_LIVE": lambda mp: plan_reject(_snapshot("cancelled")[0], on=TODAY, reason="", reference="LCR2603001").alerts,
    "SLIP_EMPTY": lambda mp: check_slip(RemittanceSlip(kind=SlipKind.LCR, company_name="X", printed_on=TODAY, remittances=())),
}


def test_every_code_has_an_example():
    assert set(EXAMPLES) == set(MESSAGES)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_triggers_its_code(code, monkeypatch):
    alerts = EXAMPLES[code](monkeypatch)
    assert code in [a.code.value for a in alerts]
    alert = next(a for a in alerts if a.code.value == code)
    assert alert.severity.value == MESSAGES[code][0] and not re.search(r"\{[a-z_]+\}", alert.message)
