"""The LCR buttons as pure plans returning the trust layer's ``Outcome`` (house style §1b).

Every plan takes what the shell read (the « Prélèvements clients » inputs, the dossier, the
« Gestion des LCR » rows, the options), the register snapshot taken inside the dossier lock,
``now`` and the names already present, and returns an ``Outcome`` the shell commits through
``reglo.addin.shell.commit.run_button``:

* ``plan_transfer`` (« Transfert »): the « Gestion des LCR » sheet; nothing is written.
* ``plan_continue`` (« Continuer »): the CFONB 160 file, its treasury entries (a FEC named
  ``<SIREN>FEC<closing>-<file>.txt``), the register batch (kind ``lcr``, one line per invoice:
  an invoice is never collected twice), the file read back, the provisional journal and the
  slip.
* ``plan_unvalidate`` (« Dévalider … »): a batch ``lcr_devalidation`` whose negative lines
  re-open the register state of the lines, and the cancellation records of their receipts.
* ``plan_bank_reject`` (rejet de la remise entière): the reversal entry and the cancellation
  records; the shell then cancels the remittance's batch in the register.
* ``plan_slip`` (« Bordereau d'accompagnement »): the slip of a direct-debit or LCR batch.
* ``register_receipts``: every receipt the register knows (payments import, direct debits, LCR,
  lettering of bank lines), with the cancellations of rejects, un-validations and délettrages,
  for VAT on receipts and the payment data.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Collection, Mapping, Sequence

from reglo.core.alerts import Alert, alert, has_blocking, summary_fr
from reglo.core.cashed_status.export import HEADERS as CASHED_HEADERS
from reglo.core.cashed_status.export import sheet_rows, write_cashed_csv
from reglo.core.cashed_status.records import cancellation_receipts, cashed_records
from reglo.core.lcr.from_debits import lcr_allocations
from reglo.core.lcr.management import SHEET, management_rows
from reglo.core.lcr.models import Drawer
from reglo.core.lcr.outcome import FOLDER, lcr_outcome, transfer_outcome
from reglo.core.lcr.params import Keys, read_params
from reglo.core.lcr.plan import plan_lcr
from reglo.core.lcr.unvalidate import Scope, batch_receipts, plan_reject, plan_unvalidation
from reglo.core.money import cents_to_money, format_display
from reglo.core.outcome import BatchDraft, CancelDraft, Outcome, OutputFile, RegisterLineDraft, SheetColumn, SheetOutput, free_name
from reglo.core.register_state import BatchState, RegisterSnapshot
from reglo.core.slips import RemittanceSlip, SlipKind, SlipLine, SlipRemittance, layout_slip, lcr_slip, mask_iban
from reglo.core.vat_receipts.models import Receipt, ReceiptSource

KIND = "lcr"
DEBIT_KIND = "prelevement"  # reglo.core.debits.models.KIND
PAYMENTS_KIND = "customer_payments"  # reglo.core.payments.model.KIND (payments import)
REOPEN_KIND = "lcr_devalidation"
DEBIT_REOPEN_KIND = "prelevement_devalidation"  # reglo.core.debits.models.REOPEN_KIND
REOPEN_KINDS = {KIND: REOPEN_KIND, DEBIT_KIND: DEBIT_REOPEN_KIND}  # collected kind → its un-validation kind
UNVALIDATION_SHEET = "Dévalidation LCR"
DEBIT_UNVALIDATION_SHEET = "Dévalidation prélèvements"
# kind → (file-name tag, cancellations sheet, « peuvent être … à nouveau »)
_UNVALIDATION_NAMES = {KIND: ("LCR", UNVALIDATION_SHEET, "remises"), DEBIT_KIND: ("Prelevements", DEBIT_UNVALIDATION_SHEET, "prélevées")}
REJECT_KIND = "lcr_rejet"
SLIP_BATCH_KIND = "bordereau"
REJECT_SHEET = "Rejet LCR"


def _taken(snapshot: RegisterSnapshot, existing: Collection[str]) -> set[str]:
    return set(snapshot.file_names()) | set(existing)


def _refs(snapshot: RegisterSnapshot) -> set[str]:
    return {b.reference for b in snapshot.batches}


# ---------------------------------------------------------------------------
# register state
# ---------------------------------------------------------------------------

def reopened_pairs(snapshot: RegisterSnapshot, kind: str = KIND) -> set[tuple[str, str]]:
    """(batch reference, item key) of the LCR (or direct-debit) lines a live un-validation re-opened."""
    return {(str(l.meta.get("batch", "")), l.item_key) for b in snapshot.live(REOPEN_KINDS[kind]) for l in b.lines}


def collected_cents(snapshot: RegisterSnapshot) -> dict[str, int]:
    """Cents collected per item key: direct debits (less their un-validated lines) + live LCR
    lines not re-opened."""
    out = dict(snapshot.paid_cents_by_item((DEBIT_KIND, DEBIT_REOPEN_KIND)))
    again = reopened_pairs(snapshot)
    for b in snapshot.live(KIND):
        for line in b.lines:
            if (b.reference, line.item_key) not in again:
                out[line.item_key] = out.get(line.item_key, 0) + line.amount_cents
    return out


def generations(snapshot: RegisterSnapshot, kind: str = KIND) -> dict[str, int]:
    """Item key → how many times an un-validation re-opened it (suffix of the payment key)."""
    out: dict[str, int] = {}
    for b in snapshot.live(REOPEN_KINDS[kind]):
        for line in b.lines:
            out[line.item_key] = out.get(line.item_key, 0) + 1
    return out


# ---------------------------------------------------------------------------
# « Transfert » and « Continuer »
# ---------------------------------------------------------------------------

def _details(inputs: Any, dossier: Any, snapshot: RegisterSnapshot) -> list:
    from reglo.core.debits.allocation import detail_rows
    from reglo.core.debits.usecases import _assignments

    parties = {p.code: p for p in dossier.parties}
    return detail_rows(inputs.invoices, _assignments(inputs), parties, inputs.options.selection, collected_cents(snapshot))


def allocations_by_bank(inputs: Any, dossier: Any, snapshot: RegisterSnapshot, *, default_bank: str = "") -> dict[str, list]:
    parties = {p.code: p for p in dossier.parties}
    return lcr_allocations(_details(inputs, dossier, snapshot), parties, default_bank=default_bank)


def _bank(dossier: Any, journal: str) -> Any:
    return next((b for b in dossier.company.bank_accounts if b.journal_code.upper() == (journal or "").upper()), None)


def _choose_bank(by_bank: Mapping[str, list], dossier: Any, bank: str | None) -> tuple[str | None, list[Alert]]:
    known = ", ".join(sorted(b.journal_code for b in dossier.company.bank_accounts)) or "aucune"
    if bank:
        if _bank(dossier, bank) is None:
            return None, [alert("LCR_BANK_UNKNOWN", value=bank, known=known)]
        return bank.upper(), []
    if len(by_bank) > 1:
        return None, [alert("LCR_BANK_REQUIRED", banks=", ".join(sorted(by_bank)))]
    if by_bank:
        return next(iter(by_bank)), []
    banks = dossier.company.bank_accounts
    return (banks[0].journal_code if banks else None), []


def plan_transfer(inputs: Any, dossier: Any, snapshot: RegisterSnapshot, *, bank: str | None, remittance_date: date) -> Outcome:
    """« Transfert » in mode LCR magnétique: « Gestion des LCR », one row per customer."""
    by_bank = allocations_by_bank(inputs, dossier, snapshot, default_bank=bank or "")
    chosen, alerts = _choose_bank(by_bank, dossier, bank)
    if chosen is None:
        return Outcome(alerts=tuple(alerts) or (alert("LCR_NO_BILLS", sheet=SHEET),), summary="Aucune LCR à remettre.")
    out = transfer_outcome(by_bank.get(chosen, []), remittance_date=remittance_date)
    return out.model_copy(update={"data": {**out.data, "bank": chosen}, "summary": f"Banque {chosen} : {out.summary}"})


def default_params(values: Mapping[str, Any], *, bank: str, now: datetime, snapshot: RegisterSnapshot | None = None) -> dict[str, Any]:
    """The option values with the defaults Reglo fills: remittance reference ``L`` + AAMMJJ +
    the remittance's number in the dossier on 4 digits (11 characters, zone G1; unique in the
    register), journal = the company bank."""
    out = dict(values)
    if not str(out.get(Keys.REMITTANCE_REF) or "").strip():
        refs = _refs(snapshot) if snapshot is not None else set()
        n = sum(1 for b in snapshot.batches if b.kind == KIND) + 1 if snapshot is not None else 1
        while f"L{now:%y%m%d}{n % 10000:04d}" in refs:
            n += 1
        out[Keys.REMITTANCE_REF] = f"L{now:%y%m%d}{n % 10000:04d}"
    if not str(out.get(Keys.JOURNAL) or "").strip():
        out[Keys.JOURNAL] = bank
    return out


def _entries_file(plan: Any, dossier: Any, *, stem: str, fiscal_year_end: date, ledger: Any, params: Any, rows: Sequence[Any] = (),
                  copy_state: Any = None, now: datetime | None = None) -> tuple[OutputFile, Any, list[Alert]]:
    """The treasury entries as a FEC the DGFiP checker accepts, and, with « Lettrage », the
    lettered copy of the ledger (``LedgerRewrite``) with the invoices settled lettered."""
    from reglo.core.entries import entries_to_frame, fill_labels, number_entries
    from reglo.core.fec_names import closing_date, created_fec_name
    from reglo.core.fec_write import write_fec

    entries = number_entries(list(plan.entries), prefix=f"{stem}-")
    labels = {params.collection_account: "Effets à l'encaissement", params.discount_account: "Effets à l'escompte"}
    has_ledger = ledger is not None and not getattr(ledger, "empty", True)
    frame = entries_to_frame(entries, account_labels=labels)
    frame = fill_labels(frame, ledger=ledger if has_ledger else None,
                        journal_labels={b.journal_code: b.label for b in dossier.company.bank_accounts if b.label},
                        party_names={p.code: p.legal_name for p in dossier.parties})
    rewrite, alerts = None, []
    if params.lettering and has_ledger and now is not None:
        from reglo.core.entries import Settlement
        from reglo.core.lettered_copy import ledger_update
        from reglo.core.transfers.selection import line_keys

        # entry line 0 is the remittance account; then one line per customer (grouped) or per invoice
        paying: list[tuple[str, tuple[str, ...]]] = []
        for r in rows:
            if params.group_entries or not r.invoices:
                paying.append((r.party_code, tuple(i.key for i in r.invoices if i.key)))
            else:
                paying += [(r.party_code, (i.key,) if i.key else ()) for i in r.invoices]

        def settlements_for(base: Any) -> list:
            where = dict(zip(line_keys(base).tolist(), base["source_row"].tolist())) if not base.empty else {}
            return [Settlement(account=party, ledger_rows=tuple(int(where[k]) for k in keys if k in where), entry_rows=(pos,), reason=f"LCR {params.remittance_ref}")
                    for pos, (party, keys) in enumerate(paying, start=1) if keys]

        update = ledger_update(copy_state, ledger, frame, settlements_for, now=now, fiscal_year_end=fiscal_year_end)
        alerts += list(update.alerts)
        if not update.blocking:
            frame = update.lettering.entries
            rewrite = update.rewrite()
    name = created_fec_name(dossier.company.siren, closing_date(fiscal_year_end, params.remittance_date), stem)
    return OutputFile(folder=FOLDER, name=name, data=write_fec(frame), role="entries"), rewrite, alerts


def plan_continue(
    inputs: Any,
    dossier: Any,
    snapshot: RegisterSnapshot,
    *,
    records: Sequence[Mapping[str, Any]],
    row_numbers: Sequence[int] | None,
    param_values: Mapping[str, Any],
    bank: str | None,
    now: datetime,
    existing_names: frozenset[str] = frozenset(),
    fiscal_year_end: date,
    ledger: Any = None,
    copy_state: Any = None,
) -> Outcome:
    """« Continuer »: file + entries + register batch + read-back + provisional journal + slip.

    « Lettrage »: the invoices settled are lettered with the entry's customer lines on the
    lettered copy of the ledger (``reglo.core.lettered_copy``; entries of the next fiscal year
    stay out of this year's copy, with a warning), replaced in the same commit.

    The bills are proposed again from the register read inside the lock: a row of the sheet
    whose invoices were collected meanwhile is dropped with a warning (never collected twice).
    """
    company = dossier.company
    journal = str(param_values.get(Keys.JOURNAL) or "").strip() or (bank or "")
    if not journal:
        by_bank = allocations_by_bank(inputs, dossier, snapshot)
        journal, a = _choose_bank(by_bank, dossier, None)
        if journal is None:
            return Outcome(alerts=tuple(a) or (alert("LCR_NO_BILLS", sheet=SHEET),), summary="Aucun fichier LCR.")
    account = _bank(dossier, journal)
    if account is None:
        known = ", ".join(sorted(b.journal_code for b in company.bank_accounts)) or "aucune"
        return Outcome(alerts=(alert("LCR_BANK_UNKNOWN", value=journal, known=known),), summary="Aucun fichier LCR.")
    params, alerts = read_params(default_params(param_values, bank=account.journal_code, now=now, snapshot=snapshot), today=now.date())
    if params is None:
        return Outcome(alerts=tuple(alerts), summary=f"Aucun fichier LCR : {summary_fr(alerts)}.")
    by_bank = allocations_by_bank(inputs, dossier, snapshot, default_bank=account.journal_code)
    proposed = management_rows(by_bank.get(account.journal_code, []), remittance_date=params.remittance_date)
    known = {r.party_code for r in proposed}
    for n, rec in enumerate(records):
        code = str(rec.get("Compte") or "").strip()
        if code and code not in known:
            alerts.append(alert("LCR_ROW_NOTHING_TO_COLLECT", party=code, sheet=SHEET, row=row_numbers[n] if row_numbers else n + 2))
    from reglo.core.lcr.management import read_management_sheet

    rows, a = read_management_sheet(records, proposed, row_numbers=row_numbers)
    alerts += a
    if not rows:
        alerts.append(alert("LCR_NO_BILLS", sheet=SHEET))
        return Outcome(alerts=tuple(alerts), summary="Aucun fichier LCR : rien à remettre.")
    drawer = Drawer(legal_name=company.legal_name, siren=company.siren, bank_name=account.label or account.journal_code, iban=str(account.iban))
    plan = plan_lcr(rows, drawer, params, today=now.date(), now=now)
    out = lcr_outcome(plan, rows, generations(snapshot))
    alerts = alerts + [x for x in out.alerts if x not in alerts]
    if out.has_blocking or has_blocking(alerts):
        return out.model_copy(update={"alerts": tuple(alerts), "summary": f"Aucun fichier LCR : {summary_fr(alerts)}."})
    if params.remittance_ref in _refs(snapshot):
        return Outcome(alerts=tuple(alerts) + (alert("LCR_REFERENCE_USED", value=params.remittance_ref),), summary="Aucun fichier LCR.")
    (bank_file,) = out.files
    taken = _taken(snapshot, existing_names)
    if bank_file.name in taken:  # same second (fixed clock): LCR…BQ1-2.txt
        renamed = free_name(bank_file.name, taken)
        sheets = tuple(x.model_copy(update={"title": x.title.replace(bank_file.name, renamed)}) if x.title else x for x in out.sheets)
        out = out.model_copy(update={"summary": out.summary.replace(bank_file.name, renamed), "sheets": sheets,
                                     "batch": out.batch.model_copy(update={"meta": {**out.batch.meta, "file_name": renamed}})})
        bank_file = bank_file.model_copy(update={"name": renamed})
    stem = bank_file.name.removesuffix(".txt")
    entries, rewrite, lettering_alerts = _entries_file(plan, dossier, stem=stem, fiscal_year_end=fiscal_year_end, ledger=ledger, params=params, rows=rows,
                                                       copy_state=copy_state, now=now)
    alerts += lettering_alerts
    if has_blocking(lettering_alerts):
        return Outcome(alerts=tuple(alerts), summary=f"Aucun fichier LCR : {summary_fr(alerts)}.")
    names = {p.code: p.legal_name for p in dossier.parties}
    bills = [{"party_code": r.party_code, "name": r.party_name or names.get(r.party_code, ""), "bank": r.bank_name or mask_iban(r.iban),
              "reference": r.drawee_ref, "due_date": r.due_date.isoformat(), "amount_cents": sum(int(i.amount * 100) for i in r.invoices) or int(r.amount * 100)}
             for r in rows]
    batch = out.batch.model_copy(update={"meta": {**out.batch.meta, "entries_file": entries.name, "bank_label": account.label or account.journal_code,
                                                  "iban": str(account.iban), "lettering": params.lettering, "bills": bills}})
    slip = lcr_slip(rows, company_name=company.legal_name, company_siren=company.siren, company_address=_address(company),
                    bank_label=account.label or account.journal_code, iban=str(account.iban), remittance_ref=params.remittance_ref,
                    remittance_date=params.remittance_date, file_name=bank_file.name, printed_on=now.date())
    summary = out.summary + f" Écritures : {entries.name}."
    return out.model_copy(update={"alerts": tuple(alerts), "files": (bank_file, entries), "batch": batch, "summary": summary, "ledger": rewrite,
                                  "data": {**out.data, "slip": layout_slip(slip), "rows": rows, "params": params}})


def preview_of(outcome: Outcome) -> Outcome:
    """« Aperçu »: the sheets of « Continuer » (file read back, provisional journal, slip)
    without files nor register batch: nothing is written."""
    sheets = tuple(s.model_copy(update={"title": f"Aperçu — {s.title}" if s.title else "Aperçu"}) for s in outcome.sheets)
    names = ", ".join(f.name for f in outcome.files)
    return outcome.model_copy(update={"files": (), "batch": None, "sheets": sheets,
                                      "summary": f"Aperçu (rien n'est écrit ni enregistré) : {outcome.summary.replace('Écritures :', 'écritures prévues :')}"
                                      if names else outcome.summary})


def _address(company: Any) -> str:
    a = getattr(company, "address", None)
    if a is None:
        return ""
    parts = [getattr(a, f, "") or "" for f in ("street", "postcode", "town")]
    return " ".join(p for p in parts if p).strip()


# ---------------------------------------------------------------------------
# un-validation and bank reject
# ---------------------------------------------------------------------------

def _cancellation_file(cancellations: Sequence[Receipt], *, seller_siren: str, name: str) -> tuple[OutputFile, list, list[Alert]]:
    records, alerts = cashed_records(cancellations, (), (), seller_siren=seller_siren)
    return OutputFile(folder=FOLDER, name=name, data=write_cashed_csv(records), role="data"), records, alerts


def _cashed_sheet(name: str, title: str, records: Sequence[Any]) -> SheetOutput:
    kinds = {"Date facture": "date", "Date d'encaissement": "date", "Montant encaissé": "amount", "Montant encaissé au taux": "amount",
             "Base HT au taux": "amount", "TVA au taux": "amount"}
    return SheetOutput(name=name, title=title, columns=tuple(SheetColumn(header=h, kind=kinds.get(h, "text")) for h in CASHED_HEADERS),  # type: ignore[arg-type]
                       rows=tuple(sheet_rows(records)))


def plan_unvalidate(
    snapshot: RegisterSnapshot,
    scope: Scope,
    *,
    now: datetime,
    fiscal_year: tuple[date, date],
    seller_siren: str,
    party_code: str = "",
    item_key: str = "",
    lettered_on: Mapping[str, date] | None = None,
    confirmations: int = 0,
    existing_names: Collection[str] = (),
    kind: str = KIND,
) -> Outcome:
    """« Dévalider … »: negative register lines re-open the collected lines (LCR, or direct
    debits with ``kind="prelevement"``); the cancellation records of their receipts go to a CSV
    (folder ``lcr``) and the sheet « Dévalidation LCR » (« Dévalidation prélèvements »).
    ``data["items"]`` lists the re-opened item keys (the shell removes their green « V »)."""
    tag, sheet_name, verb = _UNVALIDATION_NAMES[kind]
    p = plan_unvalidation(snapshot, scope, on=now.date(), fiscal_year=fiscal_year, party_code=party_code, item_key=item_key,
                          lettered_on=lettered_on, confirmations=confirmations, already=reopened_pairs(snapshot, kind), kind=kind)
    if p.is_blocked or not p.lines:
        return Outcome(alerts=p.alerts, summary=f"Rien n'a été dévalidé : {summary_fr(p.alerts)}.")
    stamp = f"{now:%Y%m%d-%H%M%S}"
    cancels = {c.cancels: c for c in p.cancellations}
    receipts_by_line = {}
    for b in snapshot.live(kind):
        for n, line in enumerate(b.lines, start=1):
            receipts_by_line[(b.reference, line.item_key)] = f"{b.reference}-{n:04d}"
    lines = tuple(
        RegisterLineDraft(item_key=r.line.item_key, amount_cents=-r.line.amount_cents, party_code=r.line.party_code, document_ref=r.line.document_ref,
                          meta={"batch": r.batch_reference, "cancels": receipts_by_line.get((r.batch_reference, r.line.item_key), "")})
        for r in p.lines
    )
    name = free_name(f"Devalidation_{tag}_{stamp}.csv", _taken(snapshot, existing_names))
    f, records, a = _cashed_sheet_and_file(p.cancellations, seller_siren, name)
    total = sum(r.line.amount_cents for r in p.lines)
    prefix = "DEV-LCR" if kind == KIND else "DEV-PRE"
    batch = BatchDraft(kind=REOPEN_KINDS[kind], reference=free_name(f"{prefix}-{stamp}", _refs(snapshot)), lines=lines,
                       meta={"scope": scope.value, "party": party_code, "item": item_key, "cancellations": sorted(cancels)})
    summary = f"{len(lines)} ligne(s) dévalidée(s) pour {format_display(cents_to_money(total))} : elles peuvent être {verb} à nouveau ; annulations dans {name}."
    return Outcome(alerts=p.alerts + tuple(a), summary=summary, batch=batch, files=(f,),
                   sheets=(_cashed_sheet(sheet_name, "Dévalidation : annulations des données d'encaissement", records),),
                   data={"plan": p, "items": [r.line.item_key for r in p.lines]})


def _cashed_sheet_and_file(cancellations: Sequence[Receipt], seller_siren: str, name: str) -> tuple[OutputFile, list, list[Alert]]:
    return _cancellation_file(cancellations, seller_siren=seller_siren, name=name)


def plan_bank_reject(
    snapshot: RegisterSnapshot,
    dossier: Any,
    *,
    now: datetime,
    reason: str,
    reference: str,
    fiscal_year_end: date,
    existing_names: Collection[str] = (),
) -> Outcome:
    """A bank reject of a whole LCR file: reversal entry (FEC) + cancellation records, and the
    cancellation of the remittance's batch (``Outcome.cancels``) in the same commit: the
    register applies it when the reject batch becomes committed, so a crash leaves either the
    remittance live and no reversal, or the remittance cancelled and both files.

    A register written before that (reversal committed, remittance still live after a crash
    between two steps): nothing is written again, only the cancellation is committed."""
    target = snapshot.find(reference=reference) or snapshot.find(file_name=reference)
    if target is not None and target.kind == KIND and target.counts:
        done = next((b for b in snapshot.live(REJECT_KIND) if b.meta.get("rejected") == target.reference), None)
        if done is not None:
            return Outcome(summary=f"Remise {target.reference} déjà contre-passée ({done.reference}) : annulation au registre.",
                           cancels=(CancelDraft(batch_id=target.id, reference=target.reference, reason=reason),),
                           data={"cancel_batch_id": target.id, "reason": reason, "reference": target.reference})
    rp = plan_reject(snapshot, on=now.date(), reason=reason, reference=target.reference if target else reference)
    if rp.batch_id is None or rp.reversal is None:
        return Outcome(alerts=rp.alerts, summary=f"Aucune remise annulée : {summary_fr(rp.alerts)}.")
    from reglo.core.entries import entries_to_frame, fill_labels, number_entries
    from reglo.core.fec_names import closing_date, created_fec_name
    from reglo.core.fec_write import write_fec

    batch_ref = target.reference  # type: ignore[union-attr]
    # a reference and a file name are used once in the dossier's history: a reject rolled back
    # by a crash keeps them, the next attempt takes « REJ-<ref>-2 »…
    taken, refs, closing = _taken(snapshot, existing_names), _refs(snapshot), closing_date(fiscal_year_end, now.date())
    stem, n = f"REJ-{batch_ref}", 1
    while stem in refs or created_fec_name(dossier.company.siren, closing, stem) in taken:
        n += 1
        stem = f"REJ-{batch_ref}-{n}"
    reversal = rp.reversal
    if not reversal.journal_code:
        reversal = reversal.model_copy(update={"journal_code": str(target.meta.get("journal_code") or "BQ")})  # type: ignore[union-attr]
    frame = entries_to_frame(number_entries([reversal], prefix=f"{stem}-"), account_labels={reversal.lines[-1].ledger_account: "Effets à l'encaissement"})
    frame = fill_labels(frame, journal_labels={b.journal_code: b.label for b in dossier.company.bank_accounts if b.label},
                        party_names={p.code: p.legal_name for p in dossier.parties})
    fec = OutputFile(folder=FOLDER, name=created_fec_name(dossier.company.siren, closing, stem), data=write_fec(frame), role="entries")
    csv_file, records, a = _cancellation_file(rp.cancellations, seller_siren=dossier.company.siren, name=free_name(f"Rejet_{batch_ref}_{now:%Y%m%d-%H%M%S}.csv", taken))
    batch = BatchDraft(kind=REJECT_KIND, reference=stem, meta={"rejected": batch_ref, "reason": reason, "batch_id": rp.batch_id})
    total = sum(l.debit for l in reversal.lines)
    return Outcome(
        alerts=tuple(a), batch=batch, files=(fec, csv_file), cancels=(CancelDraft(batch_id=rp.batch_id, reference=batch_ref, reason=reason),),
        summary=f"Remise {batch_ref} rejetée ({reason}) : contre-passation de {format_display(total)} dans {fec.name}, annulations dans {csv_file.name}.",
        sheets=(_cashed_sheet(REJECT_SHEET, f"Rejet de la remise {batch_ref} : annulations des données d'encaissement", records),),
        data={"cancel_batch_id": rp.batch_id, "reason": reason, "reference": batch_ref},
    )


# ---------------------------------------------------------------------------
# slips
# ---------------------------------------------------------------------------

def _slip_of(batch: BatchState, dossier: Any, printed_on: date) -> RemittanceSlip:
    company = dossier.company
    names = {p.code: p.legal_name for p in dossier.parties}
    if batch.kind == KIND:
        lines = tuple(SlipLine(party_code=b["party_code"], name=b.get("name") or names.get(b["party_code"], ""), bank=b.get("bank", ""), reference=b.get("reference", ""),
                               due_date=date.fromisoformat(b["due_date"]), amount=cents_to_money(int(b["amount_cents"])))
                      for b in batch.meta.get("bills", ()))
        if not lines:  # a batch recorded before the bills were kept: one line per register line
            lines = tuple(SlipLine(party_code=l.party_code, name=names.get(l.party_code, ""), reference=l.document_ref,
                                   due_date=date.fromisoformat(l.meta.get("due_date") or batch.meta["remittance_date"]), amount=cents_to_money(l.amount_cents))
                          for l in batch.lines)
        bank = batch.meta.get("bank_label") or batch.meta.get("journal_code", "")
        rem = SlipRemittance(bank_label=bank, iban=mask_iban(batch.meta.get("iban", "")), remittance_ref=batch.reference,
                             remittance_date=date.fromisoformat(batch.meta["remittance_date"]), file_name=batch.meta.get("file_name", ""), lines=lines)
        return RemittanceSlip(kind=SlipKind.LCR, company_name=company.legal_name, company_siren=company.siren, company_address=_address(company),
                              printed_on=printed_on, remittances=(rem,))
    day = date.fromisoformat(batch.meta.get("collection_date") or batch.created_at.date().isoformat())
    journal = batch.meta.get("journal", "")
    account = _bank(dossier, journal)
    lines = tuple(SlipLine(party_code=l.party_code, name=names.get(l.party_code, ""), bank=mask_iban(str(l.meta.get("iban", ""))),
                           reference=" ".join(x for x in (str(l.meta.get("rum", "")), l.document_ref) if x), due_date=day, amount=cents_to_money(l.amount_cents))
                  for l in batch.lines)
    rem = SlipRemittance(bank_label=(account.label if account is not None and account.label else journal), iban=mask_iban(str(account.iban)) if account is not None else "",
                         remittance_ref=batch.reference, remittance_date=day, file_name=str(batch.meta.get("file", "")), lines=lines)
    return RemittanceSlip(kind=SlipKind.DIRECT_DEBIT, company_name=company.legal_name, company_siren=company.siren, company_address=_address(company),
                          creditor_id=str(batch.meta.get("ics", "")), printed_on=printed_on, remittances=(rem,))


def plan_slip(snapshot: RegisterSnapshot, dossier: Any, *, kind: str, reference: str | None, now: datetime) -> Outcome:
    """« Bordereau d'accompagnement » of a committed remittance (``kind``: ``lcr`` or
    ``prelevement``; the latest one when ``reference`` is empty). The slip goes in
    ``data['slip']`` (a ``SlipSheet``) and ``data['slip_model']``; the shell writes the sheet and,
    when asked, the PDF (then the batch ``bordereau`` records it)."""
    wanted = [b for b in snapshot.batches if b.kind == kind and b.status == "committed" and not b.is_test]
    if reference:
        wanted = [b for b in wanted if b.reference == reference or any(f.name == reference for f in b.files)]
    if not wanted:
        return Outcome(alerts=(alert("SLIP_NOT_FOUND", kind="LCR" if kind == KIND else "prélèvements", value=reference or "la dernière remise"),),
                       summary="Aucun bordereau.")
    batch = wanted[-1]
    slip = _slip_of(batch, dossier, now.date())
    sheet = layout_slip(slip)
    return Outcome(summary=f"Bordereau {slip.kind.value} de la remise {batch.reference} : {slip.count} opération(s), {format_display(slip.total)}.",
                   data={"slip": sheet, "slip_model": slip, "batch": batch})


def slip_batch(slip_outcome: Outcome, snapshot: RegisterSnapshot, *, now: datetime, pdf: bytes | None, existing_names: Collection[str] = ()) -> Outcome:
    """The slip's PDF as a file of the commit (batch ``bordereau``, no register line)."""
    batch = slip_outcome.data["batch"]
    name = free_name(f"Bordereau_{batch.reference}_{now:%Y%m%d-%H%M%S}.pdf", _taken(snapshot, existing_names))
    files = (OutputFile(folder=FOLDER if batch.kind == KIND else "prelevements", name=name, data=pdf, role="slip"),) if pdf else ()
    draft = BatchDraft(kind=SLIP_BATCH_KIND, reference=free_name(f"BORD-{batch.reference}-{now:%Y%m%d%H%M%S}", _refs(snapshot)), meta={"remittance": batch.reference}) if pdf else None
    return slip_outcome.model_copy(update={"files": files, "batch": draft})


