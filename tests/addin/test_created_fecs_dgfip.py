"""Every FEC Reglo creates has none of the conditions the DGFiP checker (« Test Compta Demat »)
declares blocking. ``reglo fec check`` reproduces the checker's rules (``dgfip_alerts``; tested
against the checker's own verdicts in ``tests/core/test_fec_dgfip.py``), so grading each file
Reglo writes with it stands for running the checker: the entry-import FEC of each amount layout
× account layout, of the single-line layout with VAT, of every preset and of any definition
(property), the payments-import and transfer entries files, and the lettered copies. The
checker's verdicts on one file of each kind are committed in ``tests/fixtures/dgfip/``
(``*_reglo_*``)."""
from __future__ import annotations

import csv
import io
import itertools
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from reglo.addin.shell import entry_import as ei
from reglo.core.entry_import import import_entries
from reglo.core.entry_import.definition import (
    AccountLayout,
    AccountRange,
    AccountTypeMode,
    AmountMode,
    CounterMode,
    ImportDefinition,
)
from reglo.core.entry_import.layout import PRESETS, RenderStyle, render_rows
from reglo.core.fec import dgfip_alerts, read_fec
from reglo.core.models import Entry, EntryLine
from tests.core.test_entry_import_props import definitions, entries

FULL = bool(os.environ.get("REGLO_FULL"))
CHECKER_NAME = re.compile(r"^\d{9}FEC20\d{6}")


def _blocking(name: str, data: bytes) -> list[str]:
    ledger = read_fec(data, filename=name)
    return [f"{a.code.value} {a.message}" for a in dgfip_alerts(ledger.alerts, name) if a.is_blocking]


def _new_blocking(copy: Path, source: Path) -> set[str]:
    """Blocking conditions of a lettered copy that its source ledger does not have: a copy keeps
    the ledger's own defects (reported, never « fixed »), it must add none."""
    return set(_blocking(copy.name, copy.read_bytes())) - set(_blocking(source.name, source.read_bytes()))


def _dossier_fec(folder: Path) -> Path:
    (fec,) = [p for p in folder.iterdir() if re.fullmatch(r"\d{9}FEC\d{8}\.txt", p.name)]
    return fec


def _balanced_numbers(data: bytes, name: str) -> tuple[int, bool]:
    frame = read_fec(data, filename=name).frame
    sums = frame.groupby("entry_number")[["debit", "credit"]].sum()
    return len(sums), bool((sums["debit"] == sums["credit"]).all())


def _line(account: str, cents: int, sub: str = "", label: str = "x") -> EntryLine:
    d = Decimal(cents) / 100
    return EntryLine(ledger_account=account, subledger_account=sub, label=label, debit=max(d, Decimal(0)), credit=max(-d, Decimal(0)))


def _entries() -> list[Entry]:
    """Opening balance, purchase, credit note, sale, payment, payroll: one of each."""
    def e(j, n, day, ref, label, *lines):
        return Entry(journal_code=j, entry_number=n, entry_date=date(2025, 1, day), document_ref=ref, label=label, lines=lines)
    return [
        e("AN", "AN1", 1, "AN1", "À-nouveaux", _line("512000", 1_000_000, label="Banque"), _line("101000", -1_000_000, label="Capital")),
        e("AC", "AC1", 10, "FA-1", "Achat", _line("401000", -120_000, "20001", "Achat F1"), _line("607000", 100_000, label="Achat F1"), _line("445660", 20_000, label="Achat F1")),
        e("AC", "AC2", 12, "AV-1", "Avoir", _line("401000", 60_000, "20001", "Avoir F1"), _line("607000", -50_000, label="Avoir F1"), _line("445660", -10_000, label="Avoir F1")),
        e("VT", "VT1", 15, "F-1", "Vente", _line("411000", 240_000, "10001", "Vente C1"), _line("706000", -200_000, label="Vente C1"), _line("445710", -40_000, label="Vente C1")),
        e("BQ", "BQ1", 20, "R-1", "Règlement", _line("512000", 240_000, label="Règlement C1"), _line("411000", -240_000, "10001", "Règlement C1")),
        e("OD", "OD1", 31, "PAIE-01", "Paie", _line("641000", 300_000, label="Salaires"), _line("431000", -60_000, label="URSSAF"), _line("421000", -240_000, label="Net")),
    ]


