"""Supplier transfers (virements fournisseurs): ledger → preview → rules → pain.001 + entries.

Pure domain code; the workbook, the register and the files live in ``addin/transfers.py``.
"""
from reglo.core.transfers.models import ImportResult, LineKind, PaidAllocation, PlannedTransfer, PreviewLine, TransferParameters
from reglo.core.transfers.plan import KIND, TransferPlan, assign_lettering, end_to_end_id, message_id_for, plan_transfers, transfer_entries
from reglo.core.transfers.rules import Edit, apply_edits, check_beneficiaries, check_selection, transfer_units
from reglo.core.transfers.selection import import_lines, line_keys

__all__ = [
    "Edit", "ImportResult", "KIND", "LineKind", "PaidAllocation", "PlannedTransfer", "PreviewLine", "TransferParameters",
    "TransferPlan", "apply_edits", "assign_lettering", "check_beneficiaries", "check_selection", "end_to_end_id",
    "import_lines", "line_keys", "message_id_for", "plan_transfers", "transfer_entries", "transfer_units",
]
