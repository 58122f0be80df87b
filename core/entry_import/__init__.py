"""Entry import (import d'écritures): configurable layouts → balanced entries.

``ImportDefinition`` describes a layout; ``import_entries(RawRows, definition)`` returns an
``ImportResult`` (accepted lines, rejected rows with reasons, alerts, summary);
``reglo.core.fec.write_fec_table`` / ``write_fec_tables`` write its accepted lines (``ImportResult.table``) as FECs.
"""
from reglo.core.entry_import.definition import (
    AccountLayout,
    AccountRange,
    AccountTypeMode,
    AmountMode,
    Boundary,
    CounterMode,
    ImportDefinition,
    JournalKind,
    check_definition,
)
from reglo.core.entry_import.engine import RawRows, import_entries
from reglo.core.entry_import.result import ImportResult, ImportSummary, JournalSummary, Rejection, table_to_frame

__all__ = [
    "AccountLayout",
    "AccountRange",
    "AccountTypeMode",
    "AmountMode",
    "Boundary",
    "CounterMode",
    "ImportDefinition",
    "ImportResult",
    "ImportSummary",
    "JournalKind",
    "JournalSummary",
    "RawRows",
    "Rejection",
    "check_definition",
    "import_entries",
    "table_to_frame",
]
