"""Build ``reglo.xlam`` on any OS from xlwings' ribbon add-in template.

Steps (see ``docs/installation.md`` and the Excel harness note, option A):

1. take ``quickstart_addin_ribbon.xlam`` from the installed xlwings wheel;
2. replace ``customUI/customUI.xml`` with ``addin/xlam/customUI.xml`` (the "Reglo" tab);
3. in ``xl/vbaProject.bin``: replace the source of the ribbon module with
   ``addin/xlam/vba/Reglo.bas`` (single ``OnAction`` callback → ``reglo.addin.entrypoints.ribbon.dispatch``),
   and the add-in's ``ThisWorkbook`` with ``addin/xlam/vba/ThisWorkbook.cls`` (application events
   binding the disbursement wizard's keys while one of its sheets is active),
   point the embedded xlwings module at its own configuration (``reglo.conf`` instead of
   ``myaddin.conf``) and rename the VBA project to ``Reglo``;
4. title/description shown by Excel's add-in manager, hidden config sheet renamed;
5. write the zip deterministically (fixed timestamps, same part order) and atomically.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from reglo.addin.xlam import customui
from reglo.addin.xlam.vbaproject import VbaProject, VbaProjectError

TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
XLAM_NAME = "reglo.xlam"
VBA_SOURCE = Path(__file__).resolve().parent / "vba" / "Reglo.bas"
VBA_WORKBOOK_SOURCE = Path(__file__).resolve().parent / "vba" / "ThisWorkbook.cls"  # application events (disbursement wizard keys)
PROJECT_NAME = "Reglo"
CONFIG_NAME = "reglo"  # → %USERPROFILE%\.reglo\reglo.conf, reglo.conf beside the workbook
_TEMPLATE_CONFIG_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'
TITLE = "Reglo"
DESCRIPTION = "Règlements, lettrage, virements et prélèvements SEPA, imports d'écritures — onglet « Reglo »."
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    """The add-in cannot be built (missing template, unexpected template content)."""


@dataclass(frozen=True)
class BuildResult:
    path: Path
    sha256: str
    buttons: int
    customui_stale: bool  # addin/xlam/customUI.xml differs from the handler registry


def template_path() -> Path:
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME
    if not path.is_file():
        raise BuildError(f"modèle {TEMPLATE_NAME} introuvable dans xlwings {xlwings.__version__} ({path.parent})")
    return path


def vba_source() -> str:
    return VBA_SOURCE.read_text(encoding="utf-8")


def build_vba_project(data: bytes, source: str | None = None) -> bytes:
    """The template's ``vbaProject.bin`` with Reglo's module, config name and project name."""
    project = VbaProject(data)
    project.set_module_source(customui.VBA_MODULE, vba_source() if source is None else source)
    project.set_module_source("ThisWorkbook", VBA_WORKBOOK_SOURCE.read_text(encoding="utf-8"))
    xlwings_source = project.module_source("xlwings")
    if xlwings_source.count(_TEMPLATE_CONFIG_LINE) != 1:
        raise BuildError("le module xlwings du modèle n'a pas la ligne PROJECT_NAME attendue : version d'xlwings non prise en charge")
    project.set_module_source("xlwings", xlwings_source.replace(
        _TEMPLATE_CONFIG_LINE, f'Public Const PROJECT_NAME As String = "{CONFIG_NAME}"'), normalize=False)
    project.set_project_name(PROJECT_NAME)
    return project.to_bytes()


def build_bytes(customui_xml: str | None = None, template: Path | None = None) -> bytes:
    """The bytes of ``reglo.xlam``."""
    xml = customui.committed() if customui_xml is None else customui_xml
    source = Path(template) if template else template_path()
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        ordered = ["[Content_Types].xml"] + [n for n in names if n != "[Content_Types].xml"]
        for name in ordered:
            data = zin.read(name)
            if name == "customUI/customUI.xml":
                data = xml.encode("utf-8")
            elif name == "xl/vbaProject.bin":
                try:
                    data = build_vba_project(data)
                except VbaProjectError as exc:
                    raise BuildError(f"projet VBA du modèle inutilisable : {exc}") from exc
            elif name == "_rels/.rels":  # pair the part's relationship type with its namespace
                data = re.sub(rb'Type="http://schemas\.microsoft\.com/office/200[67]/relationships/ui/extensibility"',
                              f'Type="{customui.RELATIONSHIP_TYPE}"'.encode(), data)
            elif name == "xl/workbook.xml":
                data = data.replace(b'name="_myaddin.conf"', f'name="_{CONFIG_NAME}.conf"'.encode())
            elif name == "docProps/core.xml":
                data = _core_properties(data)
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    return out.getvalue()


def build(out_dir: Path | str = ".", customui_xml: str | None = None) -> BuildResult:
    """Write ``<out_dir>/reglo.xlam`` atomically and describe it."""
    from reglo.addin.backends.sheets import atomic_write

    data = build_bytes(customui_xml)
    path = Path(out_dir) / XLAM_NAME
    atomic_write(path, data)
    xml = customui.committed() if customui_xml is None else customui_xml
    return BuildResult(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        buttons=xml.count("<button "),
        customui_stale=customui_xml is None and xml != customui.render(),
    )


def _core_properties(data: bytes) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(r"<dc:title\s*/>|<dc:title>.*?</dc:title>", f"<dc:title>{TITLE}</dc:title>", text)
    text = re.sub(r"<dc:description\s*/>|<dc:description>.*?</dc:description>",
                  f"<dc:description>{DESCRIPTION}</dc:description>", text)
    text = re.sub(r"<dc:creator>.*?</dc:creator>", "<dc:creator>Reglo</dc:creator>", text)
    text = re.sub(r"<cp:lastModifiedBy>.*?</cp:lastModifiedBy>", "<cp:lastModifiedBy>Reglo</cp:lastModifiedBy>", text)
    return text.encode("utf-8")
