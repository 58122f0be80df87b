"""``reglo register repair`` for customer direct debits: read ``Pre….xml`` (pain.008) files and
their entries file back into the register.

A collection is a pain.008 file in ``prelevements/`` (``Pre…``, or ``TESTPre…`` for a test
file) and its entries file (``<SIREN>FEC<closing>-<file stem>.txt``, or the older
``<file stem>-ecritures.txt``). From them the register batch the collection recorded
(``reglo.core.debits.usecases.plan_generate``) is rebuilt:

* the batch: kind ``prelevement``, reference = ``MsgId``, test when the MsgId or the file name
  starts with ``TEST`` (a test batch never counts as collected), meta ``ics`` (creditor
  identifier), ``collection_date``, ``version``, ``journal``, ``file``, ``booking`` (``BtchBookg``),
  ``grouped_entry``, ``total_cents``;
* its lines, one per collected part: the entries file holds one customer line per part, in the
  order of the file's transactions (each transaction's parts add up to its amount); each part is
  matched to the invoice it collected among the open invoices of the dossier's FEC (N and N+1,
  as the plan read them: same line keys), by customer, piece (remittance text and label) and
  amount still to collect; a part matching no invoice is the customer's forced amount
  (``force|<customer>|<reference>``). ``payment_key`` is rebuilt from what the register (and the
  files repaired before it, oldest first) had collected on the item; meta: RUM, IBAN, BIC,
  sequence type, collection date, end-to-end id, scheme — the mandate history the next sequence
  types are derived from.

What the files do not say is not invented: the schedule instalments of a part (meta
``instalments`` is left empty), the counters and the lettered copy of the ledger (a file of its
own, not a collection). A test file, which has no entries file, keeps one line per transaction
(``e2e:<id>``). A file that cannot be read this way is left to the generic repair.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from reglo.core.register_state import BatchState, FileRecord, LineState, RegisterSnapshot

KIND = "prelevement"
FOLDER = "prelevements"
_BANK_FILE = re.compile(r"^(?P<test>TEST)?Pre\d{10}(?P<journal>[A-Z0-9]+?)(-\d+)?\.xml$")
_ENTRIES_FILE = re.compile(r"^(?P<siren>\d{9})FEC\d{8}-(?P<stem>.+)\.txt$|^(?P<old>.+)-ecritures\.txt$")


def _entries_for(xml: Path) -> Path | None:
    stem = xml.name[:-4]
    for p in sorted(xml.parent.iterdir()):
        m = _ENTRIES_FILE.match(p.name)
        if m and (m.group("stem") or m.group("old")) == stem and p.is_file():
            return p
    return None


def _invoices(dossier: Path, day: date, siren: str) -> list[Any]:
    """The open invoices the plan saw for a collection on ``day`` (same FEC, same keys)."""
    from reglo.addin.shell.debits import adjacent_fecs, fec_for
    from reglo.core.debits.allocation import invoices_of_years
    from reglo.core.fec import read_fec

    def frame(path: Path):
        try:
            return read_fec(path.read_bytes(), filename=path.name).frame
        except Exception:  # noqa: BLE001 - an unreadable FEC: no invoice from it
            return None

    primary, _ = fec_for(dossier, siren, day, None)
    if primary is None:
        return []
    base = frame(primary)
    others = [f for f in (frame(p) for p in adjacent_fecs(dossier, siren, primary)) if f is not None]
    return invoices_of_years(base, others) if base is not None else []


def _parts(entries: Path, amounts: list[int]) -> list[list[tuple[str, int, str, str]]] | None:
    """The customer lines of the entries file, cut per transaction: [(customer, cents, label,
    ledger account)…] for each amount of ``amounts`` (None when they do not add up)."""
    from reglo.core.fec import read_fec

    try:
        frame = read_fec(entries.read_bytes(), filename=entries.name).frame
    except Exception:  # noqa: BLE001
        return None
    frame = frame.sort_values("source_row", kind="stable")
    rows = [(str(r.subledger_account), int(r.credit) - int(r.debit), str(r.label), str(r.ledger_account))
            for r in frame.itertuples() if str(r.subledger_account)]
    out, i = [], 0
    for amount in amounts:
        got, acc = [], 0
        while i < len(rows) and (acc != amount or not got):
            got.append(rows[i])
            acc += rows[i][1]
            i += 1
        if acc != amount or len({g[0] for g in got}) != 1:
            return None
        out.append(got)
    return out if i == len(rows) else None


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[\s,;]+", text) if w}


def rebuild(dossier: Path, xml: Path, entries: Path | None, collected: dict[str, int], *, now: datetime, host: str = "",
            user: str = "") -> BatchState | None:
    """The batch a collection recorded, from its files (None: not a Reglo collection file).
    ``collected`` (item key → cents collected before) is updated with what this batch collected."""
    from reglo.core.writers.pain008 import NOT_PROVIDED, read_pain008

    m = _BANK_FILE.match(xml.name)
    if m is None:
        return None
    try:
        read = read_pain008(xml.read_bytes())
    except Exception:  # noqa: BLE001 - not a pain.008 we can read: the generic repair
        return None
    if not read.debits:
        return None
    test = read.message_id.upper().startswith("TEST") or bool(m.group("test"))
    day = read.debits[0].collection_date
    parts = _parts(entries, [int(d.amount * 100) for d in read.debits]) if entries is not None and not test else None
    lines: list[LineState] = []
    if parts is None:  # a test file, or entries that do not follow the file: one line per transaction
        for d in read.debits:
            lines.append(LineState(item_key=f"e2e:{d.end_to_end_id}", amount_cents=int(d.amount * 100), party_code=d.debtor_name,
                                   document_ref=d.remittance_info[:140], meta=_meta(d, NOT_PROVIDED, forced=False) | {"repaired": True}))
    else:
        siren = (_ENTRIES_FILE.match(entries.name).group("siren") or "") if entries is not None else ""
        invoices = _invoices(dossier, day, siren)
        by_customer: dict[str, list[Any]] = {}
        for inv in invoices:
            by_customer.setdefault(inv.customer_code, []).append(inv)
        for d, tx_parts in zip(read.debits, parts):
            refs = _words(d.remittance_info)
            for customer, cents, label, _account in tx_parts:
                inv = _match(by_customer.get(customer, []), cents, refs, label, collected)
                if inv is not None:
                    key, ref, forced = inv.key, inv.document_ref, False
                else:  # the customer's forced amount: its reference is the piece no invoice has
                    known = {i.document_ref for i in by_customer.get(customer, [])}
                    ref = next((w for w in sorted(refs - known) if w != "FACT" and not w.startswith("+")), "")
                    key, forced = f"force|{customer}|{ref or 'F'}", True
                before = collected.get(key, 0)
                lines.append(LineState(item_key=key, amount_cents=cents, payment_key=f"{KIND}|{key}|{before}", party_code=customer,
                                       document_ref=ref, meta=_meta(d, NOT_PROVIDED, forced=forced)))
                collected[key] = before + cents
    files = [FileRecord(folder=FOLDER, name=xml.name, sha256=_sha(xml), role="bank")]
    grouped = False
    if entries is not None and not test:
        files.append(FileRecord(folder=FOLDER, name=entries.name, sha256=_sha(entries), role="entries"))
        grouped = _single_entry(entries) and (len({d.payment_info_id for d in read.debits}) > 1 or not read.debits[0].batch_booking)
    meta = {"ics": read.creditor_id, "collection_date": day.isoformat(), "version": read.version, "journal": m.group("journal"), "file": xml.name,
            "booking": "Global" if read.debits[0].batch_booking else "Unitaire", "grouped_entry": grouped,
            "total_cents": sum(l.amount_cents for l in lines), "repaired": True, "repaired_at": now.isoformat()}
    return BatchState(id=0, kind=KIND, reference=read.message_id, status="committed", is_test=test,
                      created_at=datetime.fromtimestamp(xml.stat().st_mtime).astimezone(), host=host, folder=str(dossier), user=user,
                      meta=meta, lines=tuple(lines), files=tuple(files))


def _meta(d: Any, not_provided: str, *, forced: bool) -> dict[str, Any]:
    return {"rum": d.mandate_id, "iban": d.debtor_iban, "bic": "" if d.debtor_bic == not_provided else d.debtor_bic, "seq": d.sequence_type,
            "date": d.collection_date.isoformat(), "e2e": d.end_to_end_id, "scheme": d.scheme, "forced": forced, "instalments": []}


def _match(candidates: list[Any], cents: int, refs: set[str], label: str, collected: dict[str, int]) -> Any:
    """The invoice a part collected: still enough to collect, then piece named in the
    remittance / label and exact remainder first, then ledger order. When the remittance lists
    pieces (``FACT …``, complete), only those; none of the customer's → a forced amount."""
    named = [inv for inv in candidates if inv.document_ref and inv.document_ref in refs]
    if named:
        candidates = named
    elif "FACT" in refs and not any(w.startswith("+") for w in refs):
        return None
    best, best_score = None, None
    for n, inv in enumerate(candidates):
        left = int(inv.amount * 100) - collected.get(inv.key, 0)
        if left <= 0 or cents > left:
            continue
        score = (inv.document_ref in refs or (bool(inv.document_ref) and inv.document_ref in label), left == cents, -n)
        if best_score is None or score > best_score:
            best, best_score = inv, score
    return best


