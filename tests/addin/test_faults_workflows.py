"""Fault injection on real workflows: a child ``reglo transfers generate`` / ``reglo payments
import`` on a copy of the demo dossier kills itself (``REGLO_FAULT_AT=<step>``, SIGKILL) at a
step of the commit; the next start (any ``reglo`` command on the dossier) leaves it in the old
state or the new one — no orphan file, no stray temporary file, a consistent register — and
running the command again pays nothing twice.

A quick set of steps by default; every step with ``REGLO_FULL=1``. Every step of the protocol
itself, on the SQLite store, runs by default in ``test_faults_protocol.py``.
"""
from __future__ import annotations

import os
import sys

import pytest

from tests.addin import trust_fixtures as tf

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

FULL = os.environ.get("REGLO_FULL") == "1"
ALL_TRANSFERS = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_tmp_write:2", "after_tmp_write:3",
                 "after_rename:0", "after_rename:1", "after_ledger_replace", "before_committed", "after_committed"]
ALL_PAYMENTS = ["after_lock", "after_plan", "after_pending", "after_tmp_write:0", "after_tmp_write:1", "after_tmp_write:2",
                "after_rename:0", "after_ledger_replace", "before_committed", "after_committed"]
TRANSFERS = ALL_TRANSFERS if FULL else ["after_rename:1"]
PAYMENTS = ALL_PAYMENTS if FULL else ["before_committed"]


def _next_start(folder) -> None:
    """What every ``reglo`` command does first on a dossier: load it (recovery at start)."""
    from reglo.addin.shell.dossier import load_dossier

    load_dossier(folder)


def _generate_again(wb, folder) -> str:
    from datetime import datetime

    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import transfers as at

    saved, at.now = at.now, (lambda: datetime(2026, 1, 2, 9, 5))
    try:
        res = at.generate_transfers(FileWorkbook(wb), dossier=folder, save_book=True)
    finally:
        at.now = saved
    return " ".join(a.code.value for a in res.alerts)


def _import_again(wb, folder):
    from datetime import date, datetime

    from reglo.addin.shell import payments as ap

    return ap.import_file(wb, ap.PaymentsDossier.load(folder), today=date(2026, 1, 6), now=datetime(2026, 1, 6, 10, 0))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return tf.template_dossier(tmp_path_factory.mktemp("modele"))


def _old_or_new(folder, before: dict, kind: str) -> str:
    live = tf.check_register(folder, kind)
    if not live:
        after = tf.tree(folder)
        assert after == before, sorted(set(after.items()) ^ set(before.items()))
        return "old"
    (batch,) = live
    assert batch.status == "committed"
    return "new"


@pytest.mark.parametrize("step", TRANSFERS)
def test_transfers_generate_killed_at_each_step(template, tmp_path, step):
    folder = tf.dossier_copy(template, tmp_path / "dossier")
    wb = tmp_path / "virements.xlsx"
    selected = tf.transfers_preview(folder, wb, "2026-01")
    before = tf.tree(folder)
    killed = tf.run(tf.generate_args(wb, folder), REGLO_FAULT_AT=step)
    assert killed.returncode == -9, killed.stderr[-1500:]
    _next_start(folder)
    state = _old_or_new(folder, before, "virement")
    if step in ("after_lock", "after_plan", "after_pending"):
        assert state == "old"
    if step == "after_committed":
        assert state == "new"
    codes = _generate_again(wb, folder)
    live = tf.check_register(folder, "virement")
    paid = tf.paid_items(live)
    assert set(paid) == selected and max(paid.values()) == 1  # everything paid, nothing twice
    assert len(live) == 1 and ("ALREADY_PAID" in codes) == (state == "new")


@pytest.mark.parametrize("step", PAYMENTS)
def test_payments_import_killed_at_each_step(template, tmp_path, step):
    folder = tf.dossier_copy(template, tmp_path / "dossier")
    invoices = tf.open_invoices(5)
    wb = tf.payments_template(tmp_path / "reglements.xlsx", invoices)
    before = tf.tree(folder)
    killed = tf.run(tf.import_args(wb, folder), REGLO_FAULT_AT=step)
    assert killed.returncode == -9, killed.stderr[-1500:]
    _next_start(folder)
    state = _old_or_new(folder, before, "customer_payments")
    if step in ("after_lock", "after_plan", "after_pending"):
        assert state == "old"
    _import_again(wb, folder)
    live = tf.check_register(folder, "customer_payments")
    assert tf.paid_items(live) == {f"invoice:{i.invoice_number}": 1 for i in invoices}
    assert len(live) == 1
    assert max(tf.entry_numbers(folder, live).values()) == 1
