"""« TVA sur encaissements » as a button of the trust layer: the receipts the register knows
(direct debits, LCR, with the cancellations of rejects and un-validations), the VAT
breakdown of the invoices read from the ledger, the CA3 sheet, the allocation sheets, the
« Données d'encaissement » sheet and its CSV, committed with a batch ``tva_encaissements``
(no register line: nothing is paid or collected here; the batch records the CSV).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Collection, Mapping, Sequence

from reglo.core.alerts import Alert, alert
from reglo.core.lcr.usecases import register_receipts
from reglo.core.models import LedgerLine
from reglo.core.outcome import BatchDraft, Outcome, free_name
from reglo.core.register_state import RegisterSnapshot
from reglo.core.vat_receipts.ledger import invoices_from_ledger
from reglo.core.vat_receipts.models import DEFAULT_VAT_CODES, ManualAllocation
from reglo.core.vat_receipts.plan import plan_vat_receipts

KIND = "tva_encaissements"
DEFAULT_VAT_ACCOUNTS = "445710=TN,445711=TN,445712=TI,445713=TR"


def parse_vat_accounts(text: str) -> tuple[dict[str, str], list[Alert]]:
    """``445710=TN,445712=TI`` → ``{"445710": "TN", "445712": "TI"}`` (codes of the dossier).

    >>> parse_vat_accounts("445710=TN, 445712=ti")[0]
    {'445710': 'TN', '445712': 'TI'}
    """
    codes = {c.code for c in DEFAULT_VAT_CODES}
    out: dict[str, str] = {}
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        account, _, code = part.partition("=")
        account, code = account.strip(), code.strip().upper()
        if not account.isdigit() or code not in codes:
            return {}, [alert("VAT_ACCOUNT_MAPPING_INVALID", value=part, codes=", ".join(sorted(codes)))]
        out[account] = code
    if not out:
        return {}, [alert("VAT_ACCOUNT_MAPPING_INVALID", value=text or "", codes=", ".join(sorted(codes)))]
    return out, []


def plan_vat(
    snapshot: RegisterSnapshot,
    ledger_lines: Sequence[LedgerLine],
    *,
    seller_siren: str,
    period: tuple[date, date],
    vat_accounts: Mapping[str, str],
    now: datetime,
    parties: set[str] | None = None,
    manual: Sequence[ManualAllocation] = (),
    names: Mapping[str, str] | None = None,
    sales_journals: set[str] | None = None,
    existing_names: Collection[str] = (),
) -> Outcome:
    """The CA3 and the payment data of ``period`` for the customers flagged (``parties``; all
    when None)."""
    start, end = period
    if start > end:
        return Outcome(alerts=(alert("VAT_PERIOD_INVALID", detail=f"début {start:%d/%m/%Y} après la fin {end:%d/%m/%Y}"),), summary="TVA sur encaissements non calculée.")
    receipts = register_receipts(snapshot, names=names)
    invoices = invoices_from_ledger(ledger_lines, vat_accounts=vat_accounts, sales_journals=sales_journals)
    out = plan_vat_receipts(receipts, invoices, seller_siren=seller_siren, period=period, manual=manual, parties=parties)
    extra: tuple[Alert, ...] = ()
    if not any(start <= r.receipt_date <= end and (parties is None or r.party_code in parties) for r in receipts):
        extra = (alert("VAT_NO_RECEIPTS", start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}"),)
    if out.has_blocking or not out.files:
        return out.model_copy(update={"alerts": out.alerts + extra})
    (csv_file,) = out.files
    stamp = f"{now:%Y%m%d-%H%M%S}"
    taken = set(snapshot.file_names()) | set(existing_names)
    named = csv_file.model_copy(update={"name": free_name(csv_file.name.removesuffix(".csv") + f"_{stamp}.csv", taken)})
    batch = BatchDraft(kind=KIND, reference=free_name(f"TVA-{start:%Y%m%d}-{end:%Y%m%d}-{stamp}", {b.reference for b in snapshot.batches}), meta={"period": [start.isoformat(), end.isoformat()], "file": named.name,
                                                                                               "receipts": len(out.data.get("records", ()))})
    return out.model_copy(update={"alerts": out.alerts + extra, "files": (named,), "batch": batch, "data": {**out.data, "receipts": receipts}})


def ledger_lines_of(frame: Any) -> list[LedgerLine]:
    """Ledger frame (``reglo.core.ledger``) → lines, empty when there is no ledger."""
    from reglo.core.ledger import to_lines

    if frame is None or getattr(frame, "empty", True):
        return []
    return to_lines(frame)
