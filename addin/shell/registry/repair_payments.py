"""``reglo register repair`` for the customer payments import: read its entries files back
into the register.

An import (« Importer », ``reglo.core.payments.usecases.plan_import``) writes one entries file
in the dossier folder, ``<SIREN>FEC<closing>-RC-<AAAAMMJJ-hhmmss>[-n].txt`` (formerly
``Reglements_clients_<AAAAMMJJ-hhmmss>[-n].txt``), with one entry per payment
(``reglo.core.payments.entries.build_entries``): the bank debit (the amount received), the
customer's 411 credit for the part allocated to the invoice (with its lettering code when the
payment settles it) and a second 411 credit « Trop-perçu … » for an overpayment; the label is
``<mode> <customer name> fact. <invoice>``, the piece the payment's reference (else the
invoice), the date the payment date. From it the batch the import recorded is rebuilt:

* kind ``customer_payments``, reference ``RC-<stamp>[-n]`` (from the file name), committed,
  created at the stamp, meta ``source = excel``;
* one line per payment: ``item_key = invoice:<n°>``, ``amount_cents`` = the 411 credit allocated
  to the invoice, ``payment_key`` = the payment's fingerprint (customer, invoice, date, amount
  received: ``reglo.core.payments.ingest.payment_key``, the key the duplicate check compares),
  meta: date, overpayment, mode, reference, bank journal, lettering code, whether it settles the
  invoice (its lettering code, else what the batches allocated reaching the invoice's amount in
  ``dossier.xlsx``), the invoice's job site (from ``dossier.xlsx``);
* the counters ``entry:<journal>`` (entry numbers ``RC<aammjj>-<n>``) and ``ref:reglement`` are
  moved past what the files used, so that the next import numbers after them.

What the files do not say is not invented: the template's row numbers (meta ``source_row`` is
left empty) and row count (meta ``rows``), the workbook's name, the lettered copy of the ledger
(a file of its own, rewritten by each run). A batch imported *from the ledger* (« Importer depuis
la comptabilité », ``RC-FEC-…``) writes no file: it is not rebuilt (its payments are in the
dossier FEC, which the next import reads as settled). A file that cannot be read this way is
left to the generic repair.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reglo.core.register_state import (
    BatchState,
    FileRecord,
    LineState,
    RegisterSnapshot,
)

KIND = "customer_payments"
_CREATED = re.compile(r"^\d{9}FEC20\d{6}-(?P<ref>RC-(?P<stamp>\d{8}-\d{6})(-\d+)?)\.txt$")
_LEGACY = re.compile(r"^Reglements_clients_(?P<stamp>\d{8}-\d{6})(?P<n>-\d+)?\.txt$")
_ENTRY_NUMBER = re.compile(r"^RC\d{6}-(\d+)$")
_FACT = " fact. "
_EXCESS = "Trop-perçu "


def reference_of(name: str) -> tuple[str, datetime | None] | None:
    """(batch reference, its stamp) of an entries file of the payments import, or None."""
    m = _CREATED.match(name)
    ref = m.group("ref") if m else None
    if m is None:
        m = _LEGACY.match(name)
        if m is None:
            return None
        ref = f"RC-{m.group('stamp')}{m.group('n') or ''}"
    try:
        stamp = datetime.strptime(m.group("stamp"), "%Y%m%d-%H%M%S").astimezone()
    except ValueError:
        stamp = None
    return ref, stamp


def _dossier_invoices(dossier: Path) -> dict[str, Any]:
    """Invoice number → invoice of ``dossier.xlsx`` (job site, customer); {} when unreadable."""
    try:
        from reglo.addin.backends.sheets import FileWorkbook
        from reglo.addin.shell.dossier import DOSSIER_FILE, _sheet_data
        from reglo.core.dossier import REQUIRED, ingest_dossier

        book = FileWorkbook(dossier / DOSSIER_FILE)
        result = ingest_dossier({name: _sheet_data(book, name) for name in REQUIRED})
    except Exception:  # noqa: BLE001 - the job sites are a detail: the payments are rebuilt without them
        return {}
    if result.dossier is None:
        return {}
    from reglo.core.payments.ingest import code

    return {code(i.invoice_number): i for i in result.dossier.invoices}


def _invoice_number(label: str, customer: str, invoices: dict[str, Any]) -> str:
    """The invoice of a payment, from its label ``… fact. <n°>`` (cut at 100 characters: the
    dossier's invoice of that customer starting with what is left, when there is one)."""
    number = label.rsplit(_FACT, 1)[1].strip() if _FACT in label else ""
    if number in invoices or not number:
        return number
    longer = [n for n, inv in invoices.items() if n.startswith(number) and getattr(inv, "customer_code", customer) == customer]
    return longer[0] if len(longer) == 1 else number


def rebuild(dossier: Path, path: Path, *, now: datetime, host: str = "", user: str = "",
            invoices: dict[str, Any] | None = None, allocated: dict[str, int] | None = None) -> tuple[BatchState, dict[str, int]] | None:
    """The batch an import recorded, from its entries file, and the counters its numbers used
    (None: not an entries file of the payments import). ``allocated`` (item key → cents allocated
    by the batches before) tells, with the invoice's amount, whether a payment settled it when no
    lettering code says so; it is updated with this batch."""
    from reglo.core.fec import read_fec
    from reglo.core.models import PaymentMethod
    from reglo.core.payments.ingest import payment_key

    named = reference_of(path.name)
    if named is None:
        return None
    reference, stamp = named
    try:
        frame = read_fec(path.read_bytes(), filename=path.name).frame
    except Exception:  # noqa: BLE001 - not a FEC we can read: the generic repair
        return None
    if frame.empty:
        return None
    invoices = _dossier_invoices(dossier) if invoices is None else invoices
    allocated = {} if allocated is None else allocated
    frame = frame.sort_values("source_row", kind="stable")
    methods = sorted((m.value for m in PaymentMethod), key=len, reverse=True)
    lines: list[LineState] = []
    counters: dict[str, int] = {}
    for (journal, number), entry in frame.groupby(["journal_code", "entry_number"], sort=False):
        rows = entry.to_dict("records")
        bank = [r for r in rows if not str(r["subledger_account"]).strip() and int(r["debit"]) > 0]
        customer_rows = [r for r in rows if str(r["subledger_account"]).strip()]
        if len(bank) != 1 or not customer_rows:
            return None  # not the shape of a payment entry: the generic repair
        received = int(bank[0]["debit"]) - int(bank[0]["credit"])
        excess_rows = [r for r in customer_rows if str(r["label"]).startswith(_EXCESS)]
        applied_rows = [r for r in customer_rows if not str(r["label"]).startswith(_EXCESS)]
        applied = sum(int(r["credit"]) - int(r["debit"]) for r in applied_rows)
        excess = sum(int(r["credit"]) - int(r["debit"]) for r in excess_rows)
        if applied + excess != received:
            return None
        customer = str(customer_rows[0]["subledger_account"]).strip()
        label = str((applied_rows or customer_rows)[0]["label"])
        invoice = _invoice_number(label, customer, invoices)
        if not invoice:
            return None
        day = bank[0]["entry_date"]
        day = day.date() if hasattr(day, "date") else date.fromisoformat(str(day)[:10])
        method = next((m for m in methods if str(bank[0]["label"]).startswith(f"{m} ")), "")
        piece = str(bank[0]["document_ref"]).strip()
        letter = next((str(r["lettering_code"]).strip() for r in applied_rows if str(r["lettering_code"]).strip()), "")
        inv = invoices.get(invoice)
        key = f"invoice:{invoice}"
        allocated[key] = allocated.get(key, 0) + applied
        gross = getattr(inv, "gross", None)
        settles = bool(letter) or (applied > 0 and gross is not None and allocated[key] >= int(Decimal(str(gross)) * 100))
        lines.append(LineState(
            item_key=key, amount_cents=applied,
            payment_key=payment_key(customer, invoice, day, Decimal(received) / 100), party_code=customer, document_ref=invoice,
            meta={"date": day.isoformat(), "excess_cents": excess, "method": method, "reference": "" if piece == invoice[:40] else piece,
                  "bank": str(journal), "job_site": getattr(inv, "job_site_code", "") or "", "source": "excel", "source_row": None,
                  "settles": settles, "lettering": letter, "entry": str(number), "repaired": True},
        ))
        m = _ENTRY_NUMBER.match(str(number))
        if m:
            name = f"entry:{journal}"
            counters[name] = max(counters.get(name, 0), int(m.group(1)))
    suffix = re.search(r"-(\d+)$", reference.removeprefix("RC-")[len("AAAAMMJJ-hhmmss"):])
    counters["ref:reglement"] = int(suffix.group(1)) if suffix else 0
    batch = BatchState(
        id=0, kind=KIND, reference=reference, status="committed", is_test=False,
        created_at=stamp or datetime.fromtimestamp(path.stat().st_mtime).astimezone(), host=host, folder=str(dossier), user=user,
        meta={"source": "excel", "workbook": "", "repaired": True, "repaired_at": now.isoformat(), "file": path.name},
        lines=tuple(lines), files=(FileRecord(folder="", name=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), role="entries"),))
    return batch, counters


