"""The "Reglo" ribbon tab: generated from the registry, committed file up to date,
every tag mapped to a handler and every handler reachable."""
from __future__ import annotations

from lxml import etree

from reglo.addin.entrypoints.handlers import GROUPS, HANDLERS, HandlerInfo, load_all
from reglo.addin.xlam import customui

NS = {"c": customui.NAMESPACE}


def _fake(tag, group, order=100, label=None):
    return HandlerInfo(tag, lambda book: None, label or f"Libellé {tag}", group, "HappyFace", order)


def test_committed_customui_matches_the_registry():
    """If this fails: run « reglo addin customui » and commit addin/xlam/customUI.xml."""
    assert customui.committed() == customui.render()


def test_committed_customui_is_consistent():
    handlers = load_all()
    assert customui.check(customui.committed(), handlers) == []


def test_groups_follow_workflow_order_and_empty_groups_are_hidden():
    handlers = {
        "l1": _fake("l1", "Lettrage"),
        "c2": _fake("c2", "Contrôle", order=20),
        "c1": _fake("c1", "Contrôle", order=10),
        "v1": _fake("v1", "Virements fournisseurs"),
    }
    root = etree.fromstring(customui.render(handlers).encode())
    tab = root.find("c:ribbon/c:tabs/c:tab", NS)
    assert tab.get("label") == "Reglo"
    groups = [g.get("label") for g in tab.findall("c:group", NS)]
    assert groups == ["Contrôle", "Virements fournisseurs", "Lettrage"]
    assert [b.get("tag") for b in tab.findall("c:group/c:button", NS)] == ["c1", "c2", "v1", "l1"]
    assert customui.check(customui.render(handlers), handlers) == []


def test_button_attributes():
    handlers = {"payments_import": HandlerInfo("payments_import", lambda b: None, "Importer les règlements",
                                               "Règlements clients", "ImportTextFile", 5)}
    button = etree.fromstring(customui.render(handlers).encode()).find(".//c:button", NS)
    assert dict(button.attrib) == {
        "id": "btn_payments_import",
        "label": "Importer les règlements",
        "size": "large",
        "imageMso": "ImportTextFile",
        "screentip": "Importer les règlements",
        "onAction": "RibbonMyAddin.OnAction",
        "tag": "payments_import",
    }
    group = button.getparent()
    assert group.get("id") == "grp_reglements_clients"


def test_every_group_has_a_valid_unique_id():
    ids = [customui.group_id(g) for g in GROUPS]
    assert len(set(ids)) == len(GROUPS)
    assert customui.group_id("Import d'écritures") == "grp_import_d_ecritures"


def test_check_reports_unknown_tags_and_unreachable_handlers():
    handlers = {"a": _fake("a", "Contrôle"), "b": _fake("b", "Contrôle")}
    xml = customui.render({"a": handlers["a"], "z": _fake("z", "Lettrage")})
    problems = customui.check(xml, handlers)
    assert any("'z'" in p and "aucun traitement" in p for p in problems)
    assert any("'b'" in p and "pas de bouton" in p for p in problems)


def test_check_reports_malformed_xml_and_wrong_callback():
    assert customui.check("<customUI", {})[0].startswith("customUI.xml mal formé")
    xml = customui.render({"a": _fake("a", "Contrôle")}).replace("RibbonMyAddin.OnAction", "Module1.Go")
    assert any("n'appelle pas" in p for p in customui.check(xml, {"a": _fake("a", "Contrôle")}))


def test_labels_with_xml_characters_are_escaped():
    handlers = {"x": _fake("x", "Contrôle", label='Export « A & B » <test> "1"')}
    xml = customui.render(handlers)
    assert etree.fromstring(xml.encode()).find(".//c:button", NS).get("label") == 'Export « A & B » <test> "1"'


def test_registered_handlers_are_all_reachable():
    handlers = load_all()
    xml = customui.render(handlers)
    tags = {b.get("tag") for b in etree.fromstring(xml.encode()).iter(f"{{{customui.NAMESPACE}}}button")}
    assert tags == set(handlers) == set(HANDLERS)