# ---------------------------------------------------------------------------
# receipts the register knows
# ---------------------------------------------------------------------------

def register_receipts(snapshot: RegisterSnapshot, *, names: Mapping[str, str] | None = None) -> list[Receipt]:
    """Every receipt recorded by a payments import (bank date), a direct-debit (collection
    date), an LCR batch (due date) or a lettering of bank lines (bank date), and a
    cancellation record for each cancelled batch (bank reject), each un-validated LCR or
    direct-debit line and each receipt of a délettrage. A payment both recorded by another
    workflow and lettered counts once (``_with_lettering``)."""
    names = names or {}
    out: list[Receipt] = []
    by_id: dict[str, Receipt] = {}
    for b in snapshot.batches:
        if b.is_test or b.status not in ("committed", "cancelled"):
            continue
        if b.kind == KIND:
            got = [r.model_copy(update={"party_name": names.get(r.party_code, ""), "is_lettered": bool(b.meta.get("lettering")) and bool(r.invoice_number)})
                   for r in batch_receipts(b)]
            out += got
            by_id.update({r.receipt_id: r for r in got})
            if b.status == "cancelled":
                on = (b.cancelled_at or b.created_at).date()
                reopened = {l.meta.get("cancels") for x in snapshot.live(REOPEN_KIND) for l in x.lines if l.meta.get("batch") == b.reference}
                out += cancellation_receipts([r for r in got if r.receipt_id not in reopened], on=on)
        elif b.kind in (DEBIT_KIND, PAYMENTS_KIND):
            day = date.fromisoformat(b.meta.get("collection_date") or b.created_at.date().isoformat())
            got = []
            for n, line in enumerate(b.lines, start=1):
                if line.amount_cents <= 0:
                    continue
                if b.kind == PAYMENTS_KIND:  # the bank date of the payment; lettered when the import lettered it
                    on = date.fromisoformat(str(line.meta.get("date") or day.isoformat()))
                    got.append(Receipt(receipt_id=f"{b.reference}-{n:04d}", source=ReceiptSource.PAYMENT_IMPORT, party_code=line.party_code,
                                       party_name=names.get(line.party_code, ""), receipt_date=on, amount=cents_to_money(line.amount_cents),
                                       invoice_number=line.document_ref, is_lettered=bool(line.meta.get("lettering"))))
                else:
                    got.append(Receipt(receipt_id=f"{b.reference}-{n:04d}", source=ReceiptSource.DIRECT_DEBIT, party_code=line.party_code,
                                       party_name=names.get(line.party_code, ""), receipt_date=day, amount=cents_to_money(line.amount_cents),
                                       invoice_number=line.document_ref))
            out += got
            if b.kind == DEBIT_KIND:
                by_id.update({r.receipt_id: r for r in got})
            if b.status == "cancelled":
                reopened = {l.meta.get("cancels") for x in snapshot.live(DEBIT_REOPEN_KIND) for l in x.lines if l.meta.get("batch") == b.reference}
                out += cancellation_receipts([r for r in got if r.receipt_id not in reopened], on=(b.cancelled_at or b.created_at).date())
    for b in snapshot.live((REOPEN_KIND, DEBIT_REOPEN_KIND)):
        for line in b.lines:
            original = by_id.get(str(line.meta.get("cancels", "")))
            if original is not None:
                out += cancellation_receipts([original], on=b.created_at.date())
    return _with_lettering(out, snapshot, names)