def _definition(layout: AccountLayout, amount: AmountMode, *, vat: bool = False, type_mode: AccountTypeMode | None = None) -> ImportDefinition:
    if type_mode is None:
        type_mode = AccountTypeMode.RANGES if layout == AccountLayout.THREE_COLUMNS else AccountTypeMode.TYPE_COLUMN
    return ImportDefinition(
        name="essai", journal_column="Journal", date_column="Date", entry_number_column="" if vat else "N° écriture", document_ref_column="Pièce",
        label_column="Libellé", account_layout=layout, account_type_mode=type_mode, account_column="Compte", third_party_column="Tiers",
        customer_column="Client", supplier_column="Fournisseur", account_type_column="Type",
        general_ranges=(AccountRange(start=100000, end=899999),), customer_ranges=(AccountRange(start=10000, end=19999),),
        supplier_ranges=(AccountRange(start=20000, end=29999),), amount_mode=amount, amount_column="Montant", sign_column="Sens",
        debit_symbol="D", credit_symbol="C", debit_column="Débit", credit_column="Crédit", decimal_separator=",", thousands_separator="",
        vat_on_line=vat, vat_column="TVA", counter_mode=CounterMode.COLUMN if vat else CounterMode.NONE, counter_account_column="Contrepartie",
        date_format="jj/mm/aaaa")


def _import(ents: list[Entry], d: ImportDefinition, *, companies=None, style: RenderStyle = RenderStyle(), siren: str | None = "123456789"):
    headers, rows = render_rows(ents, d, companies=companies, style=style)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    inp = ei.read_delimited(buf.getvalue().encode("utf-8"), d, name="import.csv")
    result = import_entries(inp.raw, d)
    files = ei.output_files(inp, result, d, stem="import", siren=siren, closing=date(2025, 12, 31))
    return result, [(n, b) for n, b, role in files if role == "entries"]


CASES = [(f"{layout.name}-{amount.name}", _definition(layout, amount), _entries()) for layout, amount in itertools.product(AccountLayout, AmountMode)]
CASES += [("ONE_COLUMN-RANGES-DEBIT_CREDIT", _definition(AccountLayout.ONE_COLUMN, AmountMode.DEBIT_CREDIT, type_mode=AccountTypeMode.RANGES), _entries()),
          ("single-line-VAT-counter-account", _definition(AccountLayout.ONE_COLUMN, AmountMode.SIGNED, vat=True), [e for e in _entries() if e.journal_code in ("AC", "VT")])]


@pytest.mark.parametrize("case, d, ents", CASES, ids=[c[0] for c in CASES])
def test_entry_import_fec_of_each_layout_passes_the_checker_rules(case, d, ents):
    result, fecs = _import(ents, d)
    assert result.summary.lines_rejected == 0 and len(fecs) == 1
    name, data = fecs[0]
    assert name == "123456789FEC20251231.txt"
    assert _blocking(name, data) == []
    assert _balanced_numbers(data, name) == (len(ents), True)  # one balanced EcritureNum per accepted entry


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_entry_import_fec_of_every_preset_passes_the_checker_rules(preset):
    d = PRESETS[preset]()
    if preset == "ventes":
        ents = [e for e in _entries() if e.journal_code == "VT"]
    elif preset == "ligne-unique":
        ents = [e for e in _entries() if e.journal_code in ("AC", "VT")]
    else:
        ents = [e for e in _entries() if e.journal_code in ("BQ", "OD")]
    if d.company_column:
        d = d.model_copy(update={"companies": {"ALPHA": "552100554"}})
    result, fecs = _import(ents, d, companies=["ALPHA"] * len(ents) if d.company_column else None,
                           style=RenderStyle(minus_after=preset == "ligne-unique"))
    assert result.summary.lines_rejected == 0 and fecs
    for name, data in fecs:
        assert CHECKER_NAME.match(name), name
        assert _blocking(name, data) == []


@settings(max_examples=200 if FULL else 15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(n_max=6), definitions())
def test_entry_import_fec_of_any_definition_passes_the_checker_rules(data, definition):
    ents, companies = data
    d, style = definition
    d = d.model_copy(update={"companies": {"": "123456789", "ALPHA": "552100554", "BETA": "732829320"}})
    result, fecs = _import(ents, d, companies=companies, style=style)
    for name, fec in fecs:
        assert CHECKER_NAME.match(name), name
        assert _blocking(name, fec) == []
        numbers, balanced = _balanced_numbers(fec, name)
        assert balanced and numbers == len(result.entries(next(c for c in result.companies() if name.startswith(d.companies.get(c, "")))))


# ---------------------------------------------------------------------------
# payments import and transfers: the entries file and the lettered copy
# ---------------------------------------------------------------------------

def test_payments_entries_file_and_lettered_copy_pass_the_checker_rules(tmp_path):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell.payments import PaymentsDossier, import_payments
    from tests.addin.test_payments_lettering import folder as make_folder
    from tests.addin.test_payments_workbook import NOW, ROWS, TODAY, template_file

    folder = make_folder.__wrapped__(tmp_path)
    run = import_payments(FileWorkbook(template_file(tmp_path / "r.xlsx", ROWS[:2])), PaymentsDossier.load(folder), today=TODAY, now=NOW, save_book=True)
    entries, copy = [Path(p) for p in run.outputs if str(p).endswith(".txt")]
    assert (entries.name, copy.name) == ("552100554FEC20251231-RC-20250630-100000.txt", "552100554FEC20251231 - lettré.txt")
    assert _blocking(entries.name, entries.read_bytes()) == []
    assert _new_blocking(copy, _dossier_fec(folder)) == set()


