"""Byte-preserving rewrite of a FEC: only the lettering fields of the named lines change.

A FEC Reglo *rewrites* (the accountant's ledger when lettering) must keep every byte it does
not mean to change: the BOM, the encoding (UTF-8 or ISO-8859-15 / Windows-1252), the
separator, quotes, line endings (CRLF, LF, CR, mixed), extra columns (``DateEcheance``…),
both amount forms (Debit/Credit or Montant/Sens), the ledger's own defects. So the file is
not re-serialised from a frame: each line is cut at its separators *in bytes* and only the
``EcritureLet`` / ``DateLet`` fields of the changed lines are replaced. Lines numbered as
``reglo.core.fec`` numbers them (header = line 1; ``\\r\\n``, ``\\r`` and ``\\n`` all end a line).

Lines can also be appended (the write-off entries a lettering run adds), formatted in the
file's own layout, and removed again (undo). ``rewrite`` returns what each changed field held
before, verbatim, so that an undo gives back the original bytes exactly.

Pure: bytes in, bytes out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

LETTERING_FIELDS = ("EcritureLet", "DateLet")
_EOL = re.compile(rb"\r\n|\r|\n")
_SEPARATORS = (b"\t", b"|", b";", b",")


class RewriteError(ValueError):
    """The file cannot be rewritten byte for byte (French message)."""


def _norm(name: str) -> str:
    n = name.strip().strip('"').strip().lower().replace(" ", "").replace("_", "")
    return {"datelettrage": "datelet", "iddevise": "idevise", "devise": "idevise"}.get(n, n)


@dataclass(frozen=True)
class Layout:
    """How a FEC is written, read from its first line."""

    encoding: str  # "utf-8" or a one-byte encoding ("iso-8859-15", "cp1252")
    bom: bytes
    separator: bytes
    quoted: bool
    names: tuple[str, ...]  # header names as written (quotes removed)
    eol: bytes  # the header's line ending (b"" when the file has one line without ending)
    positions: Mapping[str, int] = field(default_factory=dict)  # normalised name -> field index

    def position(self, name: str) -> int | None:
        return self.positions.get(_norm(name))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def layout_of(raw: bytes) -> Layout:
    """Encoding, BOM, separator, quoting and field positions of a FEC.

    Raises:
        RewriteError: UTF-16 (not rewritable byte for byte), no header, no lettering fields.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RewriteError("FEC encodé en UTF-16 : Reglo ne le réécrit pas ; réenregistrez-le en UTF-8 ou ISO-8859-15.")
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    body = raw[len(bom):]
    if _is_utf8(body):
        encoding = "utf-8"
    else:
        encoding = "cp1252" if re.search(rb"[\x80-\x9f]", body) else "iso-8859-15"
    m = _EOL.search(body)
    head = body[: m.start()] if m else body
    eol = m.group(0) if m else b""
    best = max(_SEPARATORS, key=lambda s: (sum(_norm(n.decode(encoding, "replace")) in _KNOWN for n in head.split(s)), len(head.split(s))))
    parts = [p.decode(encoding, "replace") for p in head.split(best)]
    quoted = bool(parts) and all(len(p.strip()) >= 2 and p.strip()[0] == p.strip()[-1] == '"' for p in parts)
    names = tuple(p.strip().strip('"').strip() if quoted else p.strip() for p in parts)
    positions: dict[str, int] = {}
    for i, n in enumerate(names):
        positions.setdefault(_norm(n), i)
    missing = [f for f in LETTERING_FIELDS if _norm(f) not in positions]
    if missing:
        raise RewriteError(f"En-tête FEC sans le(s) champ(s) {', '.join(missing)} : le lettrage ne peut pas y être écrit.")
    return Layout(encoding, bom, best, quoted, names, eol, positions)


_KNOWN = {_norm(n) for n in (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef",
    "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise", "Montant", "Sens")}


def split_lines(raw: bytes) -> list[tuple[bytes, bytes]]:
    """(content, line ending) of every physical line, BOM included in the first one. A file
    ending with a line break has no empty last line."""
    out = []
    pos = 0
    for m in _EOL.finditer(raw):
        out.append((raw[pos:m.start()], m.group(0)))
        pos = m.end()
    if pos < len(raw):
        out.append((raw[pos:], b""))
    return out


