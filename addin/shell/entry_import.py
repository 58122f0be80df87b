"""Entry import, workbook and file side: inputs (xlsx, csv, txt), the « Définition d'import »
sheet ⇄ JSON, and the outputs (« Écritures importées » sheet, one FEC per company, rejects
file in xlsx and csv). The rules are in ``reglo.core.entry_import``.

Inputs
    * .csv / .txt: encoding detected (UTF-8, else Windows-1252 / ISO-8859-15), separator
      from the definition or detected on the header line (« ; », « , », tab, « | »), read
      column-wise by pyarrow; a file with lines of the wrong field count or blank lines is
      read again line by line so that every line keeps its number and a broken line is
      rejected as it is;
    * .xlsx / .xlsm: python-calamine (fast, values only); numbers are written back as text
      with the definition's decimal separator (read as Excel shows them, 15 digits), dates
      as ISO dates.

Outputs (written atomically, in ``out_dir``)
    * ``<fichier> - écritures importées.xlsx``: « Écritures importées » (Société + the FEC
      columns), « Résumé import » and the « Définition d'import » used;
    * one FEC per company: ``<SIREN>FEC<AAAAMMJJ>.txt`` when the SIREN is known, else
      ``<société>FEC<AAAAMMJJ>.txt``;
    * ``<fichier> - rejets.xlsx`` and ``<fichier> - rejets.csv``: the rejected lines unchanged,
      in their original order, with « Motif du rejet » and « Code rejet » appended — the
      import ignores these two columns, so the file can be imported again once fixed.
"""
from __future__ import annotations

import csv
import gc
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

# Importing this module loads numpy, pyarrow, pandas, openpyxl and the import engine: a few
# hundred thousand objects that live as long as the process (modules, functions, classes,
# constants). With the cyclic GC on, they are scanned again and again while they load (on the
# entry-import bench some 200 young, 20 middle and a full collection, ~0.07 s of CPU per run)
# and by every full collection after. So the GC is paused while they load, then what exists is
# frozen out of it (``gc.freeze``: still freed by reference counting when dropped, only never
# scanned for cycles) and the GC is switched back on. Left alone when the caller paused the GC.
_gc_was_enabled = gc.isenabled()
gc.disable()
try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from reglo.addin.backends.entries_sheet import fec_column
    from reglo.addin.shell.errors import UserError
    from reglo.addin.backends.sheets import DATE_FORMAT, Column, FileWorkbook, Workbook, WorkbookError, atomic_write
    from reglo.core.alerts import Alert, alert
    from reglo.core.entry_import import ImportDefinition, ImportResult, RawRows, check_definition, import_entries
    from reglo.core.entry_import.context import ImportContext
    from reglo.core.entry_import.definition import FIELD_OF_LABEL, HELP, LABELS, SHEET as DEFINITION_SHEET, AccountRange
    from reglo.core.fec_names import closing_date as created_closing
    from reglo.core.gc_pause import frozen_heap
    from reglo.core.fec import FecError, _binary_kind, decode_bytes, fec_filename, write_fec_tables
    from reglo.core.ledger import DATE_COLUMNS, FEC_FIELDS
    from reglo.core.money import MoneyError, cents_to_money, parse_decimal
finally:
    if _gc_was_enabled:
        gc.freeze()
        gc.enable()

ENTRIES_SHEET = "Écritures importées"
REJECTS_SHEET = "Rejets"
SUMMARY_SHEET = "Résumé import"
DATA_SHEET = "Lignes à importer"  # the lines to import, when they are in the workbook itself
REASON = "Motif du rejet"
REASON_CODE = "Code rejet"
MAX_SHEET_LINES = 100_000  # beyond, the « Écritures importées » sheet is not written (the FEC is): openpyxl needs ~1 s per 2,000 lines
EXTRA_LABELS = {"input_file": "Fichier à importer", "output_dir": "Dossier de sortie"}


# ---------------------------------------------------------------------------
# the definition: JSON and the « Définition d'import » sheet
# ---------------------------------------------------------------------------

def definition_to_json(d: ImportDefinition) -> bytes:
    return (d.model_dump_json(indent=2, exclude_defaults=False) + "\n").encode("utf-8")


def definition_from_json(data: bytes, *, name: str = "définition") -> ImportDefinition:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"Définition d'import illisible ({name}) : JSON invalide ({exc}).") from exc
    try:
        return ImportDefinition.model_validate(raw)
    except Exception as exc:  # pydantic ValidationError: say which field
        raise UserError(f"Définition d'import incorrecte ({name}) : {_pydantic_fr(exc)}") from exc


def _pydantic_fr(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for e in errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()))
        label = LABELS.get(str(e.get("loc", ("",))[0]), loc)
        parts.append(f"« {label} » : valeur {e.get('input')!r} refusée ({e.get('msg')})")
    return " ; ".join(parts)


def _norm(text: Any) -> str:
    t = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(t.replace("’", "'").split()).casefold()


_LABEL_BY_NORM = {_norm(label): k for label, k in FIELD_OF_LABEL.items()}  # FIELD_OF_LABEL also holds former labels
_EXTRA_BY_NORM = {_norm(v): k for k, v in EXTRA_LABELS.items()}


def _enum_value(field: str, value: str) -> Any:
    annotation = ImportDefinition.model_fields[field].annotation
    for member in annotation:  # type: ignore[union-attr]
        if _norm(member.value) == _norm(value) or _norm(member.name) == _norm(value):
            return member
    choices = ", ".join(m.value for m in annotation)  # type: ignore[union-attr]
    raise ValueError(f"« {value} » : valeurs possibles : {choices}")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _parse_setting(field: str, value: Any) -> Any:
    from reglo.core.entry_import.definition import AccountLayout, AccountTypeMode, AmountMode, Boundary, CounterMode

    text = _cell_text(value) if not (field in ("thousands_separator", "decimal_separator", "csv_separator") and isinstance(value, str)) else value
    if field in ("account_layout", "account_type_mode", "amount_mode", "counter_mode", "vat_sign"):
        return _enum_value(field, text)
    if field == "vat_on_line":
        if _norm(text) in ("oui", "o", "yes", "vrai", "true", "1", "x"):
            return True
        if _norm(text) in ("non", "n", "no", "faux", "false", "0", ""):
            return False
        raise ValueError(f"« {text} » : attendu oui ou non")
    if field.endswith("_ranges"):
        out = []
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            m = re.fullmatch(r"(\d+)\s*(?:-|–|à|a)\s*(\d+)", part)
            if not m:
                raise ValueError(f"plage « {part} » illisible : attendu début-fin, ex. 10000-19999")
            out.append(AccountRange(start=int(m.group(1)), end=int(m.group(2))))
        return tuple(out)
    if field == "boundaries":
        return tuple(_enum_value_boundary(p.strip(), Boundary) for p in re.split(r"[;,\n]", text) if p.strip())
    if field in ("opening_journals", "purchase_journals", "sales_journals", "bank_journals"):
        return tuple(p.strip().upper() for p in re.split(r"[;,\s]+", text) if p.strip())
    if field == "companies":
        out: dict[str, str] = {}
        for part in re.split(r"[;\n]", text):
            if not part.strip():
                continue
            code, _, siren = part.partition("=")
            out[code.strip()] = siren.strip().replace(" ", "")
        return out
    if field == "fiscal_year_end":
        if isinstance(value, (date, datetime)):
            return value.date() if isinstance(value, datetime) else value
        if not text:
            return None
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                pass
        raise ValueError(f"« {text} » : date attendue jj/mm/aaaa")
    if field in ("thousands_separator",):
        t = str(value or "")
        return {"espace": " ", "aucun": "", "vide": "", "apostrophe": "'", "point": ".", "virgule": ","}.get(_norm(t), t if t == " " else t.strip())
    if field in ("decimal_separator",):
        t = str(value or "").strip()
        return {"virgule": ",", "point": "."}.get(_norm(t), t)
    if field == "csv_separator":
        t = str(value or "")
        return {"tabulation": "\t", "tab": "\t", "point-virgule": ";", "virgule": ",", "auto": "auto", "": "auto"}.get(_norm(t), t.strip() or "auto")
    return text


