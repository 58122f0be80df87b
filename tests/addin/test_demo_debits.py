"""Demo step 70 (issue 14 point 8): ``reglo demo`` runs a collection on the demo dossier with
some customers on mandates, one schedule, one forced amount and one test file; it is
deterministic (fixed clock: same files byte for byte in two runs) and its entries pass the FEC
check."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from reglo.addin.entrypoints.demo_steps import DemoContext, s00_dossier, s70_debits
from reglo.addin.shell.commit import open_register
from reglo.core.writers.pain008 import read_pain008, validate_pain008


def _run(out: Path):
    ctx = DemoContext(out_dir=out)
    s00_dossier.run(ctx)
    lines = s70_debits.run(ctx)
    store = open_register(out)
    try:
        snap = store.snapshot()
    finally:
        store.close()
    return ctx, lines, snap


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("demo70a")), _run(tmp_path_factory.mktemp("demo70b"))


def test_demo_collects_customers_on_mandates_with_a_schedule_a_forced_amount_and_a_test_file(runs, capsys):
    from reglo.addin.entrypoints.cli import main

    (ctx, lines, snap), _ = runs
    assert ctx.blocking == 0, lines
    debits = [b for b in snap.batches if b.kind == "prelevement"]
    assert [(b.is_test, b.status) for b in debits] == [(True, "committed"), (False, "committed")]  # the test file, then the real one
    test, real = debits
    assert test.reference.startswith("TEST") and all(f.name.startswith("TEST") for f in test.files)
    customers = {l.party_code for l in real.lines}
    assert len(customers) >= 3 and len({l.meta["rum"] for l in real.lines}) == len(customers)  # customers on mandates
    scheduled = [l for l in real.lines if l.meta["instalments"]]
    assert len(scheduled) == 1 and len(scheduled[0].meta["instalments"]) == 2  # the schedule: 2 instalments in the period, the 3rd left out
    assert [l.item_key.split("|")[0] for l in real.lines if l.meta["forced"]] == ["force"]  # the forced amount
    assert any("Échéancier" in l for l in lines) and any("Montant forcé" in l for l in lines)
    assert any("Fichier de test" in l for l in lines) and any("rien n'est prélevé deux fois" in l for l in lines)
    # the bank file and its entries
    folder = ctx.out_dir / "prelevements"
    xml = folder / real.meta["file"]
    assert validate_pain008(xml.read_bytes(), "pain.008.001.08") == []
    assert {d.sequence_type for d in read_pain008(xml.read_bytes()).debits} >= {"FRST", "RCUR"}
    (entries,) = [f.name for f in real.files if f.role == "entries"]
    assert re.fullmatch(r"\d{9}FEC\d{8}-" + re.escape(xml.stem) + r"\.txt", entries)  # reglo.core.fec_names
    capsys.readouterr()
    assert main(["fec", "check", str(folder / entries)]) == 0, capsys.readouterr().out


def test_demo_debits_are_deterministic(runs):
    (a, _, snap_a), (b, _, snap_b) = runs
    names_a = sorted(p.name for p in (a.out_dir / "prelevements").iterdir())
    assert names_a == sorted(p.name for p in (b.out_dir / "prelevements").iterdir())
    for name in names_a:
        assert (a.out_dir / "prelevements" / name).read_bytes() == (b.out_dir / "prelevements" / name).read_bytes(), name
    strip = lambda s: [(x.reference, x.is_test, x.lines) for x in s.batches if x.kind == "prelevement"]  # noqa: E731
    assert strip(snap_a) == strip(snap_b)
