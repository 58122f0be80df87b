"""Shared lxml helpers for the ISO 20022 writers: element builder and XSD validation.

The official schemas ship in ``core/writers/schemas/`` (package data, byte-identical to
``shared/schemas``; each is self-contained, so no network or catalogue is ever needed).
Each schema is parsed once per process (``load_schema`` is cached): parsing an XSD costs
tens of milliseconds, validating a tree is linear in its size.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lxml import etree

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'  # S-V4: double quotes, UTF-8


def namespace(version: str) -> str:
    """ISO 20022 namespace of a message version, e.g. ``pain.001.001.09`` (S-V1)."""
    return f"urn:iso:std:iso:20022:tech:xsd:{version}"


def schema_bytes(version: str) -> bytes:
    """The raw bytes of a shipped XSD (``pain.001.001.03`` …)."""
    try:
        return resources.files("reglo.core.writers").joinpath("schemas", f"{version}.xsd").read_bytes()
    except FileNotFoundError as exc:
        raise ValueError(f"schéma XSD inconnu : {version}") from exc


@lru_cache(maxsize=None)
def load_schema(version: str) -> etree.XMLSchema:
    """Parse the XSD of ``version`` once and keep it for the life of the process."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(schema_bytes(version), parser))


def xsd_errors(document: bytes | etree._Element | etree._ElementTree, version: str, *, limit: int = 20) -> list[str]:
    """Validate a document (bytes or tree) against the XSD of ``version``.

    Returns at most ``limit`` readable errors (``ligne N : message``); an empty list when valid.
    Untrusted bytes are parsed without entity resolution or network access.
    """
    schema = load_schema(version)
    if isinstance(document, (bytes, bytearray)):
        try:
            tree = etree.fromstring(bytes(document), safe_parser())
        except etree.XMLSyntaxError as exc:
            return [f"XML mal formé : {exc}"]
    else:
        tree = document
    if schema.validate(tree):
        return []
    return [f"ligne {e.line} : {e.message}" for e in list(schema.error_log)[:limit]]


def safe_parser() -> etree.XMLParser:
    """A parser for files we did not write: no DTD entities, no network, no huge-tree tricks."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True)


def serialize(root: etree._Element) -> bytes:
    """UTF-8 bytes with the S-V4 declaration, pretty-printed (deterministic)."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


class Builder:
    """Tiny element factory bound to one namespace (tags stay ISO 20022 verbatim).

    >>> b = Builder("urn:x")
    >>> root = b.root("Document")
    >>> _ = b.sub(b.sub(root, "GrpHdr"), "MsgId", "M1")
    >>> etree.tostring(root)
    b'<Document xmlns="urn:x"><GrpHdr><MsgId>M1</MsgId></GrpHdr></Document>'
    """

    __slots__ = ("ns", "_tags")

    def __init__(self, ns: str):
        self.ns = ns
        self._tags: dict[str, str] = {}

    def tag(self, name: str) -> str:
        t = self._tags.get(name)
        if t is None:
            t = self._tags[name] = f"{{{self.ns}}}{name}"
        return t

    def root(self, name: str) -> etree._Element:
        return etree.Element(self.tag(name), nsmap={None: self.ns})

    def sub(self, parent: etree._Element, name: str, text: str | None = None, **attrib: str) -> etree._Element:
        el = etree.SubElement(parent, self.tag(name), attrib) if attrib else etree.SubElement(parent, self.tag(name))
        if text is not None:
            el.text = text
        return el

    def path(self, parent: etree._Element, names: str, text: str | None = None) -> etree._Element:
        """``path(p, "PmtTpInf/SvcLvl/Cd", "SEPA")`` creates the nested chain, returns the leaf."""
        el = parent
        for name in names.split("/"):
            el = self.sub(el, name)
        if text is not None:
            el.text = text
        return el
