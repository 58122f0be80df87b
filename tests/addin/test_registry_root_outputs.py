"""The payments import writes its entries file in the dossier folder itself
(``Reglements_clients_<date>-<time>.txt``): recovery blocks on such a file unknown to the
register, so ``reglo register repair`` must find it there too and record it."""
from __future__ import annotations

from decimal import Decimal
from datetime import date

from reglo.addin.shell.registry.repair import orphan_files
from reglo.core.entries import entries_to_frame
from reglo.core.fec_write import write_fec
from reglo.core.models import Entry, EntryLine
from reglo.core.register_state import RegisterSnapshot


def _entries_bytes() -> bytes:
    entry = Entry(journal_code="BQ1", entry_date=date(2025, 12, 31), entry_number="RC000001", document_ref="F2025-001", label="Règlement F2025-001",
                  lines=(EntryLine(ledger_account="512000", debit=Decimal("120.00"), credit=Decimal("0")),
                         EntryLine(ledger_account="411000", subledger_account="C001", debit=Decimal("0"), credit=Decimal("120.00"))))
    return write_fec(entries_to_frame([entry]))


def test_repair_sees_the_payments_entries_file_in_the_dossier_folder(tmp_path):
    (tmp_path / "Reglements_clients_20251231-180500.txt").write_bytes(_entries_bytes())
    (tmp_path / "notes de la comptable.txt").write_text("pas un fichier de Reglo")
    found = orphan_files(tmp_path, RegisterSnapshot())
    assert [(rb.path.name, rb.folder) for rb in found] == [("Reglements_clients_20251231-180500.txt", "")]
