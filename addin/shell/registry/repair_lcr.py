"""``reglo register repair`` for LCR remittances: read ``LCR….txt`` / ``BOR….txt`` (CFONB 160)
files and their entries file back into the register.

A remittance is a CFONB 160 file in ``lcr/`` (``LCR<AAMMJJHHMMSS><journal>.txt``, ``BOR…`` when
every bill is a promissory note, ``-2``… when the name was taken) and its treasury entries
(``<SIREN>FEC<closing>-<file stem>.txt``). From them the register batch « Continuer » recorded
(``reglo.core.lcr.usecases.plan_continue``) is rebuilt:

* the batch: kind ``lcr``, reference = the remittance reference (the entries' ``PieceRef``, else
  zone G1 of the header), meta ``file_name``, ``sha256`` (of the CFONB file), ``remittance_date``
  (header), ``journal_code`` (the entries' journal), ``remittance_account`` (the entries' 5113 /
  5114 line), ``entries_file``, ``bank_label`` and ``iban`` (the dossier's bank account of that
  journal; else the header's domiciliation and the IBAN of its RIB), ``lettering`` (the entries
  carry lettering codes) and ``bills`` (one per bill: customer, name, domiciliation or masked
  IBAN, Réf. Tiré, due date, amount) — what the slip and the next runs read;
* its lines, one per invoice remitted, as the plan records them (``register_lines``): each bill
  is matched to its customer through the entries' customer lines (same order as the bills; one
  line per bill when « Regrouper les LCR dans l'écriture comptable » is on, one per invoice
  otherwise), then to the invoice(s) it remitted among the open invoices of the dossier's FEC
  (N and N+1, as the plan read them: same functions, same line keys), by the pieces named in
  the entries' labels and in the Réf. Tiré, by amount still to collect (what the register, and
  the remittances repaired before it, oldest first, had not collected yet) and by due date.
  item_key, amount_cents, payment_key (``LCR:<key>``, ``#n`` after un-validations the register
  still knows), party_code, document_ref and meta ``due_date`` / ``acceptance`` are those of
  the plan.

What the files do not say is not invented, and the repair never *under*-states what was
remitted (nothing is remitted twice):

* a bill amount no set of open invoices of the customer adds up to exactly (an instalment of a
  schedule spread over several invoices, a ledger changed since) is spread over the customer's
  open invoices in the order « Transfert » proposes them (line meta ``approximate``), and what is
  left over stays visible as ``lcr-non-rapproche|<customer>|<reference>|<n>`` (meta
  ``unmatched``); so is a bill whose customer cannot be found;
* a bank reject (``reglo debits lcr reject``) leaves its reversal entries
  ``<SIREN>FEC<closing>-REJ-<reference>.txt`` and ``Rejet_<reference>_….csv``: the remittance is
  recorded *cancelled* and the reject batch ``lcr_rejet`` is recorded with those files; the reason
  typed then is not in the files (a fixed French text says so);
* an un-validation of LCR lines (« Dévalider … ») leaves its cancellation CSV
  ``Devalidation_LCR_<AAAAMMJJ-HHMMSS>.csv``, whose « Annule » column names each receipt it
  cancelled, ``<remittance>-<n>``: the n-th line of that remittance. The batch
  ``lcr_devalidation`` is rebuilt from it (negative lines, meta ``batch`` / ``cancels``,
  ``cancellations``) in its place in time, so that a remittance made after it finds its invoices
  open again (payment key ``#n``). The scope typed then is not in the file: it is read from the
  lines (one line: « ligne » ; one customer: « client » ; else « tous »), so « tous » on a single
  customer comes back as « client ». A CSV whose receipts name no remittance the register knows is
  not replayed: the lines stay remitted (the safe side). The un-validations of direct debits
  (``Devalidation_Prelevements_…``) are not replayed;
* the lettered copy of the ledger that « Lettrage » rewrote (and its undo journal
  ``… - lettré.txt.lettrage.json``) is a file of its own, not a remittance: it is re-attached to
  the batch (roles ``ledger`` / ``journal``, hashes of today's files) only when the last run of its
  undo journal is this remittance's lettering (« LCR <reference> »), so that today's files are the
  ones it wrote; otherwise (lettered again since, by another run) it is left alone — its undo
  journal keeps working either way;
* a file that cannot be read back as a CFONB 160 remittance (edited, truncated) is left to the
  generic repair, with a French note saying that its invoices are not known as remitted.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from reglo.core.fec_names import parse_created_fec_name
from reglo.core.register_state import (
    BatchState,
    FileRecord,
    LineState,
    RegisterSnapshot,
)

KIND = "lcr"
REJECT_KIND = "lcr_rejet"
FOLDER = "lcr"
UNMATCHED = "lcr-non-rapproche"
_BANK_FILE = re.compile(r"^(?P<prefix>LCR|BOR)(?P<stamp>\d{12})(?P<journal>.+?)(?:-(?P<n>\d+))?\.txt$")
_UNVALIDATION_CSV = re.compile(r"^Devalidation_LCR_(?P<day>\d{8})-(?P<time>\d{6})(?:-\d+)?\.csv$")
REOPEN_KIND = "lcr_devalidation"
_REJECT_CSV = re.compile(r"^Rejet_(?P<ref>.+)_\d{8}-\d{6}(?:-\d+)?\.csv$")
_SUBSET_LIMIT = 16  # open invoices of one customer searched exhaustively for the bill's amount
REJECT_REASON = "rejet bancaire (motif non conservé : registre reconstruit à partir des fichiers)"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cents(amount: Any) -> int:
    return int((amount * 100).to_integral_value())


def _words(text: str) -> set[str]:
    return {w.upper() for w in re.split(r"[\s,;/]+", text or "") if w}


# ---------------------------------------------------------------------------
# what the dossier says (company bank accounts, customers), read without recovery
# ---------------------------------------------------------------------------

def _dossier_model(dossier: Path) -> Any:
    """The dossier (``dossier.xlsx``) or None; read as ``load_dossier`` does, without its
    start-up recovery (the repair holds the dossier lock)."""
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell.dossier import DOSSIER_FILE, _sheet_data
    from reglo.core.dossier import REQUIRED, ingest_dossier

    path = dossier / DOSSIER_FILE
    if not path.is_file():
        return None
    try:
        book = FileWorkbook(path)
        return ingest_dossier({name: _sheet_data(book, name) for name in REQUIRED}).dossier
    except Exception:  # noqa: BLE001 - an unreadable dossier: the files' own data is used
        return None


def _iban_of(rib: Any) -> str:
    """The French IBAN of a RIB read from the file (its key computed)."""
    from reglo.core.banking import rib_key

    try:
        bban = f"{rib.bank_code}{rib.branch_code}{rib.account_code}{rib_key(rib.bank_code, rib.branch_code, rib.account_code)}"
        digits = "".join(str(int(c, 36)) for c in (bban + "FR00").upper())
        return f"FR{98 - int(digits) % 97:02d}{bban}"
    except ValueError:
        return ""


# ---------------------------------------------------------------------------
# the entries file
# ---------------------------------------------------------------------------

def _entries_for(bank: Path) -> Path | None:
    stem = bank.name[: -len(".txt")]
    for p in sorted(bank.parent.iterdir()):
        created = parse_created_fec_name(p.name)
        if created is not None and created[2] == stem and p.is_file():
            return p
    return None


def _read_entries(entries: Path | None) -> Any:
    if entries is None:
        return None
    from reglo.core.fec import read_fec

    try:
        frame = read_fec(entries.read_bytes(), filename=entries.name).frame
    except Exception:  # noqa: BLE001 - unreadable entries: the bank file alone
        return None
    return frame.sort_values("source_row", kind="stable")


def _customer_parts(frame: Any, amounts: list[int]) -> list[list[tuple[str, int, str]]] | None:
    """The entries' customer lines cut per bill, [(customer, cents, label)…] for each bill amount
    (None when they do not follow the bills)."""
    if frame is None:
        return None
    rows = [(str(r.subledger_account), int(r.credit) - int(r.debit), str(r.label)) for r in frame.itertuples() if str(r.subledger_account)]
    out, i = [], 0
    for amount in amounts:
        got, acc = [], 0
        while i < len(rows) and (acc != amount or not got) and (not got or rows[i][0] == got[0][0]):
            got.append(rows[i])
            acc += rows[i][1]
            i += 1
        if acc != amount or not got:
            return None
        out.append(got)
    return out if i == len(rows) else None


# ---------------------------------------------------------------------------
# matching a bill to the invoices it remitted
# ---------------------------------------------------------------------------

def _left(inv: Any, collected: dict[str, int]) -> int:
    return _cents(inv.amount) - collected.get(inv.key, 0)


def _subset(open_: list[tuple[Any, int]], amount: int, named: set[str], due: date | None) -> tuple[list[tuple[Any, int]], bool] | None:
    """The open invoices (with what is left to collect) a grouped bill of ``amount`` remitted:
    (parts, exact) or None."""
    if not open_:
        return None
    refs = [(inv, left) for inv, left in open_ if (inv.document_ref or "").upper() in named]
    if refs and sum(l for _, l in refs) == amount:
        return refs, True
    if len(refs) == 1 and refs[0][1] >= amount:  # an instalment of the one piece the bill names
        return [(refs[0][0], amount)], True
    if sum(l for _, l in open_) == amount:
        return list(open_), True
    n = len(open_)
    for i in range(n):  # a run of the proposed order (period filters cut the list at its ends)
        acc = 0
        for j in range(i, n):
            acc += open_[j][1]
            if acc == amount:
                return open_[i : j + 1], True
            if acc > amount:
                break
    if n <= _SUBSET_LIMIT:
        best = None
        for size in range(1, n + 1):
            for combo in combinations(range(n), size):
                if sum(open_[k][1] for k in combo) != amount:
                    continue
                score = (all(due is None or open_[k][0].due_date is None or open_[k][0].due_date <= due for k in combo),
                         sum(1 for k in combo if (open_[k][0].document_ref or "").upper() in named))
                if best is None or score > best[0]:
                    best = (score, combo)
            if best is not None:
                return [open_[k] for k in best[1]], True
    return None


def _pick(open_: list[tuple[Any, int]], cents: int, named: set[str], due: date | None) -> Any:
    """The invoice one line of a detailed entry remitted (enough left to collect)."""
    best, best_score = None, None
    for n, (inv, left) in enumerate(open_):
        if left < cents:
            continue
        score = ((inv.document_ref or "").upper() in named, left == cents, due is None or inv.due_date is None or inv.due_date <= due, -n)
        if best_score is None or score > best_score:
            best, best_score = inv, score
    return best


def _match(customer_invoices: list[Any], parts: list[tuple[str, int, str]], bill: Any, collected: dict[str, int]) -> list[tuple[Any, int, bool]]:
    """[(invoice or None, cents, approximate)…] for one bill, ``collected`` updated."""
    drawee = {(inv.document_ref or "").upper() for inv in customer_invoices  # Réf. Tiré: the piece, left-padded with zeros
              if inv.document_ref and bill.drawee_ref and (inv.document_ref or "").upper().rjust(10, "0") == bill.drawee_ref}
    out: list[tuple[Any, int, bool]] = []

    def open_now() -> list[tuple[Any, int]]:
        return [(inv, _left(inv, collected)) for inv in customer_invoices if _left(inv, collected) > 0]

    def take(inv: Any, cents: int, approx: bool) -> None:
        out.append((inv, cents, approx))
        if inv is not None:
            collected[inv.key] = collected.get(inv.key, 0) + cents

    if len(parts) > 1:  # one entry line per invoice (« Regrouper » off)
        for _customer, cents, label in parts:
            inv = _pick(open_now(), cents, _words(label) | drawee, bill.due_date)
            take(inv, cents, False) if inv is not None else _spread(open_now(), cents, take)
        return out
    label = parts[0][2] if parts else ""
    named = _words(label) | drawee
    found = _subset(open_now(), bill.amount_cents, named, bill.due_date)
    if found is not None:
        for inv, cents in found[0]:
            take(inv, cents, not found[1])
        return out
    _spread(open_now(), bill.amount_cents, take)
    return out


def _spread(open_: list[tuple[Any, int]], amount: int, take: Any) -> None:
    """No exact match: the amount over the customer's open invoices in the proposed order (never
    less remitted than the file says), the rest unmatched."""
    left = amount
    for inv, open_cents in open_:
        if left <= 0:
            break
        cents = min(open_cents, left)
        take(inv, cents, True)
        left -= cents
    if left > 0:
        take(None, left, True)


# ---------------------------------------------------------------------------
# one remittance
# ---------------------------------------------------------------------------

def rebuild(dossier: Path, bank: Path, entries: Path | None, collected: dict[str, int], gens: dict[str, int], *, model: Any,
            now: datetime, host: str = "", user: str = "") -> tuple[BatchState | None, str]:
    """The batch a remittance recorded, from its files, or (None, French reason) when the file
    cannot be read back as a CFONB 160 LCR remittance. ``collected`` (item key → cents
    collected before) is updated with what this remittance collected."""
    from reglo.addin.shell.registry.repair_debits import _invoices
    from reglo.core.slips import mask_iban
    from reglo.core.writers.cfonb160_parse import parse_lcr

    m = _BANK_FILE.match(bank.name)
    if m is None:
        return None, ""
    try:
        remittance, alerts = parse_lcr(bank.read_bytes())
    except Exception:  # noqa: BLE001 - whatever the bytes, a French note
        remittance, alerts = None, []
    if remittance is None or not remittance.bills:
        why = alerts[0].message if alerts else "contenu illisible"
        return None, why
    frame = _read_entries(entries)
    amounts = [b.amount_cents for b in remittance.bills]
    parts = _customer_parts(frame, amounts)
    reference = remittance.remittance_ref
    journal, account, lettering = m.group("journal"), "", False
    if frame is not None and not frame.empty:
        reference = str(frame["document_ref"].iloc[0]).strip() or reference
        journal = str(frame["journal_code"].iloc[0]).strip() or journal
        own = frame[frame["subledger_account"].astype(str) == ""]
        account = str(own["ledger_account"].iloc[0]) if not own.empty else ""
        lettering = bool((frame["lettering_code"].astype(str).str.strip() != "").any())
    if not account:
        account = "511400" if remittance.collection_option in ("1", "2") else "511300"
    parties = {p.code: p for p in model.parties} if model is not None else {}
    if parts is None:  # no usable entries: the customer from the drawee's name in the dossier
        from reglo.core.writers.cfonb160 import clean_text

        by_name: dict[str, str] = {}
        for p in parties.values():
            name, _ = clean_text(p.legal_name, max_length=24, field="Nom du tiré")
            by_name.setdefault(name, p.code)
        parts = [[(by_name.get(b.drawee_name, ""), b.amount_cents, "")] for b in remittance.bills]
    siren = (parse_created_fec_name(entries.name)[0] if entries is not None else "") or (model.company.siren if model is not None else "") \
        or remittance.drawer_siren
    invoices = _invoices(dossier, remittance.remittance_date, siren)
    by_customer: dict[str, list[Any]] = {}
    for inv in sorted(invoices, key=lambda i: (i.customer_code, i.entry_date, i.document_ref, i.key)):  # the order « Transfert » proposes them
        by_customer.setdefault(inv.customer_code, []).append(inv)
    lines: list[LineState] = []
    bills: list[dict[str, Any]] = []
    unmatched = 0
    for bill, bill_parts in zip(remittance.bills, parts):
        customer = bill_parts[0][0] if bill_parts else ""
        base = {"due_date": bill.due_date.isoformat(), "acceptance": bill.acceptance_code.value}
        got = _match(by_customer.get(customer, []), bill_parts, bill, collected) if customer else [(None, bill.amount_cents, True)]
        for inv, cents, approx in got:
            if inv is None:
                unmatched += 1
                key, ref = f"{UNMATCHED}|{customer or '?'}|{reference}|{unmatched}", bill.drawee_ref.lstrip("0")
                meta = {**base, "unmatched": True}
            else:
                key, ref = inv.key, inv.document_ref or inv.entry_number
                meta = {**base, "approximate": True} if approx else base
            n = gens.get(key, 0)
            lines.append(LineState(item_key=key, amount_cents=cents, payment_key=f"LCR:{key}" + (f"#{n}" if n else ""), party_code=customer,
                                   document_ref=ref, meta=meta))
        party = parties.get(customer)
        refs = {(i.document_ref or "").upper().rjust(10, "0"): i.document_ref for i in by_customer.get(customer, []) if i.document_ref}
        bank_text = bill.drawee_bank_name
        if party is not None and party.main_bank_account is not None and party.main_bank_account.label:
            bank_text = party.main_bank_account.label
        if not bank_text:
            bank_text = mask_iban(_iban_of(bill.drawee_account))
        bills.append({"party_code": customer, "name": (party.legal_name if party is not None else "") or bill.drawee_name, "bank": bank_text,
                      "reference": refs.get(bill.drawee_ref, bill.drawee_ref.lstrip("0")) if bill.drawee_ref else "",
                      "due_date": bill.due_date.isoformat(), "amount_cents": bill.amount_cents})
    account_of = None
    if model is not None:
        account_of = next((b for b in model.company.bank_accounts if b.journal_code.upper() == journal.upper()), None)
    files = [FileRecord(folder=FOLDER, name=bank.name, sha256=_sha(bank), role="bank")]
    meta: dict[str, Any] = {"file_name": bank.name, "sha256": files[0].sha256, "remittance_date": remittance.remittance_date.isoformat(),
                            "journal_code": journal, "remittance_account": account}
    if entries is not None:
        files.append(FileRecord(folder=FOLDER, name=entries.name, sha256=_sha(entries), role="entries"))
        meta["entries_file"] = entries.name
    if lettering:
        files += _lettered_files(dossier, reference)
    meta.update({"bank_label": (account_of.label or account_of.journal_code) if account_of is not None else (remittance.drawer_bank_name or journal),
                 "iban": str(account_of.iban) if account_of is not None else _iban_of(remittance.drawer_account),
                 "lettering": lettering, "bills": bills, "repaired": True, "repaired_at": now.isoformat()})
    return BatchState(id=0, kind=KIND, reference=reference, status="committed", created_at=datetime.fromtimestamp(bank.stat().st_mtime).astimezone(),
                      host=host, folder=str(dossier), user=user, meta=meta, lines=tuple(lines), files=tuple(files)), ""


def _lettered_files(dossier: Path, reference: str) -> list[FileRecord]:
    """The lettered copy and its undo journal, when their last run is this remittance's lettering."""
    import json

    for undo in sorted(dossier.glob("*.lettrage.json")):
        try:
            data = json.loads(undo.read_text("utf-8"))
            runs = data.get("runs") or []
            groups = runs[-1].get("groups") or [] if runs else []
            copy = dossier / str(data.get("fec") or "")
        except (OSError, ValueError, AttributeError):
            continue
        if groups and all(g.get("reason") == f"LCR {reference}" for g in groups) and copy.is_file() and copy.parent == dossier:
            replaces = "" if len(runs) == 1 else None  # the first run created the copy; before that, unknown
            return [FileRecord(folder="", name=copy.name, sha256=_sha(copy), role="ledger", replaces_sha256=replaces),
                    FileRecord(folder="", name=undo.name, sha256=_sha(undo), role="journal", replaces_sha256=replaces)]
    return []


