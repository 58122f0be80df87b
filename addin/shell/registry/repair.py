"""``reglo register repair``: give a dossier its register back.

1. When the SQLite register is missing, empty, truncated or garbage, it is rebuilt from the
   journal (``reglo-registre.journal``) into a new file; the damaged file is kept aside as
   ``reglo-registre.sqlite.endommage-<date>`` (never deleted). A sound register is kept.
2. The dossier's output folders are scanned for files Reglo wrote that the register does not
   know (a run killed after writing its file): SEPA pain.001 / pain.008 files (MsgId,
   end-to-end ids, remittance text, amounts read back), FEC-format entries files
   (``<SIREN>FEC<closing>-<reference>.txt``, or ``*-ecritures.txt`` / ``Reglements_clients_*.txt``
   in older dossiers: entry numbers and amounts) and CFONB files. Each is recorded as a
   *committed* batch with ``meta.repaired = true``, so that nothing already paid is paid again.
   A pain file ``<MsgId>.xml`` and its entries file (``<SIREN>FEC<closing>-<MsgId>.txt`` or
   ``<MsgId>-ecritures.txt``) make one batch.

:func:`orphan_files` is the same scan without recording: the payment workflows refuse to run
while it finds something.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reglo.core.fec_names import parse_created_fec_name
from reglo.core.register_state import BatchState, FileRecord, LineState, RegisterSnapshot

from reglo.addin.shell.files import move_aside
from reglo.addin.shell.registry.base import RegisterStore, RegisterUnreadable
from reglo.addin.shell.registry.config import JOURNAL_FILE, REGISTER_FILE, open_configured
from reglo.addin.shell.registry.journal import Journal, replay
from reglo.addin.shell.registry.sqlite import OUTPUT_FOLDERS, SqliteStore

_KIND_BY_FOLDER = {"virements": "virement", "reglements": "reglement", "prelevements": "prelevement", "lcr": "lcr",
                   "decaissements": "decaissement", "imports": "import_ecritures"}
_CFONB_WIDTHS = (120, 160, 240)


@dataclass
class ReadBack:
    """What a file Reglo wrote says about itself."""

    path: Path
    folder: str  # relative to the dossier
    format: str  # "pain.001", "pain.008", "fec", "cfonb"
    reference: str
    lines: list[LineState]
    meta: dict[str, Any] = field(default_factory=dict)
    role: str = "bank"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass
class RepairReport:
    rebuilt: bool = False
    damaged_copy: Path | None = None
    replayed: int = 0
    recorded: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (batch id, reference, file names)
    unknown: list[Path] = field(default_factory=list)  # files of the output folders neither known nor recognised
    journal_lines: int = 0
    notes: list[str] = field(default_factory=list)  # French notes of the dedicated repairs (LCR file left to the generic repair…)

    def lines_fr(self) -> list[str]:
        out = []
        if self.rebuilt:
            out.append(f"Registre reconstruit à partir du journal : {self.replayed} changement(s) rejoué(s).")
            if self.damaged_copy:
                out.append(f"L'ancien registre endommagé est conservé sous {self.damaged_copy.name}.")
        if self.journal_lines:
            out.append(f"Journal complété : {self.journal_lines} ligne(s) ajoutée(s) depuis le registre.")
        for bid, ref, names in self.recorded:
            out.append(f"Fichier inconnu du registre enregistré comme lot validé {bid} ({ref}) : {', '.join(names)}.")
        out += self.notes
        for p in self.unknown:
            out.append(f"Fichier non reconnu laissé tel quel (il n'est pas enregistré) : {p}")
        if not out:
            out.append("Le registre est sain et connaît tous les fichiers du dossier : rien à réparer.")
        return out


# ---------------------------------------------------------------------------
# reading files back
# ---------------------------------------------------------------------------

def _cents(text: str | None) -> int:
    if not text:
        return 0
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in t and "." in t:
        t = t.replace(".", "")
    try:
        return int((Decimal(t.replace(",", ".")) * 100).to_integral_value())
    except InvalidOperation:
        return 0


def _read_pain(path: Path, folder: str) -> ReadBack | None:
    from lxml import etree

    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)).getroot()
    except (etree.XMLSyntaxError, OSError):
        return None
    ns = etree.QName(root).namespace or ""
    if "pain.001" in ns:
        fmt, tx_tag, party, acct = "pain.001", "CdtTrfTxInf", "Cdtr", "CdtrAcct"
    elif "pain.008" in ns:
        fmt, tx_tag, party, acct = "pain.008", "DrctDbtTxInf", "Dbtr", "DbtrAcct"
    else:
        return None
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    msg_id = root.findtext(f".//{q('GrpHdr')}/{q('MsgId')}") or path.stem
    lines = []
    for tx in root.iter(q(tx_tag)):
        e2e = tx.findtext(f"{q('PmtId')}/{q('EndToEndId')}") or ""
        amount = _cents(tx.findtext(f".//{q('InstdAmt')}"))
        name = tx.findtext(f"{q(party)}/{q('Nm')}") or ""
        iban = tx.findtext(f"{q(acct)}/{q('Id')}/{q('IBAN')}") or ""
        ustrd = " ".join((u.text or "").strip() for u in tx.findall(f"{q('RmtInf')}/{q('Ustrd')}")).strip()
        ref = tx.findtext(f"{q('RmtInf')}/{q('Strd')}/{q('CdtrRefInf')}/{q('Ref')}") or ""
        meta: dict[str, Any] = {"e2e": e2e, "name": name, "iban": iban, "remittance": ustrd or ref, "repaired": True}
        mandate = tx.findtext(f".//{q('MndtId')}")
        if mandate:
            meta["mandate"] = mandate
        lines.append(LineState(item_key=f"e2e:{e2e}" if e2e else f"file:{path.name}:{len(lines) + 1}", amount_cents=amount, party_code=name,
                               document_ref=(ustrd or ref)[:140], meta=meta))
    return ReadBack(path, folder, fmt, msg_id, lines, {"format": fmt, "message_id": msg_id})


def _dossier_ledger(dossier: Path) -> Any:
    """The dossier's FEC (not the lettered copy) as a ledger frame with ``key`` (the ledger
    line keys the transfers workflow records), or None."""
    import re

    from reglo.core.fec import read_fec
    from reglo.core.transfers.selection import line_keys

    fecs = sorted(p for p in dossier.glob("*FEC*.txt") if "lettré" not in p.name and re.match(r"^\d{9}FEC\d{8}", p.name) and not _CREATED_FEC.match(p.name))
    if not fecs:
        return None
    try:
        frame = read_fec(fecs[-1].read_bytes(), filename=fecs[-1].name).frame
    except Exception:  # noqa: BLE001 - an unreadable FEC: the file's own lines are recorded
        return None
    frame = frame[frame["lettering_code"].astype(str).str.strip() == ""]
    return frame.assign(key=line_keys(frame), net=frame["credit"] - frame["debit"])


def _refs(remittance: str) -> list[str]:
    words = [w.strip(",;") for w in remittance.replace(",", " ").split()]
    return [w for w in words if w and w.upper() not in ("FACT", "FACTURE", "FACTURES", "FACT.")]


def map_to_ledger(rb: ReadBack, ledger: Any) -> list[LineState]:
    """A pain.001 / pain.008 read back, its transactions matched to the ledger lines they
    pay (document refs of the remittance text, side of an invoice, amount): lines with the
    ledger keys the workflows record, so that the invoices count as paid. A transaction that
    matches nothing keeps its own line (``e2e:…``)."""
    if ledger is None or rb.format not in ("pain.001", "pain.008"):
        return rb.lines
    sign = 1 if rb.format == "pain.001" else -1  # supplier invoices are credits, customer invoices debits
    out: list[LineState] = []
    used: set[str] = set()
    for line in rb.lines:
        refs = _refs(line.meta.get("remittance", ""))
        cand = ledger[ledger["document_ref"].isin(refs) & ((ledger["net"] * sign) > 0) & ~ledger["key"].isin(used)] if refs else ledger.iloc[0:0]
        left = line.amount_cents
        mapped = []
        for _, row in cand.iterrows():
            if left <= 0:
                break
            open_cents = abs(int(row["net"]))  # the ledger frame holds cents
            take = min(open_cents, left)
            mapped.append(LineState(item_key=row["key"], amount_cents=take, party_code=str(row.get("subledger_account") or ""),
                                    document_ref=str(row["document_ref"]), original_cents=open_cents, meta={**line.meta, "matched": "ledger"}))
            used.add(row["key"])
            left -= take
        if mapped and left == 0:
            out.extend(mapped)
        else:
            out.append(line)
    return out


def transfer_payees(entries: Path | None) -> dict[str, tuple[str, str, str]]:
    """End-to-end id → (beneficiary, its entry line's label, lettering code) from a transfers
    entries file (``Virement <e2e> <name> <refs>`` on each supplier line, ``reglo.core.transfers.plan``)."""
    if entries is None:
        return {}
    from reglo.core.fec import read_fec

    try:
        frame = read_fec(entries.read_bytes(), filename=entries.name).frame
    except Exception:  # noqa: BLE001 - no entries file to read: the remittance text alone
        return {}
    out: dict[str, tuple[str, str, str]] = {}
    for r in frame.to_dict("records"):
        words = str(r["label"]).split()
        if len(words) >= 2 and words[0] == "Virement" and int(r["debit"]) > 0:
            out.setdefault(words[1], (str(r["subledger_account"]).strip() or str(r["ledger_account"]).strip(), str(r["label"]), str(r["lettering_code"]).strip()))
    return out


def map_transfers(rb: ReadBack, ledger: Any, payees: dict[str, tuple[str, str, str]], paid: dict[str, int],
                  payers: dict[str, list[int]]) -> list[LineState]:
    """A pain.001 read back, each transfer matched to the ledger lines it paid, as
    ``plan_generate`` records them: the open lines of its beneficiary (from the entries file)
    whose piece the remittance text or the entry label names — invoices (credit lines) and the
    debit lines (credit notes, deposits) netted in the transfer, negative — each for what was
    still open (``paid``: item key → cents recorded by the files repaired before, updated here).

    When the lines add up to the transfer, each is recorded for its open amount. When they add
    up to more (a partial payment), a single invoice takes the difference; with several, the
    files do not say which one was paid in part: each is recorded for its whole open amount
    (``meta.partial_unknown_cents``), so that nothing paid is offered again — the remainder then
    has to be paid by hand. What no line explains is kept on the transfer's own line
    (``e2e:…``)."""
    from reglo.core.writers.sepa_text import transliterate

    if ledger is None:
        return rb.lines
    if "_refkey" not in ledger.columns:
        ledger["_refkey"] = [transliterate(str(r)) for r in ledger["document_ref"]]
        ledger["_payee"] = [str(a).strip() or str(g).strip() for a, g in zip(ledger["subledger_account"], ledger["ledger_account"])]
    out: list[LineState] = []
    for line in rb.lines:
        e2e = line.meta.get("e2e", "")
        payee, label, letter = payees.get(e2e, ("", "", ""))
        refs = set(_refs(line.meta.get("remittance", ""))) | set(_refs(label))
        refs |= {transliterate(r) for r in refs}
        cand = ledger[ledger["_refkey"].isin(refs) | ledger["document_ref"].astype(str).isin(refs)]
        if payee:
            cand = cand[cand["_payee"] == payee]
        rows = []
        for r in cand.to_dict("records"):
            left = int(r["net"]) - paid.get(r["key"], 0)
            if left != 0 and (left > 0) == (int(r["net"]) > 0):
                rows.append((r, left))
        total = sum(left for _, left in rows)
        if not rows or not any(left > 0 for _, left in rows):
            out.append(line)
            continue
        take = {r["key"]: left for r, left in rows}
        meta_extra: dict[str, Any] = {}
        if total > line.amount_cents:
            short = total - line.amount_cents
            invoices = [r["key"] for r, left in rows if left > 0]
            if len(invoices) == 1 and take[invoices[0]] > short:
                take[invoices[0]] -= short
            else:
                meta_extra["partial_unknown_cents"] = short
        for r, left in rows:
            key = r["key"]
            out.append(LineState(item_key=key, amount_cents=take[key], payment_key=f"{key}@{','.join(str(i) for i in sorted(payers.get(key, [])))}",
                                 party_code=r["_payee"], document_ref=str(r["document_ref"]), original_cents=left,
                                 meta={**line.meta, "matched": "ledger", "transfer_cents": line.amount_cents, "ledger_cents": int(r["net"]),
                                       "kind": "Facture" if int(r["net"]) > 0 else "Débit", "lettering": letter, "paid_before_cents": paid.get(key, 0),
                                       **meta_extra}))
            paid[key] = paid.get(key, 0) + take[key]
        if total < line.amount_cents:  # more paid than the lines named: kept on the transfer itself
            out.append(line.model_copy(update={"amount_cents": line.amount_cents - total, "meta": {**line.meta, "unmatched": True}}))
    return out


def _read_fec(path: Path, folder: str) -> ReadBack | None:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        return None
    rows = [r for r in text.splitlines() if r.strip()]
    if not rows:
        return None
    sep = "\t" if "\t" in rows[0] else ("|" if "|" in rows[0] else None)
    if sep is None:
        return None
    header = [h.strip().casefold() for h in rows[0].split(sep)]
    try:
        journal, number, debit = header.index("journalcode"), header.index("ecriturenum"), header.index("debit")
    except ValueError:
        return None
    entries: dict[tuple[str, str], int] = {}
    for row in rows[1:]:
        cells = row.split(sep)
        if len(cells) <= max(journal, number, debit):
            continue
        key = (cells[journal].strip(), cells[number].strip())
        entries[key] = entries.get(key, 0) + _cents(cells[debit])
    if not entries:
        return None
    lines = [LineState(item_key=f"entry:{j}:{n}", amount_cents=c, document_ref=n, meta={"journal": j, "entry": n, "repaired": True})
             for (j, n), c in entries.items()]
    return ReadBack(path, folder, "fec", path.stem, lines, {"format": "fec", "entries": len(lines)}, role="entries")


def _read_cfonb(path: Path, folder: str) -> ReadBack | None:
    try:
        text = path.read_bytes().decode("latin-1")
    except OSError:
        return None
    rows = [r for r in text.replace("\r\n", "\n").split("\n") if r]
    if not rows or len({len(r) for r in rows}) != 1 or len(rows[0]) not in _CFONB_WIDTHS or not all(r[:2].isdigit() for r in rows):
        return None
    lines = [LineState(item_key=f"file:{path.name}:{i}", amount_cents=0, document_ref=r[:2], meta={"record": i, "repaired": True})
             for i, r in enumerate(rows, start=1) if r[:2] in ("06", "08")]  # detail records
    return ReadBack(path, folder, "cfonb", path.stem, lines, {"format": "cfonb", "records": len(rows)})


def read_back(path: Path, folder: str) -> ReadBack | None:
    """What Reglo wrote in ``path`` (None: not a file Reglo writes)."""
    name = path.name.lower()
    if name.endswith(".xml"):
        return _read_pain(path, folder)
    if name.endswith("-ecritures.txt") or _CREATED_FEC.match(path.name) or (folder == "" and _ROOT_OUTPUTS.match(path.name)):
        return _read_fec(path, folder)
    if name.endswith((".txt", ".cfonb", ".dat", ".lcr")):
        return _read_cfonb(path, folder) or (_read_fec(path, folder) if folder in ("reglements", "imports") else None)
    return None


# any FEC Reglo creates: <SIREN>FEC<closing>-<reference>.txt (reglo.core.fec_names.created_fec_name)
_CREATED_FEC = re.compile(r"^\d{9}FEC20\d{6}-.+\.txt$")
# outputs written in the dossier folder itself (payments import entries, under the current or the former name)
_ROOT_OUTPUTS = re.compile(r"^(Reglements_clients_\d{8}-\d{6}(-\d+)?|\d{9}FEC20\d{6}-.+)\.txt$")


def _entries_stem(name: str) -> str:
    """What pairs an entries file with its bank file: the reference of a created name
    (``<SIREN>FEC<closing>-<MsgId>.txt`` → MsgId), the MsgId of ``<MsgId>-ecritures.txt``,
    else the name without extension."""
    created = parse_created_fec_name(name)
    if created is not None:
        return created[2]
    return name[: -len("-ecritures.txt")] if name.lower().endswith("-ecritures.txt") else name.rsplit(".", 1)[0]


def _output_files(dossier: Path) -> list[tuple[Path, str]]:
    out = [(p, "") for p in sorted(dossier.glob("*.txt")) if p.is_file() and _ROOT_OUTPUTS.match(p.name)]
    for sub in OUTPUT_FOLDERS:
        base = dossier / sub
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".tmp"):
                out.append((p, p.parent.relative_to(dossier).as_posix()))
    return out


def _known(snapshot: RegisterSnapshot) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    names = {(f.folder, f.name) for b in snapshot.batches for f in b.files}
    bare = {f.name for b in snapshot.batches for f in b.files}
    hashes = {f.sha256 for b in snapshot.batches for f in b.files if f.sha256}
    return names, bare, hashes


def orphan_files(dossier: str | Path, snapshot: RegisterSnapshot) -> list[ReadBack]:
    """Files in the output folders that Reglo wrote and the register does not know."""
    dossier = Path(dossier)
    names, bare, hashes = _known(snapshot)
    out = []
    for path, folder in _output_files(dossier):
        if (folder, path.name) in names or path.name in bare:
            continue
        rb = read_back(path, folder)
        if rb is not None and rb.sha256 not in hashes:
            out.append(rb)
    return out


# ---------------------------------------------------------------------------
# repair
# ---------------------------------------------------------------------------

def rebuild_sqlite(dossier: Path, *, now: datetime) -> tuple[Path | None, int]:
    """Rebuild ``reglo-registre.sqlite`` from the journal (the damaged file is kept aside)."""
    target = dossier / REGISTER_FILE
    tmp = dossier / f".{REGISTER_FILE}.reconstruction"
    for p in (tmp, tmp.with_name(tmp.name + "-journal")):
        p.unlink(missing_ok=True)
    store = SqliteStore(tmp)
    store.journal = None  # replaying must not write the journal again
    try:
        store.create_schema(now)
        applied = replay(list(Journal(dossier / JOURNAL_FILE).entries()), store)
    finally:
        store.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    kept = None
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for p in (target, target.with_name(target.name + "-journal"), target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        if p.exists():
            aside = move_aside(p, f".endommage-{stamp}")  # never over an earlier damaged copy
            if p == target:
                kept = aside
    os.replace(tmp, target)
    return kept, applied


def record_orphans(store: RegisterStore, dossier: Path, *, now: datetime, host: str = "", user: str = "", notes: list[str] | None = None) -> tuple[list[tuple[int, str, list[str]]], list[Path]]:
    snap = store.snapshot()
    found = orphan_files(dossier, snap)
    names, bare, _ = _known(snap)
    recognised = {rb.path for rb in found}
    unknown = [p for p, folder in _output_files(dossier) if (folder, p.name) not in names and p.name not in bare and p not in recognised]
    from reglo.addin.shell.registry.repair_debits import record_debits  # direct debits: pain.008 + entries file, line by line
    found, unknown, debits = record_debits(store, dossier, snap, found, unknown, now=now, host=host, user=user)
    from reglo.addin.shell.registry.repair_payments import record_payments  # payments import: entries file → invoice lines, payment keys
    found, unknown, payments = record_payments(store, dossier, snap, found, unknown, now=now, host=host, user=user)
    debits = debits + payments
    from reglo.addin.shell.registry.repair_disbursement import record_disbursement  # disbursement wizard: slips, pain.001, postings (test ones as tests)
    found, unknown, disbursements = record_disbursement(store, dossier, snap, found, unknown, now=now, host=host, user=user)
    debits = debits + disbursements
    from reglo.addin.shell.registry.repair_lcr import record_lcr  # LCR: CFONB 160 + entries file, invoice by invoice; bank rejects
    found, unknown, lcr = record_lcr(store, dossier, found, unknown, now=now, host=host, user=user, notes=notes)
    debits = debits + lcr
    # a pain file and its entries file ("<SIREN>FEC<closing>-<MsgId>.txt" or "<MsgId>-ecritures.txt") make one batch
    groups: dict[tuple[str, str], list[ReadBack]] = {}
    for rb in found:
        stem = _entries_stem(rb.path.name) if rb.format == "fec" else rb.path.stem
        groups.setdefault((rb.folder, stem), []).append(rb)
    recorded = list(debits)
    refs = {b.reference for b in snap.batches} | {ref for _, ref, _ in debits}
    ledger = _dossier_ledger(dossier) if any(rb.format in ("pain.001", "pain.008") for rb in found) else None
    paid: dict[str, int] = dict(snap.paid_cents_by_item("virement"))  # transfers repaired oldest first: what each one found still open
    payers: dict[str, list[int]] = {}
    for b in snap.live("virement"):
        for l in b.lines:
            payers.setdefault(l.item_key, []).append(b.id)
    for (folder, stem), members in sorted(groups.items()):
        members.sort(key=lambda r: (r.format == "fec", r.path.name))
        head = members[0]
        reference = head.reference if head.format != "fec" else stem
        if reference in refs:
            reference = f"{reference}#{head.path.name}"
        kind = _KIND_BY_FOLDER.get(folder.split("/")[0], "repare")
        meta = {"repaired": True, "repaired_at": now.isoformat(), "formats": [m.format for m in members], **{k: v for m in members for k, v in m.meta.items()}}
        if any(m.format == "pain.001" for m in members) and kind == "virement":  # supplier transfers: the plan's lines, partial and netted ones
            payees = transfer_payees(next((m.path for m in members if m.format == "fec"), None))
            lines = tuple(l for m in members if m.format != "fec" for l in (map_transfers(m, ledger, payees, paid, payers) if m.format == "pain.001" else m.lines))
            meta["entry_numbers"] = [l.meta["entry"] for m in members if m.format == "fec" for l in m.lines]
        elif any(m.format != "fec" for m in members):  # the bank file says what was paid; its entries file, which entries
            lines = tuple(l for m in members if m.format != "fec" for l in map_to_ledger(m, ledger))
            meta["entry_numbers"] = [l.meta["entry"] for m in members if m.format == "fec" for l in m.lines]
        else:
            lines = tuple(l for m in members for l in m.lines)
        batch = BatchState(id=0, kind=kind, reference=reference, status="committed", created_at=datetime.fromtimestamp(head.path.stat().st_mtime).astimezone(),
                           host=host, folder=str(dossier), user=user, meta=meta, lines=lines,
                           files=tuple(FileRecord(folder=m.folder, name=m.path.name, sha256=m.sha256, role=m.role) for m in members))
        bid = store.record(batch, at=now, source="repair")  # type: ignore[attr-defined]
        if kind == "virement":
            for l in lines:
                payers.setdefault(l.item_key, []).append(bid)
        refs.add(reference)
        recorded.append((bid, reference, [m.path.name for m in members]))
    return recorded, unknown


def repair(dossier: str | Path, *, now: datetime | None = None, url: str | None = None, dossier_id: str | None = None, host: str = "", user: str = "") -> RepairReport:
    dossier = Path(dossier)
    now = now or datetime.now().astimezone()
    report = RepairReport()
    try:
        store = open_configured(dossier, url=url, dossier_id=dossier_id)
    except RegisterUnreadable:
        report.damaged_copy, report.replayed = rebuild_sqlite(dossier, now=now)
        report.rebuilt = True
        store = open_configured(dossier, url=url, dossier_id=dossier_id)
    try:
        with store.lock(timeout=60):
            report.journal_lines = store.sync_journal() if hasattr(store, "sync_journal") else 0
            report.recorded, report.unknown = record_orphans(store, dossier, now=now, host=host, user=user, notes=report.notes)
    finally:
        store.close()
    return report


def rebuild_from_journal(journal: str | Path) -> tuple[RegisterSnapshot, list[dict[str, Any]]]:
    """The register the journal describes (snapshot and status history), rebuilt in a
    scratch SQLite file: what ``repair`` would give back."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="reglo-rebuild-") as tmp:
        store = SqliteStore(Path(tmp) / REGISTER_FILE)
        store.journal = None
        try:
            store.create_schema()
            replay(list(Journal(journal).entries()), store)
            return store.snapshot(), store.history()
        finally:
            store.close()
