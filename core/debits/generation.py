"""Generation building blocks: collection date, identifiers, file name, label, the pain.008
batch, treasury entries, register lines, pre-notification and slip rows.

* collection date (S-D2, S-D4, S-D6): the requested date (default today), never earlier than
  the bank's lead time (``lead_days`` T2 business days after today), moved to the next T2
  business day;
* file name: ``Pre`` + AAMMJJ + HHMM + treasury journal code, ``-2``, ``-3``… when taken;
  a test file's name and MsgId start with ``TEST``;
* one ``PmtInf`` per (collection date, sequence type, scheme) (S-G2); ``BtchBookg`` true for
  « Global », false for « Unitaire » (S-G3);
* entries (S-G4) in the bank's journal: customer credit per collected invoice, bank debit per
  ``PmtInf`` (Global) or per customer (Unitaire), one entry per bank movement — or one entry
  for all of them with « Regrouper les prélèvements »;
* counterparty label ≤ 31 characters with the dynamic fields {DATE} {JOUR} {MOIS} {ANNEE}
  {PIECE} {RAISON_SOCIALE} {LIBELLE_COMPTE}; default: piece number + invoice label.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert
from reglo.core.debits.models import KIND, CollectedPart, total
from reglo.core.models import Entry, EntryLine, Mandate
from reglo.core.money import ZERO, to_cents
from reglo.core.outcome import RegisterLineDraft
from reglo.core.writers import sepa_text as st
from reglo.core.writers.calendar import is_business_day, next_business_day
from reglo.core.writers.pain008 import Amendment, DirectDebit, DirectDebitBatch, DirectDebitGroup

LABEL_MAX = 31
LABEL_FIELDS = ("DATE", "JOUR", "MOIS", "ANNEE", "PIECE", "RAISON_SOCIALE", "LIBELLE_COMPTE")
_FIELD = re.compile(r"\{([^{}]*)\}")


class Collection(BaseModel):
    """One customer's collection in this run (one ``DrctDbtTxInf``)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    customer_code: str
    name: str  # cleaned debtor name (≤ 70)
    account_label: str
    ledger_account: str
    iban: str
    bic: str | None
    address: object | None  # SepaAddress
    mandate: Mandate
    sequence_type: str
    scheme: str
    amendment: Amendment | None
    parts: tuple[CollectedPart, ...]
    end_to_end_id: str = ""
    remittance: str = ""

    @property
    def amount(self) -> Decimal:
        return total(p.amount for p in self.parts)


def collection_date(requested: date | None, today: date, lead_days: int) -> tuple[date, list[Alert]]:
    earliest = next_business_day(today + timedelta(days=1), lead_days - 1) if lead_days > 0 else next_business_day(today)
    wanted = requested or today
    alerts: list[Alert] = []
    if wanted < earliest:
        alerts.append(alert("DEBIT_COLLECTION_DATE_MOVED", requested=f"{wanted:%d/%m/%Y}", moved=f"{earliest:%d/%m/%Y}",
                            reason=f"délai de la banque de {lead_days} jour(s) ouvré(s) TARGET2 après le {today:%d/%m/%Y}"))
        return earliest, alerts
    if not is_business_day(wanted):
        moved = next_business_day(wanted)
        alerts.append(alert("DEBIT_COLLECTION_DATE_MOVED", requested=f"{wanted:%d/%m/%Y}", moved=f"{moved:%d/%m/%Y}",
                            reason="jour non ouvré TARGET2 (week-end, 1er janvier, Vendredi saint, lundi de Pâques, 1er mai, 25 ou 26 décembre)"))
        return moved, alerts
    return wanted, alerts


def check_horizon(day: date, today: date, horizon_days: int) -> list[Alert]:
    """S-D8: a collection is presented at the earliest ``horizon_days`` calendar days before its
    date (14 interbank; each bank sets how far ahead it accepts a customer file)."""
    gap = (day - today).days
    if gap > horizon_days:
        return [alert("DEBIT_COLLECTION_TOO_FAR", day=f"{day:%d/%m/%Y}", gap=gap, horizon=horizon_days,
                      earliest=f"{day - timedelta(days=horizon_days):%d/%m/%Y}")]
    return []


