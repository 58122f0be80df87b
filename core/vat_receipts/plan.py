"""« TVA sur encaissements » button: the pure plan, as the trust layer's ``Outcome``.

Sheets: « CA3 - TVA sur encaissements » (cadre A / cadre B lines), « TVA sur encaissements »
(the allocation of each receipt), « Encaissements sans TVA affectée », « Données
d'encaissement » (status 212 records); file: the payment-data CSV (folder ``tva``).
No register batch: nothing is paid or collected here.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

from reglo.core.alerts import has_blocking, summary_fr
from reglo.core.cashed_status.export import HEADERS as CASHED_HEADERS
from reglo.core.cashed_status.export import sheet_rows, write_cashed_csv
from reglo.core.cashed_status.records import SHEET as CASHED_SHEET
from reglo.core.cashed_status.records import cashed_records, unlettered_totals
from reglo.core.money import ZERO, format_display
from reglo.core.outcome import Outcome, OutputFile, SheetColumn, SheetOutput
from reglo.core.vat_receipts.allocation import (
    CA3_SHEET,
    SHEET,
    UNALLOCATED_SHEET,
    allocate_receipts,
    allocation_sheet,
    ca3_sheet,
    unallocated_sheet,
)
from reglo.core.vat_receipts.models import DEFAULT_OPERATION_CODES, DEFAULT_VAT_CODES, Invoice, ManualAllocation, OperationCode, Receipt, VatCode

FOLDER = "tva"
_AMOUNT_HEADERS = {"Base hors taxe", "TVA due", "Montant TTC", "Base HT", "TVA", "Montant", "Montant encaissé", "Montant encaissé au taux", "Base HT au taux", "TVA au taux"}
_DATE_HEADERS = {"Date", "Date facture", "Date d'encaissement"}


def _columns(headers: Sequence[str]) -> tuple[SheetColumn, ...]:
    return tuple(SheetColumn(header=h, kind="amount" if h in _AMOUNT_HEADERS else "date" if h in _DATE_HEADERS else "text") for h in headers)


def plan_vat_receipts(
    receipts: Sequence[Receipt],
    invoices: Sequence[Invoice],
    *,
    seller_siren: str,
    period: tuple[date, date],
    manual: Sequence[ManualAllocation] = (),
    parties: set[str] | None = None,
    vat_codes: Sequence[VatCode] = DEFAULT_VAT_CODES,
    operation_codes: Sequence[OperationCode] = DEFAULT_OPERATION_CODES,
    decimal_comma: bool = False,
) -> Outcome:
    """CA3 lines, allocations, receipts without allocation and the status-212 payment data."""
    result = allocate_receipts(receipts, invoices, manual=manual, parties=parties, period=period, vat_codes=vat_codes, operation_codes=operation_codes)
    scoped = [r for r in receipts if parties is None or r.party_code in parties]
    records, cashed_alerts = cashed_records(scoped, invoices, result.lines, seller_siren=seller_siren, period=period)
    alerts = result.alerts + tuple(cashed_alerts)
    sheets = []
    for name, (headers, rows) in ((CA3_SHEET, ca3_sheet(result)), (SHEET, allocation_sheet(result)), (UNALLOCATED_SHEET, unallocated_sheet(result))):
        sheets.append(SheetOutput(name=name, columns=_columns(headers), rows=tuple(rows)))
    sheets.append(SheetOutput(name=CASHED_SHEET, title="Statut 212 « Encaissée » — données de paiement", columns=_columns(CASHED_HEADERS), rows=tuple(sheet_rows(records))))
    if has_blocking(alerts):
        return Outcome(alerts=alerts, summary=f"TVA sur encaissements non calculée : {summary_fr(alerts)}.")
    start, end = period
    name = f"donnees_encaissement_{start:%Y%m%d}_{end:%Y%m%d}.csv"
    total_vat = sum((l.vat for l in result.ca3 if l.vat is not None), ZERO)
    summary = f"{len(records)} encaissement(s), TVA due {format_display(total_vat)} ; {summary_fr(alerts)}."
    return Outcome(
        alerts=alerts,
        summary=summary,
        files=(OutputFile(folder=FOLDER, name=name, data=write_cashed_csv(records, decimal_comma=decimal_comma), role="data"),),
        sheets=tuple(sheets),
        data={"allocation": result, "records": records, "unlettered_totals": unlettered_totals(records)},
    )
