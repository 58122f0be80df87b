"""``reglo register repair`` for the disbursement wizard: read the files of ``decaissements/``
back into the register.

« Éditer les bordereaux » (``reglo.core.disbursement.outputs.plan_slip_files``) records one batch
of kind ``decaissement`` per print, reference ``<run>-<slip>-<slip>…``, with its files: per slip
the slip ``<run>-<slip>-bordereau.csv`` (one row per payment: payment id, supplier, amount,
cheque number, the items' pieces), the transfer file ``DEC<AAAAMMJJ><n>-<slip>.xml`` (pain.001)
of a transfer slip, the cheque list ``<run>-<slip>-cheques.csv`` of a cheque slip, and the list of
payments to make by hand. Its lines: one per item a payment settles, ``item_key`` = the wizard's
item key (the ledger line key of the dossier FEC, shared with supplier transfers, or the
« Effets » sheet's key), ``amount_cents`` = what the payment settles on it, ``payment_key =
<run>/<payment>/<item>``. The posting (« Comptabiliser ») records a batch of kind
``decaissement_ecritures`` with its entries file ``<SIREN>FEC<closing>-<run>-<first>-<last>.txt``;
a posting « en mode test » (``…-<run>-TEST-<first>-<last>.txt``) a *test* batch, never paid.

The repair rebuilds them, the slips being the record of what was paid (a slip is printed in
the same commit as its transfer file, and cheque and LCR slips have no bank file):

* the slips of a run written together (within a few seconds) make one batch;
* each payment's items come, in this order, from the run's state saved in the wizard's workbook
  when it is in the dossier folder (hidden sheet « _Décaissement état »: the exact keys and
  amounts, partial payments included); else from the dossier FEC's open supplier lines
  (``reglo.core.disbursement.ledger_items``, same keys) of the payment's supplier (or the
  suppliers its posting lines name) whose piece the slip lists, for the amount its posting
  line shows (else the whole line: never less than paid); else the slip's piece itself is
  the key (the wizard writes the key of an item without piece);
* the posting files become ``decaissement_ecritures`` batches (test or not) and move the
  counters of entry numbers (``entry:decaissement:<journal>``) and message ids past what the
  files used.

What the files do not say is not invented: which slips were printed together when they were
printed within seconds of each other's time is inferred from the files' times; without the
run's state the issuing bank code (meta ``bank``) is left empty; the reservations of open runs
(batches without file) are not rebuilt. A pain.001 without its slip is left to the generic
repair (its transfers recorded as paid, by end-to-end id).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reglo.core.fec_names import parse_created_fec_name
from reglo.core.register_state import (
    BatchState,
    FileRecord,
    LineState,
    RegisterSnapshot,
)

FOLDER = "decaissements"
KIND = "decaissement"
POSTING_KIND = "decaissement_ecritures"
_SLIP = re.compile(r"^(?P<run>.+)-(?P<slip>[^-]+)-bordereau(?:-\d+)?\.csv$")
_CHEQUES = re.compile(r"^(?P<run>.+)-(?P<slip>[^-]+)-cheques(?:-\d+)?\.csv$")
_MANUAL = re.compile(r"^(?P<run>.+)-a-traiter-manuellement(?:-\d+)?\.csv$")
_PAIN = re.compile(r"^DEC\d{8}(?P<n>\d{6})-(?P<slip>[^-.]+)(?:-\d+)?\.xml$")
_POSTING = re.compile(r"^(?P<test>TEST-)?(?P<first>\d+)-(?P<last>\d+)(?:-\d+)?$")
_TOGETHER_SECONDS = 5.0
_STATE_SHEET = "_Décaissement état"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cents(text: str) -> int | None:
    try:
        return int((Decimal(text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")) * 100).to_integral_value())
    except (InvalidOperation, ValueError):
        return None


def _slip_rows(path: Path) -> list[dict[str, Any]] | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if not rows or [h.strip() for h in rows[0][:2]] != ["Règlement", "Tiers"] or len(rows[0]) < 8:
        return None
    out = []
    for r in rows[1:]:
        if len(r) < 8 or not r[0].strip():
            continue
        out.append({"payment": r[0].strip(), "supplier": r[1].strip(), "amount": _cents(r[4]), "cheque": r[6].strip(), "refs": r[7].split()})
    return out


# ---------------------------------------------------------------------------
# where the items come from
# ---------------------------------------------------------------------------

def _run_states(dossier: Path) -> dict[str, Any]:
    """run id → the run's state saved in a wizard workbook of the dossier folder."""
    out: dict[str, Any] = {}
    for book_path in sorted([*dossier.glob("*.xlsx"), *dossier.glob("*.xlsm")]):
        if book_path.name.startswith(("~$", ".")):
            continue
        try:
            with zipfile.ZipFile(book_path) as z:
                if _STATE_SHEET not in z.read("xl/workbook.xml").decode("utf-8", "replace"):
                    continue
            from reglo.addin.backends.sheets import FileWorkbook
            from reglo.addin.shell.disbursement import load_state

            state = load_state(FileWorkbook(book_path))
        except Exception:  # noqa: BLE001, S112 - not a wizard workbook we can read: the ledger, then the slips
            continue
        if state is not None:
            out.setdefault(state.run_id, state)
    return out