def _enum_value_boundary(text: str, enum: Any) -> Any:
    for member in enum:
        if _norm(member.value) == _norm(text) or _norm(member.name) == _norm(text):
            return member
    raise ValueError(f"« {text} » : valeurs possibles : {', '.join(m.value for m in enum)}")


@dataclass
class SheetDefinition:
    definition: ImportDefinition
    input_file: str = ""
    output_dir: str = ""


def read_definition_sheet(book: Workbook) -> SheetDefinition:
    """The « Définition d'import » sheet (Paramètre | Valeur) → definition.

    Raises:
        UserError: sheet absent, unknown parameter or unreadable value (row named).
    """
    if DEFINITION_SHEET not in book.sheet_names():
        raise UserError(f"La feuille « {DEFINITION_SHEET} » est absente du classeur : créez-la avec le bouton « Définition d'import » ou le modèle « Import d'écritures.xlsx ».")
    values = book.read_values(DEFINITION_SHEET)
    settings: dict[str, Any] = {}
    extra = {"input_file": "", "output_dir": ""}
    problems: list[str] = []
    for i, line in enumerate(values, start=1):
        if not line or line[0] in (None, ""):
            continue
        key = _norm(line[0])
        value = line[1] if len(line) > 1 else None
        if key in (_norm("Paramètre"),) or key.startswith("#"):
            continue
        if key in _EXTRA_BY_NORM:
            extra[_EXTRA_BY_NORM[key]] = _cell_text(value)
            continue
        field_name = _LABEL_BY_NORM.get(key)
        if field_name is None:
            if i <= 2:  # title lines
                continue
            problems.append(f"ligne {i} : paramètre « {line[0]} » inconnu")
            continue
        if value in (None, "") and field_name not in ("thousands_separator",):
            continue
        try:
            settings[field_name] = _parse_setting(field_name, value)
        except ValueError as exc:
            problems.append(f"ligne {i} (« {line[0]} ») : {exc}")
    if problems:
        raise UserError(f"Feuille « {DEFINITION_SHEET} » : " + " ; ".join(problems))
    try:
        d = ImportDefinition(**settings)
    except Exception as exc:
        raise UserError(f"Feuille « {DEFINITION_SHEET} » : {_pydantic_fr(exc)}") from exc
    return SheetDefinition(d, extra["input_file"], extra["output_dir"])


