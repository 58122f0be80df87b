"""Customer payments read from the accounting ledger (import depuis la comptabilité).

The method works only when the bookkeeping follows one rule: **one bank line per
invoice paid, carrying the invoice number** (in PieceRef or in the label). A payment
booked as one line for several invoices, or without any invoice number, cannot be tied
to an invoice — hence to a job site — without guessing; such lines are listed with a
warning explaining the rule, and are not applied (lettering them is the lettering
workflow's job).

Lines considered: customer lines (411…) of the bank journals (the dossier's banks, or
every journal holding a 512 line). A credit is a receipt; a debit (refund, rejected
cheque) is reported and not applied. Payment keys are those of the template import, so a
payment imported from Excel and later found in the ledger is never counted twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from reglo.core.alerts import Alert, Severity, alert
from reglo.core.money import cents_to_money, to_cents
from reglo.core.payments.allocation import allocate
from reglo.core.payments.checks import allocation_alerts
from reglo.core.payments.ingest import code, eur, fr_date, payment_key
from reglo.core.payments.model import Allocation, Payment, PaymentReference

SHEET = "FEC"
LINES_SHEET = "Lignes du FEC"  # the workbook sheet listing every FEC line an alert is about
LINE_COLUMNS = ("Ligne FEC", "JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "CompAuxNum", "PieceRef", "EcritureLib", "Debit", "Credit", "Alertes")
_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-/_.]*[A-Z0-9]|[A-Z0-9]")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
# « FACT 1382 », « facture n° 1382 », « FACT.N 1382 »: an invoice number given by its digits only
_DIGITS = re.compile(r"\d+")
_SHORT_REF = re.compile(r"\bFACT(?:URE)?S?\.?\s*(?:N[°O]?\.?\s*)?(\d{3,})\b")


@dataclass
class LedgerImportResult:
    payments: list[Payment]
    allocations: list[Allocation]
    alerts: list[Alert]
    considered: int = 0  # customer lines of bank journals looked at
    rejected_rows: list[int] = field(default_factory=list)


def bank_journals(frame: pd.DataFrame, ref: PaymentReference) -> set[str]:
    if ref.banks:
        return set(ref.banks)
    is_bank = frame["ledger_account"].str.startswith("512")
    return set(frame.loc[is_bank, "journal_code"].unique())


def compact(number: str) -> str:
    """Letters and digits only: banks often drop the punctuation (FA25-0039 → FA250039)."""
    return _NOT_ALNUM.sub("", number.upper())


def invoice_refs(document_ref: str, label: str, invoices: set[str], compacted: dict[str, str] | None = None) -> list[str]:
    """Invoice numbers of the dossier quoted in PieceRef or the label, in order, once.

    A token matches an invoice number exactly, or once punctuation is dropped on both
    sides (``compacted``: compact form → invoice number, for forms of 5+ characters)."""
    found: list[str] = []
    whole = code(document_ref)
    if whole in invoices:
        found.append(whole)
    for tok in _TOKEN.findall(f"{document_ref} {label}".upper()):
        hit = tok if tok in invoices else (compacted or {}).get(compact(tok))
        if hit and hit not in found:
            found.append(hit)
    return found


def short_ref(label: str, customer_invoices: list[str]) -> tuple[str, str] | None:
    """(digits, invoice) when the label says « FACT 1382 » and exactly one invoice of the
    customer has that number as its last group of digits (FA24-1382, not FA24-11382);
    None otherwise."""
    found = _SHORT_REF.findall(label.upper())
    if len(found) != 1:
        return None
    digits = found[0]
    value = int(digits)
    hits = [n for n in customer_invoices if (groups := _DIGITS.findall(n)) and int(groups[-1]) == value]
    return (digits, hits[0]) if len(hits) == 1 else None


def payments_from_ledger(frame: pd.DataFrame, ref: PaymentReference, *, sheet: str = SHEET) -> LedgerImportResult:
    """Read the customer payments of the bank journals of a ledger frame (``reglo.core.ledger``)."""
    journals = bank_journals(frame, ref)
    mask = frame["journal_code"].isin(journals) & frame["ledger_account"].str.startswith("411")
    lines = frame.loc[mask]
    alerts: list[Alert] = []
    payments: list[Payment] = []
    rejected: list[int] = []
    if lines.empty:
        alerts.append(alert("PAY_FEC_NO_BANK_LINE", sheet=sheet, journals=", ".join(sorted(journals)) or "aucun journal de banque"))
        return LedgerImportResult([], [], alerts, 0, [])
    invoices = set(ref.invoices)
    compacted: dict[str, str] = {}
    for n in sorted(invoices):
        c = compact(n)
        if len(c) >= 5:
            compacted[c] = n if c not in compacted else ""  # ambiguous compact form: no match
    compacted = {c: n for c, n in compacted.items() if n}
    by_customer: dict[str, list[str]] = {}
    for n, inv in sorted(ref.invoices.items()):
        by_customer.setdefault(inv.customer_code, []).append(n)
    seen: dict[str, int] = {}
    loose = {k: list(v) for k, v in ref.known_amounts.items()}  # template payments, any date
    for rec in lines.itertuples(index=False):
        row = int(rec.source_row)
        customer = code(rec.subledger_account)
        label = str(rec.label)
        if int(rec.debit) > 0:
            alerts.append(alert("PAY_FEC_NOT_RECEIPT", sheet=sheet, row=row, column="Debit", customer=customer or rec.ledger_account, amount=eur(cents_to_money(int(rec.debit))), label=label))
            rejected.append(row)
            continue
        amount = cents_to_money(int(rec.credit))
        if amount <= 0:
            continue
        refs = invoice_refs(str(rec.document_ref), label, invoices, compacted)
        if not refs and customer:
            hit = short_ref(label, by_customer.get(customer, []))
            if hit is not None:
                refs = [hit[1]]
                alerts.append(alert("PAY_FEC_SHORT_REF", sheet=sheet, row=row, column="EcritureLib", value=hit[0], invoice=hit[1], customer=customer))
        if not refs:
            alerts.append(alert("PAY_FEC_NO_INVOICE_REF", sheet=sheet, row=row, column="PieceRef", amount=eur(amount), customer=customer or rec.ledger_account, label=label))
            rejected.append(row)
            continue
        if len(refs) > 1:
            alerts.append(alert("PAY_FEC_MULTI_INVOICE", sheet=sheet, row=row, column="EcritureLib", amount=eur(amount), invoices=", ".join(refs)))
            rejected.append(row)
            continue
        inv = ref.invoices[refs[0]]
        if customer and customer != inv.customer_code:
            alerts.append(alert("PAY_FEC_OTHER_CUSTOMER", sheet=sheet, row=row, column="CompAuxNum", value=customer, invoice=inv.invoice_number, expected=inv.customer_code))
            rejected.append(row)
            continue
        day: date = pd.Timestamp(rec.entry_date).date()
        key = payment_key(inv.customer_code, inv.invoice_number, day, amount)
        prior = ref.known_keys.get(key)
        if prior is not None:
            same = loose.get(f"{inv.customer_code}|{inv.invoice_number}|{to_cents(amount)}")
            if same:
                same.pop(0)
            alerts.append(alert("PAY_FEC_ALREADY_IMPORTED", sheet=sheet, row=row, invoice=inv.invoice_number, amount=eur(amount), date=fr_date(day), batch=prior.batch))
            continue
        typed = loose.get(f"{inv.customer_code}|{inv.invoice_number}|{to_cents(amount)}")
        if typed:  # the same payment typed in the template: the bank date may differ
            prior = typed.pop(0)
            alerts.append(alert("PAY_FEC_ALREADY_IMPORTED", sheet=sheet, row=row, invoice=inv.invoice_number, amount=eur(amount), date=fr_date(day), batch=prior.batch))
            continue
        if key in seen:
            alerts.append(alert("PAY_DUPLICATE_IN_SHEET", sheet=sheet, row=row, severity=Severity.WARNING, other=seen[key]))
            rejected.append(row)
            continue
        seen[key] = row
        payments.append(Payment(
            payment_key=key, payment_date=day, invoice_number=inv.invoice_number, customer_code=inv.customer_code,
            amount=amount, method=None, reference=f"{rec.journal_code} {rec.entry_number}".strip(),
            bank_journal=str(rec.journal_code), job_site_code=inv.job_site_code, comment=label, source="fec", source_row=row,
        ))
    allocations = allocate(payments, ref.invoices)
    for a in allocations:
        alerts.extend(allocation_alerts(a, sheet=sheet))
    return LedgerImportResult(payments, allocations, located(alerts, lines, sheet=sheet), considered=len(lines), rejected_rows=rejected)


def line_place(rec) -> str:
    """« FEC ligne 1234, journal BQ1, écriture BQ1-0042 du 15/03/2025 »: where a person finds a FEC line."""
    day = pd.Timestamp(rec.entry_date).date() if pd.notna(rec.entry_date) else None
    entry = f", écriture {rec.entry_number}" if str(rec.entry_number or "").strip() else ""
    return f"FEC ligne {int(rec.source_row)}, journal {rec.journal_code}{entry}" + (f" du {fr_date(day)}" if day else "")


def located(alerts: list[Alert], lines: pd.DataFrame, *, sheet: str = SHEET) -> list[Alert]:
    """Each alert on a FEC line starts with the line's place (number, journal, entry, date)."""
    places = {int(rec.source_row): line_place(rec) for rec in lines.itertuples(index=False)}
    out = []
    for a in alerts:
        if a.sheet == sheet and a.row in places and not a.message.startswith("FEC ligne "):
            a = a.model_copy(update={"message": f"{places[a.row]} : {a.message}"})
        out.append(a)
    return out


def flagged_lines(frame: pd.DataFrame, alerts: list[Alert], *, sheet: str = SHEET) -> list[list[object]]:
    """Rows of the « Lignes du FEC » listing (``LINE_COLUMNS``): every FEC line an alert is
    about, in file order, with the codes of its alerts."""
    codes: dict[int, list[str]] = {}
    for a in alerts:
        if a.sheet == sheet and a.row is not None and a.code.value not in codes.setdefault(a.row, []):
            codes[a.row].append(a.code.value)
    if not codes or frame.empty:
        return []
    sub = frame.loc[frame["source_row"].isin(list(codes))].sort_values("source_row")
    rows: list[list[object]] = []
    for rec in sub.itertuples(index=False):
        day = pd.Timestamp(rec.entry_date).date() if pd.notna(rec.entry_date) else None
        rows.append([int(rec.source_row), rec.journal_code, rec.entry_number, day, rec.ledger_account, rec.subledger_account, rec.document_ref,
                     rec.label, cents_to_money(int(rec.debit)), cents_to_money(int(rec.credit)), ", ".join(codes[int(rec.source_row)])])
    return rows
