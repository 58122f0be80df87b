"""Supplier transfers: the pure plan of each button that writes (house style §1b).

``plan_generate`` (« Générer le fichier ») takes what the shell read — the preview snapshot
and the user's edits, the dossier (parties, ledger, alerts), the register snapshot taken
*inside* the dossier lock, the parameters, ``now``, the names present in the output folder and
the state of the lettered copy — and returns an :class:`~reglo.core.outcome.Outcome`: the
pain.001 and entries files, the register batch, the lettered copy rewrite, the data the shell
needs to fill the sheets, and the alerts. No I/O, no clock.

Identifiers: the MsgId (and so the file names, the end-to-end ids and the entry numbers) is
``VIR<AAAAMMJJhhmmss>``, or ``VIR<AAAAMMJJhhmmss>-<n>`` when that one is already used in the
register's history or in the output folder; ``n`` comes from the register counter
``msgid:virement`` (moved forward with the batch), so that two runs never share a MsgId.

Already paid: a selected line is skipped (``ALREADY_PAID``) when a live transfer batch
(pending or committed, non-test) recorded after the preview's import pays its ledger line, or
when any live batch pays it with the same payment key. The payment key is the ledger line key
plus the live transfer batches that already paid that line when the preview was imported
(``<key>@<batch ids>``, ``<key>@`` for a line nobody paid): it does not depend on *when* the
preview was imported, so that the register refuses the same payment from two previews
(``DuplicatePaymentError``), while the balance of a partly paid invoice (or an invoice whose
booked payment is grouped with it) gets a key of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from reglo.core.alerts import Alert, Severity, alert, has_blocking
from reglo.core.entries import Settlement, entries_to_frame, fill_labels, number_entries
from reglo.core.entries_names import entries_file_name
from reglo.core.fec import write_fec
from reglo.core.fec_names import parse_created_fec_name
from reglo.core.lettered_copy import CopyState, LedgerUpdate, ledger_update
from reglo.core.models import Party
from reglo.core.money import to_cents
from reglo.core.outcome import BatchDraft, Outcome, OutputFile, RegisterLineDraft
from reglo.core.output_sheets import entries_sheet, lettering_sheet
from reglo.core.register_state import BatchState, RegisterSnapshot
from reglo.core.transfers.models import PaidAllocation, PreviewLine, TransferParameters
from reglo.core.transfers.plan import KIND, message_id_for, plan_transfers, transfer_entries
from reglo.core.transfers.rules import Edit, apply_edits, check_beneficiaries, check_selection
from reglo.core.transfers.sheets import transfers_sheet
from reglo.core.writers.pain001 import check_pain001, write_pain001

PREVIEW_SHEET = "Prévisualisation virements"
PARTIES_SHEET = "Tiers"
MSGID_COUNTER = f"msgid:{KIND}"
DEFAULT_FOLDER = "virements"


# ---------------------------------------------------------------------------
# register snapshot → what the workflow reads
# ---------------------------------------------------------------------------

def bank_file_name(b: BatchState) -> str:
    """The pain.001 file of a transfer batch (its reference for a batch without file)."""
    return next((f.name for f in b.files if f.role == "bank"), None) or next((f.name for f in b.files), None) or b.reference


def allocations(register: RegisterSnapshot) -> tuple[list[PaidAllocation], int]:
    """Live transfer-file lines of the register, and the register mark (last batch id)."""
    out: list[PaidAllocation] = []
    for b in register.live((KIND, "decaissement")):  # and what the disbursement wizard paid (« reste à payer »)
        for line in b.lines:
            out.append(PaidAllocation(batch_id=b.id, item_key=line.item_key, amount_cents=line.amount_cents, end_to_end_id=line.meta.get("e2e", ""),
                                      file_name=bank_file_name(b), created_on=b.created_at.date()))
    return out, register.mark


def paid_since(register: RegisterSnapshot, lines: Iterable[PreviewLine], mark: int) -> dict[str, tuple[str, date]]:
    """Key → (file, date) for lines paid by a live transfer file recorded after the import
    (batch id above ``mark``) or paying them with the same payment key."""
    wanted = payment_keys(register, [l.key for l in lines], mark)
    out: dict[str, tuple[str, date]] = {}
    for b in register.live(KIND):
        for line in b.lines:
            if line.item_key in wanted and (b.id > mark or (line.payment_key and line.payment_key == wanted[line.item_key])):
                out[line.item_key] = (bank_file_name(b), b.created_at.date())
    return out


DISBURSEMENT_KINDS = ("decaissement", "decaissement_reserve")
"""Batches of the disbursement wizard (``reglo.core.disbursement.outputs``): its payments, and the
reservation of the items an open run holds. A line they pay or hold is not paid again here."""


def held_by_disbursement(register: RegisterSnapshot, keys: Iterable[str], mark: int | None = None) -> dict[str, str]:
    """Key → « retenue par le décaissement R (user, le JJ/MM/AAAA à HH:MM) » (or « payée par… »)
    for the lines a live disbursement batch pays or an open run holds. With the preview's import
    ``mark``, a disbursement payment the preview already knew (batch id up to the mark) holds
    nothing: the preview's amount is already what it left to pay (« reste à payer »); a payment
    recorded after the import, and an open run's reservation, still hold the line."""
    wanted = set(keys)
    out: dict[str, str] = {}
    for b in register.live(DISBURSEMENT_KINDS):
        if mark is not None and b.kind == "decaissement" and b.id <= mark:
            continue
        verb = "retenue par le décaissement en cours" if b.kind == "decaissement_reserve" else "payée par le décaissement"
        text = f"{verb} {b.meta.get('run_id') or b.reference} ({b.meta.get('user') or b.user or '?'}, le {b.created_at:%d/%m/%Y à %H:%M})"
        for line in b.lines:
            if line.item_key in wanted:
                out.setdefault(line.item_key, text)
    return out


