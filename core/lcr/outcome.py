"""The LCR plan as the trust layer's ``Outcome`` (``reglo.core.outcome``), ready for the
commit shell: the CFONB file (role ``bank``, folder ``lcr``), the register batch (kind
``lcr``, one line per invoice settled, keyed so that an invoice is never collected twice),
the « Fichier LCR » read-back sheet and the provisional journal of the treasury entry.
Entries, receipts and the register record stay in ``data`` for the entry point.
"""
from __future__ import annotations

from datetime import date
from typing import Mapping, Sequence

from reglo.core.alerts import alert, summary_fr
from reglo.core.lcr.management import SHEET, management_rows, management_sheet
from reglo.core.lcr.models import LcrAllocation, LcrRow
from reglo.core.lcr.models import ManagementColumns as Col
from reglo.core.lcr.plan import READBACK_SHEET, LcrPlan
from reglo.core.money import ZERO, format_display, to_cents
from reglo.core.outcome import BatchDraft, Outcome, OutputFile, RegisterLineDraft, SheetColumn, SheetOutput
from reglo.core.writers.cfonb160_parse import READBACK_HEADERS

FOLDER = "lcr"
JOURNAL_SHEET = "Écritures LCR (provisoire)"
_READBACK_KINDS = {"N° enr.": "integer", "Montant": "amount", "Échéance": "date", "Création / Remise": "date"}
JOURNAL_HEADERS = ("Journal", "Date", "Pièce", "Compte", "Compte auxiliaire", "Libellé", "Débit", "Crédit", "Échéance")


def register_lines(rows: Sequence[LcrRow], remittance_ref: str, generations: Mapping[str, int] | None = None) -> tuple[RegisterLineDraft, ...]:
    """One register line per invoice settled (per bill when it settles none).

    The item key is the invoice's ledger line key when known (the key the direct debits use),
    else ``party:document``. ``generations`` (item key → n) makes the payment key of an invoice
    collected again after an un-validation differ from the first one (``LCR:key#n``): the
    register's unique index still refuses the same invoice twice in one generation."""
    generations = generations or {}
    out = []
    for r in rows:
        parts = [(i.key, i.document_ref, i.amount) for i in r.invoices] or [("", "", r.amount)]
        for line_key, ref, amount in parts:
            key = line_key or (f"{r.party_code}:{ref}" if ref else f"{r.party_code}:{remittance_ref}")
            n = generations.get(key, 0)
            out.append(
                RegisterLineDraft(
                    item_key=key, amount_cents=to_cents(amount), payment_key=f"LCR:{key}" + (f"#{n}" if n else ""), party_code=r.party_code, document_ref=ref,
                    meta={"due_date": r.due_date.isoformat(), "acceptance": r.acceptance.value},
                )
            )
    return tuple(out)


def lcr_outcome(plan: LcrPlan, rows: Sequence[LcrRow], generations: Mapping[str, int] | None = None) -> Outcome:
    """``Outcome`` of « Continuer »; a blocked plan gives alerts only."""
    if plan.is_blocked or plan.register_record is None:
        return Outcome(alerts=plan.alerts, summary=f"Aucun fichier LCR : {summary_fr(plan.alerts)}.")
    record = plan.register_record
    ((name, data),) = plan.files.items()
    readback = SheetOutput(
        name=READBACK_SHEET,
        title=f"Contenu du fichier {name}",
        columns=tuple(SheetColumn(header=h, kind=_READBACK_KINDS.get(h, "text")) for h in READBACK_HEADERS),  # type: ignore[arg-type]
        rows=plan.readback,
    )
    journal_rows = tuple(
        (e.journal_code, e.entry_date, e.document_ref, l.ledger_account, l.subledger_account, l.label, l.debit or None, l.credit or None, l.due_date)
        for e in plan.entries
        for l in e.lines
    )
    kinds = {"Date": "date", "Débit": "amount", "Crédit": "amount", "Échéance": "date"}
    journal = SheetOutput(
        name=JOURNAL_SHEET,
        title=f"Écriture de trésorerie provisoire au {record.remittance_date:%d/%m/%Y}",
        columns=tuple(SheetColumn(header=h, kind=kinds.get(h, "text")) for h in JOURNAL_HEADERS),  # type: ignore[arg-type]
        rows=journal_rows,
    )
    batch = BatchDraft(
        kind="lcr",
        reference=record.remittance_ref,
        lines=register_lines(rows, record.remittance_ref, generations),
        meta={"file_name": name, "sha256": record.sha256, "remittance_date": record.remittance_date.isoformat(), "journal_code": record.journal_code, "remittance_account": record.remittance_account},
    )
    n = record.count
    summary = f"{n} LCR pour {format_display(record.total)} dans {name} ; {summary_fr(plan.alerts)}."
    return Outcome(
        alerts=plan.alerts,
        summary=summary,
        batch=batch,
        files=(OutputFile(folder=FOLDER, name=name, data=data, role="bank"),),
        sheets=(readback, journal),
        data={"entries": plan.entries, "receipts": plan.receipts, "register_record": record, "remittance": plan.remittance},
    )


def transfer_outcome(allocations: Sequence[LcrAllocation], *, remittance_date: date) -> Outcome:
    """« Transfert » in mode LCR magnétique: the « Gestion des LCR » sheet, one row per customer
    (Création, Échéance, Accept., Réf. Tiré, Réf. Tireur editable). Nothing is written."""
    rows = management_rows(allocations, remittance_date=remittance_date)
    headers, values = management_sheet(rows)
    kinds = {Col.AMOUNT: "amount", Col.CREATION: "date", Col.DUE: "date"}
    sheet = SheetOutput(
        name=SHEET,
        title=f"Gestion des LCR — remise du {remittance_date:%d/%m/%Y}",
        columns=tuple(SheetColumn(header=h, kind=kinds.get(h, "text")) for h in headers),  # type: ignore[arg-type]
        rows=tuple(values),
    )
    total = sum((r.amount for r in rows), ZERO)
    alerts = () if rows else (alert("LCR_NO_BILLS", sheet=SHEET),)
    return Outcome(alerts=alerts, summary=f"{len(rows)} LCR à remettre pour {format_display(total)}.", sheets=(sheet,), data={"rows": rows})
