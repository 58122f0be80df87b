"""Collecting twice collects nothing the second time, including with two processes at once
(issue 14, the trust-layer concurrency test extended to direct debits), on the dossier's
SQLite register and on the PostgreSQL server of ``REGLO_TEST_PG_URL`` (skipped without it;
CI provides it).

Each pair starts two ``generate_debits`` processes on the same dossier at the same moment, with
their own clocks (so their own MsgIds and file names) and their own selection of customers
(grouping-code range). Across all pairs:

* every invoice is collected at most once, and in full (no two live batches share a part);
* an overlapping pair collects the overlap once; a disjoint pair writes two files;
* no two live batches share a MsgId or a file, every recorded file is on disk with its hash;
* a third run afterwards collects nothing.

Quick by default (3 pairs per backend); ``REGLO_FULL=1`` runs each pair 5 times.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reglo.addin.shell import debits as sd
from reglo.addin.shell.dossier import write_dossier
from tests.addin.test_concurrency_workflows import Backend, backend  # noqa: F401 - fixture
from tests.addin.test_debits_shell import HERE, snapshot, strict, workbook
from tests.core.debit_fixtures import NOW, default_ledger, dossier

FULL = os.environ.get("REGLO_FULL") == "1"
INVOICES = {"C001": 720000, "C002": 85040}  # FA-101 + FA-102, FA-103 (C003 pays by cheque)
# (customers of A, customers of B, disjoint?)
PAIRS = [(("C001", "C002"), ("C001", "C002"), False), (("C001", "C002"), ("C002", "C002"), False), (("C001", "C001"), ("C002", "C002"), True)]
RUNS = [(i, r) for r in range(5 if FULL else 1) for i in range(len(PAIRS))]

_CHILD = r"""
import sys
sys.path.insert(0, {root!r})
from datetime import datetime
from reglo.addin.backends.sheets import FileWorkbook
from reglo.addin.shell import debits as sd
sd.now = lambda: datetime.fromisoformat({now!r})
res = sd.generate_debits(FileWorkbook({book!r}))
print("OUT", len(res.outputs))
print("ALERTS", ";".join(a.code.value for a in res.alerts))
"""


def _start(book: Path, now: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    return subprocess.Popen([sys.executable, "-c", _CHILD.format(root=str(HERE), book=str(book), now=now)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
@pytest.mark.parametrize("i, run", RUNS)
def test_two_collections_at_once_collect_each_invoice_once(tmp_path, backend, monkeypatch, i, run):  # noqa: F811
    a, b, disjoint = PAIRS[i]
    folder = tmp_path / "dossier"
    write_dossier(folder, strict(dossier()), default_ledger())
    backend.prepare(folder, monkeypatch)
    monkeypatch.setattr(sd, "now", lambda: NOW)
    books = []
    for name, (first, last) in (("a.xlsx", a), ("b.xlsx", b)):
        book = workbook(folder, name=name, **{"Regroupement début": first, "Regroupement fin": last})
        book.save()
        books.append(folder / name)
    procs = [_start(books[0], "2023-08-10T09:30:00"), _start(books[1], "2023-08-10T09:31:00")]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1].decode()[-1500:] for o in outs]
    text = "".join(o[0].decode() for o in outs)
    assert "Traceback" not in text and "Erreur" not in text, text

    live = snapshot(folder).live("prelevement")
    collected: dict[str, int] = {}
    parts: dict[str, int] = {}
    for batch in live:
        for line in batch.lines:
            collected[line.party_code] = collected.get(line.party_code, 0) + line.amount_cents
            parts[line.item_key] = parts.get(line.item_key, 0) + 1
    wanted = {c for c in INVOICES if c in {*a, *b}}
    assert collected == {c: INVOICES[c] for c in wanted}  # every invoice once, in full
    assert max(parts.values()) == 1  # no two live batches share a part
    refs = [bt.reference for bt in live]
    files = [f for bt in live for f in bt.files if f.role == "bank"]
    assert len(set(refs)) == len(refs) and len({f.name for f in files}) == len(files)
    for bt in live:
        for f in bt.files:
            if f.role in ("bank", "entries"):  # the lettered copy is rewritten by the next batch
                assert hashlib.sha256((folder / f.folder / f.name).read_bytes()).hexdigest() == f.sha256
    if disjoint:
        assert len(live) == 2
    assert len(list((folder / "prelevements").glob("Pre*.xml"))) == len(live)

    # collecting again collects nothing
    from reglo.addin.backends.sheets import FileWorkbook

    for book in books:
        again = sd.generate_debits(FileWorkbook(book))
        assert again.outputs == [] and "rien à prélever" in again.summary, again.summary
    assert len(snapshot(folder).live("prelevement")) == len(live)
