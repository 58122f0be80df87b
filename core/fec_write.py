"""FEC writer, column-wise on pyarrow (re-exported by ``reglo.core.fec``).

Every field is formatted with Arrow kernels over the whole column (amounts through a
decimal view of the cents, dates through their few distinct values, texts with one byte
scan before any regex), then pyarrow's CSV writer joins the fields: a 1,000,000-line FEC
is written in about a second (``bench/bench_fec_write.py``).

The layout: 18 fields in the legal order (``reglo.core.ledger.FEC_FIELDS``), optionally the due
date as a 19th field, CRLF line ends, decimal comma without thousands separator ("1234,56",
"-0,05", "0,00"), dates ``AAAAMMJJ`` (empty when absent), texts without separators nor line
breaks (a run of them, with the spaces around it, becomes one space; the ends are trimmed).
Characters the encoding cannot hold become ``?``.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from reglo.core.ledger import CENTS_COLUMNS, DATE_COLUMNS, FEC_FIELDS, FEC_NAMES

SEPARATORS = ("\t", "|")
# a run of separators / line breaks inside a text, with the spaces around it → one space
REPLACED = {"\t": r" *[\r\n\t]+[\r\n\t ]*", "|": r" *[\r\n\t|]+[\r\n\t| ]*"}
_BREAKING = {"\t": (b"\r", b"\n", b"\t"), "|": (b"\r", b"\n", b"\t", b"|")}
# pyarrow's CSV writer without quoting refuses '"' in a value: it is swapped for a control
# character absent from the data, and swapped back in the bytes
_PLACEHOLDERS = (b"\x1f", b"\x1e", b"\x1d", b"\x1c", b"\x1a", b"\x19", b"\x18", b"\x17")


def write_fec(frame: pd.DataFrame, *, separator: str = "\t", encoding: str = "utf-8", due_date_field: str | None = None) -> bytes:
    """Write a ledger frame as a FEC (18 fields in the legal order, CRLF, decimal comma).

    Text fields lose separators, line breaks and surrounding spaces (``reglo.core.fec.text_issues``
    lists them beforehand); characters the encoding cannot hold become ``?``.

    Args:
        frame: ledger columns (see ``reglo.core.ledger.COLUMNS``).
        separator: ``"\\t"`` (default) or ``"|"``.
        encoding: ``"utf-8"`` or ``"iso-8859-15"`` (also ``"cp1252"``).
        due_date_field: when given (e.g. ``"DateEcheance"``), the due dates are written as a
            19th field of that name.
    """
    _check_separator(separator)
    wanted = [col for _, col in FEC_FIELDS] + (["due_date"] if due_date_field else [])
    columns = {col: _frame_column(frame[col], col) for col in dict.fromkeys(wanted)}
    return _write(columns, len(frame), None, separator, encoding, due_date_field)[None]


def write_fec_table(table: pa.Table, *, separator: str = "\t", encoding: str = "utf-8", due_date_field: str | None = None) -> bytes:
    """Lines as a pyarrow table (``reglo.core.ledger.COLUMNS``: texts as strings, amounts as int64
    cents, dates as timestamps or dates) → FEC bytes, as ``write_fec``."""
    return write_fec_tables(table, separator=separator, encoding=encoding, due_date_field=due_date_field)[None]


def write_fec_tables(table: pa.Table, *, by: str | None = None, separator: str = "\t", encoding: str = "utf-8", due_date_field: str | None = None) -> dict:
    """One FEC per distinct value of column ``by`` (e.g. the company), the lines of each in
    table order; the fields are formatted once for the whole table. ``by=None``: one FEC,
    under the key ``None``."""
    _check_separator(separator)
    wanted = [col for _, col in FEC_FIELDS] + (["due_date"] if due_date_field else [])
    columns = {col: _combined(table[col]) for col in dict.fromkeys(wanted)}
    keys = _combined(table[by]) if by is not None else None
    return _write(columns, table.num_rows, keys, separator, encoding, due_date_field)


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------


def _check_separator(separator: str) -> None:
    if separator not in SEPARATORS:
        raise ValueError("le séparateur d'un FEC est la tabulation ou |")


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def _frame_column(values: pd.Series, col: str) -> pa.Array:
    """A ledger frame column as the Arrow array the formatting expects, read as the ledger
    dtypes say (cents as int64, foreign amount as nullable Int64, dates through
    ``pd.to_datetime``, texts through ``str`` with blanks for missing values)."""
    if col in CENTS_COLUMNS:
        return pa.array(np.asarray(values.astype("int64"), dtype=np.int64))
    if col == "foreign_amount":
        return _combined(pa.array(values.astype("Int64")))
    if col in DATE_COLUMNS or col == "due_date":
        return _combined(pa.array(pd.to_datetime(values)))
    text = values.fillna("").astype("str")
    try:
        return _combined(pa.array(text))
    except (UnicodeEncodeError, pa.ArrowException):  # lone surrogates: "?" as the encoder would write
        return pa.array([v.encode("utf-8", "replace").decode("utf-8") for v in text.tolist()], pa.string())


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------


def _write(columns: dict[str, pa.Array], n: int, keys: pa.Array | None, separator: str, encoding: str, due_date_field: str | None) -> dict:
    fields: list[pa.Array] = []
    texts: list[int] = []
    for _, col in FEC_FIELDS:
        values = columns[col]
        if col in CENTS_COLUMNS:
            fields.append(_cents(values))
        elif col == "foreign_amount":
            if values.null_count == len(values):
                fields.append(_empty_strings(len(values)))
            else:
                fields.append(pc.if_else(pc.is_valid(values), _cents(values), ""))
        elif col in DATE_COLUMNS:
            fields.append(_dates(values))
        else:
            texts.append(len(fields))
            fields.append(_text(values, separator))
    names = list(FEC_NAMES)
    if due_date_field:
        fields.append(_dates(columns["due_date"]))
        names.append(due_date_field)
    header = separator.join(names) + "\r\n"
    has_quote = [i for i in texts if _contains(fields[i], (b'"',))]
    placeholder = b""
    if has_quote:
        placeholder = next((p for p in _PLACEHOLDERS if not any(_contains(fields[i], (p,)) for i in texts)), b"")
        if not placeholder:  # pragma: no cover - texts holding every placeholder control character
            raise ValueError("texte du FEC impossible à écrire : guillemets et caractères de contrôle mêlés")
        for i in has_quote:
            fields[i] = pc.replace_substring(fields[i], '"', placeholder.decode())
    utf8 = encoding.replace("-", "").replace("_", "").lower() == "utf8"
    one_utf8 = keys is None and utf8  # one UTF-8 FEC: the header and the lines written into one buffer (no copy of the body)
    out = io.BytesIO()
    if one_utf8:
        out.write(header.encode("utf-8"))
    if n:
        formatted = pa.table({f"f{i}": f for i, f in enumerate(fields)})
        pacsv.write_csv(formatted, out, pacsv.WriteOptions(include_header=False, delimiter=separator, quoting_style="none", eol="\r\n"))
        del formatted
    body = out.getvalue()
    del out
    if has_quote:
        body = body.replace(placeholder, b'"')  # never in the header (field names)
    if one_utf8:
        return {None: body}
    if keys is None:
        bodies: dict = {None: [body]}
    else:  # line lengths from the fields: no scan of the whole body for line breaks
        lengths = np.full(n, len(separator) * (len(fields) - 1) + 2, dtype=np.int64)
        for f in fields:
            lengths += np.asarray(pc.binary_length(f).to_numpy(zero_copy_only=False), dtype=np.int64)
        del fields
        bodies = _split_lines(body, keys, np.cumsum(lengths))
    del body
    result = {}
    for key in list(bodies):
        slices = bodies.pop(key)
        if utf8:
            result[key] = b"".join([header.encode("utf-8"), *slices])  # one copy per FEC
        else:  # header and lines encoded together (a BOM, if the encoding has one, comes once)
            result[key] = (header + b"".join(slices).decode("utf-8")).encode(encoding, errors="replace")
    return result


def _cents(values: pa.Array) -> pa.Array:
    """int64 cents → "1234,56" / "-0,05" / "0,00": only non-zero amounts are formatted."""
    c = np.asarray(pc.fill_null(pc.cast(values, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    nz = np.flatnonzero(c)
    v = c[nz]
    # a decimal128 stores the unscaled integer, here the cents themselves (two int64 words, little-endian)
    two = np.empty((len(v), 2), dtype=np.int64)
    two[:, 0] = v
    two[:, 1] = np.where(v < 0, -1, 0)
    dec = pa.Array.from_buffers(pa.decimal128(38, 2), len(v), [None, pa.py_buffer(two)])
    text = pa.concat_arrays([pc.replace_substring(pc.cast(dec, pa.string()), ".", ","), pa.array(["0,00"])])
    idx = np.full(len(c), len(v), dtype=np.int64)
    idx[nz] = np.arange(len(v))
    return text.take(pa.array(idx))


def _dates(values: pa.Array) -> pa.Array:
    """Timestamps or dates → "AAAAMMJJ", "" when absent; few distinct dates: the dictionary
    is formatted, not every line."""
    if pa.types.is_null(values.type):
        return _empty_strings(len(values))
    enc = pc.dictionary_encode(values)
    text = pc.fill_null(pc.strftime(enc.dictionary, format="%Y%m%d"), "")
    return pc.fill_null(pc.take(text, enc.indices), "")


def _text(values: pa.Array, separator: str) -> pa.Array:
    """Runs of separators / line breaks (with their surrounding spaces) → one space; trimmed."""
    t = pc.fill_null(pc.cast(values, pa.string()), "")
    # a byte scan of the whole column is much cheaper than a regex per line
    if _contains(t, _BREAKING[separator]):
        t = pc.replace_substring_regex(t, REPLACED[separator], " ")
    return pc.utf8_trim_whitespace(t)


def _empty_strings(n: int) -> pa.Array:
    """``n`` empty strings, built from buffers (no Python objects)."""
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(np.zeros(n + 1, dtype=np.int32)), pa.py_buffer(b"")])


def _split_lines(body: bytes, keys: pa.Array, ends: np.ndarray) -> dict:
    """Lines of ``body`` (one per key, CRLF) grouped by key, order kept, as lists of byte
    slices: runs of equal keys are sliced (companies usually come in blocks)."""
    if len(keys) == 0:
        return {}
    enc = pc.dictionary_encode(keys)
    idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    if len(ends) and int(ends[-1]) != len(body):  # pragma: no cover - defensive: never cut a line wrong
        ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10) + 1
    starts = np.r_[0, ends[:-1]]
    run_start = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    run_end = np.r_[run_start[1:], len(idx)]
    values = enc.dictionary.to_pylist()
    parts: dict = {v: [] for v in values}
    for a, b in zip(run_start.tolist(), run_end.tolist()):
        parts[values[int(idx[a])]].append(memoryview(body)[int(starts[a]):int(ends[b - 1])])
    return parts


def _contains(values: pa.Array, needles: tuple[bytes, ...]) -> bool:
    """Whether any value holds one of ``needles`` (one scan of the data buffer)."""
    data = values.buffers()[2]
    if data is None:
        return False
    raw = data.to_pybytes()
    return any(raw.find(n) >= 0 for n in needles)
