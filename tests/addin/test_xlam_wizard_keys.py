"""The desktop add-in binds the disbursement wizard's keys (Ctrl-Z: undo, F5: assign to the
default bank) with ``Application.OnKey`` while a wizard sheet is active, and gives them back to
Excel when another sheet or workbook is active: read back from the built ``reglo.xlam`` with
olevba. The handlers the keys call are the ribbon's own (``disburse_undo``, ``disburse_assign``),
and the ribbon XML stays up to date."""
from __future__ import annotations

import functools
import re
import warnings
from pathlib import Path

import pytest

from reglo.addin.xlam import build

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser


@functools.cache
def _modules() -> dict[str, str]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "reglo.xlam"
        path.write_bytes(build.build_bytes())
        parser = VBA_Parser(str(path))
        try:
            return {Path(stream).name: code.replace("\r\n", "\n") for _, stream, _, code in parser.extract_macros()}
        finally:
            parser.close()


def _sub(code: str, name: str) -> str:
    m = re.search(rf"^(Public |Private )?(Sub|Function) {name}\b.*?^End (Sub|Function)", code, re.S | re.M)
    assert m, f"{name} absent"
    return m.group(0)


def test_keys_are_bound_on_a_wizard_sheet_and_released_elsewhere():
    code = _modules()["RibbonMyAddin"]
    bind = _sub(code, "BindWizardKeys")
    assert 'Application.OnKey "^z", prefix & "WizardUndo"' in bind and 'Application.OnKey "{F5}", prefix & "WizardAssign"' in bind
    release = _sub(code, "ReleaseWizardKeys")
    assert 'Application.OnKey "^z"\n' in release and 'Application.OnKey "{F5}"\n' in release  # no procedure: back to Excel
    keys = _sub(code, "WizardKeys")
    assert "If IsWizardSheet(sh) Then" in keys and "BindWizardKeys" in keys and "ReleaseWizardKeys" in keys
    wizard = _sub(code, "IsWizardSheet")
    assert '"?tape [1-5] - *"' in wizard and "201" in wizard  # « Étape 1 - … » to « Étape 5 - … »


@pytest.mark.parametrize("sub, handler", [("WizardUndo", "disburse_undo"), ("WizardAssign", "disburse_assign"), ("WizardDispute", "disburse_dispute")])
def test_key_handlers_call_the_ribbon_handlers(sub, handler):
    from reglo.addin.entrypoints.ribbon import load_all

    body = _sub(_modules()["RibbonMyAddin"], sub)
    assert f'RunHandler "{handler}"' in body
    assert "ReleaseWizardKeys" in body  # pressed elsewhere (keys left bound): given back at once
    assert handler in load_all()
    assert "reglo.addin.entrypoints.ribbon.dispatch('" in _sub(_modules()["RibbonMyAddin"], "RunHandler")


def test_every_declared_key_is_bound_to_its_handler_and_released():
    from reglo.addin.entrypoints.handlers.disbursement import KEYS

    code = _modules()["RibbonMyAddin"]
    bind, release = _sub(code, "BindWizardKeys"), _sub(code, "ReleaseWizardKeys")
    macros = dict(re.findall(r'Application\.OnKey "([^"]+)", prefix & "(\w+)"', bind))
    assert set(macros) == set(KEYS)
    for key, handler in KEYS.items():
        assert f'RunHandler "{handler}"' in _sub(code, macros[key])
        assert f'Application.OnKey "{key}"\n' in release


def test_application_events_drive_the_keys():
    code = _modules()["ThisWorkbook"]
    assert "Private WithEvents App As Application" in code
    assert "Set App = Application" in _sub(code, "Workbook_Open")
    assert "RibbonMyAddin.WizardKeys Sh" in _sub(code, "App_SheetActivate")
    assert "RibbonMyAddin.ReleaseWizardKeys" in _sub(code, "App_SheetDeactivate")
    assert "RibbonMyAddin.WizardKeys Wb.ActiveSheet" in _sub(code, "App_WorkbookActivate")
    assert "RibbonMyAddin.ReleaseWizardKeys" in _sub(code, "App_WorkbookDeactivate")
    assert "RibbonMyAddin.ReleaseWizardKeys" in _sub(code, "Workbook_BeforeClose")
    assert code.count("OnKey") == 0  # only the ribbon module binds keys: Excel's undo is untouched elsewhere


def test_wizard_sheet_names_match_the_vba_pattern():
    from reglo.core.disbursement.state import SHEETS

    for step in range(1, 6):
        name = SHEETS[step]
        assert ord(name[0]) == 201 and re.fullmatch(r".tape [1-5] - .*", name), name


def test_customui_is_up_to_date():
    from reglo.addin.entrypoints.cli import main

    assert main(["addin", "customui", "--check"]) == 0


def test_double_click_on_a_step_3_payment_assigns_it():
    code = _modules()["RibbonMyAddin"]
    body = _sub(code, "WizardDoubleClick")
    assert 'sh.Name Like "?tape 3 - *"' in body and 'sh.Cells(target.Row, 1).Value = "x"' in body
    assert 'RunHandler "disburse_assign"' in body and "WizardDoubleClick = True" in body
    event = _sub(_modules()["ThisWorkbook"], "App_SheetBeforeDoubleClick")
    assert "If RibbonMyAddin.WizardDoubleClick(Sh, Target) Then Cancel = True" in event
