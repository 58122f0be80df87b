"""Property test through real files: entries written as csv / txt (any separator, UTF-8 or
Windows-1252, quoted when needed) in any layout are read back identical, and lines read =
accepted + rejected."""
from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.addin.shell import entry_import as ei
from reglo.core.entry_import import import_entries
from reglo.core.entry_import.layout import render_rows
from tests.core.test_entry_import_props import _essence, definitions, entries


def _file(headers: list[str], rows: list[list[str]], sep: str, encoding: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(n_max=6), definitions(), st.sampled_from([";", ",", "\t", "|"]), st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]))
def test_files_in_any_layout_read_back_identical(data, definition, sep, encoding):
    ents, companies = data
    d, style = definition
    headers, rows = render_rows(ents, d, companies=companies, style=style)
    inp = ei.read_delimited(_file(headers, rows, sep, encoding), d, name="import.csv")
    assert inp.separator == sep and len(inp.raw) == len(rows)
    result = import_entries(inp.raw, d)
    s = result.summary
    assert s.lines_read == len(rows) == s.lines_accepted + s.lines_rejected and s.lines_rejected == 0
    with_number = bool(d.entry_number_column)
    for company in dict.fromkeys(companies):
        got = [_essence(e, with_number, source=False) for e in result.entries(company)]
        assert got == [_essence(e, with_number) for c, e in zip(companies, ents) if c == company]
