"""Edit the VBA project (``xl/vbaProject.bin``) of an add-in without Excel.

[MS-OVBA] 2.3.4.2: the compressed ``VBA/dir`` stream lists the project's records and,
for each module, its name, stream name and MODULEOFFSET (record 0x0031): the position of
the compressed source inside the module stream, after the p-code cache. Replacing a
module's source means: set its MODULEOFFSET to 0, store only the compressed source in
the module stream, and let Excel compile it again (the xlwings template ships no p-code
cache: ``_VBA_PROJECT`` has version 0xFFFF).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from reglo.addin.xlam import cfb, ovba

# Record ids of [MS-OVBA] 2.3.4.2 used here.
PROJECTCODEPAGE = 0x0003
PROJECTNAME = 0x0004
PROJECTVERSION = 0x0009  # its size field says 4 but 6 bytes follow (Reserved, Major, Minor)
MODULENAME = 0x0019
MODULESTREAMNAME = 0x001A
MODULEOFFSET = 0x0031
MODULE_TERMINATOR = 0x002B


class VbaProjectError(ValueError):
    """The VBA project cannot be edited as asked."""


@dataclass
class Record:
    id: int
    size: int  # the size field as stored
    data: bytes


@dataclass(frozen=True)
class ModuleInfo:
    name: str
    stream_name: str
    offset: int


def parse_dir(data: bytes) -> list[Record]:
    records, pos = [], 0
    while pos < len(data):
        if pos + 6 > len(data):
            raise VbaProjectError(f"enregistrement tronqué dans VBA/dir à l'octet {pos}")
        rid, size = struct.unpack_from("<HI", data, pos)
        length = size + 2 if rid == PROJECTVERSION else size
        records.append(Record(rid, size, data[pos + 6 : pos + 6 + length]))
        pos += 6 + length
    return records


def serialize_dir(records: list[Record]) -> bytes:
    return b"".join(struct.pack("<HI", r.id, r.size) + r.data for r in records)


class VbaProject:
    """A ``vbaProject.bin`` opened for editing."""

    def __init__(self, data: bytes):
        self.cf = cfb.read(data)
        self.records = parse_dir(ovba.decompress(self.cf.read_stream("VBA/dir")))
        page = next((r for r in self.records if r.id == PROJECTCODEPAGE), None)
        self.encoding = f"cp{struct.unpack('<H', page.data)[0]}" if page else "cp1252"

    # reading ---------------------------------------------------------------
    def modules(self) -> list[ModuleInfo]:
        out, name, stream = [], None, None
        offset = 0
        for r in self.records:
            if r.id == MODULENAME:
                name, stream, offset = r.data.decode(self.encoding), None, 0
            elif r.id == MODULESTREAMNAME and name is not None:
                stream = r.data.decode(self.encoding)
            elif r.id == MODULEOFFSET and name is not None:
                offset = struct.unpack("<I", r.data)[0]
            elif r.id == MODULE_TERMINATOR and name is not None:
                out.append(ModuleInfo(name, stream or name, offset))
                name = None
        return out

    def module(self, name: str) -> ModuleInfo:
        for info in self.modules():
            if info.name.lower() == name.lower():
                return info
        raise VbaProjectError(f"module VBA « {name} » absent du projet")

    def module_source(self, name: str) -> str:
        info = self.module(name)
        raw = self.cf.read_stream(f"VBA/{info.stream_name}")
        return ovba.decompress(raw[info.offset :]).decode(self.encoding)

    @property
    def project_name(self) -> str:
        return next(r for r in self.records if r.id == PROJECTNAME).data.decode(self.encoding)

    # editing ---------------------------------------------------------------
    def set_module_source(self, name: str, source: str, *, normalize: bool = True) -> None:
        """Store ``source`` as the module's source, without p-code.

        ``normalize``: convert line endings to CRLF as the VBA editor writes them; ``False``
        keeps them as they are (to patch a module read from the template).
        """
        info = self.module(name)
        text = normalize_source(source) if normalize else source
        first = text.splitlines()[0] if text else ""
        if first.strip() != f'Attribute VB_Name = "{info.name}"':
            raise VbaProjectError(f'la première ligne doit être Attribute VB_Name = "{info.name}" (trouvé : {first!r})')
        try:
            raw = text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise VbaProjectError(f"caractère non représentable en {self.encoding} dans le module {name} : {exc}") from exc
        self.cf.write_stream(f"VBA/{info.stream_name}", ovba.compress(raw, allow_raw=False))
        self._set_module_offset(info.name, 0)

    def set_project_name(self, name: str) -> None:
        """Rename the VBA project (dir PROJECTNAME and the PROJECT stream's ``Name=``)."""
        if not name.isidentifier() or not name.isascii():
            raise VbaProjectError(f"nom de projet VBA invalide : {name!r}")
        record = next(r for r in self.records if r.id == PROJECTNAME)
        old = record.data.decode(self.encoding)
        record.data = name.encode(self.encoding)
        record.size = len(record.data)
        project = self.cf.read_stream("PROJECT").decode(self.encoding)
        needle = f'Name="{old}"'
        if project.count(needle) != 1:
            raise VbaProjectError(f"ligne {needle} introuvable dans le flux PROJECT")
        self.cf.write_stream("PROJECT", project.replace(needle, f'Name="{name}"').encode(self.encoding))

    def _set_module_offset(self, name: str, offset: int) -> None:
        current = None
        for r in self.records:
            if r.id == MODULENAME:
                current = r.data.decode(self.encoding)
            elif r.id == MODULEOFFSET and current is not None and current.lower() == name.lower():
                r.data = struct.pack("<I", offset)
                return
        raise VbaProjectError(f"MODULEOFFSET du module {name} introuvable")

    def to_bytes(self) -> bytes:
        self.cf.write_stream("VBA/dir", ovba.compress(serialize_dir(self.records), allow_raw=False))
        return cfb.write(self.cf)


def normalize_source(source: str) -> str:
    """CRLF line endings and a final line break, as the VBA editor stores modules."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")
