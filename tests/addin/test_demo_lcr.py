"""Demo step 75 (LCR, slips, VAT on receipts): its receipts data reconciles to the cent with
the treasury entries of the receipts Reglo recorded (direct debits of step 70 + LCR), the LCR
file reads back, the FEC passes the DGFiP checker, and a second run gives the same outputs."""
from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from reglo.addin.backends.sheets import FileWorkbook
from reglo.addin.entrypoints.demo_steps import DemoContext, steps
from reglo.core.fec import read_fec
from reglo.core.writers.cfonb160_parse import parse_lcr

D = Decimal
DGFIP = Path("/work/dgfip/run_check.sh")
UNTIL = 75  # the steps up to this one


def _run(out: Path) -> DemoContext:
    ctx = DemoContext(out_dir=out)
    out.mkdir(parents=True, exist_ok=True)
    for step in steps():
        if step.ORDER in (0, 70, 75):  # the dossier, the direct debits, the LCR
            step.run(ctx)
    return ctx


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("demo-lcr") / "D")


def _receipts(ctx) -> dict[str, D]:
    (path,) = ctx.data["lcr"]["vat"].outputs
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text("utf-8")), delimiter=";"))
    return {r["Réf. encaissement"]: D(r["Montant encaissé"]) for r in rows}


def test_step_has_no_blocking_alert_and_writes_file_entries_and_data(demo):
    assert demo.blocking == 0
    outs = [Path(p) for p in demo.data["lcr"]["continue"].outputs]
    assert [p.parent.name for p in outs] == ["lcr", "lcr"]
    cfonb = next(p for p in outs if p.name.startswith("LCR"))
    remittance, alerts = parse_lcr(cfonb.read_bytes())
    assert alerts == [] and len(remittance.bills) == 3
    assert {b.acceptance_code.value for b in remittance.bills} == {"0", "1", "2"}
    book = FileWorkbook(demo.data["lcr"]["workbook"])
    for sheet in ("Gestion des LCR", "Fichier LCR", "Écritures LCR (provisoire)", "Bordereau LCR", "Bordereau prélèvements"):
        assert sheet in book.sheet_names()
    vbook = FileWorkbook(demo.data["lcr"]["vat_workbook"])
    for sheet in ("CA3 - TVA sur encaissements", "Données d'encaissement"):
        assert sheet in vbook.sheet_names()


def test_receipts_data_reconciles_with_the_treasury_entries_to_the_cent(demo):
    folder = Path(demo.dossier_path).parent
    treasury = [p for p in (folder / "lcr").glob("*FEC*-LCR*.txt")] + list((folder / "prelevements").glob("*FEC*-Pre*.txt"))
    assert len(treasury) == 2
    credit_411 = 0
    for p in treasury:
        frame = read_fec(p.read_bytes(), filename=p.name).frame
        credit_411 += int(frame.loc[frame["ledger_account"].str.startswith("411"), "credit"].sum())
        credit_411 -= int(frame.loc[frame["ledger_account"].str.startswith("411"), "debit"].sum())
    received = _receipts(demo)
    assert int(sum(received.values()) * 100) == credit_411
    lcr_total = remittance_total = parse_lcr(next(Path(p) for p in demo.data["lcr"]["continue"].outputs if Path(p).name.startswith("LCR")).read_bytes())[0].total_cents
    assert int(sum(v for k, v in received.items() if k.startswith("L")) * 100) == lcr_total == remittance_total


@pytest.mark.skipif(not DGFIP.exists(), reason="DGFiP checker not installed")
def test_lcr_entries_pass_the_dgfip_checker(demo):
    folder = Path(demo.dossier_path).parent
    (fec,) = (folder / "lcr").glob("*FEC*-LCR*.txt")
    done = subprocess.run([str(DGFIP), str(fec)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]


def test_demo_step_is_deterministic(demo, tmp_path):
    again = _run(tmp_path / "D")
    first, second = Path(demo.dossier_path).parent, Path(again.dossier_path).parent
    names = sorted(p.name for p in (first / "lcr").iterdir())
    assert names == sorted(p.name for p in (second / "lcr").iterdir())
    for name in names:
        assert (first / "lcr" / name).read_bytes() == (second / "lcr" / name).read_bytes(), name
    assert _receipts(demo) == _receipts(again)