def _setting_text(field: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if hasattr(value, "value") and not isinstance(value, (str, int)):
        return value.value
    if field.endswith("_ranges"):
        return " ; ".join(str(r) for r in value)
    if field == "boundaries":
        return " ; ".join(b.value for b in value)
    if isinstance(value, tuple):
        return " ; ".join(value)
    if field == "companies":
        return " ; ".join(f"{k}={v}" for k, v in value.items())
    if field == "thousands_separator":
        return {" ": "espace", "": "aucun"}.get(value, value)
    if field == "csv_separator":
        return {"\t": "tabulation"}.get(value, value)
    if value is None:
        return ""
    return value


def write_definition_sheet(book: Workbook, d: ImportDefinition, *, input_file: str = "", output_dir: str = "") -> None:
    """Write (replace) the « Définition d'import » sheet: Paramètre | Valeur | Aide."""
    rows: list[list[Any]] = [
        [EXTRA_LABELS["input_file"], input_file, f"vide = la feuille « {DATA_SHEET} » de ce classeur ; sinon chemin d'un fichier .xlsx, .csv ou .txt"],
        [EXTRA_LABELS["output_dir"], output_dir, "où écrire le FEC et les fichiers de rejets (vide = dossier du classeur)"],
    ]
    for field_name, label in LABELS.items():
        value = getattr(d, field_name)
        help_text = HELP.get(field_name, "en-tête de la colonne dans le fichier (vide = absente)" if field_name.endswith("_column") else "")
        rows.append([label, _setting_text(field_name, value), help_text])
    book.write_sheet(DEFINITION_SHEET, [Column("Paramètre", None, 38), Column("Valeur", "@", 34), Column("Aide", None, 70)], rows, title="Définition d'import — comment lire le fichier d'écritures")


def load_definition(path: str | Path) -> SheetDefinition:
    """A definition from a .json file or from the « Définition d'import » sheet of an .xlsx."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"Définition d'import introuvable : {p}")
    if p.suffix.lower() == ".json":
        return SheetDefinition(definition_from_json(p.read_bytes(), name=p.name))
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return read_definition_sheet(FileWorkbook(p))
        except WorkbookError as exc:
            raise UserError(str(exc)) from exc
    raise UserError(f"Définition d'import « {p.name} » : attendu un fichier .json ou un classeur .xlsx avec la feuille « {DEFINITION_SHEET} ».")


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------

@dataclass
class InputRows:
    """What was read: the raw rows for core, plus what the rejects file needs."""

    raw: RawRows
    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8"
    separator: str = ";"
    header_line: str = ""  # csv: the header line as in the file
    utf8: bytes = b""  # csv: the file in UTF-8 (lines of rejected rows are copied from it)
    _starts: Any = None
    values: list[list[Any]] = field(default_factory=list)  # xlsx: original cell values per row

    def line(self, number: int) -> str:
        """Line ``number`` of the file (1 = header), as it is, without its line break."""
        if self._starts is None:
            ends = np.flatnonzero(np.frombuffer(self.utf8, dtype=np.uint8) == 10)
            self._starts = np.r_[0, ends + 1]
        start = int(self._starts[number - 1])
        end = int(self._starts[number]) - 1 if number < len(self._starts) else len(self.utf8)
        return self.utf8[start:end].decode("utf-8").rstrip("\r")


def read_input(path: str | Path, d: ImportDefinition, *, sheet: str | None = None) -> InputRows:
    p = Path(path)
    if not p.exists():
        raise UserError(f"Fichier à importer introuvable : {p}")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_xlsx(p, d, sheet=sheet)
    if suffix in (".csv", ".txt", ".tsv", ".prn", ""):
        return read_delimited(p.read_bytes(), d, name=p.name)
    raise UserError(f"Format de fichier non pris en charge : « {p.name} ». Formats acceptés : .xlsx, .csv, .txt.")


def _detect_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", "\t", "|", ",")}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] == 0:
        raise UserError("Impossible de reconnaître le séparateur de colonnes sur la ligne d'en-tête (attendu « ; », « , », tabulation ou « | »). Indiquez-le dans la définition (« Séparateur CSV »).")
    return best


def read_delimited(data: bytes, d: ImportDefinition, *, name: str = "fichier") -> InputRows:
    """csv / txt bytes → raw rows (every line keeps its number; broken lines marked)."""
    if re.search(rb"\S", data[:1 << 20]) is None and not data[1 << 20:].strip():
        raise UserError(f"Le fichier « {name} » est vide : aucune ligne à lire.")
    if d.encoding != "auto":
        try:
            text = data.decode(d.encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise UserError(f"Le fichier « {name} » ne peut être lu avec l'encodage {d.encoding} ({exc}).") from exc
        encoding = d.encoding
        utf8 = text.encode("utf-8")
    else:
        try:
            utf8, encoding = decode_bytes(data)
        except FecError as exc:
            kind = _binary_kind(data) if exc.alert.code == "FEC_NOT_TEXT" else None
            if kind:  # the FEC reader's wording speaks of a FEC: this is an entry file
                raise UserError(alert("IMPORT_NOT_TEXT", name=name, kind=kind).message) from exc
            raise UserError(f"« {name} » : {exc.alert.message}") from exc
        text = None  # decoded only when needed (rejected lines, slow path)
    if utf8.startswith(b"\xef\xbb\xbf"):
        utf8 = utf8[3:]
        text = None
    first_end = utf8.find(b"\n")
    header_line = (utf8 if first_end < 0 else utf8[:first_end]).decode("utf-8").rstrip("\r")
    sep = _detect_separator(header_line) if d.csv_separator in ("auto", "") else d.csv_separator
    headers = next(csv.reader([header_line], delimiter=sep))
    headers = [h.strip() for h in headers]
    _check_headers(headers, name)
    body_start = utf8.find(b"\n")
    body = memoryview(utf8)[body_start + 1:] if body_start >= 0 else memoryview(b"")  # no copy
    table = None
    # blank lines shift line numbers: they send the file to the line-by-line reader
    tail = len(body)
    while tail and body[tail - 1] in (10, 13):
        tail -= 1
    blank = utf8.find(b"\n\n", body_start + 1, body_start + 1 + tail) >= 0 or utf8.find(b"\n\r\n", body_start + 1, body_start + 1 + tail) >= 0 or bytes(body[:1]) in (b"\n", b"\r")
    if not blank:
        try:  # fast path: pyarrow, multi-threaded; a line of the wrong length raises
            table = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(body)),
                read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(len(headers))]),
                parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True, newlines_in_values=False, ignore_empty_lines=True),
                convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(len(headers))}, strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
        except pa.ArrowInvalid:
            table = None
    n_lines = utf8.count(b"\n", body_start + 1) + (0 if utf8.endswith(b"\n") or not len(body) else 1)
    if table is not None and table.num_rows == n_lines:
        cols = {h: table[f"c{i}"].combine_chunks() for i, h in enumerate(headers) if h}
        rows = np.arange(2, table.num_rows + 2, dtype=np.int64)
        raw = RawRows(tuple(h for h in headers if h), cols, rows, sheet=name, separator=sep)
        return InputRows(raw, "csv", encoding, sep, header_line, utf8=utf8)
    return _read_delimited_slow(utf8.decode("utf-8"), headers, sep, name, encoding, header_line)


def _read_delimited_slow(text: str, headers: list[str], sep: str, name: str, encoding: str, header_line: str) -> InputRows:
    """Line by line (csv module): blank lines skipped, wrong field counts kept as broken rows."""
    lines = text.splitlines()
    values: list[list[str | None]] = []
    numbers: list[int] = []
    broken: dict[int, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = next(csv.reader([line], delimiter=sep), [])
        if len(cells) != len(headers):
            broken[len(values)] = len(cells)
            cells = [""] * len(headers)
        values.append(cells)
        numbers.append(number)
    cols = {h: pa.array([r[j] for r in values], type=pa.string()) for j, h in enumerate(headers) if h}
    raw = RawRows(tuple(h for h in headers if h), cols, np.asarray(numbers, dtype=np.int64), sheet=name, broken=broken, separator=sep)
    return InputRows(raw, "csv", encoding, sep, header_line, utf8=text.encode("utf-8"))


def _check_headers(headers: list[str], name: str) -> None:
    seen = set()
    for h in headers:
        if h and h.casefold() in seen:
            raise UserError(f"« {name} » : la colonne « {h} » apparaît deux fois dans la ligne d'en-tête ; renommez l'une des deux.")
        seen.add(h.casefold())


def _xlsx_text(value: Any, d: ImportDefinition) -> str | None:
    """An Excel cell as the text the import reads (numbers as Excel shows them)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        try:
            number = parse_decimal(value)
        except MoneyError:
            return str(value)
        text = format(number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1)), "f")
        return text.replace(".", d.decimal_separator) if d.decimal_separator != "." else text
    return str(value)


def read_xlsx(path: Path, d: ImportDefinition, *, sheet: str | None = None) -> InputRows:
    import zipfile

    from reglo.addin.backends.base import check_archive, unreadable_message

    try:
        from python_calamine import CalamineWorkbook

        with zipfile.ZipFile(path) as archive:  # decompression bombs and ``../`` targets refused before reading
            check_archive(archive, path.name)
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    except Exception as exc:
        raise UserError(unreadable_message(path.name, exc)) from exc
    if sheet is None:
        skip = {DEFINITION_SHEET, ENTRIES_SHEET, REJECTS_SHEET, SUMMARY_SHEET, "Contrôle", "_reglo", "Instructions"}
        candidates = [DATA_SHEET] if DATA_SHEET in names else [n for n in names if n not in skip] or [n for n in names if n == REJECTS_SHEET]
        if not candidates:
            raise UserError(f"« {path.name} » : aucune feuille de lignes à importer (feuilles : {', '.join(names)}).")
        sheet = candidates[0]
    elif sheet not in names:
        raise UserError(f"La feuille « {sheet} » est absente de « {path.name} ». Feuilles présentes : {', '.join(names)}.")
    try:
        values = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own errors (XmlError, WorksheetNotFound…): never shown as such
        raise UserError(unreadable_message(path.name, exc, sheet=sheet)) from exc
    return rows_from_values(values, d, name=f"{path.name} / {sheet}", kind="xlsx")


