"""``reglo.xlam`` built on Linux: valid package, our VBA module verbatim (olevba), the
other modules untouched, OLE container readable by olefile, CLI in a fresh directory."""
from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import olefile
import pytest
from lxml import etree

from reglo.addin.xlam import build, cfb, customui
from reglo.addin.xlam.vbaproject import VbaProject, normalize_source, parse_dir, serialize_dir
from reglo.addin.xlam import ovba

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

ROOT = Path(__file__).resolve().parents[2]
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
UI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"  # pairs with the 2006/01 namespace


@functools.cache
def _built() -> bytes:
    return build.build_bytes()


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlam") / "reglo.xlam"
    path.write_bytes(_built())
    return path


def _modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {Path(stream).name: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_shows_our_module_verbatim(xlam):
    code = _modules(xlam)["RibbonMyAddin"]
    expected = normalize_source(build.vba_source())
    assert code.replace("\r\n", "\n").strip() == expected.replace("\r\n", "\n").strip()
    assert "Public Sub OnAction(control As IRibbonControl)" in code
    assert "reglo.addin.entrypoints.ribbon.dispatch('" in code


def test_olevba_cli_attr(xlam):
    out = subprocess.run([sys.executable, "-m", "oletools.olevba", "--attr", str(xlam)],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'Attribute VB_Name = "RibbonMyAddin"' in out
    assert "RunPython \"import reglo.addin.entrypoints.ribbon; reglo.addin.entrypoints.ribbon.dispatch('\" & Replace(handler" in out


def test_other_modules_unchanged_except_config_name(xlam):
    ours = _modules(xlam)
    theirs = _modules(build.template_path())
    assert set(ours) == set(theirs)
    for name in theirs:
        if name in ("RibbonMyAddin", "ThisWorkbook"):  # ours (ThisWorkbook: test_xlam_wizard_keys.py)
            continue
        if name == "xlwings":
            assert ours[name] == theirs[name].replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "reglo"')
            assert ours[name] != theirs[name]
        else:
            assert ours[name] == theirs[name], name


def test_vba_project_records(xlam):
    with zipfile.ZipFile(xlam) as z:
        project = VbaProject(z.read("xl/vbaProject.bin"))
    offsets = {m.name: m.offset for m in project.modules()}
    assert offsets["RibbonMyAddin"] == 0 and offsets["xlwings"] == 0
    assert project.project_name == "Reglo"
    assert b'Name="Reglo"' in project.cf.read_stream("PROJECT")
    assert project.cf.read_stream("VBA/_VBA_PROJECT")[2:4] == b"\xff\xff"  # no p-code cache: Excel recompiles


def test_ole_container_is_readable_by_olefile(xlam):
    with zipfile.ZipFile(xlam) as z:
        data = z.read("xl/vbaProject.bin")
    with zipfile.ZipFile(build.template_path()) as z:
        template = z.read("xl/vbaProject.bin")
    ole, ref = olefile.OleFileIO(data), olefile.OleFileIO(template)
    assert sorted(ole.listdir()) == sorted(ref.listdir())
    for entry in ref.listdir():
        assert ole.get_type(entry) == olefile.STGTY_STREAM
        ole.openstream(entry).read()
    assert ole.openstream("PROJECTwm").read() == ref.openstream("PROJECTwm").read()
    assert ole.root.clsid == ref.root.clsid


def test_zip_is_a_valid_xlam(xlam):
    with zipfile.ZipFile(xlam) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names[0] == "[Content_Types].xml"
        for name in names:
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # well-formed
        types = etree.fromstring(z.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
        assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
        rels = etree.fromstring(z.read("_rels/.rels"))
        ui = [r.get("Target") for r in rels.iter(f"{RELS}Relationship") if r.get("Type") == UI_REL]
        assert ui == ["customUI/customUI.xml"]
        assert z.read("customUI/customUI.xml").decode() == customui.committed()
        workbook_rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        assert any(r.get("Target").endswith("vbaProject.bin") for r in workbook_rels.iter(f"{RELS}Relationship"))
        assert b'name="_reglo.conf"' in z.read("xl/workbook.xml")
        core = z.read("docProps/core.xml").decode()
        assert "<dc:title>Reglo</dc:title>" in core and "Felix" not in core


def test_build_is_deterministic():
    assert build.build_bytes() == _built()


def test_custom_customui_goes_into_the_package():
    xml = customui.render({})
    with zipfile.ZipFile(io.BytesIO(build.build_bytes(xml))) as z:
        assert z.read("customUI/customUI.xml").decode() == xml


def test_source_must_name_the_module():
    with zipfile.ZipFile(build.template_path()) as z:
        data = z.read("xl/vbaProject.bin")
    with pytest.raises(ValueError, match="VB_Name"):
        build.build_vba_project(data, source='Attribute VB_Name = "Autre"\nSub X()\nEnd Sub\n')
    with pytest.raises(ValueError, match="cp1252"):
        build.build_vba_project(data, source='Attribute VB_Name = "RibbonMyAddin"\n\' 日本\n')


def test_dir_stream_serialises_back_identically():
    with zipfile.ZipFile(build.template_path()) as z:
        project = VbaProject(z.read("xl/vbaProject.bin"))
    raw = ovba.decompress(project.cf.read_stream("VBA/dir"))
    assert serialize_dir(parse_dir(raw)) == raw


def _xlwings_workbooks() -> list[Path]:
    import xlwings

    root = Path(xlwings.__file__).resolve().parent
    return sorted(p for ext in ("*.xlam", "*.xlsm") for p in root.rglob(ext))


@pytest.mark.parametrize("path", _xlwings_workbooks(), ids=lambda p: p.name)
def test_cfb_roundtrip_on_every_xlwings_workbook(path):
    with zipfile.ZipFile(path) as z:
        data = z.read("xl/vbaProject.bin")
    ref = olefile.OleFileIO(data)
    cf = cfb.read(data)
    rewritten = olefile.OleFileIO(cfb.write(cf))
    assert sorted(rewritten.listdir()) == sorted(ref.listdir())
    for entry in ref.listdir():
        assert rewritten.openstream(entry).read() == ref.openstream(entry).read()
    # grow one stream past the mini-stream cutoff and shrink another: sizes may change
    cf.write_stream("VBA/dir", cf.read_stream("VBA/dir") * 10)
    cf.write_stream("PROJECT", b"ID=\"{0}\"\r\n")
    again = olefile.OleFileIO(cfb.write(cf))
    assert again.openstream("VBA/dir").read() == ref.openstream("VBA/dir").read() * 10
    assert again.openstream("PROJECT").read() == b"ID=\"{0}\"\r\n"


def test_cfb_rejects_non_ole_data():
    with pytest.raises(cfb.CfbError):
        cfb.read(b"PK\x03\x04" + b"\x00" * 600)


def test_cli_build_in_a_fresh_directory(tmp_path):
    """``reglo addin build --out`` from an unrelated working directory, nothing but files."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REGLO_LOG_DIR": str(tmp_path / "log")}
    out = tmp_path / "sortie"
    proc = subprocess.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", "addin", "build", "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    stale = customui.committed() != customui.render()  # reported by test_customui too
    assert proc.returncode == (1 if stale else 0), proc.stdout + proc.stderr
    assert "Complément écrit" in proc.stdout and "  Contrôle : " in proc.stdout
    assert (out / "reglo.xlam").read_bytes() == _built()


@pytest.mark.render
@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice (soffice) absent")
def test_libreoffice_reads_our_vba_project(tmp_path):
    """An independent reader: LibreOffice imports the VBA project (it cannot open .xlam, so
    the same package is saved as .xlsm) and keeps our module and the project name."""
    src = zipfile.ZipFile(io.BytesIO(_built()))
    xlsm = tmp_path / "reglo.xlsm"
    with zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled.main", b"ms-excel.sheet.macroEnabled.main")
            z.writestr(name, data)
    out = tmp_path / "out"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "ods", "--outdir", str(out), str(xlsm)],
                   capture_output=True, timeout=180, check=True)
    with zipfile.ZipFile(out / "reglo.ods") as ods:
        module = etree.fromstring(ods.read("Basic/Reglo/RibbonMyAddin.xml")).text
        xlwings_module = etree.fromstring(ods.read("Basic/Reglo/xlwings.xml")).text
    assert "Public Sub OnAction(control As IRibbonControl)" in module
    assert "reglo.addin.entrypoints.ribbon.dispatch('\" & Replace(handler" in module
    assert 'PROJECT_NAME As String = "reglo"' in xlwings_module
