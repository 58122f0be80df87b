"""From checked preview lines to the SEPA batch, the register lines and the bank entries.

* one transfer per beneficiary group (or per ungrouped line), amount = sum of its lines
  (negatives deducted, so never negative — the rules made sure);
* remittance information: ``FACT`` + the document refs, packed within 140 characters
  (``sepa_text.pack_remittance``), or the structured ``RF`` reference when the transfer pays
  exactly one valid ISO 11649 reference;
* one ``PmtInf`` for the file (same execution date and debtor account, S-G1) with
  ``BtchBookg`` = remise globale (true) / unitaire (false) (S-G3, S-G5);
* execution date rolled to the next TARGET2 business day (S-D3), a past date is blocking;
* entries (S-G4): remise unitaire → one entry per transfer (401 debit / 512 credit);
  remise globale → one entry per file (one 401 debit per transfer, one 512 credit for the
  total, the bank's single line). The 401 line carries the end-to-end id in its label so
  that the next import recognises the booked payment; when a transfer settles its lines in
  full, it gets a lettering code (« Lettrage »), to apply to the paid invoices too.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from reglo.core.alerts import Alert, alert, has_blocking
from reglo.core.banking import check_bic, check_iban
from reglo.core.models import Entry, EntryLine, Party, PostalAddress
from reglo.core.money import ZERO, format_fr
from reglo.core.transfers.models import PlannedTransfer, PreviewLine, TransferParameters, total
from reglo.core.transfers.rules import transfer_units
from reglo.core.writers import sepa_text as st
from reglo.core.writers.calendar import is_business_day, next_business_day
from reglo.core.writers.pain001 import CreditTransfer, CreditTransferBatch, CreditTransferGroup

SHEET_PARAMS = "Paramètres virements"
KIND = "virement"  # register batch kind of supplier transfer files
MAX_AMOUNT = Decimal("999999999.99")  # S-A2


class TransferPlan(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    message_id: str
    execution_date: date | None
    transfers: tuple[PlannedTransfer, ...]
    batch: CreditTransferBatch | None
    alerts: tuple[Alert, ...]

    @property
    def total(self):
        return sum((t.amount for t in self.transfers), ZERO)


def message_id_for(created_at) -> str:
    """``VIR`` + creation time to the second: unique per initiating party (S-L11), ≤ 35."""
    return f"VIR{created_at:%Y%m%d%H%M%S}"


def end_to_end_id(message_id: str, n: int) -> str:
    return f"{message_id}-{n:04d}"


def lettering_codes(used: Iterable[str]) -> Iterable[str]:
    """AA, AB, … ZZ, AAA, … skipping codes already used on the account (deterministic)."""
    taken = {u.upper() for u in used}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for width in (2, 3, 4):
        for i in range(len(letters) ** width):
            code, k = "", i
            for _ in range(width):
                k, r = divmod(k, len(letters))
                code = letters[r] + code
            if code not in taken:
                yield code


def check_execution_date(requested: date | None, today: date, *, sheet: str = SHEET_PARAMS) -> tuple[date | None, list[Alert]]:
    """S-D3: not in the past; a non-business day is rolled to the next T2 business day."""
    if requested is None:
        return None, [alert("TRANSFER_PARAM_MISSING", sheet=sheet, column="Valeur", name="Date d'exécution demandée", hint="saisissez la date à laquelle la banque doit exécuter les virements")]
    if requested < today:
        return None, [alert("EXECUTION_DATE_PAST", sheet=sheet, column="Valeur", requested=requested.strftime("%d/%m/%Y"), today=today.strftime("%d/%m/%Y"))]
    if is_business_day(requested):
        return requested, []
    rolled = next_business_day(requested)
    return rolled, [alert("EXECUTION_DATE_ROLLED", sheet=sheet, column="Valeur", requested=requested.strftime("%d/%m/%Y"), rolled=rolled.strftime("%d/%m/%Y"))]


def _debtor(params: TransferParameters) -> tuple[dict, list[Alert]]:
    where = {"sheet": SHEET_PARAMS, "column": "Valeur"}
    alerts: list[Alert] = []
    iban, a = check_iban(params.debtor_iban, **where)
    alerts += [alert("DEBTOR_ACCOUNT_INVALID", detail=x.message, **where) for x in a]
    bic = None
    if params.debtor_bic:
        bic, a = check_bic(params.debtor_bic, iban, **where)
        alerts += [alert("DEBTOR_ACCOUNT_INVALID", detail=x.message, **where) for x in a]
    name, a = st.clean_text(params.debtor_name, field="Nom de la banque émettrice (donneur d'ordre)", max_length=st.NAME_MAX, required=True, **where)
    alerts += a
    address, a = _address(params.debtor_address, "donneur d'ordre", **where)
    alerts += a
    party_id = "".join(params.initiating_party_id.split())
    if party_id:
        alerts += st.check_identifier(party_id, field="Identifiant émetteur", **where)
    return {
        "initiating_party_name": name,
        "initiating_party_id": party_id or None,
        "debtor_name": name,
        "debtor_iban": iban.compact if iban else "",
        "debtor_bic": str(bic) if bic else None,
        "debtor_address": address,
    }, alerts


def _address(a: PostalAddress, who: str, **where) -> tuple[PostalAddress | None, list[Alert]]:
    if not (a.street or a.postcode or a.town):
        return None, []
    alerts: list[Alert] = []
    street, x = st.clean_text(a.street, field=f"Rue ({who})", max_length=st.STREET_MAX, **where)
    alerts += x
    postcode, x = st.clean_text(a.postcode, field=f"Code postal ({who})", max_length=st.POSTCODE_MAX, **where)
    alerts += x
    town, x = st.clean_text(a.town, field=f"Ville ({who})", max_length=st.TOWN_MAX, **where)
    alerts += x
    return PostalAddress(street=street, postcode=postcode, town=town, country=(a.country or "").upper()[:2]), alerts


def plan_transfers(
    lines: Sequence[PreviewLine],
    parties: Mapping[str, Party],
    params: TransferParameters,
    *,
    message_id: str,
    today: date,
    sheet: str = "Prévisualisation virements",
) -> TransferPlan:
    """Build the transfers and the pain.001 batch from checked preview lines.

    Returns a plan whose ``batch`` is None when a blocking alert prevents the file.
    """
    alerts: list[Alert] = []
    alerts += st.check_identifier(message_id, field="MsgId")
    execution_date, a = check_execution_date(params.requested_execution_date, today)
    alerts += a
    debtor, a = _debtor(params)
    alerts += a
    transfers: list[PlannedTransfer] = []
    units = transfer_units(lines)
    ordered = sorted(units.items(), key=lambda kv: (kv[0][0], min(l.line_no for l in kv[1])))
    for n, ((who, _), members) in enumerate(ordered, start=1):
        members = sorted(members, key=lambda l: l.line_no)
        row = members[0].excel_row
        where = {"sheet": sheet, "row": row}
        amount = total(members)
        party = parties.get(who)
        if party is None or party.main_bank_account is None or amount <= 0:
            continue  # reported by the rules (BENEFICIARY_UNKNOWN, IBAN_MISSING, totals)
        if amount > MAX_AMOUNT:
            alerts.append(alert("AMOUNT_OUT_OF_RANGE", column="Montant", value=format_fr(amount), **where))
            continue
        account = party.main_bank_account
        iban, _ = check_iban(str(account.iban))
        bic = None
        if account.bic is not None and iban is not None:
            bic, _ = check_bic(str(account.bic), iban)
        name, a = st.clean_text(party.legal_name, field=f"Nom du bénéficiaire {who}", max_length=st.NAME_MAX, required=True, column="Nom", **where)
        alerts += a
        address, a = _address(party.address, who, column="Bénéficiaire", **where)
        alerts += a
        refs = [l.document_ref for l in members if l.document_ref]
        reference, a = st.creditor_reference(refs, column="Pièce", **where)
        alerts += a
        remittance, a = ("", []) if reference else st.pack_remittance(refs, prefix="FACT", column="Pièce", **where)
        alerts += a
        e2e = end_to_end_id(message_id, n)
        alerts += st.check_identifier(e2e, field="EndToEndId", **where)
        transfers.append(
            PlannedTransfer(
                end_to_end_id=e2e,
                beneficiary=who,
                creditor_name=name,
                creditor_iban=iban.compact if iban else str(account.iban),
                creditor_bic=str(bic) if bic else None,
                creditor_address=address,
                ledger_account=members[0].ledger_account,
                amount=amount,
                remittance_info=remittance,
                creditor_reference=reference,
                lines=tuple(members),
            )
        )
    batch = None
    if transfers and not has_blocking(alerts) and execution_date is not None:
        group = CreditTransferGroup(
            payment_info_id=f"{message_id}-P1",
            requested_execution_date=execution_date,
            batch_booking=params.batch_booking,
            transfers=tuple(
                CreditTransfer(
                    end_to_end_id=t.end_to_end_id,
                    instruction_id=t.end_to_end_id,
                    amount=t.amount,
                    creditor_name=t.creditor_name,
                    creditor_iban=t.creditor_iban,
                    creditor_bic=t.creditor_bic,
                    creditor_address=t.creditor_address,
                    remittance_info=t.remittance_info,
                    creditor_reference=t.creditor_reference,
                    source_row=t.lines[0].excel_row,
                )
                for t in transfers
            ),
        )
        batch = CreditTransferBatch(groups=(group,), **debtor)
    return TransferPlan(message_id=message_id, execution_date=execution_date, transfers=tuple(transfers), batch=batch, alerts=tuple(alerts))


def assign_lettering(transfers: Sequence[PlannedTransfer], used_codes: Mapping[str, Iterable[str]]) -> list[PlannedTransfer]:
    """Give a lettering code to each transfer that settles all its lines in full."""
    generators: dict[str, Iterable[str]] = {}
    out = []
    for t in transfers:
        if t.settles_in_full:
            gen = generators.setdefault(t.beneficiary, iter(lettering_codes(used_codes.get(t.beneficiary, ()))))
            t = t.model_copy(update={"lettering_code": next(gen)})
        out.append(t)
    return out


def transfer_entries(plan: TransferPlan, params: TransferParameters, *, transfers: Sequence[PlannedTransfer] | None = None) -> list[Entry]:
    """Bank entries of a generated file: per transfer (unitaire) or per file (globale)."""
    transfers = list(transfers if transfers is not None else plan.transfers)
    if not transfers or plan.execution_date is None:
        return []
    day = plan.execution_date

    def supplier_line(t: PlannedTransfer) -> EntryLine:
        sub = t.beneficiary if t.beneficiary != t.ledger_account else ""
        refs = " ".join(t.document_refs)
        return EntryLine(
            ledger_account=t.ledger_account,
            subledger_account=sub,
            subledger_label=t.creditor_name if sub else "",
            label=f"Virement {t.end_to_end_id} {t.creditor_name} {refs}".strip()[:200],
            debit=t.amount,
            lettering_code=t.lettering_code,
            lettered_on=day if t.lettering_code else None,
            source_row=t.lines[0].excel_row,
        )

    if not params.batch_booking:
        return [
            Entry(
                journal_code=params.bank_journal,
                entry_date=day,
                document_ref=t.end_to_end_id,
                document_date=day,
                label=f"Virement {t.creditor_name}",
                lines=(supplier_line(t), EntryLine(ledger_account=params.bank_account, label=f"Virement {t.end_to_end_id} {t.creditor_name}"[:200], credit=t.amount)),
            )
            for t in transfers
        ]
    bank_total = sum((t.amount for t in transfers), ZERO)
    return [
        Entry(
            journal_code=params.bank_journal,
            entry_date=day,
            document_ref=plan.message_id,
            document_date=day,
            label=f"Remise de virements {plan.message_id}",
            lines=tuple(supplier_line(t) for t in transfers)
            + (EntryLine(ledger_account=params.bank_account, label=f"Remise de virements {plan.message_id} ({len(transfers)} virements)", credit=bank_total),),
        )
    ]