def _ledger_items(dossier: Path) -> list[Any]:
    """The dossier FEC's open supplier items, with the keys the wizard gives them."""
    from reglo.core.disbursement.ledger_items import items_from_ledger
    from reglo.core.fec import read_fec

    fecs = sorted(p for p in dossier.glob("*FEC*.txt") if "lettré" not in p.name and re.match(r"^\d{9}FEC\d{8}", p.name) and not parse_created_fec_name(p.name))
    if not fecs:
        return []
    try:
        return items_from_ledger(read_fec(fecs[-1].read_bytes(), filename=fecs[-1].name).frame)
    except Exception:  # noqa: BLE001 - an unreadable FEC: the slips' own pieces
        return []


def _posting_lines(paths: list[Path]) -> dict[str, list[tuple[str, str, int]]]:
    """Piece (payment id or cheque number) → [(supplier, label, cents)] of the 401/409 debit
    lines of the (non-test) posting files."""
    from reglo.core.fec import read_fec

    out: dict[str, list[tuple[str, str, int]]] = {}
    for p in paths:
        try:
            frame = read_fec(p.read_bytes(), filename=p.name).frame
        except Exception:  # noqa: BLE001, S112 - an unreadable posting: the items' whole amounts
            continue
        for r in frame.to_dict("records"):
            sub = str(r["subledger_account"]).strip()
            if sub and int(r["debit"]) > 0:
                out.setdefault(str(r["document_ref"]).strip(), []).append((sub, str(r["label"]), int(r["debit"]) - int(r["credit"])))
    return out


def _original_cents(item: Any) -> int:
    """What all payments of the item's register key may settle, in euro cents (the wizard's rule)."""
    try:
        from reglo.core.disbursement.remainder import original_cents

        return original_cents(item)
    except ImportError:  # a wizard without the remainder rule: the item's amount
        from reglo.core.money import to_cents

        return to_cents(item.main_amount if item.main_amount is not None else item.amount)


def _lines_from_state(state: Any, row: dict[str, Any], slip_id: str) -> list[LineState] | None:
    from reglo.core.disbursement.outputs import settled_cents

    payment = next((p for p in state.payments if p.payment_id == row["payment"]), None)
    if payment is None:
        return None
    items = {i.key: i for i in state.items}
    if any(k not in items for k in payment.keys):
        return None
    slip = next((s for s in state.slips if s.slip_id == slip_id), None)
    settled = settled_cents(state, [payment])
    out = []
    for k in payment.keys:
        item = items[k]
        key = getattr(item, "register_key", k)  # the ledger line key the register counts against
        out.append(LineState(item_key=key, amount_cents=settled[k], payment_key=f"{state.run_id}/{payment.payment_id}/{k}", party_code=item.supplier,
                             document_ref=item.document_ref, original_cents=_original_cents(item),
                             meta={"slip": slip_id, "mode": slip.mode if slip else payment.mode, "bank": slip.bank if slip else (payment.bank or ""),
                                   **({"item": k} if k != key else {}), "source": "state"}))
    return out