def record_payments(store: Any, dossier: Path, snap: RegisterSnapshot, found: list[Any], unknown: list[Path], *, now: datetime, host: str = "",
                    user: str = "") -> tuple[list[Any], list[Path], list[tuple[int, str, list[str]]]]:
    """Record the payments imports among ``found`` (entries files in the dossier folder the
    register does not know); returns what is left for the generic repair."""
    files = [rb for rb in found if rb.folder == "" and rb.format == "fec" and reference_of(rb.path.name)]
    if not files:
        return found, unknown, []
    invoices = _dossier_invoices(dossier)
    allocated = dict(snap.paid_cents_by_item(KIND))
    refs = {b.reference for b in snap.batches}
    taken: set[Path] = set()
    recorded: list[tuple[int, str, list[str]]] = []
    count = 0
    for rb in sorted(files, key=lambda r: (reference_of(r.path.name)[0], r.path.name)):
        built = rebuild(dossier, rb.path, now=now, host=host, user=user, invoices=invoices, allocated=allocated)
        if built is None:
            continue
        batch, counters = built
        if batch.reference in refs:
            batch = batch.model_copy(update={"reference": f"{batch.reference}#{rb.path.name}"})
        count += 1
        counters["ref:reglement"] = max(counters.get("ref:reglement", 0), count)
        bid = store.record(batch, counters=counters, at=now, source="repair")
        refs.add(batch.reference)
        taken.add(rb.path)
        recorded.append((bid, batch.reference, [rb.path.name]))
    return [rb for rb in found if rb.path not in taken], [p for p in unknown if p not in taken], recorded


__all__ = ["rebuild", "record_payments", "reference_of"]
