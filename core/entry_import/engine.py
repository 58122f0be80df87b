"""Entry import: raw rows + an import definition → balanced entries, rejected rows, summary.

The bulk path is column-wise (pyarrow compute / numpy on int64 cents): one pass parses
every column, rows are grouped into entries where a boundary field changes (journal,
entry date, entry number, document number — and the company), each row is expanded into
its lines (the row itself, its VAT line when « Montant TVA dans la même ligne », its
counter line when « Compte de contrepartie dans la même ligne », or one balancing line per
entry on a fixed counter-account), then entries are checked as a whole. Pydantic models
are built only for alerts, rejections and on demand (``ImportResult.entries``).

Rules (see ``docs/entry_import.md``):

* a row that cannot be read rejects its whole entry (nothing half-imported);
* an entry must balance (exact cents);
* in purchase / sales journals an invoice starts with the customer / supplier line, then
  revenue / expense lines, then VAT;
* a warning when bank entries come before the purchase / sales entries of the same month.

VAT amount on the same line: its sign is relative to the line it sits on (positive =
same side as the line, negative = opposite side). Two worked examples (product help page):
revenue line credit 1 000,00 with VAT 210,00 → VAT line credit 210,00; customer line
1 210,00 with counter-account revenue and VAT −210,00 → customer debit 1 210,00, revenue
credit 1 000,00, VAT credit 210,00 (the counter line takes what balances the row).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reglo.core.alerts import Alert, Severity, alert
from reglo.core.entry_import.definition import (
    AccountLayout,
    AccountTypeMode,
    AmountMode,
    Boundary,
    CounterMode,
    ImportDefinition,
    JournalKind,
    VatSign,
    check_definition,
)
from reglo.core.entry_import.context import ImportContext, journal_label, next_numbers_array
from reglo.core.pcg import pcg_label
from reglo.core.entry_import.parse import account_numbers, clean_text, empty_strings, is_pcg, np_bool, parse_cents, parse_dates
from reglo.core.entry_import.result import ImportResult, JournalSummary, ImportSummary
from reglo.core.ledger import COLUMNS

MAX_ALERTS_PER_CODE = 1000

G, D, C = 0, 1, 2  # account kinds as small ints (general, customer, supplier)
KIND_ORDER = (JournalKind.OPENING, JournalKind.PURCHASES, JournalKind.SALES, JournalKind.BANK, JournalKind.OTHER)
# Why each kind comes where it does in the seed's order (« Ordre d'import »)
ORDER_REASONS = {
    JournalKind.OPENING: "la balance d'ouverture vient en premier : les soldes repris doivent précéder les écritures de l'exercice",
    JournalKind.PURCHASES: "les achats et les ventes viennent avant la banque : cela évite que les postes impayés ne le restent à tort",
    JournalKind.SALES: "les achats et les ventes viennent avant la banque : cela évite que les postes impayés ne le restent à tort",
    JournalKind.BANK: "la banque vient après les achats et les ventes, qu'elle solde, et avant les autres écritures",
    JournalKind.OTHER: "les autres écritures viennent en dernier",
}


@dataclass(frozen=True)
class RawRows:
    """The rows of an input file as text columns, with the row numbers the user sees."""

    headers: tuple[str, ...]
    columns: dict[str, pa.Array]  # header -> string array ('' or null = empty)
    source_rows: np.ndarray  # int64: line number in the file (header = 1) or Excel row
    sheet: str | None = None  # shown in alerts (file or sheet name)
    broken: dict[int, int] = field(default_factory=dict)  # position -> field count of an unsplittable line
    separator: str = ";"  # of a delimited input (named in the field-count message)

    def __len__(self) -> int:
        return len(self.source_rows)

    @classmethod
    def from_records(cls, headers: list[str], rows: list[list[object]], source_rows: list[int] | None = None, sheet: str | None = None) -> "RawRows":
        """Build from Python rows (values already text or None)."""
        cols = {}
        for j, h in enumerate(headers):
            cols[h] = pa.array([None if j >= len(r) or r[j] is None else str(r[j]) for r in rows], type=pa.string())
        rows_np = np.asarray(source_rows if source_rows is not None else range(2, len(rows) + 2), dtype=np.int64)
        return cls(tuple(headers), cols, rows_np, sheet)

    def find(self, header: str) -> str | None:
        """The actual header matching ``header`` (exact, else ignoring case, spaces and accents)."""
        if header in self.headers:
            return header
        wanted = _fold(header)
        for h in self.headers:
            if _fold(h) == wanted:
                return h
        return None


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.replace("°", "").split()).casefold()


# ---------------------------------------------------------------------------
# problems found on rows (vectorised masks, turned into alerts only where true)
# ---------------------------------------------------------------------------

@dataclass
class _Problems:
    n: int
    rows: np.ndarray
    sheet: str | None
    first_code: np.ndarray = field(init=False)  # index into self.codes, -1 = none
    found: list[tuple[str, str | None, np.ndarray, object]] = field(default_factory=list)
    warnings: list[Alert] = field(default_factory=list)
    unreadable: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.first_code = np.full(self.n, -1, dtype=np.int64)

    def block(self, mask: np.ndarray, code: str, column: str | None, ctx) -> None:
        """Rows of ``mask`` fail with ``code``; ``ctx(i)`` gives the message context of row i."""
        if self.unreadable is not None:
            mask = mask & ~self.unreadable  # a line that could not be split says nothing more
        if not mask.any():
            return
        self.found.append((code, column, mask, ctx))
        k = len(self.found) - 1
        self.first_code = np.where((self.first_code < 0) & mask, k, self.first_code)

    def warn(self, mask: np.ndarray, code: str, column: str | None, ctx) -> None:
        idx = np.flatnonzero(mask)
        for i in idx[:MAX_ALERTS_PER_CODE]:
            self.warnings.append(alert(code, sheet=self.sheet, row=int(self.rows[i]), column=column, **ctx(i)))
        if len(idx) > MAX_ALERTS_PER_CODE:
            self.warnings.append(_more(code, self.sheet, column, len(idx) - MAX_ALERTS_PER_CODE, Severity.WARNING))

    @property
    def failed(self) -> np.ndarray:
        return self.first_code >= 0

    def alert_for(self, i: int) -> Alert:
        """The first blocking alert of row ``i`` (row must have failed)."""
        code, column, _, ctx = self.found[int(self.first_code[i])]
        return alert(code, sheet=self.sheet, row=int(self.rows[i]), column=column, **ctx(i))

    def all_alerts(self) -> list[Alert]:
        out: list[Alert] = []
        for code, column, mask, ctx in self.found:
            idx = np.flatnonzero(mask)
            for i in idx[:MAX_ALERTS_PER_CODE]:
                out.append(alert(code, sheet=self.sheet, row=int(self.rows[i]), column=column, **ctx(i)))
            if len(idx) > MAX_ALERTS_PER_CODE:
                out.append(_more(code, self.sheet, column, len(idx) - MAX_ALERTS_PER_CODE, Severity.BLOCKING))
        return out


def _more(code: str, sheet: str | None, column: str | None, count: int, severity: Severity) -> Alert:
    # one summary alert instead of a flood; the rejects file still has every line's reason
    return Alert(sheet=sheet, column=column, severity=severity, code=code, message=f"… et {count} autres lignes avec la même alerte ({code}) : voir le fichier des rejets.")


def _fr(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100},{cents % 100:02d}"


def _obj(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


# ---------------------------------------------------------------------------
# the import
# ---------------------------------------------------------------------------

def import_entries(raw: RawRows, definition: ImportDefinition, *, validated_on: date | None = None, context: ImportContext | None = None) -> ImportResult:
    """Read ``raw`` with ``definition``: accepted lines, rejected rows with reasons, alerts.

    A definition with blocking problems, or mapped columns absent from the file, gives a
    result with ``usable=False`` and nothing read (the caller reports the setup alerts).
    """
    d = definition
    setup = check_definition(d)
    headers: dict[str, str] = {}
    missing: list[str] = []
    for fname, header in d.mapped_columns().items():
        actual = raw.find(header)
        if actual is None:
            if header not in missing:
                missing.append(header)
        else:
            headers[fname] = actual
    if len(missing) == 1:
        setup.append(alert("COLUMN_MISSING", sheet=raw.sheet, row=None, name=missing[0], expected=", ".join(d.required_headers())))
    elif missing:  # one alert listing them all (not the expected list repeated per column)
        setup.append(alert("IMPORT_COLUMNS_MISSING", sheet=raw.sheet, row=None, count=len(missing), names=", ".join(f"« {h} »" for h in missing),
                           found=", ".join(f"« {h} »" for h in raw.headers) or "aucune"))
    if setup:
        return ImportResult.unusable(d, setup, raw.source_rows)
    return _Importer(raw, d, headers, validated_on, context or ImportContext()).run()


class _Importer:
    def __init__(self, raw: RawRows, d: ImportDefinition, headers: dict[str, str], validated_on: date | None, context: ImportContext):
        self.raw, self.d, self.headers = raw, d, headers
        self.context = context
        self.n = len(raw)
        self.rows = raw.source_rows.astype(np.int64)
        self.validated_on = validated_on
        self.p = _Problems(self.n, self.rows, raw.sheet)
        self._text_cache: dict[str, pa.Array] = {}

    # -- columns ----------------------------------------------------------
    def text(self, fname: str) -> pa.Array:
        """Trimmed text of a mapped column ('' everywhere when not mapped)."""
        if fname not in self._text_cache:
            header = self.headers.get(fname)
            if header is None:
                self._text_cache[fname] = empty_strings(self.n)
            else:
                self._text_cache[fname] = clean_text(self.raw.columns[header])
        return self._text_cache[fname]

    def col(self, fname: str) -> str | None:
        return self.headers.get(fname)

    # -- steps --------------------------------------------------------------
    def run(self) -> ImportResult:
        if self.n == 0:
            return ImportResult.empty(self.d, self.rows)
        if self.raw.broken:
            mask = np.zeros(self.n, dtype=bool)
            mask[list(self.raw.broken)] = True
            sep = {"\t": "tabulation"}.get(self.raw.separator, self.raw.separator)
            self.p.block(mask, "IMPORT_FIELD_COUNT", None, lambda i: {"found": self.raw.broken.get(int(i), "?"), "expected": len(self.raw.headers), "sep": sep})
            self.p.unreadable = mask
        self.read_company_and_journal()
        self.read_dates()
        self.read_accounts()
        self.read_amounts()
        self.read_counter()
        self.group_entries()
        self.expand_lines()
        self.check_entries()
        return self.assemble()

    def read_company_and_journal(self) -> None:
        d, p = self.d, self.p
        company = self.text("company_column")
        if d.current_company:
            company = pc.if_else(pc.equal(company, ""), d.current_company, company)
        self.company = company
        if d.companies:
            known = pa.array(list(d.companies), type=pa.string())
            unknown = ~np_bool(pc.is_in(company, value_set=known))
            if unknown.any():
                comp = _obj(company)
                p.block(unknown, "IMPORT_COMPANY_UNKNOWN", self.col("company_column"), lambda i: {"value": comp[i] or "(vide)", "known": ", ".join(d.companies)})
        journal = self.text("journal_column")
        if d.default_journal:
            journal = pc.if_else(pc.equal(journal, ""), d.default_journal, journal)
        self.journal = journal
        p.block(np_bool(pc.equal(journal, "")), "IMPORT_JOURNAL_MISSING", self.col("journal_column"), lambda i: {})
        # journal kinds through the (few) distinct codes
        enc = pc.dictionary_encode(journal)
        kinds = np.array([KIND_ORDER.index(d.journal_kind(str(v))) for v in enc.dictionary.to_pylist()] or [4], dtype=np.int8)
        j_idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        self.journal_kind = kinds[j_idx]
        # one small integer per (company, journal): summaries and numbering without strings
        cenc = pc.dictionary_encode(company)
        c_idx = np.asarray(cenc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        self.company_idx = c_idx
        self.company_values = [str(v) for v in cenc.dictionary.to_pylist()]
        nj = max(len(enc.dictionary), 1)
        raw_key = c_idx * nj + j_idx
        cj, uniq = pd.factorize(raw_key)  # hashing, no sort
        self.cj = cj.astype(np.int64)
        jv = [str(v) for v in enc.dictionary.to_pylist()]
        self.cj_labels = [(self.company_values[int(k) // nj], jv[int(k) % nj], int(kinds[int(k) % nj])) for k in uniq]

    def read_dates(self) -> None:
        d, p = self.d, self.p
        raw = self.text("date_column")
        self.date_text = raw
        values, empty, invalid = parse_dates(raw, d.date_format)
        self.entry_date = values
        rawo = None
        if invalid.any():
            rawo = _obj(raw)
        p.block(empty, "DATE_MISSING", self.col("date_column"), lambda i: {})
        p.block(invalid, "DATE_INVALID", self.col("date_column"), lambda i: {"value": rawo[i]})
        for fname in ("document_date_column", "due_date_column"):
            if fname not in self.headers:
                setattr(self, fname.replace("_column", ""), None)
                continue
            t = self.text(fname)
            v, _, bad = parse_dates(t, d.date_format)
            setattr(self, fname.replace("_column", ""), v)
            if bad.any():
                to = _obj(t)
                p.block(bad, "DATE_INVALID", self.col(fname), lambda i, to=to: {"value": to[i]})

    def _kind_from_ranges(self, number: pa.Array) -> np.ndarray:
        """Kind by number ranges (-1 when no range holds the number)."""
        nums = account_numbers(number)
        kind = np.full(self.n, -1, dtype=np.int8)
        for k, ranges in ((G, self.d.general_ranges), (D, self.d.customer_ranges), (C, self.d.supplier_ranges)):
            for r in ranges:
                kind[(nums >= r.start) & (nums <= r.end) & (nums >= 0)] = k
        return kind

    def _kind_from_type_column(self, present: np.ndarray) -> np.ndarray:
        t = pc.utf8_upper(self.text("account_type_column"))
        kind = np.full(self.n, -1, dtype=np.int8)
        for k, letter in ((G, "G"), (D, "D"), (C, "C")):
            kind[np_bool(pc.equal(t, letter))] = k
        empty = np_bool(pc.equal(t, ""))
        bad = (kind < 0) & ~empty & present
        if bad.any():
            to = _obj(self.text("account_type_column"))
            self.p.block(bad, "IMPORT_ACCOUNT_TYPE_INVALID", self.col("account_type_column"), lambda i: {"value": to[i]})
        return np.where(empty, -2, kind).astype(np.int8)  # -2: not given

    def read_accounts(self) -> None:
        d, p = self.d, self.p
        layout = d.account_layout
        general = self.text("account_column")
        n = self.n
        if layout is AccountLayout.THREE_COLUMNS:
            cust, supp = self.text("customer_column"), self.text("supplier_column")
            has_c, has_s = ~np_bool(pc.equal(cust, "")), ~np_bool(pc.equal(supp, ""))
            if (has_c & has_s).any():
                co, so = _obj(cust), _obj(supp)
                p.block(has_c & has_s, "IMPORT_THIRD_PARTY_TWICE", self.col("customer_column"), lambda i: {"customer": co[i], "supplier": so[i]})
            kind = np.where(has_c, D, np.where(has_s, C, G)).astype(np.int8)
            third = pc.if_else(pa.array(has_c), cust, supp)
            number_col = self.col("account_column")
        else:
            if layout is AccountLayout.ONE_COLUMN:
                number, number_col = general, self.col("account_column")
            else:
                number, number_col = self.text("third_party_column"), self.col("third_party_column")
            present = ~np_bool(pc.equal(number, ""))
            if d.account_type_mode is AccountTypeMode.TYPE_COLUMN:
                kind = self._kind_from_type_column(present)
                fallback = self._kind_from_ranges(number) if d.ranges() else np.full(n, G, dtype=np.int8)
                kind = np.where(kind == -2, np.where(fallback < 0, G, fallback), kind).astype(np.int8)
            else:
                kind = self._kind_from_ranges(number)
                unknown = (kind < 0) & present
                if unknown.any():
                    no = _obj(number)
                    p.block(unknown, "IMPORT_ACCOUNT_TYPE_UNKNOWN", number_col, lambda i: {"value": no[i]})
            if layout is AccountLayout.TWO_COLUMNS:
                wrong = present & (kind == G)
                if wrong.any() and d.account_type_mode is AccountTypeMode.TYPE_COLUMN:
                    to = _obj(self.text("account_type_column"))
                    p.block(wrong, "IMPORT_ACCOUNT_TYPE_INVALID", self.col("account_type_column"), lambda i: {"value": to[i] + " (code tiers renseigné)"})
                kind = np.where(present, np.where(kind == C, C, D), G).astype(np.int8)
                third = number
                number_col = self.col("account_column") or number_col
            else:
                third = number
                general = pc.if_else(pa.array(kind <= G), number, "")  # unknown kind: keep the number
        kind = np.where(kind < 0, G, kind).astype(np.int8)
        is_third = kind != G
        # a third party without its code is a missing account, not the bare control account
        is_third_no_code = is_third & np_bool(pc.equal(third, ""))
        control = pc.if_else(pa.array(kind == D), d.customer_control_account, d.supplier_control_account)
        ledger = pc.if_else(pa.array(is_third & np_bool(pc.equal(general, ""))), control, general)
        self.ledger = ledger
        self.sub = pc.if_else(pa.array(is_third), third, "")
        self.kind = kind
        missing = np_bool(pc.equal(ledger, "")) | is_third_no_code
        p.block(missing, "ACCOUNT_MISSING", number_col, lambda i: {})
        bad = ~missing & ~is_pcg(ledger)
        if bad.any():
            lo = _obj(ledger)
            p.block(bad, "ACCOUNT_INVALID", number_col, lambda i: {"value": lo[i]})
        label = self.text("account_label_column")
        self.ledger_label = pc.if_else(pa.array(is_third), pc.if_else(pa.array(kind == D), "Clients", "Fournisseurs"), label)
        self.sub_label = pc.if_else(pa.array(is_third), label, "")

    def _amount(self, fname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d = self.d
        t = self.text(fname)
        cents, empty, invalid, rounded = parse_cents(t, decimal_separator=d.decimal_separator, thousands_separator=d.thousands_separator)
        if invalid.any() or rounded.any():
            to = _obj(t)
            digits = pc.replace_substring_regex(t, "[\\s\u00a0\u202f" + (d.thousands_separator or "").strip() + "]", "")
            large = invalid & np_bool(pc.match_substring_regex(digits, r"^[+-]?\d{16,}(?:[.,]\d*)?-?$"))
            self.p.block(large, "IMPORT_AMOUNT_TOO_LARGE", self.col(fname), lambda i: {"value": to[i]})
            invalid = invalid & ~large
            self.p.block(invalid, "AMOUNT_INVALID", self.col(fname), lambda i: {"value": to[i]})
            self.p.warn(rounded, "AMOUNT_ROUNDED", self.col(fname), lambda i: {"value": to[i], "rounded": _fr(cents[i])})
        return cents, empty, invalid

    def read_amounts(self) -> None:
        d, p = self.d, self.p
        if d.amount_mode is AmountMode.DEBIT_CREDIT:
            debit, de, _ = self._amount("debit_column")
            credit, ce, _ = self._amount("credit_column")
            p.block(de & ce, "AMOUNT_MISSING", self.col("debit_column"), lambda i: {})
            p.block((debit != 0) & (credit != 0), "ENTRY_DEBIT_AND_CREDIT", self.col("debit_column"), lambda i: {})
            p.warn(debit < 0, "ENTRY_NEGATIVE_AMOUNT", self.col("debit_column"), lambda i: {"side": "débit", "value": _fr(debit[i]), "other": "un crédit", "abs_value": _fr(-debit[i])})
            p.warn(credit < 0, "ENTRY_NEGATIVE_AMOUNT", self.col("credit_column"), lambda i: {"side": "crédit", "value": _fr(credit[i]), "other": "un débit", "abs_value": _fr(-credit[i])})
            signed = debit - credit
            empty = de & ce
        elif d.amount_mode is AmountMode.SIGNED:
            signed, empty, _ = self._amount("amount_column")
            p.block(empty, "AMOUNT_MISSING", self.col("amount_column"), lambda i: {})
        else:
            amount, empty, _ = self._amount("amount_column")
            p.block(empty, "AMOUNT_MISSING", self.col("amount_column"), lambda i: {})
            s = pc.utf8_upper(self.text("sign_column"))
            is_d = np_bool(pc.equal(s, d.debit_symbol.strip().upper()))
            is_c = np_bool(pc.equal(s, d.credit_symbol.strip().upper()))
            bad = ~(is_d | is_c)
            if bad.any():
                so = _obj(self.text("sign_column"))
                p.block(bad, "IMPORT_SIGN_INVALID", self.col("sign_column"), lambda i: {"value": so[i] or "(vide)", "debit": d.debit_symbol, "credit": d.credit_symbol})
            neg = amount < 0
            p.warn(neg & ~bad, "ENTRY_NEGATIVE_AMOUNT", self.col("amount_column"), lambda i: {"side": "débit" if is_d[i] else "crédit", "value": _fr(amount[i]), "other": "un crédit" if is_d[i] else "un débit", "abs_value": _fr(-amount[i])})
            signed = np.where(is_c, -amount, amount)
        p.warn((signed == 0) & ~empty & ~p.failed, "IMPORT_ZERO_AMOUNT", self.col("amount_column") or self.col("debit_column"), lambda i: {})
        self.signed = signed.astype(np.int64)
        if d.vat_on_line:
            vat, _, _ = self._amount("vat_column")
            if d.vat_sign is VatSign.SIGNED:  # as the line amounts: + debit, − credit
                self.vat = vat.astype(np.int64)
            elif d.vat_sign is VatSign.ALWAYS_POSITIVE:  # the line's side, whatever the sign
                self.vat = np.where(self.signed < 0, -np.abs(vat), np.abs(vat)).astype(np.int64)
            else:  # relative to its line: + same side, − opposite side
                self.vat = np.where(self.signed < 0, -vat, vat).astype(np.int64)
        else:
            self.vat = np.zeros(self.n, dtype=np.int64)

    def read_counter(self) -> None:
        d, p = self.d, self.p
        self.has_counter = np.zeros(self.n, dtype=bool)
        if d.counter_mode is not CounterMode.COLUMN:
            return
        number = self.text("counter_account_column")
        present = ~np_bool(pc.equal(number, ""))
        self.has_counter = present
        kind = self._kind_from_ranges(number) if d.ranges() else np.full(self.n, G, dtype=np.int8)
        kind = np.where((kind < 0) & is_pcg(number), G, kind).astype(np.int8)
        unknown = present & (kind < 0)
        if unknown.any():
            no = _obj(number)
            p.block(unknown, "IMPORT_ACCOUNT_TYPE_UNKNOWN", self.col("counter_account_column"), lambda i: {"value": no[i]})
        kind = np.where(kind < 0, G, kind).astype(np.int8)
        is_third = kind != G
        control = pc.if_else(pa.array(kind == D), d.customer_control_account, d.supplier_control_account)
        self.counter_ledger = pc.if_else(pa.array(is_third), control, number)
        self.counter_sub = pc.if_else(pa.array(is_third), number, "")
        self.counter_kind = kind
        bad = present & ~is_third & ~is_pcg(number)
        if bad.any():
            no = _obj(number)
            p.block(bad, "ACCOUNT_INVALID", self.col("counter_account_column"), lambda i: {"value": no[i]})

    def group_entries(self) -> None:
        """A new entry starts when the company or a boundary field changes (row order kept)."""
        d = self.d
        keys = [self.company]
        if Boundary.JOURNAL in d.boundaries:
            keys.append(self.journal)
        if Boundary.DATE in d.boundaries:
            keys.append(self.date_text)
        if Boundary.ENTRY_NUMBER in d.boundaries and "entry_number_column" in self.headers:
            keys.append(self.text("entry_number_column"))
        if Boundary.DOCUMENT in d.boundaries and "document_ref_column" in self.headers:
            keys.append(self.text("document_ref_column"))
        change = np.zeros(self.n, dtype=bool)
        change[0] = True
        if self.n > 1:
            for k in keys:
                change[1:] |= np_bool(pc.not_equal(k.slice(1), k.slice(0, self.n - 1)))
        self.row_entry = np.cumsum(change) - 1
        self.entry_start_row = np.flatnonzero(change)
        self.n_entries = len(self.entry_start_row)
        # an entry number seen again further down: lines of an entry must follow each other
        if "entry_number_column" in self.headers and Boundary.ENTRY_NUMBER in d.boundaries:
            num = self.text("entry_number_column")
            starts = pa.array(self.entry_start_row)
            frame = pd.DataFrame({"c": pc.take(self.company, starts), "j": pc.take(self.journal, starts), "n": pc.take(num, starts)})
            frame = frame[frame["n"] != ""]
            dup = frame.duplicated(keep="first")
            if dup.any():
                first = frame.drop_duplicates(keep="first").reset_index().set_index(["c", "j", "n"])["index"]
                for pos, rec in list(frame[dup].iterrows())[:MAX_ALERTS_PER_CODE]:
                    row = int(self.entry_start_row[pos])
                    f = int(self.entry_start_row[int(first[(rec["c"], rec["j"], rec["n"])])])
                    self.p.warnings.append(alert("IMPORT_ENTRY_NOT_CONTIGUOUS", sheet=self.raw.sheet, row=int(self.rows[row]), column=self.col("entry_number_column"), entry=rec["n"], journal=rec["j"], line=int(self.rows[row]), first=int(self.rows[f])))

    def expand_lines(self) -> None:
        """Lines of every row: the row, its counter line, its VAT line; fixed counter lines."""
        n = self.n
        ok = ~self.p.failed
        idx = np.arange(n, dtype=np.int64)
        main_first = np.ones(n, dtype=np.int8)
        parts_row = [idx]
        parts_sub = [main_first]
        parts_cents = [self.signed]
        parts_src = [np.zeros(n, dtype=np.int8)]  # 0 main, 1 counter, 2 vat, 3 fixed
        if self.d.counter_mode is CounterMode.COLUMN:
            c_idx = np.flatnonzero(self.has_counter & ok)
            # an invoice starts with the third party: put a third-party counter line first
            counter_first = (self.counter_kind[c_idx] != G) & (self.kind[c_idx] == G)
            parts_row.append(c_idx)
            parts_sub.append(np.where(counter_first, 0, 2).astype(np.int8))
            parts_cents.append(-(self.signed[c_idx] + self.vat[c_idx]))
            parts_src.append(np.full(len(c_idx), 1, dtype=np.int8))
        if self.d.vat_on_line:
            v_idx = np.flatnonzero((self.vat != 0) & ok)
            parts_row.append(v_idx)
            parts_sub.append(np.full(len(v_idx), 3, dtype=np.int8))
            parts_cents.append(self.vat[v_idx])
            parts_src.append(np.full(len(v_idx), 2, dtype=np.int8))
        row = np.concatenate(parts_row)
        sub = np.concatenate(parts_sub)
        cents = np.concatenate(parts_cents)
        src = np.concatenate(parts_src)
        if self.d.counter_mode is CounterMode.FIXED:
            entry = self.row_entry[row]
            net = np.zeros(self.n_entries, dtype=np.int64)
            np.add.at(net, entry, np.where(ok[row], cents, 0))
            need = np.flatnonzero(net != 0)
            last_row = np.append(self.entry_start_row[1:] - 1, n - 1)
            row = np.concatenate([row, last_row[need]])
            sub = np.concatenate([sub, np.full(len(need), 4, dtype=np.int8)])
            cents = np.concatenate([cents, -net[need]])
            src = np.concatenate([src, np.full(len(need), 3, dtype=np.int8)])
        order = np.lexsort((sub, row))
        self.l_row, self.l_cents, self.l_src = row[order], cents[order], src[order]
        self.l_entry = self.row_entry[self.l_row]

    def _line_accounts(self) -> tuple[pa.Array, pa.Array, np.ndarray]:
        """Ledger / subledger account and kind of every line."""
        take = pa.array(self.l_row)
        ledger = pc.take(self.ledger, take)
        sub = pc.take(self.sub, take)
        kind = self.kind[self.l_row]
        src = self.l_src
        if self.d.counter_mode is CounterMode.COLUMN:
            is_c = pa.array(src == 1)
            ledger = pc.if_else(is_c, pc.take(self.counter_ledger, take), ledger)
            sub = pc.if_else(is_c, pc.take(self.counter_sub, take), sub)
            kind = np.where(src == 1, self.counter_kind[self.l_row], kind)
        if self.d.vat_on_line:
            jk = self.journal_kind[self.l_row]
            purchases = np.where(jk == KIND_ORDER.index(JournalKind.PURCHASES), True, np.where(jk == KIND_ORDER.index(JournalKind.SALES), False, self.l_cents > 0))
            vat_acc = pc.if_else(pa.array(purchases), self.d.vat_account_purchases, self.d.vat_account)
            is_v = pa.array(src == 2)
            ledger = pc.if_else(is_v, vat_acc, ledger)
            sub = pc.if_else(is_v, "", sub)
            kind = np.where(src == 2, G, kind)
        if self.d.counter_mode is CounterMode.FIXED:
            is_f = pa.array(src == 3)
            ledger = pc.if_else(is_f, self.d.counter_account, ledger)
            sub = pc.if_else(is_f, "", sub)
            kind = np.where(src == 3, G, kind)
        return ledger, sub, kind.astype(np.int8)

    def check_entries(self) -> None:
        ne = self.n_entries
        # 1. a failing row rejects its entry
        failed = self.p.failed
        first_failed_row = np.full(ne, -1, dtype=np.int64)
        f_rows = np.flatnonzero(failed)
        # first failing row of each entry (rows are in order: keep the smallest)
        first_failed_row[self.row_entry[f_rows[::-1]]] = f_rows[::-1]
        self.bad_line_entry = first_failed_row >= 0
        self.first_failed_row = first_failed_row
        # 2. balance on the lines of entries whose rows all parsed
        starts = np.flatnonzero(np.r_[True, self.l_entry[1:] != self.l_entry[:-1]])
        entries_with_lines = self.l_entry[starts]
        sums = np.zeros(ne, dtype=np.int64)
        sums[entries_with_lines] = np.add.reduceat(self.l_cents, starts)
        self.unbalanced = (sums != 0) & ~self.bad_line_entry
        self.entry_sum = sums
        # 3. invoice order in purchase / sales journals
        ledger, sub, kind = self._line_accounts()
        self.l_ledger, self.l_sub, self.l_kind = ledger, sub, kind
        jk_entry = self.journal_kind[self.entry_start_row]
        invoice_j = np.isin(jk_entry, [KIND_ORDER.index(JournalKind.PURCHASES), KIND_ORDER.index(JournalKind.SALES)])
        first_line_third = np.zeros(ne, dtype=bool)
        first_line_third[entries_with_lines] = kind[starts] != G
        self.first_line_pos = np.full(ne, -1, dtype=np.int64)
        self.first_line_pos[entries_with_lines] = starts
        check = invoice_j & ~self.bad_line_entry & ~self.unbalanced
        self.not_third_first = check & ~first_line_third
        is_vat = np_bool(pc.starts_with(ledger, "445")) | (self.l_src == 2)
        is_revexp = np_bool(pc.match_substring_regex(ledger, r"^[67]")) & ~is_vat
        cv = np.cumsum(is_vat.astype(np.int64))
        start_of_line = np.repeat(starts, np.diff(np.r_[starts, len(self.l_entry)]))
        vat_before = cv - is_vat - (cv[start_of_line] - is_vat[start_of_line])
        wrong = is_revexp & (vat_before > 0)
        self.vat_first = np.zeros(ne, dtype=bool)
        self.vat_first_line = np.full(ne, -1, dtype=np.int64)
        w = np.flatnonzero(wrong)
        self.vat_first_line[self.l_entry[w[::-1]]] = w[::-1]
        self.vat_first = check & ~self.not_third_first & (self.vat_first_line >= 0)
        self.is_vat_line = is_vat
        # 4. generated VAT on the side its journal expects: opposite to the third party (deductible
        #    VAT a debit on a purchase invoice, collected VAT a credit on a sales invoice), else on
        #    the side of the revenue / expense lines; a credit note (third party on the other side)
        #    reverses it and is recognised as such
        self.vat_side_line = np.full(ne, -1, dtype=np.int64)
        generated = np.flatnonzero(self.l_src == 2)
        if len(generated):
            third_sum = np.zeros(ne, dtype=np.int64)
            np.add.at(third_sum, self.l_entry, np.where(kind != G, self.l_cents, 0))
            re_sum = np.zeros(ne, dtype=np.int64)
            np.add.at(re_sum, self.l_entry, np.where(is_revexp, self.l_cents, 0))
            expected = np.where(third_sum != 0, -np.sign(third_sum), np.sign(re_sum))
            e = self.l_entry[generated]
            wrong = invoice_j[e] & (expected[e] != 0) & (np.sign(self.l_cents[generated]) != expected[e])
            w = generated[wrong]
            self.vat_side_line[self.l_entry[w[::-1]]] = w[::-1]
        self.vat_side = check & ~self.not_third_first & ~self.vat_first & (self.vat_side_line >= 0)
        # 5. every line gets its labels; an account no label names rejects its entry
        self.compute_labels()
        empty = np_bool(pc.equal(self.l_ledger_label, ""))
        self.no_label_line = np.full(ne, -1, dtype=np.int64)
        w = np.flatnonzero(empty)
        self.no_label_line[self.l_entry[w[::-1]]] = w[::-1]
        self.no_label = ~self.bad_line_entry & ~self.unbalanced & ~self.not_third_first & ~self.vat_first & ~self.vat_side & (self.no_label_line >= 0)
        self.rejected_entry = self.bad_line_entry | self.unbalanced | self.not_third_first | self.vat_first | self.vat_side | self.no_label

    def compute_labels(self) -> None:
        """CompteLib of every line: the dossier FEC's label of the account, else the file's
        (« Libellé du compte » of a general account), else the PCG's (longest prefix); VAT and
        third-party lines fall back on « TVA … » / « Clients » / « Fournisseurs ». CompAuxLib:
        « Tiers » (or the dossier FEC), else the file's, else the code itself (warning)."""
        d, ctx = self.d, self.context
        take = pa.array(self.l_row)
        src, kind = self.l_src, self.l_kind
        ledger = self.l_ledger
        # the few candidate labels (per distinct account, and the defaults) in one array, each
        # line's choice as an integer computed with numpy, then one gather: no string column is
        # built per rule
        enc = pc.dictionary_encode(ledger)
        values = [str(v) for v in enc.dictionary.to_pylist()]
        u = len(values)
        fallback = [ctx.account_labels.get(v) or pcg_label(v) or "" for v in values]
        known = [ctx.account_labels.get(v) or "" for v in values]
        candidates = pa.array(fallback + known + ["TVA déductible", "TVA collectée", "Clients", "Fournisseurs"], pa.string())
        idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        has_fallback = np.array([v != "" for v in fallback] or [False], dtype=bool)[idx]
        has_known = np.array([v != "" for v in known] or [False], dtype=bool)[idx]
        choice = idx.copy()  # the account's label (dossier FEC, else PCG)
        own = (src == 0) & (kind == G) & ~np_bool(pc.equal(self.ledger_label, ""))[self.l_row]
        use_source = own & ~has_known  # the file's own label of a general account
        choice[own & has_known] += u  # the dossier FEC's label of that account comes first
        vat = src == 2
        if vat.any():
            purchases_vat = np.array([v == d.vat_account_purchases for v in values] or [False], dtype=bool)[idx]
            choice = np.where(vat, np.where(has_known, idx + u, np.where(purchases_vat, 2 * u, 2 * u + 1)), choice)
            use_source &= ~vat
        third = kind != G
        if third.any():
            choice = np.where(third, np.where(has_fallback, idx, np.where(kind == D, 2 * u + 2, 2 * u + 3)), choice)
            use_source &= ~third
        label = candidates.take(pa.array(choice))
        if use_source.any():
            label = pc.if_else(pa.array(use_source), pc.take(self.ledger_label, take), label)
        self.l_ledger_label = label
        sub = self.l_sub
        sub_source = pc.if_else(pa.array(src == 0), pc.take(self.sub_label, take), "")
        if ctx.party_labels:
            subs = pc.unique(sub)
            names = pa.array([ctx.party_labels.get(str(v)) or "" for v in subs.to_pylist()], pa.string())
            from_tiers = pc.take(names, pc.index_in(sub, value_set=subs))
            sub_label = pc.if_else(pc.equal(from_tiers, ""), sub_source, from_tiers)
        else:
            sub_label = sub_source
        no_name = np_bool(pc.and_(pc.not_equal(sub, ""), pc.equal(sub_label, "")))
        if no_name.any():
            self.sub_label_defaulted = no_name
            sub_label = pc.if_else(pa.array(no_name), sub, sub_label)
        else:
            self.sub_label_defaulted = None
        self.l_sub_label = sub_label

    # -- result ---------------------------------------------------------------
    def _entry_reason(self, e: int) -> Alert:
        d = self.d
        row0 = int(self.entry_start_row[e])
        journal = str(self.journal[row0].as_py())
        entry_label = self._entry_label(e)
        if self.bad_line_entry[e]:
            fr = int(self.first_failed_row[e])
            a = self.p.alert_for(fr)
            return alert("IMPORT_ENTRY_LINE_REJECTED", sheet=self.raw.sheet, row=int(self.rows[row0]), entry=entry_label, line=int(self.rows[fr]), reason=f"{a.code} : {a.message}")
        lines = self._lines_of(e)
        last_row = int(self.rows[int(self.l_row[lines[-1]])])
        if self.unbalanced[e]:
            c = self.l_cents[lines]
            deb, cred = int(c[c > 0].sum()), int(-c[c < 0].sum())
            return alert("IMPORT_ENTRY_UNBALANCED", sheet=self.raw.sheet, row=int(self.rows[row0]), entry=entry_label, journal=journal, first=int(self.rows[row0]), last=last_row, debit=_fr(deb), credit=_fr(cred), diff=_fr(deb - cred))
        if self.not_third_first[e]:
            pos = int(self.first_line_pos[e])
            kind = d.journal_kind(journal).value
            return alert("IMPORT_INVOICE_FIRST_LINE", sheet=self.raw.sheet, row=int(self.rows[row0]), entry=entry_label, journal=journal, kind=kind, account=str(self.l_ledger[pos].as_py()))
        if self.vat_side[e]:
            pos = int(self.vat_side_line[e])
            kind = d.journal_kind(journal).value
            return alert("IMPORT_VAT_SIDE", sheet=self.raw.sheet, row=int(self.rows[int(self.l_row[pos])]), entry=entry_label, journal=journal, kind=kind,
                         account=str(self.l_ledger[pos].as_py()), side="crédit" if self.l_cents[pos] < 0 else "débit",
                         expected="débit" if self.l_cents[pos] < 0 else "crédit", setting=d.vat_sign.value)
        if self.no_label[e]:
            pos = int(self.no_label_line[e])
            return alert("IMPORT_ACCOUNT_LABEL_UNKNOWN", sheet=self.raw.sheet, row=int(self.rows[int(self.l_row[pos])]), entry=entry_label, account=str(self.l_ledger[pos].as_py()))
        pos = int(self.vat_first_line[e])
        vat_pos = lines[self.is_vat_line[lines]][0]
        return alert("IMPORT_INVOICE_ORDER", sheet=self.raw.sheet, row=int(self.rows[int(self.l_row[pos])]), entry=entry_label, journal=journal, vat_account=str(self.l_ledger[int(vat_pos)].as_py()), account=str(self.l_ledger[pos].as_py()))

    def _lines_of(self, e: int) -> np.ndarray:
        lo = np.searchsorted(self.l_entry, e, side="left")
        hi = np.searchsorted(self.l_entry, e, side="right")
        return np.arange(lo, hi)

    def _entry_label(self, e: int) -> str:
        row0 = int(self.entry_start_row[e])
        parts = []
        if "entry_number_column" in self.headers:
            v = self.text("entry_number_column")[row0].as_py()
            if v:
                parts.append(f"n° {v}")
        if "document_ref_column" in self.headers:
            v = self.text("document_ref_column")[row0].as_py()
            if v:
                parts.append(f"pièce {v}")
        day = self.entry_date[row0]
        parts.append(f"du {pd.Timestamp(day).strftime('%d/%m/%Y')}" if not np.isnat(day) else f"du {self.date_text[row0].as_py()}")
        return " ".join(parts)

    def assemble(self) -> ImportResult:
        d = self.d
        rejected_entry = self.rejected_entry
        rejected_rows = np.flatnonzero(rejected_entry[self.row_entry])
        # reasons: a row's own problem, else its entry's
        entry_alerts: dict[int, Alert] = {}
        reasons: list[str] = []
        codes: list[str] = []
        failed = self.p.failed
        for i in rejected_rows:
            e = int(self.row_entry[i])
            if failed[i]:
                a = self.p.alert_for(int(i))
            else:
                a = entry_alerts.get(e)
                if a is None:
                    a = entry_alerts[e] = self._entry_reason(e)
            reasons.append(a.message)
            codes.append(a.code.value)
        alerts = self.p.all_alerts()
        # one alert per rejected entry that has no failing row of its own
        ent = [a for e, a in entry_alerts.items() if not self.bad_line_entry[e]]
        alerts += ent[:MAX_ALERTS_PER_CODE * 3]
        alerts += self.p.warnings
        # accepted lines
        keep = ~rejected_entry[self.l_entry]
        table = self._lines_table(keep)
        alerts += self._order_warnings()
        alerts += self._kind_order_warnings()
        if self.sub_label_defaulted is not None:
            # one warning per third-party code, at its first line (file order), the first
            # MAX_ALERTS_PER_CODE codes: column-wise, not a Python loop over every such line
            lines = np.flatnonzero(self.sub_label_defaulted & keep)
            if len(lines):
                enc = pc.dictionary_encode(self.l_sub.take(pa.array(lines)))
                _, first = np.unique(np.asarray(enc.indices.to_numpy(zero_copy_only=False)), return_index=True)
                first = np.sort(first)[:MAX_ALERTS_PER_CODE]
                party_codes = enc.dictionary.take(enc.indices.take(pa.array(first))).to_pylist()
                for i, code in zip(lines[first], party_codes):
                    alerts.append(alert("IMPORT_PARTY_LABEL_MISSING", sheet=self.raw.sheet, row=int(self.rows[int(self.l_row[int(i)])]), account=str(code)))
        summary = self._summary(rejected_rows, table, alerts, self.l_row[keep], self.l_cents[keep])
        return ImportResult(
            definition=d,
            table=table,
            rejected=rejected_rows.astype(np.int64),
            reasons=tuple(reasons),
            reason_codes=tuple(codes),
            alerts=tuple(alerts),
            summary=summary,
            source_rows=self.rows,
            usable=True,
            company_codes=self.company_idx[self.l_row[keep]],
            company_names=tuple(self.company_values),
        )

    def _lines_table(self, keep: np.ndarray) -> pa.Table:
        d = self.d
        sel = np.flatnonzero(keep)
        row = self.l_row[sel]
        take = pa.array(row)
        src = self.l_src[sel]
        cents = self.l_cents[sel]
        entry = self.l_entry[sel]
        journal = pc.take(self.journal, take)
        company = pc.take(self.company, take)
        # entry numbers: one per entry as rebuilt here, continuing each journal's sequence (never
        # the file's: a boundary setting or a number used twice would split or merge entries)
        starts = np.flatnonzero(np.r_[True, entry[1:] != entry[:-1]]) if len(entry) else np.array([], dtype=np.int64)
        counts = np.diff(np.r_[starts, len(entry)])
        if len(starts):
            cj = self.cj[row[starts]]
            seq = _rank_within(cj)
            keys, per_key = np.unique(cj, return_counts=True)
            # one series of numbers per (company, journal), concatenated in key order; entry e of
            # key k takes the number at offset[k] + its rank among the entries of k
            series = []
            for key, n_key in zip(keys, per_key):
                _, jcode, _ = self.cj_labels[int(key)]
                # no known sequence: « VT000001 »… (the journal code first: unique across the file,
                # as the tax office's tools group lines by EcritureNum alone)
                series.append(next_numbers_array(self.context.last_numbers.get(jcode) or f"{jcode}000000", int(n_key)))
            offset = np.zeros(int(cj.max()) + 1, dtype=np.int64)
            offset[keys] = np.r_[0, np.cumsum(per_key)[:-1]]
            number = pc.take(pa.concat_arrays(series).cast(pa.string()), pa.array(np.repeat(offset[cj] + seq, counts)))
        else:
            number = pa.array([], type=pa.string())
        document_ref = pc.take(self.text("document_ref_column"), take)
        label = pc.take(self.text("label_column"), take)
        if "entry_number_column" in self.headers:  # the source number is kept: in PieceRef, else in EcritureLib
            given = pc.take(self.text("entry_number_column"), take)
            no_ref = pc.equal(document_ref, "")
            document_ref = pc.if_else(no_ref, given, document_ref)
            other = pc.and_(pc.invert(no_ref), pc.and_(pc.not_equal(given, ""), pc.and_(pc.not_equal(given, document_ref), pc.not_equal(given, number))))
            if _any_true(other):
                suffix = pc.binary_join_element_wise(pa.scalar(" (n° "), given, pa.scalar(")"), "")
                label = pc.if_else(other, pc.binary_join_element_wise(label, suffix, ""), label)
        entry_date = self.entry_date[row]
        doc_date = entry_date if self.document_date is None else np.where(np.isnat(self.document_date[row]), entry_date, self.document_date[row])
        validated = np.full(len(row), np.datetime64(self.validated_on, "s"), dtype="datetime64[s]") if self.validated_on else entry_date
        sel_arr = pa.array(sel)
        ledger_label = self.l_ledger_label.take(sel_arr)
        sub_label = self.l_sub_label.take(sel_arr)
        l_ledger = self.l_ledger.take(sel_arr)
        l_sub = self.l_sub.take(sel_arr)
        jenc = pc.dictionary_encode(journal)
        defaults = pa.array([journal_label_for(str(v), self.d, self.context) for v in jenc.dictionary.to_pylist()], pa.string())
        journal_label = pc.take(defaults, jenc.indices)
        if "journal_label_column" in self.headers:  # the file's own JournalLib first
            given_label = pc.take(self.text("journal_label_column"), take)
            journal_label = pc.if_else(pc.equal(given_label, ""), journal_label, given_label)
        project = pc.take(self.text("project_column"), take)
        due = np.full(len(row), np.datetime64("NaT"), dtype="datetime64[s]") if self.due_date is None else np.where(src == 0, self.due_date[row], np.datetime64("NaT"))
        cols = {
            "journal_code": journal,
            "journal_label": journal_label,
            "entry_number": number,
            "entry_date": pa.array(entry_date, type=pa.timestamp("s")),
            "ledger_account": l_ledger,
            "ledger_account_label": ledger_label,
            "subledger_account": l_sub,
            "subledger_label": sub_label,
            "document_ref": document_ref,
            "document_date": pa.array(doc_date, type=pa.timestamp("s")),
            "label": label,
            "debit": pa.array(np.where(cents > 0, cents, 0)),
            "credit": pa.array(np.where(cents < 0, -cents, 0)),
            "lettering_code": empty_strings(len(row)),
            "lettered_on": pa.nulls(len(row), pa.timestamp("s")),
            "validated_on": pa.array(validated, type=pa.timestamp("s")),
            "foreign_amount": pa.nulls(len(row), pa.int64()),
            "currency": empty_strings(len(row)),
            "due_date": pa.array(due, type=pa.timestamp("s")),
            "source_row": pa.array(self.rows[row]),
            "company": company,
            "project": project,
        }
        return pa.table({c: cols[c] for c in list(COLUMNS) + ["company", "project"]})

    def _order_warnings(self) -> list[Alert]:
        """Bank entries before purchase / sales entries of the same company and month (numpy,
        one warning per such (company, month), in company then month order)."""
        ok = ~self.rejected_entry
        starts = self.entry_start_row[ok]
        starts = starts[~np.isnat(self.entry_date[starts])]  # (an accepted entry always has its date)
        if not len(starts):
            return []
        kinds = self.journal_kind[starts]
        bank = kinds == KIND_ORDER.index(JournalKind.BANK)
        inv = np.isin(kinds, [KIND_ORDER.index(JournalKind.PURCHASES), KIND_ORDER.index(JournalKind.SALES)])
        if not bank.any() or not inv.any():
            return []
        month = self.entry_date[starts].astype("datetime64[M]").astype(np.int64)
        company = self.company_idx[starts].astype(np.int64)
        # one group per (company, month), numbered in that order
        span = int(month.max() - month.min()) + 1
        key = company * span + (month - month.min())
        groups, group = np.unique(key, return_inverse=True)
        pos = np.arange(len(starts), dtype=np.int64)
        first_bank = np.full(len(groups), len(starts), dtype=np.int64)
        np.minimum.at(first_bank, group[bank], pos[bank])
        last_inv = np.full(len(groups), -1, dtype=np.int64)
        np.maximum.at(last_inv, group[inv], pos[inv])
        late = np.flatnonzero((last_inv >= 0) & (first_bank < len(starts)) & (first_bank < last_inv))
        if not len(late):
            return []
        cjs = self.cj[starts]

        def names(mask: np.ndarray, g: int) -> str:
            return ", ".join(sorted({self.cj_labels[int(k)][1] for k in np.unique(cjs[mask & (group == g)])}))

        out = []
        for g in late:
            m = int(month[first_bank[g]])
            row = int(self.rows[int(starts[first_bank[g]])])
            c = int(company[first_bank[g]])
            out.append(alert("IMPORT_ORDER_BANK_BEFORE_INVOICES", sheet=self.raw.sheet, row=row, company=self.company_values[c] or "(courante)",
                             period=f"{m % 12 + 1:02d}/{1970 + m // 12}", bank=names(bank, g), invoices=names(inv, g)))
        return out

    def _kind_order_warnings(self) -> list[Alert]:
        """The seed's import order (opening balance, purchases, sales, bank, other), per
        company: entries of one kind after entries of a kind that should follow them. Bank
        entries before invoices of the same month have their own warning (above)."""
        ok = ~self.rejected_entry
        starts = self.entry_start_row[ok]
        if not len(starts):
            return []
        kinds = self.journal_kind[starts]
        companies = self.company_idx[starts]
        bank, purchases, sales = (KIND_ORDER.index(k) for k in (JournalKind.BANK, JournalKind.PURCHASES, JournalKind.SALES))
        out: list[Alert] = []
        for c in np.unique(companies):
            at = np.flatnonzero(companies == c)
            k = kinds[at]
            later_max = np.maximum.accumulate(k)  # the « latest » kind seen so far, in file order
            prior = np.r_[-1, later_max[:-1]]
            late = np.flatnonzero(k < prior)
            # IMPORT_ORDER_BANK_BEFORE_INVOICES says « invoices after bank » per month
            late = late[~(np.isin(k[late], (purchases, sales)) & (prior[late] == bank))]
            # one warning per (kind, kind it follows): the first entry in file order
            _, first = np.unique(k[late].astype(np.int64) * 1000 + prior[late], return_index=True)
            for i in late[np.sort(first)]:
                kind, after = int(k[i]), int(prior[i])
                row0 = int(starts[at[i]])
                out.append(alert("IMPORT_ORDER_KIND", sheet=self.raw.sheet, row=int(self.rows[row0]), company=self.company_values[int(c)] or "(courante)",
                                 kind=KIND_ORDER[kind].value, after=KIND_ORDER[after].value, journal=str(self.journal[row0].as_py()),
                                 reason=ORDER_REASONS[KIND_ORDER[kind]]))
        return out

    def _summary(self, rejected_rows: np.ndarray, table: pa.Table, alerts: list[Alert], kept_rows: np.ndarray, kept_cents: np.ndarray) -> ImportSummary:
        n, k = self.n, len(self.cj_labels)
        rejected = np.zeros(n, dtype=bool)
        rejected[rejected_rows] = True
        read = np.bincount(self.cj, minlength=k)
        rej = np.bincount(self.cj[rejected_rows], minlength=k)
        e_cj = self.cj[self.entry_start_row]
        ent_all = np.bincount(e_cj, minlength=k)
        ent_rej = np.bincount(e_cj[self.rejected_entry], minlength=k)
        l_cj = self.cj[kept_rows]
        written = np.bincount(l_cj, minlength=k)
        deb = _exact_bincount(l_cj, np.where(kept_cents > 0, kept_cents, 0), k)
        cred = _exact_bincount(l_cj, np.where(kept_cents < 0, -kept_cents, 0), k)
        rows = []
        for key in sorted(range(k), key=lambda i: (self.cj_labels[i][0], self.cj_labels[i][2], self.cj_labels[i][1])):
            company, journal, kind = self.cj_labels[key]
            rows.append(
                JournalSummary(
                    company=company,
                    journal=journal,
                    journal_kind=KIND_ORDER[kind],
                    lines_read=int(read[key]),
                    lines_rejected=int(rej[key]),
                    lines_accepted=int(read[key] - rej[key]),
                    entries_accepted=int(ent_all[key] - ent_rej[key]),
                    entries_rejected=int(ent_rej[key]),
                    lines_written=int(written[key]),
                    debit_cents=int(deb[key]),
                    credit_cents=int(cred[key]),
                )
            )
        blocking = sum(1 for a in alerts if a.is_blocking)
        return ImportSummary(
            lines_read=n,
            lines_accepted=int(n - rejected.sum()),
            lines_rejected=int(rejected.sum()),
            entries_accepted=int((~self.rejected_entry).sum()),
            entries_rejected=int(self.rejected_entry.sum()),
            lines_written=table.num_rows,
            blocking=blocking,
            warnings=len(alerts) - blocking,
            by_journal=tuple(rows),
        )


def _exact_bincount(keys: np.ndarray, cents: np.ndarray, k: int) -> list[int]:
    """Per-key sums of non-negative cents as Python ints (no int64 overflow: the high and low
    32-bit halves are summed apart)."""
    high = np.zeros(k, dtype=np.int64)
    low = np.zeros(k, dtype=np.int64)
    np.add.at(high, keys, cents >> 32)
    np.add.at(low, keys, cents & 0xFFFFFFFF)
    return [(int(h) << 32) + int(lo) for h, lo in zip(high, low)]


def _any_true(mask) -> bool:
    return bool(pc.any(mask).as_py()) if len(mask) else False


def journal_label_for(code: str, d: ImportDefinition, context: ImportContext) -> str:
    return journal_label(code, d.journal_kind(code), context)


def _rank_within(keys: np.ndarray) -> np.ndarray:
    """0-based rank of each element among the equal keys before it (stable, vectorised)."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    group_start = np.r_[True, sk[1:] != sk[:-1]]
    start_pos = np.maximum.accumulate(np.where(group_start, np.arange(len(sk)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(sk)) - start_pos
    return rank
