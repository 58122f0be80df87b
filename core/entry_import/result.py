"""What an import returns: accepted lines (column-wise), rejected rows with reasons, summary."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert
from reglo.core.entry_import.definition import ImportDefinition, JournalKind
from reglo.core.ledger import COLUMNS, DATE_COLUMNS, as_date, empty_frame
from reglo.core.models import Entry, EntryLine
from reglo.core.money import cents_to_money, format_display


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JournalSummary(_Model):
    """Counts of one company and journal (lines read = accepted + rejected)."""

    company: str
    journal: str
    journal_kind: JournalKind
    lines_read: int
    lines_accepted: int
    lines_rejected: int
    entries_accepted: int
    entries_rejected: int
    lines_written: int  # output lines (VAT and counter lines included)
    debit_cents: int
    credit_cents: int


class ImportSummary(_Model):
    lines_read: int
    lines_accepted: int
    lines_rejected: int
    entries_accepted: int
    entries_rejected: int
    lines_written: int
    blocking: int
    warnings: int
    by_journal: tuple[JournalSummary, ...] = ()

    def lines_fr(self) -> list[str]:
        """The summary in French, one line per company and journal."""
        out = [
            f"{_n(self.lines_read, 'ligne lue', 'lignes lues')} = {_n(self.lines_accepted, 'acceptée')} + {_n(self.lines_rejected, 'rejetée')} ; "
            f"{_n(self.entries_accepted, 'écriture importée', 'écritures importées')} ({_n(self.lines_written, 'ligne écrite', 'lignes écrites')}), "
            f"{_n(self.entries_rejected, 'écriture rejetée', 'écritures rejetées')} ; "
            f"{_n(self.blocking, 'alerte bloquante', 'alertes bloquantes')}, {_n(self.warnings, 'avertissement')}."
        ]
        for j in self.by_journal:
            out.append(
                f"  Société {j.company or '(courante)'} · journal {j.journal or '(sans journal)'} ({j.journal_kind.value}) : {_n(j.lines_read, 'lue')}, "
                f"{_n(j.lines_accepted, 'acceptée')}, {_n(j.lines_rejected, 'rejetée')} ; {_n(j.entries_accepted, 'écriture')}, "
                f"débit {format_display(cents_to_money(j.debit_cents))} = crédit {format_display(cents_to_money(j.credit_cents))}."
            )
        return out


def _n(count: int, singular: str, plural: str | None = None) -> str:
    """French count: « 1 écriture », « 2 écritures », « 0 avertissement »."""
    return f"{count} {singular if count <= 1 else (plural or singular + 's')}"


class Rejection(_Model):
    """One rejected input row and why (built on demand)."""

    position: int  # 0-based position in the input rows
    source_row: int
    code: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """Accepted lines as a pyarrow table (``reglo.core.ledger.COLUMNS`` + ``company``), in input order."""

    definition: ImportDefinition
    table: pa.Table
    rejected: np.ndarray  # positions of rejected input rows, ascending (original order)
    reasons: tuple[str, ...]  # French reason per rejected row
    reason_codes: tuple[str, ...]
    alerts: tuple[Alert, ...]
    summary: ImportSummary
    source_rows: np.ndarray
    usable: bool = True
    # per accepted line, its company as an index into ``company_names`` (the engine's own
    # encoding, ``None`` when not known): the companies and their latest dates without encoding
    # the company strings of every line again
    company_codes: np.ndarray | None = field(default=None, compare=False, repr=False)
    company_names: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def unusable(cls, d: ImportDefinition, alerts: list[Alert], rows: np.ndarray) -> "ImportResult":
        return cls(d, _empty_table(), np.array([], dtype=np.int64), (), (), tuple(alerts), ImportSummary(lines_read=0, lines_accepted=0, lines_rejected=0, entries_accepted=0, entries_rejected=0, lines_written=0, blocking=len(alerts), warnings=0), rows, usable=False)

    @classmethod
    def empty(cls, d: ImportDefinition, rows: np.ndarray) -> "ImportResult":
        return cls(d, _empty_table(), np.array([], dtype=np.int64), (), (), (), ImportSummary(lines_read=0, lines_accepted=0, lines_rejected=0, entries_accepted=0, entries_rejected=0, lines_written=0, blocking=0, warnings=0), rows)

    def companies(self) -> list[str]:
        """Companies of the accepted lines, in order of first appearance."""
        if self.table.num_rows == 0:
            return []
        codes = self.line_company_codes()
        if codes is not None:
            starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])  # runs: a company's lines are mostly together
            values, first = np.unique(codes[starts], return_index=True)
            return [self.company_names[int(c)] for c in values[np.argsort(first)]]
        import pyarrow.compute as pc

        return [str(v) for v in pc.unique(self.table["company"]).to_pylist()]

    def line_company_codes(self) -> np.ndarray | None:
        """``company_codes`` when it matches the table (else ``None``: encode the strings)."""
        codes = self.company_codes
        if codes is None or len(codes) != self.table.num_rows:
            return None
        return codes

    def company_table(self, company: str | None = None) -> pa.Table:
        if company is None:
            return self.table
        import pyarrow.compute as pc

        return self.table.filter(pc.equal(self.table["company"], company))

    def frame(self, company: str | None = None) -> pd.DataFrame:
        """Accepted lines as a ledger frame (``reglo.core.ledger.COLUMNS``)."""
        return table_to_frame(self.company_table(company))

    def rejections(self) -> list[Rejection]:
        return [Rejection(position=int(p), source_row=int(self.source_rows[p]), code=c, reason=r) for p, c, r in zip(self.rejected, self.reason_codes, self.reasons)]

    def entries(self, company: str | None = None) -> list[Entry]:
        """Accepted entries as pydantic models (for small imports and tests)."""
        frame = self.frame(company)
        out: list[Entry] = []
        if frame.empty:
            return out
        companies = self.company_table(company)["company"].to_pandas().reset_index(drop=True)
        keys = (companies + "\x00" + frame["journal_code"] + "\x00" + frame["entry_number"] + "\x00" + frame["entry_date"].astype("str")).to_numpy()
        change = np.r_[True, keys[1:] != keys[:-1]]
        group = np.cumsum(change)
        for _, part in frame.groupby(group, sort=False):
            first = part.iloc[0]
            lines = tuple(
                EntryLine(
                    ledger_account=r["ledger_account"],
                    subledger_account=r["subledger_account"],
                    subledger_label=r["subledger_label"],
                    ledger_account_label=r["ledger_account_label"],
                    label=r["label"],
                    debit=cents_to_money(int(r["debit"])),
                    credit=cents_to_money(int(r["credit"])),
                    due_date=as_date(r["due_date"]),
                    source_row=int(r["source_row"]),
                )
                for r in part.to_dict("records")
            )
            out.append(
                Entry(
                    journal_code=first["journal_code"],
                    journal_label=first["journal_label"],
                    entry_number=first["entry_number"],
                    entry_date=as_date(first["entry_date"]),
                    document_ref=first["document_ref"],
                    document_date=as_date(first["document_date"]),
                    label=first["label"],
                    lines=lines,
                    source_row=int(first["source_row"]),
                )
            )
        return out


def _empty_table() -> pa.Table:
    frame = empty_frame()
    frame["company"] = pd.Series([], dtype="str")
    frame["project"] = pd.Series([], dtype="str")
    return pa.Table.from_pandas(frame, preserve_index=False)


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """pyarrow lines → ledger frame with the dtypes of ``reglo.core.ledger``."""
    if table.num_rows == 0:
        return empty_frame()
    frame = table.select(list(COLUMNS)).to_pandas()
    for col in DATE_COLUMNS:
        frame[col] = frame[col].astype("datetime64[s]")
    frame["foreign_amount"] = frame["foreign_amount"].astype("Int64")
    for col in ("debit", "credit", "source_row"):
        frame[col] = frame[col].astype("int64")
    return frame