def _lines_from_files(run: str, row: dict[str, Any], slip_id: str, mode: str, items: list[Any], posted: dict[str, list[tuple[str, str, int]]],
                      taken: set[str]) -> list[LineState]:
    from reglo.core.money import to_cents

    posting = posted.get(row["payment"], []) + (posted.get(row["cheque"], []) if row["cheque"] else [])
    suppliers = {row["supplier"]} | {s for s, _, _ in posting}
    out: list[LineState] = []
    refs = row["refs"]
    for ref in refs:
        cands = [i for i in items if (i.document_ref == ref or i.key == ref) and i.key not in taken]
        mine = [i for i in cands if i.supplier in suppliers]
        cands = mine or (cands if len(cands) == 1 else [])
        booked_lines = [(s, c) for s, label, c in posting if label.split()[-1:] == [ref] and (not cands or s in {i.supplier for i in cands})]
        booked = [c for _, c in booked_lines]
        if cands:
            item = cands[0]
            full = to_cents(item.main_amount if item.main_amount is not None else item.amount)
            amount = booked[0] if len(booked) == 1 and 0 < booked[0] <= full else full
            key, party, doc, original, source = item.key, item.supplier, item.document_ref, _original_cents(item), "ledger"
        else:  # no open line of the ledger: the slip's piece is the key (the key of an item without piece)
            amount = booked[0] if len(booked) == 1 else (row["amount"] if len(refs) == 1 and row["amount"] is not None else None)
            if amount is None:  # several pieces, nothing says how much each: the whole payment on each (never less than paid)
                amount = row["amount"] or 0
            party = booked_lines[0][0] if len(booked_lines) == 1 else row["supplier"]
            key, doc, original, source = ref, ref, None, "slip"
        taken.add(key)
        out.append(LineState(item_key=key, amount_cents=amount, payment_key=f"{run}/{row['payment']}/{key}", party_code=party, document_ref=doc,
                             original_cents=original, meta={"slip": slip_id, "mode": mode, "bank": "", "source": source}))
    return out


# ---------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------

def _groups(slips: list[tuple[Path, str, str]]) -> list[list[tuple[Path, str, str]]]:
    """Slips of a run written together (one print) make one batch."""
    out: list[list[tuple[Path, str, str]]] = []
    for item in sorted(slips, key=lambda s: (s[1], s[0].stat().st_mtime, s[0].name)):
        last = out[-1] if out else None
        if last and last[-1][1] == item[1] and item[0].stat().st_mtime - last[-1][0].stat().st_mtime <= _TOGETHER_SECONDS:
            last.append(item)
        else:
            out.append([item])
    return out


