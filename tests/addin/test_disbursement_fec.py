"""The entries file of the demo's disbursement posting (demo step 80 on the demo dossier):
named ``<SIREN>FEC<closing>-<reference>.txt`` with the dossier's SIREN and the closing date of
the fiscal year of its entries (``reglo.core.fec_names.created_fec_name``), it passes
``reglo fec check``, and the DGFiP's own checker when it is installed on the machine
(``/work/dgfip/run_check.sh``, never part of the repository); the demo's pain.001 files are
XSD-valid; every file is recorded in the register."""
from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.addin import register_view as rv
from tests.addin import trust_fixtures as tf

DGFIP = Path("/work/dgfip/run_check.sh")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from reglo.addin.entrypoints.demo_steps import DemoContext
    from reglo.addin.entrypoints.demo_steps import s80_disbursement as demo

    folder = tf.dossier_copy(tf.template_dossier(tmp_path_factory.mktemp("modele")), tmp_path_factory.mktemp("d") / "dossier")
    ctx = DemoContext(out_dir=folder, dossier_path=folder / "dossier.xlsx")
    lines = demo.run(ctx)
    assert ctx.blocking == 0, lines
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "decaissements").iterdir() if "FEC" in p.name)


def test_entries_file_name_is_the_dgfip_form_with_the_dossier_siren(demo_run):
    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.fec_names import closing_date, parse_created_fec_name

    company = load_dossier(demo_run).dossier.company
    names = [p.name for p in _entries(demo_run)]
    expected_closing = closing_date(company.fiscal_year_end, date(2026, 1, 5))
    assert sorted(parse_created_fec_name(n) for n in names) == [
        (company.siren, expected_closing, "DEC-DEMO-0001-9001-9007"),
        (company.siren, expected_closing, "DEC-DEMO-0001-TEST-9001-9007"),
    ]
    snap = rv.snapshot(demo_run)
    posted = {b.reference: b for b in snap.batches if b.kind == "decaissement_ecritures"}
    assert posted["DEC-DEMO-0001-9001-9007"].status == "committed" and not posted["DEC-DEMO-0001-9001-9007"].is_test
    assert posted["DEC-DEMO-0001-TEST-9001-9007"].is_test  # the test posting: recorded, never counted
    assert snap.live("decaissement_ecritures") == [posted["DEC-DEMO-0001-9001-9007"]]


def test_reglo_fec_check_passes_on_the_entries(demo_run):
    from reglo.addin.entrypoints.cli import main

    for path in _entries(demo_run):
        assert main(["fec", "check", str(path)]) == 0, path.name


@pytest.mark.skipif(not DGFIP.exists(), reason="the DGFiP checker is not installed on this machine")
def test_dgfip_checker_accepts_the_entries(demo_run):
    for path in _entries(demo_run):
        done = subprocess.run([str(DGFIP), str(path)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:]


def test_demo_pain001_files_are_xsd_valid_and_recorded(demo_run):
    from reglo.core.writers.pain001 import DEFAULT_VERSION, validate_pain001

    xml = sorted((demo_run / "decaissements").glob("DEC*.xml"))
    assert xml
    for p in xml:
        assert validate_pain001(p.read_bytes(), DEFAULT_VERSION) == [], p.name
    tf.check_register(demo_run, "decaissement")  # every file known, hashes match, nothing pending
    known = {f.name for b in rv.snapshot(demo_run).batches for f in b.files}
    assert {p.name for p in (demo_run / "decaissements").iterdir()} <= known
