"""Pure plans of the « Prélèvements clients » buttons (house style §1b).

Each plan takes what was read (``DebitInputs``: open invoices of the dossier ledger and the
workbook's tables), the dossier, a ``RegisterSnapshot`` taken inside the dossier lock, ``now``
and returns an ``Outcome``; nothing is written here.

* ``plan_prepare`` (« Préparer »): checks before the window opens, then the main sheet, the
  detail sheet, « Répartition », « Édition des erreurs », « Édition compte sans tiers »;
* ``plan_check`` (« Contrôler »): the checks and their two printable sheets only;
* ``plan_preview`` (« Aperçu »): mode Aucun → the unassigned lines by customer with
  subtotals; mode Prélèvement → the bank file built in memory and read back;
* ``plan_generate`` (« Générer »): the pain.008 file (XSD-validated), the treasury entries
  (FEC), the register batch (test batch for a test file), the pre-notification, slip,
  « Aperçu » and entries sheets, and what the shell needs to letter the collected invoices.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert, has_blocking
from reglo.core.debits import generation as gen
from reglo.core.debits.allocation import check_schedule, customer_rows, detail_rows, forced_due, repartition
from reglo.core.debits.checks import CheckResult, check_before, company_bank_of
from reglo.core.debits.models import KIND, REOPEN_KIND, Assignment, CollectedPart, CustomerRow, DetailRow, ForcedAmount, Instalment, Mode, OpenInvoice, total
from reglo.core.debits.sequence import decide, mandate_history
from reglo.core.debits.tables import (
    DETAIL_COLUMNS,
    DETAIL_SHEET,
    ENTRIES_SHEET,
    ERROR_COLUMNS,
    ERRORS_SHEET,
    MAIN_COLUMNS,
    MAIN_SHEET,
    NO_PARTY_SHEET,
    PRENOTIFICATION_SHEET,
    PREVIEW_SHEET,
    REPARTITION_SHEET,
    SLIP_SHEET,
    ReadOptions,
    schedule_text,
)
from reglo.core.money import ZERO, cents_to_money, format_display, format_fr, to_cents
from reglo.core.outcome import BatchDraft, Outcome, OutputFile, SheetColumn, SheetOutput
from reglo.core.register_state import RegisterSnapshot
from reglo.core.rules.bank import compact
from reglo.core.rules import who_party
from reglo.core.rules.address import SepaAddress, sepa_address
from reglo.core.rules.ics import compact_ics
from reglo.core.writers import sepa_text as st
from reglo.core.writers.pain008 import DEFAULT_VERSION, read_pain008, write_checked_pain008

FOLDER = "prelevements"
FORCED_SCHEDULE_COLOUR = "F8CBAD"  # forced amount with a schedule
FORCED_PLAIN_COLOUR = "BDD7EE"  # forced amount without one
VALIDATED_COLOUR = "C6EFCE"  # « V » green
C = SheetColumn


class DebitInputs(BaseModel):
    """What the shell read: the open customer lines of the ledger and the workbook's tables."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    invoices: tuple[OpenInvoice, ...]
    assignments: dict[str, Assignment] = {}
    schedules: dict[str, tuple[Instalment, ...]] = {}
    forced: dict[str, ForcedAmount] = {}
    options: ReadOptions
    read_alerts: tuple[Alert, ...] = ()


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    check: CheckResult
    details: tuple[DetailRow, ...]
    rows: tuple[CustomerRow, ...]
    alerts: tuple[Alert, ...]
    collected: dict[str, int]
    day: date


def reopened_generations(snapshot: RegisterSnapshot) -> dict[str, int]:
    """Item key → how many times an un-validation re-opened it (suffix of the payment key, so
    that collecting it again does not clash with the un-validated collection)."""
    out: dict[str, int] = {}
    for b in snapshot.live(REOPEN_KIND):
        for line in b.lines:
            out[line.item_key] = out.get(line.item_key, 0) + 1
    return out


def _assignments(inputs: DebitInputs) -> dict[str, Assignment]:
    out = dict(inputs.assignments)
    for key, schedule in inputs.schedules.items():
        base = out.get(key) or Assignment(key=key)
        out[key] = base.model_copy(update={"schedule": schedule})
    return out


