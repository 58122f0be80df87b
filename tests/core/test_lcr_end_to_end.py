"""LCR from the allocation to the payment data, in one pure chain: « Transfert » (Gestion des
LCR), the user's edits, « Continuer » (file, entry, batch), the slip, VAT on receipts from the
ledger's invoices and the status-212 CSV; every total reconciles to the cent."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from reglo.core.lcr.management import read_management_sheet
from reglo.core.lcr.models import LcrAllocation
from reglo.core.lcr.outcome import lcr_outcome, transfer_outcome
from reglo.core.lcr.plan import plan_lcr
from reglo.core.models import LedgerLine
from reglo.core.slips import layout_slip, lcr_slip
from reglo.core.vat_receipts.ledger import invoices_from_ledger
from reglo.core.vat_receipts.plan import plan_vat_receipts
from reglo.core.writers.cfonb160_parse import parse_lcr
from tests.core.lcr_fixtures import NOW, SPEC_DRAWER, SPEC_PARAMS, TODAY, inv

D = Decimal


def _ledger():
    def line(account, ref, debit="0", credit="0", sub=""):
        return LedgerLine(journal_code="VT", entry_number=ref, entry_date=date(2026, 2, 10), ledger_account=account, subledger_account=sub, document_ref=ref, debit=D(debit), credit=D(credit))

    return [
        line("411000", "F10", debit="1310.00", sub="C1"), line("706000", "F10", credit="1100.00"), line("445711", "F10", credit="200.00"), line("445712", "F10", credit="10.00"),
        line("411000", "F11", debit="105.50", sub="C1"), line("706000", "F11", credit="100.00"), line("445713", "F11", credit="5.50"),
        line("411000", "F20", debit="240.00", sub="C2"), line("706000", "F20", credit="200.00"), line("445711", "F20", credit="40.00"),
    ]


def test_chain_reconciles_to_the_cent():
    allocations = [
        LcrAllocation(party_code="C1", party_name="Martin & Fils", iban="FR1420041010050500013M02606", bank_name="La Banque Postale", siren="987654324", invoice=inv("F10", "1310.00", date(2026, 2, 10), date(2026, 3, 31))),
        LcrAllocation(party_code="C1", party_name="Martin & Fils", iban="FR1420041010050500013M02606", bank_name="La Banque Postale", siren="987654324", invoice=inv("F11", "105.50", date(2026, 2, 10), date(2026, 3, 31))),
        LcrAllocation(party_code="C2", party_name="Boulangerie l'Olivier", iban="FR7630004008190001234567879", invoice=inv("F20", "120.00", date(2026, 2, 10), date(2026, 3, 31))),  # half of F20
    ]
    transfer = transfer_outcome(allocations, remittance_date=TODAY)
    rows = transfer.data["rows"]
    sheet = transfer.sheets[0]
    records = [dict(zip([c.header for c in sheet.columns], values)) for values in sheet.rows]
    records[1]["Accept."] = "0 - Non acceptée"
    records[1]["Réf. Tireur"] = "452"
    edited, alerts = read_management_sheet(records, rows)
    assert alerts == []

    plan = plan_lcr(edited, SPEC_DRAWER, SPEC_PARAMS.model_copy(update={"lettering": True, "group_entries": False}), today=TODAY, now=NOW)
    out = lcr_outcome(plan, edited)
    assert not out.has_blocking
    (f,) = out.files
    remittance, parse_alerts = parse_lcr(f.data)
    assert parse_alerts == [] and [b.acceptance_code.value for b in remittance.bills] == ["1", "0"]
    total = D(remittance.total_cents) / 100
    (entry,) = plan.entries
    assert entry.is_balanced and entry.total_debit == total == D("1535.50") == out.batch.total_cents / D(100)

    slip = lcr_slip(edited, company_name=SPEC_DRAWER.legal_name, company_siren=SPEC_DRAWER.siren, bank_label="BQ1", iban=SPEC_DRAWER.iban,
                    remittance_ref=SPEC_PARAMS.remittance_ref, remittance_date=TODAY, file_name=f.name, printed_on=TODAY)
    assert slip.total == total and layout_slip(slip).rows[-3][5].value == total

    invoices = invoices_from_ledger(_ledger(), vat_accounts={"445711": "TN", "445712": "TI", "445713": "TR"})
    vat = plan_vat_receipts(list(plan.receipts), invoices, seller_siren=SPEC_DRAWER.siren, period=(date(2026, 3, 1), date(2026, 3, 31)))
    assert not vat.has_blocking
    allocation = vat.data["allocation"]
    assert sum(l.amount for l in allocation.lines) == total
    ca3 = {row[1]: row for row in vat.sheets[0].rows if row[1]}
    assert ca3["08"][3:5] == (D("1100.00"), D("220.00"))  # F10 at 20 % in full + half of F20
    assert ca3["9B"][3:5] == (D("100.00"), D("10.00")) and ca3["09"][3:5] == (D("100.00"), D("5.50"))
    (csv_file,) = vat.files
    lines = list(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8")), delimiter=";"))
    assert sum(D(l["Montant encaissé au taux"]) for l in lines) == total
    assert {l["Date d'encaissement"] for l in lines} == {"2026-03-31"}
    assert {(l["N° facture"], l["Partiel / Total"]) for l in lines} == {("F10", "Total"), ("F11", "Total"), ("F20", "Partiel")}
