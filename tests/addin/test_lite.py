"""xlwings Lite: ``addin/entrypoints/lite/main.py`` runs every handler through xlwings' own script call
path (``custom_scripts_call``, as in Lite/Server) on a remote-engine Book."""
from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest

from reglo.addin.entrypoints.handlers import HANDLERS, HandlerInfo, HandlerResult, load_all
from reglo.addin.xlam import lite
from tests.addin.samples import sample_book
from tests.conftest import make_book


@pytest.fixture
def lite_env(monkeypatch):
    """Lite's runtime: XLWINGS_ON_SERVER=true and the real ``@script`` decorator.

    ``xlwings.script`` is chosen when xlwings is first imported; re-importing xlwings would
    give other tests new classes, so the decorator is swapped on the module instead
    (monkeypatch restores both afterwards)."""
    import xlwings
    from xlwings.pro import udfs_officejs

    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    monkeypatch.setattr(xlwings, "script", udfs_officejs.script)
    yield udfs_officejs


def _load(text: str, tmp_path, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop(name, None)
    return module


def _call(udfs, module, function: str, book):
    import xlwings as xw

    return asyncio.run(udfs.custom_scripts_call(module, function, typehint_to_value={xw.Book: book}))


def test_committed_lite_files_match_the_registry():
    """If this fails: run « reglo addin customui » and commit addin/entrypoints/lite/."""
    assert lite.MAIN_PATH.read_text(encoding="utf-8") == lite.render_main()
    assert lite.REQUIREMENTS_PATH.read_text(encoding="utf-8") == lite.render_requirements()


def test_requirements_cover_the_project_dependencies():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(lite.__file__).resolve().parents[2] / "pyproject.toml").read_text())
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in project["project"]["dependencies"]}
    listed = [line for line in lite.render_requirements().splitlines() if line and not line.startswith("#")]
    assert set(listed) <= names
    assert names - set(listed) <= {"python-calamine", "olefile", "psycopg[binary]", "filelock"}  # no WebAssembly build / desktop-only (the register)


def test_scripts_are_listed_with_french_names(lite_env, tmp_path):
    module = _load(lite.render_main(), tmp_path, "reglo_lite_meta")
    meta = {m["function_name"]: m for m in lite_env.custom_scripts_meta(module)}
    handlers = load_all()
    assert set(meta) == {lite.function_name(t) for t in handlers}
    for tag, info in handlers.items():
        assert meta[lite.function_name(tag)]["name"] == info.label


def test_a_script_runs_its_handler_and_reports(lite_env, tmp_path, monkeypatch):
    def paint(book):
        book.sheets[0]["B3"].color = "#FFC7CE"
        book.sheets[0]["B3"].add_note("Compte obligatoire")
        return HandlerResult("2 lignes contrôlées")

    monkeypatch.setitem(HANDLERS, "lite_demo", HandlerInfo("lite_demo", paint, "Démo « Lite »", "Contrôle"))
    module = _load(lite.render_main({"lite_demo": HANDLERS["lite_demo"]}), tmp_path, "reglo_lite_demo")
    book = make_book([["Date", "Compte"], ["2025-01-31T00:00:00.000Z", "411A"], ["2025-01-31T00:00:00.000Z", ""]])
    returned = _call(lite_env, module, "lite_demo", book)
    assert returned is book
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["setRangeColor", "addNote", "alert"]
    assert actions[-1]["args"][:2] == ["2 lignes contrôlées", "Reglo — Démo « Lite »"]


def test_a_failing_handler_is_an_alert_in_lite(lite_env, tmp_path, monkeypatch):
    def boom(book):
        raise ValueError("colonne absente")

    monkeypatch.setitem(HANDLERS, "lite_boom", HandlerInfo("lite_boom", boom, "Boum", "Contrôle"))
    module = _load(lite.render_main({"lite_boom": HANDLERS["lite_boom"]}), tmp_path, "reglo_lite_boom")
    book = make_book([["x"]])
    _call(lite_env, module, "lite_boom", book)
    (box,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert box["args"][0].startswith("Erreur interne de Reglo pendant « Boum »")


def test_environment_is_restored():
    import os

    import xlwings

    assert os.environ.get("XLWINGS_ON_SERVER") != "true"
    assert xlwings.script.__module__ == "xlwings"


@pytest.mark.parametrize("tag", sorted(load_all()))
def test_every_registered_script_runs_on_a_realistic_workbook(tag, lite_env, tmp_path, monkeypatch):
    """Each button, called as Lite calls it, on its sample workbook (``tests/addin/samples.py``)
    or, without one, on a workbook that is not meant for it: either way the user gets a
    French message box and the handler never crashes."""
    module = _load(lite.render_main(), tmp_path, f"reglo_lite_{tag}")
    book, expect = sample_book(tag, tmp_path, monkeypatch)
    _call(lite_env, module, lite.function_name(tag), book)
    actions = book.json()["actions"]
    boxes = [a for a in actions if a["func"] == "alert"]
    assert len(boxes) == 1 and boxes[0] is actions[-1]
    prompt = boxes[0]["args"][0]
    assert "Erreur interne" not in prompt and "Traceback" not in prompt
    expect(actions, prompt)