def _state(inputs: DebitInputs, dossier, snapshot: RegisterSnapshot, *, today: date, day: date | None = None,
           bank: str | None = None) -> _State:
    opts = inputs.options
    collected = snapshot.paid_cents_by_item((KIND, REOPEN_KIND))  # an un-validated line counts as not collected
    parties = {p.code: p for p in dossier.parties}
    assignments = _assignments(inputs)
    details = detail_rows(inputs.invoices, assignments, parties, opts.selection, collected)
    alerts: list[Alert] = list(inputs.read_alerts) + list(opts.alerts)
    for d in details:
        if d.assignment.schedule:
            alerts += check_schedule(d.invoice.document_ref or d.invoice.key, d.invoice.amount, d.assignment.schedule, sheet=DETAIL_SHEET,
                                     row=d.assignment.source_row)
    for f in inputs.forced.values():
        if f.customer_code not in parties:
            alerts.append(alert("DEBIT_FORCED_UNKNOWN_CUSTOMER", sheet="Montants forcés", row=f.source_row, customer=f.customer_code))
        if f.schedule:
            alerts += check_schedule(f"montant forcé {f.customer_code}", f.amount, f.schedule, sheet="Montants forcés", row=f.source_row)
    collecting = {d.invoice.customer_code for d in details if d.assignment.mode == Mode.DIRECT_DEBIT and (bank is None or d.assignment.company_bank == bank)}
    collecting |= {c for c, f in inputs.forced.items() if f.mode == Mode.DIRECT_DEBIT and (bank is None or f.company_bank in (None, bank))}
    banks = [bank] if bank else sorted({d.assignment.company_bank for d in details if d.assignment.company_bank and d.assignment.mode == Mode.DIRECT_DEBIT}
                                        | ({opts.params.company_bank} if opts.params else set()))
    check = check_before(inputs.invoices, dossier, snapshot, options=opts.selection, collection_date=day or today, settings=opts.settings,
                         banks=banks, force_collect=collecting, collect_bank=bank)
    alerts += check.alerts
    rows = customer_rows(details, inputs.forced, parties, excluded=check.excluded, options=opts.selection, collected=collected,
                         extra_customers=[] if opts.selection.skip_without_entries else [p.code for p in dossier.customers])
    return _State(check=check, details=tuple(details), rows=tuple(rows), alerts=tuple(alerts), collected=collected, day=day or today)


# ---------------------------------------------------------------------------
# sheets
# ---------------------------------------------------------------------------

def _main_sheet(rows: Iterable[CustomerRow]) -> tuple[SheetOutput, list[tuple[int, int, str]]]:
    out, paint = [], []
    for n, r in enumerate(rows):
        out.append(("", r.code, r.name, r.company_bank or "", r.customer_iban or "", r.mode.value, r.computed, r.forced, r.to_collect, r.line_count, r.status))
        if r.forced is not None:
            paint.append((n, 7, FORCED_SCHEDULE_COLOUR if r.forced_has_schedule else FORCED_PLAIN_COLOUR))
    return SheetOutput(name=MAIN_SHEET, columns=MAIN_COLUMNS, rows=tuple(out), title="Prélèvements clients : un client par ligne (colonne Sél. : x pour les actions)"), paint


def _detail_sheet(details: Iterable[DetailRow], just_collected: set[str] = frozenset(), fully: set[str] = frozenset()) -> tuple[SheetOutput, list[tuple[int, int, str]]]:
    """« Détail »; a line collected in this run shows 0 due, and gets the green « V » when the
    invoice is collected in full (an invoice with instalments left stays open for them)."""
    out, paint = [], []
    for n, d in enumerate(details):
        inv, a = d.invoice, d.assignment
        v = a.validated or inv.key in fully
        out.append((inv.key, inv.customer_code, inv.document_ref, inv.entry_date, inv.due_date, inv.label, inv.amount, ZERO if inv.key in just_collected else d.amount_due,
                    a.mode.value, a.company_bank or "", a.customer_iban or "", schedule_text(a.schedule), d.schedule_rest if a.schedule else None, "V" if v else ""))
        if v:
            paint.append((n, 13, VALIDATED_COLOUR))
    return SheetOutput(name=DETAIL_SHEET, columns=DETAIL_COLUMNS, rows=tuple(out), title="Détail des factures non lettrées et de leur affectation"), paint


