"""Accounting entries (écritures) ⇄ ledger frames, and their balance check.

Generated entries (payments, transfers, imports) become ledger rows with
``entries_to_frame`` so that the FEC writer and the « Écritures » sheet share one path.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
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
    rows = []
    for e in entries:
        for l in e.lines:
            rows.append(
                {
                    "journal_code": e.journal_code,
                    "journal_label": e.journal_label,
                    "entry_number": e.entry_number,
                    "entry_date": e.entry_date,
                    "ledger_account": l.ledger_account,
                    "ledger_account_label": l.ledger_account_label or labels.get(l.ledger_account, ""),
                    "subledger_account": l.subledger_account,
                    "subledger_label": l.subledger_label,
                    "document_ref": e.document_ref,
                    "document_date": e.document_date or e.entry_date,
                    "label": l.label or e.label,
                    "debit": int(l.debit * 100),
                    "credit": int(l.credit * 100),
                    "lettering_code": l.lettering_code,
                    "lettered_on": l.lettered_on,
                    "validated_on": validated_on or e.entry_date,
                    "foreign_amount": None,
                    "currency": "",
                    "due_date": l.due_date,
                    "source_row": l.source_row if l.source_row is not None else (e.source_row or 0),
                }
            )
    if not rows:
        return empty_frame()
    df = pd.DataFrame(rows)
    for col in DATE_COLUMNS:
        df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")
    df["foreign_amount"] = df["foreign_amount"].astype("Int64")
    for col in ("debit", "credit", "source_row"):
        df[col] = df[col].astype("int64")
    for col in COLUMNS:
        if df[col].dtype == object:
            df[col] = df[col].fillna("").astype("str")
    return df[list(COLUMNS)]


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
    "467": "Autres comptes débiteurs ou créditeurs",
    "471": "Comptes d'attente",
    "511": "Valeurs à l'encaissement",
    "512": "Banque",
    "530": "Caisse",
    "580": "Virements internes",
    "627": "Services bancaires et assimilés",
    "658": "Charges diverses de gestion courante",
    "758": "Produits divers de gestion courante",
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


@dataclass
class SettlementLettering:
    """``letter_settlements``' result."""

    ledger: pd.DataFrame  # ledger + entries appended, renumbered (source_row = line of the written FEC), lettered
    entries: pd.DataFrame  # the entries frame with the codes set
    run: Any  # reglo.core.lettering.LetteringRun (for ``reglo letter --undo-last``)
    lines: list[LetteredLine]
    codes: list[str]  # code per settlement, aligned with the input ("" when not lettered)
    alerts: list[Alert]


