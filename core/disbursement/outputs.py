"""Outputs of the disbursement wizard as pure plans returning an ``Outcome``.

* ``plan_slip_files`` (step 4, « Éditer les bordereaux »): for each slip, the slip itself
  (CSV), a SEPA credit transfer file (pain.001, XSD-checked) for transfer slips in euros, a
  cheque list for cheque slips, and the list of payments in another currency, which get no
  SEPA file and are processed by hand. The register batch (kind ``decaissement``) records
  what each item settles; items already paid by a live transfer or disbursement batch are
  refused (one already-paid check shared with the supplier-transfers workflow).
* ``plan_posting_files`` (step 5): the FEC entries of the sequences being posted, or of a
  posting « en mode test » (an ``is_test`` file and batch, never counted as paid).
* ``reservation_draft``: the items an open run holds, for the register to reserve them.

Identifiers (message id) come from the register counters given in the snapshot; the shell
records the counters with the batch. Nothing here writes a file.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from reglo.core.alerts import Alert, alert, has_blocking
from reglo.core.disbursement.circuit import CHEQUE_MODES, TRANSFER_MODES, mode_label
from reglo.core.disbursement.models import MAIN_CURRENCY, DifferenceKind, Payment, PaymentStage, RunState, Slip
from reglo.core.disbursement.posting import dry_run_entries, pending, pending_entries
from reglo.core.disbursement.state import banks_by_code, items_by_key, suppliers_by_code, warn
from reglo.core.entries import check_entry, entries_to_frame
from reglo.core.fec import write_fec
from reglo.core.money import ZERO, format_fr, to_cents
from reglo.core.outcome import BatchDraft, Outcome, OutputFile, RegisterLineDraft
from reglo.core.register_state import RegisterSnapshot
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
BATCH_KIND = "decaissement"
POSTING_KIND = "decaissement_ecritures"
RESERVATION_KIND = "decaissement_reserve"
PAID_KINDS = ("virement", BATCH_KIND)  # the already-paid check shared with supplier transfers
COUNTER = "msgid:decaissement"
CSV_ENCODING = "utf-8-sig"  # Excel opens a UTF-8 CSV with its accents only with the BOM


def _csv(header: list[str], rows: Iterable[list]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode(CSV_ENCODING)


def settled_cents(state: RunState, payments: Iterable[Payment]) -> dict[str, int]:
    """Item key → what its payment settles on it (amount less a partial payment's remainder)."""
    items = items_by_key(state)
    carried: dict[str, int] = {}
    for d in state.differences:
        if d.kind is DifferenceKind.PARTIAL:
            for k, v in d.allocations:
                carried[k] = carried.get(k, 0) + to_cents(v)
    return {k: to_cents(items[k].amount) - carried.get(k, 0) for p in payments for k in p.keys}


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


def plan_slip_files(
    state: RunState,
    *,
    register: RegisterSnapshot | None = None,
    slip_ids: Iterable[str] | None = None,
    company_name: str,
    initiating_party_id: str = "",
    created_at: datetime,
    version: str = DEFAULT_VERSION,
) -> Outcome:
    """The files of the printed slips (« Éditer les bordereaux ») and their register batch."""
    register = register or RegisterSnapshot()
    wanted = None if slip_ids is None else set(slip_ids)
    slips = [s for s in state.slips if (wanted is None or s.slip_id in wanted)]
    payments = {p.payment_id: p for p in state.payments}
    paid = register.paid_cents_by_item(PAID_KINDS)
    alerts: list[Alert] = []
    for s in slips:
        for pid in s.payment_ids:
            for k in payments[pid].keys:
                if paid.get(k):
                    alerts.append(warn(state, "DSB_ALREADY_PAID", key=k, payment=pid, paid=format_fr(_money(paid[k]))))
    if has_blocking(alerts):
        return Outcome(alerts=tuple(alerts), summary="Aucun fichier : effets déjà payés.")
    counter = register.counter(COUNTER)
    items = items_by_key(state)
    settled = settled_cents(state, (payments[pid] for s in slips for pid in s.payment_ids))
    files: list[OutputFile] = []
    lines: list[RegisterLineDraft] = []
    manual: list[list] = []
    for s in slips:
        rows = _slip_rows(state, s, payments)
        files.append(OutputFile(folder=FOLDER, name=f"{state.run_id}-{s.slip_id}-bordereau.csv", data=_csv(SLIP_HEADER, rows), role="slip"))
        if s.currency != MAIN_CURRENCY:
            for pid, row in zip(s.payment_ids, rows):
                p = payments[pid]
                alerts.append(warn(state, "DSB_NON_EURO_MANUAL", payment=pid, supplier=p.supplier, currency=p.currency, amount=format_fr(p.amount), slip=s.slip_id))
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
                    files.append(OutputFile(folder=FOLDER, name=f"{message_id}-{s.slip_id}.xml", data=xml, role="bank"))
        elif s.mode in CHEQUE_MODES:
            files.append(OutputFile(folder=FOLDER, name=f"{state.run_id}-{s.slip_id}-cheques.csv", data=_csv(["N° de chèque", *SLIP_HEADER], [[r[6], *r] for r in rows]), role="report"))
        for pid in s.payment_ids:
            for k in payments[pid].keys:
                item, cents = items[k], settled[k]
                lines.append(RegisterLineDraft(item_key=k, amount_cents=cents, payment_key=f"{state.run_id}/{pid}/{k}", party_code=item.supplier, document_ref=item.document_ref, original_cents=to_cents(item.amount), meta={"slip": s.slip_id, "mode": s.mode, "bank": s.bank}))
    if manual:
        files.append(OutputFile(folder=FOLDER, name=f"{state.run_id}-hors-euro.csv", data=_csv(["Bordereau", *SLIP_HEADER], manual), role="report"))
    if has_blocking(alerts):
        return Outcome(alerts=tuple(alerts), summary="Aucun fichier : corrigez les alertes bloquantes.")
    batch = BatchDraft(kind=BATCH_KIND, reference=f"{state.run_id}-{'-'.join(s.slip_id for s in slips)}", lines=tuple(lines), meta={"run_id": state.run_id, "slips": [s.slip_id for s in slips], "user": state.user})
    total = sum((payments[pid].main_amount for s in slips for pid in s.payment_ids), ZERO)
    summary = f"{len(slips)} bordereau(x), {sum(len(s.payment_ids) for s in slips)} règlement(s), {format_fr(total)} € ; {len(files)} fichier(s)."
    return Outcome(alerts=tuple(alerts), summary=summary, batch=batch, files=tuple(files), counters={COUNTER: counter} if counter != register.counter(COUNTER) else {})


def _money(cents: int):
    from reglo.core.money import cents_to_money

    return cents_to_money(cents)


def plan_posting_files(state: RunState, *, test: bool = False, slip_ids: Iterable[str] | None = None) -> Outcome:
    """FEC entries of the sequences whose posting started (``Post`` applied), or of a test posting.

    A test posting gives the same entries in an ``is_test`` file and batch: nothing counts.
    """
    if test:
        entries, alerts = dry_run_entries(state, None if slip_ids is None else tuple(slip_ids))
    else:
        entries, alerts = pending_entries(state), []
    for e in entries:
        alerts += check_entry(e, sheet="Étape 5 - Comptabilisation")
    if has_blocking(alerts) or not entries:
        return Outcome(alerts=tuple(alerts), summary="Aucune écriture.")
    data = write_fec(entries_to_frame(entries))
    first, last = entries[0].entry_number, entries[-1].entry_number
    name = f"{state.run_id}-ecritures-{'TEST' if test else f'{first}-{last}'}.txt"
    sequences = [s.slip_id for s, _ in pending(state)] if not test else list(slip_ids or [s.slip_id for s in state.slips])
    batch = BatchDraft(kind=POSTING_KIND, reference=f"{state.run_id}-{'TEST-' if test else ''}{first}-{last}", is_test=test, meta={"run_id": state.run_id, "sequences": sequences, "entries": len(entries)})
    summary = f"{len(entries)} écriture(s) {'en mode test (rien n’est enregistré)' if test else 'comptabilisée(s)'}, n° {first} à {last}."
    return Outcome(alerts=tuple(alerts), summary=summary, batch=batch, files=(OutputFile(folder=FOLDER, name=name, data=data, role="entries", is_test=test),), data={"entries": len(entries)})


def reservation_draft(state: RunState) -> BatchDraft:
    """The items an open run holds (prepared, or in a payment not yet on a printed slip):
    recorded by the shell so that a transfer run cannot pay them meanwhile; cancelled when
    the run is cancelled or finished."""
    items = items_by_key(state)
    held = [p.key for p in state.prepared]
    held += [k for p in state.payments if p.stage in (PaymentStage.PREPARED, PaymentStage.ASSIGNED) for k in p.keys]
    lines = tuple(RegisterLineDraft(item_key=k, amount_cents=to_cents(items[k].amount), party_code=items[k].supplier, document_ref=items[k].document_ref) for k in held if not items[k].is_deposit)
    return BatchDraft(kind=RESERVATION_KIND, reference=f"{state.run_id}-reserve-{state.sequence}", lines=lines, meta={"run_id": state.run_id, "user": state.user})


__all__ = ["plan_slip_files", "plan_posting_files", "reservation_draft", "settled_cents", "mode_label"]