def _repartition_sheet(details, rows) -> SheetOutput:
    per_bank, to_pay, rest = repartition(details, rows)
    body = tuple((bank, amount) for bank, amount in per_bank) + (("Total à payer", to_pay), ("Reste à affecter", rest))
    return SheetOutput(name=REPARTITION_SHEET, columns=(C(header="Banque dossier"), C(header="Montant", kind="amount")), rows=body, title="Répartition par banque du dossier")


def _errors_sheets(alerts: Iterable[Alert], check: CheckResult) -> tuple[SheetOutput, SheetOutput]:
    errs = tuple((a.severity.value, a.code.value, a.message, a.sheet or "", a.row, a.column or "") for a in alerts)
    errors = SheetOutput(name=ERRORS_SHEET, columns=ERROR_COLUMNS, rows=errs or (("", "", "Aucune erreur", "", None, ""),), title="Édition des erreurs (contrôle des comptes clients et des banques)")
    none = SheetOutput(name=NO_PARTY_SHEET, columns=(C(header="Compte client"), C(header="Libellé", width=40), C(header="Motif", width=40)),
                       rows=tuple(check.without_party), title="Comptes clients sans tiers ou sans banque")
    return errors, none


def _summary_counts(alerts: Iterable[Alert]) -> str:
    alerts = list(alerts)
    b = sum(1 for a in alerts if a.is_blocking)
    return f"{b} erreur(s) bloquante(s), {len(alerts) - b} avertissement(s)"


# ---------------------------------------------------------------------------
# plans
# ---------------------------------------------------------------------------

def plan_check(inputs: DebitInputs, dossier, snapshot: RegisterSnapshot, *, now: datetime) -> Outcome:
    """« Contrôler »: the checks before the window opens (nothing else)."""
    s = _state(inputs, dossier, snapshot, today=now.date())
    errors, none = _errors_sheets(s.alerts, s.check)
    return Outcome(alerts=s.alerts, sheets=(errors, none), summary=f"Contrôle des comptes clients : {_summary_counts(s.alerts)}.",
                   data={"excluded": dict(s.check.excluded)})


def plan_prepare(inputs: DebitInputs, dossier, snapshot: RegisterSnapshot, *, now: datetime) -> Outcome:
    """« Préparer »: checks, then the allocation window's sheets (unless blocking)."""
    s = _state(inputs, dossier, snapshot, today=now.date())
    errors, none = _errors_sheets(s.alerts, s.check)
    if has_blocking(s.alerts):
        return Outcome(alerts=s.alerts, sheets=(errors, none), summary=f"Contrôle bloquant : {_summary_counts(s.alerts)}. Corrigez le dossier puis relancez « Préparer ».")
    main, paint_main = _main_sheet(s.rows)
    detail, paint_detail = _detail_sheet(s.details)
    per_bank, to_pay, rest = repartition(s.details, s.rows)
    return Outcome(
        alerts=s.alerts, sheets=(main, detail, _repartition_sheet(s.details, s.rows), errors, none),
        summary=(f"{len(s.rows)} client(s), {len(s.details)} ligne(s) ; total à payer {format_display(to_pay)}, reste à affecter {format_display(rest)} ; "
                 f"{len(s.check.excluded)} client(s) écarté(s) ({_summary_counts(s.alerts)})."),
        data={"paint": {MAIN_SHEET: paint_main, DETAIL_SHEET: paint_detail}, "excluded": dict(s.check.excluded), "total": to_pay, "rest": rest},
    )


