"""The "Reglo" ribbon tab (``customUI/customUI.xml``), generated from the handler registry.

One group per workflow, in the order of :data:`reglo.addin.entrypoints.handlers.GROUPS`; a group appears
once at least one handler is registered in it. Every button calls the single frozen VBA
callback ``RibbonMyAddin.OnAction`` and carries its handler's tag in ``tag``: adding a
button never touches the VBA project. The committed file ``addin/xlam/customUI.xml`` must equal
:func:`render` (a test checks it; ``reglo addin customui`` rewrites it).
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Mapping

from lxml import etree

from reglo.addin.entrypoints.handlers import GROUPS, HandlerInfo, load_all

NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"
VBA_MODULE = "RibbonMyAddin"  # module name inside the xlwings template's vbaProject.bin
CALLBACK = f"{VBA_MODULE}.OnAction"
CUSTOMUI_PATH = Path(__file__).resolve().parent / "customUI.xml"
TAB_ID = "regloTab"
TAB_LABEL = "Reglo"

# Limits of the Office customUI schema (ST_ID, ST_String, ST_Keytip, ST_Size).
_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_LABEL = 1024


def slug(text: str) -> str:
    """ASCII identifier from a French label: « Import d'écritures » → ``import_d_ecritures``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_").lower()


def button_id(tag: str) -> str:
    return "btn_" + re.sub(r"[^A-Za-z0-9_]", "_", tag)


def group_id(group: str) -> str:
    return "grp_" + slug(group)


def render(handlers: Mapping[str, HandlerInfo] | None = None) -> str:
    """The customUI XML text for ``handlers`` (default: every registered handler)."""
    handlers = load_all() if handlers is None else handlers
    root = etree.Element(f"{{{NAMESPACE}}}customUI", nsmap={None: NAMESPACE})
    tabs = etree.SubElement(etree.SubElement(root, f"{{{NAMESPACE}}}ribbon"), f"{{{NAMESPACE}}}tabs")
    tab = etree.SubElement(tabs, f"{{{NAMESPACE}}}tab", id=TAB_ID, label=TAB_LABEL, keytip="RG")
    for group in GROUPS:
        members = sorted((h for h in handlers.values() if h.group == group), key=lambda h: (h.order, h.tag))
        if not members:
            continue
        node = etree.SubElement(tab, f"{{{NAMESPACE}}}group", id=group_id(group), label=group)
        for info in members:
            etree.SubElement(
                node,
                f"{{{NAMESPACE}}}button",
                id=button_id(info.tag),
                label=info.label,
                size="large",
                imageMso=info.image,
                screentip=info.label,
                onAction=CALLBACK,
                tag=info.tag,
            )
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n"


def check(xml: str | bytes, handlers: Mapping[str, HandlerInfo]) -> list[str]:
    """Problems (French) of a customUI document against the schema's rules we rely on.

    Checks: well-formed, customUI namespace, unique valid ids, labels within limits, every
    button calls the frozen callback, every ``tag`` names a registered handler and every
    handler has a button. An empty list means the ribbon is consistent.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"customUI.xml mal formé : {exc}"]
    problems = []
    if root.tag != f"{{{NAMESPACE}}}customUI":
        problems.append(f"élément racine inattendu : {root.tag}")
    ids: set[str] = set()
    for element in root.iter():
        ident = element.get("id")
        if ident is None:
            continue
        if not _ID_RE.match(ident):
            problems.append(f"identifiant invalide : {ident!r}")
        if ident in ids:
            problems.append(f"identifiant en double : {ident!r}")
        ids.add(ident)
        label = element.get("label", "")
        if not 1 <= len(label) <= MAX_LABEL:
            problems.append(f"libellé absent ou trop long sur {ident!r}")
    tags = []
    for button in root.iter(f"{{{NAMESPACE}}}button"):
        tag = button.get("tag")
        tags.append(tag)
        if button.get("onAction") != CALLBACK:
            problems.append(f"le bouton {button.get('id')!r} n'appelle pas {CALLBACK}")
        if button.get("size") not in (None, "normal", "large"):
            problems.append(f"taille invalide sur {button.get('id')!r}")
        if tag not in handlers:
            problems.append(f"le bouton {button.get('id')!r} porte le tag {tag!r} qui ne correspond à aucun traitement")
    for tag in sorted(set(handlers) - set(tags)):
        problems.append(f"le traitement {tag!r} n'a pas de bouton dans le ruban")
    for tag in sorted({t for t in tags if tags.count(t) > 1}):
        problems.append(f"le tag {tag!r} est porté par plusieurs boutons")
    return problems


def committed() -> str:
    return CUSTOMUI_PATH.read_text(encoding="utf-8")


def write(path: Path = CUSTOMUI_PATH) -> Path:
    from reglo.addin.backends.sheets import atomic_write

    atomic_write(path, render().encode("utf-8"))
    return path