def message_id(now: datetime, taken: set[str], *, test: bool) -> str:
    base = ("TEST" if test else "") + f"PRE{now:%Y%m%d%H%M%S}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def file_name(now: datetime, journal: str, taken: set[str], *, test: bool, requested: str | None = None) -> str:
    """``Pre`` + AAMMJJ + HHMM + journal (``-2``, ``-3``… when taken); ``TEST`` first for a test."""
    stem = requested.removesuffix(".xml") if requested else f"Pre{now:%y%m%d%H%M}{journal}"
    stem = re.sub(r"[^A-Za-z0-9_.-]", "", stem) or f"Pre{now:%y%m%d%H%M}"
    if test and not stem.upper().startswith("TEST"):
        stem = "TEST" + stem
    lower = {t.lower() for t in taken}
    candidate, n = stem, 1
    while f"{candidate}.xml".lower() in lower or candidate.lower() in lower:
        n += 1
        candidate = f"{stem}-{n}"
    return f"{candidate}.xml"


def check_label_template(template: str) -> list[Alert]:
    return [alert("DEBIT_LABEL_FIELD_UNKNOWN", field="{" + f + "}") for f in _FIELD.findall(template) if f.upper() not in LABEL_FIELDS]


def render_label(template: str, *, day: date, piece: str, name: str, account_label: str, invoice_label: str) -> str:
    """The label, before the 31-character cut (``cut_label``)."""
    if not template.strip():
        if piece and piece in invoice_label:
            return invoice_label
        return " ".join(p for p in (piece, invoice_label) if p)
    values = {"DATE": f"{day:%d/%m/%Y}", "JOUR": f"{day:%d}", "MOIS": f"{day:%m}", "ANNEE": f"{day:%Y}", "PIECE": piece,
              "RAISON_SOCIALE": name, "LIBELLE_COMPTE": account_label}
    return " ".join(_FIELD.sub(lambda m: values.get(m.group(1).upper(), ""), template).split())


def cut_label(label: str) -> tuple[str, bool]:
    if len(label) <= LABEL_MAX:
        return label, False
    return label[:LABEL_MAX].rstrip(), True


def build_batch(collections: Sequence[Collection], *, company_name: str, creditor_iban: str, creditor_bic: str | None, creditor_address,
                creditor_id: str, initiating_party_id: str | None, day: date, batch_booking: bool, msg_id: str) -> DirectDebitBatch:
    """One ``PmtInf`` per (date, sequence type, scheme), in a fixed order."""
    order = {"FRST": 0, "RCUR": 1, "OOFF": 2, "FNAL": 3}
    groups: dict[tuple[str, str], list[DirectDebit]] = {}
    for c in collections:
        groups.setdefault((c.sequence_type, c.scheme), []).append(DirectDebit(
            end_to_end_id=c.end_to_end_id, amount=c.amount, debtor_name=c.name, debtor_iban=c.iban, debtor_bic=c.bic, debtor_address=c.address,
            mandate_id=c.mandate.mandate_id, mandate_signed_on=c.mandate.signed_on, amendment=c.amendment, remittance_info=c.remittance,
        ))
    blocks = []
    for k, (seq, scheme) in enumerate(sorted(groups, key=lambda g: (order[g[0]], g[1])), start=1):
        blocks.append(DirectDebitGroup(payment_info_id=f"{msg_id}-{k}", collection_date=day, sequence_type=seq, scheme=scheme,
                                       batch_booking=batch_booking, debits=tuple(groups[(seq, scheme)])))
    return DirectDebitBatch(initiating_party_name=company_name, initiating_party_id=initiating_party_id or creditor_id, creditor_name=company_name,
                            creditor_iban=creditor_iban, creditor_bic=creditor_bic, creditor_address=creditor_address, creditor_id=creditor_id,
                            groups=tuple(blocks))