# ---------------------------------------------------------------------------
# un-validations
# ---------------------------------------------------------------------------

def _unvalidations(unknown: list[Path], dossier: Path) -> list[tuple[str, Path, list[str]]]:
    """(stamp ``AAMMJJHHMMSS``, CSV, receipts it cancels) of the LCR un-validations, oldest first."""
    out = []
    for p in unknown:
        m = _UNVALIDATION_CSV.match(p.name)
        if m is None or p.parent != dossier / FOLDER:
            continue
        try:
            rows = list(csv.DictReader(io.StringIO(p.read_text("utf-8-sig")), delimiter=";"))
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        ids = sorted({(r.get("Annule") or "").strip() for r in rows} - {""})
        if ids:
            out.append((m.group("day")[2:] + m.group("time"), p, ids))
    return sorted(out, key=lambda x: (x[0], x[1].name))


def _reopened(ids: list[str], batches: dict[str, tuple[int, BatchState]]) -> list[tuple[str, LineState, str]] | None:
    """(remittance, line, receipt id) of each receipt an un-validation cancelled, in register
    order (None when one names no remittance the register knows)."""
    order = {ref: n for n, ref in enumerate(batches)}
    out = []
    for rid in ids:
        ref, _, n = rid.rpartition("-")
        if ref not in batches or not n.isdigit() or not 1 <= int(n) <= len(batches[ref][1].lines):
            return None
        out.append((order[ref], int(n), ref, batches[ref][1].lines[int(n) - 1], rid))
    return [(ref, line, rid) for _, _, ref, line, rid in sorted(out, key=lambda x: (x[0], x[1]))]


