"""Outputs of the disbursement wizard as pure plans returning an ``Outcome``.

* ``plan_slip_files`` (step 4, « Éditer les bordereaux »): for each slip, the slip itself
  (CSV), a SEPA credit transfer file (pain.001, XSD-checked) for transfer slips in euros, a
  cheque list for cheque slips, and the list of payments in another currency, which get no
  SEPA file and are processed by hand. The register batch (kind ``decaissement``) records
  what each item settles, in euros, under its ledger key, with the item's original amount; a
  key is refused only when what this run pays on it plus what other live payments (transfer
  files, other runs' disbursements and reservations) recorded exceeds that original amount
  (``reglo.core.disbursement.remainder``: the rule shared with the supplier-transfers preview).
* ``plan_posting_files`` (step 5): the FEC entries of the sequences being posted, or of a
  posting « en mode test » (an ``is_test`` file and batch, never counted as paid).
* ``reservation_draft`` / ``plan_reservation``: the items an open run holds, reserved in the
  register (a batch of kind ``decaissement_reserve`` without file) so that a supplier transfer
  run cannot pay them meanwhile; the plan names the run's earlier reservations, which the
  shell cancels once the new one is recorded (released when the run is cancelled or finished).
* ``excluded_items``: step 1 against the register: an item other payments settled or hold in
  part comes with what is left of it; settled or held in full, it is left out.

Identifiers (message id) come from the register counters given in the snapshot; the shell
records the counters with the batch. File names and batch references are checked against the
register's history and the names present in the output folder (a cancelled slip printed again
gets a new name: nothing is ever overwritten). Nothing here writes a file.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from reglo.core.alerts import Alert, alert, has_blocking
from reglo.core.disbursement.circuit import CHEQUE_MODES, TRANSFER_MODES, mode_label
from reglo.core.disbursement.models import MAIN_CURRENCY, DifferenceKind, Payment, PaymentStage, PostingStatus, RunState, Slip
from reglo.core.disbursement.posting import _to_main, dry_run_entries, pending, pending_entries
from reglo.core.disbursement.remainder import (
    BATCH_KIND,
    HELD_KINDS,
    PAID_KINDS,
    RESERVATION_KIND,
    excess,
    holder_text,
    holders_text,
    item_cents,
    original_cents,
    other_payments,
    own_paid,
    remainders,
)
from reglo.core.disbursement.state import banks_by_code, items_by_key, suppliers_by_code, warn
from reglo.core.entries import check_entry, entries_to_frame, fill_labels
from reglo.core.fec import write_fec
from reglo.core.fec_names import closing_date, created_fec_name
from reglo.core.money import ZERO, format_fr, to_cents
from reglo.core.outcome import BatchDraft, Outcome, OutputFile, RegisterLineDraft, free_name
from reglo.core.register_state import BatchState, RegisterSnapshot
from reglo.core.writers import sepa_text as st
from reglo.core.writers.pain001 import (
    DEFAULT_VERSION,
    CreditTransfer,
    CreditTransferBatch,
    CreditTransferGroup,
    check_pain001,
    write_pain001,
)

FOLDER = "decaissements"
POSTING_KIND = "decaissement_ecritures"
COUNTER = "msgid:decaissement"
CSV_ENCODING = "utf-8-sig"  # Excel opens a UTF-8 CSV with its accents only with the BOM


def _csv(header: list[str], rows: Iterable[list]) -> bytes:
    from reglo.core.csv_text import csv_cell

    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows([csv_cell(v) for v in row] for row in rows)  # no cell Excel would evaluate (CSV injection)
    return out.getvalue().encode(CSV_ENCODING)


def settled_cents(state: RunState, payments: Iterable[Payment]) -> dict[str, int]:
    """Item key → what its payment settles on it (amount less a partial payment's remainder), in
    euro cents: what the posting debits the supplier's account with, and what the register
    counts against the ledger line (in the main currency, like the transfer files)."""
    items = items_by_key(state)
    carried: dict[str, Decimal] = {}
    for d in state.differences:
        if d.kind is DifferenceKind.PARTIAL:
            for k, v in d.allocations:
                carried[k] = carried.get(k, ZERO) + v
    return {k: to_cents(_to_main(items[k], items[k].amount - carried.get(k, ZERO))) for p in payments for k in p.keys}


def _slip_rows(state: RunState, slip: Slip, payments: dict[str, Payment]) -> list[list]:
    items, suppliers = items_by_key(state), suppliers_by_code(state)
    rows = []
    for pid in slip.payment_ids:
        p = payments[pid]
        sup = suppliers.get(p.supplier)
        refs = " ".join(items[k].document_ref or k for k in p.keys)
        rows.append([pid, p.supplier, sup.name if sup else "", p.due_date.strftime("%d/%m/%Y"), format_fr(p.amount), p.currency, p.cheque_number, refs])
    return rows


SLIP_HEADER = ["Règlement", "Tiers", "Nom", "Échéance", "Montant", "Devise", "N° de chèque", "Effets"]


def _transfer_batch(state: RunState, slip: Slip, payments: dict[str, Payment], message_id: str, company_name: str, initiating_party_id: str) -> tuple[CreditTransferBatch | None, list[Alert]]:
    items, suppliers, banks = items_by_key(state), suppliers_by_code(state), banks_by_code(state)
    bank = banks[slip.bank]
    alerts: list[Alert] = []
    where = {"sheet": "Étape 4 - Bordereaux"}
    debtor, a = st.clean_text(company_name, field="Nom du donneur d'ordre", max_length=st.NAME_MAX, required=True, **where)
    alerts += a
    transfers = []
    for n, pid in enumerate(slip.payment_ids, 1):
        p = payments[pid]
        first = items[p.keys[0]]
        sup = suppliers.get(p.supplier) or suppliers.get(first.supplier)
        name, a = st.clean_text(sup.name if sup and sup.name else p.supplier, field=f"Nom du bénéficiaire {p.supplier}", max_length=st.NAME_MAX, required=True, **where)
        alerts += a
        iban = (first.iban or (sup.iban if sup else "")).replace(" ", "").upper()
        if not iban:
            alerts.append(warn(state, "DSB_FIELD_INVALID", value="", field="IBAN", key=first.key, expected="un IBAN : complétez le détail de l'effet ou la fiche du tiers"))
            continue
        info, a = st.pack_remittance([items[k].document_ref or k for k in p.keys], **where)
        alerts += a
        transfers.append(
            CreditTransfer(
                end_to_end_id=f"{message_id}-{n:04d}", amount=p.amount, creditor_name=name, creditor_iban=iban,
                creditor_bic=(first.bic or (sup.bic if sup else "")) or None, remittance_info=info,
            )
        )
    if has_blocking(alerts) or not transfers:
        return None, alerts
    group = CreditTransferGroup(payment_info_id=f"{message_id}-{slip.slip_id}"[:35], requested_execution_date=slip.slip_date, transfers=tuple(transfers))
    batch = CreditTransferBatch(
        initiating_party_name=debtor, initiating_party_id=initiating_party_id or None, debtor_name=debtor,
        debtor_iban=bank.iban.replace(" ", ""), debtor_bic=bank.bic or None, groups=(group,),
    )
    return batch, alerts


def _free_reference(reference: str, register: RegisterSnapshot) -> str:
    used = {b.reference for b in register.batches}
    if reference not in used:
        return reference
    n = 2
    while f"{reference}-{n}" in used:
        n += 1
    return f"{reference}-{n}"


def other_runs(register: RegisterSnapshot, run_id: str) -> dict[str, BatchState]:
    """Item key → the first live batch of *another* payment that pays or holds it (in part or in
    full): a transfer file (``virement``), a disbursement of another run, or the reservation of
    another open run. Amounts: :func:`reglo.core.disbursement.remainder.other_payments`."""
    return {k: held[0].batch for k, held in other_payments(register, run_id).items()}


def excluded_items(items: Iterable, register: RegisterSnapshot, run_id: str) -> tuple[list, list[Alert]]:
    """Step 1 against the register (:func:`reglo.core.disbursement.remainder.remainders`): the
    items the wizard may take, lowered to what other payments leave of them, and a warning per
    item lowered (who paid what, what is left) or left out (which file or run holds it, who and
    when)."""
    return remainders(items, register, run_id)


def payment_rows(state: RunState, first_row: int) -> dict[str, int]:
    """Payment id → its row on the step 4/5 sheet, whose data start at ``first_row`` (one row per
    payment, slip after slip: the shell's layout)."""
    rows: dict[str, int] = {}
    n = first_row
    for sl in state.slips:
        for pid in sl.payment_ids:
            rows.setdefault(pid, n)
            n += 1
    return rows


def plan_slip_files(
    state: RunState,
    *,
    register: RegisterSnapshot | None = None,
    slip_ids: Iterable[str] | None = None,
    company_name: str,
    initiating_party_id: str = "",
    created_at: datetime,
    version: str = DEFAULT_VERSION,
    existing_names: Iterable[str] = (),
    rows: dict[str, int] | None = None,
) -> Outcome:
    """The files of the printed slips (« Éditer les bordereaux ») and their register batch.

    Inside the dossier lock against the register re-read there: a key is refused when what this
    run pays on it (these slips and its earlier ones) plus what other live payments recorded
    exceeds the item's original amount (``DSB_ALREADY_PAID`` when nothing is left,
    ``DSB_EXCEEDS_REMAINDER`` otherwise), pointing at the payment's row (``rows``: payment id →
    row of the step sheet, given by the shell)."""
    register = register or RegisterSnapshot()
    wanted = None if slip_ids is None else set(slip_ids)
    slips = [s for s in state.slips if (wanted is None or s.slip_id in wanted)]
    payments = {p.payment_id: p for p in state.payments}
    keys = {f"{state.run_id}/{pid}/{k}" for s in slips for pid in s.payment_ids for k in payments[pid].keys}
    if keys and keys <= register.live_payment_keys(BATCH_KIND):  # committed before an incident, the workbook not saved
        return Outcome(summary=f"{len(slips)} bordereau(x) déjà édité(s) et enregistré(s) au registre : rien n'est écrit à nouveau.", data={"already": True})
    alerts: list[Alert] = []
    items = items_by_key(state)
    settled = settled_cents(state, (payments[pid] for s in slips for pid in s.payment_ids))
    drafts = [(pid, k, RegisterLineDraft(item_key=items[k].register_key, amount_cents=settled[k], payment_key=f"{state.run_id}/{pid}/{k}", original_cents=original_cents(items[k])))
              for s in slips for pid in s.payment_ids for k in payments[pid].keys]
    over = excess([d for _, _, d in drafts], register, state.run_id, own=own_paid(register, state.run_id, except_payment_keys=keys))
    reported: set[str] = set()
    for pid, k, d in drafts:
        x = over.get(d.item_key)
        if x is None or d.item_key in reported:
            continue
        reported.add(d.item_key)
        where = {"sheet": "Étape 4 - Bordereaux", "row": (rows or {}).get(pid), "column": "Règlement"}
        if x.left == 0:
            alerts.append(alert("DSB_ALREADY_PAID", **where, key=k, payment=pid, holder=holders_text(x.others, amounts=len(x.others) > 1 or x.others_cents != x.original)))
        else:
            alerts.append(alert("DSB_EXCEEDS_REMAINDER", **where, key=k, payment=pid, paying=format_fr(_money(x.paying)), left=format_fr(_money(x.left)),
                                original=format_fr(_money(x.original)), holders=holders_text(x.others) or "aucun autre paiement"))
    if has_blocking(alerts):
        return Outcome(alerts=tuple(alerts), summary="Aucun fichier : effets déjà payés ou retenus ailleurs.")
    used = set(existing_names) | register.file_names()
    counter = register.counter(COUNTER)
    files: list[OutputFile] = []
    lines: list[RegisterLineDraft] = []
    manual: list[list] = []

    def add(name: str, data: bytes, role: str) -> None:
        name = free_name(name, used)
        used.add(name)
        files.append(OutputFile(folder=FOLDER, name=name, data=data, role=role))

    for s in slips:
        rows = _slip_rows(state, s, payments)
        add(f"{state.run_id}-{s.slip_id}-bordereau.csv", _csv(SLIP_HEADER, rows), "slip")
        if s.currency != MAIN_CURRENCY or s.mode not in TRANSFER_MODES | CHEQUE_MODES:
            for pid, row in zip(s.payment_ids, rows):
                p = payments[pid]
                code = "DSB_NON_EURO_MANUAL" if s.currency != MAIN_CURRENCY else "DSB_MANUAL_MODE"
                alerts.append(warn(state, code, payment=pid, supplier=p.supplier, currency=p.currency, amount=format_fr(p.amount), slip=s.slip_id, mode=mode_label(s.mode)))
                manual.append([s.slip_id, *row])
        elif s.mode in TRANSFER_MODES:
            counter += 1
            message_id = f"DEC{created_at:%Y%m%d}{counter:06d}"
            batch, a = _transfer_batch(state, s, payments, message_id, company_name, initiating_party_id)
            alerts += a
            if batch is not None:
                xml = write_pain001(batch, message_id=message_id, created_at=created_at, version=version)
                errors = check_pain001(xml, version)
                if errors:
                    alerts.append(alert("XSD_INVALID", sheet="Étape 4 - Bordereaux", version=version, detail="; ".join(errors[:3])))
                else:
                    add(f"{message_id}-{s.slip_id}.xml", xml, "bank")
        else:
            add(f"{state.run_id}-{s.slip_id}-cheques.csv", _csv(["N° de chèque", *SLIP_HEADER], [[r[6], *r] for r in rows]), "report")
        for pid in s.payment_ids:
            for k in payments[pid].keys:
                item, cents = items[k], settled[k]
                meta = {"slip": s.slip_id, "mode": s.mode, "bank": s.bank, **({"item": k} if k != item.register_key else {})}
                lines.append(RegisterLineDraft(item_key=item.register_key, amount_cents=cents, payment_key=f"{state.run_id}/{pid}/{k}", party_code=item.supplier,
                                               document_ref=item.document_ref, original_cents=original_cents(item), meta=meta))
    if manual:
        add(f"{state.run_id}-a-traiter-manuellement.csv", _csv(["Bordereau", *SLIP_HEADER], manual), "report")
    if has_blocking(alerts):
        return Outcome(alerts=tuple(alerts), summary="Aucun fichier : corrigez les alertes bloquantes.")
    reference = _free_reference(f"{state.run_id}-{'-'.join(s.slip_id for s in slips)}", register)
    batch = BatchDraft(kind=BATCH_KIND, reference=reference, lines=tuple(lines), meta={"run_id": state.run_id, "slips": [s.slip_id for s in slips], "user": state.user})
    total = sum((payments[pid].main_amount for s in slips for pid in s.payment_ids), ZERO)
    summary = f"{len(slips)} bordereau(x), {sum(len(s.payment_ids) for s in slips)} règlement(s), {format_fr(total)} € ; {len(files)} fichier(s)."
    return Outcome(alerts=tuple(alerts), summary=summary, batch=batch, files=tuple(files), counters={COUNTER: counter} if counter != register.counter(COUNTER) else {})


def _money(cents: int):
    from reglo.core.money import cents_to_money

    return cents_to_money(cents)


def posting_reference(state: RunState, entries) -> str:
    return f"{state.run_id}-{entries[0].entry_number}-{entries[-1].entry_number}"


def plan_posting_files(
    state: RunState,
    *,
    test: bool = False,
    slip_ids: Iterable[str] | None = None,
    register: RegisterSnapshot | None = None,
    siren: str = "",
    fiscal_year_end: date | None = None,
    existing_names: Iterable[str] = (),
) -> Outcome:
    """FEC entries of the sequences whose posting started (``Post`` applied), or of a test posting.

    The entries file is named ``<SIREN>FEC<closing>-<reference>.txt``
    (:func:`reglo.core.fec_names.created_fec_name`, the DGFiP checker's form). A test posting
    gives the same entries in an ``is_test`` file and batch: nothing counts as paid. A posting
    whose batch is already live in the register (committed before an incident, the workbook not
    saved) writes nothing again: ``data["already"]`` is its batch, the shell confirms it.
    """
    register = register or RegisterSnapshot()
    if test:
        entries, alerts = dry_run_entries(state, None if slip_ids is None else tuple(slip_ids))
    else:
        entries, alerts = pending_entries(state), []
    for e in entries:
        alerts += check_entry(e, sheet="Étape 5 - Comptabilisation")
    if has_blocking(alerts) or not entries:
        return Outcome(alerts=tuple(alerts), summary="Aucune écriture.")
    first, last = entries[0].entry_number, entries[-1].entry_number
    reference = posting_reference(state, entries)
    if not test:
        done = next((b for b in register.batches if b.kind == POSTING_KIND and b.reference == reference and b.status == "committed" and not b.is_test), None)
        if done is not None:
            return Outcome(alerts=tuple(alerts), summary=f"{len(entries)} écriture(s) déjà enregistrée(s) (n° {first} à {last}) : reprise confirmée.", data={"already": done.id, "entries": len(entries)})
    if fiscal_year_end is None or not siren:
        alerts.append(alert("DSB_COMPANY_MISSING", sheet="Paramètres décaissement", siren=siren or "vide"))
        return Outcome(alerts=tuple(alerts), summary="Aucune écriture : SIREN ou fin d'exercice manquants.")
    if not test:
        # the numbers were handed out before the lock: if another posting of the dossier used
        # them meanwhile (the register's counter, read inside the lock, says so), the pending
        # sequences move on past it, so that entry numbers stay unique per journal
        used = max((register.counter(entry_counter(e.journal_code)) for e in entries), default=0)
        first_no = min((int(e.entry_number) for e in entries if str(e.entry_number).isdigit()), default=None)
        if first_no is not None and first_no <= used:
            state = renumber_pending(state, used + 1 - first_no)
            entries = pending_entries(state)
            first, last = entries[0].entry_number, entries[-1].entry_number
            reference = posting_reference(state, entries)
    reference = _free_reference(f"{state.run_id}-TEST-{first}-{last}" if test else reference, register)
    try:
        name = created_fec_name(siren, closing_date(fiscal_year_end, max(e.entry_date for e in entries)), reference)
    except ValueError:
        alerts.append(alert("DSB_COMPANY_MISSING", sheet="Paramètres décaissement", siren=siren))
        return Outcome(alerts=tuple(alerts), summary="Aucune écriture : SIREN invalide.")
    name = free_name(name, set(existing_names) | register.file_names())
    # CompteLib / CompAuxLib / JournalLib filled (the DGFiP checker refuses an empty CompteLib)
    frame = fill_labels(entries_to_frame(entries), journal_labels={b.journal_code: b.label for b in state.banks},
                        party_names={s.code: s.name for s in state.suppliers if s.name})
    data = write_fec(frame)
    sequences = [s.slip_id for s, _ in pending(state)] if not test else list(slip_ids or [s.slip_id for s in state.slips])
    batch = BatchDraft(kind=POSTING_KIND, reference=reference, is_test=test, meta={"run_id": state.run_id, "sequences": sequences, "entries": len(entries), "user": state.user,
                                                                                        "first": int(first) if str(first).isdigit() else first})
    counters: dict[str, int] = {}
    if not test:  # the register remembers the last number of each journal: the next run starts after it
        for e in entries:
            counter = entry_counter(e.journal_code)
            if e.entry_number.isdigit() and int(e.entry_number) > max(counters.get(counter, 0), register.counter(counter)):
                counters[counter] = int(e.entry_number)
    summary = f"{len(entries)} écriture(s) {'en mode test (rien n’est enregistré comme payé)' if test else 'comptabilisée(s)'}, n° {first} à {last}."
    return Outcome(alerts=tuple(alerts), summary=summary, batch=batch, files=(OutputFile(folder=FOLDER, name=name, data=data, role="entries", is_test=test),),
                   counters=counters, data={"entries": len(entries), "state": state})


def renumber_pending(state: RunState, shift: int) -> RunState:
    """The run's pending postings (and its next number) moved ``shift`` entry numbers on."""
    postings = tuple(p.model_copy(update={"first_entry_number": p.first_entry_number + shift}) if p.status is PostingStatus.PENDING else p for p in state.postings)
    return state.model_copy(update={"postings": postings, "next_entry_number": state.next_entry_number + shift})


def entry_counter(journal: str) -> str:
    """Register counter of the last entry number the wizard used in ``journal``."""
    return f"entry:decaissement:{journal}"


def first_free_entry_number(state: RunState, register: RegisterSnapshot, slip_ids: Iterable[str] | None = None) -> int:
    """The first entry number of a posting: the run's own (« Premier numéro d'écriture »), moved
    past every number the register says earlier postings used in the run's bank journals.

    When the register already has this run's posting of the same sequences (committed before an
    incident, the workbook not saved), its first number: the posting is then recomputed with the
    same numbers, recognised and only confirmed (never posted twice)."""
    from reglo.core.disbursement.posting import unposted

    wanted = [s for s in unposted(state) if slip_ids is None or s in set(slip_ids)]
    for b in register.live(POSTING_KIND):
        if b.meta.get("run_id") == state.run_id and set(b.meta.get("sequences") or ()) == set(wanted) and wanted and isinstance(b.meta.get("first"), int):
            return b.meta["first"]
    used = max((register.counter(entry_counter(b.journal_code)) for b in state.banks), default=0)
    return max(state.next_entry_number, used + 1)


def held_keys(state: RunState) -> list[str]:
    """Keys of the items an open run holds: to pay (while the run is at steps 1–2, where they
    can still be prepared), prepared, or in a payment whose slip is not printed yet (a printed
    slip's items are in its ``decaissement`` batch). Past step 2, what is left to pay (or sent
    back by « Annuler la transaction ») is released. Deposits and the items generated by
    differences are new: nothing to hold. A finished run holds nothing."""
    if state.finished:
        return []
    items = items_by_key(state)
    printed = {s.slip_id for s in state.slips if s.printed}
    held = (list(state.to_pay) if state.step <= 2 else []) + [p.key for p in state.prepared]
    held += [k for p in state.payments if not (p.slip_id and p.slip_id in printed) and p.stage is not PaymentStage.POSTED and not p.from_earlier_run for k in p.keys]
    return [k for k in dict.fromkeys(held) if k in items and not items[k].is_deposit]


def reservation_draft(state: RunState, reference: str | None = None) -> BatchDraft:
    """The items an open run holds (:func:`held_keys`), as a register batch without file."""
    items = items_by_key(state)
    lines = tuple(RegisterLineDraft(item_key=items[k].register_key, amount_cents=item_cents(items[k]), party_code=items[k].supplier, document_ref=items[k].document_ref,
                                    original_cents=original_cents(items[k]), meta={"item": k} if k != items[k].register_key else {}) for k in held_keys(state))
    return BatchDraft(kind=RESERVATION_KIND, reference=reference or f"{state.run_id}-reserve-{state.sequence}", lines=lines, meta={"run_id": state.run_id, "user": state.user})


def plan_reservation(state: RunState, register: RegisterSnapshot, *, reason: str = "sélection modifiée") -> Outcome:
    """Reserve what ``state`` holds (each item for its amount, under its register key). An item
    that no longer fits in what other payments leave of it is not reserved (``DSB_HELD_ELSEWHERE``).
    Its earlier live reservations are listed in
    ``data["release"]`` (batch ids) for the shell to cancel with ``data["reason"]`` once the new
    one is recorded; when nothing changed, nothing is written and nothing released."""
    mine = [b for b in register.live(RESERVATION_KIND) if b.meta.get("run_id") == state.run_id]
    draft = reservation_draft(state)
    # paid or held elsewhere meanwhile, so that this run's items no longer fit in what is left:
    # not reserved here (its slip would be refused)
    over = excess(draft.lines, register, state.run_id, own=own_paid(register, state.run_id))
    alerts = tuple(warn(state, "DSB_HELD_ELSEWHERE", key=l.meta.get("item", l.item_key), document=l.document_ref or l.item_key, amount=format_fr(_money(l.amount_cents)),
                        left=format_fr(_money(over[l.item_key].left)), holder=holders_text(over[l.item_key].others) or "aucun autre paiement")
                   for l in draft.lines if l.item_key in over)
    if alerts:
        draft = draft.model_copy(update={"lines": tuple(l for l in draft.lines if l.item_key not in over)})
    wanted = sorted((l.item_key, l.amount_cents) for l in draft.lines)
    if len(mine) == 1 and sorted((l.item_key, l.amount_cents) for l in mine[0].lines) == wanted:
        return Outcome(alerts=alerts, summary="Réservation inchangée.", data={"release": [], "reason": reason})
    if not draft.lines:
        return Outcome(alerts=alerts, summary=f"Réservation levée ({len(mine)} lot(s)).", data={"release": [b.id for b in mine], "reason": reason})
    n = 1 + sum(1 for b in register.batches if b.kind == RESERVATION_KIND and b.meta.get("run_id") == state.run_id)
    batch = draft.model_copy(update={"reference": _free_reference(f"{state.run_id}-reserve-{n}", register)})
    return Outcome(alerts=alerts, summary=f"{len(batch.lines)} effet(s) réservé(s) par le décaissement {state.run_id}.", batch=batch,
                   data={"release": [b.id for b in mine], "reason": reason})


__all__ = ["plan_slip_files", "plan_posting_files", "plan_reservation", "first_free_entry_number", "entry_counter", "reservation_draft", "held_keys", "excluded_items", "other_runs", "holder_text",
           "settled_cents", "mode_label", "payment_rows", "BATCH_KIND", "RESERVATION_KIND", "PAID_KINDS", "HELD_KINDS"]