def status_text(file: str, day: date) -> str:
    return f"Payé ({file} du {day:%d/%m/%Y})"


def payment_keys(register: RegisterSnapshot, keys: Iterable[str], mark: int) -> dict[str, str]:
    """The register's payment key of each ledger line key: the key and the live transfer batches
    that paid it among those the preview knew (ids up to ``mark``) — never the mark itself."""
    wanted = set(keys)
    known: dict[str, set[int]] = {k: set() for k in wanted}
    for b in register.live(KIND):
        if b.id > mark:
            continue
        for line in b.lines:
            if line.item_key in wanted:
                known[line.item_key].add(b.id)
    return {k: f"{k}@{','.join(str(i) for i in sorted(ids))}" for k, ids in known.items()}


def message_id(register: RegisterSnapshot, now: datetime, existing: Iterable[str] = ()) -> tuple[str, int]:
    """The MsgId of a new file and the new value of the ``msgid:virement`` counter: a MsgId
    no batch uses and with no pain file or entries file in the folder or the register (entries
    named ``<SIREN>FEC<closing>-<MsgId>.txt``, or ``<MsgId>-ecritures.txt`` as before)."""
    used_refs = {b.reference for b in register.batches}
    names = set(existing) | register.file_names()
    created = {parsed[2] for parsed in map(parse_created_fec_name, names) if parsed}
    n = register.counter(MSGID_COUNTER) + 1
    base = message_id_for(now)

    def free(mid: str) -> bool:
        return mid not in used_refs and f"{mid}.xml" not in names and f"{mid}-ecritures.txt" not in names and mid not in created

    if free(base):
        return base, n
    while not free(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}", n


# ---------------------------------------------------------------------------
# dossier problems of the beneficiaries
# ---------------------------------------------------------------------------

def split_party_alerts(parties: Mapping[str, Party], dossier_alerts: Iterable[Alert]) -> tuple[dict[str, list[Alert]], list[Alert]]:
    """The dossier's alerts on a party's row of « Tiers » (by party code), and the others."""
    by_row = {p.source_row: code for code, p in parties.items() if p.source_row is not None}
    mine: dict[str, list[Alert]] = {}
    others: list[Alert] = []
    for a in dossier_alerts:
        code = by_row.get(a.row) if a.sheet == PARTIES_SHEET and a.row is not None else None
        if code is None:
            others.append(a)
        else:
            mine.setdefault(code, []).append(a)
    return mine, others


