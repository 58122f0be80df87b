"""Checks before the window opens (issue point 2): each with a triggering and a
non-triggering case; blocking stops « Préparer », warnings leave the customer out."""
from __future__ import annotations

from datetime import date

from reglo.core.debits.checks import check_before
from reglo.core.debits.models import SelectionOptions
from reglo.core.debits.tables import ERRORS_SHEET, MAIN_SHEET, NO_PARTY_SHEET
from reglo.core.debits.usecases import plan_check, plan_prepare
from reglo.core.models import PostalAddress
from reglo.core.register_state import RegisterSnapshot
from tests.core.debit_fixtures import (
    IBAN_C001,
    IBAN_C002,
    NOW,
    customer,
    default_ledger,
    default_parties,
    dossier,
    inputs,
    ledger,
    mandate,
    sale,
)

DAY = date(2023, 8, 28)
EMPTY = RegisterSnapshot()


def run(d, frame=None, **kw):
    inp = inputs(frame)
    return check_before(inp.invoices, d, EMPTY, options=inp.options.selection, collection_date=DAY, settings=inp.options.settings, banks=["BQ1"], **kw)


def codes(res) -> list[str]:
    return [a.code.value for a in res.alerts]


def sheet(outcome, name):
    return next(s for s in outcome.sheets if s.name == name)


def test_clean_dossier_has_no_alert():
    res = run(dossier())
    assert res.alerts == () and res.excluded == {}
    assert set(res.mandates) == {"C001", "C002"}


def test_customer_without_third_party_record_is_left_out_and_listed():
    frame = ledger(*[sale(str(i), code, f"FA-{i}", "100.00", "2023-07-01") for i, code in enumerate(["C001", "C009"], start=1)])
    res = run(dossier(), frame)
    assert codes(res) == ["DEBIT_NO_PARTY"] and res.excluded == {"C009": "sans fiche tiers"}
    assert res.without_party == (("C009", "Client", "Compte sans tiers"),)
    assert not res.blocking
    assert "C009" not in {code for code, *_ in run(dossier(), ledger(sale("1", "C001", "FA-1", "100.00", "2023-07-01"))).without_party}


def test_customer_without_default_bank_is_left_out_and_listed():
    parties = (customer("C001", "Dupont", None, mandates=[mandate("RUM-C001")]),) + default_parties()[1:]
    res = run(dossier(*parties))
    assert "DEBIT_NO_DEFAULT_BANK" in codes(res) and res.excluded["C001"] == "sans banque par défaut"
    assert ("C001", "Dupont", "Tiers sans banque par défaut") in res.without_party
    assert "C001" not in run(dossier()).excluded


def test_invalid_customer_iban_is_blocking():
    bad = (customer("C001", "Dupont", "FR5430006000011234567890100", mandates=[mandate("RUM-C001")]),) + default_parties()[1:]
    res = run(dossier(*bad))
    assert "RULE_RIB_KEY" in codes(res) and res.blocking
    assert not run(dossier()).blocking


def test_non_eea_customer_without_bic_is_blocking():
    ch = (customer("C001", "Zurich AG", "CH9300762011623852957", mandates=[mandate("RUM-C001")],
                   address=PostalAddress(street="Bahnhofstrasse 1", postcode="8001", town="Zurich", country="CH")),) + default_parties()[1:]
    assert "RULE_BIC_REQUIRED" in codes(run(dossier(*ch)))
    ok = (ch[0].model_copy(update={"bank_accounts": (ch[0].bank_accounts[0].model_copy(update={"bic": "UBSWCHZH80A"}),)}),) + default_parties()[1:]
    assert "RULE_BIC_REQUIRED" not in codes(run(dossier(*ok)))