def letter_settlements(
    ledger: pd.DataFrame,
    entries: pd.DataFrame,
    settlements: list[Settlement],
    *,
    run_id: str,
    created_at: str = "",
    first_line: int = 2,
    partial: bool = False,
) -> SettlementLettering:
    """Append ``entries`` to ``ledger`` and letter each settlement on both sides.

    Lines are renumbered ``first_line``… (the FEC header is line 1) so that the lettering run
    names the lines of the written copy. Each settlement's group is its invoice lines, the
    ledger lines already partially lettered with them (lower-case code), and its paying
    lines. A group that balances gets the next free upper-case code of its account (after the
    highest code in use, ``reglo.core.lettering.next_codes``). A group where the invoices keep an
    open balance (a part payment) is not lettered — or, with ``partial=True``, gets a
    lower-case code (the partial lettering convention of ``reglo.core.lettering``); a group that
    would leave more paid than due, or whose invoice line is already lettered in full, is not
    lettered. The codes are applied through
    ``reglo.core.lettering.apply_lettering``, whose run is returned for undo.
    """
    from reglo.core.lettering import LetteringGroup, LetteringProposal, Rule, apply_lettering, next_codes
    from reglo.core.lettering.engine import account_keys

    n0 = len(ledger)
    combined = pd.concat([ledger, entries[ledger.columns] if not entries.empty else entries], ignore_index=True) if not ledger.empty else entries.reset_index(drop=True).copy()
    if not ledger.empty and not entries.empty:
        for col in ledger.columns:
            if combined[col].dtype != ledger[col].dtype:
                combined[col] = combined[col].astype(ledger[col].dtype)
    old_rows = ledger["source_row"].to_numpy() if n0 else np.array([], dtype="int64")
    new_rows = np.arange(first_line, first_line + len(combined), dtype="int64")
    combined["source_row"] = new_rows
    row_of = dict(zip(old_rows.tolist(), new_rows[:n0].tolist()))
    key = account_keys(combined)
    codes = combined["lettering_code"].to_numpy(dtype=object)
    signed = (combined["debit"] - combined["credit"]).to_numpy()
    in_use: dict[str, set[str]] = {}
    for acc, c in zip(key[codes != ""].tolist(), codes[codes != ""].tolist()):
        in_use.setdefault(acc, set()).add(c.upper())
    groups: list[LetteringGroup] = []
    setl_codes = [""] * len(settlements)
    taken_rows: set[int] = set()
    for i, s in enumerate(settlements):
        inv_pos = [row_of[r] - first_line for r in s.ledger_rows if r in row_of]
        pay_pos = [n0 + p for p in s.entry_rows if 0 <= p < len(entries)]
        if not inv_pos or not pay_pos or len(inv_pos) != len(s.ledger_rows) or any(key[p] != s.account for p in inv_pos + pay_pos):
            continue
        inv_codes = {codes[p] for p in inv_pos}
        if any(c and not c.islower() for c in inv_codes):  # already lettered in full
            continue
        partner = [int(p) for p in np.flatnonzero((key == s.account) & np.isin(codes, [c for c in inv_codes if c]))] if any(inv_codes) else []
        pos = sorted(set(inv_pos) | set(partner) | set(pay_pos))
        if taken_rows & set(pos):
            continue
        total = int(signed[pos].sum())
        invoice_side = int(np.sign(signed[inv_pos].sum()))
        if total != 0 and (int(np.sign(total)) != invoice_side or not partial):  # part payment, or paid more than due
            continue
        used = in_use.setdefault(s.account, set())
        code = next(next_codes(used))
        used.add(code)
        is_partial = total != 0
        if is_partial:
            code = code.lower()
        taken_rows |= set(pos)
        setl_codes[i] = code
        debit = int(combined["debit"].to_numpy()[pos].sum())
        credit = int(combined["credit"].to_numpy()[pos].sum())
        groups.append(LetteringGroup(
            group_id=len(groups), account=s.account, ledger_account=str(combined["ledger_account"].iat[inv_pos[0]]), code=code,
            rows=tuple(int(new_rows[p]) for p in pos), rule=Rule.PARTIAL if is_partial else Rule.REFERENCE,
            reason=s.reason or "Règlement généré par Reglo", confidence=100, partial=is_partial,
            open_amount=Decimal(total) / 100, total_debit=Decimal(debit) / 100, total_credit=Decimal(credit) / 100,
        ))
    proposal = LetteringProposal(groups=tuple(groups))
    res = apply_lettering(combined, proposal, run_id=run_id, created_at=created_at)
    applied = {g.group_id: g.code for g in res.applied}
    by_group = iter(range(len(groups)))
    for i, c in enumerate(setl_codes):
        if c:
            setl_codes[i] = applied.get(next(by_group), "")
    out = res.frame
    lines: list[LetteredLine] = []
    lettered_rows = {r: g.code for g in res.run.groups for r in g.rows}
    for p in np.flatnonzero(out["source_row"].isin(list(lettered_rows)).to_numpy()).tolist():
        r = out.iloc[p]
        lines.append(LetteredLine(
            account=str(key[p]), subledger_account=str(r["subledger_account"]), ledger_account=str(r["ledger_account"]),
            document_ref=str(r["document_ref"]), entry_date=None if pd.isna(r["entry_date"]) else pd.Timestamp(r["entry_date"]).date(),
            debit=Decimal(int(r["debit"])) / 100, credit=Decimal(int(r["credit"])) / 100, code=lettered_rows[int(r["source_row"])],
            fec_line=int(r["source_row"]), generated=p >= n0, partial=lettered_rows[int(r["source_row"])].islower(),
        ))
    new_entries = entries.copy()
    if not entries.empty:
        tail = out.iloc[n0:]
        new_entries["lettering_code"] = tail["lettering_code"].to_numpy()
        new_entries["lettered_on"] = tail["lettered_on"].to_numpy()
    return SettlementLettering(out, new_entries, res.run, lines, setl_codes, list(res.alerts))