def _single_entry(entries: Path) -> bool:
    from reglo.core.fec import read_fec

    try:
        frame = read_fec(entries.read_bytes(), filename=entries.name).frame
    except Exception:  # noqa: BLE001
        return False
    return frame[["journal_code", "entry_number"]].drop_duplicates().shape[0] == 1


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_debits(store: Any, dossier: Path, snap: RegisterSnapshot, found: list[Any], unknown: list[Path], *, now: datetime, host: str = "",
                  user: str = "") -> tuple[list[Any], list[Path], list[tuple[int, str, list[str]]]]:
    """Record the collections among ``found`` (files the register does not know) and take their
    entries files out of ``unknown``; returns what is left for the generic repair."""
    xmls = [rb for rb in found if rb.format == "pain.008" and rb.folder.split("/")[0] == FOLDER and _BANK_FILE.match(rb.path.name)]
    if not xmls:
        return found, unknown, []
    collected: dict[str, int] = dict(snap.paid_cents_by_item(KIND))
    known = snap.file_names()
    taken: set[Path] = set()
    recorded: list[tuple[int, str, list[str]]] = []
    refs = {b.reference for b in snap.batches}
    for rb in sorted(xmls, key=lambda r: (r.reference.removeprefix("TEST"), r.path.name)):  # oldest first: payment keys chain
        entries = _entries_for(rb.path)
        if entries is not None and entries.name in known:
            entries = None
        batch = rebuild(dossier, rb.path, entries, collected if not rb.reference.upper().startswith("TEST") else {}, now=now, host=host, user=user)
        if batch is None:
            continue
        if batch.reference in refs:
            batch = batch.model_copy(update={"reference": f"{batch.reference}#{rb.path.name}"})
        bid = store.record(batch, at=now, source="repair")
        refs.add(batch.reference)
        taken.add(rb.path)
        if entries is not None and not batch.is_test:
            taken.add(entries)
        recorded.append((bid, batch.reference, [f.name for f in batch.files]))
    return [rb for rb in found if rb.path not in taken], [p for p in unknown if p not in taken], recorded


__all__ = ["rebuild", "record_debits"]
