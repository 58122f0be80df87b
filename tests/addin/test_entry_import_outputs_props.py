"""Property tests of « Done when » on the files an entry import writes (through a real csv
file, ``output_files``): every source row appears exactly once, either in an accepted entry or
in the rejects file with its reason; each FEC written has one balanced EcritureNum per
accepted entry (the writers ``output_files`` uses: ``rejects_csv``, ``write_fec_tables``). Quick count by default, ``REGLO_FULL=1`` for the full one."""
from __future__ import annotations

import csv
import io
import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.addin.shell import entry_import as ei
from reglo.core.entry_import import import_entries
from reglo.core.entry_import.definition import AmountMode
from reglo.core.entry_import.layout import render_rows
from reglo.core.fec import read_fec, write_fec_tables
from tests.core.test_entry_import_props import definitions, entries

FULL = bool(os.environ.get("REGLO_FULL"))


def _csv(headers: list[str], rows: list[list[str]], sep: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


@settings(max_examples=300 if FULL else 25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(n_max=8), definitions(), st.sampled_from([";", "\t", "|"]), st.data())
def test_every_source_row_once_and_one_balanced_number_per_accepted_entry(data, definition, sep, draw):
    ents, companies = data
    d, style = definition
    d = d.model_copy(update={"companies": {"": "123456789", "ALPHA": "552100554", "BETA": "732829320"}})
    headers, rows = render_rows(ents, d, companies=companies, style=style)
    for i in draw.draw(st.lists(st.integers(0, len(rows) - 1), max_size=3, unique=True)):  # some broken rows
        how = draw.draw(st.sampled_from(["date", "amount"]))
        col = "Date" if how == "date" else ("Montant" if d.amount_mode is not AmountMode.DEBIT_CREDIT else "Débit")
        rows[i][headers.index(col)] = "31/02/2025" if how == "date" else "12x"
    inp = ei.read_delimited(_csv(headers, rows, sep), d, name="import.csv")
    result = import_entries(inp.raw, d)
    # the two writers ``output_files`` calls for the rejects file and the FECs (not its workbooks: slow)
    rejects_file = ei.rejects_csv(inp, result)
    fecs = write_fec_tables(result.table, by="company") if result.table.num_rows else {}

    # every source line: once in an accepted entry, or once in the rejects file with its reason
    source = Counter(inp.line(int(r)) for r in result.source_rows)
    accepted = Counter(inp.line(r) for r in set(int(r) for r in result.table["source_row"].to_pylist()))  # a line with its VAT: 2 FEC lines
    rejects = rejects_file.decode("utf-8-sig").split("\r\n")
    assert rejects[0].endswith(f"{sep}{ei.REASON}{sep}{ei.REASON_CODE}") and rejects[-1] == ""
    rejected: Counter = Counter()
    for line in rejects[1:-1]:
        cells = next(csv.reader([line], delimiter=sep))
        reason, code = cells[-2], cells[-1]
        assert reason and code, line
        suffix = f"{sep}{ei._csv_field(reason, sep)}{sep}{code}"
        assert line.endswith(suffix)
        rejected[line[: -len(suffix)]] += 1
    assert accepted + rejected == source
    assert sum(accepted.values()) + sum(rejected.values()) == len(rows)

    # each FEC: one balanced EcritureNum per accepted entry of its company
    for company in result.companies():
        frame = read_fec(fecs[company]).frame
        sums = frame.groupby("entry_number")[["debit", "credit"]].sum()
        assert (sums["debit"] == sums["credit"]).all()
        assert len(sums) == len(result.entries(company))
