"""xlwings Lite: ``addin/entrypoints/lite/main.py`` runs every handler through xlwings' own script call
path (``custom_scripts_call``, as in Lite/Server) on a remote-engine Book."""
from __future__ import annotations

import json
import re
from importlib.metadata import distribution, version
from pathlib import Path

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


LOCK = Path(__file__).resolve().parents[1] / "data" / f"pyodide-lock-{lite.PYODIDE_VERSION}.json"
# provided by xlwings Lite itself (its own package, pinned by the add-in)
PROVIDED_BY_LITE = {"xlwings"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_requirements_are_one_line_installing_reglo():
    lines = [line for line in lite.render_requirements().splitlines() if line and not line.startswith("#")]
    assert lines == [f"reglo=={version('reglo')}"]


def test_lite_dependencies_are_pyodide_packages_or_pure_python_wheels():
    """Every dependency micropip would install in xlwings Lite (markers evaluated for
    Pyodide), transitively, is in the lock file of the Pyodide release xlwings Lite runs with a
    version our specifier accepts, or a pure-Python wheel (checked on the installed one)."""
    from packaging.requirements import Requirement

    lock = json.loads(LOCK.read_text())
    assert lock["info"]["version"] == lite.PYODIDE_VERSION
    shipped = {_norm(name): pkg["version"] for name, pkg in lock["packages"].items()}
    env = {"sys_platform": "emscripten", "platform_system": "Emscripten", "platform_machine": "wasm32",
           "python_version": ".".join(lock["info"]["python"].split(".")[:2]), "python_full_version": lock["info"]["python"],
           "implementation_name": "cpython", "os_name": "posix", "extra": ""}
    seen: dict[str, str] = {}
    todo = [Requirement(r) for r in distribution("reglo").requires or []]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = _norm(req.name)
        if name in seen:
            continue
        if name in PROVIDED_BY_LITE:
            seen[name] = "xlwings Lite"
            continue
        if name in shipped:
            assert req.specifier.contains(shipped[name], prereleases=True), f"{req} but Pyodide {lite.PYODIDE_VERSION} ships {name} {shipped[name]}"
            seen[name] = f"Pyodide {shipped[name]}"
            continue  # Pyodide resolves its own packages' dependencies
        dist = distribution(req.name)
        wheel = dist.read_text("WHEEL") or ""
        assert "Root-Is-Purelib: true" in wheel, f"{req.name} is neither in Pyodide {lite.PYODIDE_VERSION} nor a pure-Python wheel"
        seen[name] = "pur Python"
        todo += [Requirement(r) for r in dist.requires or []]
    assert {"pandas", "lxml", "pydantic", "openpyxl", "schwifty", "python-stdnum"} <= set(seen)
    assert "python-calamine" not in seen


def test_reglo_wheel_is_pure_python(tmp_path):
    import subprocess
    import sys
    import zipfile

    root = Path(lite.__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (whl,) = tmp_path.glob("reglo-*-py3-none-any.whl")
    wheel = next(n for n in zipfile.ZipFile(whl).namelist() if n.endswith(".dist-info/WHEEL"))
    assert "Root-Is-Purelib: true" in zipfile.ZipFile(whl).read(wheel).decode()


def test_script_names_are_unique():
    names = lite.script_names(load_all())
    assert len(set(names.values())) == len(names)
    assert names["payments_import"] == "Importer (Règlements clients)" and names["transfers_import"] == "Importer (Virements fournisseurs)"


def test_desktop_buttons_say_why_in_the_browser(monkeypatch):
    from reglo.addin.entrypoints import ribbon

    calls = []
    monkeypatch.setattr(ribbon.sys, "platform", "emscripten")
    monkeypatch.setattr(ribbon, "_show", lambda book, message, mode, info=None: calls.append(message))
    ran = []
    monkeypatch.setitem(HANDLERS, "lite_needs_dossier", HandlerInfo("lite_needs_dossier", lambda book: ran.append(1), "Générer le fichier", "Virements fournisseurs"))
    assert ribbon.run("lite_needs_dossier", object()) is None
    assert not ran and "complément Excel de bureau" in calls[0] and "registre" in calls[0]
    assert load_all()["check"].browser


def test_scripts_are_listed_with_french_names(lite_env, tmp_path):
    module = _load(lite.render_main(), tmp_path, "reglo_lite_meta")
    meta = {m["function_name"]: m for m in lite_env.custom_scripts_meta(module)}
    handlers = load_all()
    assert set(meta) == {lite.function_name(t) for t in handlers}
    names = lite.script_names(handlers)
    for tag, info in handlers.items():
        assert meta[lite.function_name(tag)]["name"] == names[tag] and names[tag].startswith(info.label)


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
    assert box["args"][0].startswith("Boum : Erreur inattendue de Reglo")


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
