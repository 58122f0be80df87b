"""atomic_write: files get the permissions of an ordinary new file, or keep the replaced one's."""
from __future__ import annotations

import os
import stat
import sys
import threading

import pytest

from reglo.addin.backends.sheets import FileWorkbook, _umask, atomic_write

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, restored afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_new_file_gets_0666_less_the_umask(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "sortie" / "552100554FEC20251231.txt"
    atomic_write(path, b"contenu")
    assert path.read_bytes() == b"contenu"
    assert _mode(path) == 0o666 & ~mask
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "dossier.xlsx"
    path.write_bytes(b"ancien")
    os.chmod(path, 0o640)
    atomic_write(path, b"nouveau")
    assert path.read_bytes() == b"nouveau" and _mode(path) == 0o640
    os.chmod(path, 0o664)
    atomic_write(path, b"encore")
    assert _mode(path) == 0o664


def test_file_workbook_save_gets_normal_permissions(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "classeur.xlsx"
    book = FileWorkbook(path, create=True)
    book.write_sheet("Feuille", ["A"], [["x"]])
    book.save()
    assert _mode(path) == 0o644


def test_umask_is_read_without_being_changed(umask):
    umask(0o027)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(_umask())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [0o027] * 4
    assert os.umask(0o027) == 0o027


def test_failed_write_leaves_no_temp_file_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"ancien")

    with pytest.raises(TypeError):
        atomic_write(path, object())  # type: ignore[arg-type]
    assert path.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
