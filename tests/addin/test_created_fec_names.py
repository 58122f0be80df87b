"""Entries files of transfers and of the payments import are named
``<SIREN>FEC<closing>-<reference>.txt`` (``reglo.core.fec_names.created_fec_name``: the only
form the DGFiP checker accepts). Recovery and ``reglo register repair`` recognise these names,
any workflow's (``\\d{9}FEC20\\d{6}-<reference>.txt``), and keep recognising the former names
(``<MsgId>-ecritures.txt``, ``Reglements_clients_<stamp>.txt``) of existing dossiers."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from reglo.addin.entrypoints.cli import main
from reglo.addin.shell import recovery
from reglo.addin.shell.registry.repair import orphan_files as repair_orphans
from reglo.core.entries import entries_to_frame
from reglo.core.fec_write import write_fec
from reglo.core.models import Entry, EntryLine
from reglo.core.payments import usecases as pu
from reglo.core.register_state import BatchState, RegisterSnapshot
from reglo.core.transfers import usecases as tu
from reglo.addin.shell.registry import open_store
from tests.addin.test_registry_repair import ENTRIES, PAIN001

NOW = datetime(2026, 1, 2, 9, 0, tzinfo=timezone.utc)


def _entries_bytes() -> bytes:
    entry = Entry(journal_code="BQ1", entry_date=date(2025, 12, 31), entry_number="RC000001", document_ref="F2025-001", label="Règlement F2025-001",
                  lines=(EntryLine(ledger_account="512000", ledger_account_label="Banque", debit=Decimal("120.00"), credit=Decimal("0")),
                         EntryLine(ledger_account="411000", ledger_account_label="Clients", subledger_account="C001", subledger_label="Client 1",
                                   debit=Decimal("0"), credit=Decimal("120.00"))))
    return write_fec(entries_to_frame([entry]))


def test_payments_entries_name_has_siren_and_closing_of_the_entries_fiscal_year():
    assert pu.entries_name("RC-20260102-090000", siren="552100554", fiscal_year_end=date(2025, 6, 30), entry_date=date(2025, 12, 31)) \
        == "552100554FEC20260630-RC-20260102-090000.txt"
    # no SIREN (a view without the company): the former name
    assert pu.entries_name("RC-20260102-090000-2", entry_date=date(2025, 12, 31)) == "Reglements_clients_20260102-090000-2.txt"


@pytest.mark.parametrize("existing", ["552100554FEC20251231-RC-20260102-090000.txt", "Reglements_clients_20260102-090000.txt"])
def test_payments_reference_is_not_reused_when_an_entries_file_of_it_exists_under_either_name(existing):
    ref, name, n = pu.batch_reference(RegisterSnapshot(), NOW, [existing], siren="552100554", fiscal_year_end=date(2025, 12, 31))
    assert ref == "RC-20260102-090000-1" and name == "552100554FEC20261231-RC-20260102-090000-1.txt" and n == 1


@pytest.mark.parametrize("existing", ["472805696FEC20261231-VIR20260102090000.txt", "VIR20260102090000-ecritures.txt", "VIR20260102090000.xml"])
def test_transfer_message_id_is_not_reused_when_a_file_of_it_exists(existing):
    mid, n = tu.message_id(RegisterSnapshot(), NOW.replace(tzinfo=None), [existing])
    assert mid != "VIR20260102090000" and mid.startswith("VIR20260102090000-")


@pytest.mark.parametrize("name", ["472805696FEC20261231-VIR20260102090000.txt", "552100554FEC20251231-RC-20250630-100000.txt",
                                  "472805696FEC20261231-Pre2601021000BQ1.txt", "472805696FEC20261231-DEC-DEMO-0001-9001-9007.txt",
                                  "VIR20260102090000-ecritures.txt", "Reglements_clients_20250630-100000.txt", "Pre2601021000BQ1-ecritures.txt"])
def test_recovery_recognises_reglo_entries_files_old_and_new(name):
    assert recovery.REGLO_OUTPUT.match(name)


@pytest.mark.parametrize("name", ["472805696FEC20251231.txt", "472805696FEC20251231 - lettré.txt", "notes.txt", "472805696FEC2025123.txt"])
def test_recovery_leaves_the_dossier_fec_and_other_files_alone(name):
    assert not recovery.REGLO_OUTPUT.match(name)


def test_new_and_old_entries_names_carry_their_batch_reference(tmp_path):
    (tmp_path / "virements").mkdir()
    names = {"virements": ["472805696FEC20261231-VIR20250102090000.txt", "VIR20250103090000-ecritures.txt", "472805696FEC20261231-VIR20250104090000.txt"],
             "": ["552100554FEC20251231-RC-20250630-100000.txt", "Reglements_clients_20250701-100000.txt"]}
    for folder, files in names.items():
        for n in files:
            (tmp_path / folder / n).write_bytes(b"x")
    snap = RegisterSnapshot(batches=tuple(
        BatchState(id=i, kind="k", reference=ref, status="committed", created_at=NOW)
        for i, ref in enumerate(["VIR20250102090000", "VIR20250103090000", "RC-20250630-100000", "RC-20250701-100000"], start=1)))
    assert [p.name for p in recovery.orphan_files(tmp_path, snap)] == ["472805696FEC20261231-VIR20250104090000.txt"]


def test_repair_sees_a_payments_entries_file_named_for_the_checker_in_the_dossier_folder(tmp_path):
    (tmp_path / "552100554FEC20251231-RC-20251231-180500.txt").write_bytes(_entries_bytes())
    (tmp_path / "Reglements_clients_20251230-180500.txt").write_bytes(_entries_bytes())
    (tmp_path / "552100554FEC20251231.txt").write_bytes(_entries_bytes())  # the dossier's own FEC: not an output
    found = repair_orphans(tmp_path, RegisterSnapshot())
    assert sorted(rb.path.name for rb in found) == ["552100554FEC20251231-RC-20251231-180500.txt", "Reglements_clients_20251230-180500.txt"]


def test_repair_pairs_a_pain001_with_its_entries_file_named_for_the_checker(tmp_path, capsys):
    folder = tmp_path / "d"
    (folder / "virements").mkdir(parents=True)
    (folder / "virements" / "VIR20260302093000.xml").write_text(PAIN001, encoding="utf-8")
    (folder / "virements" / "472805696FEC20261231-VIR20260302093000.txt").write_text(ENTRIES, encoding="utf-8")
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    (b,) = open_store(folder).snapshot().batches
    assert (b.kind, b.reference, b.status) == ("virement", "VIR20260302093000", "committed")
    assert sorted(f.name for f in b.files) == ["472805696FEC20261231-VIR20260302093000.txt", "VIR20260302093000.xml"]
    assert b.meta["entry_numbers"] == ["VIR20260302093000-1"]
