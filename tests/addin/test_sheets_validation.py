"""``Workbook.set_list_validation``: a dropdown list on a column, in the three backends
(openpyxl file, fast patched file, xlwings remote engine). Files are read back with openpyxl."""
from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.worksheet.datavalidation import DataValidation

from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.sheets import FileWorkbook, list_formula
from reglo.addin.backends.xlbook import XlwingsWorkbook
from tests.conftest import make_book

S = "Feuille"
ERROR = "Choisissez « Oui » ou « Non »."


def validations(path, sheet=S):
    ws = load_workbook(path)[sheet]
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def check_yes_no(dv, *, messages=True):
    assert dv.type == "list" and dv.formula1 == '"Oui,Non"'
    assert dv.allow_blank and dv.showErrorMessage and dv.errorStyle == "stop"
    assert not dv.showDropDown  # (sic) OOXML: False means the in-cell dropdown is shown
    if messages:
        assert dv.errorTitle == "Appliquer" and dv.error == ERROR


def test_list_formula():
    assert list_formula(["Oui", "Non"]) == '"Oui,Non"'
    assert list_formula(['a"b']) == '"a""b"'
    for bad in ([], ["a,b"], ["x" * 300]):
        with pytest.raises(ValueError):
            list_formula(bad)


def test_file_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    book = FileWorkbook(path, create=True)
    book.write_sheet(S, ["Groupe", "Appliquer"], [[1, "Oui"], [2, "Non"]])
    book.set_list_validation(S, 2, 3, 2, ["Oui", "Non"], title="Appliquer", error=ERROR)
    book.set_list_validation(S, 5, 4, 2, ["Oui", "Non"])  # empty range: nothing
    book.save()
    got = validations(path)
    assert list(got) == ["B2:B3"]
    check_yes_no(got["B2:B3"])


def test_titles_are_cut_to_excel_limits(tmp_path):
    path = tmp_path / "a.xlsx"
    book = FileWorkbook(path, create=True)
    book.write_sheet(S, ["A"], [["x"]])
    book.set_list_validation(S, 2, 2, 1, ["x"], title="T" * 40, error="E" * 300)
    book.save()
    (dv,) = validations(path).values()
    assert len(dv.errorTitle) == 32 and len(dv.error) == 255


def test_fast_workbook_new_sheet(tmp_path):
    path = tmp_path / "a.xlsx"
    FileWorkbook(path, create=True).save()
    book = FastFileWorkbook(path)
    book.write_sheet(S, ["Groupe", "Appliquer"], [[1, "Oui"], [2, "Non"]], title="Titre")
    book.set_list_validation(S, 4, 5, 2, ["Oui", "Non"], title="Appliquer", error=ERROR)
    book.save()
    check_yes_no(validations(path)["B4:B5"])
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml").decode()
    assert xml.index("</sheetData>") < xml.index("<dataValidations") < xml.index("<pageMargins")


def _existing(path, *, with_validation=False, with_link=False):
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = S
    for r in range(1, 6):
        ws.cell(r, 1, f"ligne {r}")
    ws.conditional_formatting.add("A1:A5", CellIsRule(operator="equal", formula=['"x"'], fill=None))
    if with_validation:
        dv = DataValidation(type="whole", operator="between", formula1="1", formula2="9")
        dv.add("C1:C5")
        ws.add_data_validation(dv)
    if with_link:
        ws["A1"].hyperlink = "https://example.org"
    ws["A2"].comment = Comment("note", "moi")
    wb.save(path)


@pytest.mark.parametrize("with_validation", [False, True])
def test_fast_workbook_existing_sheet(tmp_path, with_validation):
    path = tmp_path / "a.xlsx"
    _existing(path, with_validation=with_validation, with_link=True)
    book = FastFileWorkbook(path)
    book.set_list_validation(S, 1, 5, 2, ["Oui", "Non"], title="Appliquer", error=ERROR)
    book.fill(S, [(2, 1)], "#FFC7CE")
    book.save()
    got = validations(path)
    check_yes_no(got["B1:B5"])
    if with_validation:
        assert got["C1:C5"].type == "whole"  # the user's validation is kept
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    count = int(re.search(r'<dataValidations[^>]*count="(\d+)"', xml).group(1))
    assert count == (2 if with_validation else 1) and xml.count("<dataValidations") == 1
    # CT_Worksheet order: … conditionalFormatting, dataValidations, hyperlinks, … pageMargins, … legacyDrawing
    order = [xml.index(t) for t in ("</sheetData>", "<conditionalFormatting", "<dataValidations", "<hyperlinks", "<pageMargins", "<legacyDrawing")]
    assert order == sorted(order)
    wb = load_workbook(path)
    assert wb[S]["A2"].comment.text == "note" and wb[S]["A1"].hyperlink.target == "https://example.org"


def test_fast_workbook_rewritten_sheet_drops_pending(tmp_path):
    path = tmp_path / "a.xlsx"
    _existing(path)
    book = FastFileWorkbook(path)
    book.set_list_validation(S, 1, 5, 2, ["Oui", "Non"])
    book.write_sheet(S, ["A"], [["x"]])  # replaced: the validation of the old sheet does not apply
    book.save()
    assert validations(path) == {}


def test_xlwings_remote_engine():
    book = make_book({S: [["Groupe", "Appliquer"], [1, "Oui"], [2, "Non"]]})
    XlwingsWorkbook(book).set_list_validation(S, 2, 3, 2, ["Oui", "Non"], title="Appliquer", error=ERROR)
    XlwingsWorkbook(book).set_list_validation(S, 5, 4, 2, ["Oui", "Non"])  # empty range: no action
    actions = book.json()["actions"]
    assert len(actions) == 1
    act = actions[0]
    assert act["func"] == "setDataValidationList"
    assert act["args"] == [{"type": "literal", "values": ["Oui", "Non"]}, True]
    assert (act["start_row"], act["start_column"], act["row_count"], act["column_count"]) == (1, 1, 2, 1)


def test_file_workbook_write_cells_none_empties_a_cell(tmp_path):
    book = FileWorkbook(tmp_path / "a.xlsx", create=True)
    book.write_sheet(S, ["A", "B"], [["x", "y"]])
    book.write_cells(S, {(2, 1): None, (2, 2): "z"})
    assert book.read_values(S)[1] == [None, "z"]


def test_every_backend_implements_the_protocol(tmp_path):
    from reglo.addin.backends.sheets import Workbook

    path = tmp_path / "a.xlsx"
    FileWorkbook(path, create=True).save()
    for book in (FileWorkbook(path), FastFileWorkbook(path), XlwingsWorkbook(make_book({S: [["x"]]}))):
        assert isinstance(book, Workbook) and callable(book.set_list_validation)