def _unvalidation_batch(csv_path: Path, stamp: str, ids: list[str], reopened: list[tuple[str, LineState, str]], refs: set[str], *,
                        dossier: Path, now: datetime, host: str, user: str) -> BatchState:
    from reglo.core.outcome import free_name

    lines = tuple(LineState(item_key=l.item_key, amount_cents=-l.amount_cents, party_code=l.party_code, document_ref=l.document_ref,
                            meta={"batch": ref, "cancels": rid}) for ref, l, rid in reopened)
    parties = {l.party_code for _, l, _ in reopened}
    if len(reopened) == 1:
        scope, party, item = "ligne", "", reopened[0][1].item_key
    elif len(parties) == 1:
        scope, party, item = "client", next(iter(parties)), ""
    else:
        scope, party, item = "tous", "", ""
    reference = free_name(f"DEV-LCR-20{stamp[:6]}-{stamp[6:]}", refs)
    return BatchState(id=0, kind=REOPEN_KIND, reference=reference, status="committed", created_at=datetime.fromtimestamp(csv_path.stat().st_mtime).astimezone(),
                      host=host, folder=str(dossier), user=user, lines=lines,
                      files=(FileRecord(folder=FOLDER, name=csv_path.name, sha256=_sha(csv_path), role="data"),),
                      meta={"scope": scope, "party": party, "item": item, "cancellations": ids, "repaired": True, "repaired_at": now.isoformat()})


