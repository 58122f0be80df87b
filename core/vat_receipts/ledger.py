"""The VAT breakdown of sales invoices, read from the ledger (FEC lines).

An invoice is the set of lines sharing a document reference (``PieceRef``) in a sales
journal: the customer line (411…, debit = amount including VAT), revenue lines (70…,
credit = bases) and output VAT lines (4457…, credit = VAT). The VAT account says the
rate (``vat_accounts``: account → VAT code). A revenue account may say it too
(``base_accounts``); otherwise the revenue of the invoice is shared between its VAT codes
in proportion to ``VAT / rate`` (largest remainder, so the bases add up to the revenue to
the cent). An invoice without VAT line has no breakdown: its receipts are allocated by hand.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Mapping, Sequence

from reglo.core.models import LedgerLine
from reglo.core.money import ZERO, cents_to_money, to_cents
from reglo.core.vat_receipts.allocation import split_cents
from reglo.core.vat_receipts.models import DEFAULT_VAT_CODES, Invoice, VatCode, VatLine


TREASURY_ROOTS = ("512", "514", "515", "517", "53")  # banks and cash (as reglo.core.lettering.receipts.BANK_ROOTS)


def invoices_from_ledger(
    lines: Sequence[LedgerLine],
    *,
    vat_accounts: Mapping[str, str],
    base_accounts: Mapping[str, str] | None = None,
    sales_journals: set[str] | None = None,
    vat_codes: Sequence[VatCode] = DEFAULT_VAT_CODES,
    customer_prefix: str = "411",
) -> list[Invoice]:
    """One ``Invoice`` per document of the sales journals that has a customer line.

    Credit notes (customer line in credit) are left out: they are not receipts. So are the
    entries with a bank or cash line (``TREASURY_ROOTS``): a payment booked under the
    invoice's number as ``PieceRef`` does not cancel the invoice out.
    """
    rates = {c.code: c.rate for c in vat_codes}
    base_accounts = base_accounts or {}
    # an entry with a bank or cash line is a payment, never an invoice, even under the invoice's PieceRef
    paid = {(l.journal_code, l.entry_number) for l in lines if l.entry_number and l.ledger_account.startswith(TREASURY_ROOTS)}
    docs: dict[str, list[LedgerLine]] = defaultdict(list)
    for l in lines:
        if (sales_journals is None or l.journal_code in sales_journals) and (l.journal_code, l.entry_number) not in paid:
            docs[l.document_ref or l.entry_number].append(l)
    out: list[Invoice] = []
    for ref in sorted(docs):
        group = docs[ref]
        customer = [l for l in group if l.ledger_account.startswith(customer_prefix)]
        if not customer or sum((l.amount for l in customer), ZERO) <= 0:
            continue
        vat: dict[str, Decimal] = defaultdict(lambda: ZERO)
        fixed_base: dict[str, Decimal] = defaultdict(lambda: ZERO)
        free_base = ZERO
        for l in group:
            if l.ledger_account in vat_accounts:
                vat[vat_accounts[l.ledger_account]] += -l.amount
            elif l.ledger_account.startswith("7"):
                code = base_accounts.get(l.ledger_account)
                if code:
                    fixed_base[code] += -l.amount
                else:
                    free_base += -l.amount
        codes = sorted(set(vat) | set(fixed_base), key=lambda c: list(rates).index(c) if c in rates else len(rates))
        if not codes:
            out.append(Invoice(invoice_number=ref, party_code=customer[0].subledger_account or customer[0].ledger_account, invoice_date=customer[0].document_date or customer[0].entry_date))
            continue
        # Revenue not tied to a code goes to the codes whose base is not known yet.
        open_codes = [c for c in codes if not fixed_base[c]] or codes
        weights = [to_cents(vat[c] * 100 / rates[c]) if c in open_codes and c in rates and rates[c] else 0 for c in codes]
        shares = split_cents(to_cents(free_base), weights if any(weights) else [1 if c == open_codes[0] else 0 for c in codes])
        vat_lines = tuple(VatLine(vat_code=c, base=fixed_base[c] + cents_to_money(s), vat=vat[c]) for c, s in zip(codes, shares))
        out.append(
            Invoice(
                invoice_number=ref,
                party_code=customer[0].subledger_account or customer[0].ledger_account,
                invoice_date=customer[0].document_date or customer[0].entry_date,
                lines=vat_lines,
            )
        )
    return out
