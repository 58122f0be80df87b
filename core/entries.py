"""Accounting entries (écritures) ⇄ ledger frames, and their balance check.

Generated entries (payments, transfers, imports) become ledger rows with
``entries_to_frame`` so that the FEC writer and the « Écritures » sheet share one path.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.ledger import COLUMNS, DATE_COLUMNS, empty_frame
from reglo.core.models import Entry
from reglo.core.money import format_fr


def check_entry(entry: Entry, *, sheet: str | None = None) -> list[Alert]:
    """A blocking alert when the entry does not balance (on its first source row)."""
    if entry.is_balanced:
        return []
    return [
        alert(
            "ENTRY_UNBALANCED",
            sheet=sheet,
            row=entry.source_row if entry.source_row is not None else (entry.lines[0].source_row if entry.lines else None),
            entry=entry.entry_number or entry.document_ref,
            debit=format_fr(entry.total_debit),
            credit=format_fr(entry.total_credit),
            diff=format_fr(entry.total_debit - entry.total_credit),
        )
    ]


def number_entries(entries: list[Entry], *, start: int = 1, prefix: str = "") -> list[Entry]:
    """Give entries without a number a continuous one (per call), keeping the order."""
    out, n = [], start
    for e in entries:
        if e.entry_number:
            out.append(e)
        else:
            out.append(e.model_copy(update={"entry_number": f"{prefix}{n}"}))
            n += 1
    return out


def entries_to_frame(entries: list[Entry], *, validated_on: date | None = None, account_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Ledger rows (``reglo.core.ledger.COLUMNS``) for entries, in order, ready for ``write_fec``."""
    labels = account_labels or {}
    columns: dict[str, list] = {c: [] for c in _ENTRY_FIELDS}
    add = [columns[c].append for c in _ENTRY_FIELDS]
    for e in entries:
        for l in e.lines:
            values = (e.journal_code, e.journal_label, e.entry_number, e.entry_date, l.ledger_account,
                      l.ledger_account_label or labels.get(l.ledger_account, ""), l.subledger_account, l.subledger_label, e.document_ref,
                      e.document_date or e.entry_date, l.label or e.label, int(l.debit * 100), int(l.credit * 100), l.lettering_code,
                      l.lettered_on, validated_on or e.entry_date, None, "", l.due_date,
                      l.source_row if l.source_row is not None else (e.source_row or 0))
            for f, v in zip(add, values):
                f(v)
    if not columns["journal_code"]:
        return empty_frame()
    df = pd.DataFrame(columns)  # one list per column: the same dtypes as one dict per row, without the per-row cost
    for col in DATE_COLUMNS:
        df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")
    df["foreign_amount"] = df["foreign_amount"].astype("Int64")
    for col in ("debit", "credit", "source_row"):
        df[col] = df[col].astype("int64")
    for col in COLUMNS:
        if df[col].dtype == object:
            df[col] = df[col].fillna("").astype("str")
    return df[list(COLUMNS)]


_ENTRY_FIELDS = ("journal_code", "journal_label", "entry_number", "entry_date", "ledger_account", "ledger_account_label", "subledger_account",
                 "subledger_label", "document_ref", "document_date", "label", "debit", "credit", "lettering_code", "lettered_on", "validated_on",
                 "foreign_amount", "currency", "due_date", "source_row")


# ---------------------------------------------------------------------------
# labels of generated entries (JournalLib, CompteLib, CompAuxLib)
# ---------------------------------------------------------------------------

#: Default CompteLib by account prefix (Plan comptable général), longest prefix wins.
PCG_LABELS: dict[str, str] = {
    "401": "Fournisseurs",
    "403": "Fournisseurs - Effets à payer",
    "404": "Fournisseurs d'immobilisations",
    "408": "Fournisseurs - Factures non parvenues",
    "409": "Fournisseurs débiteurs",
    "411": "Clients",
    "413": "Clients - Effets à recevoir",
    "416": "Clients douteux ou litigieux",
    "419": "Clients créditeurs",
    "421": "Personnel - Rémunérations dues",
    "467": "Divers comptes débiteurs et produits à recevoir",
    "471": "Comptes d'attente",
    "511": "Valeurs à l'encaissement",
    "512": "Banque",
    "530": "Caisse",
    "580": "Virements internes",
    "627": "Services bancaires et assimilés",
    "658": "Pénalités et autres charges",
    "758": "Indemnités et autres produits",
}