@dataclass(frozen=True)
class Rewrite:
    """Result of ``rewrite``: the new bytes, and what is needed to undo it exactly."""

    data: bytes
    previous: dict[int, tuple[str, str]]  # line -> raw (EcritureLet, DateLet) before, as written (quotes included)
    appended: tuple[int, ...] = ()  # line numbers of the appended lines
    eol_added: bool = False  # the file had no final line ending: one was added before appending
    missing: tuple[int, ...] = ()  # changed lines that do not exist or are too short (not changed)


def _encode(text: str, layout: Layout) -> bytes:
    return text.encode(layout.encoding, "surrogateescape")


def _decode(data: bytes, layout: Layout) -> str:
    return data.decode(layout.encoding, "surrogateescape")


def _field(value: str, layout: Layout) -> str:
    """A new value as it is written in this file (quoted when the file quotes)."""
    value = value.replace("\t", " ").replace("|", " ").replace("\r", " ").replace("\n", " ")
    if layout.separator in (b";", b","):
        value = value.replace(_decode(layout.separator, layout), " ")
    return f'"{value}"' if layout.quoted else value


def rewrite(raw: bytes, changes: Mapping[int, tuple[str | None, str | None]], *, append: Sequence[Mapping[str, str]] = (),
            remove: Iterable[int] = (), strip_final_eol: bool = False, verbatim: bool = False, insert_after: int | None = None) -> Rewrite:
    """New bytes where only the lettering fields of ``changes`` differ.

    Args:
        changes: line number → (EcritureLet, DateLet) as text (``DateLet`` ``AAAAMMJJ`` or "");
            ``None`` keeps a field. With ``verbatim`` the values are written as given (raw
            field texts, quotes included: an undo), else they are quoted like the file.
        append: lines to add at the end, field name → text (missing fields are empty).
        remove: line numbers to drop (the lines a previous run appended).
        strip_final_eol: drop the last line ending (the file had none before a run appended).
        insert_after: line after which the appended lines go (default: the last line); the
            lines after it (trailing blank lines) stay after them.

    Raises:
        RewriteError: see ``layout_of``.
    """
    layout = layout_of(raw)
    lines = split_lines(raw)
    let_pos, date_pos = layout.position("EcritureLet"), layout.position("DateLet")
    sep = layout.separator
    previous: dict[int, tuple[str, str]] = {}
    missing: list[int] = []
    out_lines: list[tuple[bytes, bytes]] = list(lines)
    for number, (code, on) in sorted(changes.items()):
        if number < 2 or number > len(lines):
            missing.append(number)
            continue
        content, eol = lines[number - 1]
        fields = content.split(sep)
        if max(let_pos, date_pos) >= len(fields):
            missing.append(number)
            continue
        previous[number] = (_decode(fields[let_pos], layout), _decode(fields[date_pos], layout))
        for pos, value in ((let_pos, code), (date_pos, on)):
            if value is not None:
                fields[pos] = _encode(value if verbatim else _field(value, layout), layout)
        out_lines[number - 1] = (sep.join(fields), eol)
    dropped = set(remove)
    if dropped:
        out_lines = [ln for i, ln in enumerate(out_lines, start=1) if i not in dropped]
    eol_added = False
    appended: list[int] = []
    if append:
        line_end = layout.eol or b"\r\n"
        at = len(out_lines) if insert_after is None else max(1, min(int(insert_after), len(out_lines)))
        if out_lines and out_lines[at - 1][1] == b"":
            out_lines[at - 1] = (out_lines[at - 1][0], line_end)
            eol_added = True
        new = []
        for values in append:
            fields = [_encode(_field(values.get(n, ""), layout), layout) for n in layout.names]
            new.append((sep.join(fields), line_end))
        out_lines[at:at] = new
        appended = list(range(at + 1, at + 1 + len(new)))
    if strip_final_eol and out_lines:
        out_lines[-1] = (out_lines[-1][0], b"")
    data = b"".join(c + e for c, e in out_lines)
    return Rewrite(data, previous, tuple(appended), eol_added, tuple(missing))


def format_cents(cents: int) -> str:
    """Cents as a FEC amount: ``1234,56``."""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100},{cents % 100:02d}"


