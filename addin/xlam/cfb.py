"""Minimal reader/writer of Compound File Binary files (OLE), enough for ``vbaProject.bin``.

Follows [MS-CFB] (version 3 files: 512-byte sectors, 64-byte mini sectors, 4096-byte
mini stream cutoff). :func:`read` returns the directory entries exactly as stored (names,
colours, sibling/child links, CLSIDs, timestamps) plus each stream's bytes;
:func:`write` lays the same tree out again with new stream contents, so stream sizes may
change (olefile can only overwrite streams in place with data of the same size).

The directory tree is kept as Excel (or xlwings) wrote it: replacing module sources does
not rename anything, so the red-black tree stays valid.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, replace

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
EMPTY, STORAGE, STREAM, ROOT = 0, 1, 2, 5
_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")
_DIRENTRY = struct.Struct("<64sHBBIII16sIQQIQ")


class CfbError(ValueError):
    """The file is not a readable compound file."""


@dataclass(frozen=True)
class DirEntry:
    name: str
    kind: int
    color: int
    left: int
    right: int
    child: int
    clsid: bytes
    state: int
    created: int
    modified: int
    start: int = ENDOFCHAIN
    size: int = 0


@dataclass
class CompoundFile:
    entries: list[DirEntry]  # by stream id (sid); entry 0 is the root
    streams: dict[int, bytes]  # sid -> content, for stream entries

    def sid(self, path: str) -> int:
        """Stream id of ``"VBA/dir"``-style paths (case-insensitive, as in CFB)."""
        current = 0
        for part in path.split("/"):
            current = self._find_child(current, part)
        return current

    def _find_child(self, parent: int, name: str) -> int:
        stack = [self.entries[parent].child]
        while stack:
            sid = stack.pop()
            if sid == NOSTREAM:
                continue
            entry = self.entries[sid]
            if entry.name.upper() == name.upper():
                return sid
            stack += [entry.left, entry.right]
        raise KeyError(name)

    def read_stream(self, path: str) -> bytes:
        return self.streams[self.sid(path)]

    def write_stream(self, path: str, data: bytes) -> None:
        self.streams[self.sid(path)] = bytes(data)


def read(data: bytes) -> CompoundFile:
    """Parse a version 3 or 4 compound file."""
    if len(data) < 512 or data[:8] != SIGNATURE:
        raise CfbError("signature OLE absente : ce n'est pas un fichier vbaProject.bin")
    (_, _, _, major, _, sector_shift, mini_shift, _, _, n_fat, first_dir, _, cutoff,
     first_minifat, _, first_difat, n_difat) = _HEADER.unpack_from(data, 0)
    sector = 1 << sector_shift
    mini = 1 << mini_shift

    def sector_bytes(n: int) -> bytes:
        offset = (n + 1) * sector
        if offset >= len(data):
            raise CfbError(f"secteur {n} hors du fichier")
        return data[offset : offset + sector]

    difat = list(struct.unpack_from("<109I", data, 76))
    next_difat = first_difat
    for _ in range(n_difat):
        block = struct.unpack("<%dI" % (sector // 4), sector_bytes(next_difat))
        difat += block[:-1]
        next_difat = block[-1]
    fat: list[int] = []
    for fat_sector in difat[:n_fat]:
        fat += struct.unpack("<%dI" % (sector // 4), sector_bytes(fat_sector))

    def chain(start: int, table: list[int]) -> list[int]:
        out, seen = [], set()
        while start not in (ENDOFCHAIN, FREESECT):
            if start in seen or start >= len(table):
                raise CfbError("chaîne de secteurs invalide")
            seen.add(start)
            out.append(start)
            start = table[start]
        return out

    def big_stream(start: int) -> bytes:
        return b"".join(sector_bytes(n) for n in chain(start, fat))

    raw_dir = big_stream(first_dir)
    entries = []
    for i in range(len(raw_dir) // 128):
        (name, name_len, kind, color, left, right, child, clsid, state, created, modified,
         start, size) = _DIRENTRY.unpack_from(raw_dir, i * 128)
        if major == 3:
            size &= 0xFFFFFFFF
        entries.append(DirEntry(name[: max(name_len - 2, 0)].decode("utf-16-le"), kind, color,
                                left, right, child, clsid, state, created, modified, start, size))
    while entries and entries[-1].kind == EMPTY:
        entries.pop()
    if not entries or entries[0].kind != ROOT:
        raise CfbError("entrée racine absente")
    minifat: list[int] = []
    if first_minifat != ENDOFCHAIN:
        raw = big_stream(first_minifat)
        minifat = list(struct.unpack("<%dI" % (len(raw) // 4), raw))
    mini_stream = big_stream(entries[0].start) if entries[0].start != ENDOFCHAIN else b""
    streams = {}
    for sid, entry in enumerate(entries):
        if entry.kind != STREAM:
            continue
        if entry.size < cutoff:
            content = b"".join(mini_stream[n * mini : (n + 1) * mini] for n in chain(entry.start, minifat))
        else:
            content = big_stream(entry.start)
        if len(content) < entry.size:
            raise CfbError(f"flux {entry.name!r} tronqué")
        streams[sid] = content[: entry.size]
    return CompoundFile(entries, streams)


def write(cf: CompoundFile) -> bytes:
    """Serialise as a version 3 compound file (512-byte sectors)."""
    entries = list(cf.entries)
    sectors: list[bytes] = []  # regular sectors, in file order
    fat: list[int] = []

    def allocate(content: bytes, marker: int | None = None) -> int:
        """Append ``content`` as a chain of regular sectors; return the first sector."""
        count = max(1, -(-len(content) // SECTOR))
        first = len(sectors)
        for i in range(count):
            sectors.append(content[i * SECTOR : (i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(marker if marker is not None else (first + i + 1 if i < count - 1 else ENDOFCHAIN))
        return first

    mini_stream = bytearray()
    minifat: list[int] = []
    for sid, entry in enumerate(entries):
        if entry.kind != STREAM:
            continue
        content = cf.streams.get(sid, b"")
        if not content:
            entries[sid] = replace(entry, start=ENDOFCHAIN, size=0)
        elif len(content) >= MINI_CUTOFF:
            entries[sid] = replace(entry, start=allocate(content), size=len(content))
        else:
            first = len(minifat)
            count = -(-len(content) // MINI_SECTOR)
            minifat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini_stream += content.ljust(count * MINI_SECTOR, b"\x00")
            entries[sid] = replace(entry, start=first, size=len(content))
    if mini_stream:
        entries[0] = replace(entries[0], start=allocate(bytes(mini_stream)), size=len(mini_stream))
        raw_minifat = struct.pack("<%dI" % len(minifat), *minifat)
        raw_minifat += b"\xff" * (-len(raw_minifat) % SECTOR)
        first_minifat, n_minifat = allocate(raw_minifat), len(raw_minifat) // SECTOR
    else:
        entries[0] = replace(entries[0], start=ENDOFCHAIN, size=0)
        first_minifat, n_minifat = ENDOFCHAIN, 0
    raw_dir = b"".join(_pack_entry(e) for e in entries)
    raw_dir += _pack_entry(None) * (-(len(entries)) % (SECTOR // 128))
    first_dir = allocate(raw_dir)

    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise CfbError("fichier OLE trop grand pour ce rédacteur (plus de 109 secteurs FAT)")
    fat_sectors = list(range(len(sectors), len(sectors) + n_fat))
    fat += [FATSECT] * n_fat
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    raw_fat = struct.pack("<%dI" % len(fat), *fat)

    header = _HEADER.pack(SIGNATURE, b"\x00" * 16, 0x003E, 3, 0xFFFE, 9, 6, b"\x00" * 6, 0, n_fat,
                          first_dir, 0, MINI_CUTOFF, first_minifat, n_minifat, ENDOFCHAIN, 0)
    header += struct.pack("<109I", *(fat_sectors + [FREESECT] * (109 - n_fat)))
    return header + b"".join(sectors) + raw_fat


def _pack_entry(entry: DirEntry | None) -> bytes:
    if entry is None:
        return _DIRENTRY.pack(b"", 0, EMPTY, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\x00" * 16, 0, 0, 0, 0, 0)
    name = entry.name.encode("utf-16-le")
    if len(name) > 62:
        raise CfbError(f"nom de flux trop long : {entry.name!r}")
    return _DIRENTRY.pack(name + b"\x00\x00", len(name) + 2, entry.kind, entry.color, entry.left,
                          entry.right, entry.child, entry.clsid, entry.state, entry.created,
                          entry.modified, entry.start, entry.size)
