"""The sheets « Générer le fichier » writes, as the plan's :class:`~reglo.core.outcome.SheetOutput`.

« Virements » lists the transfers of the file just generated, one row per beneficiary, with the
file's name, version, total and execution date above the table. The shell writes it after the
commit (``reglo.addin.shell.commit.write_sheets``).
"""
from __future__ import annotations

from typing import Sequence

from reglo.core.outcome import SheetColumn, SheetOutput
from reglo.core.transfers.models import TransferParameters

TRANSFERS_SHEET = "Virements"

COLUMNS = (
    SheetColumn(header="Bénéficiaire", width=14), SheetColumn(header="Nom", width=30), SheetColumn(header="IBAN", width=30),
    SheetColumn(header="BIC", width=13), SheetColumn(header="Montant", kind="amount", width=15),
    SheetColumn(header="Date d'exécution", kind="date", width=13), SheetColumn(header="Référence de bout en bout", width=26),
    SheetColumn(header="Libellé du virement", width=45), SheetColumn(header="Lignes", width=10), SheetColumn(header="Pièces payées", width=30),
    SheetColumn(header="Lettrage", width=9), SheetColumn(header="Fichier", width=24),
)


def transfers_sheet(transfers: Sequence, plan, params: TransferParameters, file_name: str) -> SheetOutput:
    """« Virements »: the transfers of ``file_name`` (``plan``: the transfer plan, its total and date)."""
    rows = tuple(
        (t.beneficiary, t.creditor_name, t.creditor_iban, t.creditor_bic or "", t.amount, plan.execution_date, t.end_to_end_id,
         t.creditor_reference or t.remittance_info, ", ".join(str(l.line_no) for l in t.lines), ", ".join(t.document_refs),
         t.lettering_code, file_name)
        for t in transfers
    )
    preamble = (
        ("Fichier", file_name, "Version", params.version),
        ("Virements", len(transfers), "Total", plan.total),
        ("Remise", "Globale" if params.batch_booking else "Unitaire", "Exécution", plan.execution_date),
    )
    return SheetOutput(name=TRANSFERS_SHEET, columns=COLUMNS, rows=rows, title="Virements générés", preamble=preamble)


__all__ = ["TRANSFERS_SHEET", "transfers_sheet"]
