"""FEC (Fichier des Écritures Comptables) reader and writer, flat form.

Source: LPF art. A47 A-1 (arrêté of 29 July 2013), BOFiP BOI-CF-IOR-60-40-20, and the
checks of DGFiP's Test Compta Demat (see ``shared/specs/fec.md``).

Reading is column-wise (pyarrow's CSV reader, vectorised checks) so that a
1,000,000-line file is read and checked in about a second. Every line of the file ends
in the ledger or in an alert (lines with a wrong field count are reported with their
line number and kept out of the ledger: their fields cannot be trusted).
"""
from __future__ import annotations

import io
import re
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.alerts import Alert, alert
from core.ledger import (
    CENTS_COLUMNS,
    COLUMNS,
    DATE_COLUMNS,
    DUE_DATE_FIELDS,
    FEC_FIELDS,
    FEC_NAMES,
    Ledger,
    empty_frame,
)

SHEET = "FEC"
MAX_ALERTS_PER_CODE = 1000  # beyond that, one summary alert (a broken file would flood the user)
_FILENAME = re.compile(r"^(\d{9})FEC(\d{8})(\.txt|\.csv)?$", re.IGNORECASE)
_CHECKED_MISSING = ("JournalCode", "JournalLib", "CompteLib", "PieceRef", "PieceDate", "EcritureLib", "ValidDate")


class FecError(ValueError):
    """The file cannot be read as a FEC at all (empty, wrong separator, no header)."""

    def __init__(self, alert_: Alert):
        super().__init__(alert_.message)
        self.alert = alert_


# ---------------------------------------------------------------------------
# decoding and header
# ---------------------------------------------------------------------------