def rows_from_values(values: list[list[Any]], d: ImportDefinition, *, name: str, kind: str = "xlsx") -> InputRows:
    """A sheet's values from A1 (header on the first non-empty row) → raw rows."""
    header_index = next((i for i, line in enumerate(values) if any(v not in (None, "") for v in line)), None)
    if header_index is None:
        raise UserError(f"« {name} » est vide : aucune ligne à lire.")
    headers = [_cell_text(v) for v in values[header_index]]
    while headers and not headers[-1]:
        headers.pop()
    _check_headers(headers, name)
    kept: list[list[Any]] = []
    numbers: list[int] = []
    for i, line in enumerate(values[header_index + 1:], start=header_index + 2):
        if all(v in (None, "") for v in line):
            continue
        kept.append(list(line[: len(headers)]) + [None] * (len(headers) - len(line)))
        numbers.append(i)
    cols = {h: pa.array([_xlsx_text(r[j], d) for r in kept], type=pa.string()) for j, h in enumerate(headers) if h}
    raw = RawRows(tuple(h for h in headers if h), cols, np.asarray(numbers, dtype=np.int64), sheet=name)
    return InputRows(raw, kind, values=[[*headers]] + kept)


# ---------------------------------------------------------------------------
# running an import and writing its outputs
# ---------------------------------------------------------------------------

@dataclass
class ImportRun:
    result: ImportResult
    input: InputRows
    outputs: list[str] = field(default_factory=list)
    extra_alerts: list[Alert] = field(default_factory=list)  # of the outputs (FEC_FILENAME)

    @property
    def alerts(self) -> list[Alert]:
        return list(self.result.alerts) + self.extra_alerts

    def summary_lines(self) -> list[str]:
        return self.result.summary.lines_fr()


def _with_company(d: ImportDefinition, company: str | None) -> ImportDefinition:
    if company is None:
        return d
    return d.model_copy(update={"current_company": company})


def run_import(input_rows: InputRows, d: ImportDefinition, *, company: str | None = None, context: ImportContext | None = None) -> ImportResult:
    result = import_entries(input_rows.raw, _with_company(d, company), context=context)
    if not result.usable:
        raise UserError("Import impossible :\n" + "\n".join(f"  - {a.message}" for a in result.alerts))
    return result


def closing_date(result: ImportResult, d: ImportDefinition, company: str) -> date:
    """Closing date in the FEC name: the definition's, else 31/12 of the latest entry's year."""
    if d.fiscal_year_end:
        return d.fiscal_year_end
    latest = _latest_dates(result).get(company)
    return date(latest.year if latest else 2000, 12, 31)


def _latest_dates(result: ImportResult) -> dict[str, Any]:
    """Latest entry date per company (``None`` when it has no date). With numpy, not
    ``Table.group_by``: that one imports pyarrow's query engine and datasets (some 40 ms of CPU
    per run for a handful of companies)."""
    t = result.table
    if not t.num_rows:
        return {}
    dates = t["entry_date"].combine_chunks()
    codes = result.line_company_codes() if hasattr(result, "line_company_codes") else None
    if codes is not None:  # the import's own company codes: no encoding of every line's string
        idx, names = np.asarray(codes, dtype=np.int64), list(result.company_names)
    else:
        enc = pc.dictionary_encode(t["company"].combine_chunks())
        idx, names = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64), enc.dictionary.to_pylist()
    none = np.iinfo(np.int64).min
    secs = np.asarray(pc.fill_null(dates.cast(pa.int64()), none).to_numpy(zero_copy_only=False), dtype=np.int64)
    latest = np.full(len(names), none, dtype=np.int64)
    np.maximum.at(latest, idx, secs)
    present = np.bincount(idx, minlength=len(names)) > 0  # companies of the accepted lines only
    values = pa.array(latest, mask=latest == none).cast(dates.type).to_pylist()
    return {names[c]: values[c] for c in np.flatnonzero(present).tolist()}


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "societe"


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def fec_names(result: ImportResult, d: ImportDefinition, *, siren: str | None = None, closing: date | None = None) -> dict[str, str]:
    """FEC file name per company: ``SIRENFECAAAAMMJJ.txt`` when the SIREN is known (the
    definition's list, else ``siren`` for the current company: the dossier's), else
    ``<code>FECAAAAMMJJ.txt``. Closing date: the definition's, else for the current company
    the end of the dossier's fiscal year (``closing``, moved by whole years) holding its latest
    entry, else 31/12 of the company's latest entry year."""
    latest = _latest_dates(result)
    names = {}
    for company in result.companies():
        own = d.companies.get(company, "")
        current = company == d.current_company or (company or "") == ""
        if not re.fullmatch(r"\d{9}", own or "") and current and siren:
            own = siren
        if not d.fiscal_year_end and current and closing and latest.get(company):  # the dossier's fiscal year holding the entries
            closing_of = created_closing(closing, _as_date(latest[company]))
        else:
            closing_of = closing if current and closing else None
        year_end = d.fiscal_year_end or closing_of
        year_end = year_end or date(latest[company].year if latest.get(company) else 2000, 12, 31)
        names[company] = fec_filename(own, year_end) if re.fullmatch(r"\d{9}", own or "") else f"{_safe_name(company)}FEC{year_end:%Y%m%d}.txt"
    return names


def fec_name_alerts(names: dict[str, str]) -> list[Alert]:
    """FEC_FILENAME for each FEC named without a SIREN (not accepted as is by the tax office)."""
    return [alert("FEC_FILENAME", sheet="FEC", value=name) for name in names.values() if not re.match(r"\d{9}FEC\d{8}\.txt$", name)]


def write_fecs(result: ImportResult, d: ImportDefinition, out_dir: Path, *, siren: str | None = None, closing: date | None = None) -> list[Path]:
    """One FEC per company (UTF-8, tab), written atomically."""
    paths = []
    if result.table.num_rows == 0:
        return paths
    files = write_fec_tables(result.table, by="company")  # fields formatted once for all companies
    names = fec_names(result, d, siren=siren, closing=closing)
    for company in result.companies():
        path = out_dir / names[company]
        write_new(path, files[company])
        paths.append(path)
    return paths


