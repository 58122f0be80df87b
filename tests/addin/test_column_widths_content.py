"""Columns sized to their content (issue 14 §7 / issue 15 §2 feedback): the direct-debit slip's
BIC, RUM and « Séquence » no longer run into each other, the disbursement parameters' labels
(« Démarrer à l'étape », « Escomptes automatiques ») are not cut; with every backend."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from reglo.addin.backends.base import FIT_MAX, Column, column_widths
from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.sheets import FileWorkbook, read_table
from reglo.core.slips import WIDTHS, RemittanceSlip, SlipKind, SlipLine, SlipRemittance, layout_slip

LONG_RUM = "RUM-2021-000123-DUPONT-IMMOBILIER"


@pytest.mark.parametrize("cols, rows, expected", [
    ([Column("BIC")], [["COBADEFFXXX"]], [13.0]),  # 11 characters + 2 (the header alone gave 10)
    ([Column("RUM")], [[LONG_RUM]], [len(LONG_RUM) + 2.0]),
    ([Column("Séquence")], [["FRST"]], [12.0]),  # the header's width when it is the longest
    ([Column("Libellé", width=40)], [["x" * 30]], [40.0]),  # an explicit width is a minimum
    ([Column("Message", wrap=True)], [["x" * 200]], [11.0]),  # a wrapped column keeps its width
    ([Column("Texte")], [["x" * 500]], [FIT_MAX]),  # at most FIT_MAX
    ([Column("Montant")], [[Decimal("1234567.89")]], [len("1,234,567.89 €") + 2.0]),
    ([Column("Date")], [[date(2026, 1, 5)]], [12.0]),
    ([Column("Clé", hidden=True)], [["x" * 50]], [10.0]),
])
def test_widths_fit_the_values(cols, rows, expected):
    assert column_widths(cols, None, rows) == expected


def test_without_rows_the_header_rule_is_unchanged():
    assert column_widths([Column("BIC"), Column("Référence (EndToEndId)")]) == [10.0, 26.0]


@pytest.mark.parametrize("backend", [FileWorkbook, FastFileWorkbook], ids=["openpyxl", "rapide"])
def test_disbursement_parameters_labels_are_not_cut(tmp_path, backend):
    from reglo.addin.shell.disbursement import SHEET_PARAMS

    path = tmp_path / "Décaissement.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Feuil1"
    wb.save(path)
    book = backend(path)
    settings = {"Référence": "DEC-1", "Démarrer à l'étape": 2, "Escomptes automatiques": "Oui", "Premier numéro d'écriture": 9001}
    book.write_sheet(SHEET_PARAMS, ["Paramètre", "Valeur"], [[k, v] for k, v in settings.items()])
    book.save()
    ws = openpyxl.load_workbook(path)[SHEET_PARAMS]
    assert ws.column_dimensions["A"].width >= max(len(k) for k in settings) + 1


def test_disbursement_write_inputs_sizes_the_parameters(tmp_path):
    from reglo.addin.entrypoints.demo_steps.s80_disbursement import demo_inputs
    from reglo.addin.shell import disbursement as sdis

    path = tmp_path / "Décaissement.xlsx"
    book = FileWorkbook(path, create=True)
    suppliers, banks, rules, items = demo_inputs()
    settings = {"Démarrer à l'étape": 2, "Escomptes automatiques": "Oui", "Bons à payer": "Non"}
    sdis.write_inputs(book, items=items, suppliers=suppliers, banks=banks, rules=rules, settings=settings)
    book.save()
    ws = openpyxl.load_workbook(path)[sdis.SHEET_PARAMS]
    assert ws.column_dimensions["A"].width >= len("Escomptes automatiques") + 1


def test_direct_debit_slip_sheet_fits_bic_rum_and_sequence(tmp_path, monkeypatch):
    from reglo.addin.shell import debits as sd
    from reglo.addin.shell.dossier import write_dossier
    from reglo.core.debits.tables import SLIP_SHEET
    from tests.addin.test_debits_shell import strict, workbook
    from tests.core.debit_fixtures import NOW, default_ledger, dossier

    write_dossier(tmp_path / "dossier", strict(dossier()), default_ledger())
    monkeypatch.setattr(sd, "now", lambda: NOW)
    book = workbook(tmp_path / "dossier")
    assert sd.generate_debits(book).exit_code == 0
    book.save()
    table = read_table(book, SLIP_SHEET, required=["BIC", "RUM"])
    ws = openpyxl.load_workbook(tmp_path / "dossier" / "Prélèvements clients.xlsx")[SLIP_SHEET]
    for header in ("BIC", "RUM", "Séquence", "IBAN", "Référence (EndToEndId)"):
        col = table.column_index(header)
        longest = max([len(header) + 2] + [len(str(r.get(header) or "")) + 1 for r in table.rows])
        assert ws.column_dimensions[get_column_letter(col)].width >= longest, header
    assert any(r.get("BIC") == "COBADEFFXXX" for r in table.rows)


def test_remittance_slip_layout_fits_a_long_rum_and_masked_iban():
    line = SlipLine(party_code="C001", name="Dupont Immobilier", bank="FR76 **** **** **** **** ***0 189", reference=f"{LONG_RUM} FA-101",
                    due_date=date(2026, 3, 5), amount=Decimal("7200.00"))
    rem = SlipRemittance(bank_label="BQ1", iban="", remittance_ref="PRE1", remittance_date=date(2026, 3, 5), lines=(line,))
    slip = RemittanceSlip(kind=SlipKind.DIRECT_DEBIT, company_name="Bâtiments Dupré & Fils", printed_on=date(2026, 3, 5), remittances=(rem,))
    sheet = layout_slip(slip)
    assert sheet.column_widths[3] >= len(line.reference) + 1 and sheet.column_widths[2] >= len(line.bank) + 1
    assert all(w >= m for w, m in zip(sheet.column_widths, WIDTHS))
    assert sheet.column_widths[0] == len("Total général") + 2  # its longest own value; the merged title rows do not count