def party_alerts(parties: Mapping[str, Party], dossier_alerts: Iterable[Alert], lines: Sequence[PreviewLine]) -> list[Alert]:
    """Dossier problems of the beneficiaries: blocking on the preview rows of a beneficiary
    with a selected line (its file would pay a wrong account); a warning on « Contrôle » for
    the other parties (they block nothing as long as nobody pays them)."""
    mine, _ = split_party_alerts(parties, dossier_alerts)
    rows: dict[str, list[int | None]] = {}
    for l in lines:
        if l.selected:  # blocking even when the line's preview row is not known
            rows.setdefault(l.beneficiary, []).append(l.excel_row)
    out: list[Alert] = []
    for code, alerts in sorted(mine.items()):
        for a in alerts:
            where = f"feuille « {a.sheet} » du dossier, ligne {a.row}" + (f", colonne « {a.column} »" if a.column else "")
            if code in rows:
                if not a.is_blocking:
                    out.append(a)
                    continue
                for r in rows[code]:
                    out.append(a.model_copy(update={"sheet": PREVIEW_SHEET, "row": r, "column": "Bénéficiaire",
                                                    "message": f"Bénéficiaire {code} ({where}) : {a.message}"}))
            else:
                out.append(a.model_copy(update={"severity": Severity.WARNING,
                                                "message": f"{a.message} (tiers {code} non sélectionné : ne bloque pas le fichier ; corrigez le dossier avant de le payer)"}))
    return out


# ---------------------------------------------------------------------------
# « Générer le fichier »
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TransfersDossierView:
    """What the plan needs of the dossier (read by the shell)."""

    parties: Mapping[str, Party]
    ledger: pd.DataFrame
    alerts: tuple[Alert, ...] = ()  # the dossier's blocking alerts
    journal_labels: Mapping[str, str] = field(default_factory=dict)
    fiscal_year_end: date | None = None
    siren: str = ""  # names the entries file <SIREN>FEC<closing>-<MsgId>.txt (core.fec_names)


def transfer_settlements(ledger: pd.DataFrame, transfers: list, batch_booking: bool) -> list[Settlement]:
    """Per transfer: the ledger lines it pays (found by their stable key in ``ledger``) and
    its 401 debit line in the entries (one entry per transfer: 2 lines each; one per file:
    the 401 lines first, then the bank line)."""
    from reglo.core.transfers.selection import line_keys

    rows = dict(zip(line_keys(ledger).tolist(), ledger["source_row"].tolist())) if not ledger.empty else {}
    out = []
    for i, t in enumerate(transfers):
        found = tuple(int(rows[l.key]) for l in t.lines if l.key in rows)
        out.append(Settlement(account=t.beneficiary, ledger_rows=found if len(found) == len(t.lines) else (),
                              entry_rows=(i if batch_booking else 2 * i,), reason=f"Virement {t.end_to_end_id}"))
    return out


def _stop(alerts: list[Alert], summary: str, **data: Any) -> Outcome:
    return Outcome(alerts=tuple(alerts), summary=summary, data=data)


