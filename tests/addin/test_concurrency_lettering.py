"""Two accountants letter the same FEC at the same moment (``reglo letter FEC --apply`` twice at
once): the FEC is never lettered twice nor half-written. One run letters it; the other either
finds nothing left to letter or refuses in French (« … a changé depuis sa lecture … Relancez »)
and writes nothing. The final FEC equals an uninterrupted single run, byte for byte, the
lettering journal holds that run once, and « --undo-last » gives back the original bytes.
Three pairs by default, 20 with ``REGLO_FULL=1``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.addin import trust_fixtures as tf

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork-free subprocess race, POSIX paths")
PAIRS = 20 if os.environ.get("REGLO_FULL") == "1" else 3


@pytest.fixture(scope="module")
def ledger_bytes() -> bytes:
    from reglo.core.fec import write_fec
    from tests.lettering_bench.generator import generate, stripped

    return write_fec(stripped(generate(101, 40)), due_date_field="DateEcheance")


def _argv(fec: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reglo.addin.entrypoints.cli", "letter", str(fec), *args]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, ledger_bytes) -> bytes:
    fec = tmp_path_factory.mktemp("ref") / "552100554FEC20251231.txt"
    fec.write_bytes(ledger_bytes)
    done = tf.run(_argv(fec, "--apply"))
    assert done.returncode == 0, done.stdout[-800:] + done.stderr[-800:]
    assert fec.read_bytes() != ledger_bytes
    return fec.read_bytes()


@pytest.mark.parametrize("pair", range(PAIRS))
def test_two_letterings_of_one_fec_at_once(tmp_path, ledger_bytes, reference, pair):
    from reglo.addin.shell.lettering import load_runs

    fec = tmp_path / "552100554FEC20251231.txt"
    fec.write_bytes(ledger_bytes)
    procs = [tf.start(_argv(fec, "--apply")) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    codes = [p.returncode for p in procs]
    assert 0 in codes, outs
    for (out, err), code in zip(outs, codes):
        text = out + err
        assert "Traceback" not in text and "Error" not in text, text[-1500:]
        if code != 0:
            assert "Relancez" in text and ("a changé" in text), text[-800:]
    assert fec.read_bytes() == reference  # lettered once, as by one uninterrupted run
    assert tf.stray_temporaries(tmp_path) == []
    snap = tf.snapshot(tmp_path)
    assert [b.reference for b in snap.batches if b.status == "pending"] == []
    runs = [r for r in load_runs(fec) if r.groups]
    assert len(runs) == 1, [r.run_id for r in runs]
    undo = tf.run(_argv(fec, "--undo-last"))
    assert undo.returncode == 0, undo.stdout[-800:] + undo.stderr[-800:]
    assert fec.read_bytes() == ledger_bytes
