"""« Bordereau d'accompagnement » for direct debits and LCR: data, totals per bank, count,
and the laid-out printable sheet (written here with openpyxl as the shell will)."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from reglo.core.slips import RemittanceSlip, SlipKind, SlipLine, SlipRemittance, check_slip, layout_slip, lcr_slip, mask_iban
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_PARAMS, SPEC_ROWS, TODAY

D = Decimal


def _debit_slip():
    def line(code, amount, due=date(2026, 3, 10)):
        return SlipLine(party_code=code, name=f"Client {code}", bank="FR76 3000 **** 7879", reference=f"RUM-{code}", due_date=due, amount=D(amount))

    return RemittanceSlip(
        kind=SlipKind.DIRECT_DEBIT, company_name="SARL EXEMPLE DUPONT", company_siren="123456782", company_address="1 rue de la Paix, 75002 Paris",
        creditor_id="FR72ZZZ123456", printed_on=date(2026, 3, 2),
        remittances=(
            SlipRemittance(bank_label="BQ1 - Crédit Lyonnais", iban="FR33 3000 ****", remittance_ref="PRE1", remittance_date=date(2026, 3, 2), lines=(line("C1", "100.00"), line("C2", "0.01"))),
            SlipRemittance(bank_label="BQ2 - Banque Populaire", remittance_ref="PRE2", remittance_date=date(2026, 3, 2), lines=(line("C3", "50.50"),)),
            SlipRemittance(bank_label="BQ1 - Crédit Lyonnais", remittance_ref="PRE3", remittance_date=date(2026, 3, 5), lines=(line("C4", "9.49"),)),
        ),
    )


def test_totals_per_bank_and_count():
    slip = _debit_slip()
    assert slip.count == 4 and slip.total == D("160.00")
    assert slip.totals_per_bank() == [("BQ1 - Crédit Lyonnais", 3, D("109.50")), ("BQ2 - Banque Populaire", 1, D("50.50"))]
    assert check_slip(slip) == []


def test_layout_has_company_header_blocks_per_remittance_and_summary():
    sheet = layout_slip(_debit_slip())
    values = [[c.value for c in row] for row in sheet.rows]
    assert values[0] == ["Bordereau d'accompagnement des remises de prélèvements"]
    assert values[1] == ["SARL EXEMPLE DUPONT"] and "SIREN 123456782" in values[2][0] and "ICS FR72ZZZ123456" in values[2][0]
    assert ["Compte", "Nom", "Banque", "Référence", "Échéance", "Montant"] in values
    summary = values.index(["Récapitulatif par banque"])
    assert values[summary + 2][:2] == ["BQ1 - Crédit Lyonnais", 3] and values[summary + 2][5] == D("109.50")
    assert values[summary + 4][0] == "Total général" and values[summary + 4][1] == "4 opérations" and values[summary + 4][5] == D("160.00")
    assert all(len(row) in (0, 1, 6) for row in values)
    assert (sheet.fit_to_width, sheet.fit_to_height) == (1, 0)
    assert all(m[2] == 6 for m in sheet.merges)


def test_layout_writes_with_openpyxl_fit_to_one_page_wide():
    sheet = layout_slip(_debit_slip())
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.name
    for r, row in enumerate(sheet.rows, 1):
        for c, cell in enumerate(row, 1):
            target = ws.cell(row=r, column=c, value=cell.value)
            if cell.style in sheet.number_formats:
                target.number_format = sheet.number_formats[cell.style]
    for r, first, last in sheet.merges:
        ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = sheet.fit_to_width, sheet.fit_to_height
    buffer = io.BytesIO()
    wb.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue()))[sheet.name]
    assert back["A1"].value == sheet.title and back.page_setup.fitToWidth == 1


def test_lcr_slip_from_the_plan_rows():
    from reglo.core.lcr.plan import plan_lcr

    plan = plan_lcr(SPEC_ROWS, SPEC_DRAWER, SPEC_PARAMS, today=TODAY, now=NOW)
    slip = lcr_slip(
        SPEC_ROWS, company_name=SPEC_DRAWER.legal_name, company_siren=SPEC_DRAWER.siren, bank_label="BQ1 - Crédit Lyonnais", iban=SPEC_DRAWER.iban,
        remittance_ref=SPEC_PARAMS.remittance_ref, remittance_date=SPEC_PARAMS.remittance_date, file_name=next(iter(plan.files)), printed_on=TODAY,
    )
    assert slip.kind is SlipKind.LCR and slip.count == 2 and slip.total == plan.register_record.total
    assert [l.bank for l in slip.remittances[0].lines] == ["LA BANQUE POSTALE", "FR76 3000 **** **** **** ***7 879"]
    values = [[c.value for c in row] for row in layout_slip(slip).rows]
    assert values[0] == ["Bordereau d'accompagnement des remises de LCR"]
    assert ["Fichier : LCR260302093000BQ1.txt"] in values


def test_empty_slip_warns():
    slip = RemittanceSlip(kind=SlipKind.LCR, company_name="X", printed_on=TODAY, remittances=())
    assert [a.code.value for a in check_slip(slip)] == ["SLIP_EMPTY"]
    assert mask_iban("FR76") == "FR76"
