"""« reglo check dossier.xlsx » checks the dossier (issue 12, finding 8): IBAN and RIB key,
ICS, mandates and the structured postal address rule, with the rules the direct-debit
workflow runs before its window opens (one set of rules, ``reglo.core.rules``)."""
from __future__ import annotations

from datetime import date

import openpyxl

from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.dossier import write_dossier
from reglo.core.demo import generate_demo
from reglo.core.rules.dossier import check_dossier


def _sheet_rows(ws, header: str):
    head = next(r for r in range(1, 6) if header in [c.value for c in ws[r]])
    cols = {c.value: c.column for c in ws[head]}
    return head, cols


def test_demo_dossier_passes_the_dossier_rules():
    demo = generate_demo()
    assert [a for a in check_dossier(demo.dossier, today=date(2026, 1, 5)) if a.is_blocking] == []


def test_reglo_check_on_dossier_reports_each_rule(tmp_path):
    demo = generate_demo()
    folder = tmp_path / "dossier"
    write_dossier(folder, demo.dossier, demo.ledger_frame)
    path = folder / "dossier.xlsx"
    wb = openpyxl.load_workbook(path)
    tiers = wb["Tiers"]
    head, cols = _sheet_rows(tiers, "IBAN")
    rows = [r for r in range(head + 1, tiers.max_row + 1) if tiers.cell(r, cols["IBAN"]).value]
    r, other = rows[0], rows[1]
    iban = str(tiers.cell(r, cols["IBAN"]).value).replace(" ", "")
    # FR76 + bank(5) + branch(5) + account(11) + RIB key(2): change the RIB key and recompute
    # the IBAN check digits, so that only the French key is wrong (IBAN mod-97 passes)
    bban = iban[4:-2] + ("00" if iban[-2:] != "00" else "01")
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    tiers.cell(r, cols["IBAN"]).value = f"FR{98 - int(digits) % 97:02d}{bban}"
    tiers.cell(other, cols["Ville"]).value = None  # street only: not a structured address
    banks = wb["Banques"]
    bhead, bcols = _sheet_rows(banks, "ICS")
    banks.cell(bhead + 1, bcols["ICS"]).value = "FR00ZZZ123456"
    mandates = wb["Mandats"]
    mhead, mcols = _sheet_rows(mandates, "RUM")
    if mandates.max_row > mhead:
        mandates.cell(mhead + 1, mcols["Date de signature"]).value = None
    wb.save(path)
    out = tmp_path / "controle.xlsx"
    code = main(["check", str(path), "--out", str(out)])
    assert code == 1
    control = openpyxl.load_workbook(out)["Contrôle"]
    codes = {c.value for row in control.iter_rows() for c in row if isinstance(c.value, str) and c.value.isupper() and "_" in c.value}
    assert {"RULE_ADDRESS_UNSTRUCTURED", "RIB_KEY", "CREDITOR_ID_INVALID", "DATE_MISSING"} <= codes
    messages = " ".join(str(c.value) for row in control.iter_rows() for c in row if c.value)
    assert "checksum" not in messages and "is invalid" not in messages  # no library English
