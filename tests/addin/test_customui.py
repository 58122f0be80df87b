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
    tags = {customui.handler_of(b.get("tag")) for b in etree.fromstring(xml.encode()).iter(f"{{{customui.NAMESPACE}}}button")}
    assert tags == set(handlers) == set(HANDLERS)


def test_transfers_split_button_afficher_importer():
    """The seed's dual button (issue 12, finding 7): « Afficher » with « Importer » in its
    drop-down once an import exists; before the first import, « Importer » alone."""
    root = etree.fromstring(customui.render(load_all()).encode())
    group = root.find(".//c:group[@label='Virements fournisseurs']", NS)
    alone = group.find("c:button[@id='btn_transfers_import']", NS)
    assert alone.get("tag") == "transfers_import|!_Reglo virements" and alone.get("getVisible") == customui.VISIBLE_CALLBACK
    split = group.find("c:splitButton", NS)
    assert split.get("tag") == "|_Reglo virements" and split.get("getVisible") == customui.VISIBLE_CALLBACK
    assert split.find("c:button", NS).get("tag") == "transfers_show"
    assert [b.get("tag") for b in split.findall("c:menu/c:button", NS)] == ["transfers_import"]
    assert root.get("onLoad") == customui.LOAD_CALLBACK
    # the shell's snapshot sheet is the one the ribbon looks for
    from reglo.addin.shell.transfers import SNAPSHOT_SHEET

    assert customui.SPLITS["transfers_show"].shown_with_sheet == SNAPSHOT_SHEET


def test_vba_reads_the_handler_and_the_visibility_condition_from_the_tag():
    from reglo.addin.xlam.build import vba_source

    source = vba_source()
    assert 'handler = Split(control.Tag & "|", "|")(0)' in source
    assert "Public Sub GetVisible(control As IRibbonControl, ByRef visible)" in source
    assert "ribbonUI.Invalidate" in source


def test_relationship_type_pairs_with_the_namespace():
    import io
    import zipfile

    from reglo.addin.xlam import build

    assert customui.NAMESPACE.endswith("/2006/01/customui")
    with zipfile.ZipFile(io.BytesIO(build.build_bytes())) as z:
        rels = z.read("_rels/.rels").decode()
    assert f'Type="{customui.RELATIONSHIP_TYPE}" Target="customUI/customUI.xml"' in rels
    assert "2007/relationships/ui/extensibility" not in rels
