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
from typing import Mapping, NamedTuple

from lxml import etree

from reglo.addin.entrypoints.handlers import GROUPS, HandlerInfo, load_all

NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"
# the relationship type that goes with the 2006/01 namespace and the customUI/customUI.xml part
# (the 2007 type goes with the 2009/07 namespace and customUI/customUI14.xml)
RELATIONSHIP_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
VBA_MODULE = "RibbonMyAddin"  # module name inside the xlwings template's vbaProject.bin
CALLBACK = f"{VBA_MODULE}.OnAction"
VISIBLE_CALLBACK = f"{VBA_MODULE}.GetVisible"
LOAD_CALLBACK = f"{VBA_MODULE}.OnLoad"


class SplitButton(NamedTuple):
    """A split button of the seed: its main action, the actions of its drop-down, and the
    hidden sheet whose presence in the active workbook shows it. Until that sheet exists the
    drop-down's first action stands alone (« Importer » before the first import)."""

    main: str
    menu: tuple[str, ...]
    shown_with_sheet: str


# Virements fournisseurs: « Afficher » with « Importer » in its drop-down once an import exists
SPLITS: dict[str, SplitButton] = {"transfers_show": SplitButton("transfers_show", ("transfers_import",), "_Reglo virements")}
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


def _button(parent, info: HandlerInfo, *, ident: str | None = None, size: str | None = "large", visible_tag: str | None = None) -> None:
    attrs = {"id": ident or button_id(info.tag), "label": info.label}
    if size:
        attrs["size"] = size
    attrs.update(imageMso=info.image, screentip=info.label, onAction=CALLBACK, tag=info.tag)
    if visible_tag is not None:  # « handler|condition »: OnAction keeps the handler, GetVisible reads the condition
        attrs.update(tag=f"{info.tag}|{visible_tag}", getVisible=VISIBLE_CALLBACK)
    etree.SubElement(parent, f"{{{NAMESPACE}}}button", attrs)


def render(handlers: Mapping[str, HandlerInfo] | None = None) -> str:
    """The customUI XML text for ``handlers`` (default: every registered handler)."""
    handlers = load_all() if handlers is None else handlers
    root = etree.Element(f"{{{NAMESPACE}}}customUI", nsmap={None: NAMESPACE}, onLoad=LOAD_CALLBACK)
    tabs = etree.SubElement(etree.SubElement(root, f"{{{NAMESPACE}}}ribbon"), f"{{{NAMESPACE}}}tabs")
    tab = etree.SubElement(tabs, f"{{{NAMESPACE}}}tab", id=TAB_ID, label=TAB_LABEL, keytip="RG")
    splits = {tag: s for tag, s in SPLITS.items() if tag in handlers and all(m in handlers for m in s.menu)}
    in_menus = {m: s for s in splits.values() for m in s.menu}
    for group in GROUPS:
        members = sorted((h for h in handlers.values() if h.group == group), key=lambda h: (h.order, h.tag))
        if not members:
            continue
        node = etree.SubElement(tab, f"{{{NAMESPACE}}}group", id=group_id(group), label=group)
        for info in members:
            split = splits.get(info.tag)
            if info.tag in in_menus and in_menus[info.tag].menu[0] == info.tag:
                # alone until the split button's sheet exists
                _button(node, info, visible_tag="!" + in_menus[info.tag].shown_with_sheet)
            elif split is not None:
                box = etree.SubElement(node, f"{{{NAMESPACE}}}splitButton", id="split_" + button_id(info.tag)[4:], size="large",
                                       getVisible=VISIBLE_CALLBACK, tag="|" + split.shown_with_sheet)
                _button(box, info, size=None)
                menu = etree.SubElement(box, f"{{{NAMESPACE}}}menu", id="menu_" + button_id(info.tag)[4:])
                for tag in split.menu:
                    _button(menu, handlers[tag], ident=button_id(tag) + "_menu", size=None)
            elif info.tag not in in_menus:
                _button(node, info)
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n"


def handler_of(tag: str | None) -> str | None:
    """The handler named by a control's tag (« handler|visibility condition »)."""
    return None if tag is None else tag.split("|", 1)[0]


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
        if element.tag in (f"{{{NAMESPACE}}}splitButton", f"{{{NAMESPACE}}}menu"):
            continue  # labelled by their buttons
        if not 1 <= len(label) <= MAX_LABEL:
            problems.append(f"libellé absent ou trop long sur {ident!r}")
    tags = []
    menu_tags = set()
    for button in root.iter(f"{{{NAMESPACE}}}button"):
        tag = handler_of(button.get("tag"))
        if button.getparent().tag == f"{{{NAMESPACE}}}menu":
            menu_tags.add(tag)
        else:
            tags.append(tag)
        if button.get("getVisible") not in (None, VISIBLE_CALLBACK):
            problems.append(f"le bouton {button.get('id')!r} n'appelle pas {VISIBLE_CALLBACK}")
        if button.get("onAction") != CALLBACK:
            problems.append(f"le bouton {button.get('id')!r} n'appelle pas {CALLBACK}")
        if button.get("size") not in (None, "normal", "large"):
            problems.append(f"taille invalide sur {button.get('id')!r}")
        if tag not in handlers:
            problems.append(f"le bouton {button.get('id')!r} porte le tag {tag!r} qui ne correspond à aucun traitement")
    for tag in sorted(set(handlers) - set(tags) - menu_tags):
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
