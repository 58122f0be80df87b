"""« Lettrage » looks in the dossier's FEC of the fiscal year N and, when the dossier holds it,
that of N+1 (seed: « Le programme va lettrer les écritures trouvées pour N et N+1 »): the open
invoices of both years are collected, an invoice carried into N+1 by a detailed opening balance
is collected once, and the invoices of the collection date's year are lettered in its copy."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reglo.addin.backends.sheets import FileWorkbook
from reglo.addin.shell import debits as sd
from reglo.addin.shell.dossier import write_dossier
from reglo.core.fec import read_fec
from reglo.core.fec_write import write_fec
from reglo.core.models import LedgerLine
from reglo.core.writers.pain008 import read_pain008
from tests.addin.test_debits_shell import snapshot, strict
from tests.core.debit_fixtures import default_ledger, dossier, ledger, sale

NOW = datetime(2024, 2, 5, 9, 30)


def opening(entry: str, account: str, ref: str, amount: str, name: str) -> list[LedgerLine]:
    """A detailed opening balance (journal AN) carrying an open invoice of N into N+1."""
    from datetime import date

    d = date(2024, 1, 1)
    return [LedgerLine(journal_code="AN", entry_number=entry, entry_date=d, ledger_account="411000", subledger_account=account, subledger_label=name,
                       document_ref=ref, label=f"A nouveau {ref}", debit=Decimal(amount)),
            LedgerLine(journal_code="AN", entry_number=entry, entry_date=d, ledger_account="890000", document_ref=ref, label=f"A nouveau {ref}",
                       credit=Decimal(amount))]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    d = strict(dossier())
    write_dossier(tmp_path / "dossier", d, default_ledger())  # FEC N: 732829320FEC20231231.txt
    n1 = ledger(opening("1", "C002", "FA-103", "850.40", "Muller Bau"),  # FA-103 of N, carried into N+1
                sale("7", "C001", "FA-201", "480.00", "2024-01-15", name="Dupont Immobilier"))
    (tmp_path / "dossier" / "732829320FEC20241231.txt").write_bytes(write_fec(n1))  # FEC N+1
    monkeypatch.setattr(sd, "now", lambda: NOW)
    return tmp_path / "dossier"


def test_invoices_of_n_and_n_plus_1_are_collected_once_and_lettered_in_their_year(folder):
    book = FileWorkbook(folder / "p.xlsx", create=True)
    sd.ensure_workbook(book, {"Dossier": str(folder), "Affectation des prélèvements": "Oui", "Banque dossier": "BQ1", "Date de prélèvement": "15/02/2024"})
    res = sd.generate_debits(book)
    assert res.exit_code == 0, [a.message for a in res.alerts]
    xml = next(Path(p) for p in res.outputs if p.endswith(".xml"))
    read = read_pain008(xml.read_bytes())
    by_debtor = {d.debtor_name: d for d in read.debits}
    # C001: FA-101 + FA-102 of N and FA-201 of N+1; C002: FA-103 once (N, carried into N+1 by the AN line)
    assert {n: d.amount for n, d in by_debtor.items()} == {"Dupont Immobilier": Decimal("7680.00"), "Muller Bau GmbH": Decimal("850.40")}
    lines = {l.document_ref: l.amount_cents for b in snapshot(folder).live("prelevement") for l in b.lines}
    assert lines == {"FA-101": 600000, "FA-102": 120000, "FA-201": 48000, "FA-103": 85040}
    # the copy of N+1 (the collection date's year) letters FA-201 and the carried FA-103
    copy = folder / "732829320FEC20241231 - lettré.txt"
    frame = read_fec(copy.read_bytes(), filename=copy.name).frame
    lettered = frame[(frame["subledger_account"] != "") & (frame["lettering_code"] != "")]
    assert {"FA-103", "FA-201"} <= set(lettered["document_ref"])
    invoices = frame[(frame["journal_code"] != "BQ1") & (frame["subledger_account"] != "")]
    assert (invoices["lettering_code"] != "").all()
    # FA-101 / FA-102 live in the FEC of N: collected, left for lettering there (warning)
    warn = next(a for a in res.alerts if a.code.value == "DEBIT_OTHER_YEAR_NOT_LETTERED")
    assert "FA-101" in warn.message and "FA-102" in warn.message
    # nothing twice, in either year
    again = sd.generate_debits(book)
    assert again.outputs == [] and "rien à prélever" in again.summary


def test_without_n_plus_1_the_fiscal_year_fec_alone(tmp_path, monkeypatch):
    from reglo.addin.shell.debits import adjacent_fecs

    d = strict(dossier())
    write_dossier(tmp_path / "d", d, default_ledger())
    fec = tmp_path / "d" / "732829320FEC20231231.txt"
    assert adjacent_fecs(tmp_path / "d", "732829320", fec) == []
    (tmp_path / "d" / "732829320FEC20241231.txt").write_bytes(fec.read_bytes())
    (tmp_path / "d" / "732829320FEC20201231.txt").write_bytes(fec.read_bytes())  # not adjacent: ignored
    assert [p.name for p in adjacent_fecs(tmp_path / "d", "732829320", fec)] == ["732829320FEC20241231.txt"]