def _with_lettering(out: list[Receipt], snapshot: RegisterSnapshot, names: Mapping[str, str]) -> list[Receipt]:
    """Add the receipts of the lettering of bank lines (``reglo.core.lettering.receipts``) and
    their délettrage cancellations, without counting a payment twice: a lettering receipt with
    the same customer, invoice and amount as a receipt another workflow recorded (payments
    import, direct debit, LCR) and that no cancellation undid is that receipt, lettered: it is
    dropped and the other is flagged lettered, one for one; one that a délettrage cancelled is
    dropped with its cancellation."""
    from reglo.core.lettering.receipts import register_lettering_receipts

    lettered, undone = register_lettering_receipts(snapshot, names=names)
    if not lettered:
        return out
    cancelled = {r.cancels for r in out if r.cancels}
    pool: dict[tuple[str, str, Any], list[int]] = {}
    for i, r in enumerate(out):
        if not r.cancels and r.receipt_id not in cancelled and r.invoice_number:
            pool.setdefault((r.party_code, r.invoice_number, r.amount), []).append(i)
    known = set(pool)
    was_undone = {c.cancels for c in undone}
    dropped: set[str] = set()
    for r in sorted(lettered, key=lambda r: (r.receipt_date, r.receipt_id)):
        key = (r.party_code, r.invoice_number, r.amount)
        if r.receipt_id in was_undone:  # lettered then délettré: neither it nor its cancellation when the other workflow has it
            if key in known:
                dropped.add(r.receipt_id)
            continue
        same = pool.get(key)
        if same:
            i = same.pop(0)
            out[i] = out[i].model_copy(update={"is_lettered": True})
            dropped.add(r.receipt_id)
    return out + [r for r in lettered if r.receipt_id not in dropped] + [c for c in undone if c.cancels not in dropped]