def plan_preview(inputs: DebitInputs, dossier, snapshot: RegisterSnapshot, *, now: datetime, mode: Mode = Mode.DIRECT_DEBIT,
                 existing_names: Iterable[str] = ()) -> Outcome:
    """« Aperçu » for a mode: Aucun → the unassigned lines by customer with subtotals;
    Prélèvement → the bank file as it would be generated, read back from its XML."""
    if mode == Mode.DIRECT_DEBIT:
        out = plan_generate(inputs, dossier, snapshot, now=now, existing_names=existing_names)
        preview = next((sh for sh in out.sheets if sh.name == PREVIEW_SHEET), None)
        return Outcome(alerts=out.alerts, sheets=(preview,) if preview else (), summary=out.summary.replace("Fichier", "Aperçu du fichier", 1),
                       data={"read_back": True})
    s = _state(inputs, dossier, snapshot, today=now.date())
    body: list[tuple] = []
    by_customer: dict[str, list[DetailRow]] = {}
    for d in s.details:
        if d.assignment.mode == mode and not d.assignment.validated:
            by_customer.setdefault(d.invoice.customer_code, []).append(d)
    grand = ZERO
    for code in sorted(by_customer):
        lines = by_customer[code]
        for d in lines:
            body.append((code, d.invoice.document_ref, d.invoice.entry_date, d.invoice.label, d.amount_due))
        sub = total(d.amount_due for d in lines)
        grand += sub
        body.append((f"Sous-total {code}", "", None, f"{len(lines)} ligne(s)", sub))
    body.append(("Total", "", None, "", grand))
    sheet = SheetOutput(name=PREVIEW_SHEET, columns=(C(header="Client"), C(header="Pièce"), C(header="Date", kind="date"), C(header="Libellé", width=36),
                                                     C(header="Montant", kind="amount")), rows=tuple(body), title=f"Aperçu : lignes en mode {mode.value}")
    return Outcome(alerts=s.alerts, sheets=(sheet,), summary=f"Aperçu {mode.value} : {len(by_customer)} client(s), {format_display(grand)}.")


