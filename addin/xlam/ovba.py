"""MS-OVBA compression (the "CompressedContainer" of VBA module and ``dir`` streams).

Implements [MS-OVBA] section 2.4.1 (Compression and Decompression): a container starts
with the signature byte 0x01 and holds chunks; each chunk covers up to 4096 bytes of
decompressed data and starts with a 16-bit header (bits 0-11: chunk size - 3, bits
12-14: signature 0b011, bit 15: 1 = compressed). A compressed chunk is a run of token
sequences: one flag byte followed by up to 8 tokens, bit *i* of the flag byte telling
whether token *i* is a literal byte (0) or a 16-bit copy token (1). A copy token packs
(offset - 1) in its high bits and (length - 3) in its low bits; the split depends on
how far the current position is from the start of the chunk (``_copy_token_help``).

Why our own: the ``ms-ovba*`` packages on PyPI corrupt data. Excel is reported to drop a
module whose stream uses uncompressed ("raw") chunks, so :func:`compress` finds real
back-references (hash chains over 3-byte prefixes, nearest candidate first as in the
spec's matching loop) and the add-in build calls it with ``allow_raw=False``.
"""
from __future__ import annotations

import struct

CHUNK_SIZE = 4096
_MAX_COMPRESSED_CHUNK = 4098  # header (2) + data (4096)
_SIGNATURE = 0x01
_MAX_CANDIDATES = 512  # bound on the match search per position (speed, not correctness)


class OvbaError(ValueError):
    """A compressed container is malformed, or data cannot be compressed as asked."""


def _copy_token_help(difference: int) -> tuple[int, int]:
    """[MS-OVBA] 2.4.1.3.19.1: (bit count of the offset, maximum match length)."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def decompress(container: bytes) -> bytes:
    """Decompress a CompressedContainer ([MS-OVBA] 2.4.1.3.1)."""
    data = bytes(container)
    if not data or data[0] != _SIGNATURE:
        raise OvbaError("signature 0x01 absente : ce n'est pas un conteneur compressé MS-OVBA")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise OvbaError(f"en-tête de bloc tronqué à l'octet {pos}")
        (header,) = struct.unpack_from("<H", data, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x07 != 0b011:
            raise OvbaError(f"signature de bloc invalide à l'octet {pos}")
        end = min(pos + size, len(data))
        chunk_start = len(out)
        if not header & 0x8000:  # raw chunk: 4096 bytes as they are
            if size != _MAX_COMPRESSED_CHUNK:
                raise OvbaError(f"bloc non compressé de taille {size} à l'octet {pos}")
            out += data[pos + 2 : end]
            pos = end
            continue
        pos += 2
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > end:
                    raise OvbaError(f"jeton de copie tronqué à l'octet {pos}")
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                difference = len(out) - chunk_start
                if difference <= 0:
                    raise OvbaError(f"jeton de copie en début de bloc à l'octet {pos - 2}")
                bit_count, _ = _copy_token_help(difference)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                if offset > difference:
                    raise OvbaError(f"jeton de copie hors du bloc à l'octet {pos - 2}")
                source = len(out) - offset
                for i in range(length):  # byte by byte: source and destination may overlap
                    out.append(out[source + i])
    return bytes(out)


def compress(data: bytes, *, allow_raw: bool = True) -> bytes:
    """Compress ``data`` into a CompressedContainer ([MS-OVBA] 2.4.1.3.6).

    Args:
        data: the decompressed buffer (for a module: its source, cp1252, CRLF).
        allow_raw: when a 4096-byte chunk does not fit once compressed, store it raw as
            the specification allows. ``False`` raises :class:`OvbaError` instead (Excel
            drops modules stored with raw chunks). The specification pads a raw chunk with
            zeros up to 4096 bytes, so an incompressible *last* chunk decompresses with
            trailing NUL bytes.

    Returns:
        The compressed container, starting with the signature byte 0x01.
    """
    data = bytes(data)
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        chunk = data[start : start + CHUNK_SIZE]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK_SIZE:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
        elif allow_raw:
            out += struct.pack("<H", 0x3000 | (_MAX_COMPRESSED_CHUNK - 3)) + chunk.ljust(CHUNK_SIZE, b"\x00")
        else:
            raise OvbaError(f"le bloc qui commence à l'octet {start} ne se compresse pas (données aléatoires ?)")
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    """Token sequences of one chunk ([MS-OVBA] 2.4.1.3.7), without the chunk header."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    end = len(chunk)
    pos = 0
    while pos < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(chunk, pos, heads)
            if length >= 3:
                bit_count, _ = _copy_token_help(pos)
                out += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                flags |= 1 << bit
                step = length
            else:
                out.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):  # index every position we pass
                if p + 3 <= end:
                    heads.setdefault(chunk[p : p + 3], []).append(p)
            pos += step
        out[flag_index] = flags
    return bytes(out)


def _longest_match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    """(offset, length) of the longest earlier match at ``pos``; the nearest wins a tie."""
    if pos == 0 or pos + 3 > len(chunk):
        return 0, 0
    candidates = heads.get(chunk[pos : pos + 3])
    if not candidates:
        return 0, 0
    _, max_length = _copy_token_help(pos)
    limit = min(max_length, len(chunk) - pos)
    best_length, best_offset = 0, 0
    for candidate in reversed(candidates[-_MAX_CANDIDATES:]):
        length = 3
        while length < limit and chunk[candidate + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, pos - candidate
            if length == limit:
                break
    return best_offset, best_length
