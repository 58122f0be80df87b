"""A small dossier for the disbursement wizard tests: suppliers, banks, items, rules.

IBANs are the public test IBANs of French banks' documentation (valid check digits).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reglo.core.disbursement import actions as A
from reglo.core.disbursement.models import (
    CompanyBank,
    DiscountTier,
    GroupingRule,
    Item,
    PartyMatch,
    SelectionParams,
    Supplier,
)

RUN_DATE = date(2026, 3, 2)
D = Decimal

IBAN_SUN = "FR7630006000011234567890189"
IBAN_OTHER = "FR7610107001011234567890129"

SUPPLIERS = (
    Supplier(code="F001", name="SUN CHEMICAL", priority=10, head_office="CENT1", default_bank="BNP", iban=IBAN_SUN,
             discount_matrix=(DiscountTier(days_before_due=10, rate=D("2")), DiscountTier(days_before_due=30, rate=D("3")))),
    Supplier(code="F002", name="SUN CHEMICAL LYON", priority=0, head_office="CENT1", default_bank="BNP", iban=IBAN_SUN),
    Supplier(code="F003", name="DUPONT SA", priority=50, default_bank="", iban=IBAN_OTHER),
    Supplier(code="F004", name="ACME INC", priority=99, default_bank="SG", iban=IBAN_OTHER),
)

BANKS = (
    CompanyBank(code="BNP", label="BNP Paribas", journal_code="BQ1", ledger_account="512100", iban="FR7630004000031234567890143",
                bic="BNPAFRPP", balance=D("20000.00"), disbursement_limit=D("5000.00"), substitute_account="SG"),
    CompanyBank(code="SG", label="Société Générale", journal_code="BQ2", ledger_account="512200", iban="FR7630003000301234567890185",
                bic="SOGEFRPP", balance=D("100000.00")),
)


def item(key, supplier="F001", amount="100.00", due=date(2026, 3, 31), state="A10", **kw) -> Item:
    return Item(key=key, supplier=supplier, document_ref=f"FA-{key}", label=f"Facture {key}", issue_date=date(2026, 2, 1), due_date=due,
                amount=D(amount), state=state, **kw)


ITEMS = (
    item("E1", "F001", "1000.00", date(2026, 3, 31)),
    item("E2", "F001", "500.00", date(2026, 4, 10)),
    item("E3", "F002", "300.00", date(2026, 3, 20)),
    item("E4", "F003", "250.00", date(2026, 3, 15)),
    item("E5", "F001", "200.00", date(2026, 6, 30)),
    item("C1", "F003", "120.00", date(2026, 3, 10), state="C10"),
    item("C2", "F003", "80.00", date(2026, 3, 12), state="C10"),
    item("X1", "F004", "900.00", date(2026, 3, 25), currency="USD", main_amount=D("830.00"), state="I10"),
    item("Z1", "F001", "50.00", date(2026, 3, 25), state="Z99"),  # a state of no rule
)

AUTO_SAME_SUPPLIER_30 = GroupingRule(automatic=True, party=PartyMatch.SAME_SUPPLIER, same_bank=False, same_bank_details=False, max_days_apart=30)
MANUAL_HEAD_OFFICE = GroupingRule(automatic=False, party=PartyMatch.SAME_HEAD_OFFICE, same_bank=False, same_bank_details=False)


def run(items=ITEMS, rules=(), params=SelectionParams(), step2=True, user="marie"):
    """A started run, moved to step 2 unless ``step2`` is False."""
    state, _ = A.start_run(run_id="RUN1", user=user, run_date=RUN_DATE, items=tuple(items), suppliers=SUPPLIERS, banks=BANKS, rules=tuple(rules), params=params)
    if step2:
        state, alerts = A.apply(state, A.Next())
    return state


def ok(state, action):
    """Apply an action that must raise no blocking alert."""
    new, alerts = A.apply(state, action)
    assert not [a for a in alerts if a.is_blocking], [str(a) for a in alerts]
    return new


def codes(alerts) -> set[str]:
    return {a.code.value for a in alerts}
