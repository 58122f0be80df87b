"""Fault injection on ``reglo entries import`` and ``reglo entries integrate``: a child
process kills itself (``REGLO_FAULT_AT=<step>``, SIGKILL) at a step of the commit protocol; the
next start leaves the old state or the new one: no stray temporary file, no pending batch,
every file of a committed run present with its recorded hash, the dossier FEC either as it was
or with the integrated entries (byte for byte). A quick set of steps by default; every step
with ``REGLO_FULL=1``."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from tests.addin import trust_fixtures as tf

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

FULL = os.environ.get("REGLO_FULL") == "1"
IMPORT_ALL = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:2", "after_rename:0", "after_rename:2",
              "before_committed", "after_committed"]
IMPORT_STEPS = IMPORT_ALL if FULL else ["after_tmp_write:2", "after_rename:2"]
INTEGRATE_ALL = ["after_pending", "after_tmp_write:0", "after_rename:0", "after_ledger_replace", "before_committed", "after_committed"]
INTEGRATE_STEPS = INTEGRATE_ALL if FULL else ["after_ledger_replace"]

CSV = (
    "Journal;Date;N° facture;Libellé;Compte;Nom;Montant débit;Montant crédit;Montant TVA\r\n"
    "VT;31/12/2025;F1;Vente décembre;10032;Durand SA;1.200,00;;\r\n"
    "VT;31/12/2025;F1;Vente décembre;706000;;;1.000,00;200,00\r\n"
)


def _cli(*args: str, **env: str):
    return tf.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", *args], **env)


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("reglo-registre")}


def _check(folder: Path) -> list:
    from reglo.addin.shell.recovery import record_path, recover_at_start

    recover_at_start(folder)  # the next start
    snap = tf.snapshot(folder)
    assert [b.reference for b in snap.batches if b.status == "pending"] == []
    assert tf.stray_temporaries(folder) == []
    live = [b for b in snap.batches if b.status == "committed"]
    for b in live:
        for f in b.files:
            if f.role not in ("ledger", "journal"):
                p = record_path(folder, f)
                assert p.is_file() and tf.sha(p) == f.sha256
    return live


@pytest.fixture
def source(tmp_path) -> tuple[Path, Path]:
    from reglo.addin.shell import entry_import as ei
    from reglo.core.entry_import.layout import preset_sales_vat_on_line

    path = tmp_path / "ventes.csv"
    path.write_bytes(CSV.encode("cp1252"))
    definition = tmp_path / "ventes.json"
    definition.write_bytes(ei.definition_to_json(preset_sales_vat_on_line()))
    return path, definition


@pytest.mark.parametrize("step", IMPORT_STEPS)
def test_entries_import_killed_at_each_step(tmp_path, source, step):
    path, definition = source
    out = tmp_path / "sorties"
    killed = _cli("entries", "import", str(path), "--definition", str(definition), "--out", str(out), REGLO_FAULT_AT=step)
    assert killed.returncode == -9, killed.stdout[-800:] + killed.stderr[-800:]
    live = _check(out)
    files = _files(out)
    if not live:
        assert files == {}  # old state: nothing of the run
    else:
        assert len(files) == 4  # new state: FEC, rejects xlsx and csv, workbook
    again = _cli("entries", "import", str(path), "--definition", str(definition), "--out", str(out))
    assert again.returncode == 0, again.stdout[-800:] + again.stderr[-800:]
    assert len(_check(out)) == len(live) + 1 and len(_files(out)) == len(files) + 4


@pytest.mark.parametrize("step", INTEGRATE_STEPS)
def test_entries_integrate_killed_at_each_step(tmp_path, source, step):
    from reglo.addin.shell.dossier import write_dossier
    from reglo.core.demo import generate_demo

    demo = generate_demo()
    folder = tmp_path / "dossier"
    folder.mkdir()
    write_dossier(folder, demo.dossier, demo.ledger_frame)
    (fec,) = folder.glob("*FEC*.txt")
    original = fec.read_bytes()
    path, definition = source
    assert _cli("entries", "import", str(path), "--definition", str(definition), "--out", str(tmp_path / "imports"), "--dossier", str(folder)).returncode == 0
    (run,) = [p for p in (tmp_path / "imports").glob("Import *") if p.is_dir()]
    killed = _cli("entries", "integrate", str(run), "--dossier", str(folder), "--oui", REGLO_FAULT_AT=step)
    assert killed.returncode == -9, killed.stdout[-800:] + killed.stderr[-800:]
    _check(folder)
    data = fec.read_bytes()
    assert data == original or (data.startswith(original) and len(data) > len(original))
    if data != original:
        assert _cli("entries", "integrate", "--annuler", "--dossier", str(folder), "--oui").returncode == 0
    assert fec.read_bytes() == original