def test_transfer_entries_file_and_lettered_copy_pass_the_checker_rules(tmp_path, capsys):
    from reglo.addin.entrypoints.cli import main
    from tests.addin.test_transfers_addin import NOW, _import as transfers_import, set_preview
    from tests.addin.test_transfers_lettering import dossier as make_dossier

    dossier = make_dossier.__wrapped__(tmp_path)
    wb = tmp_path / "virements.xlsx"
    assert transfers_import(wb, dossier) == 0
    set_preview(wb, "FA-2023-031", Montant=1000)
    assert main(["transfers", "generate", str(wb), "--now", NOW]) == 0
    (entries,) = (dossier / "virements").glob("*FEC*-VIR*.txt")
    assert re.fullmatch(r"\d{9}FEC20\d{6}-VIR20230331100000\.txt", entries.name)
    assert _blocking(entries.name, entries.read_bytes()) == []
    (copy,) = dossier.glob("*lettré.txt")
    assert _new_blocking(copy, _dossier_fec(dossier)) == set()


def test_entry_import_fec_is_named_after_the_dossier_fiscal_year_holding_the_entries():
    """With the dossier's company (SIREN, « Fin d'exercice » 30/06), the FEC of accepted entries
    dated January 2025 is ``<SIREN>FEC20250630.txt``, even when the dossier still says 30/06/2024."""
    d = _definition(AccountLayout.ONE_COLUMN, AmountMode.DEBIT_CREDIT)
    headers, rows = render_rows(_entries(), d)
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([headers, *rows])
    inp = ei.read_delimited(buf.getvalue().encode("utf-8"), d, name="import.csv")
    result = import_entries(inp.raw, d)
    assert ei.fec_names(result, d, siren="552100554", closing=date(2024, 6, 30)) == {"": "552100554FEC20250630.txt"}
    assert ei.fec_names(result, d, siren="552100554", closing=date(2025, 6, 30)) == {"": "552100554FEC20250630.txt"}
    assert ei.fec_names(result, d.model_copy(update={"fiscal_year_end": date(2025, 12, 31)}), siren="552100554",
                        closing=date(2024, 6, 30)) == {"": "552100554FEC20251231.txt"}  # the definition's date wins


SIGNED_VAT_CSV = ("Journal;Date;Pièce;Libellé;Compte;Type;Montant;Montant TVA;Compte de contrepartie\r\n"
                  "AC;10/01/2025;FA-1;Achat fournitures;20001;C;120,00-;20,00;606400\r\n"
                  "AC;12/01/2025;AV-1;Avoir fournitures;20001;C;60,00;10,00-;606400\r\n"
                  "VT;15/01/2025;F-1;Vente prestation;10001;D;240,00;40,00-;706000\r\n"
                  "VT;16/01/2025;AVC-1;Avoir client;10001;D;120,00-;20,00;706000\r\n")


def test_single_line_with_vat_signed_as_debit_credit_passes_the_checker_rules():
    """The « signé comme débit/crédit » VAT convention, invoices and credit notes (fixture
    ``123456789FEC20251231_reglo_import_ligne_unique_tva_signee``: « CONFORME »)."""
    from reglo.core.entry_import.definition import VatSign

    d = PRESETS["ligne-unique"]().model_copy(update={
        "company_column": "", "vat_sign": VatSign.SIGNED,
        "supplier_ranges": (AccountRange(start=20000, end=29999),), "customer_ranges": (AccountRange(start=10000, end=19999),)})
    inp = ei.read_delimited(SIGNED_VAT_CSV.encode("utf-8"), d, name="import.csv")
    result = import_entries(inp.raw, d)
    assert result.summary.lines_rejected == 0
    files = ei.output_files(inp, result, d, stem="import", siren="123456789", closing=date(2025, 12, 31))
    ((name, data),) = [(n, b) for n, b, role in files if role == "entries"]
    assert _blocking(name, data) == [] and _balanced_numbers(data, name) == (4, True)
    frame = read_fec(data, filename=name).frame
    vat = frame[frame["ledger_account"].str.startswith("4456") | frame["ledger_account"].str.startswith("4457")]
    assert list(zip(vat["ledger_account"], vat["debit"], vat["credit"])) == [
        ("445660", 2000, 0), ("445660", 0, 1000), ("445710", 0, 4000), ("445710", 2000, 0)]