def test_no_valid_mandate_leaves_the_customer_out():
    parties = (customer("C001", "Dupont", IBAN_C001, mandates=[mandate("RUM-C001", "2019-01-01")]),) + default_parties()[1:]
    res = run(dossier(*parties))
    assert codes(res) == ["RULE_MANDATE_EXPIRED"] and res.excluded == {"C001": "pas de mandat valide"} and not res.blocking
    # a customer whose lines were set to Prélèvement by hand needs a mandate too
    cheque = default_parties()[:2] + (customer("C003", "Martin", IBAN_C001, method=None),)
    forced = run(dossier(*cheque), force_collect=["C003"])
    assert "RULE_MANDATE_MISSING" in codes(forced) and forced.excluded["C003"] == "pas de mandat valide"
    assert "C003" not in run(dossier(*cheque)).excluded


def test_company_bank_without_ics_is_blocking():
    assert "RULE_ICS_MISSING" in codes(run(dossier(ics=None))) and run(dossier(ics=None)).blocking
    assert "RULE_ICS_INVALID" in codes(run(dossier(ics="FR00ZZZ123456")))
    assert not [c for c in codes(run(dossier())) if c.startswith("RULE_ICS")]


def test_company_bank_with_incomplete_details_is_blocking():
    d = dossier()
    bank = d.company.bank_accounts[0].model_copy(update={"ledger_account": ""})
    broken = d.model_copy(update={"company": d.company.model_copy(update={"bank_accounts": (bank,)})})
    res = run(broken)
    assert "RULE_BANK_INCOMPLETE" in codes(res) and res.blocking
    unknown = check_before(inputs().invoices, d, EMPTY, options=SelectionOptions(), collection_date=DAY, banks=["BQ9"])
    assert "DEBIT_NO_COMPANY_BANK" in [a.code.value for a in unknown.alerts]


def test_structured_address_rule_for_debtor_and_creditor():
    free = PostalAddress(street="12 rue X 69002 Lyon", postcode="", town="", country="FR")
    parties = (customer("C001", "Dupont", IBAN_C001, mandates=[mandate("RUM-C001")], address=free),) + default_parties()[1:]
    assert codes(run(dossier(*parties))) == ["RULE_ADDRESS_UNSTRUCTURED"]  # debtor
    assert codes(run(dossier(address=free))) == ["RULE_ADDRESS_UNSTRUCTURED"]  # creditor (the company)
    assert codes(run(dossier())) == []


def test_several_customer_accounts_under_one_third_party_are_excluded():
    frame = ledger(sale("1", "C001", "FA-1", "100.00", "2023-07-01"), sale("2", "C001", "FA-2", "50.00", "2023-07-02", control="411100"),
                   sale("3", "C002", "FA-3", "70.00", "2023-07-03"))
    res = run(dossier(), frame)
    assert codes(res) == ["DEBIT_SEVERAL_ACCOUNTS"] and res.excluded == {"C001": "plusieurs comptes clients"}
    assert "411000, 411100" in res.alerts[0].message
    assert run(dossier()).excluded == {}


def test_blocking_stops_prepare_warnings_continue():
    blocked = plan_prepare(inputs(), dossier(ics=None), EMPTY, now=NOW)
    assert blocked.has_blocking and {s.name for s in blocked.sheets} == {ERRORS_SHEET, NO_PARTY_SHEET}
    assert any("ICS" in row[2] for row in sheet(blocked, ERRORS_SHEET).rows)
    frame = ledger(sale("1", "C001", "FA-1", "100.00", "2023-07-01"), sale("2", "C009", "FA-9", "40.00", "2023-07-01"))
    warned = plan_prepare(inputs(frame), dossier(), EMPTY, now=NOW)
    assert not warned.has_blocking
    main = {r[1]: r for r in sheet(warned, MAIN_SHEET).rows}
    assert main["C009"][-1] == "Exclu : sans fiche tiers" and main["C009"][8] == 0
    assert sheet(warned, NO_PARTY_SHEET).rows == (("C009", "Client", "Compte sans tiers"),)


def test_check_button_gives_the_two_editions():
    out = plan_check(inputs(), dossier(ics=None), EMPTY, now=NOW)
    assert [s.name for s in out.sheets] == [ERRORS_SHEET, NO_PARTY_SHEET] and out.has_blocking
    assert "1 erreur(s) bloquante(s)" in out.summary
