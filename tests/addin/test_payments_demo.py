"""``reglo demo`` step 40 on the demo dossier: seeded mistakes caught, import applied once."""
from __future__ import annotations

import openpyxl

from reglo.addin.entrypoints.demo_steps import DemoContext
from reglo.addin.entrypoints.demo_steps import s40_payments as step
from reglo.core.payments import ingest as t


def test_demo_step_payments(tmp_path):
    ctx = DemoContext(out_dir=tmp_path)
    lines = step.run(ctx)
    res = ctx.data["payments"]
    chk, imp, again = res["check"], res["import"], res["again"]
    codes = {a.code.value for a in chk.alerts}
    assert {"PAY_INVOICE_UNKNOWN", "PAY_INVOICE_OTHER_CUSTOMER", "PAY_DATE_INVALID", "PAY_AMOUNT_INVALID", "PAY_BANK_UNKNOWN",
            "PAY_DUPLICATE_IN_SHEET", "PAY_PARTIAL", "PAY_OVERPAYMENT", "PAY_JOB_SITE_MISMATCH", "PAY_DATE_FUTURE", "PAY_INVOICE_SETTLED_IN_LEDGER"} <= codes
    assert chk.check.totals["blocking"] == 7 and imp.batch_id is not None and len(imp.applied) == chk.check.totals["ok"] + chk.check.totals["warning"]
    assert again.batch_id is None and again.applied == []
    assert res["ledger"].applied and any(a.code == "PAY_FEC_NO_INVOICE_REF" for a in res["ledger"].alerts)
    assert imp.synthesis.total.received == sum(
        (a.applied for a in imp.applied), start=res["ledger"].synthesis.total.received)
    wb = openpyxl.load_workbook(tmp_path / step.WORKBOOK)
    assert {t.SHEET, "Instructions", "Contrôle", "Synthèse chantiers", "Écritures"} <= set(wb.sheetnames)
    assert any("Second import" in l for l in lines)
    # the demo pays invoices really open in the demo ledger: the lettered copy letters them
    settled = {a.payment.invoice_number for a in imp.applied if a.settles_invoice}
    assert len(settled) >= 4
    values = list(wb["Lettrage"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(values) if r and r[0] == "Compte")
    lettered = {r[2] for r in values[head + 1:] if r[8] == "Grand livre du dossier" and r[6]}
    assert settled <= lettered