def write_new(path: Path, data: bytes) -> None:
    """Write a new file: temporary name in the same folder, fsync, then a link to the final
    name, which fails if a file of that name exists (never an overwrite)."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError as exc:
            raise UserError(f"{path.name} existe déjà dans {path.parent} : Reglo n'écrase jamais un fichier.") from exc
        except OSError:  # a file system without hard links: rename, after checking
            if path.exists():
                raise UserError(f"{path.name} existe déjà dans {path.parent} : Reglo n'écrase jamais un fichier.")
            os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


RUN_PREFIX = "Import"


def analytic_csv(result: ImportResult) -> bytes:
    """The analytical export of the « saisies de projet »: one line per imported line (entry,
    line of the entry, account, project, signed amount), UTF-8 with BOM, « ; »."""
    t = result.table
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["Écriture", "Ligne", "Compte", "Projet", "Montant", "Compte auxiliaire", "Date", "Libellé", "Ligne source"])
    cols = {c: t[c].to_pylist() for c in ("journal_code", "entry_number", "ledger_account", "subledger_account", "debit", "credit", "entry_date", "label", "source_row", "project") if c in t.column_names}
    previous, n = None, 0
    for i in range(t.num_rows):
        key = (cols["journal_code"][i], cols["entry_number"][i])
        n = n + 1 if key == previous else 1
        previous = key
        amount = int(cols["debit"][i]) - int(cols["credit"][i])
        day = cols["entry_date"][i]
        w.writerow([f"{key[0]} {key[1]}", n, cols["ledger_account"][i], (cols.get("project") or [""] * t.num_rows)[i] or "",
                    f"{'-' if amount < 0 else ''}{abs(amount) // 100},{abs(amount) % 100:02d}", cols["subledger_account"][i] or "",
                    day.strftime("%d/%m/%Y") if day else "", cols["label"][i] or "", cols["source_row"][i]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_TEXT_FIELDS = (("document_ref", "PieceRef"), ("label", "EcritureLib"), ("ledger_account_label", "CompteLib"), ("subledger_label", "CompAuxLib"), ("journal_label", "JournalLib"))
MAX_FORMULA_ALERTS = 100


def formula_text_alerts(result: ImportResult, *, sheet: str | None = None) -> list[Alert]:
    """FORMULA_INJECTION (warning) for imported text starting with =, +, -, @: kept exactly
    (string cells Excel does not evaluate, as is in the FEC) but worth a look, e.g. a
    ``=HYPERLINK(…)`` planted in an exported file. At most ``MAX_FORMULA_ALERTS``."""
    import pyarrow.compute as pc

    from reglo.addin.backends.sheets import needs_quote

    t = result.table
    out: list[Alert] = []
    if t.num_rows == 0:
        return out
    rows = t["source_row"].to_pylist() if "source_row" in t.column_names else [None] * t.num_rows
    for col, name in _TEXT_FIELDS:
        if col not in t.column_names:
            continue
        values = t[col]
        first = pc.utf8_slice_codeunits(pc.fill_null(values, ""), 0, 1)
        hits = pc.is_in(first, value_set=pa.array(["=", "+", "-", "@", "\t", "\r"])).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(hits):
            text = values[int(i)].as_py()
            if needs_quote(text) and len(out) < MAX_FORMULA_ALERTS:
                shown = text if len(text) <= 60 else text[:57] + "…"
                out.append(alert("FORMULA_INJECTION", sheet=sheet, row=rows[int(i)], column=name, value=shown, char=f"« {text[0]} »"))
    return out


def dossier_company(path: str | Path) -> tuple[str, date]:
    """SIREN and closing date of a Reglo dossier's company (its « Société » sheet)."""
    from reglo.addin.shell.dossier import load_dossier

    company = load_dossier(path).dossier.company
    return company.siren, company.fiscal_year_end


def dossier_context(path: str | Path) -> tuple[str, date, ImportContext]:
    """SIREN, closing date and what the import takes from a Reglo dossier: the account,
    party and journal labels of its FEC and « Tiers », and each journal's last entry number."""
    from reglo.addin.shell.dossier import load_dossier

    loaded = load_dossier(path)
    company = loaded.dossier.company
    return company.siren, company.fiscal_year_end, context_from(loaded.ledger.frame, loaded.dossier)


def context_from(frame: Any, dossier: Any = None) -> ImportContext:
    accounts: dict[str, str] = {}
    parties: dict[str, str] = {}
    journals: dict[str, str] = {}
    last: dict[str, str] = {}
    if frame is not None and len(frame):
        f = frame
        named = f[f["ledger_account_label"] != ""]
        accounts = dict(zip(named["ledger_account"], named["ledger_account_label"]))
        aux = f[(f["subledger_account"] != "") & (f["subledger_label"] != "")]
        parties = dict(zip(aux["subledger_account"], aux["subledger_label"]))
        jl = f[f["journal_label"] != ""]
        journals = dict(zip(jl["journal_code"], jl["journal_label"]))
        last = dict(zip(f["journal_code"], f["entry_number"]))  # the last line of each journal, in file order
    if dossier is not None:
        parties.update({p.code: p.legal_name for p in dossier.parties})
    return ImportContext(account_labels=accounts, party_labels=parties, journal_labels=journals, last_numbers=last)


def checked_siren(text: str) -> str:
    from reglo.core.banking import check_siren

    value = "".join(str(text).split())
    problem = check_siren(value)
    if problem:
        raise UserError(alert("SIREN_INVALID", value=text).message)
    return value


_NOT_IN_LATIN = str.maketrans({"≠": "<>", "–": "-", "—": "-", "…": "...", "’": "'", "\u202f": " "})


