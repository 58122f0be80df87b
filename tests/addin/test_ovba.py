"""Our MS-OVBA codec against oletools' decompressor, on every VBA source xlwings ships."""
from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import warnings

with warnings.catch_warnings():  # oletools still uses pyparsing's deprecated names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream

from reglo.addin.xlam import ovba


def _xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def _text_sources() -> list[Path]:
    root = _xlwings_dir()
    return sorted(p for ext in ("*.bas", "*.cls", "*.frm") for p in root.rglob(ext))


@functools.cache
def _raw_module_sources() -> list[tuple[str, bytes]]:
    """Module sources as stored: decompress each module stream at its MODULEOFFSET."""
    from reglo.addin.xlam.vbaproject import VbaProject

    out = []
    for path in sorted(p for ext in ("*.xlam", "*.xlsm") for p in _xlwings_dir().rglob(ext)):
        with zipfile.ZipFile(path) as z:
            project = VbaProject(z.read("xl/vbaProject.bin"))
        for module in project.modules():
            raw = project.cf.read_stream(f"VBA/{module.stream_name}")[module.offset:]
            out.append((f"{path.name}:{module.name}", decompress_stream(bytearray(raw))))
        dir_raw = project.cf.read_stream("VBA/dir")
        out.append((f"{path.name}:dir", decompress_stream(bytearray(dir_raw))))
    return out


def test_xlwings_ships_vba_sources():
    assert len(_text_sources()) >= 10
    assert len(_raw_module_sources()) >= 15


@pytest.mark.parametrize("path", _text_sources(), ids=lambda p: p.name)
def test_roundtrip_text_sources_through_oletools(path):
    data = path.read_bytes()
    packed = ovba.compress(data, allow_raw=False)
    assert decompress_stream(bytearray(packed)) == data
    assert ovba.decompress(packed) == data
    assert len(packed) < len(data)  # real back-references, not literals only


@pytest.mark.parametrize("name,data", _raw_module_sources(), ids=[n for n, _ in _raw_module_sources()])
def test_roundtrip_workbook_modules_through_oletools(name, data):
    packed = ovba.compress(data, allow_raw=False)
    assert decompress_stream(bytearray(packed)) == data
    assert ovba.decompress(packed) == data


@pytest.mark.parametrize("name,data", _raw_module_sources()[:6], ids=[n for n, _ in _raw_module_sources()[:6]])
def test_our_decompressor_reads_excel_streams(name, data):
    """Streams compressed by Excel itself decompress identically with ours and oletools'."""
    from reglo.addin.xlam.vbaproject import VbaProject

    workbook, module = name.split(":")
    path = next(p for p in _xlwings_dir().rglob(workbook))
    with zipfile.ZipFile(path) as z:
        project = VbaProject(z.read("xl/vbaProject.bin"))
    if module == "dir":
        raw = project.cf.read_stream("VBA/dir")
    else:
        info = project.module(module)
        raw = project.cf.read_stream(f"VBA/{info.stream_name}")[info.offset:]
    assert ovba.decompress(raw) == data


def _check(data: bytes) -> None:
    packed = ovba.compress(data)
    theirs = decompress_stream(bytearray(packed))
    ours = ovba.decompress(packed)
    assert ours == theirs
    # The spec pads an incompressible (raw) last chunk with zeros up to 4096 bytes.
    assert theirs[: len(data)] == data and set(theirs[len(data):]) <= {0}
    last = len(data) % ovba.CHUNK_SIZE
    if len(theirs) != len(data):
        assert last and len(theirs) - len(data) == ovba.CHUNK_SIZE - last


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000))
def test_random_bytes_roundtrip(data):
    _check(data)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([b"Sub ", b"End Sub\r\n", b"    ", b"RunPython ", b"'", b"x", b"\x00", b"\xff\xfe"]),
                min_size=1, max_size=3000))
def test_repetitive_data_roundtrip_exactly(parts):
    data = b"".join(parts)
    packed = ovba.compress(data, allow_raw=False)
    assert decompress_stream(bytearray(packed)) == data
    assert ovba.decompress(packed) == data


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=64), st.integers(min_value=4097, max_value=20000))
def test_long_repeats_beyond_one_chunk(seed, size):
    data = (seed * (size // len(seed) + 1))[:size]
    packed = ovba.compress(data, allow_raw=False)
    assert decompress_stream(bytearray(packed)) == data
    assert len(packed) < len(data) // 4 + 200


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4095, 4096, 4097, 8192, 8193])
def test_chunk_boundaries(size):
    data = bytes((i * 7 + i // 13) % 251 for i in range(size))
    _check(data)
    text = (b"Attribute VB_Name = \"M\"\r\n" * (size // 25 + 1))[:size]
    assert decompress_stream(bytearray(ovba.compress(text, allow_raw=False))) == text


def test_incompressible_full_chunk_is_stored_raw_or_refused():
    import random

    data = random.Random(7).randbytes(4096)
    packed = ovba.compress(data)
    assert packed[1:3] == b"\xff\x3f" and decompress_stream(bytearray(packed)) == data
    with pytest.raises(ovba.OvbaError):
        ovba.compress(data, allow_raw=False)


@pytest.mark.parametrize("garbage", [b"", b"\x02abc", b"\x01\x00", b"\x01\xff\x0f", b"\x01\x05\xb0\x01\x00\x10"])
def test_malformed_containers_raise_clear_errors(garbage):
    with pytest.raises(ovba.OvbaError):
        ovba.decompress(garbage)