def record_disbursement(store: Any, dossier: Path, snap: RegisterSnapshot, found: list[Any], unknown: list[Path], *, now: datetime, host: str = "",
                        user: str = "") -> tuple[list[Any], list[Path], list[tuple[int, str, list[str]]]]:
    """Record the wizard's slips and postings among the files the register does not know;
    returns what is left for the generic repair."""
    def in_folder(p: Path) -> bool:
        try:
            return p.relative_to(dossier).parts[0] == FOLDER
        except ValueError:
            return False

    slips = [(p, m.group("run"), m.group("slip")) for p in unknown if in_folder(p) and (m := _SLIP.match(p.name))]
    postings = [rb for rb in found if in_folder(rb.path) and rb.format == "fec" and parse_created_fec_name(rb.path.name)]
    if not slips and not postings:
        return found, unknown, []
    runs = {run for _, run, _ in slips}
    states = _run_states(dossier) if slips else {}
    items = _ledger_items(dossier) if slips and not runs <= set(states) else []
    pains = [rb for rb in found if in_folder(rb.path) and rb.format == "pain.001" and _PAIN.match(rb.path.name)]
    others = [p for p in unknown if in_folder(p) and (_CHEQUES.match(p.name) or _MANUAL.match(p.name))]

    def posting_of(rb: Any) -> tuple[str, bool, str, str] | None:
        ref = parse_created_fec_name(rb.path.name)[2]
        run = max((r for r in runs if ref.startswith(f"{r}-")), key=len, default=None)
        if run is None:
            m = re.match(r"^(?P<run>.+?)-(?P<rest>(?:TEST-)?\d+-\d+(?:-\d+)?)$", ref)
            if m is None:
                return None
            run = m.group("run")
        m = _POSTING.match(ref[len(run) + 1:])
        return (run, bool(m.group("test")), m.group("first"), ref) if m else None

    real_postings = [rb.path for rb in postings if (pp := posting_of(rb)) and not pp[1]]
    posted = _posting_lines(real_postings) if slips else {}
    taken_files: set[Path] = set()
    recorded: list[tuple[int, str, list[str]]] = []
    refs_used = {b.reference for b in snap.batches}
    used_keys: set[str] = set()
    counters: dict[str, int] = {}
    for rb in pains:
        counters["msgid:decaissement"] = max(counters.get("msgid:decaissement", 0), int(_PAIN.match(rb.path.name).group("n")))

    def record(batch: BatchState, members: list[Path], extra_counters: dict[str, int]) -> None:
        if batch.reference in refs_used:
            batch = batch.model_copy(update={"reference": f"{batch.reference}#{members[0].name}"})
        bid = store.record(batch, counters=extra_counters or None, at=now, source="repair")
        refs_used.add(batch.reference)
        taken_files.update(members)
        recorded.append((bid, batch.reference, [p.name for p in members]))

    for group in _groups(slips):
        run = group[0][1]
        state = states.get(run)
        t0, t1 = min(p.stat().st_mtime for p, _, _ in group), max(p.stat().st_mtime for p, _, _ in group)

        def near(p: Path, t0: float = t0, t1: float = t1) -> bool:
            return t0 - _TOGETHER_SECONDS <= p.stat().st_mtime <= t1 + _TOGETHER_SECONDS

        lines: list[LineState] = []
        files: list[tuple[Path, str]] = []
        rows_ok = True
        for path, _, slip_id in group:
            rows = _slip_rows(path)
            if rows is None:
                rows_ok = False
                break
            pain = [rb.path for rb in pains if _PAIN.match(rb.path.name).group("slip") == slip_id and rb.path not in taken_files and near(rb.path)]
            cheques = [p for p in others if (m := _CHEQUES.match(p.name)) and m.group("run") == run and m.group("slip") == slip_id and near(p)]
            mode = "VIR" if pain else ("CHQ" if cheques else "")
            files.append((path, "slip"))
            files += [(p, "bank") for p in pain[:1]] + [(p, "report") for p in cheques[:1]]
            taken_files.update(p for p in pain[:1])
            for row in rows:
                got = _lines_from_state(state, row, slip_id) if state is not None else None
                lines += got if got is not None else _lines_from_files(run, row, slip_id, mode, items, posted, used_keys)
        if not rows_ok:
            continue
        files += [(p, "report") for p in others if (m := _MANUAL.match(p.name)) and m.group("run") == run and near(p)]
        slip_ids = [s for _, _, s in group]
        batch = BatchState(
            id=0, kind=KIND, reference=f"{run}-{'-'.join(slip_ids)}", status="committed", is_test=False,
            created_at=datetime.fromtimestamp(t0).astimezone(), host=host, folder=str(dossier), user=user,
            meta={"run_id": run, "slips": slip_ids, "user": getattr(state, "user", "") if state is not None else "", "repaired": True, "repaired_at": now.isoformat()},
            lines=tuple(lines), files=tuple(FileRecord(folder=FOLDER, name=p.name, sha256=_sha(p), role=role) for p, role in files))
        record(batch, [p for p, _ in files], dict(counters))
        counters = {}

    for rb in sorted(postings, key=lambda r: r.path.name):
        pp = posting_of(rb)
        if pp is None:
            continue
        run, test, first, ref = pp
        entry_counters: dict[str, int] = {}
        numbers = {(l.meta["journal"], l.meta["entry"]) for l in rb.lines}
        if not test:
            for journal, number in numbers:
                if str(number).isdigit():
                    name = f"entry:decaissement:{journal}"
                    entry_counters[name] = max(entry_counters.get(name, 0), int(number))
        pieces = {p for p in _posting_lines([rb.path])}
        sequences = sorted({s for p, r, s in slips if r == run and any(row["payment"] in pieces or row["cheque"] in pieces for row in (_slip_rows(p) or []))})
        state = states.get(run)
        batch = BatchState(
            id=0, kind=POSTING_KIND, reference=ref, status="committed", is_test=test,
            created_at=datetime.fromtimestamp(rb.path.stat().st_mtime).astimezone(), host=host, folder=str(dossier), user=user,
            meta={"run_id": run, "sequences": sequences, "entries": len(numbers), "user": getattr(state, "user", "") if state is not None else "",
                  "first": int(first), "repaired": True, "repaired_at": now.isoformat()},
            lines=(), files=(FileRecord(folder=FOLDER, name=rb.path.name, sha256=_sha(rb.path), role="entries"),))
        record(batch, [rb.path], {**entry_counters, **counters})
        counters = {}
    return [rb for rb in found if rb.path not in taken_files], [p for p in unknown if p not in taken_files], recorded


__all__ = ["record_disbursement"]