def _csv_field(text: str, sep: str) -> str:
    if any(ch in text for ch in (sep, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def rejects_csv(inp: InputRows, result: ImportResult) -> bytes:
    """Rejected lines as they were, in their order, plus the reason (importable again)."""
    sep = inp.separator if inp.kind == "csv" else ";"
    out: list[str] = []
    if inp.kind == "csv":
        out.append(inp.header_line + sep + REASON + sep + REASON_CODE)
        for pos, code, reason in zip(result.rejected, result.reason_codes, result.reasons):
            out.append(inp.line(int(result.source_rows[pos])) + sep + _csv_field(reason, sep) + sep + code)
        encoding = inp.encoding if inp.encoding not in ("utf-8-sig",) else "utf-8"
        text = "\r\n".join(out) + "\r\n"
        if encoding != "utf-8":  # same encoding as the input, so the file can be imported again
            text = text.translate(_NOT_IN_LATIN)
        return text.encode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    headers = [str(h) for h in inp.values[0]]
    out.append(sep.join(_csv_field(h, sep) for h in headers + [REASON, REASON_CODE]))
    for pos, code, reason in zip(result.rejected, result.reason_codes, result.reasons):
        cells = [_xlsx_text(v, ImportDefinition()) or "" for v in inp.values[1 + int(pos)]]
        out.append(sep.join(_csv_field(c, sep) for c in cells + [reason, code]))
    return ("\r\n".join(out) + "\r\n").encode("utf-8-sig")


def rejects_rows(inp: InputRows, result: ImportResult) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the rejects sheet: original values unchanged + reason."""
    if inp.kind == "csv":
        headers = next(csv.reader([inp.header_line], delimiter=inp.separator))
        rows = []
        for pos, code, reason in zip(result.rejected, result.reason_codes, result.reasons):
            cells = next(csv.reader([inp.line(int(result.source_rows[pos]))], delimiter=inp.separator), [])
            rows.append([c if c != "" else None for c in cells] + [None] * (len(headers) - len(cells)) + [reason, code])
        return [h.strip() for h in headers] + [REASON, REASON_CODE], rows
    headers = [str(h) for h in inp.values[0]]
    rows = [list(inp.values[1 + int(pos)]) + [reason, code] for pos, code, reason in zip(result.rejected, result.reason_codes, result.reasons)]
    return headers + [REASON, REASON_CODE], rows


def new_workbook(folder: Path) -> FileWorkbook:
    """An empty workbook (never loads an existing file: outputs are replaced, atomically)."""
    return FileWorkbook(folder / ".reglo-nouveau-classeur.xlsx", create=True)


def write_rejects_sheet(book: Workbook, inp: InputRows, result: ImportResult, *, sheet: str = REJECTS_SHEET, rows: tuple[list[str], list[list[Any]]] | None = None) -> None:
    headers, rows = rows or rejects_rows(inp, result)
    cols = [Column(h, "@" if inp.kind == "csv" else None, 14) for h in headers[:-2]] + [Column(REASON, None, 80), Column(REASON_CODE, None, 26)]
    book.write_sheet(sheet, cols, rows)


def entries_rows(result: ImportResult) -> tuple[list[Column], list[list[Any]]]:
    header = [Column("Société", None, 10)] + [fec_column(name, col) for name, col in FEC_FIELDS]
    header += [Column("DateEcheance", DATE_FORMAT, 12), Column("Ligne source", None, 10)]
    t = result.table
    project = bool(result.definition.project_column) and "project" in t.column_names
    if project:
        header.append(Column("Projet", None, 14))
    cols = {c: t[c].to_pylist() for c in t.column_names}
    rows = []
    for i in range(t.num_rows):
        row: list[Any] = [cols["company"][i] or None]
        for _, col in FEC_FIELDS:
            v = cols[col][i]
            if col in ("debit", "credit"):
                row.append(cents_to_money(v))
            elif col == "foreign_amount":
                row.append(None if v is None else cents_to_money(v))
            elif col in DATE_COLUMNS:
                row.append(v.date() if isinstance(v, datetime) else v)
            else:
                row.append(v if v != "" else None)
        due = cols["due_date"][i]
        row += [due.date() if isinstance(due, datetime) else due, cols["source_row"][i]]
        if project:
            row.append(cols["project"][i] or None)
        rows.append(row)
    return header, rows


def write_result_sheets(book: Workbook, inp: InputRows, result: ImportResult, *, rejects: tuple[list[str], list[list[Any]]] | None = None, rejects_files: list[str] | None = None, extra_alerts: list[Alert] | None = None) -> list[str]:
    """« Écritures importées », « Rejets » (unless the rejects are in their own files,
    ``rejects_files``), « Résumé import » in ``book``; returns notes."""
    notes = []
    if result.table.num_rows <= MAX_SHEET_LINES:
        header, rows = entries_rows(result)
        book.write_sheet(ENTRIES_SHEET, header, rows)
    else:
        notes.append(f"{result.table.num_rows} lignes : trop pour la feuille « {ENTRIES_SHEET} » (limite {MAX_SHEET_LINES}) ; elles sont dans le FEC.")
        book.write_sheet(ENTRIES_SHEET, [Column("Information", None, 100)], [[notes[-1]]])
    if rejects_files is None:
        write_rejects_sheet(book, inp, result, rows=rejects)
    else:
        notes.append("Lignes rejetées (telles qu'elles étaient, avec le motif) : " + " et ".join(rejects_files) + ".")
    summary = [[line] for line in result.summary.lines_fr()] + [[n] for n in notes]
    alerts = (list(extra_alerts or []) + list(result.alerts))[:1000]
    summary += [[""], ["Alertes (les 1 000 premières ; chaque ligne rejetée a son motif dans les rejets)"]]
    summary += [[f"{a.severity.value} · {a.code.value} · {a.where()} : {a.message}"] for a in alerts]
    book.write_sheet(SUMMARY_SHEET, [Column("Résumé de l'import d'écritures", None, 160)], summary)
    return notes


def output_files(inp: InputRows, result: ImportResult, d: ImportDefinition, *, stem: str, siren: str | None = None, closing: date | None = None,
                 extra_alerts: list[Alert] | None = None) -> list[tuple[str, bytes, str]]:
    """Every output of one run as (name, bytes, role): FEC per company, rejects (xlsx and csv),
    the analytical export (with a Projet column), the result workbook. Nothing is written:
    the workbooks are rendered in a private temporary folder and read back."""
    import tempfile

    pa.default_memory_pool().release_unused()  # give back the import's temporaries before the FEC
    out: list[tuple[str, bytes, str]] = []
    if result.table.num_rows:
        files = write_fec_tables(result.table, by="company")  # fields formatted once for all companies
        names = fec_names(result, d, siren=siren, closing=closing)
        out += [(names[c], files[c], "entries") for c in result.companies()]
    rejects = rejects_rows(inp, result)
    with tempfile.TemporaryDirectory(prefix="reglo-import-") as tmp:
        work = Path(tmp)
        rej_xlsx = f"{stem} - rejets.xlsx"
        book = new_workbook(work)
        write_rejects_sheet(book, inp, result, rows=rejects)
        out.append((rej_xlsx, _workbook_bytes(book, work / rej_xlsx), "report"))
        rej_csv = f"{stem} - rejets.csv"
        out.append((rej_csv, rejects_csv(inp, result), "report"))
        if d.project_column:
            out.append((f"{stem} - analytique.csv", analytic_csv(result), "data"))
        res_name = f"{stem} - écritures importées.xlsx"
        res = new_workbook(work)
        write_result_sheets(res, inp, result, rejects_files=[rej_xlsx, rej_csv], extra_alerts=extra_alerts)
        write_definition_sheet(res, d)
        out.append((res_name, _workbook_bytes(res, work / res_name), "report"))
    return out


def _workbook_bytes(book: Workbook, path: Path) -> bytes:
    """The bytes ``book.save`` would write: rendered in memory when the backend can (no write,
    fsync and read back of a file the commit writes again), else saved at ``path`` and read."""
    render = getattr(book, "_to_bytes", None)
    if callable(render):
        return render()
    book.save(path)
    return path.read_bytes()


def commit_outputs(files: list[tuple[str, bytes, str]], base: Path, stem: str, *, now: datetime, dossier: str | Path | None = None) -> list[Path]:
    """Write one run's outputs in a new dated run folder under ``base`` (« Import ventes
    2026-01-15 093000 », « … (2) » when taken), through the commit protocol: the register of
    the dossier (when ``base`` is inside it) or of ``base``, the batch recorded pending with every
    file's hash, temporary names, fsync, links that never overwrite, committed. The dossier's
    own FEC is never an output (« Intégrer au FEC du dossier » is a separate action)."""
    from reglo.addin.shell.commit import relative_folder, run_button
    from reglo.core.outcome import BatchDraft, Outcome, OutputFile

    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    register = base.resolve()
    if dossier is not None:
        d = Path(dossier).resolve()
        d = d.parent if d.is_file() else d
        if d == register or d in register.parents:
            register = d
    rel = relative_folder(register, base.resolve())
    name = f"{RUN_PREFIX} {_safe_name(stem)} {now:%Y-%m-%d %H%M%S}"

    def planned(ctx: Any) -> Outcome:  # inside the lock: a run folder no other run took
        taken = ctx.names_in(rel)
        used = {b.reference for b in ctx.snapshot.batches}
        run, n = name, 1
        while run in taken or f"import {rel}/{run}" in used:
            n += 1
            run = f"{name} ({n})"
        folder = f"{rel}/{run}" if rel else run
        return Outcome(batch=BatchDraft(kind="import_ecritures", reference=f"import {rel}/{run}", meta={"dossier": run}),
                       files=tuple(OutputFile(folder=folder, name=fname, data=data, role=role) for fname, data, role in files))

    result = run_button(register, planned, now=now, block_on_orphans=False)
    if not result.committed:
        raise UserError("Import non écrit : " + (" ; ".join(a.message for a in result.alerts if a.is_blocking) or result.status))
    return list(result.paths)


def write_outputs(inp: InputRows, result: ImportResult, d: ImportDefinition, out_dir: Path, *, stem: str, siren: str | None = None, closing: date | None = None,
                  extra_alerts: list[Alert] | None = None, now: datetime | None = None, dossier: str | Path | None = None) -> list[Path]:
    """FEC per company, rejects (xlsx and csv), analytical export, the result workbook: in a new
    run folder under ``out_dir``, through the commit protocol (``commit_outputs``)."""
    with frozen_heap():  # the input and the import's tables: see reglo.core.gc_pause
        files = output_files(inp, result, d, stem=stem, siren=siren, closing=closing, extra_alerts=extra_alerts)
        return commit_outputs(files, Path(out_dir), stem, now=now or datetime.now().replace(microsecond=0), dossier=dossier)


def import_file(input_path: str | Path, definition: ImportDefinition, *, out_dir: str | Path | None = None, company: str | None = None, sheet: str | None = None,
                siren: str | None = None, closing: date | None = None, progress: Any = None, context: ImportContext | None = None,
                now: datetime | None = None, dossier: str | Path | None = None) -> ImportRun:
    """The CLI path: read a file, import, write every output next to it (or in ``out_dir``).

    ``siren`` / ``closing``: the current company's (e.g. from its dossier) for the FEC name
    when the definition does not give them; a FEC named without SIREN gets FEC_FILENAME."""
    p = Path(input_path)

    def step(text: str | None) -> None:  # ``progress``: an ``reglo.addin.backends.progress.Progress`` of total 3
        if progress is not None:
            if text is None:
                progress.update(1)
            else:
                progress.phase(f"Import de {p.name} : {text}".ljust(70))

    step("lecture du fichier")
    inp = read_input(p, definition, sheet=sheet)
    step(None)
    step("contrôle et construction des écritures")
    result = run_import(inp, definition, company=company, context=context)
    step(None)
    d = _with_company(definition, company)
    extra = fec_name_alerts(fec_names(result, d, siren=siren, closing=closing)) if result.table.num_rows else []
    extra += formula_text_alerts(result, sheet=inp.raw.sheet)
    # a new dated run folder under the output folder: no run overwrites a file, and the
    # dossier's own FEC is never an output (« Intégrer au FEC du dossier » is a separate action)
    step("écriture du FEC, des rejets et du classeur")
    paths = write_outputs(inp, result, d, Path(out_dir) if out_dir else p.parent, stem=p.stem, siren=siren, closing=closing, extra_alerts=extra,
                          now=now, dossier=dossier)
    step(None)
    return ImportRun(result, inp, [str(x) for x in paths], extra)


# ---------------------------------------------------------------------------
# « Intégrer au FEC du dossier »: a separate, explicit, undoable action
# ---------------------------------------------------------------------------

INTEGRATION_SUFFIX = ".integration.json"
BACKUP_FOLDER = "sauvegardes"


@dataclass
class IntegrationRun:
    summary: list[str]
    alerts: list[Alert]
    written: list[str] = field(default_factory=list)
    done: bool = False


def _integration_journal(fec: Path) -> Path:
    return fec.with_name(fec.name + INTEGRATION_SUFFIX)


def _load_integrations(fec: Path) -> list[dict]:
    path = _integration_journal(fec)
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("runs", []))
    except (OSError, ValueError) as exc:
        raise UserError(f"Journal d'intégration illisible : {path.name} ({exc}).") from exc


def _journal_bytes(fec: Path, runs: list[dict]) -> bytes:
    return (json.dumps({"fec": fec.name, "runs": runs}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _imported_fec(run_folder: Path, siren: str) -> Path:
    fecs = sorted(p for p in run_folder.glob("*FEC*.txt") if p.is_file())
    own = [p for p in fecs if p.name.startswith(siren)]
    if len(own) == 1:
        return own[0]
    if len(fecs) == 1:
        return fecs[0]
    if not fecs:
        raise UserError(f"Aucun FEC importé dans {run_folder} : indiquez le dossier d'un lancement « Import … » de reglo entries import.")
    raise UserError(f"Plusieurs FEC dans {run_folder} ({', '.join(p.name for p in fecs)}) et aucun au SIREN du dossier ({siren}).")


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def integrate(run_folder: str | Path, dossier: str | Path, *, confirmed: bool, now: datetime, definition: ImportDefinition | None = None,
              allow_duplicates: bool = False) -> IntegrationRun:
    """Append the entries of an import run to the dossier's FEC: after confirmation
    (``confirmed``), with a backup of the FEC, atomically through the commit protocol, and
    undoable (``undo_integration``). Without confirmation, says what would be done. An entry the
    FEC already has is refused unless ``allow_duplicates`` (« --forcer-doublons »)."""
    from reglo.addin.shell.commit import run_button
    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.entry_import.integrate import plan_integration
    from reglo.core.outcome import BatchDraft, LedgerRewrite, Outcome, OutputFile, free_name

    loaded = load_dossier(dossier)
    fec = loaded.fec_path
    if fec is None:
        raise UserError(f"Le dossier {loaded.folder} n'a pas de FEC : rien à compléter.")
    run_dir = Path(run_folder)
    source = _imported_fec(run_dir, loaded.dossier.company.siren)
    try:
        imported = read_fec_file(source)
    except FecError as exc:
        raise UserError(f"FEC importé illisible ({source.name}) : {exc.alert.message}") from exc
    raw = fec.read_bytes()
    d = definition or ImportDefinition()
    plan = plan_integration(raw, loaded.ledger.frame, imported.frame, opening_journals=d.opening_journals, source=source.name,
                            allow_duplicates=allow_duplicates)
    summary = [f"{len(plan.accepted)} écriture(s) à intégrer ({plan.lines} lignes) dans {fec.name}, {len(plan.alerts)} refusée(s)."]
    if plan.data is None:
        return IntegrationRun(summary + ["Rien à intégrer."], plan.alerts)
    if not confirmed:
        return IntegrationRun(summary + ["Rien n'a été écrit : relancez avec --oui pour confirmer l'intégration (une sauvegarde du FEC est faite, "
                                         "et reglo entries integrate --annuler la défait)."], plan.alerts)
    stamp = f"{now:%Y%m%d-%H%M%S}"
    earlier = _load_integrations(fec)
    target = str(fec.resolve().relative_to(loaded.folder.resolve())) if loaded.folder.resolve() in fec.resolve().parents else str(fec.resolve())

    def planned(ctx: Any) -> Outcome:
        used = {b.reference for b in ctx.snapshot.batches}
        ref, n = f"intégration {fec.name} {stamp}", 1
        while ref in used:
            n += 1
            ref = f"intégration {fec.name} {stamp} ({n})"
        # a backup name no file of the folder nor of the register has (two integrations in the
        # same second, a fixed clock): nothing is ever overwritten, and nothing is refused for it
        taken = ctx.snapshot.file_names() | set(ctx.names_in(BACKUP_FOLDER))
        backup = OutputFile(folder=BACKUP_FOLDER, name=free_name(f"{fec.stem} avant intégration {stamp}{fec.suffix}", taken), data=raw,
                            role="ledger_copy")
        runs = earlier + [{"date": now.isoformat(timespec="seconds"), "source": str(run_dir), "fec_importe": source.name,
                           "avant": _sha(raw), "apres": _sha(plan.data), "sauvegarde": f"{BACKUP_FOLDER}/{backup.name}",
                           "lignes_ajoutees": list(plan.appended), "fin_de_ligne_ajoutee": plan.eol_added,
                           "ecritures": [list(a) for a in plan.accepted]}]
        journal = OutputFile(folder="", name=_integration_journal(fec).name, data=_journal_bytes(fec, runs), role="journal")
        return Outcome(batch=BatchDraft(kind="integration_ecritures", reference=ref, meta={"source": str(run_dir)}), files=(backup,),
                       ledger=LedgerRewrite(target=target, original_sha256=_sha(raw), data=plan.data, undo=journal))

    result = run_button(loaded.folder, planned, now=now, block_on_orphans=False)
    if not result.committed:
        raise UserError("Intégration non faite : " + (" ; ".join(a.message for a in result.alerts if a.is_blocking) or result.status))
    return IntegrationRun(summary + [f"FEC du dossier complété : {fec.name} (sauvegarde : {BACKUP_FOLDER}/{result.outcome.files[0].name}) ; "
                                     "reglo entries integrate --annuler --dossier … --oui pour défaire."], plan.alerts,
                          [str(p) for p in result.paths], True)


def undo_integration(dossier: str | Path, *, confirmed: bool, now: datetime) -> IntegrationRun:
    """Remove the lines the last integration appended: the dossier FEC gets back the bytes it
    had before it (checked against its sha256), unless it changed since."""
    from reglo.addin.shell.commit import run_button
    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.entry_import.integrate import plan_undo
    from reglo.core.outcome import BatchDraft, LedgerRewrite, Outcome, OutputFile

    loaded = load_dossier(dossier)
    fec = loaded.fec_path
    if fec is None:
        raise UserError(f"Le dossier {loaded.folder} n'a pas de FEC.")
    runs = _load_integrations(fec)
    if not runs:
        return IntegrationRun(["Aucune intégration enregistrée pour ce FEC : rien à défaire."], [])
    last = runs[-1]
    raw = fec.read_bytes()
    if _sha(raw) != last.get("apres"):
        raise UserError(f"{fec.name} a changé depuis l'intégration du {last.get('date')} : elle n'est pas défaite automatiquement. "
                        f"La sauvegarde d'avant l'intégration est {last.get('sauvegarde')}.")
    data = plan_undo(raw, last.get("lignes_ajoutees", []), bool(last.get("fin_de_ligne_ajoutee")))
    if _sha(data) != last.get("avant"):
        raise UserError(f"{fec.name} : la suppression des lignes intégrées ne rend pas le FEC d'avant ; restaurez la sauvegarde {last.get('sauvegarde')}.")
    if not confirmed:
        return IntegrationRun([f"L'intégration du {last.get('date')} serait défaite ({len(last.get('lignes_ajoutees', []))} lignes retirées). "
                               "Relancez avec --oui pour confirmer."], [])
    journal = OutputFile(folder="", name=_integration_journal(fec).name, data=_journal_bytes(fec, runs[:-1]), role="journal")
    target = str(fec.resolve().relative_to(loaded.folder.resolve())) if loaded.folder.resolve() in fec.resolve().parents else str(fec.resolve())
    stamp = f"{now:%Y%m%d-%H%M%S}"

    def planned(ctx: Any) -> Outcome:
        used = {b.reference for b in ctx.snapshot.batches}
        ref, n = f"annulation intégration {fec.name} {stamp}", 1
        while ref in used:
            n += 1
            ref = f"annulation intégration {fec.name} {stamp} ({n})"
        return Outcome(batch=BatchDraft(kind="integration_ecritures_annulee", reference=ref),
                       ledger=LedgerRewrite(target=target, original_sha256=_sha(raw), data=data, undo=journal))

    result = run_button(loaded.folder, planned, now=now, block_on_orphans=False)
    if not result.committed:
        raise UserError("Annulation non faite : " + (" ; ".join(a.message for a in result.alerts if a.is_blocking) or result.status))
    return IntegrationRun([f"Intégration du {last.get('date')} défaite : {fec.name} a retrouvé ses octets d'avant (SHA-256 {last.get('avant')})."], [],
                          [str(p) for p in result.paths], True)


def read_fec_file(path: Path):
    from reglo.core.fec import read_fec

    return read_fec(path.read_bytes(), filename=path.name)
