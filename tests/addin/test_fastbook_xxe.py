"""The fast patcher parses the parts of a user's workbook (styles, workbook, relationships,
sheets, comments) without expanding entities: a workbook whose styles.xml declares an external
entity (XXE) pointing at a local file never gets that file's content into the saved workbook,
and an entity bomb is not expanded."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from reglo.addin.backends.fastbook import FastFileWorkbook
from reglo.addin.backends.sheets import WorkbookError


def _hostile(path: Path, secret: Path, part: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Feuille"
    wb.active["A1"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                text = data.decode()
                head, _, rest = text.partition("?>") if text.startswith("<?xml") else ("", "", text)
                doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                if part.endswith("styles.xml"):  # in an element's text: <numFmt> has none, use a font's <name> sibling text
                    rest = rest.replace("</styleSheet>", "<extLst><ext uri=\"x\"><t>&xxe;&b;</t></ext></extLst></styleSheet>", 1)
                else:  # a sheet: an inline string
                    rest = rest.replace("</sheetData>", "<row r=\"9\"><c r=\"A9\" t=\"inlineStr\"><is><t>&xxe;&b;</t></is></c></row></sheetData>", 1)
                data = ((head + "?>" if head else "") + doctype + rest).encode()
            out.writestr(info, data)


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/worksheets/sheet1.xml"])
def test_an_external_entity_is_never_read_into_the_saved_workbook(tmp_path, part):
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET")
    path = tmp_path / "hostile.xlsx"
    _hostile(path, secret, part)
    try:
        book = FastFileWorkbook(path)
        book.fill("Feuille", [(1, 1)], "#FFC7CE")  # a painted cell and a note: styles.xml and the sheet are rewritten
        book.set_note("Feuille", 1, 1, "contrôle")
        book.save(tmp_path / "out.xlsx")
    except WorkbookError as exc:  # refused with a French message: fine too
        assert "SECRET" not in str(exc)
        return
    saved = zipfile.ZipFile(tmp_path / "out.xlsx")
    for name in saved.namelist():
        data = saved.read(name)
        assert b"MOT-DE-PASSE-SECRET" not in data, name
        assert b"aaaaaaaaaaaaaaaaaaaa" not in data, name  # the entity was not expanded