# ---------------------------------------------------------------------------
# bank rejects
# ---------------------------------------------------------------------------

def _rejects(found: list[Any]) -> dict[str, Any]:
    """Rejected remittance reference → its reversal entries file (``REJ-<reference>``)."""
    out: dict[str, Any] = {}
    for rb in found:
        if rb.format != "fec" or rb.folder.split("/")[0] != FOLDER:
            continue
        created = parse_created_fec_name(rb.path.name)
        if created is None or not created[2].startswith("REJ-"):
            continue
        frame = _read_entries(rb.path)
        target = str(frame["document_ref"].iloc[0]).strip() if frame is not None and not frame.empty else created[2][4:]
        out.setdefault(target, rb)
    return out


def _sort_key(rb: Any) -> tuple[str, int, str]:
    m = _BANK_FILE.match(rb.path.name)
    return (m.group("stamp"), int(m.group("n") or 1), rb.path.name) if m else ("", 0, rb.path.name)


def record_lcr(store: Any, dossier: Path, found: list[Any], unknown: list[Path], *, now: datetime, host: str = "", user: str = "",
               notes: list[str] | None = None) -> tuple[list[Any], list[Path], list[tuple[int, str, list[str]]]]:
    """Record the LCR remittances (and their bank rejects) among ``found`` (files the register
    does not know) and take their entries files out of ``found`` / ``unknown``; returns what is
    left for the generic repair. ``notes`` receives the French notes of files left to it."""
    from reglo.core.lcr.usecases import collected_cents, generations

    banks = [rb for rb in found if rb.format == "cfonb" and rb.folder.split("/")[0] == FOLDER and _BANK_FILE.match(rb.path.name)]
    rejects = _rejects(found)
    devs = _unvalidations(unknown, dossier)
    if not banks and not rejects and not devs:
        return found, unknown, []
    snap: RegisterSnapshot = store.snapshot()  # after the direct debits just repaired: the plan counts them as collected
    collected, gens = collected_cents(snap), generations(snap)
    model = _dossier_model(dossier)
    known = snap.file_names()
    refs = {b.reference for b in snap.batches}
    taken: set[Path] = set()
    recorded: list[tuple[int, str, list[str]]] = []
    batches: dict[str, tuple[int, BatchState]] = {b.reference: (b.id, b) for b in snap.batches if b.kind == KIND}
    from reglo.core.lcr.usecases import reopened_pairs

    already = reopened_pairs(snap)

    def replay_unvalidations(stamp: str | None) -> None:
        """The un-validations made before a remittance (``stamp``; None: all that are left)."""
        for dev in list(devs):
            when, path, ids = dev
            reopened = _reopened(ids, batches)
            if stamp is not None and not (when < stamp or (when == stamp and reopened is not None)):
                continue
            devs.remove(dev)
            if reopened is None or any((ref, l.item_key) in already for ref, l, _ in reopened):
                continue  # names a remittance the register does not know, or already replayed: left alone
            batch = _unvalidation_batch(path, when, ids, reopened, refs, dossier=dossier, now=now, host=host, user=user)
            bid = store.record(batch, at=now, source="repair")
            refs.add(batch.reference)
            taken.add(path)
            recorded.append((bid, batch.reference, [path.name]))
            for ref, line, _ in reopened:
                already.add((ref, line.item_key))
                collected[line.item_key] = collected.get(line.item_key, 0) - line.amount_cents
                gens[line.item_key] = gens.get(line.item_key, 0) + 1

    for rb in sorted(banks, key=_sort_key):  # oldest first: what is left to collect chains
        replay_unvalidations(_sort_key(rb)[0])
        entries = _entries_for(rb.path)
        if entries is not None and entries.name in known:
            entries = None
        batch, why = rebuild(dossier, rb.path, entries, collected, gens, model=model, now=now, host=host, user=user)
        if batch is None:
            if why and notes is not None:
                notes.append(f"Fichier LCR {rb.path.name} illisible ou modifié ({why}) : enregistré tel quel, sans les factures qu'il remettait ; "
                             "vérifiez-le avant toute nouvelle remise LCR, ces factures pourraient être proposées à nouveau.")
            continue
        if batch.reference in refs:
            batch = batch.model_copy(update={"reference": f"{batch.reference}#{rb.path.name}"})
        reject = rejects.get(batch.reference)
        if reject is not None:
            batch = batch.model_copy(update={"status": "cancelled", "cancel_reason": REJECT_REASON,
                                             "cancelled_at": datetime.fromtimestamp(reject.path.stat().st_mtime).astimezone()})
            for line in batch.lines:  # rejected: its invoices were open again for the remittances after it
                collected[line.item_key] = collected.get(line.item_key, 0) - line.amount_cents
        bid = store.record(batch, at=now, source="repair")
        refs.add(batch.reference)
        batches[batch.reference] = (bid, batch)
        taken.add(rb.path)
        if entries is not None:
            taken.add(entries)
        recorded.append((bid, batch.reference, [f.name for f in batch.files]))
        loose = [l for l in batch.lines if l.meta.get("unmatched") or l.meta.get("approximate")]
        if loose and notes is not None:
            from reglo.core.money import cents_to_money, format_display

            notes.append(f"Remise LCR {batch.reference} ({rb.path.name}) : {len(loose)} ligne(s) pour "
                         f"{format_display(cents_to_money(sum(l.amount_cents for l in loose)))} rattachée(s) sans certitude aux factures ouvertes "
                         "(le FEC du dossier a changé depuis la remise ?) : vérifiez-les dans le registre (reglo register status --dossier …).")
    replay_unvalidations(None)
    for target, rb in sorted(rejects.items(), key=lambda kv: kv[1].path.name):
        if target not in batches:
            continue  # the remittance is not known: the generic repair records the file
        bid, batch = batches[target]
        if batch.status != "cancelled":
            store.set_status(bid, "cancelled", at=now, reason=REJECT_REASON, by=user)
        stem = parse_created_fec_name(rb.path.name)[2]  # type: ignore[index]
        files = [FileRecord(folder=rb.folder, name=rb.path.name, sha256=rb.sha256, role="entries")]
        for p in unknown:
            m = _REJECT_CSV.match(p.name)
            if m and m.group("ref") == target and p.parent == rb.path.parent and p not in taken:
                files.append(FileRecord(folder=rb.folder, name=p.name, sha256=_sha(p), role="data"))
                taken.add(p)
        reference = stem if stem not in refs else f"{stem}#{rb.path.name}"
        reject_batch = BatchState(id=0, kind=REJECT_KIND, reference=reference, status="committed", created_at=datetime.fromtimestamp(rb.path.stat().st_mtime).astimezone(),
                                  host=host, folder=str(dossier), user=user, files=tuple(files),
                                  meta={"rejected": target, "reason": REJECT_REASON, "batch_id": bid, "repaired": True, "repaired_at": now.isoformat()})
        rid = store.record(reject_batch, at=now, source="repair")
        refs.add(reference)
        taken.add(rb.path)
        recorded.append((rid, reference, [f.name for f in files]))
        if notes is not None:
            notes.append(f"Remise LCR {target} : rejet bancaire retrouvé ({rb.path.name}) ; la remise est enregistrée annulée, ses factures "
                         "peuvent être remises à nouveau. Le motif saisi lors du rejet n'est pas dans les fichiers.")
    return [rb for rb in found if rb.path not in taken], [p for p in unknown if p not in taken], recorded


__all__ = ["rebuild", "record_lcr"]