def line_values(layout: Layout, values: Mapping[str, str], *, debit_cents: int, credit_cents: int) -> dict[str, str]:
    """The fields of a line to append, by header name: the FEC fields given by name in
    ``values`` (``JournalCode``…), amounts as Debit/Credit or Montant/Sens as the file does."""
    by_norm = {_norm(k): v for k, v in values.items()}
    out: dict[str, str] = {}
    montant_sens = layout.position("Debit") is None and layout.position("Montant") is not None
    for name in layout.names:
        key = _norm(name)
        if key == "debit":
            out[name] = format_cents(debit_cents)
        elif key == "credit":
            out[name] = format_cents(credit_cents)
        elif key == "montant" and montant_sens:
            out[name] = format_cents(debit_cents or credit_cents)
        elif key == "sens" and montant_sens:
            out[name] = "D" if debit_cents else "C"
        else:
            out[name] = by_norm.get(key, "")
    return out


# ---------------------------------------------------------------------------
# from ledger frames (what the lettering engine returns) to a rewrite
# ---------------------------------------------------------------------------


def _day(value) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y%m%d")


def frame_rewrite(raw: bytes, before, after, *, verbatim: Mapping[int, tuple[str, str]] | None = None,
                  strip_final_eol: bool = False) -> Rewrite:
    """The rewrite that turns the ledger ``before`` (read from ``raw``) into ``after``:
    the lettering code and date of the lines present in both (by ``source_row``), the lines
    only in ``after`` appended (after the last line read), the lines only in ``before``
    removed. ``verbatim``: raw field texts to put back as they were (an undo)."""
    import pandas as pd

    from reglo.core.ledger import DUE_DATE_FIELDS, FEC_FIELDS

    b = before.set_index("source_row")
    a = after.set_index("source_row")
    common = b.index.intersection(a.index)
    old_code, new_code = b.loc[common, "lettering_code"].astype(str), a.loc[common, "lettering_code"].astype(str)
    old_on = b.loc[common, "lettered_on"]
    new_on = a.loc[common, "lettered_on"]
    same_on = (old_on.isna() & new_on.isna()) | (old_on == new_on)
    changed = common[(old_code != new_code).to_numpy() | ~same_on.to_numpy()]
    # the new code and date of the changed lines, column-wise (one lookup, not one per line)
    new_codes = a.loc[changed, "lettering_code"].astype(str).tolist()
    on = pd.to_datetime(a.loc[changed, "lettered_on"])
    new_days = on.dt.strftime("%Y%m%d").where(on.notna(), "").tolist()
    changes = {int(r): (c, d) for r, c, d in zip(changed.tolist(), new_codes, new_days)}
    removed = [int(r) for r in b.index.difference(a.index)]
    added = a.loc[a.index.difference(b.index)].sort_index()
    layout = layout_of(raw)
    append = []
    due_name = next((n for n in layout.names if _norm(n) in {_norm(d) for d in DUE_DATE_FIELDS}), None)
    known = {}
    if len(added):
        from reglo.core.pcg import pcg_label

        labelled = before[before["ledger_account_label"].astype(str) != ""]
        known = dict(zip(labelled["ledger_account"].astype(str), labelled["ledger_account_label"].astype(str)))
    for _, rec in added.iterrows():
        if not str(rec["ledger_account_label"] or ""):  # a line Reglo adds has its account label: the ledger's, else the PCG's
            rec = rec.copy()
            rec["ledger_account_label"] = known.get(str(rec["ledger_account"])) or pcg_label(str(rec["ledger_account"])) or ""
        values: dict[str, str] = {}
        for name, col in FEC_FIELDS:
            if col in ("debit", "credit", "foreign_amount"):
                continue
            v = rec[col]
            values[name] = _day(v) if col in ("entry_date", "document_date", "lettered_on", "validated_on") else ("" if v is None else str(v))
        if due_name:
            values[due_name] = _day(rec.get("due_date"))
        append.append(line_values(layout, values, debit_cents=int(rec["debit"]), credit_cents=int(rec["credit"])))
    last_read = int(b.index.max()) if len(b.index) else 1
    for r in changes.keys() & (verbatim or {}).keys():
        changes.pop(r)
    result = rewrite(raw, changes, append=append, remove=removed, strip_final_eol=strip_final_eol, insert_after=last_read)
    if verbatim:
        again = rewrite(result.data, verbatim, verbatim=True)
        result = Rewrite(again.data, {**again.previous, **result.previous}, result.appended, result.eol_added, result.missing + again.missing)
    return result