def plan_generate(
    snapshot_lines: Sequence[PreviewLine],
    edits: Sequence[Edit],
    dossier: TransfersDossierView,
    register: RegisterSnapshot,
    params: TransferParameters,
    *,
    now: datetime,
    import_mark: int = 0,
    folder: str = DEFAULT_FOLDER,
    existing_names: Iterable[str] = (),
    copy_state: CopyState | None = None,
    check_xml: Any = None,
) -> Outcome:
    """« Générer le fichier »: checks, pain.001 (validated against its XSD), entries, lettered
    copy, register batch. ``data`` holds for the shell: ``lines`` (the preview lines after
    edits, paid ones deselected), ``status`` (key → « Payé (…) »), and when a file is made
    ``transfers``, ``plan``, ``entries`` (frame), ``update`` (:class:`LedgerUpdate`),
    ``file_name``, ``message_id``."""
    check_xml = check_xml or check_pain001
    lines, alerts = apply_edits(snapshot_lines, edits)
    alerts = list(alerts)
    paid = paid_since(register, [l for l in lines if l.selected], import_mark)
    for l in lines:
        if l.key in paid:
            file, day = paid[l.key]
            alerts.append(alert("ALREADY_PAID", sheet=PREVIEW_SHEET, row=l.excel_row, column="Sélection", document=l.document_ref or l.key,
                                name=l.beneficiary, file=file, date=f"{day:%d/%m/%Y}"))
    held = held_by_disbursement(register, [l.key for l in lines if l.selected and l.key not in paid], import_mark)
    for l in lines:
        if l.key in held:
            alerts.append(alert("DSB_HELD_BY_RUN", sheet=PREVIEW_SHEET, row=l.excel_row, column="Sélection", document=l.document_ref or l.key, name=l.beneficiary, holder=held[l.key]))
    lines = [l.model_copy(update={"selected": False}) if l.key in paid or l.key in held else l for l in lines]
    status = {k: status_text(*v) for k, v in paid_since(register, lines, import_mark).items()}
    status.update({k: v[0].upper() + v[1:] for k, v in held.items()})
    alerts += check_selection(lines) + check_beneficiaries(lines, dossier.parties, params) + party_alerts(dossier.parties, dossier.alerts, lines)
    if not any(l.selected for l in lines):
        alerts.append(alert("NOTHING_SELECTED", sheet=PREVIEW_SHEET))
        return _stop(alerts, "Aucun fichier généré : rien à virer.", lines=lines, status=status)
    if has_blocking(alerts):
        return _stop(alerts, "Aucun fichier généré : corrigez les alertes bloquantes de la prévisualisation.", lines=lines, status=status)
    created = now.replace(microsecond=0)
    msg_id, counter = message_id(register, created, existing_names)
    plan = plan_transfers(lines, dossier.parties, params, message_id=msg_id, today=created.date())
    alerts += plan.alerts
    if plan.batch is None or has_blocking(alerts):
        return _stop(alerts, "Aucun fichier généré : corrigez les alertes bloquantes.", lines=lines, status=status)
    data = write_pain001(plan.batch, message_id=msg_id, created_at=created, version=params.version)
    errors = check_xml(data, params.version)
    if errors:
        alerts.append(alert("XSD_INVALID", version=params.version, detail="; ".join(errors[:3])))
        return _stop(alerts, "Aucun fichier généré : le fichier ne respecte pas le schéma XSD.", lines=lines, status=status)
    file_name = f"{msg_id}.xml"
    transfers = list(plan.transfers)
    entries = number_entries(transfer_entries(plan, params, transfers=transfers), prefix=f"{msg_id}-")
    frame = fill_labels(entries_to_frame(entries), ledger=dossier.ledger, journal_labels=dict(dossier.journal_labels),
                        party_names={code: p.legal_name for code, p in dossier.parties.items()})
    update: LedgerUpdate = ledger_update(copy_state, dossier.ledger, frame, lambda base: transfer_settlements(base, transfers, params.batch_booking),
                                         now=created, fiscal_year_end=dossier.fiscal_year_end)
    alerts += update.alerts
    if update.blocking:  # the lettered copy is unreadable: never overwrite it
        return _stop(alerts, "Aucun fichier généré : la copie lettrée du grand livre est illisible. Rien n'a été enregistré.", lines=lines, status=status)
    frame = update.lettering.entries
    transfers = [t.model_copy(update={"lettering_code": c}) if c else t for t, c in zip(transfers, update.lettering.codes)]
    keys = payment_keys(register, [l.key for t in transfers for l in t.lines], import_mark)
    register_lines = tuple(
        RegisterLineDraft(
            item_key=l.key, amount_cents=to_cents(l.amount), payment_key=keys[l.key], party_code=t.beneficiary, document_ref=l.document_ref,
            original_cents=to_cents(l.open_amount),
            meta={"e2e": t.end_to_end_id, "transfer_cents": to_cents(t.amount), "ledger_cents": to_cents(l.original_amount), "kind": l.kind.value,
                  "lettering": t.lettering_code, "paid_before_cents": l.paid_before_cents},
        )
        for t in transfers for l in t.lines
    )
    batch = BatchDraft(kind=KIND, reference=msg_id, lines=register_lines, meta={
        "version": params.version, "execution_date": plan.execution_date.isoformat() if plan.execution_date else None,
        "batch_booking": params.batch_booking, "transfers": len(transfers), "total_cents": to_cents(plan.total), "folder": folder})
    files = (OutputFile(folder=folder, name=file_name, data=data, role="bank"),
             OutputFile(folder=folder, name=entries_file_name(dossier.siren, dossier.fiscal_year_end, entries[0].entry_date if entries else created.date(),
                                                       msg_id, legacy=f"{msg_id}-ecritures.txt"), data=write_fec(frame), role="entries"))
    status = {**status, **{l.key: status_text(file_name, created.date()) for t in transfers for l in t.lines}}
    sheets = (transfers_sheet(transfers, plan, params, file_name), entries_sheet(frame), lettering_sheet(update))
    return Outcome(alerts=tuple(alerts), summary="", batch=batch, files=files, ledger=update.rewrite(), counters={MSGID_COUNTER: counter}, sheets=sheets,
                   data={"lines": lines, "status": status, "transfers": transfers, "plan": plan, "entries": frame, "update": update,
                         "file_name": file_name, "message_id": msg_id})
