"""Two ``reglo transfers generate`` (then two ``reglo payments import``) started at the same
moment on a copy of the demo dossier, repeatedly. The transfer previews are imported at
different register states (a third file is generated between the two imports); some pairs pay
disjoint periods, others overlapping ones. Across all runs:

* no two live bank files share an invoice, no two files share a MsgId / reference / name;
* no file is overwritten (every recorded file is on disk with its recorded hash);
* both runs of a disjoint pair succeed;
* an overlapping pair pays every invoice exactly once between them;
* payments: every payment imported once, entry numbers unique per journal.

A quick count by default (two transfer pairs, one payment pair); ``REGLO_FULL=1`` runs 20 pairs each (also
``bench/bench_concurrency.py``). The register is the dossier's SQLite file, and the
PostgreSQL server of ``REGLO_TEST_PG_URL`` when that variable is set.
"""
from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.addin import trust_fixtures as tf

FULL = os.environ.get("REGLO_FULL") == "1"
TRANSFER_RUNS = list(range(20)) if FULL else [0, 1]  # quick: one disjoint pair, one overlapping pair
PAYMENT_RUNS = list(range(20)) if FULL else [1]  # quick: an overlapping pair

# (period of A, period generated between the two imports, period of B, disjoint?)
TRANSFER_PAIRS = [
    ("2026-01", "2025-S1", "2026-02", True),
    ("2025", "2026-02", "2025-06/2026-01", False),
    ("2025-S2", "2025-S1", "2026-01", True),
    ("2026-01", "2025-S1", "2026-01", False),
]
# (invoice slice of A, of B, disjoint?) among the 10 latest invoices
PAYMENT_PAIRS = [((0, 5), (5, 10), True), ((0, 7), (3, 10), False), ((0, 10), (0, 10), False), ((2, 4), (6, 9), True)]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return tf.template_dossier(tmp_path_factory.mktemp("modele"))


@dataclass
class Backend:
    name: str
    extra_env: dict

    def prepare(self, folder: Path, monkeypatch) -> None:
        if self.name == "postgresql":
            from reglo.addin.shell.registry.config import write_pointer

            monkeypatch.setenv("REGLO_REGISTER_URL", self.extra_env["REGLO_REGISTER_URL"])
            write_pointer(folder, f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The dossier's SQLite register, or the PostgreSQL server of ``REGLO_TEST_PG_URL``
    (skipped without it, required by CI: ``tests/conftest.py::pg_test_url``)."""
    if request.param == "sqlite":
        return Backend("sqlite", {})
    from tests.conftest import pg_test_url

    url = pg_test_url()
    if not url:
        pytest.skip("PostgreSQL : REGLO_TEST_PG_URL non défini")
    return Backend("postgresql", {"REGLO_REGISTER_URL": url})


def _generate_in_process(wb: Path, folder: Path, now: datetime) -> None:
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import transfers as at

    saved, at.now = at.now, (lambda: now)
    try:
        res = at.generate_transfers(FileWorkbook(wb), dossier=folder, save_book=True)
    finally:
        at.now = saved
    assert res.outputs, res.summary


def _both(a: list[str], b: list[str], extra_env: dict) -> tuple:
    pa, pb = tf.start(a, **extra_env), tf.start(b, **extra_env)
    (oa, ea), (ob, eb) = pa.communicate(timeout=600), pb.communicate(timeout=600)
    return (pa.returncode, oa + ea), (pb.returncode, ob + eb)


def transfer_pair(template: Path, work: Path, i: int, backend: Backend, monkeypatch) -> None:
    pa, filler, pb, disjoint = TRANSFER_PAIRS[i % len(TRANSFER_PAIRS)]
    folder = tf.dossier_copy(template, work / f"dossier-{i}")
    backend.prepare(folder, monkeypatch)
    sel_a = tf.transfers_preview(folder, work / f"a-{i}.xlsx", pa)
    sel_f = tf.transfers_preview(folder, work / f"f-{i}.xlsx", filler)
    _generate_in_process(work / f"f-{i}.xlsx", folder, datetime(2026, 1, 2, 8, 0))
    sel_b = tf.transfers_preview(folder, work / f"b-{i}.xlsx", pb)  # imported at another register state
    (ca, oa), (cb, ob) = _both(tf.generate_args(work / f"a-{i}.xlsx", folder), tf.generate_args(work / f"b-{i}.xlsx", folder), backend.extra_env)
    assert ca in (0, 1) and cb in (0, 1), oa[-2000:] + ob[-2000:]
    assert "Erreur" not in oa + ob, oa[-2000:] + ob[-2000:]
    live = tf.check_register(folder, "virement")
    paid = tf.paid_items(live)
    assert max(paid.values()) == 1  # no two live bank files share an invoice
    assert set(paid) == sel_a | sel_b | sel_f  # every invoice paid, exactly once
    msgids = [b.reference for b in live]
    assert len(set(msgids)) == len(msgids) == len({tf.sha(folder / "virements" / f"{m}.xml") for m in msgids})
    if disjoint:
        assert len(live) == 3 and "ALREADY_PAID" not in oa + ob  # both runs succeed
    else:
        assert len(live) in (2, 3)


def payment_pair(template: Path, work: Path, i: int, backend: Backend, monkeypatch) -> None:
    (a0, a1), (b0, b1), disjoint = PAYMENT_PAIRS[i % len(PAYMENT_PAIRS)]
    folder = tf.dossier_copy(template, work / f"dossier-p{i}")
    backend.prepare(folder, monkeypatch)
    invoices = tf.open_invoices(10)
    wa = tf.payments_template(work / f"pa-{i}.xlsx", invoices[a0:a1])
    wb = tf.payments_template(work / f"pb-{i}.xlsx", invoices[b0:b1])
    (ca, oa), (cb, ob) = _both(tf.import_args(wa, folder), tf.import_args(wb, folder), backend.extra_env)
    assert ca in (0, 1) and cb in (0, 1), oa[-2000:] + ob[-2000:]
    assert "Erreur" not in oa + ob, oa[-2000:] + ob[-2000:]
    live = tf.check_register(folder, "customer_payments")
    expected = {f"invoice:{inv.invoice_number}" for inv in invoices[a0:a1] + invoices[b0:b1]}
    assert tf.paid_items(live) == {k: 1 for k in expected}  # every payment imported exactly once
    assert max(tf.entry_numbers(folder, live).values()) == 1  # entry numbers unique per journal
    names = [f.name for b in live for f in b.files if f.role == "entries"]
    assert len(set(names)) == len(names) == len(live)
    if disjoint:
        assert len(live) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
@pytest.mark.parametrize("i", TRANSFER_RUNS)
def test_two_transfer_generations_at_once(template, tmp_path, backend, monkeypatch, i):
    transfer_pair(template, tmp_path, i, backend, monkeypatch)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
@pytest.mark.parametrize("i", PAYMENT_RUNS)
def test_two_payment_imports_at_once(template, tmp_path, backend, monkeypatch, i):
    payment_pair(template, tmp_path, i, backend, monkeypatch)