def plan_generate(inputs: DebitInputs, dossier, snapshot: RegisterSnapshot, *, now: datetime, existing_names: Iterable[str] = (),
                  ledger: Any = None, copy_state: Any = None, fiscal_year_end: date | None = None) -> Outcome:
    """« Générer »: everything to commit for one collection file on the chosen bank.

    With « Lettrage » (and not a test file), the collected invoices are lettered on the
    lettered copy of ``ledger`` (the dossier FEC the shell chose: the fiscal year of the
    collection date, N or N+1 when the dossier holds it; ``copy_state`` read inside the lock);
    the copy is the outcome's ledger rewrite. An invoice collected in part (schedule
    instalments) stays open and unlettered: ``letter_settlements`` letters balanced groups only."""
    params = inputs.options.params
    today = now.date()
    if params is None:
        a = alert("DEBIT_OPTION_INVALID", sheet="Options", column="Valeur", name="Banque dossier", value="", expected="le journal d'une banque du dossier")
        return Outcome(alerts=tuple(inputs.options.alerts) + (a,), summary="Aucun fichier généré : choisissez la banque dossier dans « Options ».")
    bank = company_bank_of(dossier, params.company_bank)
    if bank is None:
        a = alert("DEBIT_NO_COMPANY_BANK", journal=params.company_bank, known=", ".join(b.journal_code for b in dossier.company.bank_accounts) or "aucune")
        return Outcome(alerts=tuple(inputs.options.alerts) + (a,), summary="Aucun fichier généré : banque dossier inconnue.")
    settings = inputs.options.settings.get(params.company_bank)
    lead = settings.lead_days if settings else 2
    form = settings.address_form if settings else "structured"
    version = params.version or (settings.version if settings else DEFAULT_VERSION)
    day, date_alerts = gen.collection_date(params.collection_date, today, lead)
    date_alerts += gen.check_horizon(day, today, settings.horizon_days if settings else 14)
    s = _state(inputs, dossier, snapshot, today=today, day=day, bank=params.company_bank)
    alerts: list[Alert] = list(s.alerts) + date_alerts + gen.check_label_template(params.label_template)
    errors, none = _errors_sheets(s.alerts, s.check)
    if has_blocking(alerts):
        return Outcome(alerts=tuple(alerts), sheets=(errors, none), summary=f"Aucun fichier généré : {_summary_counts(alerts)}.")
    ics = compact_ics(bank.creditor_id)
    parties = {p.code: p for p in dossier.parties}
    history = mandate_history(snapshot, ics)

    # --- what each customer gives -------------------------------------------
    parts_by: dict[str, list[CollectedPart]] = {}
    already_done: list[str] = []
    for d in s.details:
        a, inv = d.assignment, d.invoice
        if a.mode != Mode.DIRECT_DEBIT or a.company_bank != params.company_bank or inv.customer_code in inputs.forced:
            continue
        if a.validated or d.amount_due == 0:
            if d.collected_cents:
                already_done.append(inv.document_ref or inv.key)
            continue
        parts_by.setdefault(inv.customer_code, []).append(CollectedPart(
            key=inv.key, document_ref=inv.document_ref, label=inv.label, entry_date=inv.entry_date, amount=d.amount_due, already_cents=d.collected_cents,
            instalments=d.instalments, ledger_account=inv.ledger_account))
    for code, f in sorted(inputs.forced.items()):
        if f.mode != Mode.DIRECT_DEBIT or f.company_bank not in (None, params.company_bank):
            continue
        done = s.collected.get(f.key, 0)
        due = forced_due(f, inputs.options.selection, done)
        party = parties.get(code)
        if due > 0 and party is not None:
            parts_by[code] = [CollectedPart(key=f.key, document_ref=f.reference, label=f"Montant force {party.legal_name}", entry_date=None, amount=due,
                                            already_cents=done, forced=True, ledger_account=party.control_account)]
    collections: list[gen.Collection] = []
    labels: dict[str, str] = {}
    truncated = 0
    msg_id = gen.message_id(now, {b.reference for b in snapshot.batches}, test=params.test_file)
    n = 0
    for code in sorted(parts_by):
        if code in s.check.excluded:
            alerts.append(alert("DEBIT_CUSTOMER_EXCLUDED", customer=code, reason=s.check.excluded[code]))
            continue
        party, mandate = parties.get(code), s.check.mandates.get(code)
        parts = parts_by[code]
        amount = total(p.amount for p in parts)
        if amount <= 0:
            alerts.append(alert("DEBIT_TOTAL_NOT_POSITIVE", customer=code, total=format_fr(amount)))
            continue
        if amount > Decimal("999999999.99"):
            alerts.append(alert("DEBIT_AMOUNT_TOO_LARGE", customer=code, total=format_fr(amount)))
            continue
        if party is None or mandate is None:
            continue
        iban = compact(party.main_bank_account.iban)
        bic = str(party.main_bank_account.bic) if party.main_bank_account.bic else None
        decision = decide(mandate, iban, history.get(mandate.mandate_id.casefold(), []))
        if decision.bank_changed:
            alerts.append(alert("DEBIT_BANK_CHANGED", who=who_party(party), old=decision.previous_iban, new=iban))
        elif decision.amendment is not None:
            alerts.append(alert("DEBIT_AMENDMENT", who=who_party(party), old=decision.previous_iban, new=iban))
        if decision.declared_used:
            alerts.append(alert("DEBIT_MANDATE_DECLARED_USED", who=who_party(party), rum=mandate.mandate_id))
        n += 1
        e2e = f"{msg_id}-{n:05d}"
        name, a1 = st.clean_text(party.legal_name, field=f"nom du client {code}", max_length=st.NAME_MAX, required=True)
        remittance, a2 = st.pack_remittance([p.document_ref for p in parts if p.document_ref], prefix="FACT")
        alerts += a1 + a2
        account_label = (next((i.customer_label for i in inputs.invoices if i.customer_code == code and i.customer_label), "") or party.legal_name)
        for p in parts:
            raw = gen.render_label(params.label_template, day=day, piece=p.document_ref, name=party.legal_name, account_label=account_label, invoice_label=p.label)
            kept, cut = gen.cut_label(st.transliterate(raw))
            if cut:
                truncated += 1
                if truncated <= 5:
                    alerts.append(alert("DEBIT_LABEL_TRUNCATED", value=raw, kept=kept))
            labels[f"{e2e}|{p.key}"] = kept
        first = parts[0]
        labels[e2e] = gen.cut_label(st.transliterate(gen.render_label(params.label_template, day=day, piece=first.document_ref, name=party.legal_name,
                                                                          account_label=account_label, invoice_label=first.label)))[0]
        address = _clean_address(sepa_address(party.address, form))
        collections.append(gen.Collection(
            customer_code=code, name=name, account_label=account_label, ledger_account=party.control_account, iban=iban, bic=bic, address=address,
            mandate=mandate, sequence_type=decision.sequence_type, scheme=params.scheme or mandate.scheme, amendment=decision.amendment,
            parts=tuple(parts), end_to_end_id=e2e, remittance=remittance or labels[e2e]))
    if not collections:
        if already_done or any(s.collected.get(i.key) for i in inputs.invoices):
            alerts.append(alert("DEBIT_ALREADY_GENERATED", files=", ".join(sorted({b.reference for b in snapshot.live(KIND)}))[:300] or "le registre"))
        else:
            alerts.append(alert("DEBIT_NOTHING_TO_COLLECT", journal=params.company_bank))
        return Outcome(alerts=tuple(alerts), sheets=(errors, none), summary="Aucun fichier généré : rien à prélever.")
    alerts += gen.check_prenotification(day, today, params.prenotification_days)

    # --- the file -------------------------------------------------------------
    company, a3 = st.clean_text(dossier.company.legal_name, field="raison sociale de la société", max_length=st.NAME_MAX, required=True)
    alerts += a3
    batch = gen.build_batch(collections, company_name=company, creditor_iban=compact(bank.iban), creditor_bic=str(bank.bic) if bank.bic else None,
                            creditor_address=_clean_address(sepa_address(dossier.company.address, form)), creditor_id=ics,
                            initiating_party_id=settings.initiating_party_id if settings else None, day=day,
                            batch_booking=params.booking == "Global", msg_id=msg_id)
    xml, problems = write_checked_pain008(batch, message_id=msg_id, created_at=now, version=version)
    if problems:
        alerts.append(alert("XSD_INVALID", version=version, detail="; ".join(problems[:3])))
        return Outcome(alerts=tuple(alerts), summary="Aucun fichier généré : le fichier ne respecte pas le schéma XSD.")
    taken = set(snapshot.file_names()) | set(existing_names)
    name_ = gen.file_name(now, params.company_bank, taken, test=params.test_file, requested=params.file_name)
    files = [OutputFile(folder=FOLDER, name=name_, data=xml, role="bank", is_test=params.test_file)]

    # --- entries --------------------------------------------------------------
    entries_frame = None
    built = None
    rewrite = None
    lettered_count = 0
    if not params.test_file:
        from reglo.core.entries import entries_to_frame, number_entries
        from reglo.core.fec_write import write_fec

        built = gen.build_entries(collections, batch, journal=bank.journal_code, journal_label=bank.label or f"Banque {bank.journal_code}",
                                  bank_account=bank.ledger_account, day=day, msg_id=msg_id, booking_global=params.booking == "Global",
                                  grouped=params.grouped_entry, labels=labels)
        entries = number_entries(list(built.entries), prefix=f"{msg_id}-")
        # every label filled (CompteLib, CompAuxLib, JournalLib): the DGFiP checker rejects empty ones
        from reglo.core.entries import fill_labels

        entries_frame = fill_labels(entries_to_frame(entries, account_labels={bank.ledger_account: bank.label or "Banque"}),
                                    ledger=ledger if ledger is not None and not getattr(ledger, "empty", True) else None,
                                    journal_labels={b.journal_code: b.label for b in dossier.company.bank_accounts if b.label},
                                    party_names={p.code: p.legal_name for p in dossier.parties})
        rewrite = None
        lettered_count = 0
        if params.lettering and ledger is not None and not getattr(ledger, "empty", True):
            from reglo.core.entries import Settlement
            from reglo.core.lettered_copy import ledger_update
            from reglo.core.transfers.selection import line_keys

            pairs = list(built.settlements)

            def settlements_for(base):
                rows = dict(zip(line_keys(base).tolist(), base["source_row"].tolist())) if not base.empty else {}
                return [Settlement(account=acc, ledger_rows=(int(rows[key]),) if key in rows else (), entry_rows=(pos,), reason=f"Prélèvement {msg_id}")
                        for acc, key, pos in pairs]

            update = ledger_update(copy_state, ledger, entries_frame, settlements_for, now=now, fiscal_year_end=fiscal_year_end)
            alerts += update.alerts
            in_year = set(line_keys(ledger).tolist())
            elsewhere = sorted({key.split("|")[3] or key for _, key, _ in pairs if key not in in_year})
            if elsewhere:  # invoices of the other fiscal year (N / N+1): collected, lettered in their own FEC
                alerts.append(alert("DEBIT_OTHER_YEAR_NOT_LETTERED", count=len(elsewhere), pieces=", ".join(elsewhere)[:300],
                                    file=getattr(copy_state, "copy_name", None) or "le grand livre lettré"))
            if update.blocking:
                return Outcome(alerts=tuple(alerts), summary="Aucun fichier généré : la copie lettrée du grand livre est illisible. Rien n'a été enregistré.")
            entries_frame = update.lettering.entries
            rewrite = update.rewrite()
            lettered_count = sum(1 for c in update.lettering.codes if c)
        files.append(OutputFile(folder=FOLDER, name=entries_file_name(dossier, day, name_), data=write_fec(entries_frame), role="entries"))
    else:
        alerts.append(alert("DEBIT_TEST_FILE", file=name_))

    # --- register, sheets -----------------------------------------------------
    lines = gen.register_lines(collections, day=day, test=params.test_file, generations=reopened_generations(snapshot))
    draft = BatchDraft(kind=KIND, reference=msg_id, lines=lines, is_test=params.test_file,
                       meta={"ics": ics, "collection_date": day.isoformat(), "version": version, "journal": bank.journal_code, "file": name_,
                             "booking": params.booking, "grouped_entry": params.grouped_entry, "total_cents": sum(l.amount_cents for l in lines)})
    read = read_pain008(xml)
    preview = SheetOutput(
        name=PREVIEW_SHEET,
        columns=(C(header="Lot (PmtInfId)"), C(header="Séquence"), C(header="Schéma"), C(header="Date de prélèvement", kind="date"), C(header="EndToEndId"),
                 C(header="Débiteur", width=30), C(header="IBAN", width=30), C(header="BIC"), C(header="RUM"), C(header="Signature", kind="date"),
                 C(header="Modification"), C(header="Ancien compte"), C(header="Libellé", width=40), C(header="Montant", kind="amount")),
        rows=tuple((d.payment_info_id, d.sequence_type, d.scheme, d.collection_date, d.end_to_end_id, d.debtor_name, d.debtor_iban, d.debtor_bic, d.mandate_id,
                    d.mandate_signed_on, "Oui" if d.amended else "Non", d.original_account, d.remittance_info, d.amount) for d in read.debits)
        + (("Total", "", "", None, "", f"{read.transaction_count} prélèvement(s)", "", "", "", None, "", "", read.message_id, read.control_sum),),
        title=f"Aperçu du fichier {name_} relu depuis le XML ({read.version}, MsgId {read.message_id}, créancier {read.creditor_id})",
    )
    emails = {p.code: p.email or "" for p in dossier.parties}
    prenotif = SheetOutput(
        name=PRENOTIFICATION_SHEET,
        columns=(C(header="Code client"), C(header="Raison sociale", width=30), C(header="Email", width=28), C(header="Montant", kind="amount"),
                 C(header="Date de prélèvement", kind="date"), C(header="RUM"), C(header="ICS"), C(header="Séquence"), C(header="IBAN", width=30),
                 C(header="À envoyer au plus tard le", kind="date"), C(header="Référence", width=40)),
        rows=tuple(gen.prenotification_rows(collections, day=day, creditor_id=ics, emails=emails, days=params.prenotification_days)),
        title=f"Pré-notification des prélèvements du {day:%d/%m/%Y} (publipostage)",
    )
    slip = SheetOutput(
        name=SLIP_SHEET,
        columns=(C(header="N°", kind="integer"), C(header="Code client"), C(header="Débiteur", width=30), C(header="IBAN", width=30), C(header="BIC"),
                 C(header="RUM"), C(header="Séquence"), C(header="Référence (EndToEndId)", width=30), C(header="Montant", kind="amount")),
        rows=tuple(gen.slip_rows(collections)) + ((None, "", "Total", "", "", "", "", f"{len(collections)} prélèvement(s)", batch.control_sum),),
        title="Bordereau d'accompagnement des remises de prélèvements",
        preamble=(("Société", dossier.company.legal_name), ("Banque", f"{bank.journal_code} {bank.label}"), ("IBAN", compact(bank.iban)),
                  ("ICS", ics), ("Fichier", name_), ("MsgId", msg_id), ("Date de prélèvement", f"{day:%d/%m/%Y}"),
                  ("Nombre", len(collections)), ("Montant total", format_display(batch.control_sum))),
    )
    sheets = [preview, prenotif, slip, errors, none]
    if entries_frame is not None:
        sheets.append(SheetOutput(
            name=ENTRIES_SHEET,
            columns=(C(header="Journal"), C(header="N° écriture"), C(header="Date", kind="date"), C(header="Compte"), C(header="Auxiliaire"), C(header="Pièce"),
                     C(header="Libellé", width=32), C(header="Débit", kind="amount"), C(header="Crédit", kind="amount")),
            rows=tuple((r.journal_code, r.entry_number, r.entry_date.date(), r.ledger_account, r.subledger_account, r.document_ref, r.label,
                        cents_to_money(r.debit) if r.debit else None, cents_to_money(r.credit) if r.credit else None) for r in entries_frame.itertuples()),
            title=f"Écritures de trésorerie du fichier {name_}"))
    collected_keys = set() if params.test_file else {p.key for c in collections for p in c.parts}
    amounts = {d.invoice.key: to_cents(d.invoice.amount) for d in s.details}
    fully = {p.key for c in collections for p in c.parts if p.key in collected_keys and p.key in amounts
             and to_cents(p.amount) + p.already_cents >= amounts[p.key]}
    detail, paint_detail = _detail_sheet(s.details, collected_keys, fully)
    sheets.append(detail)
    total_amount = batch.control_sum
    summary = (f"{'Fichier de TEST' if params.test_file else 'Fichier'} {name_} ({version}) : {len(collections)} prélèvement(s), {format_display(total_amount)}, "
               f"prélevé(s) le {day:%d/%m/%Y} sur {bank.journal_code} ; {len(batch.groups)} lot(s) ({', '.join(f'{g.sequence_type} {g.scheme}' for g in batch.groups)})"
               + (f" ; {lettered_count} facture(s) lettrée(s)." if lettered_count else "."))
    return Outcome(
        alerts=tuple(alerts), summary=summary, batch=draft, files=tuple(files), sheets=tuple(sheets), ledger=rewrite,
        counters={f"prelevement:{bank.journal_code}": snapshot.counter(f"prelevement:{bank.journal_code}") + 1},
        data={"message_id": msg_id, "file_name": name_, "collection_date": day, "version": version, "entries_frame": entries_frame,
              "settlements": list(built.settlements) if built is not None and params.lettering else [], "lettering": params.lettering and not params.test_file,
              "paint": {DETAIL_SHEET: paint_detail}, "total": total_amount, "count": len(collections), "lettered": lettered_count},
    )


def entries_file_name(dossier, day: date, bank_file: str) -> str:
    """``<SIREN>FEC<closing>-<bank file stem>.txt`` (``reglo.core.fec_names``): the DGFiP checker
    reads SIREN and closing date from the name; the stem ties the entries to their bank file."""
    from reglo.core.fec_names import closing_date, created_fec_name

    stem = bank_file.removesuffix(".xml")
    try:
        return created_fec_name(dossier.company.siren, closing_date(dossier.company.fiscal_year_end, day), stem)
    except ValueError:  # no valid SIREN in « Société » (the dossier check reports it): named after the bank file
        return stem + "-ecritures.txt"


def _clean_address(a: SepaAddress | None) -> SepaAddress | None:
    if a is None:
        return None
    return SepaAddress(street=st.transliterate(a.street)[:70], postcode=st.transliterate(a.postcode)[:16], town=st.transliterate(a.town)[:35],
                       country=a.country, lines=tuple(st.transliterate(l)[:70] for l in a.lines))
