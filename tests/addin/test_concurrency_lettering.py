"""Two accountants letter the same FEC at the same moment (``reglo letter FEC --apply`` twice at
once): the FEC is never half-written and no run is lost or applied on stale data. Either the
runs overlapped, and the later one refuses in French (« … a changé depuis sa lecture …
Relancez ») and writes nothing: the FEC equals one uninterrupted run, byte for byte; or the
later one read the FEC after the first had committed, and it is exactly a second run on the
lettered FEC (which may letter a few more groups that the first run's groups left
uncontested). The lettering journal holds exactly the runs that wrote, and « --undo-last »
as many times gives back the original bytes. Three pairs by default, 20 with ``REGLO_FULL=1``."""
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


def _applied_once(folder: Path, data: bytes) -> bytes:
    """The FEC after one uninterrupted ``--apply`` on ``data``."""
    fec = folder / "552100554FEC20251231.txt"
    fec.write_bytes(data)
    done = tf.run(_argv(fec, "--apply"))
    assert done.returncode == 0, done.stdout[-800:] + done.stderr[-800:]
    return fec.read_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, ledger_bytes) -> bytes:
    lettered = _applied_once(tmp_path_factory.mktemp("ref"), ledger_bytes)
    assert lettered != ledger_bytes
    return lettered


@pytest.fixture(scope="module")
def second_run(tmp_path_factory, reference) -> bytes:
    """``--apply`` again on the lettered FEC (what a later, sequential run gives)."""
    return _applied_once(tmp_path_factory.mktemp("ref2"), reference)


@pytest.mark.parametrize("pair", range(PAIRS))
def test_two_letterings_of_one_fec_at_once(tmp_path, ledger_bytes, reference, second_run, pair):
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
    runs = load_runs(fec)
    wrote = len(runs)  # the runs that wrote (a later run with nothing left to letter writes nothing)
    assert wrote in (1, 2), [r.run_id for r in runs]
    if wrote == 1:
        assert fec.read_bytes() == reference  # lettered once, as by one uninterrupted run
    else:  # sequential after all: the second run read the lettered FEC
        assert fec.read_bytes() == second_run
    assert tf.stray_temporaries(tmp_path) == []
    snap = tf.snapshot(tmp_path)
    assert [b.reference for b in snap.batches if b.status == "pending"] == []
    for _ in range(wrote):
        undo = tf.run(_argv(fec, "--undo-last"))
        assert undo.returncode == 0, undo.stdout[-800:] + undo.stderr[-800:]
    assert fec.read_bytes() == ledger_bytes


def test_a_fec_changed_while_the_run_proposes_is_never_overwritten(tmp_path, ledger_bytes, monkeypatch, capsys):
    """The FEC changes on disk while ``letter --apply`` is proposing (another accountant's run,
    or the file saved from Excel): the run refuses in French and writes nothing. Before, the
    command read the bytes to rewrite only after proposing: the hash check then passed on the
    new bytes and the stale codes were written over them."""
    import reglo.core.lettering as lettering
    from reglo.addin.entrypoints.cli import main

    fec = tmp_path / "552100554FEC20251231.txt"
    fec.write_bytes(ledger_bytes)
    edited = ledger_bytes.replace(b"CLIENT 00015", b"CLIENT 00015 (vu)", 1)
    assert edited != ledger_bytes
    real = lettering.propose_lettering

    def propose_while_someone_saves(frame, options=None, **kw):
        fec.write_bytes(edited)  # the other program's save, in the middle of the run
        return real(frame, options, **kw)

    monkeypatch.setattr(lettering, "propose_lettering", propose_while_someone_saves)
    code = main(["letter", str(fec), "--apply"])
    out = capsys.readouterr()
    assert code != 0
    assert "a changé" in out.out + out.err and "Relancez" in out.out + out.err
    assert fec.read_bytes() == edited  # the other program's bytes, untouched
