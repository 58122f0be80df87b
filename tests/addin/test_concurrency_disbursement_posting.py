"""Two disbursement runs of one dossier post their payments at the same moment (two ``reglo
disburse comptabiliser`` processes, seed 004 step 5). Both runs handed out their entry numbers
from the same « Premier numéro d'écriture » before either took the dossier lock; the later
commit moves its pending sequences past the numbers the register says the first one used
(``renumber_pending``, inside the lock). So both postings are written, and no entry number is
used twice in a bank journal across the two entries files. Two pairs by default, 6 with
``REGLO_FULL=1``."""
from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.addin import register_view as rv
from tests.addin import trust_fixtures as tf
from tests.addin.test_disbursement_register import template  # noqa: F401 - fixtures
from tests.addin.test_disbursement_remainder import _both, _key_of_the_period, _originals, _to_step_4, _wizard

FULL = os.environ.get("REGLO_FULL") == "1"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


@pytest.mark.parametrize("i", list(range(6)) if FULL else [0, 1])
def test_two_postings_at_once_never_share_an_entry_number(template, tmp_path, monkeypatch, i):
    from reglo.addin.shell import disbursement as sd
    from reglo.core.fec import read_fec

    monkeypatch.setattr(sd, "now", lambda: datetime(2026, 1, 2, 8, 30))
    folder = tf.dossier_copy(template, tmp_path / f"dossier-{i}")
    first_key, _ = _key_of_the_period(folder, tmp_path / "v0.xlsx")
    originals = _originals(folder)
    second_key = sorted(k for k in originals if k != first_key and originals[k] >= 10000)[0]
    books = {}
    for ref, key in (("A", first_key), ("B", second_key)):
        books[ref], _ = _wizard(folder, tmp_path / f"{ref}.xlsx", f"DEC-{ref}{i}")
        _to_step_4(books[ref], folder, key, None)
        res = sd.run_action(books[ref], "editer_bordereaux", sd.fields_for("editer_bordereaux", {}), dossier=folder)
        assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
        res = sd.run_action(books[ref], "suivant", sd.fields_for("suivant", {}), dossier=folder)  # step 5
        assert not [a for a in res.alerts if a.is_blocking], [str(a) for a in res.alerts][:5]
        books[ref].save()
    (ca, oa), (cb, ob) = _both(*([tf.REGLO, "disburse", "comptabiliser", str(tmp_path / f"{r}.xlsx"), "--dossier", str(folder)] for r in ("A", "B")),
                               head_start=0.5 * (i % 2))
    assert ca == 0 and cb == 0 and "Traceback" not in oa + ob, oa[-2000:] + ob[-2000:]
    postings = [b for b in rv.live(folder, "decaissement_ecritures") if not b.is_test]
    assert len(postings) == 2, [b.reference for b in postings]
    numbers: dict[str, list[str]] = {}
    for b in postings:
        (f,) = [f for f in b.files if f.role == "entries"]
        frame = read_fec((folder / f.folder / f.name).read_bytes(), f.name).frame
        for journal, number in set(zip(frame["journal_code"], frame["entry_number"])):
            numbers.setdefault(journal, []).append(number)
    for journal, used in numbers.items():
        assert len(used) == len(set(used)), (journal, sorted(used))
    tf.check_register(folder, "decaissement")
