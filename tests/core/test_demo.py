"""The demo dossier generator: deterministic, valid identifiers, balanced, realistic lettering."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from schwifty import IBAN
from stdnum.eu import at_02
from stdnum.fr import siren as stdnum_siren

from reglo.core.alerts import Severity
from reglo.core.banking import check_bic, check_creditor_id, check_iban, check_siren, rib_key
from reglo.core.demo import FY_END, FY_START, creditor_id, french_iban, generate_demo, lettering_codes
from reglo.core.entries import check_entry
from reglo.core.fec import fec_filename, read_fec, write_fec
from reglo.core.models import AccountKind, PaymentMethod


@pytest.fixture(scope="module")
def demo():
    return generate_demo()


@pytest.fixture(scope="module")
def fec_bytes(demo):
    return write_fec(demo.ledger_frame, due_date_field="DateEcheance")


def test_two_runs_give_identical_fec_bytes_and_dossier(demo, fec_bytes):
    again = generate_demo()
    assert write_fec(again.ledger_frame, due_date_field="DateEcheance") == fec_bytes
    assert again.dossier == demo.dossier


def test_another_seed_gives_another_but_valid_dossier(fec_bytes):
    other = generate_demo(7)
    data = write_fec(other.ledger_frame, due_date_field="DateEcheance")
    assert data != fec_bytes
    ledger = read_fec(data, fec_filename(other.dossier.company.siren, FY_END))
    assert not [a for a in ledger.alerts if a.severity == Severity.BLOCKING]


def test_fec_reads_back_without_any_alert(demo, fec_bytes):
    name = fec_filename(demo.dossier.company.siren, FY_END)
    ledger = read_fec(fec_bytes, name)
    assert ledger.alerts == []
    assert len(ledger) == len(demo.ledger_frame)
    assert ledger.total_debit_cents() == ledger.total_credit_cents()
    assert (ledger.frame["due_date"].notna()).sum() > 500  # DateEcheance read back


def test_french_iban_matches_schwifty_and_rib_key():
    iban = french_iban("30004", "00001", "12345678901")
    assert IBAN(iban).bban[-2:] == rib_key("30004", "00001", "12345678901")
    assert str(IBAN.generate("FR", bank_code="30004", branch_code="00001", account_code="12345678901")) == iban  # schwifty agrees
    assert check_iban(french_iban("20041", "01005", "0123456A020"))[1] == []  # letters in the account number


def test_creditor_id_is_valid_ics():
    assert at_02.is_valid(creditor_id("123456"))
    assert creditor_id("123456").startswith("FR") and "ZZZ" in creditor_id("123456")


def test_lettering_codes_sequence():
    codes = lettering_codes()
    first = [next(codes) for _ in range(28)]
    assert first[:3] == ["AA", "AB", "AC"] and first[26] == "BA"


def test_every_identifier_is_valid(demo):
    d = demo.dossier
    assert stdnum_siren.is_valid(d.company.siren)
    assert check_siren(d.company.siren) == []
    for bank in d.company.bank_accounts:
        iban, alerts = check_iban(str(bank.iban))
        assert alerts == [] and iban is not None
        assert check_bic(str(bank.bic), iban)[1] == []
    ics = [b.creditor_id for b in d.company.bank_accounts if b.creditor_id]
    assert ics and all(check_creditor_id(x) == [] for x in ics)
    for p in d.parties:
        assert p.bank_accounts, p.code
        iban, alerts = check_iban(str(p.main_bank_account.iban))
        assert alerts == [], (p.code, alerts)
        assert check_bic(str(p.main_bank_account.bic), iban)[1] == [], p.code
        if p.siren:
            assert check_siren(p.siren) == [], p.code
        assert p.address.is_structured and p.address.postcode.isdigit() and len(p.address.postcode) == 5
        for m in p.mandates:
            assert m.iban == p.main_bank_account.iban
            assert re.fullmatch(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}", m.mandate_id)


def test_counts_and_shapes(demo):
    d, frame = demo.dossier, demo.ledger_frame
    customers, suppliers = d.customers, d.suppliers
    assert 25 <= len(customers) <= 35 and 35 <= len(suppliers) <= 45
    assert all(p.code.startswith("C") and p.control_account == "411000" for p in customers)
    assert all(p.code.startswith("F") and p.control_account == "401000" for p in suppliers)
    assert 8 <= sum(1 for p in customers if p.mandates) <= 12
    assert all(p.payment_method == PaymentMethod.DIRECT_DEBIT for p in customers if p.mandates)
    assert any(p.head_office_code for p in customers) and any(p.head_office_code for p in suppliers)
    assert {p.default_bank_journal for p in d.parties} == {"BQ1", "BQ2"}
    assert len(d.job_sites) >= 10 and {s.customer_code for s in d.job_sites} <= {p.code for p in customers}
    assert sum(1 for i in d.invoices if i.job_site_code) >= 40
    assert len(frame) >= 3000
    assert set(frame["journal_code"]) == {"AN", "VT", "AC", "BQ1", "BQ2", "OD"}
    assert frame["entry_date"].min().date() == FY_START and frame["entry_date"].max().date() <= FY_END
    # no line with both sides (or none)
    assert not ((frame["debit"] > 0) & (frame["credit"] > 0)).any()
    assert not ((frame["debit"] == 0) & (frame["credit"] == 0)).any()


def test_every_entry_balances(demo):
    assert all(check_entry(e) == [] for e in demo.entries)
    sums = (demo.ledger_frame["debit"] - demo.ledger_frame["credit"]).groupby([demo.ledger_frame["journal_code"], demo.ledger_frame["entry_number"]]).sum()
    assert (sums == 0).all()


def test_sales_invoices_match_the_ledger(demo):
    frame = demo.ledger_frame
    vt = frame[(frame["journal_code"].isin(["VT", "AN"])) & (frame["ledger_account"] == "411000")]
    by_ref = vt.groupby("document_ref")["debit"].sum() - vt.groupby("document_ref")["credit"].sum()
    for inv in demo.dossier.invoices:
        assert int(inv.gross * 100) == int(by_ref[inv.invoice_number]), inv.invoice_number
        assert inv.net + inv.vat == inv.gross
    numbers = [i.invoice_number for i in demo.dossier.invoices if i.invoice_number.startswith("FA25")]
    assert numbers == [f"FA25-{n:04d}" for n in range(1, len(numbers) + 1)]


def _groups(frame):
    lettered = frame[frame["lettering_code"] != ""]
    return lettered.groupby(["ledger_account", "subledger_account", "lettering_code"])


def test_lettering_groups_are_balanced_dated_and_coded_in_order(demo):
    frame = demo.ledger_frame
    groups = _groups(frame)
    assert len(groups) >= 400
    for (account, aux, code), g in groups:
        assert (g["debit"] - g["credit"]).sum() == 0, (account, aux, code)
        assert len(g) >= 2
        assert g["lettered_on"].nunique() == 1 and g["lettered_on"].iloc[0] >= g["entry_date"].max()
    # codes AA, AB … per account in lettering-date order
    for (account, aux), g in frame[frame["lettering_code"] != ""].groupby(["ledger_account", "subledger_account"]):
        firsts = g.sort_values("lettered_on").drop_duplicates("lettering_code")["lettering_code"].tolist()
        codes = lettering_codes()
        assert sorted(firsts) == [next(codes) for _ in firsts]


def test_lettering_cases_an_accountant_makes(demo):
    frame = demo.ledger_frame
    kinds = Counter()
    for (account, aux, code), g in _groups(frame):
        if not aux:
            continue
        invoices = g[g["journal_code"].isin(["VT", "AC", "AN"])]
        payments = g[g["journal_code"].isin(["BQ1", "BQ2"])]
        od = g[g["journal_code"] == "OD"]
        credit_notes = invoices[invoices["document_ref"].str.startswith("AV")] if account == "411000" else invoices[invoices["debit"] > 0]
        if len(od):
            kinds["payment_difference"] += 1
        if len(credit_notes):
            kinds["credit_note"] += 1
        if len(payments) == 1 and len(invoices) == 1 and not len(od):
            kinds["one_to_one"] += 1
        if len(payments) == 1 and len(invoices) >= 2 and not len(credit_notes):
            kinds["one_payment_several_invoices"] += 1
        if len(payments) >= 2 and len(invoices) == 1:
            kinds["instalments_or_deposit"] += 1
    assert kinds["one_to_one"] > kinds["one_payment_several_invoices"] > 0
    assert kinds["instalments_or_deposit"] >= 10
    assert kinds["credit_note"] >= 5 and kinds["payment_difference"] >= 3
    # write-offs go to 658 / 758
    od_party = frame[(frame["journal_code"] == "OD") & (frame["subledger_account"] != "")]
    entries = frame[frame["entry_number"].isin(od_party["entry_number"])]
    assert set(entries["ledger_account"]) <= {"411000", "401000", "658000", "758000"}


def test_unlettered_items_are_present(demo):
    frame, s = demo.ledger_frame, demo.stats
    open_party = frame[(frame["lettering_code"] == "") & (frame["subledger_account"] != "")]
    assert len(open_party) >= 100
    customers = open_party[open_party["ledger_account"] == "411000"]
    suppliers = open_party[open_party["ledger_account"] == "401000"]
    assert (customers["debit"] > 0).sum() >= 20  # open invoices
    assert (customers["credit"] > 0).sum() >= 5  # partial payments, unused credit notes, deposits
    assert customers["document_ref"].str.startswith("AV").any()  # unlettered credit note
    assert (suppliers["debit"] > 0).any()  # unlettered supplier credit notes / deposits
    assert s["partial_payments"] >= 3 and s["supplier_partial_payments"] >= 1
    assert s["deposits"] >= 5 and s["supplier_deposits"] >= 2 and s["supplier_deposits_open"] >= 1
    assert s["open_credit_notes"] >= 1 and s["supplier_credit_notes"] >= 5
    # the supplier-transfer workflow finds open supplier invoices due in every month of 2025 and after
    open_invoices = suppliers[suppliers["credit"] > 0]
    months = set(open_invoices["due_date"].dt.to_period("M").astype(str))
    assert {f"2025-{m:02d}" for m in range(1, 13)} <= months
    assert any(m.startswith("2026") for m in months)


def test_payment_labels_name_the_invoice_about_sixty_percent(demo):
    frame = demo.ledger_frame
    named = total = 0
    for _, g in _groups(frame[frame["subledger_account"] != ""]):
        refs = [r.replace("-", "") for r in g[g["journal_code"].isin(["VT", "AC", "AN"])]["document_ref"]]
        short = [f"FACT {int(r[-4:])}" for r in refs if r.startswith("FA")]
        for label in g[g["journal_code"].isin(["BQ1", "BQ2"])]["label"]:
            total += 1
            named += any(r in label.replace("-", "") for r in refs) or any(s in label for s in short)
    assert 0.5 <= named / total <= 0.8, named / total
    labels = frame[frame["journal_code"].isin(["BQ1", "BQ2"])]["label"]
    assert labels.str.startswith("CHQ ").any() and labels.str.contains("Règlement FA25-").any() and labels.str.contains(r"^VIR \S.* FACT \d+$", regex=True).any()


def test_customers_and_suppliers_have_the_kind_of_their_account(demo):
    frame = demo.ledger_frame
    kinds = {p.code: p.kind for p in demo.dossier.parties}
    aux = frame[frame["subledger_account"] != ""]
    for code, account in aux[["subledger_account", "ledger_account"]].drop_duplicates().itertuples(index=False):
        assert account == ("411000" if kinds[code] == AccountKind.CUSTOMER else "401000")


def test_a_good_engine_recovers_the_lettering_groups(demo, fec_bytes):
    """The ground truth is what accountants make: ≥ 95 % of the groups are found again."""
    evaluate = pytest.importorskip("reglo.core.lettering.evaluate")
    ledger = read_fec(fec_bytes, fec_filename(demo.dossier.company.siren, FY_END))
    ev, _ = evaluate.evaluate_lettering(ledger.frame)
    assert ev.original_groups >= 400 and ev.ignored_original_groups == 0
    assert ev.group_recall >= 0.95 and ev.group_precision >= 0.95, ev