def decode_bytes(data: bytes) -> tuple[bytes, str]:
    """Return UTF-8 bytes (BOM removed) and the encoding detected.

    UTF-8 is tried first; otherwise Windows-1252 when bytes 0x80-0x9F occur (they are
    control codes in ISO-8859-15), else ISO-8859-15.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        data.decode("utf-8")  # raises on a lying BOM
        return data, "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = "cp1252" if re.search(rb"[\x80-\x9f]", data) else "iso-8859-15"
    try:
        return data.decode(encoding).encode("utf-8"), encoding
    except UnicodeDecodeError as exc:
        raise FecError(alert("FILE_ENCODING", sheet=SHEET, detail=str(exc))) from exc


def _split_header(data: bytes) -> tuple[str, str]:
    end = data.find(b"\n")
    header = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    tabs, pipes = header.count("\t"), header.count("|")
    if tabs == 0 and pipes == 0:
        found = "point-virgule" if ";" in header else "virgule" if "," in header else "aucun séparateur"
        raise FecError(alert("FEC_SEPARATOR", sheet=SHEET, row=1, found=found))
    return header, ("\t" if tabs >= pipes else "|")


def _norm(name: str) -> str:
    return name.strip().lower()


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

def read_fec(data: bytes, filename: str | None = None) -> Ledger:
    """Read a FEC file's bytes into a ``Ledger`` with every structural problem as an alert.

    Raises:
        FecError: the file is unusable as a whole (empty, no separator, undecodable).
    """
    if not data.strip():
        raise FecError(alert("FILE_EMPTY", sheet=SHEET))
    data, encoding = decode_bytes(data)
    header, sep = _split_header(data)
    names = header.split(sep)
    alerts: list[Alert] = []
    if filename is not None and not _FILENAME.match(filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]):
        alerts.append(alert("FEC_FILENAME", sheet=SHEET, value=filename))

    mapping, variant, header_alerts = _map_header(names)
    alerts += header_alerts
    missing = [a for a in header_alerts if a.code == "FEC_HEADER_MISSING_FIELD"]
    if missing:
        names_missing = ", ".join(a.message.split("« ", 1)[1].split(" »", 1)[0] for a in missing)
        raise FecError(alert("FEC_HEADER_MISSING_FIELD", sheet=SHEET, row=1, name=names_missing))

    table, bad_rows, blank_lines, line_numbers = _parse(data, names, sep)
    for line, count in bad_rows[:MAX_ALERTS_PER_CODE]:
        alerts.append(alert("FEC_FIELD_COUNT", sheet=SHEET, row=line, found=count, expected=len(names), sep=sep.replace("\t", "tabulation")))
    for line in blank_lines[:MAX_ALERTS_PER_CODE]:
        alerts.append(alert("FEC_BLANK_LINE", sheet=SHEET, row=line))
    if len(bad_rows) > MAX_ALERTS_PER_CODE:
        alerts.append(alert("FEC_FIELD_COUNT", sheet=SHEET, found="…", expected=len(names), sep=f"{len(bad_rows)} lignes en erreur au total"))

    frame, value_alerts = _to_frame(table, names, mapping, variant, line_numbers)
    alerts += value_alerts
    alerts += check_balances(frame, sheet=SHEET)
    return Ledger(frame=frame, alerts=alerts, extra_fields=tuple(n for n in names if n not in mapping), separator=sep, encoding=encoding)


def _map_header(names: list[str]) -> tuple[dict[str, str], str, list[Alert]]:
    """Map header names to ledger columns; return the mapping, the variant and alerts."""
    by_norm = {_norm(n): n for n in names}
    mapping: dict[str, str] = {}
    alerts: list[Alert] = []
    variant = "debit_credit"
    if "montant" in by_norm and "sens" in by_norm and "debit" not in by_norm:
        variant = "montant_sens"
    expected_position = 0
    for fec_name, column in FEC_FIELDS:
        if variant == "montant_sens" and fec_name in ("Debit", "Credit"):
            fec_name, column = ("Montant", "amount") if fec_name == "Debit" else ("Sens", "side")
        actual = by_norm.get(_norm(fec_name))
        if actual is None:
            alerts.append(alert("FEC_HEADER_MISSING_FIELD", sheet=SHEET, row=1, name=fec_name))
            continue
        mapping[actual] = column
        position = names.index(actual)
        if position != expected_position:
            alerts.append(alert("FEC_HEADER_ORDER", sheet=SHEET, row=1, name=fec_name, found=position + 1, expected=expected_position + 1))
        expected_position += 1
    for name in names:
        if name in mapping:
            continue
        if _norm(name) in {_norm(d) for d in DUE_DATE_FIELDS}:
            mapping[name] = "due_date"
        else:
            alerts.append(alert("FEC_EXTRA_FIELD", sheet=SHEET, row=1, name=name))
    return mapping, variant, alerts


def _parse(data: bytes, names: list[str], sep: str) -> tuple[pa.Table, list[tuple[int, int]], list[int], np.ndarray]:
    bad_texts: list[tuple[str, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_texts.append((row.text, row.actual_columns))
        return "skip"

    body_start = data.find(b"\n") + 1
    body = data[body_start:] if body_start > 0 else b""
    table = pacsv.read_csv(
        io.BytesIO(body),
        read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(len(names))], block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(len(names))}, strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    # Physical line numbers (header = 1) of skipped lines: blank ones and bad ones.
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
    blank = _blank_lines(body)
    bad = _locate(body, bad_texts)
    skipped = np.array(sorted(set(blank) | {l for l, _ in bad}), dtype=np.int64)
    all_lines = np.arange(2, n_lines + 2, dtype=np.int64)
    kept = np.setdiff1d(all_lines, skipped, assume_unique=True) if len(skipped) else all_lines
    if len(kept) != table.num_rows:  # pragma: no cover - defensive: never mislabel lines
        kept = np.arange(2, table.num_rows + 2, dtype=np.int64)
    # a trailing blank line at the very end of the file is not an error
    blank = [b for b in blank if b <= n_lines]
    return table, sorted(bad), blank, kept


def _blank_lines(body: bytes) -> list[int]:
    out = []
    for m in re.finditer(rb"(?m)^[ \t\r]*$", body):
        start = m.start()
        if start >= len(body.rstrip(b"\r\n")):
            break
        if m.end() < len(body) and body[m.end():m.end() + 1] == b"\n":
            out.append(body.count(b"\n", 0, start) + 2)
    return out


def _locate(body: bytes, bad_texts: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """Line numbers of the rows pyarrow rejected (it does not give them when threaded)."""
    out: list[tuple[int, int]] = []
    padded = b"\n" + body
    cursor: dict[bytes, int] = {}
    for text, count in bad_texts:
        needle = b"\n" + text.encode("utf-8")
        start = cursor.get(needle, 0)
        while True:
            pos = padded.find(needle, start)
            if pos < 0:
                break
            after = padded[pos + len(needle):pos + len(needle) + 2]
            start = pos + 1
            if after[:1] in (b"\n", b"") or after == b"\r\n" or (after[:1] == b"\r" and len(after) == 1):
                break
        if pos < 0:
            continue
        cursor[needle] = pos + 1
        out.append((padded.count(b"\n", 0, pos) + 1, count))
    return out


_AMOUNT_COMMA = r"^[+-]?\d+(,\d*)?[+-]?$"
_AMOUNT_DOT = r"^[+-]?\d+\.\d+[+-]?$"


def _alerts_for(mask: np.ndarray, lines: np.ndarray, values: np.ndarray | None, code: str, column: str, **ctx: object) -> list[Alert]:
    idx = np.flatnonzero(mask)
    out = []
    for i in idx[:MAX_ALERTS_PER_CODE]:
        extra = dict(ctx)
        if values is not None:
            extra["value"] = values[i]
        out.append(alert(code, sheet=SHEET, row=int(lines[i]), column=column, **extra))
    if len(idx) > MAX_ALERTS_PER_CODE:
        out.append(alert(code, sheet=SHEET, column=column, **{**ctx, "value": f"… et {len(idx) - MAX_ALERTS_PER_CODE} autres lignes"} if values is not None else ctx))
    return out


def _parse_cents(col: pa.ChunkedArray, lines: np.ndarray, field: str) -> tuple[np.ndarray, np.ndarray, list[Alert]]:
    """Strings with decimal comma → int64 cents; returns cents, valid mask and alerts."""
    text = pc.utf8_trim_whitespace(col)
    empty = pc.equal(text, "")
    comma_ok = pc.match_substring_regex(text, _AMOUNT_COMMA)
    dot = pc.match_substring_regex(text, _AMOUNT_DOT)
    ok = pc.or_(pc.or_(comma_ok, dot), empty)
    # move a trailing sign to the front, comma to point
    trailing_minus = pc.match_substring_regex(text, r"-$")
    norm = pc.replace_substring_regex(text, r"[+-]$", "")
    norm = pc.replace_substring(norm, ",", ".")
    norm = pc.if_else(trailing_minus, pc.binary_join_element_wise("-", norm, ""), norm)
    norm = pc.if_else(pc.or_(pc.invert(ok), empty), "0", norm)
    norm = pc.replace_substring_regex(norm, r"\.$", "")
    dec = pc.cast(norm, pa.decimal128(24, 6))
    rounded = pc.round(dec, ndigits=2, round_mode="half_up")
    cents = pc.cast(pc.multiply(pc.cast(rounded, pa.decimal128(24, 2)), pa.scalar(100, pa.decimal128(5, 0))), pa.int64())
    alerts: list[Alert] = []
    raw = None
    okn = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    dotn = np.asarray(dot.to_numpy(zero_copy_only=False), dtype=bool) & ~np.asarray(comma_ok.to_numpy(zero_copy_only=False), dtype=bool)
    roundn = np.asarray(pc.not_equal(dec, pc.cast(rounded, pa.decimal128(24, 6))).to_numpy(zero_copy_only=False), dtype=bool)
    if (~okn).any() or dotn.any() or roundn.any():
        raw = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        alerts += _alerts_for(~okn, lines, raw, "FEC_AMOUNT_INVALID", field)
        alerts += _alerts_for(dotn, lines, raw, "FEC_DECIMAL_POINT", field)
        cents_np = np.asarray(cents.to_numpy(zero_copy_only=False), dtype=np.int64)
        for i in np.flatnonzero(roundn)[:MAX_ALERTS_PER_CODE]:
            alerts.append(alert("AMOUNT_ROUNDED", sheet=SHEET, row=int(lines[i]), column=field, value=raw[i], rounded=_fr(int(cents_np[i]))))
    return np.asarray(cents.to_numpy(zero_copy_only=False), dtype=np.int64), okn, alerts


def _parse_dates(col: pa.ChunkedArray, lines: np.ndarray, field: str, required: bool) -> tuple[pd.Series, list[Alert]]:
    text = pc.utf8_trim_whitespace(col)
    empty = np.asarray(pc.equal(text, "").to_numpy(zero_copy_only=False), dtype=bool)
    wellformed = pc.match_substring_regex(text, r"^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
    cleaned = pc.if_else(wellformed, text, pa.scalar(None, pa.string()))
    parsed = pc.strptime(cleaned, format="%Y%m%d", unit="s", error_is_null=True)
    # strptime rolls 20250231 over to March: keep only real calendar dates
    real = pc.equal(pc.strftime(parsed, format="%Y%m%d"), cleaned)
    parsed = pc.if_else(pc.fill_null(real, False), parsed, pa.scalar(None, parsed.type))
    valid = np.asarray(pc.is_valid(parsed).to_numpy(zero_copy_only=False), dtype=bool)
    alerts: list[Alert] = []
    invalid = ~valid & ~empty
    if invalid.any():
        raw = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        alerts += _alerts_for(invalid, lines, raw, "FEC_DATE_INVALID", field)
    if required and empty.any():
        alerts += _alerts_for(empty, lines, None, "FEC_DATE_MISSING", field)
    series = pd.Series(parsed.to_numpy(zero_copy_only=False)).astype("datetime64[s]")
    return series, alerts


def _to_frame(table: pa.Table, names: list[str], mapping: dict[str, str], variant: str, lines: np.ndarray) -> tuple[pd.DataFrame, list[Alert]]:
    if table.num_rows == 0:
        return empty_frame(), [alert("FILE_EMPTY", sheet=SHEET)]
    alerts: list[Alert] = []
    cols: dict[str, object] = {}
    by_column = {col: f"c{names.index(name)}" for name, col in mapping.items()}
    field_of = {col: name for name, col in mapping.items()}
    for col in COLUMNS:
        if col == "source_row":
            cols[col] = lines
            continue
        src = by_column.get(col)
        if col in DATE_COLUMNS:
            if src is None:
                cols[col] = pd.Series(pd.NaT, index=range(table.num_rows), dtype="datetime64[s]")
                continue
            series, a = _parse_dates(table[src], lines, field_of[col], required=col == "entry_date")
            cols[col] = series
            alerts += a
        elif col in CENTS_COLUMNS:
            continue  # below
        elif col == "foreign_amount":
            if src is None:
                cols[col] = pd.Series(pd.NA, index=range(table.num_rows), dtype="Int64")
                continue
            cents, _, a = _parse_cents(table[src], lines, field_of[col])
            empty = np.asarray(pc.equal(pc.utf8_trim_whitespace(table[src]), "").to_numpy(zero_copy_only=False), dtype=bool)
            cols[col] = pd.array(np.where(empty, 0, cents), dtype="Int64")
            cols[col][empty] = pd.NA
            alerts += a
        else:
            cols[col] = pd.Series(pc.utf8_trim_whitespace(table[src]).to_numpy(zero_copy_only=False), dtype="str") if src else pd.Series("", index=range(table.num_rows), dtype="str")
    if variant == "montant_sens":
        amount, _, a = _parse_cents(table[by_column["amount"]], lines, field_of["amount"])
        alerts += a
        side = pc.utf8_upper(pc.utf8_trim_whitespace(table[by_column["side"]]))
        is_debit = np.asarray(pc.is_in(side, pa.array(["D", "+1", "1"])).to_numpy(zero_copy_only=False), dtype=bool)
        is_credit = np.asarray(pc.is_in(side, pa.array(["C", "-1"])).to_numpy(zero_copy_only=False), dtype=bool)
        bad = ~(is_debit | is_credit)
        if bad.any():
            alerts += _alerts_for(bad, lines, np.asarray(side.to_numpy(zero_copy_only=False), dtype=object), "FEC_SENS_INVALID", field_of["side"])
        # a negative amount with a side flips it (exports sometimes sign the amount too)
        signed = np.where(is_credit, -amount, amount)
        cols["debit"] = np.where(signed > 0, signed, 0).astype(np.int64)
        cols["credit"] = np.where(signed < 0, -signed, 0).astype(np.int64)
    else:
        debit, _, a1 = _parse_cents(table[by_column["debit"]], lines, field_of["debit"])
        credit, _, a2 = _parse_cents(table[by_column["credit"]], lines, field_of["credit"])
        alerts += a1 + a2
        both = ((debit != 0) & (credit != 0)) | ((debit == 0) & (credit == 0))
        if both.any():
            alerts += _alerts_for(both, lines, None, "FEC_DEBIT_AND_CREDIT", "Debit")
        cols["debit"], cols["credit"] = debit, credit
    frame = pd.DataFrame({c: cols[c] for c in COLUMNS})
    # account numbers must start with three digits (PCG)
    bad_account = ~frame["ledger_account"].str.match(r"^\d{3}").to_numpy(dtype=bool)
    if bad_account.any():
        alerts += _alerts_for(bad_account, lines, frame["ledger_account"].to_numpy(dtype=object), "FEC_ACCOUNT_FORMAT", field_of.get("ledger_account", "CompteNum"))
    for name in _CHECKED_MISSING:
        col = next((c for n, c in FEC_FIELDS if n == name), None)
        if col is None or col not in by_column:
            continue
        if col in DATE_COLUMNS:
            missing = np.asarray(pc.equal(pc.utf8_trim_whitespace(table[by_column[col]]), "").to_numpy(zero_copy_only=False), dtype=bool)
        else:
            missing = (frame[col] == "").to_numpy(dtype=bool)
        if missing.any():
            alerts += _alerts_for(missing, lines, None, "FEC_MISSING_DATA", field_of[col], name=name)
    fa_set = frame["foreign_amount"].notna().to_numpy(dtype=bool)
    cur_set = (frame["currency"] != "").to_numpy(dtype=bool)
    if (fa_set != cur_set).any():
        alerts += _alerts_for(fa_set != cur_set, lines, None, "FEC_CURRENCY_INCOMPLETE", "Idevise")
    return frame, alerts


def check_balances(frame: pd.DataFrame, *, sheet: str = SHEET) -> list[Alert]:
    """Per-entry balance (journal + entry number) and the file total."""
    if frame.empty:
        return []
    diff = frame["debit"] - frame["credit"]
    keys = [frame["journal_code"], frame["entry_number"]]
    sums = diff.groupby(keys, sort=False).sum()
    bad = sums[sums != 0]
    alerts: list[Alert] = []
    if len(bad):
        first_rows = frame["source_row"].groupby(keys, sort=False).min()
        deb = frame["debit"].groupby(keys, sort=False).sum()
        cre = frame["credit"].groupby(keys, sort=False).sum()
        for key in list(bad.index)[:MAX_ALERTS_PER_CODE]:
            alerts.append(
                alert(
                    "FEC_ENTRY_UNBALANCED",
                    sheet=sheet,
                    row=int(first_rows[key]),
                    column="EcritureNum",
                    entry=key[1],
                    journal=key[0],
                    debit=_fr(int(deb[key])),
                    credit=_fr(int(cre[key])),
                    diff=_fr(int(bad[key])),
                )
            )
    td, tc = int(frame["debit"].sum()), int(frame["credit"].sum())
    if td != tc:
        alerts.append(alert("FEC_TOTAL_UNBALANCED", sheet=sheet, debit=_fr(td), credit=_fr(tc)))
    return alerts


def _fr(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def fec_filename(siren: str, closing_date: date) -> str:
    """``<SIREN>FEC<AAAAMMJJ>.txt`` (closing date of the fiscal year)."""
    return f"{siren}FEC{closing_date:%Y%m%d}.txt"


def _fmt_cents(cents: pd.Series) -> pd.Series:
    c = cents.astype("int64")
    sign = np.where(c < 0, "-", "")
    a = c.abs()
    return pd.Series(sign, index=c.index, dtype="str") + (a // 100).astype("str") + "," + (a % 100).astype("str").str.zfill(2)


def _fmt_dates(values: pd.Series) -> pd.Series:
    out = pd.to_datetime(values).dt.strftime("%Y%m%d")
    return out.fillna("").astype("str")


def _clean_text(values: pd.Series, sep: str) -> pd.Series:
    # a separator or a line break inside a text would break the field count
    return values.fillna("").astype("str").str.replace(r"[\r\n\t|]" if sep == "|" else r"[\r\n\t]", " ", regex=True)


def write_fec(frame: pd.DataFrame, *, separator: str = "\t", encoding: str = "utf-8", due_date_field: str | None = None) -> bytes:
    """Write a ledger frame as a FEC (18 fields in the legal order, CRLF, decimal comma).

    Args:
        frame: ledger columns (see ``core.ledger.COLUMNS``).
        separator: ``"\\t"`` (default) or ``"|"``.
        encoding: ``"utf-8"`` or ``"iso-8859-15"``.
        due_date_field: when given (e.g. ``"DateEcheance"``), the due dates are written as a
            19th field of that name.
    """
    if separator not in ("\t", "|"):
        raise ValueError("le séparateur d'un FEC est la tabulation ou |")
    out: dict[str, pd.Series] = {}
    for name, col in FEC_FIELDS:
        values = frame[col]
        if col in CENTS_COLUMNS:
            out[name] = _fmt_cents(values)
        elif col == "foreign_amount":
            fa = values.astype("Int64")
            s = _fmt_cents(fa.fillna(0))
            out[name] = s.where(fa.notna().to_numpy(dtype=bool), "")
        elif col in DATE_COLUMNS:
            out[name] = _fmt_dates(values)
        else:
            out[name] = _clean_text(values, separator)
    names = list(FEC_NAMES)
    if due_date_field:
        out[due_date_field] = _fmt_dates(frame["due_date"])
        names.append(due_date_field)
    body = out[names[0]].astype("str")
    for name in names[1:]:
        body = body + separator + out[name]
    text = separator.join(names) + "\r\n" + ("\r\n".join(body.tolist()) + "\r\n" if len(body) else "")
    return text.encode(encoding, errors="replace")