class BuiltEntries(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    entries: tuple[Entry, ...]
    settlements: tuple[tuple[str, str, int], ...]  # (customer account, ledger line key, row of its credit line in the entries)


def build_entries(collections: Sequence[Collection], batch: DirectDebitBatch, *, journal: str, journal_label: str, bank_account: str, day: date,
                  msg_id: str, booking_global: bool, grouped: bool, labels: dict[str, str]) -> BuiltEntries:
    """Customer credit per collected part; bank debit per PmtInf (Global) or customer (Unitaire)."""
    by_e2e = {c.end_to_end_id: c for c in collections}
    # bank movements: (label, amount, collections it covers)
    movements: list[tuple[str, Decimal, list[Collection]]] = []
    if booking_global:
        for g in batch.groups:
            movements.append((f"Remise prel. {g.sequence_type} {len(g.debits)} op.", g.control_sum, [by_e2e[d.end_to_end_id] for d in g.debits]))
    else:
        for g in batch.groups:
            for d in g.debits:
                c = by_e2e[d.end_to_end_id]
                movements.append((labels.get(c.end_to_end_id) or f"Prel. {c.account_label}"[:LABEL_MAX], c.amount, [c]))
    entries: list[Entry] = []
    settlements: list[tuple[str, str, int]] = []
    row = 0
    pending_lines: list[EntryLine] = []

    def credit_lines(cs: list[Collection]) -> list[EntryLine]:
        nonlocal row
        out = []
        for c in cs:
            for p in c.parts:
                label = labels.get(f"{c.end_to_end_id}|{p.key}", p.label)[:LABEL_MAX]
                amount = p.amount
                out.append(EntryLine(ledger_account=p.ledger_account or c.ledger_account, subledger_account=c.customer_code, subledger_label=c.account_label,
                                     label=label, credit=amount if amount > 0 else ZERO, debit=-amount if amount < 0 else ZERO))
                if not p.forced:
                    settlements.append((c.customer_code, p.key, row))
                row += 1
        return out

    for label, amount, cs in movements:
        lines = credit_lines(cs)
        bank_line = EntryLine(ledger_account=bank_account, label=label[:LABEL_MAX], debit=amount)
        row += 1
        if grouped:
            pending_lines += lines + [bank_line]
        else:
            entries.append(Entry(journal_code=journal, journal_label=journal_label, entry_date=day, document_ref=msg_id[-20:], label=label[:LABEL_MAX],
                                 lines=tuple(lines + [bank_line])))
    if grouped and pending_lines:
        entries.append(Entry(journal_code=journal, journal_label=journal_label, entry_date=day, document_ref=msg_id[-20:],
                             label=f"Prelevements {day:%d/%m/%Y}", lines=tuple(pending_lines)))
    return BuiltEntries(entries=tuple(entries), settlements=tuple(settlements))


def register_lines(collections: Sequence[Collection], *, day: date, test: bool,
                   generations: Mapping[str, int] | None = None) -> tuple[RegisterLineDraft, ...]:
    """One line per collected part. ``payment_key`` = kind | item | cents collected before:
    two runs that saw the same register state cannot both record the same collection.
    ``generations`` (item key → times an un-validation re-opened it) suffixes the key with
    ``#n``, so that an un-validated invoice can be collected again."""
    generations = generations or {}
    out = []
    for c in collections:
        for p in c.parts:
            n = generations.get(p.key, 0)
            out.append(RegisterLineDraft(
                item_key=p.key, amount_cents=to_cents(p.amount),
                payment_key=None if test else f"{KIND}|{p.key}|{p.already_cents}" + (f"#{n}" if n else ""),
                party_code=c.customer_code, document_ref=p.document_ref,
                meta={"rum": c.mandate.mandate_id, "iban": c.iban, "bic": c.bic or "", "seq": c.sequence_type, "date": day.isoformat(),
                      "e2e": c.end_to_end_id, "scheme": c.scheme, "forced": p.forced,
                      "instalments": [[i.due_date.isoformat(), str(i.amount)] for i in p.instalments]},
            ))
    return tuple(out)


def prenotification_rows(collections: Sequence[Collection], *, day: date, creditor_id: str, emails: dict[str, str], days: int) -> list[tuple]:
    send_by = day - timedelta(days=days)
    return [(c.customer_code, c.name, emails.get(c.customer_code, ""), c.amount, day, c.mandate.mandate_id, creditor_id, c.sequence_type,
             c.iban, send_by, c.remittance) for c in collections]


def check_prenotification(day: date, today: date, days: int) -> list[Alert]:
    """S-D7: the debtor is told amount and date ``days`` calendar days before (14 by default)."""
    gap = (day - today).days
    if gap < days:
        return [alert("DEBIT_PRENOTIFICATION_SHORT", days=days, day=f"{day:%d/%m/%Y}", today=f"{today:%d/%m/%Y}", gap=gap)]
    return []


def clean(value: str, field: str, limit: int) -> tuple[str, list[Alert]]:
    return st.clean_text(value, field=field, max_length=limit)


def slip_rows(collections: Iterable[Collection]) -> list[tuple]:
    return [(n, c.customer_code, c.name, c.iban, c.bic or "", c.mandate.mandate_id, c.sequence_type, c.end_to_end_id, c.amount)
            for n, c in enumerate(collections, start=1)]