def default_account_label(account: str) -> str:
    """The PCG label of the longest known prefix of ``account`` (« Compte <n> » otherwise)."""
    for n in range(len(account), 0, -1):
        label = PCG_LABELS.get(account[:n])
        if label:
            return label
    return f"Compte {account}" if account else ""


def _most_frequent(keys: pd.Series, labels: pd.Series) -> dict[str, str]:
    mask = (keys != "") & (labels.str.strip() != "")
    if not mask.any():
        return {}
    counts = pd.DataFrame({"k": keys[mask], "l": labels[mask]}).value_counts(sort=False).reset_index(name="n")
    counts = counts.sort_values(["k", "n", "l"], ascending=[True, False, True], kind="stable").drop_duplicates("k")
    return dict(zip(counts["k"], counts["l"]))


def ledger_labels(ledger: pd.DataFrame | None) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Most frequent label per journal, general account and auxiliary account of a ledger."""
    if ledger is None or ledger.empty:
        return {}, {}, {}
    return (
        _most_frequent(ledger["journal_code"], ledger["journal_label"]),
        _most_frequent(ledger["ledger_account"], ledger["ledger_account_label"]),
        _most_frequent(ledger["subledger_account"], ledger["subledger_label"]),
    )


def fill_labels(
    frame: pd.DataFrame,
    *,
    ledger: pd.DataFrame | None = None,
    journal_labels: dict[str, str] | None = None,
    party_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Generated entries with JournalLib, CompteLib and CompAuxLib filled (a new frame).

    * JournalLib: ``journal_labels`` (the dossier's « Banques » sheet), else the label the
      entry carries, else the ledger's, else the journal code;
    * CompteLib: the ledger's most frequent label for the account, else the entry's, else
      the PCG default (411 « Clients », 401 « Fournisseurs », 512 « Banque »…);
    * CompAuxLib (auxiliary lines only): the ledger's most frequent label for the auxiliary
      account, else the party's legal name (``party_names``), else the entry's, else CompteLib.
    """
    out = frame.copy()
    if out.empty:
        return out
    led_j, led_a, led_s = ledger_labels(ledger)
    given_j = {k: v for k, v in (journal_labels or {}).items() if k and v}
    names = {k: v for k, v in (party_names or {}).items() if k and v}
    out["journal_label"] = [
        given_j.get(c) or cur or led_j.get(c) or c for c, cur in zip(out["journal_code"].tolist(), out["journal_label"].tolist())
    ]
    out["ledger_account_label"] = [
        led_a.get(a) or cur or default_account_label(a) for a, cur in zip(out["ledger_account"].tolist(), out["ledger_account_label"].tolist())
    ]
    out["subledger_label"] = [
        "" if not s else (led_s.get(s) or names.get(s) or cur or acc_label)
        for s, cur, acc_label in zip(out["subledger_account"].tolist(), out["subledger_label"].tolist(), out["ledger_account_label"].tolist())
    ]
    for col in ("journal_label", "ledger_account_label", "subledger_label"):
        out[col] = out[col].astype(frame[col].dtype)
    return out


# ---------------------------------------------------------------------------
# lettering the invoices a generated entry pays (payments, transfers)
# ---------------------------------------------------------------------------

class Settlement(BaseModel):
    """Invoice line(s) of the ledger and the generated line(s) that pay them, on one account.

    ``ledger_rows``: ``source_row`` of the invoice lines in the ledger frame;
    ``entry_rows``: positions (0-based) of the paying lines in the entries frame.
    """

    model_config = ConfigDict(frozen=True)

    account: str  # account key: auxiliary account when present, else general account
    ledger_rows: tuple[int, ...]
    entry_rows: tuple[int, ...]
    reason: str = ""


class LetteredLine(BaseModel):
    """One line of the ledger lettered by a settlement (for the « Lettrage » sheet)."""

    model_config = ConfigDict(frozen=True)

    account: str
    subledger_account: str
    ledger_account: str
    document_ref: str
    entry_date: date | None
    debit: Decimal
    credit: Decimal
    code: str
    fec_line: int  # line of the lettered copy of the ledger
    generated: bool  # a line of the new entries (else a line of the dossier ledger)
    partial: bool
